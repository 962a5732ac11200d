"""What every trainer of the study shares: parameters, positives, model selection, run files.

Every trainer and baseline keeps its model as :class:`~irgan.models.mf.MFParams`
(re-exported here): three float32 tensors in the layout the compiled kernels
update in place (item embeddings transposed). A model is
selected by P@5 on the run's selection split (``test``: the paper;
``validation``: honest) and written in the run contract of
:mod:`irgan.contract.runs`, with its parameters beside it in ``model.pt``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from irgan.contract.runs import (
    CONTRACT_FILES,
    DYNAMICS,
    MODEL,
    divergence_entry,
    make_record,
    write_frame,
    write_run,
)
from irgan.data.dataset import Dataset, Pairs
from irgan.errors import ConfigError, IrganError
from irgan.models.checkpoints import load_tensors, mf_from_arrays, save_tensors
from irgan.models.evaluation import Evaluator, NonFiniteScoresError
from irgan.models.mf import MFParams
from irgan.protocol import CUTOFFS, SELECTION_METRIC, SELECTIONS, metric_names
from irgan.train import kernels

MODEL_FILE = MODEL


class TrainingDiverged(IrganError):
    """A loss, reward or parameter became NaN or infinite; the run is recorded as diverged."""

    def __init__(self, phase: str, epoch: int, reason: str) -> None:
        super().__init__(f"diverged in {phase} at epoch {epoch}: {reason}")
        self.phase = phase
        self.epoch = epoch
        self.reason = reason


class NonFiniteSampling(IrganError):
    """A sampling distribution holds NaN or inf: the model diverged before a draw could become an
    index. Raised inside a step (which knows no epoch); the trainer records it as a divergence."""


class TrainedRecommender:
    """A trained MF model behind the :class:`~irgan.models.recommender.Recommender` interface."""

    def __init__(self, params: MFParams) -> None:
        self.params = params
        self.device = params.device

    def fit(self, dataset: Dataset, selection: str = "validation") -> TrainedRecommender:  # noqa: ARG002
        return self

    def score(self, users: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.params.score(users)


@dataclass(frozen=True)
class Positives:
    """Training positives grouped by user (users ascending, items in file order).

    This is the order of the authors' loops (``for u in user_pos_train``:
    Python 2 iterates a dict of small int keys in ascending order; each
    user's list keeps the file order).
    """

    users: np.ndarray  # (n_pairs,) user of each pair, ascending
    items: np.ndarray  # (n_pairs,) item of each pair
    user_ids: np.ndarray  # (n_train_users,) users with at least one positive, ascending
    indptr: np.ndarray  # (n_train_users + 1,) pairs of user_ids[k] are indptr[k]:indptr[k+1]
    row: np.ndarray  # (n_pairs,) index into user_ids of each pair
    n_users: int
    n_items: int

    @classmethod
    def from_pairs(cls, pairs: Pairs, n_users: int, n_items: int) -> Positives:
        if len(pairs) == 0:
            raise ConfigError("no training positives: nothing to train on")
        order = np.argsort(pairs.users, kind="stable")
        users = np.asarray(pairs.users[order], dtype=np.int64)
        items = np.asarray(pairs.items[order], dtype=np.int64)
        user_ids, counts = np.unique(users, return_counts=True)
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        row = np.repeat(np.arange(len(user_ids)), counts).astype(np.int64)
        return cls(users, items, user_ids.astype(np.int64), indptr, row, n_users, n_items)

    def __len__(self) -> int:
        return len(self.users)

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.indptr)

    def mask(self, device: str | torch.device = "cpu") -> torch.Tensor:
        """(n_users, n_items) bool: is (u, i) a training positive."""
        mask = torch.zeros(self.n_users, self.n_items, dtype=torch.bool, device=device)
        mask[torch.as_tensor(self.users, device=device), torch.as_tensor(self.items, device=device)] = True
        return mask

    def non_positive_table(self, device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
        """Per training user, its non-positive items ascending (padded) and how many there are.

        Drawing ``table[k, floor(U * count[k])]`` with U uniform in [0, 1) is a
        uniform draw from the user's non-positives (numpy's ``choice`` over the
        candidate list in the authors' cf_dns.py).
        """
        mask = self.mask(device)[torch.as_tensor(self.user_ids, device=device)]
        table = torch.sort(mask.to(torch.int8), dim=1, stable=True).indices
        return table, (~mask).sum(dim=1)

    def non_positives(self, device: str | torch.device = "cpu") -> tuple[NonPositives, torch.Tensor]:
        """:meth:`non_positive_table`'s draws in memory that grows with the positives, not with
        users x items: (the index, how many non-positives each training user has)."""
        order = np.lexsort((self.items, self.row))
        items, row = self.items[order], self.row[order]
        rank = np.arange(len(items)) - self.indptr[row]
        keys = row * self.n_items + items - rank
        index = NonPositives(torch.as_tensor(keys, device=device),
                             torch.as_tensor(self.indptr[:-1], device=device), self.n_items)
        return index, torch.as_tensor(self.n_items - self.counts, device=device)


@dataclass
class NonPositives:
    """Each training user's non-positive items in ascending order, without a users x items table
    (which at Netflix size would take gigabytes): with the user's positives p_0 < p_1 < ... , its
    j-th non-positive is ``j + #{i : p_i - i <= j}``. ``keys`` holds ``row * n_items + p_i - i``
    for every positive (ascending), so one ``searchsorted`` answers every draw at once; the items
    are those of :meth:`Positives.non_positive_table`'s rows."""

    keys: torch.Tensor  # (n_pairs,) ascending
    starts: torch.Tensor  # (n_train_users,) first key of each row
    n_items: int

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.starts), self.n_items

    def __getitem__(self, where: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """``[rows, j]``: the j-th non-positive of each row (j below that row's count)."""
        rows, index = where
        below = torch.searchsorted(self.keys, rows * self.n_items + index, right=True) - self.starts[rows]
        return index + below


def draw_uniform_negatives(table: torch.Tensor | NonPositives, counts: torch.Tensor, rows: torch.Tensor,
                           uniforms: torch.Tensor) -> torch.Tensor:
    """Uniform draws from each row's non-positives; ``uniforms`` has the shape of the result."""
    shape = uniforms.shape
    rows = rows.reshape(-1, *([1] * (len(shape) - 1))).expand(shape)
    index = (uniforms * counts[rows]).long().clamp_(max=table.shape[1] - 1)
    index = torch.minimum(index, counts[rows] - 1)
    return table[rows, index]


def uniforms(generator: torch.Generator, *shape: int) -> torch.Tensor:
    """float64 uniforms in [0, 1) from the run's generator (always drawn on the CPU, so every
    device consumes the same random stream)."""
    return torch.rand(*shape, generator=generator, dtype=torch.float64)


class Curve:
    """Rows ``epoch, model, split, metrics...`` of the run contract's curve.csv."""

    def __init__(self, cutoffs: Sequence[int] = CUTOFFS) -> None:
        self.columns = ["epoch", "model", "split", *metric_names(cutoffs)]
        self.rows: list[dict] = []

    def add(self, epoch: int, model: str, split: str, metrics: dict[str, float]) -> None:
        self.rows.append({"epoch": epoch, "model": model, "split": split, **metrics})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.columns)

    def value(self, epoch: int, model: str, split: str, metric: str) -> float:
        for row in self.rows:
            if (row["epoch"], row["model"], row["split"]) == (epoch, model, split):
                return float(row.get(metric, math.nan))
        return math.nan


