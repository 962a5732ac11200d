"""More data: GroupLens archives (ML-100k folds, ML-1M) and user-supplied Netflix Prize files."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from irgan.data.netflix import core_filter, read_netflix_file, study_subset
from irgan.data.registry import prepare_dataset, read_archive_member
from irgan.errors import ConfigError, RatingsFormatError
from irgan.study.config import load_config
from tests.conftest import VALIDATION


@pytest.fixture(scope="module")
def registry():
    return load_config()["datasets"]


def grouplens_archive(path, mirror):
    """An ml-100k.zip laid out as GroupLens's, its u1 fold rebuilt from the authors' files (ids + 1)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for fold, (train, test) in {1: ("train", "test"), 2: ("test", "train")}.items():
            for suffix, part in (("base", train), ("test", test)):
                rows = np.loadtxt(mirror / f"movielens-100k-{part}.txt", dtype=np.int64)
                lines = [f"{u + 1}\t{i + 1}\t{r}\t{874965758 + n}" for n, (u, i, r) in enumerate(rows)]
                archive.writestr(f"ml-100k/u{fold}.{suffix}", "\n".join(lines) + "\n")
        archive.writestr("ml-100k/README", "MovieLens 100k\n")
    return path


def test_fold_1_of_the_grouplens_archive_reproduces_the_authors_split(tmp_path, mirror, ml100k, registry):
    archive = grouplens_archive(tmp_path / "ml-100k.zip", mirror)
    spec = dict(registry["ml-100k"], n_items=1683)  # the authors count one never-rated item more
    built = prepare_dataset("ml-100k", spec, VALIDATION, {"ml-100k.zip": archive})
    for part in ("train", "test"):
        ours, theirs = getattr(built, part), getattr(ml100k, part)
        assert np.array_equal(ours.users, theirs.users)
        assert np.array_equal(ours.items, theirs.items)
        assert np.array_equal(ours.ratings, theirs.ratings)
    assert built.summary()["test_users"] == 456
    fold2 = prepare_dataset("ml-100k", dict(spec, fold=2), VALIDATION, {"ml-100k.zip": archive})
    assert len(fold2.train) == len(ml100k.test)  # fold 2 reads the u2 members


def test_corrupt_archive_is_one_clear_error(tmp_path, registry):
    bad = tmp_path / "ml-100k.zip"
    bad.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(RatingsFormatError, match="ml-100k.zip: not a readable zip archive"):
        prepare_dataset("ml-100k", registry["ml-100k"], VALIDATION, {"ml-100k.zip": bad})


