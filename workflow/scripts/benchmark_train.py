"""Rule benchmark_train: the project's trainer beside the authors' code on the same short schedule."""

import json
from pathlib import Path

from irgan.bench.train import benchmark
from irgan.jobs.script import snakemake_step


def main() -> None:
    authors = json.loads(Path(snakemake.input.authors).read_text())
    benchmark(snakemake.input.dataset, snakemake.input.generator, snakemake.output.csv,
              dict(snakemake.params.settings), snakemake.params.device, snakemake.threads,
              authors=authors, schedule=authors["schedule"])


snakemake_step(snakemake, main)
