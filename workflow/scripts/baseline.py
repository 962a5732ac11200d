"""Rule baseline: tune one baseline on validation for one seed, then fit it under each selection rule."""

import torch

from baselines.study import check_run_dirs, run_seed
from irgan.data.dataset import Dataset
from irgan.jobs.script import snakemake_step


def main() -> None:
    torch.set_num_threads(max(1, int(snakemake.threads)))
    w, params = snakemake.wildcards, snakemake.params
    selections = list(params.selections)
    run_dirs = check_run_dirs(params.results, w.dataset, w.system, int(w.seed), selections,
                              snakemake.output.records)
    run_seed(dict(params.config), Dataset.load(snakemake.input.dataset), w.system, int(w.seed), selections,
             snakemake.output.tuning, run_dirs)


snakemake_step(snakemake, main)
