"""The canonical dataset artifact every model and metric reads.

A dataset is train and test interactions over fixed user and item counts, a
positive threshold on the rating, and a seeded validation split carved from
the training positives (for honest model selection). It is stored as one
``.npz`` file with a JSON summary beside it.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import torch

from irgan.contract.beyond_accuracy import item_table, user_table
from irgan.contract.io import atomic_path, write_json
from irgan.data.ratings import Interactions
from irgan.data.splits import rank_within_user
from irgan.errors import ConfigError, IrganError

Split = Literal["test", "validation"]


class DatasetFileError(IrganError):
    """A dataset artifact cannot be read (corrupt, foreign, or holding pickled objects)."""


FORMAT_VERSION = 1


@dataclass(frozen=True)
class Pairs:
    """(user, item) pairs, e.g. the positives of one split."""

    users: np.ndarray
    items: np.ndarray

    def __len__(self) -> int:
        return len(self.users)

    def dense(self, n_users: int, n_items: int, device: str | torch.device = "cpu") -> torch.Tensor:
        """A users x items boolean membership matrix."""
        mask = torch.zeros(n_users, n_items, dtype=torch.bool, device=device)
        mask[torch.as_tensor(self.users, device=device), torch.as_tensor(self.items, device=device)] = True
        return mask

    def per_user_counts(self, n_users: int) -> np.ndarray:
        return np.bincount(self.users, minlength=n_users)


@dataclass(frozen=True)
class Dataset:
    """Train/test interactions, positives at ``rating >= positive_threshold``, a validation carve."""

    name: str
    n_users: int
    n_items: int
    positive_threshold: float
    train: Interactions
    test: Interactions
    validation_mask: np.ndarray  # bool, one entry per training positive, in file order
    meta: dict = field(default_factory=dict)

    @cached_property
    def train_positives(self) -> Pairs:
        keep = self.train.ratings >= self.positive_threshold
        return Pairs(self.train.users[keep], self.train.items[keep])

    @cached_property
    def test_positives(self) -> Pairs:
        keep = self.test.ratings >= self.positive_threshold
        return Pairs(self.test.users[keep], self.test.items[keep])

    @cached_property
    def validation_positives(self) -> Pairs:
        pos = self.train_positives
        return Pairs(pos.users[self.validation_mask], pos.items[self.validation_mask])

    @cached_property
    def fit_positives(self) -> Pairs:
        """Training positives minus the validation carve: what an honest model trains on."""
        pos = self.train_positives
        keep = ~self.validation_mask
        return Pairs(pos.users[keep], pos.items[keep])

    def training_positives(self, selection: str) -> Pairs:
        """Positives a model may fit under a selection rule (``test`` = paper, ``validation``)."""
        if selection == "test":
            return self.train_positives
        if selection == "validation":
            return self.fit_positives
        raise ConfigError(f"unknown selection rule {selection!r} (expected 'test' or 'validation')")

    def split_pairs(self, split: Split) -> tuple[Pairs, Pairs]:
        """(known positives excluded from the candidates, relevant positives) of a split."""
        if split == "test":
            return self.train_positives, self.test_positives
        if split == "validation":
            return self.fit_positives, self.validation_positives
        raise ConfigError(f"unknown split {split!r} (expected 'test' or 'validation')")

    def summary(self) -> dict:
        """The figures a reader checks first (and the study compares with the paper)."""
        test_users = int(np.count_nonzero(self.test_positives.per_user_counts(self.n_users)))
        val_users = int(np.count_nonzero(self.validation_positives.per_user_counts(self.n_users)))
        n_ratings = len(self.train) + len(self.test)
        return {
            "dataset": self.name,
            "users": self.n_users,
            "items": self.n_items,
            "train_ratings": len(self.train),
            "test_ratings": len(self.test),
            "ratings": n_ratings,
            "density": n_ratings / (self.n_users * self.n_items),
            "positive_threshold": self.positive_threshold,
            "train_positives": len(self.train_positives),
            "test_positives": len(self.test_positives),
            "test_users": test_users,
            "validation_positives": len(self.validation_positives),
            "validation_users": val_users,
            "fit_positives": len(self.fit_positives),
            **self.meta,
        }

    def save(self, path: str | os.PathLike) -> None:
        """Write the artifact atomically."""
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            np.savez_compressed(
                handle,
                format_version=np.int64(FORMAT_VERSION),
                name=np.str_(self.name),
                n_users=np.int64(self.n_users),
                n_items=np.int64(self.n_items),
                positive_threshold=np.float64(self.positive_threshold),
                train_users=self.train.users,
                train_items=self.train.items,
                train_ratings=self.train.ratings,
                test_users=self.test.users,
                test_items=self.test.items,
                test_ratings=self.test.ratings,
                validation_mask=self.validation_mask,
            )

    @classmethod
    def load(cls, path: str | os.PathLike) -> Dataset:
        """Read the artifact: plain arrays only (``allow_pickle=False``); an unreadable or
        foreign file is one error naming it."""
        try:
            return cls._load(path)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as exc:
            raise DatasetFileError(f"{path}: not a readable dataset artifact ({exc})") from None

    @classmethod
    def _load(cls, path: str | os.PathLike) -> Dataset:
        with np.load(path, allow_pickle=False) as arrays:
            if int(arrays["format_version"]) != FORMAT_VERSION:
                raise ConfigError(f"{path}: dataset format {int(arrays['format_version'])} unsupported")
            return cls(
                name=str(arrays["name"]),
                n_users=int(arrays["n_users"]),
                n_items=int(arrays["n_items"]),
                positive_threshold=float(arrays["positive_threshold"]),
                train=Interactions(arrays["train_users"], arrays["train_items"], arrays["train_ratings"]),
                test=Interactions(arrays["test_users"], arrays["test_items"], arrays["test_ratings"]),
                validation_mask=arrays["validation_mask"],
            )


def carve_validation(
    positives_users: np.ndarray, fraction: float, min_user_positives: int, seed: int
) -> np.ndarray:
    """Seeded per-user hold-out of training positives for model selection.

    A user with ``n >= min_user_positives`` positives gives
    ``max(1, floor(fraction * n))`` of them (never all) to validation; users
    with fewer give none, so every user keeps something to train on.
    """
    if not 0.0 <= fraction < 1.0:
        raise ConfigError(f"validation.fraction must lie in [0, 1), got {fraction}")
    rank_in_user = rank_within_user(positives_users, np.random.default_rng(seed))
    counts = np.bincount(positives_users)
    per_user = np.floor(fraction * counts).astype(np.int64)
    per_user = np.where((counts >= min_user_positives) & (fraction > 0), np.maximum(per_user, 1), 0)
    per_user = np.minimum(per_user, np.maximum(counts - 1, 0))
    return rank_in_user < per_user[positives_users]


def build_dataset(
    name: str,
    train: Interactions,
    test: Interactions,
    n_users: int,
    n_items: int,
    positive_threshold: float,
    validation: dict,
) -> Dataset:
    """Assemble the artifact and carve its validation split."""
    keep = train.ratings >= positive_threshold
    mask = carve_validation(
        train.users[keep],
        fraction=float(validation["fraction"]),
        min_user_positives=int(validation["min_user_positives"]),
        seed=int(validation["seed"]),
    )
    return Dataset(name, n_users, n_items, float(positive_threshold), train, test, mask)


def save_with_summary(
    dataset: Dataset, artifact: str | os.PathLike, summary: str | os.PathLike, extra: dict | None = None
) -> dict:
    """Save the artifact and its summary JSON; return the summary."""
    record = dataset.summary() | (extra or {})
    dataset.save(artifact)
    write_json(summary, record)
    return record


def popularity_tables(dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``data/items.csv`` and ``data/users.csv``: each item's popularity (training positives) and
    each evaluated user's activity and test-item popularity, what the beyond-accuracy metrics and
    the user groups of the analysis are computed from (:mod:`irgan.contract.beyond_accuracy`)."""
    train, test = dataset.train_positives, dataset.test_positives
    items = item_table(np.bincount(train.items, minlength=dataset.n_items), dataset.n_users)
    users = user_table(train.users, test.users, test.items, dataset.n_users, items)
    return items, users


def artifact_path(results: str | os.PathLike, dataset: str) -> Path:
    return Path(results) / dataset / "data" / "dataset.npz"
