"""Rule pretrain: DNS (the authors' cf_dns.py) or MLE pre-training, the study's `dns` and `mle`
rows, written as a run."""

from irgan.jobs.script import snakemake_step
from irgan.jobs.training_run import train_step
from irgan.train.dns import train_dns
from irgan.train.mle import train_mle

TRAINERS = {"dns": train_dns, "mle": train_mle}


def main() -> None:
    w, method = snakemake.wildcards, snakemake.wildcards.method
    settings = dict(snakemake.params.settings)
    train_step(snakemake,
               lambda dataset, device: TRAINERS[method](dataset, w.selection, settings, int(w.seed), device),
               {"pretraining": {method: settings}})


snakemake_step(snakemake, main)
