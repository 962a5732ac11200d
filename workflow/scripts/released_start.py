"""Rule released_start: the authors' released DNS start as the run `dns-released`."""

from pathlib import Path

from irgan.contract.provenance import run_record
from irgan.data.dataset import Dataset
from irgan.jobs.script import snakemake_step
from irgan.original.audit import write_released_start_run


def main() -> None:
    w = snakemake.wildcards
    dataset = Dataset.load(snakemake.input.dataset)
    provenance = run_record({"dataset": w.dataset, "checkpoint": snakemake.input.checkpoint},
                            seed=int(w.seed), device="cpu")
    write_released_start_run(Path(snakemake.output.record).parent, dataset, snakemake.input.checkpoint,
                             int(w.seed), provenance)


snakemake_step(snakemake, main)