class Evaluators:
    """One :class:`Evaluator` per split, masks built once per run.

    Learning curves (``metrics: cutoff``) need P@k and NDCG@k after every
    epoch. On the CPU, with the compiled kernels, the top-k of each row comes
    from one scan (:func:`irgan.train.kernels.top_hits`) over the Evaluator's own
    scores and masks instead of masked_fill + topk + gather; the metric
    formulas are those of :func:`irgan.models.evaluation.cutoff_metrics` (tests check
    both paths give the same numbers); ``compiled=False`` keeps the torch path (the baselines'
    curves were made with it).
    """

    def __init__(self, dataset: Dataset, splits: Sequence[str], device: str | torch.device,
                 metrics: str = "cutoff", cutoffs: Sequence[int] = CUTOFFS, compiled: bool = True) -> None:
        if metrics not in ("cutoff", "full"):
            raise ConfigError(f"curve metrics must be 'cutoff' or 'full', got {metrics!r}")
        self.device = torch.device(device)
        self.cutoff_only = metrics == "cutoff"
        self.cutoffs = tuple(cutoffs)
        self.by_split = {split: Evaluator(dataset, split, cutoffs, self.device) for split in splits}
        self.compiled = compiled and self.cutoff_only and kernels.AVAILABLE and self.device.type == "cpu"

    def means(self, params: MFParams, model: str = "model", epoch: int = 0) -> dict[str, dict[str, float]]:
        """Mean metrics per split; NaN/inf scores end the run as diverged."""
        on_device = params.to(self.device)
        try:
            if self.compiled:
                return {split: self._compiled_means(ev, on_device.score)
                        for split, ev in self.by_split.items()}
            return {split: ev.means(on_device.score, cutoff_only=self.cutoff_only)
                    for split, ev in self.by_split.items()}
        except NonFiniteScoresError as exc:
            raise TrainingDiverged(model, epoch, f"{model} scores are not finite") from exc

    def _compiled_means(self, evaluator: Evaluator, score_fn) -> dict[str, float]:
        k_max = max(self.cutoffs)
        parts: dict[str, list[torch.Tensor]] = {}
        for users, known, relevant in evaluator.blocks:
            with torch.no_grad():
                scores = score_fn(users).contiguous()
            hits, n_relevant, finite = kernels.top_hits(scores.numpy(), known.numpy(), relevant.numpy(),
                                                        k_max)
            if not finite:
                raise NonFiniteScoresError("scores contain NaN or inf: the model diverged")
            for name, values in cutoff_means_from_hits(torch.from_numpy(hits), torch.from_numpy(n_relevant),
                                                       self.cutoffs).items():
                parts.setdefault(name, []).append(values)
        return {name: float(torch.cat(values).mean()) for name, values in parts.items()}


