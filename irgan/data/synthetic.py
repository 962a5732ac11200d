"""A seeded stand-in for MovieLens: planted low-rank preferences, popularity skew, 1-5 ratings.

It lets the whole study run with no network. Users see items with
probability growing with a hidden affinity (a rank-``rank`` dot product plus
an item popularity term), and rate them on the configured scale by quantiles
of that affinity plus noise, so rating >= 4 is learnable but not trivial.

:func:`generate_shaped` draws data of a real dataset's size and skew (ML-1M, Netflix) the
same way: users' activity and items' popularity follow lognormal long tails fitted to the real
data's published means and medians, generated in memory-bounded chunks of users.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import special

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


# --- Shaped synthetic data: the counts and long tails of a real dataset, from a seed -------------------

#: users per seeded block: each block has its own random stream, so the draws do not depend on
#: how many users a chunk holds (the memory budget)
USER_BLOCK = 256
#: memory budget of one chunk's users x items work arrays (keys, their order, the selection mask)
CHUNK_BYTES = 200 * 2**20
_BYTES_PER_CELL = 24  # float32 keys and their negation, int64 order, bool mask, with headroom


def lognormal_fit(mean: float, median: float) -> tuple[float, float]:
    """(mu, sigma) of the lognormal with this mean and median: median = e^mu and
    mean = e^(mu + sigma^2 / 2), so sigma = sqrt(2 ln(mean / median))."""
    return math.log(median), math.sqrt(2.0 * math.log(mean / median))


def scaled_users(n_users: int, users_fraction: float) -> int:
    """How many users a shaped dataset generates: ``round(n_users * users_fraction)``, at least 1."""
    return max(1, round(n_users * users_fraction))


def _check_shape(source: str, n_users: int, n_items: int, n_ratings: int, users_fraction: float,
                 user_mean: float, user_median: float, user_min: int, item_mean: float,
                 item_median: float, rating_shares: Sequence[float], rating_scale: Sequence[int],
                 rank: int, noise_sd: float, test_fraction: float) -> None:
    """One :class:`ConfigError` naming the first key that cannot describe a dataset."""

    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"key {source}.{key}: {why}")

    for key, value in (("n_users", n_users), ("n_items", n_items), ("n_ratings", n_ratings),
                       ("user_min", user_min), ("rank", rank)):
        if value < 1:
            raise bad(key, f"must be at least 1, got {value}")
    if not 0 < users_fraction <= 1:
        raise bad("users_fraction", f"must lie in (0, 1], got {users_fraction}; it is the share of "
                                    "the users (and ratings) to generate")
    if not 0 < test_fraction < 1:
        raise bad("test_fraction", f"must lie in (0, 1), got {test_fraction}")
    if noise_sd < 0:
        raise bad("noise_sd", f"must be >= 0, got {noise_sd}")
    for side, mean, median in (("user", user_mean, user_median), ("item", item_mean, item_median)):
        if not median > 0:
            raise bad(f"{side}_median", f"must be > 0, got {median}")
        if median > mean:
            raise bad(f"{side}_median", f"({median}) exceeds {side}_mean ({mean}): a long tail has "
                                        "its median at or below its mean; check the two figures")
    if user_min > n_items:
        raise bad("user_min", f"({user_min}) exceeds n_items ({n_items})")
    low, high = (int(v) for v in rating_scale)
    if len(rating_shares) != high - low + 1 or min(rating_shares) < 0 or sum(rating_shares) <= 0:
        raise bad("rating_shares", f"needs {high - low + 1} non-negative shares, one per rating "
                                   f"{low}..{high}, got {list(rating_shares)}")
    users = scaled_users(n_users, users_fraction)
    target = round(n_ratings * users_fraction)
    if not users * user_min <= target <= users * n_items:
        raise bad("n_ratings", f"{target:,} ratings cannot be spread over {users:,} users with "
                               f"{user_min} to {n_items} ratings each")


def _user_counts(rng: np.random.Generator, n_users: int, target: int, mean: float, median: float,
                 minimum: int, cap: int) -> np.ndarray:
    """Ratings per user: lognormal(mean, median) truncated below at ``minimum`` (drawn by inverse
    CDF on the part above it), capped at ``cap``, scaled so that they sum to ``target`` exactly."""
    mu, sigma = lognormal_fit(mean, median)
    floor = float(special.ndtr((math.log(minimum) - mu) / sigma)) if sigma > 0 else 0.0
    quantiles = floor + (1.0 - floor) * rng.random(n_users)
    raw = np.exp(mu + sigma * special.ndtri(np.clip(quantiles, 1e-300, 1 - 1e-16)))

    def counts(scale: float) -> np.ndarray:
        return np.clip(np.round(raw * scale), minimum, cap).astype(np.int64)

    low, high = 0.0, 1.0
    while counts(high).sum() < target:  # the truncation and the cap move the mean: rescale
        high *= 2.0
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if counts(middle).sum() < target else (low, middle)
    result = counts(high)
    # The last few ratings, one each to (or from) randomly chosen users within the bounds.
    while (gap := int(target - result.sum())) != 0:
        open_ = np.flatnonzero(result < cap) if gap > 0 else np.flatnonzero(result > minimum)
        chosen = rng.choice(open_, size=min(abs(gap), len(open_)), replace=False)
        result[chosen] += 1 if gap > 0 else -1
    return result


def generate_shaped(
    seed: int,
    n_users: int,
    n_items: int,
    n_ratings: int,
    user_mean: float,
    user_median: float,
    user_min: int,
    item_mean: float,
    item_median: float,
    rating_shares: Sequence[float],
    users_fraction: float = 1.0,
    rank: int = 8,
    noise_sd: float = 0.5,
    test_fraction: float = 0.2,
    rating_scale: Sequence[int] = (1, 5),
    chunk_bytes: int = CHUNK_BYTES,
    source: str = "synthetic-shaped",
) -> tuple[Interactions, Interactions]:
    """Draw (train, test) interactions with a real dataset's counts and long tails, from a seed.

    ``round(n_users * users_fraction)`` users rate ``round(n_ratings * users_fraction)`` times in
    all. Ratings per user are lognormal with the real data's per-user mean and median, truncated
    below at ``user_min`` and capped at ``n_items``; items carry lognormal popularity weights
    fitted to the per-item mean and median. A user's items are drawn without replacement with
    probability proportional to weight x exp(u . v) (Gumbel top-k on log weight + u . v + Gumbel
    noise, with a planted rank-``rank`` affinity u . v of unit variance), and rated on
    ``rating_scale`` by quantiles of u . v plus N(0, ``noise_sd``) noise with ``rating_shares``, so
    rating >= 4 is learnable. Each user's ratings are held out for test at ``test_fraction``.

    Users are generated in chunks whose users x items work arrays stay under ``chunk_bytes``; no
    matrix over all users is built. Each block of :data:`USER_BLOCK` users has its own seeded
    stream, so the same seed gives the same data whatever the chunk size. Errors name the key
    ``source.<parameter>`` (the registry passes ``datasets.<name>``).
    """
    _check_shape(source, n_users, n_items, n_ratings, users_fraction, user_mean, user_median, user_min,
                 item_mean, item_median, rating_shares, rating_scale, rank, noise_sd, test_fraction)
    rng = np.random.default_rng([seed, 0])
    users_n = scaled_users(n_users, users_fraction)
    counts = _user_counts(rng, users_n, round(n_ratings * users_fraction), user_mean, user_median,
                          user_min, n_items)
    _, item_sigma = lognormal_fit(item_mean, item_median)
    log_weight = (item_sigma * rng.standard_normal(n_items)).astype(np.float32)
    scale = rank**-0.25  # u . v has unit variance
    item_factors = rng.normal(scale=scale, size=(n_items, rank)).astype(np.float32)

    block_rows = max(USER_BLOCK, chunk_bytes // (_BYTES_PER_CELL * n_items) // USER_BLOCK * USER_BLOCK)
    columns = np.arange(n_items)
    users_out, items_out, latent_out = [], [], []
    for start in range(0, users_n, block_rows):
        stop = min(start + block_rows, users_n)
        streams = [np.random.default_rng([seed, 1, block])
                   for block in range(start // USER_BLOCK, -(-stop // USER_BLOCK))]
        factors = np.empty((stop - start, rank), dtype=np.float32)
        keys = np.empty((stop - start, n_items), dtype=np.float32)
        for index, stream in enumerate(streams):
            rows = slice(index * USER_BLOCK, min((index + 1) * USER_BLOCK, stop - start))
            size = rows.stop - rows.start
            factors[rows] = stream.normal(scale=scale, size=(size, rank))
            uniform = stream.random((size, n_items), dtype=np.float32)
            np.maximum(uniform, np.float32(1e-30), out=uniform)
            keys[rows] = log_weight + factors[rows] @ item_factors.T - np.log(-np.log(uniform))
        np.negative(keys, out=keys)
        order = np.argsort(keys, axis=1)
        del keys
        chunk_counts = counts[start:stop]
        local = np.repeat(np.arange(stop - start), chunk_counts)
        items = order[columns[None, :] < chunk_counts[:, None]]
        del order
        sort = np.lexsort((items, local))  # each user's items in id order
        local, items = local[sort], items[sort]
        affinity = np.einsum("ij,ij->i", factors[local], item_factors[items])
        noise = np.concatenate([
            stream.normal(scale=noise_sd, size=int(chunk_counts[i * USER_BLOCK:(i + 1) * USER_BLOCK].sum()))
            for i, stream in enumerate(streams)])
        users_out.append((local + start).astype(np.int32))
        items_out.append(items.astype(np.int32))
        latent_out.append((affinity + noise).astype(np.float32))
    users = np.concatenate(users_out)
    items = np.concatenate(items_out)
    latent = np.concatenate(latent_out)
    del users_out, items_out, latent_out

    # Ratings: quantiles of the noisy affinity over every rated pair, with the real data's shares.
    shares = np.asarray(rating_shares, dtype=float)
    cuts = np.quantile(latent, np.cumsum(shares / shares.sum())[:-1])
    ratings = (np.searchsorted(cuts, latent) + int(rating_scale[0])).astype(np.float32)
    del latent

    is_test = per_user_holdout(users, test_fraction, seed=int(rng.integers(2**63)))

    def take(mask: np.ndarray) -> Interactions:
        return Interactions.from_lists(users[mask], items[mask], ratings[mask])

    return take(~is_test), take(is_test)
