"""The paper's evaluation protocol, vectorised over users (torch, CPU or CUDA).

For each evaluated user the candidates are all items except the user's known
(training) positives; candidates are ranked by score, descending, and among
equal scores the higher item id comes first (as the authors' code, which sorts
ascending with a stable sort and reverses). Relevant = the user's held-out
positives. Users with no relevant candidate are not evaluated.

Metrics follow PROTOCOL.md and trec_eval: P@k = hits in the top k / k (also
when a user has fewer than k candidates); NDCG@k with gains 1/log2(rank + 1)
and the ideal DCG of min(k, #relevant) hits; MAP = mean over relevant items of
the precision at their rank; MRR = 1 / rank of the first relevant item.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import torch

from irgan.contract.beyond_accuracy import top_items_frame
from irgan.contract.runs import TOP_K
from irgan.errors import IrganError
from irgan.protocol import CUTOFFS, metric_names  # noqa: F401  (named there, torch-free; re-exported)

if TYPE_CHECKING:
    from irgan.data.dataset import Dataset, Split
    from irgan.models.recommender import Recommender


class NonFiniteScoresError(IrganError):
    """A model produced NaN scores: its run diverged and must not be evaluated."""


def rank_by_score(scores: torch.Tensor) -> torch.Tensor:
    """Item indices per row, best first; ties put the higher item id first."""
    n_items = scores.shape[1]
    flipped_order = torch.sort(torch.flip(scores, dims=[1]), dim=1, descending=True, stable=True).indices
    return n_items - 1 - flipped_order


def rank_metrics(
    scores: torch.Tensor,
    known: torch.Tensor,
    relevant: torch.Tensor,
    cutoffs: Sequence[int] = CUTOFFS,
    top_k: int = 0,
) -> dict[str, torch.Tensor]:
    """Per-row metrics for a block of users.

    ``scores`` (users x items, float), ``known`` (bool, excluded from the
    candidates) and ``relevant`` (bool) share one shape. Rows with no relevant
    candidate get NaN; callers drop them. Known items are moved behind every
    candidate (score -inf) before one sort; after it, only the hits are touched.
    With ``top_k``, ``top_items`` holds each row's first ``top_k`` candidates from the same
    sort (-1 where a row has fewer candidates).
    """
    if scores.shape != known.shape or scores.shape != relevant.shape:
        raise ValueError("scores, known and relevant must have the same shape")
    if not torch.isfinite(scores).all():
        raise NonFiniteScoresError("scores contain NaN or inf: the model diverged")
    n_rows = scores.shape[0]
    dtype = torch.float64
    device = scores.device
    order = rank_by_score(scores.masked_fill(known, float("-inf")))
    hit = torch.gather(relevant & ~known, 1, order)
    rows, positions = torch.nonzero(hit, as_tuple=True)  # row-major: hits of a row in rank order
    rank = (positions + 1).to(dtype)  # 1-based rank among candidates (candidates come first)
    n_relevant = torch.bincount(rows, minlength=n_rows)
    row_start = torch.cumsum(n_relevant, 0) - n_relevant
    ordinal = (torch.arange(len(rows), device=device) - row_start[rows] + 1).to(dtype)
    n_rel = n_relevant.to(dtype)
    valid = n_relevant > 0
    nan = torch.full((n_rows,), float("nan"), dtype=dtype, device=device)

    def per_row(values: torch.Tensor) -> torch.Tensor:
        return torch.zeros(n_rows, dtype=dtype, device=device).index_add_(0, rows, values)

    out: dict[str, torch.Tensor] = {}
    discount = 1.0 / torch.log2(rank + 1)
    ideal_prefix = torch.cumsum(
        1.0 / torch.log2(torch.arange(2, max(cutoffs) + 2, dtype=dtype, device=device)), 0
    )
    for k in cutoffs:
        in_top = (rank <= k).to(dtype)
        out[f"P@{k}"] = torch.where(valid, per_row(in_top) / k, nan)
        ideal = ideal_prefix[(n_relevant.clamp(max=k) - 1).clamp(min=0)]
        out[f"NDCG@{k}"] = torch.where(valid, per_row(discount * in_top) / ideal, nan)
    out["MAP"] = torch.where(valid, per_row(ordinal / rank) / n_rel.clamp(min=1), nan)
    first_rank = torch.full((n_rows,), float("inf"), dtype=dtype, device=device)
    first_rank = first_rank.scatter_reduce(0, rows, rank, reduce="amin")
    out["MRR"] = torch.where(valid, 1.0 / first_rank, nan)
    out["n_relevant"] = n_relevant
    out["n_candidates"] = (~known).sum(dim=1)
    if top_k:
        top = order[:, :top_k]
        out["top_items"] = top.masked_fill(torch.gather(known, 1, top), -1)
    return out


# The learning curves' deliberate fast path of rank_metrics (same signature, same P@k and NDCG@k):
# a top-k instead of a full sort, run after every epoch; tests hold the two equal.
def cutoff_metrics(
    scores: torch.Tensor,
    known: torch.Tensor,
    relevant: torch.Tensor,
    cutoffs: Sequence[int] = CUTOFFS,
) -> dict[str, torch.Tensor]:
    """P@k and NDCG@k only, from a top-k instead of a full sort (for learning curves).

    A deliberate fast path of :func:`rank_metrics`: the same inputs, the same formulas (tests
    check both give the same numbers), without the full sort that MAP and MRR need.

    Exact: rows where any two of the top ``max(cutoffs) + 1`` scores tie (so the
    tie order could matter) are recomputed with :func:`rank_metrics`.
    """
    if not torch.isfinite(scores).all():
        raise NonFiniteScoresError("scores contain NaN or inf: the model diverged")
    dtype = torch.float64
    k_max = max(cutoffs)
    masked = scores.masked_fill(known, float("-inf"))
    values, top = torch.topk(masked, min(k_max + 1, scores.shape[1]), dim=1)
    tied = (values[:, 1:] == values[:, :-1]).any(dim=1)
    target = relevant & ~known
    hits = torch.gather(target, 1, top[:, :k_max]).to(dtype)
    n_relevant = target.sum(dim=1)
    valid = n_relevant > 0
    ranks = torch.arange(1, k_max + 1, dtype=dtype, device=scores.device)
    discount = 1.0 / torch.log2(ranks + 1)
    ideal_prefix = torch.cumsum(discount, 0)
    nan = torch.full(n_relevant.shape, float("nan"), dtype=dtype, device=scores.device)
    out = {}
    for k in cutoffs:
        out[f"P@{k}"] = torch.where(valid, hits[:, :k].sum(dim=1) / k, nan)
        ideal = ideal_prefix[(n_relevant.clamp(max=k) - 1).clamp(min=0)]
        out[f"NDCG@{k}"] = torch.where(valid, (hits[:, :k] * discount[:k]).sum(dim=1) / ideal, nan)
    if tied.any():
        exact = rank_metrics(scores[tied], known[tied], relevant[tied], cutoffs)
        for name in out:
            out[name][tied] = exact[name]
    return out


class Evaluator:
    """The paper protocol on one split of a dataset, with its masks built once.

    Training loops evaluate hundreds of times per run; they keep one Evaluator.
    """

    def __init__(
        self,
        dataset: Dataset,
        split: Split = "test",
        cutoffs: Sequence[int] = CUTOFFS,
        device: str | torch.device = "cpu",
        batch_users: int = 4096,
    ) -> None:
        known_pairs, relevant_pairs = dataset.split_pairs(split)
        self.cutoffs = tuple(cutoffs)
        self.n_items = dataset.n_items
        self.device = torch.device(device)
        known = known_pairs.dense(dataset.n_users, dataset.n_items, self.device)
        relevant = relevant_pairs.dense(dataset.n_users, dataset.n_items, self.device)
        users = torch.nonzero((relevant & ~known).any(dim=1)).flatten()
        self.users = users
        self.blocks = [
            (
                users[i : i + batch_users],
                known[users[i : i + batch_users]],
                relevant[users[i : i + batch_users]],
            )
            for i in range(0, len(users), batch_users)
        ]

    def metrics(self, score_fn, top_k: int = 0) -> dict[str, torch.Tensor]:
        """Per-user metric tensors (aligned with ``self.users``) of ``score_fn(users) -> scores``
        (with ``top_k``: also ``top_items``, see :func:`rank_metrics`)."""
        parts: list[dict[str, torch.Tensor]] = []
        for users, known, relevant in self.blocks:
            with torch.no_grad():
                scores = score_fn(users)
            if scores.shape != (len(users), self.n_items):
                raise ValueError(
                    f"score function returned shape {tuple(scores.shape)}, "
                    f"expected ({len(users)}, {self.n_items})"
                )
            parts.append(rank_metrics(scores.to(self.device), known, relevant, self.cutoffs, top_k))
        return {name: torch.cat([p[name] for p in parts]) for name in parts[0]}

    def means(self, score_fn, cutoff_only: bool = False) -> dict[str, float]:
        """Mean of every metric over the evaluated users (what a learning curve records).

        ``cutoff_only`` computes just P@k and NDCG@k, from a top-k (several times
        faster; enough for epoch selection on P@5).
        """
        if not cutoff_only:
            metrics = self.metrics(score_fn)
            return {name: float(metrics[name].mean()) for name in metric_names(self.cutoffs)}
        parts = []
        for users, known, relevant in self.blocks:
            with torch.no_grad():
                scores = score_fn(users)
            parts.append(cutoff_metrics(scores.to(self.device), known, relevant, self.cutoffs))
        return {name: float(torch.cat([p[name] for p in parts]).mean()) for name in parts[0]}

    def per_user(self, score_fn) -> pd.DataFrame:
        """One row per evaluated user: ``user, n_relevant, n_candidates`` and every metric."""
        return self.report(score_fn)[0]

    def report(self, score_fn, top_k: int = TOP_K) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(:meth:`per_user`, the same users' top-``top_k`` items) from one scoring and one sort:
        the two tables a run writes (``per_user.csv``, ``top_items.csv``)."""
        metrics = self.metrics(score_fn, top_k)
        users = self.users.cpu().numpy()
        frame = pd.DataFrame({"user": users})
        for name in ["n_relevant", "n_candidates", *metric_names(self.cutoffs)]:
            frame[name] = metrics[name].cpu().numpy()
        return frame, top_items_frame(users, metrics["top_items"].cpu().numpy())