def cutoff_means_from_hits(hits: torch.Tensor, n_relevant: torch.Tensor,
                           cutoffs: Sequence[int]) -> dict[str, torch.Tensor]:
    """P@k and NDCG@k per row from the relevance of the top max(k) candidates (the formulas
    of irgan.models.evaluation.cutoff_metrics)."""
    dtype = torch.float64
    hits = hits.to(dtype)
    k_max = hits.shape[1]
    discount = 1.0 / torch.log2(torch.arange(1, k_max + 1, dtype=dtype) + 1)
    ideal_prefix = torch.cumsum(discount, 0)
    valid = n_relevant > 0
    nan = torch.full(n_relevant.shape, float("nan"), dtype=dtype)
    out = {}
    for k in cutoffs:
        out[f"P@{k}"] = torch.where(valid, hits[:, :k].sum(dim=1) / k, nan)
        ideal = ideal_prefix[(n_relevant.clamp(max=k) - 1).clamp(min=0)]
        out[f"NDCG@{k}"] = torch.where(valid, (hits[:, :k] * discount[:k]).sum(dim=1) / ideal, nan)
    return out


class Selector:
    """Keeps the model with the best selection metric seen so far (the first one on ties)."""

    def __init__(self, split: str, metric: str = SELECTION_METRIC) -> None:
        if split not in SELECTIONS:
            raise ConfigError(f"unknown selection rule {split!r} (expected one of {SELECTIONS})")
        self.split = split
        self.metric = metric
        self.best_value = -math.inf
        self.best_epoch: int | None = None
        self.best_params: MFParams | None = None

    def update(self, epoch: int, means: dict[str, dict[str, float]], params: MFParams) -> bool:
        value = means[self.split][self.metric]
        if value > self.best_value:
            self.best_value, self.best_epoch = value, epoch
            if self.best_params is None:
                self.best_params = params.clone()
            else:
                self.best_params.copy_(params)
            return True
        return False


@dataclass
class TrainResult:
    """Outcome of one training run, before it is written to disk."""

    status: str  # "ok" or "diverged"
    selected: MFParams | None
    curve: Curve
    selected_epoch: int | None
    final_epoch: int
    hyperparameters: dict
    system: str  # the run's keys and the curve's model it selects, for its record
    dataset: str
    selection: str
    seed: int
    reported_model: str
    divergence: dict | None = None
    extra: dict = field(default_factory=dict)  # the record's details (schedule, seconds, ...)
    extra_models: dict[str, MFParams] = field(default_factory=dict)
    dynamics: pd.DataFrame | None = None  # IRGAN: G's and D's distributions per outer epoch

    def recommender(self) -> TrainedRecommender:
        if self.selected is None:
            raise IrganError("the run diverged: it has no model to score with")
        return TrainedRecommender(self.selected)


class TrainerRecommender:
    """A trainer behind the Recommender interface: ``fit`` trains and selects, ``score`` uses the
    selected model. Subclasses name their trainer (``train(dataset, selection, settings, seed,
    device) -> TrainResult``); the pre-training runs are baseline rows of the study this way."""

    train: Callable[..., TrainResult]

    def __init__(self, settings: dict | None = None, seed: int = 0,
                 device: str | torch.device = "cpu") -> None:
        self.settings, self.seed, self.device = settings, seed, torch.device(device)
        self.result: TrainResult | None = None

    def fit(self, dataset: Dataset, selection: str = "validation") -> TrainerRecommender:
        self.result = type(self).train(dataset, selection, self.settings, self.seed, self.device)
        return self

    def score(self, users: torch.Tensor) -> torch.Tensor:
        if self.result is None:
            raise ConfigError(f"{type(self).__name__}.score called before fit")
        return self.result.recommender().score(users)


