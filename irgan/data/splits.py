"""Seeded per-user hold-outs, shared by the test splits and the validation carve."""

from __future__ import annotations

import numpy as np


def rank_within_user(users: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random order of each user's entries: 0 .. count-1 within every user."""
    n = len(users)
    order = np.lexsort((rng.random(n), users))  # grouped by user, random within user
    counts = np.bincount(users)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(starts, counts)
    return rank


def per_user_holdout(users: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Mask of entries held out: ``round(fraction * n_u)`` random entries of each user's ``n_u``."""
    rng = np.random.default_rng(seed)
    held = np.round(fraction * np.bincount(users)).astype(np.int64)
    return rank_within_user(users, rng) < held[users]
