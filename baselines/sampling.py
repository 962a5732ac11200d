"""Uniform negative sampling: items a user has no fitted positive for, drawn with replacement."""

from __future__ import annotations

import torch

from irgan.errors import IrganError
from irgan.train.sampling import sample_inverse_cdf

MAX_ROUNDS = 1000


def uniform_negatives(
    known: torch.Tensor, users: torch.Tensor, n: int, generator: torch.Generator
) -> torch.Tensor:
    """``(len(users), n)`` items drawn uniformly from each user's non-positives.

    ``known`` is the users x items boolean matrix of positives. Rejection
    sampling: draw from all items, redraw the positives, until none is left
    (each accepted draw is uniform over the non-positives). Every user must have
    at least one non-positive item.
    """
    n_items = known.shape[1]
    shape = (len(users), n)
    items = torch.randint(n_items, shape, generator=generator, device=known.device)
    rows = users[:, None].expand(shape)
    rejected = known[rows, items]
    for _ in range(MAX_ROUNDS):
        count = int(rejected.sum())
        if count == 0:
            return items
        items[rejected] = torch.randint(n_items, (count,), generator=generator, device=known.device)
        rejected = known[rows, items]
    raise IrganError("negative sampling found no non-positive item for some users "
                     f"after {MAX_ROUNDS} rounds (does a user have every item as a positive?)")


def categorical_rows(weights: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One column index per row, drawn with probability proportional to the row's weights
    (the study's inverse-CDF sampler, irgan.train.sampling; several times faster than
    ``torch.multinomial`` on wide rows, and never picks a zero-weight column). Every row needs
    a positive total."""
    draws = torch.rand(len(weights), 1, generator=generator, device=weights.device, dtype=torch.float64)
    return sample_inverse_cdf(weights, draws, what="the sampler's weights")[:, 0]


def device_generator(seed: int, device: torch.device) -> torch.Generator:
    """A generator on ``device`` seeded with ``seed`` (torch draws need one on their own device)."""
    return torch.Generator(device=device).manual_seed(seed)
