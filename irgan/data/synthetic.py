"""A seeded stand-in for MovieLens: planted low-rank preferences, popularity skew, 1-5 ratings.

It lets the whole study run with no network. Users see items with
probability growing with a hidden affinity (a rank-``rank`` dot product plus
an item popularity term), and rate them on the configured scale by quantiles
of that affinity plus noise, so rating >= 4 is learnable but not trivial.
"""

from __future__ import annotations

import numpy as np

from irgan.data.ratings import Interactions
from irgan.data.splits import per_user_holdout
from irgan.errors import ConfigError

# MovieLens-100k's share of ratings 1..5; positives (>= 4) are about 55 %.
ML100K_RATING_SHARES = (0.061, 0.114, 0.271, 0.341, 0.213)


def generate(
    seed: int,
    n_users: int = 943,
    n_items: int = 1683,
    density: float = 0.063,
    rank: int = 8,
    popularity_sd: float = 1.0,
    noise_sd: float = 0.5,
    min_user_ratings: int = 20,
    test_fraction: float = 0.2,
    rating_shares: tuple[float, ...] = ML100K_RATING_SHARES,
) -> tuple[Interactions, Interactions]:
    """Draw (train, test) interactions; the same seed gives the same data."""
    if not 0 < density <= 1:
        raise ConfigError(f"synthetic density must lie in (0, 1], got {density}")
    if not 0 < test_fraction < 1:
        raise ConfigError(f"synthetic test_fraction must lie in (0, 1), got {test_fraction}")
    if min_user_ratings > n_items:
        raise ConfigError(f"synthetic min_user_ratings ({min_user_ratings}) > n_items ({n_items})")
    rng = np.random.default_rng(seed)
    user_factors = rng.normal(scale=rank**-0.25, size=(n_users, rank))
    item_factors = rng.normal(scale=rank**-0.25, size=(n_items, rank))  # dot product has unit variance
    popularity = rng.normal(scale=popularity_sd, size=n_items)
    affinity = user_factors @ item_factors.T + popularity

    # Ratings per user: heavy-tailed around the target density, at least min_user_ratings.
    mean_count = density * n_items
    raw = rng.lognormal(mean=0.0, sigma=0.9, size=n_users)
    counts = np.clip(np.round(raw / raw.mean() * mean_count), min_user_ratings, n_items).astype(int)

    # Which items each user rates: Gumbel top-k on the affinity (all users at once).
    keys = affinity + rng.gumbel(size=affinity.shape)
    order = np.argsort(-keys, axis=1)
    seen = np.arange(n_items)[None, :] < counts[:, None]
    users = np.repeat(np.arange(n_users), counts)
    items = order[seen]

    # Ratings: quantiles of noisy affinity over the rated pairs.
    latent = affinity[users, items] + rng.normal(scale=noise_sd, size=len(users))
    shares = np.asarray(rating_shares, dtype=float)
    cuts = np.quantile(latent, np.cumsum(shares / shares.sum())[:-1])
    ratings = (np.searchsorted(cuts, latent) + 1).astype(np.float32)

    # Per-user random hold-out for the test split.
    is_test = per_user_holdout(users, test_fraction, seed=int(rng.integers(2**63)))

    def take(mask: np.ndarray) -> Interactions:
        idx = np.flatnonzero(mask)
        idx = idx[np.lexsort((items[idx], users[idx]))]
        return Interactions.from_lists(users[idx], items[idx], ratings[idx])

    return take(~is_test), take(is_test)