def test_archive_without_the_member_names_what_it_holds(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ml-100k/u.data", "1\t1\t5\t0\n")
    with pytest.raises(
        RatingsFormatError, match=r"no member 'ml-100k/u1.base' \(the archive holds: ml-100k/u.data"
    ):
        read_archive_member(path, "ml-100k/u1.base")


def movielens_1m_archive(path, lines):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ml-1m/ratings.dat", "\n".join(lines) + "\n")
        archive.writestr("ml-1m/movies.dat", "1::Toy Story (1995)::Animation\n")
    return path


def test_ml_1m_is_split_per_user_with_a_seed_and_compact_ids(tmp_path, registry):
    rng = np.random.default_rng(0)
    lines = []
    for user in range(1, 41):
        for movie in rng.choice(np.arange(1, 400, 3), size=25, replace=False):  # sparse movie ids
            lines.append(f"{user}::{movie}::{rng.integers(1, 6)}::97830{user:04d}")
    archive = movielens_1m_archive(tmp_path / "ml-1m.zip", lines)
    spec = registry["ml-1m"]
    built = prepare_dataset("ml-1m", spec, VALIDATION, {"ml-1m.zip": archive})
    again = prepare_dataset("ml-1m", spec, VALIDATION, {"ml-1m.zip": archive})
    other = prepare_dataset("ml-1m", dict(spec, split_seed=1), VALIDATION, {"ml-1m.zip": archive})
    assert np.array_equal(built.test.items, again.test.items)
    assert not np.array_equal(built.test.items, other.test.items)
    assert built.n_users == 40
    assert built.n_items == len({line.split("::")[1] for line in lines})  # no never-rated ids
    assert np.array_equal(np.bincount(built.test.users), np.full(40, 5))  # round(0.2 * 25) per user
    assert len(built.train) + len(built.test) == len(lines)


def test_ml_1m_bad_line_names_archive_member_and_line(tmp_path, registry):
    archive = movielens_1m_archive(tmp_path / "ml-1m.zip", ["1::1193::5::978300760", "1::661::7::978302109"])
    with pytest.raises(RatingsFormatError, match=r"ml-1m.zip:ml-1m/ratings.dat, line 2: rating 7 outside"):
        prepare_dataset("ml-1m", registry["ml-1m"], VALIDATION, {"ml-1m.zip": archive})


def netflix_directory(tmp_path, n_movies=30, n_customers=60, seed=0):
    """combined_data_1.txt / _2.txt in the Netflix Prize format, with a dense core and sparse extras."""
    rng = np.random.default_rng(seed)
    directory = tmp_path / "netflix"
    directory.mkdir()
    rows = []
    for movie in range(1, n_movies + 1):
        customers = rng.choice(
            np.arange(100, 100 + n_customers) * 7, size=int(rng.integers(10, 40)), replace=False
        )
        rows.append((movie, customers, rng.integers(1, 6, size=len(customers))))
    rows.append((n_movies + 1, np.array([999_999]), np.array([5])))  # a movie and a customer with one rating
    for part, chunk in ((1, rows[: n_movies // 2]), (2, rows[n_movies // 2 :])):
        with open(directory / f"combined_data_{part}.txt", "w") as handle:
            for movie, customers, ratings in chunk:
                handle.write(f"{movie}:\n")
                for customer, rating in zip(customers, ratings, strict=True):
                    handle.write(f"{customer},{rating},2005-09-06\n")
    return directory


def test_netflix_format_is_read_and_subsampled_with_a_seed(tmp_path, registry):
    directory = netflix_directory(tmp_path)
    frame = pd.concat([read_netflix_file(p) for p in sorted(directory.glob("*.txt"))])
    assert set(frame.columns) == {"customer", "movie", "rating"}
    spec = dict(
        registry["netflix"], path=str(directory), min_user_ratings=5, min_item_ratings=5, max_users=40
    )
    built = prepare_dataset("netflix", spec, VALIDATION)
    again = prepare_dataset("netflix", spec, VALIDATION)
    assert np.array_equal(built.train.items, again.train.items)
    assert built.n_users <= 40
    counts_u = np.bincount(np.concatenate([built.train.users, built.test.users]))
    counts_i = np.bincount(np.concatenate([built.train.items, built.test.items]))
    assert counts_u.min() >= 5 and counts_i.min() >= 5  # the k-core holds after the cap
    summary = built.summary()
    assert summary["source_ratings"] == len(frame)
    assert summary["subset_users"] == built.n_users


def test_core_filter_repeats_until_both_bounds_hold():
    frame = pd.DataFrame({"customer": [1, 1, 2, 2, 3], "movie": [10, 11, 10, 11, 11], "rating": [5.0] * 5})
    kept = core_filter(frame, min_user=2, min_item=2)
    assert sorted(kept["customer"].unique()) == [1, 2]
    with pytest.raises(ConfigError, match="leave no rating"):
        study_subset(frame, 5, 5, None, 0)


def test_missing_netflix_files_say_how_to_obtain_them(tmp_path, registry):
    spec = dict(registry["netflix"], path=str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="datasets.netflix.path.*not redistributable"):
        prepare_dataset("netflix", spec, VALIDATION)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no combined_data_\\*.txt or training_set/mv_\\*.txt"):
        prepare_dataset("netflix", dict(spec, path=str(tmp_path / "empty")), VALIDATION)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("1:\n6,3,2005-01-01\n7,x,2005-01-01\n", 3, "non-numeric rating"),
        ("1:\n6,3,2005-01-01\n7,9,2005-01-01\n", 3, "rating outside the scale"),
        ("6,3,2005-01-01\n", 1, "before any 'MovieID:' header"),
        ("1:\n6,3,2005-01-01\nmovie2:\n", 3, "malformed movie header"),
        ("1:\n-6,3,2005-01-01\n", 2, "negative customer id"),
        ("1:\n6,3\n", 2, "missing date"),
    ],
)
def test_malformed_netflix_lines_name_file_and_line(tmp_path, text, line, message):
    path = tmp_path / "combined_data_1.txt"
    path.write_text(text)
    with pytest.raises(RatingsFormatError, match=f"combined_data_1.txt, line {line}: .*{message}"):
        read_netflix_file(path)


def test_netflix_line_with_too_many_fields_is_reported(tmp_path):
    path = tmp_path / "combined_data_1.txt"
    path.write_text("1:\n6,3,2005-01-01\n7,3,2005-01-01,extra\n")
    with pytest.raises(RatingsFormatError, match="combined_data_1.txt: .*line 3"):
        read_netflix_file(path)
