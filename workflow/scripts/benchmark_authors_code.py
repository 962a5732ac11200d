"""Rule benchmark_authors_code: time the authors' patched cf_gan.py on the benchmark's schedule."""

from pathlib import Path

from irgan.jobs.script import subprocess_step
from irgan.original.authors_code import Schedule, benchmark_authors


def main() -> None:
    benchmark_authors(Path(snakemake.input.code[0]).parent,
                      {Path(path).name: path for path in snakemake.input.data},
                      Schedule(**snakemake.params.schedule), snakemake.output.json,
                      threads=snakemake.threads)


subprocess_step(main, snakemake.log[0])
