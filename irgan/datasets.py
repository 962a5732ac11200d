"""The dataset registry: turn a config entry (and its downloaded files) into a Dataset."""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np

from irgan import synthetic
from irgan.data import Dataset, build_dataset
from irgan.errors import ConfigError, RatingsFormatError
from irgan.ratings import Interactions, read_ratings


def _id_bound(spec: Mapping, key: str, train: Interactions, test: Interactions, attr: str) -> int:
    declared = spec.get(key)
    if declared is not None:
        return int(declared)
    return int(max(getattr(train, attr).max(), getattr(test, attr).max())) + 1


def prepare_dataset(
    name: str, spec: Mapping, validation: Mapping, files: Mapping[str, str | os.PathLike] | None = None
) -> Dataset:
    """Build the canonical artifact for registry entry ``name``.

    ``files`` maps each downloaded file name to its local path (ratings-split datasets).
    """
    kind = spec["kind"]
    scale = tuple(spec["rating_scale"])
    if kind == "ratings-split":
        files = files or {}
        missing = [f for f in (spec["train_file"], spec["test_file"]) if f not in files]
        if missing:
            raise ConfigError(f"dataset {name}: no local copy of {', '.join(missing)}")
        n_users, n_items = spec.get("n_users"), spec.get("n_items")
        train = read_ratings(files[spec["train_file"]], scale, n_users, n_items)
        test = read_ratings(files[spec["test_file"]], scale, n_users, n_items)
    elif kind == "synthetic":
        train, test = synthetic.generate(
            seed=int(spec["seed"]),
            n_users=int(spec["n_users"]),
            n_items=int(spec["n_items"]),
            density=float(spec["density"]),
            rank=int(spec["rank"]),
            test_fraction=float(spec["test_fraction"]),
        )
    else:
        raise ConfigError(f"key datasets.{name}.kind: unknown kind {kind!r}")
    n_users = _id_bound(spec, "n_users", train, test, "users")
    n_items = _id_bound(spec, "n_items", train, test, "items")
    threshold = float(spec["positive_threshold"])
    if not np.any(test.ratings >= threshold):
        raise RatingsFormatError(f"dataset {name}: the test split has no positive (rating >= {threshold:g})")
    return build_dataset(name, train, test, n_users, n_items, threshold, validation)
