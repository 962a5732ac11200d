"""Rule tune: one system's equal-budget search on one dataset (irgan/tuning.py)."""

from irgan.data import Dataset
from irgan.provenance import run_record
from irgan.runtime import resolve_device
from irgan.steps import snakemake_step
from irgan.training import set_threads
from irgan.tuning import TuningSettings, run_tuning


def main() -> None:
    w, params, inputs = snakemake.wildcards, snakemake.params, snakemake.input
    set_threads(snakemake.threads)
    device = resolve_device(params.device)
    settings = TuningSettings.from_config({"tuning": dict(params.tuning)})
    base = dict(params.base)
    starts = {name: inputs.get(name) for name in ("generator", "discriminator")}
    provenance = run_record({"tuning": dict(params.tuning), "base": base, "dataset": w.dataset,
                             "device": params.device, "initial_models": starts},
                            seed=settings.seed, device=str(device))
    run_tuning(w.system, base, Dataset.load(inputs.dataset), settings, device, starts,
               dict(snakemake.output.items()), provenance)


snakemake_step(snakemake, main)
