"""Shared fixtures: the offline mirror of the authors' files and small datasets."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from irgan.data.dataset import Dataset, build_dataset
from irgan.data.download import DEFAULT_MIRROR
from irgan.data.download import mirror_dir as download_mirror_dir
from irgan.data.ratings import Interactions, read_ratings
from irgan.data.registry import prepare_dataset

REPO = Path(__file__).resolve().parents[1]
# The default mirror (irgan.data.download.DEFAULT_MIRROR, beside the clone) is the workflow's too.
assert DEFAULT_MIRROR == REPO.parent / "shared" / "data" / "irgan-ml100k"
VALIDATION = {"fraction": 0.1, "min_user_positives": 5, "seed": 2017}


def mirror_dir() -> Path | None:
    path = download_mirror_dir()
    return path if (path / "movielens-100k-train.txt").is_file() else None


@pytest.fixture(scope="session")
def mirror() -> Path:
    path = mirror_dir()
    if path is None:
        pytest.skip("offline mirror of the authors' files not found (set IRGAN_MIRROR)")
    return path


@pytest.fixture(scope="session")
def ml100k(mirror: Path) -> Dataset:
    train = read_ratings(mirror / "movielens-100k-train.txt", n_users=943, n_items=1683)
    test = read_ratings(mirror / "movielens-100k-test.txt", n_users=943, n_items=1683)
    return build_dataset("ml-100k-irgan", train, test, 943, 1683, 4.0, VALIDATION)


def tiny_dataset(n_users: int = 30, n_items: int = 40, seed: int = 0) -> Dataset:
    """A random dataset small enough to check by hand or by brute force."""
    rng = np.random.default_rng(seed)
    pairs = [(u, i) for u in range(n_users) for i in range(n_items) if rng.random() < 0.3]
    users, items = map(np.asarray, zip(*pairs, strict=True))
    ratings = rng.integers(1, 6, size=len(users)).astype(np.float32)
    is_test = rng.random(len(users)) < 0.25
    train = Interactions.from_lists(users[~is_test], items[~is_test], ratings[~is_test])
    test = Interactions.from_lists(users[is_test], items[is_test], ratings[is_test])
    return build_dataset("tiny", train, test, n_users, n_items, 4.0, VALIDATION)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny tensors: one intra-op thread is faster, and immune to a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def synthetic_small() -> Dataset:
    """A small planted low-rank dataset on which training must clearly beat its start."""
    spec = {"kind": "synthetic", "seed": 7, "n_users": 150, "n_items": 200, "density": 0.08, "rank": 4,
            "test_fraction": 0.2, "rating_scale": [1, 5], "positive_threshold": 4}
    return prepare_dataset("synthetic", spec, VALIDATION)


@pytest.fixture(autouse=True)
def keep_root_logging():
    """A workflow step configures the root logger for its process (irgan.jobs.script.run_step);
    a test that runs one in-process must not leave the next test logging to its closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
