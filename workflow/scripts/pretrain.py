"""Rules pretrain / pretrain_discriminator: DNS, MLE or D pre-training, written as a run."""

from pathlib import Path

import repo_path  # noqa: F401  (the checkout's packages, in any env)

from irgan.data import Dataset
from irgan.dns import train_dns
from irgan.irgan_pointwise import pretrain_discriminator
from irgan.mle import train_mle
from irgan.provenance import run_record
from irgan.runtime import resolve_device
from irgan.steps import snakemake_step
from irgan.training import set_threads, write_training_run

TRAINERS = {"dns": train_dns, "mle": train_mle, "discriminator": pretrain_discriminator}


def main() -> None:
    method = snakemake.params.get("method") or snakemake.wildcards.method
    selection, seed = snakemake.wildcards.selection, int(snakemake.wildcards.seed)
    settings = dict(snakemake.params.settings)
    device = resolve_device(snakemake.params.device)
    set_threads(snakemake.threads)
    dataset = Dataset.load(snakemake.input.dataset)
    result = TRAINERS[method](dataset, selection, settings, seed, device)
    provenance = run_record(
        {"pretraining": {method: settings}, "device": snakemake.params.device,
         "dataset": snakemake.wildcards.dataset, "selection": selection},
        seed=seed, device=str(device))
    write_training_run(Path(snakemake.output.record).parent, result, dataset, provenance, device)


snakemake_step(snakemake, main)
