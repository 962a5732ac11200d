"""Rule train_tuned: <system>-tuned, the search's best configuration on one seed, honest rule."""

import json
from pathlib import Path

from irgan.contract.provenance import run_record
from irgan.data.dataset import Dataset
from irgan.jobs.script import snakemake_step
from irgan.jobs.tune import best_settings, train_tuned
from irgan.train.components import set_threads
from irgan.train.runtime import resolve_device


def main() -> None:
    w, params, inputs = snakemake.wildcards, snakemake.params, snakemake.input
    set_threads(snakemake.threads)
    device = resolve_device(params.device)
    record = json.loads(Path(inputs.best).read_text())
    starts = {name: inputs.get(name) for name in ("generator", "discriminator")}
    provenance = run_record({"tuned": best_settings(record), "tuning": record["budget"], "dataset": w.dataset,
                             "selection": w.selection, "device": params.device, "initial_models": starts},
                            seed=int(w.seed), device=str(device))
    train_tuned(w.system, record, Dataset.load(inputs.dataset), int(w.seed), device, starts,
                Path(snakemake.output.record).parent, provenance)


snakemake_step(snakemake, main)
