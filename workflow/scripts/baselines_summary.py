"""Rule baselines_summary: mean and spread over seeds of every baseline's test metrics."""

from baselines.study import write_summary
from irgan.jobs.script import snakemake_step

params = snakemake.params
snakemake_step(snakemake, lambda: write_summary(
    params.results, snakemake.wildcards.dataset, params.systems, params.selections, params.seeds,
    snakemake.output.csv, snakemake.output.markdown))
