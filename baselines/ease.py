"""EASE: embarrassingly shallow autoencoder (Steck, WWW 2019), one regularisation lambda.

The item-item weights B minimise ``|X - X B|^2 + lambda |B|^2`` subject to
``diag(B) = 0``; with ``P = (X^T X + lambda I)^{-1}`` the solution is
``B = I - P diag(1 / diag(P))``, i.e. ``B[i, j] = -P[i, j] / P[j, j]`` off the
diagonal. A strong linear baseline that costs one matrix inverse (seconds on
MovieLens-100k). Computed in float64.
"""

from __future__ import annotations

import torch

from baselines.base import Baseline, gram_counts, interaction_matrix
from irgan.data.dataset import Dataset, Pairs
from irgan.memory import require


def ease_weights(interactions: torch.Tensor, l2: float) -> torch.Tensor:
    """The closed-form item-item matrix B of EASE for a users x items matrix X (binary: its Gram
    matrix holds counts, exact in float32 below 2**24, and is inverted in float64)."""
    gram = gram_counts(interactions)
    gram.diagonal().add_(l2)
    precision = torch.linalg.inv(gram)
    weights = -precision / torch.diagonal(precision)[None, :]
    weights.fill_diagonal_(0.0)
    return weights


class EASE(Baseline):
    """EASE with regularisation ``l2`` (the paper's lambda)."""

    name = "ease"
    defaults = {"l2": 500.0}

    def _fit(self, dataset: Dataset, positives: Pairs) -> None:
        users, items = dataset.n_users, dataset.n_items
        # X in float32 (0/1); X^T X, its inverse and B in float64 (with the solver's workspace),
        # B in float32
        require(dataset.name, "EASE's interaction matrix and item x item inverse",
                users * items * 4 + items * items * (4 * 8 + 4),
                "EASE inverts an items x items matrix; leave ease out of baselines.systems for this dataset.")
        self.interactions = interaction_matrix(positives, users, items, self.device, torch.float32)
        self.weights = ease_weights(self.interactions, float(self.params["l2"])).float()
        self._observe(0)

    def score(self, users: torch.Tensor) -> torch.Tensor:
        return self.interactions[users.to(self.device)] @ self.weights
