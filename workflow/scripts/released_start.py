"""Rule released_start: the authors' released DNS start as the run `dns-released`."""

from pathlib import Path

from irgan.audit import write_released_start_run
from irgan.data import Dataset
from irgan.provenance import run_record
from irgan.steps import snakemake_step


def main() -> None:
    w = snakemake.wildcards
    dataset = Dataset.load(snakemake.input.dataset)
    provenance = run_record({"dataset": w.dataset, "checkpoint": snakemake.input.checkpoint},
                            seed=int(w.seed), device="cpu")
    write_released_start_run(Path(snakemake.output.record).parent, dataset, snakemake.input.checkpoint,
                             int(w.seed), provenance)


snakemake_step(snakemake, main)