def evaluate_scores(
    score_fn,
    dataset: Dataset,
    split: Split = "test",
    cutoffs: Sequence[int] = CUTOFFS,
    batch_users: int = 4096,
    device: str | torch.device = "cpu",
) -> pd.DataFrame:
    """Per-user metrics of ``score_fn(users) -> scores`` on a dataset split (see :class:`Evaluator`)."""
    return Evaluator(dataset, split, cutoffs, device, batch_users).per_user(score_fn)


def evaluate(
    recommender: Recommender,
    dataset: Dataset,
    split: Split = "test",
    cutoffs: Sequence[int] = CUTOFFS,
    batch_users: int = 4096,
) -> pd.DataFrame:
    """Per-user metrics of any recommender (see :class:`irgan.models.recommender.Recommender`)."""
    return evaluate_scores(
        recommender.score, dataset, split, cutoffs, batch_users, device=getattr(recommender, "device", "cpu")
    )


def evaluate_report(recommender: Recommender, dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-user test metrics, top-10 items) of any recommender: what a run writes."""
    return Evaluator(dataset, "test", device=getattr(recommender, "device", "cpu")).report(recommender.score)


def summarise(per_user: pd.DataFrame, cutoffs: Sequence[int] = CUTOFFS) -> dict[str, float]:
    """Mean over evaluated users, the figure the paper reports."""
    return {name: float(per_user[name].mean()) for name in metric_names(cutoffs)}
