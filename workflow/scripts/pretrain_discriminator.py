"""Rule pretrain_discriminator: D pre-trained on its own loss (Algorithm 1's D), written as a run."""

from irgan.jobs.script import snakemake_step
from irgan.jobs.training_run import train_step
from irgan.train.irgan_pointwise import pretrain_discriminator


def main() -> None:
    w = snakemake.wildcards
    settings = dict(snakemake.params.settings)
    train_step(snakemake,
               lambda dataset, device: pretrain_discriminator(dataset, w.selection, settings, int(w.seed),
                                                              device),
               {"pretraining": {"discriminator": settings}})


snakemake_step(snakemake, main)
