"""Rule benchmark_train: time one faithful IRGAN run on the authors' MovieLens-100k split."""

import repo_path  # noqa: F401  (the checkout's packages, in any env)

from irgan.benchmark_train import benchmark
from irgan.runtime import snakemake_step


def main() -> None:
    benchmark(snakemake.input.dataset, snakemake.input.generator, snakemake.output.csv,
              dict(snakemake.params.settings), snakemake.params.device, snakemake.threads)


snakemake_step(snakemake, main)
