"""The dataset registry: turn a config entry (and its downloaded files) into a Dataset."""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from irgan.data import netflix, synthetic
from irgan.data.dataset import Dataset, build_dataset
from irgan.data.ratings import Interactions, parse_ratings, read_ratings, reject_test_pairs_in_training
from irgan.data.splits import per_user_holdout
from irgan.errors import ConfigError, RatingsFormatError


def _id_bound(train: Interactions, test: Interactions, attr: str) -> int:
    return int(max(getattr(train, attr).max(), getattr(test, attr).max())) + 1


def _test_limits(train: Interactions, n_users: int | None, n_items: int | None) -> tuple[int, int]:
    """Id limits of a test file: the declared counts, else the training file's id range (a test
    id beyond it would silently add users or items that nothing was trained on)."""
    return (int(n_users) if n_users is not None else int(train.users.max()) + 1,
            int(n_items) if n_items is not None else int(train.items.max()) + 1)


def _limits_note(train_source: str | os.PathLike, n_users: int | None, n_items: int | None) -> dict[str, str]:
    """Which of the test file's id limits come from the training file (for its error messages)."""
    note = f"the training file {train_source}"
    return {what: note for what, declared in (("user", n_users), ("item", n_items)) if declared is None}


def read_archive_member(archive: str | os.PathLike, member: str) -> list[bytes]:
    """Lines of one member of a zip archive; a corrupt archive or a missing member is one clear error."""
    try:
        with zipfile.ZipFile(archive) as handle:
            names = handle.namelist()
            if member not in names:
                listing = ", ".join(n for n in names if not n.endswith("/"))[:300]
                raise RatingsFormatError(f"{archive}: no member {member!r} (the archive holds: {listing})")
            return handle.read(member).splitlines()
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise RatingsFormatError(f"{archive}: not a readable zip archive ({exc})") from None


def compact_ids(train: Interactions, test: Interactions) -> tuple[Interactions, Interactions, int, int]:
    """Renumber users and items densely (sorted order), so that ids with no rating vanish."""
    users = np.unique(np.concatenate([train.users, test.users]))
    items = np.unique(np.concatenate([train.items, test.items]))

    def remap(part: Interactions) -> Interactions:
        return Interactions(
            np.searchsorted(users, part.users), np.searchsorted(items, part.items), part.ratings
        )

    return remap(train), remap(test), len(users), len(items)


def split_per_user(
    ratings: Interactions, test_fraction: float, seed: int
) -> tuple[Interactions, Interactions]:
    """A seeded per-user train/test split of one ratings table (``round(fraction * n_u)`` to test)."""
    held = per_user_holdout(ratings.users, test_fraction, seed)

    def take(mask: np.ndarray) -> Interactions:
        return Interactions(ratings.users[mask], ratings.items[mask], ratings.ratings[mask])

    return take(~held), take(held)


def _local(files: Mapping[str, str | os.PathLike] | None, name: str, dataset: str) -> str | os.PathLike:
    if not files or name not in files:
        raise ConfigError(f"dataset {dataset}: no local copy of {name}")
    return files[name]


def prepare_dataset(
    name: str, spec: Mapping, validation: Mapping, files: Mapping[str, str | os.PathLike] | None = None
) -> Dataset:
    """Build the canonical artifact for registry entry ``name``.

    ``files`` maps each downloaded file name to its local path. Kinds:
    ``ratings-split`` (train and test files), ``archive-split`` (train and
    test members of a zip archive, e.g. GroupLens folds), ``archive-ratings``
    (one ratings member of a zip archive, split per user with a seed),
    ``netflix`` (user-supplied Netflix Prize files, subsampled with a seed),
    ``synthetic``, ``synthetic-shaped`` (generated with a real dataset's counts
    and long tails, :func:`irgan.data.synthetic.generate_shaped`) and
    ``resplit`` (the union of another entry's train and test ratings,
    ``base_spec``, split again per user with ``split_seed``: :func:`resplit`).
    """
    train, test, n_users, n_items, extra = read_train_test(name, spec, files)
    threshold = float(spec["positive_threshold"])
    if not np.any(test.ratings >= threshold):
        raise RatingsFormatError(f"dataset {name}: the test split has no positive (rating >= {threshold:g})")
    dataset = build_dataset(name, train, test, n_users, n_items, threshold, validation)
    dataset.meta.update(extra)
    return dataset


def union(train: Interactions, test: Interactions) -> Interactions:
    """Every rating of a split, train then test (the split's parts are disjoint: checked on reading)."""
    return Interactions(np.concatenate([train.users, test.users]), np.concatenate([train.items, test.items]),
                        np.concatenate([train.ratings, test.ratings]))


