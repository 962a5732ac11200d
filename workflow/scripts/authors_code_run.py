"""Rule authors_code_run: the original's raw outputs written as a run of the contract."""

from irgan.jobs.script import snakemake_step
from irgan.jobs.training_run import authors_run_step
from irgan.original.runs import write_authors_run

snakemake_step(snakemake, lambda: authors_run_step(snakemake, write_authors_run))
