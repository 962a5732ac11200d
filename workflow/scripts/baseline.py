"""Rules baseline / baselines_summary: tune and fit one baseline per seed; summarise the runs."""

import repo_path  # noqa: F401  (the checkout's packages, in any env)
import torch

from baselines.study import check_run_dirs, run_seed, write_summary
from irgan.data import Dataset
from irgan.steps import snakemake_step


def run_baseline() -> None:
    torch.set_num_threads(max(1, int(snakemake.threads)))
    w = snakemake.wildcards
    selections = list(snakemake.params.selections)
    run_dirs = check_run_dirs(snakemake.config["results"], w.dataset, w.system, int(w.seed),
                              selections, snakemake.output.records)
    run_seed(snakemake.config, Dataset.load(snakemake.input.dataset), w.system, int(w.seed),
             selections, snakemake.output.tuning, run_dirs)


def summarise_baselines() -> None:
    p = snakemake.params
    write_summary(snakemake.config["results"], snakemake.wildcards.dataset, p.systems, p.selections,
                  p.seeds, snakemake.output.csv, snakemake.output.markdown)


snakemake_step(snakemake, run_baseline if snakemake.rule == "baseline" else summarise_baselines)
