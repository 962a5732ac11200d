"""Rule run_authors_code: the patched cf_gan.py for one seed (in the TensorFlow environment)."""

from pathlib import Path

from irgan.jobs.script import subprocess_step
from irgan.original.authors_code import Schedule, run_cf_gan


def main() -> None:
    data = {Path(path).name: path for path in snakemake.input.data}
    with open(snakemake.log[0], "w") as log:
        run_cf_gan(Path(snakemake.input.code[0]).parent, data, Schedule(**snakemake.params.schedule),
                   int(snakemake.wildcards.seed), Path(snakemake.output.record).parent,
                   threads=snakemake.threads, log=log)


subprocess_step(main, snakemake.log[0])
