"""Rule benchmark_scale: every system's cost per epoch and peak memory at each dataset size, and
what the study plan makes of them."""

from irgan.bench.scale import benchmark, write_plan_summary
from irgan.jobs.script import snakemake_step


def main() -> None:
    config = dict(snakemake.params.study)
    sections = {key: config[key] for key in ("pretraining", "irgan", "baselines")}
    frame = benchmark(list(snakemake.input.datasets), snakemake.output.csv, list(snakemake.params.systems),
                      sections, config["device"], snakemake.threads, config["scale"]["timeout_s"],
                      snakemake.params.reference)
    write_plan_summary(frame, config, snakemake.output.plan)


snakemake_step(snakemake, main)
