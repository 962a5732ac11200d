"""Rule authors_dns_run: the original DNS's raw outputs written as a run of the contract."""

from pathlib import Path

import repo_path  # noqa: F401  (the checkout's packages, in any env)

from irgan.authors_results import write_authors_dns_run
from irgan.data import Dataset
from irgan.provenance import run_record
from irgan.steps import snakemake_step


def main() -> None:
    w = snakemake.wildcards
    dataset = Dataset.load(snakemake.input.dataset)
    provenance = run_record({"dataset": w.dataset, "authors_code": {
        key: snakemake.config["authors_code"][key] for key in ("commit", "base_url", "files")}},
        seed=int(w.seed), device="cpu")
    write_authors_dns_run(Path(snakemake.input.record).parent, dataset, Path(snakemake.output.record).parent,
                      provenance)


snakemake_step(snakemake, main)
