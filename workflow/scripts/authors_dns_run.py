"""Rule authors_dns_run: the original DNS's raw outputs written as a run of the contract."""

from irgan.authors_results import write_authors_dns_run
from irgan.run_steps import authors_run_step
from irgan.steps import snakemake_step

snakemake_step(snakemake, lambda: authors_run_step(snakemake, write_authors_dns_run))
