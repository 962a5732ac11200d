"""Parsing of ``user item rating [timestamp]`` files with errors that name file and line."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
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


def parse_ratings(
    lines: Iterable[bytes],
    source: str,
    rating_scale: tuple[float, float] = (1.0, 5.0),
    n_users: int | None = None,
    n_items: int | None = None,
    separator: str | None = None,
    id_base: int = 0,
) -> Interactions:
    """Parse ``user item rating [timestamp]`` lines (blank lines skipped).

    ``separator=None`` splits on any whitespace (``"::"`` for MovieLens-1M).
    Ids must be integers >= ``id_base``; they are shifted to start at 0 (and
    must then lie below ``n_users`` / ``n_items`` when given). Ratings must lie
    in the closed ``rating_scale``. The first offending line ends the read with
    an error naming ``source`` and the 1-based line number.
    """
    low, high = rating_scale
    users: list[int] = []
    items: list[int] = []
    ratings: list[float] = []
    for number, raw in enumerate(lines, start=1):
        where = f"{source}, line {number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RatingsFormatError(f"{where}: not UTF-8 text") from None
        fields = line.strip().split(separator) if separator else line.split()
        if not fields or fields == [""]:
            continue
        if len(fields) not in (3, 4):
            raise RatingsFormatError(
                f"{where}: expected 3 or 4 fields (user item rating [timestamp]), "
                f"found {len(fields)} in {line.rstrip()!r}"
            )
        user = _integer_field(fields[0].strip(), "user id", where) - id_base
        item = _integer_field(fields[1].strip(), "item id", where) - id_base
        if user < 0 or item < 0:
            raise RatingsFormatError(f"{where}: id below the first id ({id_base}) in {line.rstrip()!r}")
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
        raise RatingsFormatError(f"{source}: no ratings found")
    return Interactions.from_lists(users, items, ratings)


def read_ratings(
    path: str | os.PathLike,
    rating_scale: tuple[float, float] = (1.0, 5.0),
    n_users: int | None = None,
    n_items: int | None = None,
    separator: str | None = None,
    id_base: int = 0,
) -> Interactions:
    """:func:`parse_ratings` of a file."""
    with open(path, "rb") as handle:
        return parse_ratings(handle, str(path), rating_scale, n_users, n_items, separator, id_base)
