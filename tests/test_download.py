"""Checksummed downloads: the mirror, checksum mismatches and failed downloads leave nothing behind."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
import urllib.error

import pytest

from irgan.data import download
from irgan.data.download import MIRROR_ENV, fetch
from irgan.errors import DownloadError, NoSpaceError
from tests.conftest import REPO

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


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_a_downloaded_file_follows_the_umask(mirror, tmp_path, umask, mode):
    """Like every other result file: not the temporary file's private 0600 whatever the umask."""
    (mirror / "ratings.txt").write_bytes(PAYLOAD)
    previous = os.umask(umask)
    try:
        out = fetch(URL, tmp_path / "out" / "ratings.txt", SHA)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == mode


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


class FlakyNetwork:
    """urlopen that fails ``failures`` times with ``error``, then serves ``payload``."""

    def __init__(self, failures: int, error: Exception, payload: bytes = PAYLOAD) -> None:
        self.failures, self.error, self.payload, self.calls = failures, error, payload, 0

    def __call__(self, url, timeout=None):
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return io.BytesIO(self.payload)


@pytest.fixture
def network(monkeypatch):
    """No mirror, no real network, no real waiting; returns a function that installs a FlakyNetwork."""
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    waits: list[float] = []
    monkeypatch.setattr(download.time, "sleep", waits.append)

    def install(flaky: FlakyNetwork) -> FlakyNetwork:
        monkeypatch.setattr(download.urllib.request, "urlopen", flaky)
        flaky.waits = waits
        return flaky

    return install


def test_network_errors_are_retried_inside_the_download(network, tmp_path):
    flaky = network(FlakyNetwork(2, urllib.error.URLError(ConnectionResetError("reset by peer"))))
    out = fetch(URL, tmp_path / "out" / "ratings.txt", SHA)
    assert out.read_bytes() == PAYLOAD and flaky.calls == 3 and flaky.waits == [5.0, 10.0]


def test_a_checksum_mismatch_is_never_retried(network, tmp_path):
    flaky = network(FlakyNetwork(0, OSError(), payload=PAYLOAD + b"x"))
    with pytest.raises(DownloadError, match="checksum mismatch"):
        fetch(URL, tmp_path / "out" / "ratings.txt", SHA)
    assert flaky.calls == 1 and flaky.waits == [] and leftovers(tmp_path / "out") == []


def test_a_persistent_network_error_ends_after_the_attempts_with_one_message(network, tmp_path):
    flaky = network(FlakyNetwork(99, TimeoutError("timed out")))
    with pytest.raises(DownloadError, match="could not download ratings.txt .* after 3 attempts: timed out"):
        fetch(URL, tmp_path / "out" / "ratings.txt", SHA)
    assert flaky.calls == 3 and leftovers(tmp_path / "out") == []


def test_errors_that_cannot_change_are_not_retried(network, tmp_path):
    missing = urllib.error.HTTPError(URL, 404, "Not Found", {}, None)
    flaky = network(FlakyNetwork(99, missing))
    with pytest.raises(DownloadError, match="HTTP Error 404"):
        fetch(URL, tmp_path / "out" / "ratings.txt", SHA)
    assert flaky.calls == 1 and flaky.waits == []


def test_the_download_rule_has_no_workflow_retries():
    """Snakemake's retries would repeat a checksum mismatch (three times the same error)."""
    rule = (REPO / "workflow" / "rules" / "data.smk").read_text().split("rule download:")[1].split("rule ")[0]
    assert not re.search(r"^\s*retries:", rule, re.M)


def test_no_network_fails_at_once_saying_what_to_set(network, tmp_path):
    """A host name that cannot be resolved means no network: no retries, no waiting."""
    import socket

    flaky = network(FlakyNetwork(99, urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))))
    expected = r"no network.*set IRGAN_MIRROR to a directory holding ratings.txt"
    with pytest.raises(DownloadError, match=expected):
        fetch(URL, tmp_path / "out" / "ratings.txt", SHA)
    assert flaky.calls == 1 and flaky.waits == [] and leftovers(tmp_path / "out") == []


def test_the_default_mirror_beside_the_clone_is_used_when_the_variable_is_unset(tmp_path, monkeypatch):
    """The workflow and the tests share one default (tests/conftest.py reads irgan.data.download's)."""
    from tests import conftest

    monkeypatch.delenv(MIRROR_ENV, raising=False)
    assert download.DEFAULT_MIRROR == REPO.parent / "shared" / "data" / "irgan-ml100k"
    assert conftest.download_mirror_dir() == download.DEFAULT_MIRROR
    default = tmp_path / "default-mirror"
    default.mkdir()
    (default / "ratings.txt").write_bytes(PAYLOAD)
    monkeypatch.setattr(download, "DEFAULT_MIRROR", default)
    out = fetch(URL, tmp_path / "out" / "ratings.txt", SHA)
    assert out.read_bytes() == PAYLOAD


def test_a_full_disk_during_a_network_download_is_the_disk_s_error_and_is_not_retried(network, tmp_path):
    """The local disk filling up is neither a network error to retry nor a "could not download":
    one line naming the file and the remedy, nothing left (a real full tmpfs where mount is
    permitted, tests/test_filesystem_faults.py)."""
    from tests.test_filesystem_faults import full_disk

    flaky = network(FlakyNetwork(0, OSError()))
    (tmp_path / "out").mkdir()
    with full_disk(tmp_path / "out", room=0), pytest.raises(NoSpaceError) as error:
        fetch(URL, tmp_path / "out" / "ratings.txt", SHA)
    assert str(error.value).startswith(f"{tmp_path}/out/ratings.txt: no space left on the device while "
                                       "downloading it")
    assert flaky.calls == 1 and flaky.waits == [] and leftovers(tmp_path / "out") == []


def test_a_write_error_while_copying_from_the_network_is_not_a_network_error(network, tmp_path, monkeypatch):
    """ENOSPC from the copy into the temporary file: raised to the atomic writer at once."""
    flaky = network(FlakyNetwork(0, OSError()))

    def disk_full(source, target, length=0):
        target.write(b"half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(download.shutil, "copyfileobj", disk_full)
    with pytest.raises(NoSpaceError, match=r"out/ratings\.txt: no space left on the device while download"):
        fetch(URL, tmp_path / "out" / "ratings.txt", SHA)
    assert flaky.calls == 1 and flaky.waits == [] and leftovers(tmp_path / "out") == []
