"""Parsing of rating files: good input, and one clear error per kind of bad line."""

from __future__ import annotations

import pytest

from irgan.data.ratings import read_ratings
from irgan.errors import RatingsFormatError


def write(tmp_path, text, name="ratings.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_reads_tab_and_space_separated_lines_with_optional_timestamp(tmp_path):
    path = write(tmp_path, "0\t0\t5\n0 5 3 881250949\n\n2\t7\t1\n")
    data = read_ratings(path)
    assert data.users.tolist() == [0, 0, 2]
    assert data.items.tolist() == [0, 5, 7]
    assert data.ratings.tolist() == [5.0, 3.0, 1.0]
    assert data.users.dtype.name == "int64" and data.ratings.dtype.name == "float32"


@pytest.mark.parametrize(
    ("bad_line", "message"),
    [
        ("0 1", "expected 3 or 4 fields"),
        ("0 1 4 5 6", "expected 3 or 4 fields"),
        ("x 1 4", "non-numeric user id 'x'"),
        ("0 1.5 4", "non-numeric item id '1.5'"),
        ("0 1 four", "non-numeric rating 'four'"),
        ("-1 1 4", "negative user id -1"),
        ("0 -3 4", "negative item id -3"),
        ("0 1 6", "rating 6 outside the scale [1, 5]"),
        ("0 1 0", "rating 0 outside the scale [1, 5]"),
        ("0 1 nan", "outside the scale"),
        ("0 1 4 yesterday", "non-numeric timestamp"),
        ("0 99 4", "item id 99 >= n_items (10)"),
        ("12 1 4", "user id 12 >= n_users (10)"),
    ],
)
def test_bad_line_names_file_and_line(tmp_path, bad_line, message):
    path = write(tmp_path, f"0 0 5\n1 1 4\n{bad_line}\n3 3 3\n")
    with pytest.raises(RatingsFormatError) as error:
        read_ratings(path, rating_scale=(1, 5), n_users=10, n_items=10)
    assert f"{path}, line 3" in str(error.value)
    assert message in str(error.value)


def test_non_utf8_line_is_reported(tmp_path):
    path = tmp_path / "binary.txt"
    path.write_bytes(b"0 0 5\n\xff\xfe 1 4\n")
    with pytest.raises(RatingsFormatError, match="line 2: not UTF-8"):
        read_ratings(path)


def test_empty_file_is_an_error(tmp_path):
    with pytest.raises(RatingsFormatError, match="no ratings found"):
        read_ratings(write(tmp_path, "\n\n"))


def test_a_byte_order_mark_is_tolerated(tmp_path):
    """Editors on some systems start UTF-8 files with U+FEFF; it is not part of the first id."""
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff0 0 5\n1 2 3\n".encode())
    data = read_ratings(path)
    assert data.users.tolist() == [0, 1] and data.items.tolist() == [0, 2]


def test_duplicate_pairs_name_both_lines(tmp_path):
    path = write(tmp_path, "0 0 5\n0 1 4\n1 1 2\n0 1 1\n0 0 5\n")
    with pytest.raises(RatingsFormatError) as error:
        read_ratings(path)
    message = str(error.value)
    assert message.startswith(f"{path}, line 4: user 0 item 1 was already rated on line 2 (2 repeated")


def test_lines_and_source_are_kept_for_later_checks(tmp_path):
    path = write(tmp_path, "\n0 0 5\n\n3 1 4\n")
    data = read_ratings(path)
    assert data.lines.tolist() == [2, 4] and data.source == str(path) and data.where(1) == f"{path}, line 4"
