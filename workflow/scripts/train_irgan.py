"""Rule train_irgan: one IRGAN variant, seed and selection rule, written as a run."""

from pathlib import Path

from irgan.contract.runs import results_root
from irgan.jobs.script import snakemake_step
from irgan.jobs.training_run import train_step
from irgan.train.irgan_pointwise import initial_model, train_irgan
from irgan.train.placement import load_gpu_measurements


def main() -> None:
    w, inputs = snakemake.wildcards, snakemake.input
    settings = dict(snakemake.params.settings)
    resume = Path(snakemake.params.resume)
    # where a run on a GPU puts its parts: the scale benchmark's measurements in the run's results
    # folder, read on the machine that runs the job (not a rule parameter: a new table must not make
    # finished runs stale)
    measurements = load_gpu_measurements(results_root(snakemake.output.record))

    def train(dataset, device):
        generator = initial_model(inputs.get("generator"), settings["generator_init"], dataset)
        discriminator = initial_model(inputs.get("discriminator"), settings["discriminator_init"], dataset)
        return train_irgan(dataset, w.selection, settings, int(w.seed), device, generator, discriminator,
                           variant=w.variant, resume_path=resume, measurements=measurements)

    train_step(snakemake, train, {"irgan": settings, "variant": w.variant},
               {"initial_models": {k: inputs.get(k) for k in ("generator", "discriminator")}})
    resume.unlink(missing_ok=True)


snakemake_step(snakemake, main)
