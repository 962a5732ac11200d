"""Checksummed downloads: the mirror, checksum mismatches and failed downloads leave nothing behind."""

from __future__ import annotations

import hashlib

import pytest

from irgan.download import MIRROR_ENV, fetch
from irgan.errors import DownloadError

PAYLOAD = b"0\t0\t5\n0\t1\t3\n"
SHA = hashlib.sha256(PAYLOAD).hexdigest()
URL = "https://example.invalid/irgan/ratings.txt"


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    directory = tmp_path / "mirror"
    directory.mkdir()
    monkeypatch.setenv(MIRROR_ENV, str(directory))
    return directory


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_mirror_copy_is_used_and_verified(mirror, tmp_path):
    (mirror / "ratings.txt").write_bytes(PAYLOAD)
    out = fetch(URL, tmp_path / "out" / "ratings.txt", SHA)
    assert out.read_bytes() == PAYLOAD


def test_checksum_mismatch_names_file_and_both_hashes_and_leaves_nothing(mirror, tmp_path):
    corrupt = PAYLOAD + b"1\t2\t4\n"
    (mirror / "ratings.txt").write_bytes(corrupt)
    out_dir = tmp_path / "out"
    with pytest.raises(DownloadError) as error:
        fetch(URL, out_dir / "ratings.txt", SHA)
    message = str(error.value)
    assert "ratings.txt" in message
    assert f"expected sha256 {SHA}" in message
    assert f"got {hashlib.sha256(corrupt).hexdigest()}" in message
    assert leftovers(out_dir) == []


def test_failed_download_is_one_clear_error_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    out_dir = tmp_path / "out"
    with pytest.raises(DownloadError, match="could not download ratings.txt"):
        fetch(f"file://{tmp_path}/missing/ratings.txt", out_dir / "ratings.txt", SHA)
    assert leftovers(out_dir) == []


def test_mirror_without_the_file_falls_back_to_the_url(mirror, tmp_path):
    source = tmp_path / "remote" / "ratings.txt"
    source.parent.mkdir()
    source.write_bytes(PAYLOAD)
    out = fetch(f"file://{source}", tmp_path / "out" / "ratings.txt", SHA)
    assert out.read_bytes() == PAYLOAD
