"""Hyper-parameters by a small grid on the validation split, never on the test set.

Generic over any fit function: ``fit(params) -> model`` where the model has
``score(users)`` (a :class:`irgan.models.recommender.Recommender`) and was trained on
``dataset.training_positives("validation")`` (training minus the validation
carve). Every grid point is scored here on the validation split, with an
evaluator that only ever sees the fitted and the validation positives; the
best point (first in grid order on ties) wins. Iterative models pick their
epoch on that same split inside ``fit`` (``selection="validation"``).

:func:`tune_recommender` does this for a recommender class or factory, and is
what the baselines use; IRGAN's MLE and DNS trainers can be tuned with
:func:`grid_search` by passing a closure that trains them on the fitted
positives and selects on validation.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from irgan.data.dataset import Dataset
from irgan.errors import ConfigError, IrganError
from irgan.models.evaluation import CUTOFFS, Evaluator, metric_names

CUTOFF_METRICS_PREFIXES = ("P@", "NDCG@")


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, the first key varying slowest; ``{}`` -> ``[{}]``."""
    for key, values in grid.items():
        if isinstance(values, str | bytes) or not isinstance(values, Sequence) or len(values) == 0:
            raise ConfigError(f"grid key {key}: expected a non-empty list of values, got {values!r}")
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


@dataclass
class Trial:
    """One grid point: its parameters, validation score and outcome."""

    params: dict[str, Any]
    score: float | None
    status: str  # "ok" or "diverged"
    selected_epoch: int | None = None
    detail: str | None = None


@dataclass
class TuningResult:
    metric: str
    grid: dict[str, list[Any]]
    fixed: dict[str, Any]
    trials: list[Trial] = field(default_factory=list)

    @property
    def best(self) -> Trial | None:
        """The best non-diverged trial (the first one on ties), or None if all diverged."""
        scored = [t for t in self.trials if t.status == "ok" and t.score is not None]
        return max(scored, key=lambda t: t.score) if scored else None

    @property
    def best_params(self) -> dict[str, Any] | None:
        best = self.best
        return None if best is None else {**self.fixed, **best.params}

    def to_record(self) -> dict[str, Any]:
        best = self.best
        return {
            "metric": self.metric,
            "split": "validation",
            "grid": self.grid,
            "fixed": self.fixed,
            "trials": [vars(t) for t in self.trials],
            "best_params": self.best_params,
            "best_score": None if best is None else best.score,
            "best_selected_epoch": None if best is None else best.selected_epoch,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> TuningResult:
        result = cls(record["metric"], dict(record["grid"]), dict(record["fixed"]))
        result.trials = [Trial(**t) for t in record["trials"]]
        return result


def grid_search(
    fit: Callable[[dict[str, Any]], Any],
    dataset: Dataset,
    grid: Mapping[str, Sequence[Any]],
    fixed: Mapping[str, Any] | None = None,
    metric: str = "P@5",
    device: str | torch.device = "cpu",
    cutoffs: Sequence[int] = CUTOFFS,
) -> TuningResult:
    """Fit every grid point (merged over ``fixed``) and score it on the validation split.

    ``fit(params)`` must train on ``dataset.training_positives("validation")``. A
    model whose ``status`` is ``"diverged"``, or whose scores are not finite, is
    recorded as diverged and never chosen (so does one whose ``score`` raises an
    :class:`~irgan.errors.IrganError`, e.g. a diverged pre-training run).
    """
    if metric not in metric_names(cutoffs):
        raise ConfigError(f"tuning metric {metric!r} is not one of {', '.join(metric_names(cutoffs))}")
    fixed = dict(fixed or {})
    overlap = sorted(set(fixed) & set(grid))
    if overlap:
        raise ConfigError(f"key(s) {', '.join(overlap)} appear both in the grid and in the fixed values")
    evaluator = Evaluator(dataset, "validation", cutoffs, device)
    cutoff_only = metric.startswith(CUTOFF_METRICS_PREFIXES)
    result = TuningResult(metric, {k: list(v) for k, v in grid.items()}, fixed)
    for point in grid_points(grid):
        model = fit({**fixed, **point})
        status, selected_epoch, detail = fit_outcome(model)
        score = None
        if status == "ok":
            try:
                score = evaluator.means(model.score, cutoff_only=cutoff_only)[metric]
            except IrganError as exc:  # non-finite scores, or a diverged run with no model
                status, detail = "diverged", str(exc)
            if score is not None and not math.isfinite(score):
                status, detail, score = "diverged", f"validation {metric} is {score}", None
        result.trials.append(Trial(point, score, status, selected_epoch, detail))
    return result


def fit_outcome(model: Any) -> tuple[str, int | None, Any]:
    """(status, selected epoch, divergence detail) of a fitted model.

    Reads the attributes of :class:`baselines.base.Baseline` (``status``,
    ``selected_epoch``, ``divergence``) or, for the pre-training recommenders of
    :mod:`irgan.train.dns` / :mod:`irgan.train.mle`, those of their ``result``.
    """
    source = model if hasattr(model, "status") else getattr(model, "result", None)
    if source is None:
        return "ok", None, None
    return (getattr(source, "status", "ok"), getattr(source, "selected_epoch", None),
            getattr(source, "divergence", None))


def tune_recommender(factory: Callable[..., Any], dataset: Dataset, grid: Mapping[str, Sequence[Any]],
                     *options: Any, **keywords: Any) -> TuningResult:
    """:func:`grid_search` for a recommender: ``factory(**params).fit(dataset, "validation")``;
    the options after the grid (fixed, metric, device, cutoffs) are grid_search's."""
    return grid_search(lambda params: factory(**params).fit(dataset, "validation"),
                       dataset, grid, *options, **keywords)
