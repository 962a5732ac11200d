"""The on-disk contract of a run, shared by IRGAN, every baseline, the Snakefile and the statistics.

A run is (dataset, selection rule, system, seed) and lives in :data:`RUN_DIR`,
``{results}/{dataset}/runs/{selection}/{system}/seed-{seed}/``, with four files:

- ``per_user.csv``: the selected model's per-user TEST metrics, in the
  evaluation protocol's format (``user, n_relevant, n_candidates, P@3 ... MRR``).
  Header only when the run diverged.
- ``top_items.csv``: the same users' top-10 recommendations (``user, item_1 ... item_10``, best
  first, the evaluation's candidates and tie order): what the beyond-accuracy metrics
  (:mod:`irgan.contract.beyond_accuracy`) are computed from. Header only when the run diverged.
- ``curve.csv``: one row per evaluation during training:
  ``epoch, model, split, P@3 ... MRR`` (``model`` e.g. ``G``, ``D`` or the
  baseline's name; ``split`` = ``validation`` or ``test``).
- ``record.json``: one schema for every system (:data:`RECORD_FIELDS`): the run's keys,
  status, selected and final epoch, hyper-parameters, divergence, the headline test metrics,
  provenance, and the system's own extras under ``details``. Checked when written and when read.

Trained runs keep their checkpoint (``model.pt``, :data:`MODEL`) beside the three files; nothing
here reads it. Selection rules (:data:`irgan.protocol.SELECTIONS`): ``test`` is the paper's
protocol (fit on all training positives, keep the epoch with the best test P@5); ``validation``
is the honest one (fit on training minus the validation carve, select on validation, report test).

This module writes a run (:func:`write_run`), reads one (:func:`read_run`), parses a run's path
(:func:`parse_run_path`) and loads many at once for the statistics (:func:`load_runs`). It never
imports torch: the statistics environment has none.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from irgan.contract.io import atomic_path, write_json
from irgan.errors import IrganError
from irgan.protocol import CUTOFFS, SELECTION_METRIC, SELECTIONS, metric_names

# --------------------------------------------------------------------------- layout

PER_USER = "per_user.csv"
TOP_ITEMS = "top_items.csv"
CURVE = "curve.csv"
RECORD = "record.json"
#: the files of every run, what the statistics read
CONTRACT_FILES = (PER_USER, TOP_ITEMS, CURVE, RECORD)
#: an IRGAN run's extra file: G's and D's distributions after every outer epoch (irgan.train.dynamics)
DYNAMICS = "dynamics.csv"
#: how many recommendations per user ``top_items.csv`` keeps (the largest cut-off of the protocol)
TOP_K = max(CUTOFFS)
#: a trained run's checkpoint, beside its contract files (read by the runs that start from it)
MODEL = "model.pt"
#: the keys of a Snakemake rule's run outputs, by file
RUN_OUTPUTS = {"per_user": PER_USER, "top_items": TOP_ITEMS, "curve": CURVE, "record": RECORD}
#: where a run lives; every field is also the name of the Snakemake wildcard it becomes
RUN_DIR = "{results}/{dataset}/runs/{selection}/{system}/seed-{seed}"
#: the columns that name a system's runs in every table of the statistics
SYSTEM_KEYS = ["dataset", "selection", "system"]
#: the per-user table's leading columns (the metrics follow)
REFERENCE_COLUMNS = ["user", "n_relevant", "n_candidates"]
STATUSES = ("ok", "diverged")


class RunContractError(IrganError):
    """A run directory does not follow the run contract of :mod:`irgan.contract.runs`."""


class RunKey(NamedTuple):
    """What names a run (a tuple: runs sort by dataset, selection, system, seed)."""

    dataset: str
    selection: str
    system: str
    seed: int


def run_dir(results: str | os.PathLike, dataset: str, selection: str, system: str, seed: int) -> Path:
    """The directory of one run."""
    return Path(run_dir_pattern(os.fspath(results), dataset, selection, system, seed))


def run_dir_pattern(
    results: str,
    dataset: str = "{dataset}",
    selection: str = "{selection}",
    system: str = "{system}",
    seed: int | str = "{seed}",
) -> str:
    """:data:`RUN_DIR` with the fields given filled in; the others stay Snakemake wildcards
    (``run_dir_pattern(RESULTS, system="irgan-{variant}")``: every IRGAN run's directory)."""
    return RUN_DIR.format(results=results, dataset=dataset, selection=selection, system=system, seed=seed)


def run_outputs(directory: str, model: bool = False) -> dict[str, str]:
    """A rule's outputs for the run in ``directory`` (a pattern), by :data:`RUN_OUTPUTS` key;
    with ``model``, the checkpoint too (key ``model``)."""
    files = RUN_OUTPUTS | ({"model": MODEL} if model else {})
    return {key: f"{directory}/{name}" for key, name in files.items()}


def parse_run_path(path: str | os.PathLike) -> tuple[RunKey, Path]:
    """Key and directory of a run from any path inside ``{dataset}/runs/{selection}/{system}/seed-{seed}``."""
    path = Path(path)
    directory = path if path.name.startswith("seed-") else path.parent
    parts = directory.parts
    if len(parts) < 5 or parts[-4] != "runs" or not parts[-1].startswith("seed-"):
        raise RunContractError(
            f"{path}: not a run path (expected .../{{dataset}}/runs/{{selection}}/{{system}}/seed-{{seed}})"
        )
    dataset, selection, system, seed_part = parts[-5], parts[-3], parts[-2], parts[-1]
    if selection not in SELECTIONS:
        raise RunContractError(f"{path}: unknown selection {selection!r} (expected one of {SELECTIONS})")
    try:
        seed = int(seed_part.removeprefix("seed-"))
    except ValueError:
        raise RunContractError(f"{path}: seed directory {seed_part!r} is not seed-<integer>") from None
    return RunKey(dataset, selection, system, seed), directory


def results_root(path: str | os.PathLike) -> Path:
    """The results folder a run lives in (the parent of its ``{dataset}``), from any path inside it."""
    _, directory = parse_run_path(path)
    return directory.parents[4]


# --------------------------------------------------------------------------- the record

NONE = type(None)
#: every key of ``record.json``: the types its value may have and what it holds. Every system
#: writes exactly these keys; what is its own goes under ``details``.
RECORD_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "status": ((str,), "'ok' or 'diverged'"),
    "system": ((str,), "the system: irgan-<variant>, dns, mle, a baseline, dns-released, irgan-authors-code"),
    "dataset": ((str,), "the dataset's name"),
    "selection": ((str,), "the selection rule: 'test' or 'validation'"),
    "seed": ((int,), "the run's seed"),
    "selection_metric": ((str,), "the metric that picked the epoch (and a baseline's setting)"),
    "selected_epoch": ((int, NONE), "the epoch whose model per_user.csv evaluates; null: none"),
    "final_epoch": ((int, NONE), "the last epoch trained; null for a model without epochs"),
    "reported_model": ((str, NONE), "the curve's model the run selects from (G, DNS, the baseline)"),
    "deterministic": ((bool,), "the run gives the same numbers for every seed"),
    "divergence": ((dict, NONE), "null, or {phase, epoch, reason} of a diverged run"),
    "hyperparameters": ((dict,), "the settings the selected model was trained with"),
    "test_metrics": ((dict, NONE), "the per-user table's means (written by write_run); null: diverged"),
    "provenance": ((dict,), "config, seed, code and library versions, device (irgan.contract.provenance)"),
    "details": ((dict,), "the system's own extras (schedule counts, seconds, tuning, ...)"),
}
#: the keys of ``divergence``
DIVERGENCE_FIELDS: dict[str, tuple[type, ...]] = {"phase": (str,), "epoch": (int, NONE), "reason": (str,)}


