"""Rule benchmark_authors_code: time the authors' patched cf_gan.py on the benchmark's schedule."""

from pathlib import Path

from irgan.errors import IrganError
from irgan.original.authors_code import Schedule, benchmark_authors

try:
    benchmark_authors(Path(snakemake.input.code[0]).parent,
                      {Path(path).name: path for path in snakemake.input.data},
                      Schedule(**snakemake.params.schedule), snakemake.output.json,
                      threads=snakemake.threads)
except IrganError as error:  # one line for the user (this env has no torch for irgan.train.runtime)
    print(f"error: {error}", file=open(snakemake.log[0], "a"))
    raise SystemExit(f"error: {error}") from None