def divergence_record(error: TrainingDiverged) -> dict:
    """The record's ``divergence`` of a run that ``error`` ended."""
    return divergence_entry(error.phase, error.epoch, error.reason)


def check_finite(value: float, phase: str, epoch: int, what: str) -> None:
    if not math.isfinite(value):
        raise TrainingDiverged(phase, epoch, f"{what} is {value}")


def fingerprint(*parts) -> str:
    """A short stable hash of JSON-able parts (settings, seed, data): resume only what matches."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def data_fingerprint(dataset: Dataset, selection: str) -> str:
    pos = dataset.training_positives(selection)
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(pos.users, dtype=np.int64).tobytes())
    digest.update(np.ascontiguousarray(pos.items, dtype=np.int64).tobytes())
    return f"{dataset.name}:{dataset.n_users}x{dataset.n_items}:{digest.hexdigest()[:16]}"


def save_model(path: str | os.PathLike, models: dict[str, MFParams], meta: dict) -> None:
    """``model.pt``: {name: {user_emb, item_emb, item_bias}} of tensors, plus ``meta`` (plain
    values): it loads with ``weights_only=True``, so nothing in it can run code."""
    payload = {"models": {name: params.tensors() for name, params in models.items()}, "meta": meta}
    save_tensors(path, payload)


def load_model(path: str | os.PathLike, name: str | None = None,
               n_users: int | None = None, n_items: int | None = None) -> MFParams:
    """The model ``name`` (default: the selected one) of a ``model.pt``."""
    payload = load_tensors(path, "model checkpoint")
    models = payload.get("models") if isinstance(payload, dict) else None
    if not isinstance(models, dict):
        raise IrganError(f"{path}: not a model checkpoint of this study (no 'models' entry)")
    key = name or next(iter(models), "selected")
    if key not in models and payload.get("meta", {}).get("status") == "diverged":
        raise IrganError(f"{path}: the run diverged, so it has no {key!r} model to start from")
    if key not in models:
        raise IrganError(f"{path}: no model {key!r} (has {', '.join(models)})")
    state = models[key]
    try:
        arrays = [state[k] for k in ("user_emb", "item_emb", "item_bias")]
    except (KeyError, TypeError) as exc:
        raise IrganError(f"{path}: model {key!r} lacks user_emb, item_emb or item_bias") from exc
    return mf_from_arrays(path, *arrays, n_users=n_users, n_items=n_items)


def write_training_run(directory: str | os.PathLike, result: TrainResult, dataset: Dataset,
                       provenance: dict, device: str | torch.device = "cpu",
                       model_file: str | os.PathLike | None = None) -> dict:
    """Write per_user.csv, curve.csv, record.json and the checkpoint; return the record."""
    directory = Path(directory)
    per_user = top_items = None
    if result.status == "ok":
        per_user, top_items = Evaluator(dataset, "test", device=device).report(
            result.selected.to(device).score)
    if kernels.AVAILABLE:
        provenance = {**provenance, "numba": kernels.numba.__version__}
    record = make_record(
        status=result.status, system=result.system, dataset=result.dataset, selection=result.selection,
        seed=result.seed, selected_epoch=result.selected_epoch, final_epoch=result.final_epoch,
        reported_model=result.reported_model, selection_metric=SELECTION_METRIC,
        divergence=result.divergence, hyperparameters=result.hyperparameters,
        details=copy.deepcopy(result.extra), provenance=provenance,
    )
    models = {"selected": result.selected} if result.selected is not None else {}
    models.update(result.extra_models)
    model_path = Path(model_file or directory / MODEL_FILE)
    try:
        write_run(directory, per_user, result.curve.frame(), record, top_items)
        if result.dynamics is not None:
            write_frame(result.dynamics, directory / DYNAMICS)
        save_model(model_path, models, {"status": result.status, "selected_epoch": result.selected_epoch})
    except BaseException:  # e.g. a full disk at the last file: no run is left half-written
        for path in (*(directory / name for name in (*CONTRACT_FILES, DYNAMICS)), model_path):
            path.unlink(missing_ok=True)
        raise
    return record


def set_threads(threads: int | None) -> None:
    """Match torch's intra-op threads to the cores a rule was given (no oversubscription)."""
    if threads:
        torch.set_num_threads(max(1, int(threads)))