def make_record(
    *,
    status: str,
    system: str,
    dataset: str,
    selection: str,
    seed: int,
    provenance: dict,
    selected_epoch: int | None = None,
    final_epoch: int | None = None,
    reported_model: str | None = None,
    selection_metric: str = SELECTION_METRIC,
    deterministic: bool = False,
    divergence: dict | None = None,
    hyperparameters: dict | None = None,
    details: dict | None = None,
) -> dict:
    """A run's ``record.json`` with every key of :data:`RECORD_FIELDS` (``test_metrics`` is
    filled in by :func:`write_run`)."""
    return {
        "status": status,
        "system": system,
        "dataset": dataset,
        "selection": selection,
        "seed": seed,
        "selection_metric": selection_metric,
        "selected_epoch": selected_epoch,
        "final_epoch": final_epoch,
        "reported_model": reported_model,
        "deterministic": deterministic,
        "divergence": divergence,
        "hyperparameters": dict(hyperparameters or {}),
        "test_metrics": None,
        "provenance": provenance,
        "details": dict(details or {}),
    }


def divergence_entry(phase: str, epoch: int | None, reason: str) -> dict:
    """A diverged run's ``divergence``: the phase (``G``, ``D``, ``fit``, ``tuning``, ...), the
    epoch it happened in (null when none applies) and what was not finite."""
    return {"phase": phase, "epoch": epoch, "reason": reason}


