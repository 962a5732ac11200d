"""Parsing of ``user item rating [timestamp]`` files with errors that name file and line."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from irgan.errors import RatingsFormatError


@dataclass(frozen=True)
class Interactions:
    """Parallel arrays of (user, item, rating); ids are 0-based."""

    users: np.ndarray  # int64
    items: np.ndarray  # int64
    ratings: np.ndarray  # float32
    lines: np.ndarray | None = None  # 1-based line of each rating in its file (None: not from a file)
    source: str | None = None  # the file (or archive member) the ratings were read from

    def __post_init__(self) -> None:
        if not (len(self.users) == len(self.items) == len(self.ratings)):
            raise ValueError("users, items and ratings must have the same length")

    def __len__(self) -> int:
        return len(self.users)

    @classmethod
    def from_lists(cls, users, items, ratings, lines=None, source: str | None = None) -> Interactions:
        return cls(
            np.asarray(users, dtype=np.int64),
            np.asarray(items, dtype=np.int64),
            np.asarray(ratings, dtype=np.float32),
            None if lines is None else np.asarray(lines, dtype=np.int64),
            source,
        )

    def where(self, index: int) -> str:
        """``file, line N`` of rating ``index`` (for error messages)."""
        if self.lines is None:
            return f"{self.source or 'ratings'}, rating {index + 1}"
        return f"{self.source}, line {int(self.lines[index])}"


def pair_keys(users: np.ndarray, items: np.ndarray) -> np.ndarray:
    """One int64 per (user, item) pair (ids < 2**31, far above any rating data)."""
    return users.astype(np.int64) * (1 << 31) + items.astype(np.int64)


def reject_duplicate_pairs(ratings: Interactions) -> None:
    """Policy: a (user, item) pair rated twice in one file is an error naming both lines.

    Conflicting ratings of one pair would be silently resolved by whichever row a later step
    keeps (a positive could hide a negative); no file of the study repeats a pair, so a
    repetition means a broken or concatenated file."""
    keys = pair_keys(ratings.users, ratings.items)
    order = np.argsort(keys, kind="stable")
    repeated = np.flatnonzero(keys[order][1:] == keys[order][:-1])
    if len(repeated) == 0:
        return
    later = order[repeated + 1]
    first_repeat = int(later.min())  # the earliest line that repeats an earlier one
    earlier = int(order[np.flatnonzero(keys[order] == keys[first_repeat])[0]])
    raise RatingsFormatError(
        f"{ratings.where(first_repeat)}: user {int(ratings.users[first_repeat])} item "
        f"{int(ratings.items[first_repeat])} was already rated on line "
        f"{int(ratings.lines[earlier]) if ratings.lines is not None else earlier + 1} "
        f"({len(repeated)} repeated pair(s) in the file; each pair may appear once)")


def reject_test_pairs_in_training(train: Interactions, test: Interactions) -> None:
    """Policy: a test row that repeats a training pair is an error naming the test line.

    Such a pair is excluded from the test candidates as a known training positive, so it
    would silently shrink the test set (or, rated below the threshold in training, leak)."""
    in_train = np.isin(pair_keys(test.users, test.items), pair_keys(train.users, train.items))
    if not in_train.any():
        return
    index = int(np.flatnonzero(in_train)[0])
    raise RatingsFormatError(
        f"{test.where(index)}: user {int(test.users[index])} item {int(test.items[index])} is also "
        f"in the training data ({train.source or 'train'}); {int(in_train.sum())} test row(s) repeat "
        "training pairs, and a test pair must not be a training pair")


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
    limits_from: dict[str, str] | None = None,
) -> Interactions:
    """Parse ``user item rating [timestamp]`` lines (blank lines skipped).

    ``separator=None`` splits on any whitespace (``"::"`` for MovieLens-1M).
    Ids must be integers >= ``id_base``; they are shifted to start at 0 (and
    must then lie below ``n_users`` / ``n_items`` when given; ``limits_from``
    maps ``user``/``item`` to where a limit came from when the config declares
    none, e.g. the training file). Ratings must lie in the closed ``rating_scale``. A UTF-8
    byte-order mark at the start is skipped. The first offending line ends the
    read with an error naming ``source`` and the 1-based line number; so does a
    (user, item) pair rated twice (:func:`reject_duplicate_pairs`).
    """
    low, high = rating_scale
    users: list[int] = []
    items: list[int] = []
    ratings: list[float] = []
    numbers: list[int] = []
    for number, raw in enumerate(lines, start=1):
        where = f"{source}, line {number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise RatingsFormatError(f"{where}: not UTF-8 text") from None
        if number == 1:
            line = line.removeprefix("\ufeff")  # a byte-order mark some editors write
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
        for what, value, limit in (("user", user, n_users), ("item", item, n_items)):
            if limit is not None and value >= limit:
                if not (limits_from or {}).get(what):
                    raise RatingsFormatError(f"{where}: {what} id {value} >= n_{what}s ({limit})")
                raise RatingsFormatError(
                    f"{where}: {what} id {value} lies beyond the {what} ids of {limits_from[what]} "
                    f"(at most {limit - 1}) and the dataset declares no n_{what}s")
        users.append(user)
        items.append(item)
        ratings.append(rating)
        numbers.append(number)
    if not users:
        raise RatingsFormatError(f"{source}: no ratings found")
    parsed = Interactions.from_lists(users, items, ratings, numbers, source)
    reject_duplicate_pairs(parsed)
    return parsed


def read_ratings(path: str | os.PathLike, *args: Any, **options: Any) -> Interactions:
    """:func:`parse_ratings` of a file (the same options, after the path); errors name the file."""
    with open(path, "rb") as handle:
        return parse_ratings(handle, str(path), *args, **options)
