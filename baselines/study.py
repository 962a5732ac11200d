"""One baseline on one dataset and seed: tune on validation, fit under each selection rule, write runs.

The ``baselines:`` section of the config names the systems and, per system, a
``grid`` (lists of values tried on the validation split) and ``fixed`` values;
everything else is the class default. Tuning (:mod:`baselines.tuning`) is done
once per seed and shared by both selection rules, since it never depends on the
test set. Then, per selection rule, the chosen setting is fitted again:

- ``validation``: on training minus the validation carve, the epoch picked on
  validation P@5 (the test curve is recorded beside it, never used);
- ``test`` (the paper's protocol): on every training positive, the epoch picked
  on test P@5.

Each run is written in the run contract (:mod:`irgan.contract.runs`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from baselines import baseline_class
from baselines.tuning import TuningResult, tune_recommender
from irgan.contract.io import write_json, write_text
from irgan.contract.provenance import run_record
from irgan.contract.runs import divergence_entry, make_record, read_run, run_dir, write_frame, write_run
from irgan.data.dataset import Dataset
from irgan.errors import ConfigError
from irgan.models.evaluation import Evaluator
from irgan.protocol import CUTOFFS, SELECTIONS
from irgan.published import TABLE3_ML100K
from irgan.train.runtime import resolve_device, seed_everything

log = logging.getLogger("irgan.baselines")

#: the paper's Table 3 row each baseline stands beside (None: no published row)
PAPER_ROWS = {"bpr": "BPR", "lambdafm": "LambdaFM"}


def baseline_settings(config: Mapping[str, Any], system: str) -> tuple[dict, dict, str]:
    """(fixed values, grid, tuning metric) of ``system``; errors name the offending key."""
    section = config.get("baselines")
    if not section:
        raise ConfigError("key baselines: missing from the config")
    if system not in section.get("systems", []):
        raise ConfigError(f"key baselines.systems does not list {system!r}")
    spec = section.get(system) or {}
    fixed, grid = dict(spec.get("fixed") or {}), dict(spec.get("grid") or {})
    known = baseline_class(system).defaults
    for part, values in (("fixed", fixed), ("grid", grid)):
        for key in values:
            if key not in known:
                raise ConfigError(f"key baselines.{system}.{part}.{key}: {system} has no such "
                                  f"hyper-parameter (known: {', '.join(known) or 'none'})")
    for key in sorted(set(fixed) & set(grid)):
        raise ConfigError(f"key baselines.{system}.grid.{key} is also in baselines.{system}.fixed")
    return fixed, grid, section.get("metric", "P@5")


def tune(config: Mapping[str, Any], dataset: Dataset, system: str, seed: int,
         device: torch.device) -> TuningResult:
    """The grid of ``system`` on the validation split (fit on training minus validation)."""
    fixed, grid, metric = baseline_settings(config, system)
    cls = baseline_class(system)
    cutoffs = evaluation_cutoffs(config)

    def factory(**params):
        seed_everything(seed)
        return cls(seed=seed, device=device, selection_metric=metric, cutoffs=cutoffs, **params)

    return tune_recommender(factory, dataset, grid, fixed, metric, device, cutoffs)


def relevant_config(config: Mapping[str, Any], system: str, dataset: str) -> dict[str, Any]:
    """The part of the config a baseline run depends on (for its provenance record)."""
    section = config.get("baselines", {})
    return {
        "dataset": dataset,
        "dataset_spec": config.get("datasets", {}).get(dataset),
        "device": config.get("device"),
        "evaluation": config.get("evaluation"),
        "validation": config.get("validation"),
        "baselines": {"metric": section.get("metric", "P@5"), "selections": section.get("selections"),
                      system: section.get(system)},
    }


def evaluation_cutoffs(config: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(config.get("evaluation", {}).get("cutoffs", CUTOFFS))


def fit_selected(config: Mapping[str, Any], dataset: Dataset, system: str, seed: int,
                 selection: str, tuning: TuningResult, device: torch.device
                 ) -> tuple[pd.DataFrame | None, pd.DataFrame, dict[str, Any], pd.DataFrame | None]:
    """Fit the tuned setting under ``selection``; (per-user test metrics or None, curve, record,
    the same users' top-10 lists or None)."""
    if selection not in SELECTIONS:
        raise ConfigError(f"unknown selection rule {selection!r} (expected one of {', '.join(SELECTIONS)})")
    cls = baseline_class(system)
    run = {
        "system": system, "dataset": dataset.name, "selection": selection, "seed": seed,
        "selection_metric": tuning.metric,
        "provenance": run_record(relevant_config(config, system, dataset.name), seed=seed,
                                 device=str(device)),
    }
    details = {"grid": tuning.grid, "fixed": tuning.fixed, "tuning": tuning.to_record(),
               "paper_row": PAPER_ROWS.get(system)}
    params = tuning.best_params
    if params is None:
        record = make_record(
            status="diverged", **run, details=details,
            divergence=divergence_entry("tuning", None, "every grid point diverged during tuning"))
        return None, pd.DataFrame(columns=["epoch", "model", "split"]), record, None
    seed_everything(seed)
    cutoffs = evaluation_cutoffs(config)
    model = cls(seed=seed, device=device, selection_metric=tuning.metric, record_test_curve=True,
                cutoffs=cutoffs, **params).fit(dataset, selection)
    summary = model.summary()
    record = make_record(
        status=summary["status"], **run, selected_epoch=summary["selected_epoch"],
        final_epoch=summary["final_epoch"], reported_model=model.name,
        deterministic=summary["deterministic"], divergence=summary["divergence"],
        hyperparameters=summary["hyperparameters"],
        details={**details, "train_loss": summary["train_loss"]})
    per_user = top_items = None
    if model.status == "ok":
        per_user, top_items = Evaluator(dataset, "test", cutoffs, device).report(model.score)
    return per_user, model.curve, record, top_items


def run_seed(config: Mapping[str, Any], dataset: Dataset, system: str, seed: int,
             selections: Sequence[str], tuning_path: str | os.PathLike,
             run_dirs: Sequence[str | os.PathLike]) -> None:
    """Tune once, then write one run per selection rule into the matching directory."""
    device = resolve_device(str(config.get("device", "auto")))
    log.info("%s on %s, seed %d: tuning on validation (%s)", system, dataset.name, seed, device)
    tuning = tune(config, dataset, system, seed, device)
    write_json(tuning_path, {"system": system, "dataset": dataset.name, "seed": seed,
                             **tuning.to_record()})
    log.info("chosen %s (validation %s %s)", tuning.best_params, tuning.metric,
             None if tuning.best is None else round(tuning.best.score, 4))
    for selection, directory in zip(selections, run_dirs, strict=True):
        per_user, curve, record, top_items = fit_selected(config, dataset, system, seed, selection, tuning,
                                                          device)
        write_run(directory, per_user, curve, record, top_items)
        if per_user is not None:
            log.info("selection %s: epoch %s, test P@5 %.4f", selection, record["selected_epoch"],
                     per_user["P@5"].mean())
        else:
            log.info("selection %s: diverged (%s)", selection, record["divergence"])


def summarise(results: str | os.PathLike, dataset: str, systems: Sequence[str],
              selections: Sequence[str], seeds: Sequence[int]) -> pd.DataFrame:
    """Mean, standard deviation and count over seeds of each run's test metrics (ok runs only).

    ``deterministic``: every run's record says so (pop, itemknn, ease) or every
    seed gave the same metrics; such a system has no spread to report.
    """
    rows = []
    for system in systems:
        for selection in selections:
            values, diverged, flags = [], 0, []
            for seed in seeds:
                _, _, record = read_run(run_dir(results, dataset, selection, system, seed))
                if record["status"] == "ok":
                    values.append(record["test_metrics"])
                    flags.append(record["deterministic"])
                else:
                    diverged += 1
            frame = pd.DataFrame(values)
            same = len(frame) > 1 and bool((frame.nunique() == 1).all())
            row = {"system": system, "selection": selection, "runs": len(values), "diverged": diverged,
                   "deterministic": bool(flags) and (all(flags) or same)}
            for metric in frame.columns:
                row[f"{metric} mean"] = frame[metric].mean()
                row[f"{metric} sd"] = frame[metric].std(ddof=1) if len(frame) > 1 else float("nan")
            rows.append(row)
    return pd.DataFrame(rows)


def _cell(mean, sd, deterministic: bool) -> str:
    """``mean ± sd``; the mean alone for a deterministic system or a single run (no spread)."""
    if mean is None or mean != mean:
        return "–"
    if deterministic or sd is None or sd != sd:
        return f"{mean:.4f}"
    return f"{mean:.4f} ± {sd:.4f}"


def summary_markdown(summary: pd.DataFrame, dataset: str) -> str:
    """The summary as a Markdown table, with the paper's Table 3 rows beside it."""
    metrics = ["P@3", "P@5", "P@10", "MAP", "NDCG@3", "NDCG@5", "NDCG@10", "MRR"]
    lines = [f"# Baselines on `{dataset}`: test metrics, mean ± sd over seeds", "",
             "± is the standard deviation over seeds (as in every table of the study). A system "
             "marked (deterministic) gives the same figures for every seed and is shown without ±; "
             "a single run has no spread either.", "",
             "Hyper-parameters are always chosen on the validation split. Selection `validation`: "
             "fit on training minus the validation carve, epoch chosen on validation P@5. "
             "Selection `test` (the paper's protocol): fit on every training positive, epoch chosen "
             "on test P@5. For pop, itemknn and ease (no epochs) the two rules differ only in the "
             "positives fitted.", "",
             "| system | selection | runs | " + " | ".join(metrics) + " |",
             "|---|---|---:|" + "---:|" * len(metrics)]
    for row in summary.to_dict("records"):
        cells = [_cell(row.get(f"{m} mean"), row.get(f"{m} sd"), row.get("deterministic", False))
                 for m in metrics]
        runs = f"{row['runs']}" + (f" (+{row['diverged']} diverged)" if row["diverged"] else "")
        runs += " (deterministic)" if row.get("deterministic", False) else ""
        lines.append(f"| {row['system']} | {row['selection']} | {runs} | " + " | ".join(cells) + " |")
    if dataset in ("ml-100k-irgan", "ml-100k"):  # Table 3's data; elsewhere no published figure
        lines += ["", "Paper, Table 3 (MovieLens-100k):", "",
                  "| system | " + " | ".join(metrics) + " |", "|---|" + "---:|" * len(metrics)]
        lines += [f"| {name} | " + " | ".join(f"{v:.4f}" for v in values) + " |"
                  for name, values in TABLE3_ML100K.items()]
    return "\n".join(lines) + "\n"


def write_summary(results: str | os.PathLike, dataset: str, systems: Sequence[str],
                  selections: Sequence[str], seeds: Sequence[int],
                  csv_path: str | os.PathLike, markdown_path: str | os.PathLike) -> pd.DataFrame:
    summary = summarise(results, dataset, systems, selections, seeds)
    write_frame(summary, csv_path)
    write_text(markdown_path, summary_markdown(summary, dataset))
    return summary


def check_run_dirs(results: str | os.PathLike, dataset: str, system: str, seed: int,
                   selections: Sequence[str], records: Sequence[str | os.PathLike]) -> list[Path]:
    """The run directories of ``records``, checked against the run contract's layout."""
    dirs = [Path(r).parent for r in records]
    expected = [run_dir(results, dataset, s, system, seed) for s in selections]
    if [d.resolve() for d in dirs] != [e.resolve() for e in expected]:
        raise ConfigError(f"run outputs {dirs} do not follow the run contract {expected}")
    return dirs

