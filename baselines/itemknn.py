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

from baselines.base import Baseline, interaction_matrix
from irgan.data.dataset import Dataset, Pairs


def cosine_similarity(interactions: torch.Tensor, shrink: float = 0.0) -> torch.Tensor:
    """Items x items cosine similarity of the columns of ``interactions``, zero diagonal."""
    overlap = interactions.T @ interactions
    norms = torch.sqrt(torch.diagonal(overlap))
    similarity = overlap / (norms[:, None] * norms[None, :] + shrink).clamp(min=1e-12)
    similarity.fill_diagonal_(0.0)
    return similarity


def keep_top_neighbours(similarity: torch.Tensor, k: int) -> torch.Tensor:
    """Zero all but the ``k`` largest entries of each column (ties: lower row index first)."""
    k = min(k, similarity.shape[0] - 1)
    order = torch.sort(similarity, dim=0, descending=True, stable=True).indices
    diagonal = torch.arange(similarity.shape[0], device=similarity.device)
    # The item itself is never its own neighbour: push it behind every other row.
    is_self = order == diagonal[None, :]
    rank = torch.cumsum(~is_self, dim=0)  # 1-based rank among the other items
    keep_sorted = (~is_self) & (rank <= k)
    keep = torch.zeros_like(similarity, dtype=torch.bool).scatter_(0, order, keep_sorted)
    return torch.where(keep, similarity, torch.zeros_like(similarity))


class ItemKNN(Baseline):
    """Cosine item-kNN; hyper-parameters ``k`` (neighbours per item) and ``shrink``."""

    name = "itemknn"
    defaults = {"k": 100, "shrink": 0.0}

    def _fit(self, dataset: Dataset, positives: Pairs) -> None:
        interactions = interaction_matrix(positives, dataset.n_users, dataset.n_items, self.device)
        weights = keep_top_neighbours(
            cosine_similarity(interactions, float(self.params["shrink"])), int(self.params["k"]))
        self.interactions = interactions.float()
        self.weights = weights.float()
        self._observe(0)

    def score(self, users: torch.Tensor) -> torch.Tensor:
        return self.interactions[users.to(self.device)] @ self.weights
