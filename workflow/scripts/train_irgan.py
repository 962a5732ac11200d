"""Rule train_irgan: one IRGAN variant, seed and selection rule, written as a run."""

from pathlib import Path

import repo_path  # noqa: F401  (the checkout's packages, in any env)

from irgan.data import Dataset
from irgan.irgan_pointwise import initial_model, train_irgan
from irgan.provenance import run_record
from irgan.runtime import resolve_device
from irgan.steps import snakemake_step
from irgan.training import set_threads, write_training_run


def main() -> None:
    w = snakemake.wildcards
    settings = dict(snakemake.params.settings)
    device = resolve_device(snakemake.params.device)
    set_threads(snakemake.threads)
    dataset = Dataset.load(snakemake.input.dataset)
    generator = initial_model(snakemake.input.get("generator"), settings["generator_init"], dataset)
    discriminator = initial_model(snakemake.input.get("discriminator"), settings["discriminator_init"],
                                  dataset)
    resume = Path(snakemake.params.resume)
    result = train_irgan(dataset, w.selection, settings, int(w.seed), device, generator, discriminator,
                         variant=w.variant, resume_path=resume)
    provenance = run_record(
        {"irgan": settings, "variant": w.variant, "device": snakemake.params.device,
         "dataset": w.dataset, "selection": w.selection,
         "initial_models": {k: snakemake.input.get(k) for k in ("generator", "discriminator")}},
        seed=int(w.seed), device=str(device))
    write_training_run(Path(snakemake.output.record).parent, result, dataset, provenance, device)
    resume.unlink(missing_ok=True)


snakemake_step(snakemake, main)
