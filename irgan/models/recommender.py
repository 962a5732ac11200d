"""The one interface every model in the study implements.

Evaluation, statistics and plots only ever call :meth:`Recommender.score`, so
they never know whether IRGAN's generator, its discriminator or a baseline
produced the scores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

import torch

if TYPE_CHECKING:
    from irgan.data.dataset import Dataset


@runtime_checkable
class Recommender(Protocol):
    """Fit on a dataset; score every item for a batch of users."""

    device: torch.device | str

    def fit(self, dataset: Dataset, selection: str = "validation") -> Recommender:
        """Train on ``dataset.training_positives(selection)`` and return self."""
        ...

    def score(self, users: torch.Tensor) -> torch.Tensor:
        """Scores of shape (len(users), n_items); higher means recommended first."""
        ...
