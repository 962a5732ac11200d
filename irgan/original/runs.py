"""The authors' original code's run, written in the run contract every system shares.

``irgan.original.authors_code`` runs the patched ``cf_gan.py`` in a TensorFlow environment and keeps what
the code itself produced: its per-epoch test evaluations (its own ``simple_test``) and the
generator it saved at its best test P@5. This module, in the study's environment, turns that
into ``per_user.csv`` (the saved generator scored by this project's evaluation, like every other
system), ``curve.csv`` (one row per G-epoch, the code's own numbers) and ``record.json``.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd

from irgan.contract.runs import make_record, write_run
from irgan.data.dataset import Dataset
from irgan.models.checkpoints import load_mf_checkpoint
from irgan.models.evaluation import evaluate_report, summarise
from irgan.original.authors_code import (
    DNS_PICKLE,
    DNS_SYSTEM,
    EPOCH_LOG,
    SELECTED_PICKLE,
    SYSTEM,
    epoch_times,
    read_epoch_log,
    selected_epoch,
)
from irgan.protocol import PAPER_SELECTION, SELECTION_METRIC, metric_names

# The order of cf_gan.py's simple_test result: [P@3, P@5, P@10, NDCG@3, NDCG@5, NDCG@10].
CODE_METRICS = ("P@3", "P@5", "P@10", "NDCG@3", "NDCG@5", "NDCG@10")
# cf_gan.py's constants (what the run used besides the schedule), for the record.
CODE_CONSTANTS = {
    "generator_init": "released", "released_checkpoint": "model_dns_ori.pkl",
    "discriminator_init": "random", "reward": "2sigmoid-1", "model": {"dim": 5, "init_scale": 0.05},
    "discriminator": {"regenerate_every": 5, "temperature": 0.2, "batch_triples": 16, "lr": 0.001,
                      "l2": 0.1 / 16, "reuse_first_sample": "linecache (as the code runs)"},
    "generator": {"lr": 0.001, "l2": 0.0, "samples_per_positive": 2, "positive_mix": 0.2,
                  "batch_users": 1},
}


def curve_from_log(events: list[dict], trained: str = "G", label: str | None = None) -> pd.DataFrame:
    """The code's own test evaluations as curve rows: the ``trained`` model (cf_gan.py's G,
    cf_dns.py's D) at epoch 0 (the start) and after every epoch (1, 2, ...), named ``label``;
    another model at epoch 0 (cf_gan.py evaluates D only before training)."""
    columns = ["epoch", "model", "split", *metric_names()]
    rows = []
    done = 0
    for event in events:
        if event["result"] is None:
            continue
        if event["model"] == trained and event["epoch"] >= 0:
            done += 1
        epoch = done if event["model"] == trained else 0
        name = (label or trained) if event["model"] == trained else event["model"]
        rows.append({"epoch": epoch, "model": name, "split": "test",
                     **dict(zip(CODE_METRICS, event["result"], strict=True))})
    return pd.DataFrame(rows).reindex(columns=columns)


def write_authors_run(raw_dir: str | os.PathLike, dataset: Dataset, directory: str | os.PathLike,
                      provenance: dict) -> dict:
    """Write ``irgan-authors-code``'s run (the authors' cf_gan.py) from the raw outputs in ``raw_dir``."""
    schedule = json.loads((Path(raw_dir) / "run.json").read_text())["schedule"]
    hyperparameters = {**CODE_CONSTANTS, "outer_epochs": schedule["outer_epochs"],
                       "discriminator_epochs": schedule["d_epochs"], "generator_epochs": schedule["g_epochs"]}
    totals = {"outer_epochs": schedule["outer_epochs"],
              "d_epochs": schedule["outer_epochs"] * schedule["d_epochs"],
              "g_epochs": schedule["outer_epochs"] * schedule["g_epochs"]}
    return _write_original_run(raw_dir, dataset, directory, provenance, SYSTEM, SELECTED_PICKLE, "G", "G",
                               hyperparameters, {"schedule": totals})


def write_authors_dns_run(raw_dir: str | os.PathLike, dataset: Dataset, directory: str | os.PathLike,
                          provenance: dict) -> dict:
    """Write ``dns-authors-code``'s run (the authors' cf_dns.py) from the raw outputs in ``raw_dir``;
    its curve's model is named DNS, as this project's ``dns`` runs name theirs."""
    epochs = json.loads((Path(raw_dir) / "run.json").read_text())["schedule"]["epochs"]
    hyperparameters = {"epochs": epochs, "lr": 0.05, "l2": 0.1, "candidates": 5,
                       "model": {"dim": 5, "init_scale": 0.05}}
    return _write_original_run(raw_dir, dataset, directory, provenance, DNS_SYSTEM, DNS_PICKLE, "D", "DNS",
                               hyperparameters, {})


def _write_original_run(raw_dir, dataset: Dataset, directory, provenance: dict, system: str, saved: str,
                        trained: str, label: str, hyperparameters: dict, details: dict) -> dict:
    """The run of one original: the model the code saved scored by this project's evaluation, the
    code's own curve of the ``trained`` model (named ``label``), and the record."""
    raw_dir = Path(raw_dir)
    raw = json.loads((raw_dir / "run.json").read_text())
    events = read_epoch_log(raw_dir / EPOCH_LOG)
    curve = curve_from_log(events, trained=trained, label=label)
    model = load_mf_checkpoint(raw_dir / saved, dataset.n_users, dataset.n_items)
    per_user, top_items = evaluate_report(model, dataset)
    chosen, best = selected_epoch(events, model=trained)
    ours = summarise(per_user)["P@5"]
    final = curve[curve["model"] == label].iloc[-1]
    record = make_record(
        status="ok", system=system, dataset=dataset.name, selection=PAPER_SELECTION,
        selection_metric=SELECTION_METRIC, seed=int(raw["seed"]), reported_model=label,
        selected_epoch=int(chosen), final_epoch=int(final["epoch"]),
        hyperparameters=hyperparameters, provenance=provenance,
        details={
            "selected_value": best, "final_test_P@5": float(final["P@5"]),
            # the code's own simple_test against this project's evaluation of the model it saved
            "evaluation_agreement": {"code_P@5": best, "project_P@5": ours,
                                     "difference": ours - best if math.isfinite(ours) else None},
            **details,
            "seconds": {"wall": raw["wall_seconds"], **epoch_times(events)},
            "authors_code": {key: raw[key] for key in ("tensorflow", "patch_sha256", "code_sha256",
                                                       "threads")},
        },
    )
    write_run(directory, per_user, curve, record, top_items)
    return record
