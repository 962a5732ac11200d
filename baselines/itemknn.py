"""Item-based k-nearest neighbours with cosine similarity (Sarwar et al. 2001; Deshpande & Karypis 2004).

One of the simple neighbourhood baselines that reproducibility studies of
neural recommenders (Dacrema et al., RecSys 2019) found hard to beat. With X the
binary users x items matrix of fitted positives:

- similarity of items i and j: ``X[:, i] . X[:, j] / (|X[:, i]| |X[:, j]| + shrink)``
  (plain cosine at ``shrink = 0``), zero for an item with itself;
- each target item j keeps its ``k`` most similar items (ties: lower item id first);
- score(u, j) = sum of the kept similarities of j to u's positives, i.e. ``X @ W``.
"""

from __future__ import annotations

import torch

from baselines.base import Baseline, gram_counts, interaction_matrix
from irgan.data.dataset import Dataset, Pairs
from irgan.memory import require


def cosine_similarity(interactions: torch.Tensor, shrink: float = 0.0,
                      columns: slice | None = None, gram: torch.Tensor | None = None) -> torch.Tensor:
    """Items x items cosine similarity of the columns of ``interactions``, zero diagonal; with
    ``columns``, only those target items' columns (items x len(columns)), the same numbers;
    ``gram``: X^T X when already computed (:func:`baselines.base.gram_counts`)."""
    columns = columns or slice(0, interactions.shape[1])
    gram = gram_counts(interactions) if gram is None else gram  # X is binary: counts, exact
    overlap = gram[:, columns]
    norms = torch.sqrt(torch.diagonal(gram))
    similarity = overlap / (norms[:, None] * norms[None, columns] + shrink).clamp(min=1e-12)
    similarity[torch.arange(columns.start, columns.start + similarity.shape[1]),
               torch.arange(similarity.shape[1])] = 0.0
    return similarity


def keep_top_neighbours(similarity: torch.Tensor, k: int, first_column: int = 0) -> torch.Tensor:
    """Zero all but the ``k`` largest entries of each column (ties: lower row index first); column
    ``c`` is item ``first_column + c``."""
    k = min(k, similarity.shape[0] - 1)
    order = torch.sort(similarity, dim=0, descending=True, stable=True).indices
    diagonal = torch.arange(similarity.shape[1], device=similarity.device) + first_column
    # The item itself is never its own neighbour: push it behind every other row.
    is_self = order == diagonal[None, :]
    rank = torch.cumsum(~is_self, dim=0)  # 1-based rank among the other items
    keep_sorted = (~is_self) & (rank <= k)
    keep = torch.zeros_like(similarity, dtype=torch.bool).scatter_(0, order, keep_sorted)
    return torch.where(keep, similarity, torch.zeros_like(similarity))


#: bytes per item x item entry while a block of columns is ranked (similarity, sort order, ranks, masks)
BYTES_PER_BLOCK_ENTRY = 8 + 8 + 8 + 8 + 4
#: and per item x item entry throughout: the co-occurrence counts (float64) and the kept weights (float32)
BYTES_PER_ENTRY = 8 + 4


def neighbour_weights(interactions: torch.Tensor, k: int, shrink: float = 0.0,
                      block_bytes: int = 2**30) -> torch.Tensor:
    """The kept similarities W (items x items, float32), built a block of target items at a time so
    that ranking a large catalogue's columns stays within ``block_bytes``; each column is computed
    exactly as in one piece (its overlaps are integer counts, its sort is per column)."""
    n_items = interactions.shape[1]
    block = max(1, min(n_items, block_bytes // max(n_items * BYTES_PER_BLOCK_ENTRY, 1)))
    weights = torch.zeros(n_items, n_items, dtype=torch.float32, device=interactions.device)
    gram = gram_counts(interactions).to(interactions.device)
    for start in range(0, n_items, block):
        columns = slice(start, min(start + block, n_items))
        kept = keep_top_neighbours(cosine_similarity(interactions, shrink, columns, gram), k, start)
        weights[:, columns] = kept.float()
    return weights


class ItemKNN(Baseline):
    """Cosine item-kNN; hyper-parameters ``k`` (neighbours per item) and ``shrink``."""

    name = "itemknn"
    defaults = {"k": 100, "shrink": 0.0}

    def _fit(self, dataset: Dataset, positives: Pairs) -> None:
        users, items = dataset.n_users, dataset.n_items
        require(dataset.name, "item-kNN's interaction matrix and item x item weights",
                users * items * 4 + items * items * BYTES_PER_ENTRY
                + min(items**2 * BYTES_PER_BLOCK_ENTRY, 2**30))
        self.interactions = interaction_matrix(positives, users, items, self.device, torch.float32)
        k, shrink = int(self.params["k"]), float(self.params["shrink"])
        self.weights = neighbour_weights(self.interactions, k, shrink)
        self._observe(0)

    def score(self, users: torch.Tensor) -> torch.Tensor:
        return self.interactions[users.to(self.device)] @ self.weights
