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

import numpy as np
import pandas as pd
import torch

from irgan.errors import IrganError

if TYPE_CHECKING:
    from irgan.data import Dataset, Split
    from irgan.recommender import Recommender

CUTOFFS = (3, 5, 10)


def metric_names(cutoffs: Sequence[int] = CUTOFFS) -> list[str]:
    """Column names in the order the paper's tables use."""
    return [f"P@{k}" for k in cutoffs] + ["MAP"] + [f"NDCG@{k}" for k in cutoffs] + ["MRR"]


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
) -> dict[str, torch.Tensor]:
    """Per-row metrics for a block of users.

    ``scores`` (users x items, float), ``known`` (bool, excluded from the
    candidates) and ``relevant`` (bool) share one shape. Rows with no relevant
    candidate get NaN; callers drop them.
    """
    if scores.shape != known.shape or scores.shape != relevant.shape:
        raise ValueError("scores, known and relevant must have the same shape")
    if torch.isnan(scores).any():
        raise NonFiniteScoresError("scores contain NaN: the model diverged")
    order = rank_by_score(scores)
    candidate = ~torch.gather(known, 1, order)
    hit = torch.gather(relevant, 1, order) & candidate
    rank = torch.cumsum(candidate, dim=1)  # 1-based rank among candidates (valid where candidate)
    n_relevant = hit.sum(dim=1)
    dtype = torch.float64
    hits_f = hit.to(dtype)
    rank_f = rank.to(dtype).clamp(min=1)
    n_rel_f = n_relevant.to(dtype)
    valid = n_relevant > 0
    nan = torch.full_like(n_rel_f, float("nan"))

    out: dict[str, torch.Tensor] = {}
    gain = hits_f / torch.log2(rank_f + 1)
    max_k = max(cutoffs)
    ideal_prefix = torch.cumsum(1.0 / torch.log2(torch.arange(2, max_k + 2, dtype=dtype, device=scores.device)), 0)
    for k in cutoffs:
        in_top = candidate & (rank <= k)
        top_hits = (hit & in_top).sum(dim=1).to(dtype)
        out[f"P@{k}"] = torch.where(valid, top_hits / k, nan)
        dcg = (gain * in_top).sum(dim=1)
        ideal = ideal_prefix[(n_relevant.clamp(max=k) - 1).clamp(min=0)]
        out[f"NDCG@{k}"] = torch.where(valid, dcg / ideal, nan)
    precision_at_hits = torch.cumsum(hits_f, dim=1) / rank_f * hits_f
    out["MAP"] = torch.where(valid, precision_at_hits.sum(dim=1) / n_rel_f.clamp(min=1), nan)
    first_rank = torch.where(hit, rank_f, torch.full_like(rank_f, float("inf"))).min(dim=1).values
    out["MRR"] = torch.where(valid, 1.0 / first_rank, nan)
    out["n_relevant"] = n_relevant
    out["n_candidates"] = candidate.sum(dim=1)
    return out


def evaluate_scores(
    score_fn,
    dataset: Dataset,
    split: Split = "test",
    cutoffs: Sequence[int] = CUTOFFS,
    batch_users: int = 4096,
    device: str | torch.device = "cpu",
) -> pd.DataFrame:
    """Per-user metrics of ``score_fn(users) -> scores`` on a dataset split.

    Returns one row per evaluated user (``user``, ``n_relevant``,
    ``n_candidates`` and one column per metric), the format every later
    statistic reads.
    """
    known_pairs, relevant_pairs = dataset.split_pairs(split)
    users = np.flatnonzero(relevant_pairs.per_user_counts(dataset.n_users))
    known = known_pairs.dense(dataset.n_users, dataset.n_items, device)
    relevant = relevant_pairs.dense(dataset.n_users, dataset.n_items, device)
    blocks = []
    for start in range(0, len(users), batch_users):
        block = torch.as_tensor(users[start : start + batch_users], device=device)
        with torch.no_grad():
            scores = score_fn(block)
        if scores.shape != (len(block), dataset.n_items):
            raise ValueError(f"score function returned shape {tuple(scores.shape)}, "
                             f"expected ({len(block)}, {dataset.n_items})")
        metrics = rank_metrics(scores.to(device), known[block], relevant[block], cutoffs)
        frame = pd.DataFrame({name: value.cpu().numpy() for name, value in metrics.items()})
        frame.insert(0, "user", block.cpu().numpy())
        blocks.append(frame)
    per_user = pd.concat(blocks, ignore_index=True)
    per_user = per_user[per_user["n_relevant"] > 0].reset_index(drop=True)
    return per_user[["user", "n_relevant", "n_candidates", *metric_names(cutoffs)]]


def evaluate(
    recommender: Recommender,
    dataset: Dataset,
    split: Split = "test",
    cutoffs: Sequence[int] = CUTOFFS,
    batch_users: int = 4096,
) -> pd.DataFrame:
    """Per-user metrics of any recommender (see :class:`irgan.recommender.Recommender`)."""
    return evaluate_scores(recommender.score, dataset, split, cutoffs, batch_users,
                           device=getattr(recommender, "device", "cpu"))


def summarise(per_user: pd.DataFrame, cutoffs: Sequence[int] = CUTOFFS) -> dict[str, float]:
    """Mean over evaluated users, the figure the paper reports."""
    return {name: float(per_user[name].mean()) for name in metric_names(cutoffs)}
