"""The on-disk contract of one run, shared by IRGAN, every baseline and the statistics.

A run is (dataset, selection rule, system, seed) and lives in
``{results}/{dataset}/runs/{selection}/{system}/seed-{seed}/`` with three files:

- ``per_user.csv``: the selected model's per-user TEST metrics, in the
  evaluation protocol's format (``user, n_relevant, n_candidates, P@3 ... MRR``).
  Header only when the run diverged.
- ``curve.csv``: one row per evaluation during training:
  ``epoch, model, split, P@3 ... MRR`` (``model`` e.g. ``G``, ``D`` or the
  baseline's name; ``split`` = ``validation`` or ``test``).
- ``record.json``: status (``ok`` or ``diverged``), selected and final epoch,
  hyper-parameters, divergence details, and the provenance block
  (config, seed, code and library versions, device).

Selection rules: ``test`` is the paper's protocol (fit on all training
positives, keep the epoch with the best test P@5); ``validation`` is the
honest one (fit on training minus the validation carve, select on validation,
report test).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd

from irgan.evaluation import CUTOFFS, metric_names
from irgan.io import atomic_path, write_json

SELECTIONS = ("test", "validation")
PER_USER = "per_user.csv"
CURVE = "curve.csv"
RECORD = "record.json"


def run_dir(results: str | os.PathLike, dataset: str, selection: str, system: str, seed: int) -> Path:
    return Path(results) / dataset / "runs" / selection / system / f"seed-{seed}"


def write_frame(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.8g")


def empty_per_user(cutoffs=CUTOFFS) -> pd.DataFrame:
    return pd.DataFrame(columns=["user", "n_relevant", "n_candidates", *metric_names(cutoffs)])


def write_run(
    directory: str | os.PathLike,
    per_user: pd.DataFrame | None,
    curve: pd.DataFrame,
    record: dict,
) -> None:
    """Write the three files of a run; ``per_user=None`` (diverged) writes a header-only table.

    ``record`` must carry ``status``; means of the per-user table are added as
    ``test_metrics`` so a reader of the record alone sees the headline numbers.
    """
    if record.get("status") not in ("ok", "diverged"):
        raise ValueError("record['status'] must be 'ok' or 'diverged'")
    directory = Path(directory)
    table = per_user if per_user is not None else empty_per_user()
    record = dict(record)
    record["test_metrics"] = (
        {m: float(table[m].mean()) for m in table.columns[3:]} if per_user is not None else None
    )
    write_frame(curve, directory / CURVE)
    write_frame(table, directory / PER_USER)
    write_json(directory / RECORD, _finite_or_none(record))


def _finite_or_none(value):
    """JSON has no NaN/inf: store them as null, so a reader never averages them in."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    return value


def read_run(directory: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    directory = Path(directory)
    record = json.loads((directory / RECORD).read_text())
    return pd.read_csv(directory / PER_USER), pd.read_csv(directory / CURVE), record
