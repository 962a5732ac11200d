"""Rule run_authors_dns: the patched cf_dns.py for one seed (in the TensorFlow environment)."""

from pathlib import Path

from irgan.jobs.script import subprocess_step
from irgan.original.authors_code import run_cf_dns


def main() -> None:
    with open(snakemake.log[0], "w") as log:
        data = {Path(path).name: path for path in snakemake.input.data}
        run_cf_dns(Path(snakemake.input.code[0]).parent, data, int(snakemake.params.epochs),
                   int(snakemake.wildcards.seed), Path(snakemake.output.record).parent,
                   threads=snakemake.threads, log=log)


subprocess_step(main, snakemake.log[0])
