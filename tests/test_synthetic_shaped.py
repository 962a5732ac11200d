"""Shaped synthetic data: a real dataset's counts, long tails and rating shares, from a seed."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from scipy.stats import norm

from irgan.data import synthetic
from irgan.data.registry import prepare_dataset
from irgan.errors import ConfigError
from irgan.study.config import load_config, validate_config
from tests.conftest import VALIDATION

# A smaller shape of ML-1M's density (4.7 %), tails (median / mean 0.58 per user, 0.46 per item),
# user minimum and rating shares (config/config.yaml, synthetic-ml-1m).
SHAPE = dict(n_users=600, n_items=1500, n_ratings=600 * 70, user_mean=70.0, user_median=40.0, user_min=20,
             item_mean=28.0, item_median=13.0, rating_shares=(0.056, 0.108, 0.261, 0.349, 0.226))


def everything(train, test) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.concatenate([train.users, test.users]), np.concatenate([train.items, test.items]),
            np.concatenate([train.ratings, test.ratings]))


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts (0: equal, towards 1: concentrated)."""
    ordered = np.sort(counts).astype(float)
    n = len(ordered)
    return float((2 * np.arange(1, n + 1) - n - 1) @ ordered / (n * ordered.sum()))


@pytest.fixture(scope="module")
def shaped():
    return synthetic.generate_shaped(seed=3, **SHAPE)


def test_same_seed_same_data_whatever_the_chunk_size(shaped):
    again = synthetic.generate_shaped(seed=3, **SHAPE, chunk_bytes=1)  # one block of users per chunk
    other = synthetic.generate_shaped(seed=4, **SHAPE)
    for part, repeat in zip(shaped, again, strict=True):
        for column in ("users", "items", "ratings"):
            assert np.array_equal(getattr(part, column), getattr(repeat, column))
    assert not np.array_equal(shaped[0].items, other[0].items)


def test_counts_and_user_minimum(shaped):
    users, items, ratings = everything(*shaped)
    assert len(np.unique(users)) == SHAPE["n_users"]
    assert items.max() < SHAPE["n_items"]
    assert abs(len(users) - SHAPE["n_ratings"]) <= 0.01 * SHAPE["n_ratings"]
    per_user = np.bincount(users)
    assert per_user.min() >= SHAPE["user_min"]
    assert per_user.max() <= SHAPE["n_items"]
    assert len(np.unique(users * SHAPE["n_items"] + items)) == len(users)  # no pair twice
    assert set(np.unique(ratings)) == {1, 2, 3, 4, 5}
    # the per-user hold-out: round(0.2 n_u) of each user's ratings in test
    test_counts = np.bincount(shaped[1].users, minlength=SHAPE["n_users"])
    assert np.array_equal(test_counts, np.round(0.2 * per_user))


def test_users_fraction_scales_users_and_ratings():
    train, test = synthetic.generate_shaped(seed=1, **SHAPE, users_fraction=0.25)
    users, _, _ = everything(train, test)
    assert len(np.unique(users)) == 150
    assert abs(len(users) - 0.25 * SHAPE["n_ratings"]) <= 0.01 * 0.25 * SHAPE["n_ratings"]


def test_activity_follows_the_fitted_tail():
    """Per-user mean is the target's; the median is close to it (the truncation at user_min and the
    rescaling to the total move it a little)."""
    shape = dict(SHAPE, n_users=3000, n_ratings=3000 * 70)
    train, test = synthetic.generate_shaped(seed=5, **shape)
    users, items, _ = everything(train, test)
    per_user = np.bincount(users)
    assert per_user.mean() == pytest.approx(shape["user_mean"], rel=0.01)
    assert np.median(per_user) == pytest.approx(shape["user_median"], rel=0.12)
    # fewer users than half below the mean: the tail is long (a symmetric law would put half there)
    assert np.mean(per_user > per_user.mean()) < 0.4


