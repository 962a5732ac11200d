"""The Netflix Prize data (the paper's Table 4), brought by the user, and a seeded study-sized subset.

The files are not redistributable and no official source serves them any
more, so the config names a local directory holding either the
``combined_data_1.txt`` .. ``combined_data_4.txt`` files (the later
re-distribution) or the original ``training_set/mv_*.txt`` files. Both use
the same format: a ``MovieID:`` line, then ``CustomerID,Rating,Date`` lines
for that movie.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from irgan.data.ratings import Interactions
from irgan.errors import ConfigError, RatingsFormatError

HOW_TO_OBTAIN = (
    "The Netflix Prize data is not redistributable and no longer offered by Netflix. Obtain a copy "
    "(e.g. the 'Netflix Prize data' set on Kaggle, which holds combined_data_1..4.txt, or the "
    "original nf_prize_dataset.tar.gz with training_set/mv_*.txt, from an archive you trust), "
    "unpack it, and set datasets.netflix.path to that directory."
)


def netflix_files(directory: str | os.PathLike) -> list[Path]:
    """The rating files under ``directory``, in a fixed order; a clear error when there are none."""
    directory = Path(directory).expanduser()
    if not directory.is_dir():
        raise ConfigError(f"key datasets.netflix.path: {directory} is not a directory. {HOW_TO_OBTAIN}")
    files = sorted(directory.glob("combined_data_*.txt"))
    if not files:
        files = sorted((directory / "training_set").glob("mv_*.txt")) or sorted(directory.glob("mv_*.txt"))
    if not files:
        raise ConfigError(
            f"key datasets.netflix.path: no combined_data_*.txt or training_set/mv_*.txt in {directory}. "
            f"{HOW_TO_OBTAIN}"
        )
    return files


def read_netflix_file(path: str | os.PathLike, rating_scale=(1.0, 5.0)) -> pd.DataFrame:
    """One file as a frame ``customer, movie, rating`` (ids as published); errors name the line.

    Vectorised with pandas: the full data has about 100 million lines.
    """
    try:
        frame = pd.read_csv(
            path,
            header=None,
            names=["customer", "rating", "date"],
            dtype=str,
            skip_blank_lines=False,
            engine="c",
            na_filter=False,
        )
    except pd.errors.ParserError as exc:  # e.g. "Expected 3 fields in line 7, saw 4"
        raise RatingsFormatError(f"{path}: {exc}".strip()) from None
    except UnicodeDecodeError as exc:
        raise RatingsFormatError(f"{path}: not UTF-8 text ({exc})") from None
    first = frame["customer"].str.strip()
    blank = (first == "") & (frame["rating"] == "") & (frame["date"] == "")
    is_header = first.str.endswith(":") & (frame["rating"] == "")
    header_ids = pd.to_numeric(first.where(is_header).str[:-1], errors="coerce")
    bad_header = is_header & (header_ids.isna() | (header_ids < 1))
    if bad_header.any():
        line = int(np.flatnonzero(bad_header.to_numpy())[0]) + 1
        raise RatingsFormatError(
            f"{path}, line {line}: malformed movie header {frame['customer'].iloc[line - 1]!r}"
        )
    movie = header_ids.ffill()
    data = ~is_header & ~blank
    customer = pd.to_numeric(first.where(data), errors="coerce")
    rating = pd.to_numeric(frame["rating"].where(data), errors="coerce")
    low, high = rating_scale
    problems = {
        "a rating line before any 'MovieID:' header": data & movie.isna(),
        "non-numeric or negative customer id": data & (customer.isna() | (customer < 0)),
        "non-numeric rating": data & rating.isna(),
        f"rating outside the scale [{low:g}, {high:g}]": data & rating.notna() & ~rating.between(low, high),
        "missing date": data & (frame["date"].str.strip() == ""),
    }
    for what, mask in problems.items():
        if mask.any():
            line = int(np.flatnonzero(mask.to_numpy())[0]) + 1
            raise RatingsFormatError(f"{path}, line {line}: {what} in {','.join(frame.iloc[line - 1])!r}")
    return pd.DataFrame(
        {
            "customer": customer[data].astype(np.int64).to_numpy(),
            "movie": movie[data].astype(np.int64).to_numpy(),
            "rating": rating[data].astype(np.float32).to_numpy(),
        }
    )


def core_filter(frame: pd.DataFrame, min_user: int, min_item: int, max_rounds: int = 50) -> pd.DataFrame:
    """Drop users and items with too few ratings, repeatedly, until both bounds hold (a k-core)."""
    for _ in range(max_rounds):
        user_counts = frame["customer"].map(frame["customer"].value_counts())
        item_counts = frame["movie"].map(frame["movie"].value_counts())
        keep = (user_counts >= min_user) & (item_counts >= min_item)
        if keep.all():
            return frame
        frame = frame[keep]
    return frame


def study_subset(
    frame: pd.DataFrame, min_user_ratings: int, min_item_ratings: int, max_users: int | None, seed: int
) -> tuple[Interactions, dict]:
    """The documented, seeded subsample: a k-core, then at most ``max_users`` users drawn
    uniformly (seeded) from it, then the k-core again; ids re-numbered densely (sorted order).
    """
    total = len(frame)
    frame = core_filter(frame, min_user_ratings, min_item_ratings)
    customers = np.sort(frame["customer"].unique())
    if max_users is not None and len(customers) > max_users:
        rng = np.random.default_rng(seed)
        chosen = np.sort(rng.choice(customers, size=max_users, replace=False))
        frame = core_filter(frame[frame["customer"].isin(chosen)], min_user_ratings, min_item_ratings)
    if frame.empty:
        raise ConfigError(
            "keys datasets.netflix.min_user_ratings / min_item_ratings leave no rating in the subset"
        )
    users = np.searchsorted(np.sort(frame["customer"].unique()), frame["customer"].to_numpy())
    items = np.searchsorted(np.sort(frame["movie"].unique()), frame["movie"].to_numpy())
    order = np.lexsort((items, users))
    subset = Interactions.from_lists(users[order], items[order], frame["rating"].to_numpy()[order])
    info = {
        "source_ratings": int(total),
        "subset_ratings": int(len(frame)),
        "subset_users": int(users.max() + 1),
        "subset_items": int(items.max() + 1),
    }
    return subset, info
