"""Beyond-accuracy metrics of a run's top-10 lists: what the recommendations are, not only whether
they hit.

Computed from ``top_items.csv`` (the run's top-10 candidates per evaluated user, the lists P@k
is computed from) and the dataset's item popularity (``data/items.csv``, :func:`item_table`),
with numpy and pandas only: the statistics environment has no torch.

Definitions (every list has ``k`` = 10 items; a slot of -1, a user with fewer candidates, is
left out of that user's means):

- **popularity**: an item's number of training positives (the train file's ratings >= the
  positive threshold, the same for both selection rules, so the two are comparable).
- **popularity@10**: mean popularity of a user's recommended items;
  **popularity_percentile@10**: mean of their mid-rank percentiles in the catalogue
  (``100 * (#items less popular + #items as popular / 2) / #items``).
- **novelty@10**: mean self-information ``-log2((popularity + 1) / (users + 1))`` in bits
  (Zhou et al., PNAS 2010; add-one so an item no one rated has a finite value).
- **head_share@10**: share of the list among the 10 % most popular items (the ``ceil(0.1 *
  items)`` first by popularity, ties by the lower item id: a head of fixed size).
- per user, for the groups of the analysis: **activity** (training positives) and the mean
  popularity percentile of the user's test positives, each cut in quartiles (:func:`user_table`).
- per run: **coverage@10**, the share of the catalogue recommended to at least one user, and
  **gini@10**, the Gini coefficient of the recommendation counts over every item of the
  catalogue (0: every item equally often; towards 1: a few items take every slot).

Why not a library: ranx computes accuracy metrics only; RecBole's evaluator and Elliot's have
these metrics but run inside their own data pipelines (RecBole's ``DataStruct``, Elliot's
TensorFlow-based framework) and would pull either framework into the statistics environment for
thirty lines of array code; the tests check every metric against a plain computation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from irgan.errors import IrganError

#: the share of the catalogue that counts as the popular head
HEAD_SHARE = 0.1
#: per-user columns, in the order of :func:`per_user_beyond`
USER_METRICS = ("popularity@10", "popularity_percentile@10", "novelty@10", "head_share@10")
#: per-run columns of :func:`run_beyond`
RUN_METRICS = ("coverage@10", "gini@10")
BEYOND_METRICS = USER_METRICS + RUN_METRICS


class BeyondAccuracyError(IrganError):
    """A top-items table or item table that the metrics cannot be computed from."""


def top_items_frame(users: np.ndarray, items: np.ndarray) -> pd.DataFrame:
    """``top_items.csv``'s table: ``user, item_1 ... item_k`` (best first, -1: no candidate left)."""
    items = np.asarray(items, dtype=np.int64)
    frame = pd.DataFrame({"user": np.asarray(users, dtype=np.int64)})
    for rank in range(items.shape[1]):
        frame[f"item_{rank + 1}"] = items[:, rank]
    return frame


def item_columns(top_items: pd.DataFrame) -> list[str]:
    return [c for c in top_items.columns if c.startswith("item_")]


def item_table(popularity: np.ndarray, n_users: int) -> pd.DataFrame:
    """Per item: ``item, popularity, percentile, head, self_information`` (see the module)."""
    popularity = np.asarray(popularity, dtype=np.int64)
    n_items = len(popularity)
    sorted_pop = np.sort(popularity)
    below = np.searchsorted(sorted_pop, popularity, side="left")
    equal = np.searchsorted(sorted_pop, popularity, side="right") - below
    order = np.lexsort((np.arange(n_items), -popularity))  # most popular first, ties: lower id
    head = np.zeros(n_items, dtype=bool)
    head[order[: math.ceil(HEAD_SHARE * n_items)]] = True
    return pd.DataFrame({
        "item": np.arange(n_items),
        "popularity": popularity,
        "percentile": 100.0 * (below + equal / 2) / n_items,
        "head": head,
        "self_information": -np.log2((popularity + 1) / (n_users + 1)),
    })


def _list_matrix(top_items: pd.DataFrame, n_items: int, source: str) -> np.ndarray:
    columns = item_columns(top_items)
    if not columns:
        raise BeyondAccuracyError(f"{source}: no item_1 ... item_k columns")
    matrix = top_items[columns].to_numpy(dtype=np.int64)
    if matrix.size and (matrix.max() >= n_items or matrix.min() < -1):
        raise BeyondAccuracyError(f"{source}: item ids outside 0..{n_items - 1} "
                                  "(the run and the item table are of different datasets)")
    return matrix


def per_user_beyond(top_items: pd.DataFrame, items: pd.DataFrame, source: str = "top_items") -> pd.DataFrame:
    """One row per user of ``top_items``: ``user`` and :data:`USER_METRICS` (``items``: an item_table)."""
    matrix = _list_matrix(top_items, len(items), source)
    present = matrix >= 0
    safe = np.where(present, matrix, 0)
    counts = present.sum(axis=1)
    if (counts == 0).any():
        raise BeyondAccuracyError(f"{source}: a user with an empty list")

    def mean_of(values: np.ndarray) -> np.ndarray:
        return np.where(present, values[safe], 0.0).sum(axis=1) / counts

    return pd.DataFrame({
        "user": top_items["user"].to_numpy(),
        "popularity@10": mean_of(items["popularity"].to_numpy(dtype=float)),
        "popularity_percentile@10": mean_of(items["percentile"].to_numpy(dtype=float)),
        "novelty@10": mean_of(items["self_information"].to_numpy(dtype=float)),
        "head_share@10": mean_of(items["head"].to_numpy(dtype=float)),
    })


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts (0 when all are equal or all are zero)."""
    values = np.sort(np.asarray(counts, dtype=float))
    n, total = len(values), values.sum()
    if n == 0 or total == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float(((2 * ranks - n - 1) * values).sum() / (n * total))


def run_beyond(top_items: pd.DataFrame, n_items: int, source: str = "top_items") -> dict[str, float]:
    """:data:`RUN_METRICS` of one run's lists over a catalogue of ``n_items``."""
    matrix = _list_matrix(top_items, n_items, source)
    counts = np.bincount(matrix[matrix >= 0], minlength=n_items)
    return {"coverage@10": float((counts > 0).sum() / n_items), "gini@10": gini(counts)}


def user_table(train_users: np.ndarray, test_users: np.ndarray, test_items: np.ndarray, n_users: int,
               items: pd.DataFrame) -> pd.DataFrame:
    """Per user with a test positive: activity (training positives), its quartile (Q1 the least
    active; equal-sized groups, ties by user id), the mean popularity percentile of the user's
    test positives and its quartile (Q1: test items furthest from the popular head)."""
    activity = np.bincount(train_users, minlength=n_users)
    n_test = np.bincount(test_users, minlength=n_users)
    percentile = items["percentile"].to_numpy(dtype=float)
    test_pop = np.bincount(test_users, weights=percentile[test_items], minlength=n_users)
    users = np.flatnonzero(n_test > 0)
    frame = pd.DataFrame({"user": users, "train_positives": activity[users], "test_positives": n_test[users],
                          "test_popularity_percentile": test_pop[users] / n_test[users]})
    for column, source in (("activity_quartile", "train_positives"),
                           ("test_popularity_quartile", "test_popularity_percentile")):
        order = frame[source].rank(method="first")
        frame[column] = pd.qcut(order, 4, labels=["Q1", "Q2", "Q3", "Q4"]).astype(str)
    return frame
