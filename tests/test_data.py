"""The dataset artifact: the authors' split's figures, the validation carve, synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from irgan.data import synthetic
from irgan.data.dataset import Dataset, carve_validation
from irgan.data.registry import prepare_dataset
from irgan.errors import ConfigError
from irgan.study.config import load_config
from tests.conftest import VALIDATION, tiny_dataset


def test_authors_split_has_the_published_figures(ml100k):
    summary = ml100k.summary()
    assert summary["users"] == 943
    assert summary["items"] == 1683
    assert summary["train_ratings"] == 80_000
    assert summary["test_ratings"] == 20_000
    assert summary["train_positives"] == 44_140
    assert summary["test_positives"] == 11_235
    assert summary["test_users"] == 456


def test_registry_entry_builds_the_same_dataset(mirror, ml100k):
    config = load_config()
    spec = config["datasets"]["ml-100k-irgan"]
    files = {name: mirror / name for name in spec["files"]}
    built = prepare_dataset("ml-100k-irgan", spec, config["validation"], files)
    assert built.summary() | {"validation_positives": 0} == ml100k.summary() | {"validation_positives": 0}


def test_artifact_round_trips(tmp_path):
    dataset = tiny_dataset()
    dataset.save(tmp_path / "d.npz")
    loaded = Dataset.load(tmp_path / "d.npz")
    assert loaded.summary() == dataset.summary()
    assert np.array_equal(loaded.validation_mask, dataset.validation_mask)
    assert np.array_equal(loaded.train.items, dataset.train.items)
    assert [p.name for p in tmp_path.iterdir()] == ["d.npz"]


def test_validation_carve_is_seeded_per_user_and_leaves_training_data():
    users = np.repeat(np.arange(50), np.arange(50) + 1)  # user u has u + 1 positives
    a = carve_validation(users, 0.2, 5, seed=3)
    assert np.array_equal(a, carve_validation(users, 0.2, 5, seed=3))
    assert not np.array_equal(a, carve_validation(users, 0.2, 5, seed=4))
    held = np.bincount(users[a], minlength=50)
    counts = np.bincount(users)
    expected = np.where(counts >= 5, np.maximum(np.floor(0.2 * counts), 1), 0)
    assert np.array_equal(held, expected)
    assert np.all(counts - held >= 1)


def test_validation_positives_are_disjoint_from_fit_positives():
    dataset = tiny_dataset(seed=3)
    fit = set(zip(dataset.fit_positives.users, dataset.fit_positives.items, strict=True))
    val = set(zip(dataset.validation_positives.users, dataset.validation_positives.items, strict=True))
    assert not fit & val
    assert len(fit) + len(val) == len(dataset.train_positives)


def test_validation_fraction_out_of_range_is_refused():
    with pytest.raises(ConfigError, match="validation.fraction"):
        carve_validation(np.zeros(4, dtype=np.int64), 1.0, 2, 0)


def test_synthetic_data_is_seeded_and_movielens_like():
    train, test = synthetic.generate(seed=5, n_users=200, n_items=300, density=0.06)
    again, _ = synthetic.generate(seed=5, n_users=200, n_items=300, density=0.06)
    other, _ = synthetic.generate(seed=6, n_users=200, n_items=300, density=0.06)
    assert np.array_equal(train.items, again.items) and np.array_equal(train.ratings, again.ratings)
    assert not np.array_equal(train.items, other.items[: len(train.items)])
    n = len(train) + len(test)
    assert 0.05 < n / (200 * 300) < 0.12  # at least 20 ratings per user pushes density up a little
    assert abs(len(test) / n - 0.2) < 0.02
    ratings = np.concatenate([train.ratings, test.ratings])
    assert set(np.unique(ratings)) == {1, 2, 3, 4, 5}
    assert 0.45 < np.mean(ratings >= 4) < 0.65
    pairs = set(zip(train.users, train.items, strict=True)) | set(zip(test.users, test.items, strict=True))
    assert len(pairs) == n  # no user rates an item twice


def test_synthetic_preferences_are_learnable():
    """Items popular among a user's neighbours predict their test positives better than chance."""
    config = load_config()
    spec = dict(config["datasets"]["synthetic"], n_users=300, n_items=400)
    ds = prepare_dataset("synthetic", spec, VALIDATION)
    train = ds.train_positives.dense(ds.n_users, ds.n_items).float()
    popularity = train.sum(0)
    test = ds.test_positives.dense(ds.n_users, ds.n_items)
    candidates = ~train.bool()
    top = (popularity * candidates).topk(10, dim=1).indices
    hit_rate = test.gather(1, top).float().mean()
    base_rate = (test & candidates).sum() / candidates.sum()
    assert hit_rate > 2 * base_rate


def test_bad_synthetic_parameters_are_refused():
    with pytest.raises(ConfigError, match="density"):
        synthetic.generate(seed=1, density=0.0)
    with pytest.raises(ConfigError, match="test_fraction"):
        synthetic.generate(seed=1, test_fraction=1.0)
