"""Rule tune: one system's equal-budget search on one dataset (irgan/jobs/tune.py)."""

from irgan.contract.provenance import run_record
from irgan.data.dataset import Dataset
from irgan.jobs.script import snakemake_step
from irgan.jobs.tune import TuningSettings, run_tuning
from irgan.train.components import set_threads
from irgan.train.runtime import resolve_device


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