def resplit(
    train: Interactions, test: Interactions, test_fraction: float, seed: int
) -> tuple[Interactions, Interactions]:
    """The union of a split's ratings split again per user: ``round(test_fraction * n_u)`` of each
    user's ratings to test, drawn with ``seed`` (:func:`split_per_user`). Ratings, not positives,
    are split, as GroupLens split u.data; positives follow from the threshold afterwards."""
    return split_per_user(union(train, test), test_fraction, seed)


def read_train_test(
    name: str, spec: Mapping, files: Mapping[str, str | os.PathLike] | None = None
) -> tuple[Interactions, Interactions, int, int, dict]:
    """(train, test, n_users, n_items, extra summary fields) of registry entry ``name``."""
    kind = spec["kind"]
    scale = tuple(spec["rating_scale"])
    id_base = int(spec.get("id_base", 0))
    n_users, n_items = spec.get("n_users"), spec.get("n_items")
    extra: dict = {}
    if kind == "ratings-split":
        read = {"id_base": id_base}
        train_path = _local(files, spec["train_file"], name)
        train = read_ratings(train_path, scale, n_users, n_items, **read)
        test = read_ratings(_local(files, spec["test_file"], name), scale,
                            *_test_limits(train, n_users, n_items), **read,
                            limits_from=_limits_note(train_path, n_users, n_items))
        reject_test_pairs_in_training(train, test)
    elif kind == "archive-split":
        archive = _local(files, spec["archive"], name)
        fold = spec.get("fold", 1)
        train_member, test_member = (spec[key].format(fold=fold) for key in ("train_member", "test_member"))
        train_source = f"{archive}:{train_member}"
        train = parse_ratings(read_archive_member(archive, train_member), train_source, scale, n_users,
                              n_items, spec.get("separator"), id_base)
        test = parse_ratings(read_archive_member(archive, test_member), f"{archive}:{test_member}", scale,
                             *_test_limits(train, n_users, n_items), spec.get("separator"), id_base,
                             _limits_note(train_source, n_users, n_items))
        reject_test_pairs_in_training(train, test)
    elif kind == "archive-ratings":
        archive = _local(files, spec["archive"], name)
        member = spec["member"]
        ratings = parse_ratings(
            read_archive_member(archive, member),
            f"{archive}:{member}",
            scale,
            None,
            None,
            spec.get("separator"),
            id_base,
        )
        train, test = split_per_user(ratings, float(spec["test_fraction"]), int(spec["split_seed"]))
        if spec.get("compact_ids", True):
            train, test, n_users, n_items = compact_ids(train, test)
    elif kind == "netflix":
        frames = [netflix.read_netflix_file(path, scale) for path in netflix.netflix_files(spec["path"])]
        ratings, extra = netflix.study_subset(
            pd.concat(frames, ignore_index=True),
            int(spec["min_user_ratings"]),
            int(spec["min_item_ratings"]),
            spec.get("max_users"),
            int(spec["subsample_seed"]),
        )
        train, test = split_per_user(ratings, float(spec["test_fraction"]), int(spec["split_seed"]))
        n_users, n_items = extra["subset_users"], extra["subset_items"]
    elif kind == "synthetic":
        train, test = synthetic.generate(
            seed=int(spec["seed"]),
            n_users=int(spec["n_users"]),
            n_items=int(spec["n_items"]),
            density=float(spec["density"]),
            rank=int(spec["rank"]),
            test_fraction=float(spec["test_fraction"]),
        )
    elif kind == "synthetic-shaped":
        fraction = float(spec.get("users_fraction", 1.0))
        train, test = synthetic.generate_shaped(
            seed=int(spec["seed"]),
            n_users=int(spec["n_users"]),
            n_items=int(spec["n_items"]),
            n_ratings=int(spec["n_ratings"]),
            user_mean=float(spec["user_mean"]),
            user_median=float(spec["user_median"]),
            user_min=int(spec["user_min"]),
            item_mean=float(spec["item_mean"]),
            item_median=float(spec["item_median"]),
            rating_shares=[float(share) for share in spec["rating_shares"]],
            users_fraction=fraction,
            rank=int(spec["rank"]),
            noise_sd=float(spec.get("noise_sd", 0.5)),
            test_fraction=float(spec["test_fraction"]),
            rating_scale=scale,
            source=f"datasets.{name}",
        )
        n_users = synthetic.scaled_users(int(spec["n_users"]), fraction)
        extra = {"users_fraction": fraction}
    elif kind == "resplit":
        base = spec["base"]
        base_train, base_test, n_users, n_items, _ = read_train_test(base, spec["base_spec"], files)
        train, test = resplit(base_train, base_test, float(spec["test_fraction"]), int(spec["split_seed"]))
        extra = {"resplit_of": base, "split_seed": int(spec["split_seed"])}
    else:
        raise ConfigError(f"key datasets.{name}.kind: unknown kind {kind!r}")
    n_users = int(n_users) if n_users is not None else _id_bound(train, test, "users")
    n_items = int(n_items) if n_items is not None else _id_bound(train, test, "items")
    return train, test, n_users, n_items, extra
