"""Most-popular: every user gets the items with the most training positives.

The non-personalised floor of the comparison; a model that does not beat it has
learned nothing about individual users.
"""

from __future__ import annotations

import numpy as np
import torch

from baselines.base import Baseline
from irgan.data.dataset import Dataset, Pairs


class Popularity(Baseline):
    """Score of item i = number of users with i among their fitted positives."""

    name = "pop"
    defaults: dict = {}

    def _fit(self, dataset: Dataset, positives: Pairs) -> None:
        counts = np.bincount(positives.items, minlength=dataset.n_items)
        self.item_counts = torch.as_tensor(counts, dtype=torch.float32, device=self.device)
        self._observe(0)

    def score(self, users: torch.Tensor) -> torch.Tensor:
        return self.item_counts.expand(len(users), -1)