def check_record(record, source: str | os.PathLike, key: RunKey | None = None) -> dict:
    """``record`` when it follows :data:`RECORD_FIELDS`; else one :class:`RunContractError`
    naming ``source`` and the key. With ``key``, the record must name that run."""
    if not isinstance(record, dict):
        raise RunContractError(f"{source}: not a JSON object")
    status = record.get("status")
    if status not in STATUSES:
        raise RunContractError(f"{source}: key status must be 'ok' or 'diverged', got {status!r}")
    for name, (types, meaning) in RECORD_FIELDS.items():
        if name not in record:
            raise RunContractError(f"{source}: key {name} is missing ({meaning})")
        if not _has_type(record[name], types):
            raise RunContractError(f"{source}: key {name} must be {_type_names(types)} ({meaning}), "
                                   f"got {record[name]!r}")
    unknown = sorted(set(record) - set(RECORD_FIELDS))
    if unknown:
        raise RunContractError(f"{source}: key {unknown[0]} is not part of the run record "
                               "(a system's own values go under details)")
    if record["selection"] not in SELECTIONS:
        raise RunContractError(f"{source}: key selection must be one of {SELECTIONS}, "
                               f"got {record['selection']!r}")
    divergence = record["divergence"]
    if (status == "ok") != (divergence is None):
        raise RunContractError(f"{source}: key divergence must be null exactly when status is 'ok' "
                               f"(status {status!r}, divergence {divergence!r})")
    if divergence is not None:
        if set(divergence) != set(DIVERGENCE_FIELDS):
            raise RunContractError(f"{source}: key divergence must hold exactly "
                                   f"{', '.join(DIVERGENCE_FIELDS)}, got {sorted(divergence)}")
        for name, types in DIVERGENCE_FIELDS.items():
            if not _has_type(divergence[name], types):
                raise RunContractError(f"{source}: key divergence.{name} must be {_type_names(types)}, "
                                       f"got {divergence[name]!r}")
    metrics = record["test_metrics"]
    if status == "diverged" and metrics is not None:
        raise RunContractError(f"{source}: key test_metrics must be null for a diverged run")
    for name, value in (metrics or {}).items():
        if not _has_type(value, (float, int, NONE)):
            raise RunContractError(f"{source}: key test_metrics.{name} must be a number, got {value!r}")
    if key is not None:
        for name, expected in key._asdict().items():
            if record[name] != expected:
                raise RunContractError(f"{source}: key {name} is {record[name]!r} but the run's "
                                       f"directory says {expected!r}")
    return record