def test_item_popularity_is_long_tailed(shaped):
    """The realised item Gini is far above a flat popularity's and near the fitted lognormal's
    (2 Phi(sigma / sqrt 2) - 1, sigma = sqrt(2 ln(mean / median)); heavy users rating much of the
    catalogue flatten it somewhat)."""
    _, items, _ = everything(*shaped)
    realised = gini(np.bincount(items, minlength=SHAPE["n_items"]))
    sigma = math.sqrt(2 * math.log(SHAPE["item_mean"] / SHAPE["item_median"]))
    implied = 2 * norm.cdf(sigma / math.sqrt(2)) - 1
    flat_shape = dict(SHAPE, item_median=SHAPE["item_mean"])  # sigma 0: equal weights
    _, flat_items, _ = everything(*synthetic.generate_shaped(seed=3, **flat_shape))
    flat = gini(np.bincount(flat_items, minlength=SHAPE["n_items"]))
    assert realised > 0.75 * implied
    assert realised > flat + 0.25


def test_positives_share_and_learnability(shaped):
    users, items, ratings = everything(*shaped)
    shares = np.asarray(SHAPE["rating_shares"])
    assert np.mean(ratings >= 4) == pytest.approx(shares[3:].sum() / shares.sum(), abs=0.01)
    # the planted affinity makes a user's ratings agree with similar users': items rated >= 4 by a
    # user are, for other users, rated >= 4 more often than average (item effect only would not
    # separate users, so compare within items: positive users share more positives elsewhere)
    train, test = shaped
    positive = train.ratings >= 4
    matrix = np.zeros((SHAPE["n_users"], SHAPE["n_items"]), dtype=np.float32)
    matrix[train.users, train.items] = np.where(positive, 1.0, -1.0)
    normed = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
    similarity = normed @ normed.T
    np.fill_diagonal(similarity, 0)
    score = similarity @ matrix  # user-kNN score of every item
    test_score = score[test.users, test.items]
    good = test.ratings >= 4
    assert test_score[good].mean() > test_score[~good].mean() + 0.1 * test_score.std()


@pytest.mark.parametrize(
    ("change", "key"),
    [({"users_fraction": 0.0}, "users_fraction"), ({"users_fraction": 1.5}, "users_fraction"),
     ({"user_median": 200.0}, "user_median"), ({"item_median": 100.0}, "item_median"),
     ({"user_min": 1600}, "user_min"), ({"rating_shares": (0.5, 0.5)}, "rating_shares"),
     ({"n_ratings": 100}, "n_ratings")],
)
def test_bad_shapes_give_one_error_naming_the_key(change, key):
    with pytest.raises(ConfigError, match=rf"key datasets\.synthetic-ml-1m\.{key}:"):
        synthetic.generate_shaped(seed=1, **{**SHAPE, **change}, source="datasets.synthetic-ml-1m")


@pytest.mark.parametrize("fraction", [0, 1.5])
def test_config_schema_refuses_a_bad_users_fraction(fraction):
    config = copy.deepcopy(load_config())
    config["datasets"]["synthetic-netflix"]["users_fraction"] = fraction
    with pytest.raises(ConfigError, match=r"key datasets\.synthetic-netflix\.users_fraction"):
        validate_config(config)


def test_registry_builds_synthetic_ml_1m_with_a_small_override():
    config = load_config()
    spec = dict(config["datasets"]["synthetic-ml-1m"], users_fraction=0.05)
    dataset = prepare_dataset("synthetic-ml-1m", spec, VALIDATION)
    assert dataset.n_users == 302 and dataset.n_items == 3706
    ratings = len(dataset.train) + len(dataset.test)
    assert abs(ratings - 0.05 * 1_000_209) <= 0.01 * 0.05 * 1_000_209
    assert np.bincount(np.concatenate([dataset.train.users, dataset.test.users])).min() >= 20
    assert dataset.meta["users_fraction"] == 0.05
    bad = dict(spec, user_median=500)
    with pytest.raises(ConfigError, match=r"key datasets\.synthetic-ml-1m\.user_median: \(500.0\) exceeds"):
        prepare_dataset("synthetic-ml-1m", bad, VALIDATION)
