"""Parsing of ``user item rating [timestamp]`` files with errors that name file and line."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from irgan.errors import RatingsFormatError


@dataclass(frozen=True)
class Interactions:
    """Parallel arrays of (user, item, rating); ids are 0-based."""

    users: np.ndarray  # int64
    items: np.ndarray  # int64
    ratings: np.ndarray  # float32

    def __post_init__(self) -> None:
        if not (len(self.users) == len(self.items) == len(self.ratings)):
            raise ValueError("users, items and ratings must have the same length")

    def __len__(self) -> int:
        return len(self.users)

    @classmethod
    def from_lists(cls, users, items, ratings) -> Interactions:
        return cls(
            np.asarray(users, dtype=np.int64),
            np.asarray(items, dtype=np.int64),
            np.asarray(ratings, dtype=np.float32),
        )


def _integer_field(text: str, what: str, where: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise RatingsFormatError(f"{where}: non-numeric {what} {text!r}") from None
    if value < 0:
        raise RatingsFormatError(f"{where}: negative {what} {value}")
    return value


def read_ratings(
    path: str | os.PathLike,
    rating_scale: tuple[float, float] = (1.0, 5.0),
    n_users: int | None = None,
    n_items: int | None = None,
    separator: str | None = None,
) -> Interactions:
    """Read a ratings file of ``user item rating [timestamp]`` lines (blank lines skipped).

    ``separator=None`` splits on any whitespace. Ids must be non-negative
    integers (below ``n_users`` / ``n_items`` when given) and ratings must lie
    in the closed ``rating_scale``; the first offending line ends the read with
    an error naming the file and its 1-based line number.
    """
    low, high = rating_scale
    users: list[int] = []
    items: list[int] = []
    ratings: list[float] = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            where = f"{path}, line {number}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise RatingsFormatError(f"{where}: not UTF-8 text") from None
            fields = line.split(separator) if separator else line.split()
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) not in (3, 4):
                raise RatingsFormatError(
                    f"{where}: expected 3 or 4 fields (user item rating [timestamp]), "
                    f"found {len(fields)} in {line.rstrip()!r}"
                )
            user = _integer_field(fields[0].strip(), "user id", where)
            item = _integer_field(fields[1].strip(), "item id", where)
            try:
                rating = float(fields[2])
            except ValueError:
                raise RatingsFormatError(f"{where}: non-numeric rating {fields[2]!r}") from None
            if not math.isfinite(rating) or not low <= rating <= high:
                raise RatingsFormatError(
                    f"{where}: rating {fields[2].strip()} outside the scale [{low:g}, {high:g}]"
                )
            if len(fields) == 4:
                _integer_field(fields[3].strip(), "timestamp", where)
            if n_users is not None and user >= n_users:
                raise RatingsFormatError(f"{where}: user id {user} >= n_users ({n_users})")
            if n_items is not None and item >= n_items:
                raise RatingsFormatError(f"{where}: item id {item} >= n_items ({n_items})")
            users.append(user)
            items.append(item)
            ratings.append(rating)
    if not users:
        raise RatingsFormatError(f"{path}: no ratings found")
    return Interactions.from_lists(users, items, ratings)