def _has_type(value, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # a bool is an int to Python, never to the record
        return bool in types
    return isinstance(value, types)


def _type_names(types: tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", bool: "true or false", dict: "an object",
             float: "a number", NONE: "null"}
    return " or ".join(names[t] for t in types)


# --------------------------------------------------------------------------- writing


def write_frame(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.8g")


def empty_per_user(cutoffs=CUTOFFS) -> pd.DataFrame:
    return pd.DataFrame(columns=[*REFERENCE_COLUMNS, *metric_names(cutoffs)])


def write_run(
    directory: str | os.PathLike,
    per_user: pd.DataFrame | None,
    curve: pd.DataFrame,
    record: dict,
    top_items: pd.DataFrame | None = None,
) -> None:
    """Write the files of a run; ``per_user=None`` (diverged) writes header-only tables.

    ``record`` is a :func:`make_record`; the means of the per-user table are added as
    ``test_metrics`` so a reader of the record alone sees the headline numbers. The record is
    checked first: a record that breaks the schema is never written. ``top_items`` (the same
    users' top-10 lists, :meth:`irgan.models.evaluation.Evaluator.report`) is written when given;
    every system of the workflow gives it.
    """
    directory = Path(directory)
    if per_user is not None and top_items is not None and not np.array_equal(
            per_user["user"].to_numpy(), top_items["user"].to_numpy()):
        raise RunContractError(f"{directory}: top_items and per_user list different users")
    table = per_user if per_user is not None else empty_per_user()
    record = dict(record)
    record["test_metrics"] = (
        {m: float(table[m].mean()) for m in table.columns[len(REFERENCE_COLUMNS):]}
        if per_user is not None else None
    )
    record = check_record(_finite_or_none(record), directory / RECORD)
    write_frame(curve, directory / CURVE)
    write_frame(table, directory / PER_USER)
    if per_user is None:
        write_frame(pd.DataFrame(columns=["user", *(f"item_{r + 1}" for r in range(TOP_K))]),
                    directory / TOP_ITEMS)
    elif top_items is not None:
        write_frame(top_items, directory / TOP_ITEMS)
    write_json(directory / RECORD, record)


def _finite_or_none(value):
    """JSON has no NaN/inf: store them as null, so a reader never averages them in."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    return value


# --------------------------------------------------------------------------- reading


def read_record(directory: str | os.PathLike, key: RunKey | None = None) -> dict:
    """A run's checked ``record.json`` (with ``key``: it must name that run)."""
    path = Path(directory) / RECORD
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise RunContractError(f"{path}: missing (every run writes record.json)") from None
    except json.JSONDecodeError as exc:
        raise RunContractError(f"{path}: line {exc.lineno}: invalid JSON ({exc.msg})") from None
    return check_record(record, path, key)


def read_run(directory: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """(per-user table, curve, checked record) of the run in ``directory``."""
    directory = Path(directory)
    record = read_record(directory)
    return _read_csv(directory / PER_USER), _read_csv(directory / CURVE), record


@dataclass
class StudyRuns:
    """Every run of a study, loaded once: a run table, per-user metrics and learning curves."""

    runs: pd.DataFrame  # one row per run: keys, seed, status, epochs, path
    per_user: pd.DataFrame  # converged runs only: keys, seed, user, n_relevant, metrics
    curves: pd.DataFrame  # converged runs only: keys, seed, epoch, model, split, metrics
    metrics: list[str]


def load_runs(paths: Iterable[str | os.PathLike]) -> StudyRuns:
    """Read the runs named by ``paths`` (any file of a run, or its directory); each run once."""
    directories: dict[RunKey, Path] = {}
    for path in paths:
        key, directory = parse_run_path(path)
        directories.setdefault(key, directory)
    if not directories:
        raise RunContractError("no runs given: the statistics need at least one run directory")
    run_rows, per_user_parts, curve_parts = [], [], []
    metrics: list[str] | None = None
    for key, directory in sorted(directories.items()):
        record = read_record(directory, key)
        keys = key._asdict()
        run_rows.append(
            {
                **keys,
                "status": record["status"],
                "selected_epoch": _epoch(record["selected_epoch"]),
                "final_epoch": _epoch(record["final_epoch"]),
                "reported_model": record["reported_model"],
                "start": record["hyperparameters"].get("generator_init"),
                "deterministic": record["deterministic"],
                "path": str(directory),
            }
        )
        if record["status"] != "ok":
            continue
        per_user = _read_csv(directory / PER_USER)
        run_metrics = [c for c in per_user.columns if c not in REFERENCE_COLUMNS]
        if metrics is None:
            metrics = run_metrics
        elif run_metrics != metrics:
            raise RunContractError(
                f"{directory / PER_USER}: metric columns {run_metrics} differ from "
                f"those of the other runs {metrics}"
            )
        if "user" not in per_user.columns:
            raise RunContractError(f"{directory / PER_USER}: no 'user' column")
        if per_user.empty:
            raise RunContractError(f"{directory / PER_USER}: status 'ok' but no evaluated users")
        values = per_user[metrics].to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise RunContractError(
                f"{directory / PER_USER}: status 'ok' but non-finite metric values "
                "(a diverged run must say so in record.json)"
            )
        if per_user["user"].duplicated().any():
            raise RunContractError(f"{directory / PER_USER}: a user appears twice")
        per_user_parts.append(per_user.assign(**keys))
        curve_path = directory / CURVE
        curve = _read_csv(curve_path) if curve_path.is_file() else pd.DataFrame()
        if not curve.empty:
            missing = {"epoch", "model", "split"} - set(curve.columns)
            if missing:
                raise RunContractError(f"{curve_path}: missing columns {sorted(missing)}")
            curve_parts.append(curve.assign(**keys))
    runs = pd.DataFrame(run_rows)
    metrics = metrics or []
    per_user = _concat(per_user_parts, [*SYSTEM_KEYS, "seed", *REFERENCE_COLUMNS, *metrics])
    curves = _concat(curve_parts, [*SYSTEM_KEYS, "seed", "epoch", "model", "split"])
    return StudyRuns(runs=runs, per_user=per_user, curves=curves, metrics=metrics)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError:
        raise RunContractError(f"{path}: missing") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise RunContractError(f"{path}: cannot parse CSV ({exc})") from None


def _epoch(value: int | None) -> float:
    return math.nan if value is None else float(value)


def _concat(parts: list[pd.DataFrame], leading: list[str]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=leading)
    frame = pd.concat(parts, ignore_index=True)
    rest = [c for c in frame.columns if c not in leading]
    return frame[[c for c in leading if c in frame.columns] + rest]


def per_user_means(study: StudyRuns) -> pd.DataFrame:
    """Each user's metrics averaged over a system's converged seeds (the unit of the paired tests)."""
    if study.per_user.empty:
        return pd.DataFrame(columns=[*SYSTEM_KEYS, "user", "n_seeds", *study.metrics])
    grouped = study.per_user.groupby([*SYSTEM_KEYS, "user"], sort=True)
    means = grouped[study.metrics].mean()
    means.insert(0, "n_seeds", grouped.size())
    return means.reset_index()
