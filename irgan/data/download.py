"""Checksummed downloads with an offline mirror.

Every file the study reads from the internet is pinned by sha256. When the
environment variable ``IRGAN_MIRROR`` names a directory holding a file of the
same name, that copy is used instead of the network; when it is unset, the
directory ``shared/data/irgan-ml100k`` beside the clone (``DEFAULT_MIRROR``, the
tests' default too) is used where it exists. Either way the bytes are
verified before the file appears at its destination: on any failure nothing is
left behind. Without a network (the host name cannot be resolved) a download
fails at once, with a message saying what to set.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from irgan.contract.io import NO_SPACE, atomic_path, filesystem_error
from irgan.errors import DownloadError

MIRROR_ENV = "IRGAN_MIRROR"
# The workflow's and the tests' default mirror when IRGAN_MIRROR is unset: beside the clone.
DEFAULT_MIRROR = Path(__file__).resolve().parents[3] / "shared" / "data" / "irgan-ml100k"
_CHUNK = 1 << 20


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mirror_dir() -> Path:
    """The mirror directory: ``IRGAN_MIRROR`` when set, else ``DEFAULT_MIRROR`` (which may not exist)."""
    mirror = os.environ.get(MIRROR_ENV)
    return Path(mirror) if mirror else DEFAULT_MIRROR


def mirror_path(filename: str) -> Path | None:
    """The mirror's copy of ``filename`` if the mirror directory holds it."""
    candidate = mirror_dir() / filename
    return candidate if candidate.is_file() else None


def no_network(exc: BaseException) -> bool:
    """Whether a failed download means there is no network at all (the host name cannot be
    resolved): retrying cannot help, so the download fails at once."""
    return isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, socket.gaierror)


def transient(exc: BaseException) -> bool:
    """Whether a failed download may succeed if tried again: a dropped connection, a timeout, a
    server error or rate limit. A missing page, a bad URL or a local file that is not there
    will fail the same way every time (and a checksum mismatch is never retried)."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in (408, 429) or exc.code >= 500
    if no_network(exc):
        return False
    if isinstance(exc, urllib.error.URLError):
        return not isinstance(exc.reason, FileNotFoundError | PermissionError | IsADirectoryError)
    return isinstance(exc, TimeoutError | ConnectionError | http.client.HTTPException)


def _download(url: str, tmp: Path, timeout: float, attempts: int, backoff: float) -> None:
    """Write ``url`` to ``tmp``, retrying transient network errors (``attempts`` in all, waiting
    ``backoff``, then twice as long, ...); any other failure ends at once."""
    filename = url.rstrip("/").rsplit("/", 1)[-1]
    for attempt in range(1, attempts + 1):
        try:
            with open(tmp, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                shutil.copyfileobj(response, out, _CHUNK)
            return
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
            if (isinstance(exc, OSError) and not isinstance(exc, urllib.error.URLError)
                    and (exc.errno in NO_SPACE or exc.filename is not None)
                    and filesystem_error(exc, tmp) is not None):
                raise  # the local disk's fault, not the network's: the atomic writer names it
            again = transient(exc) and attempt < attempts
            if again:
                time.sleep(backoff * 2 ** (attempt - 1))
                continue
            tries = f" after {attempt} attempts" if attempt > 1 else ""
            offline = " (no network: the host name cannot be resolved)" if no_network(exc) else ""
            raise DownloadError(
                f"could not download {filename} from {url}{tries}{offline}: {exc}. "
                f"With no network, set {MIRROR_ENV} to a directory holding {filename} "
                f"(unset, {DEFAULT_MIRROR} is used where it holds the file)."
            ) from exc


def fetch(url: str, destination: str | os.PathLike, sha256: str, timeout: float = 60.0,
          attempts: int = 3, backoff: float = 5.0, mirror: Path | None = None) -> Path:
    """Fetch ``url`` (or its mirror copy) to ``destination`` and verify its sha256.

    The file is written to a temporary name in the destination's directory and
    renamed only once the checksum matches, so a failed or corrupt download
    never leaves a file at ``destination``. Network errors that may pass are
    retried here (``attempts``), not by the workflow: a checksum mismatch
    cannot change and ends the rule on the first try. ``mirror`` replaces the data mirror
    (``IRGAN_MIRROR``) for files that live elsewhere, such as the authors' code.
    """
    destination = Path(destination)
    filename = url.rstrip("/").rsplit("/", 1)[-1]
    if mirror is None:
        source = mirror_path(filename)
    else:
        source = mirror / filename if (mirror / filename).is_file() else None
    origin = str(source) if source else url
    # the atomic writer: renamed into place (with the umask's mode) only once the checksum matches;
    # a full disk, a read-only or vanished folder is one line naming the file and the remedy
    with atomic_path(destination, doing="downloading it") as tmp:
        if source is not None:
            shutil.copyfile(source, tmp)
        else:
            _download(url, tmp, timeout, attempts, backoff)
        actual = sha256_of(tmp)
        if actual != sha256.lower():
            raise DownloadError(
                f"checksum mismatch for {filename} (from {origin}): "
                f"expected sha256 {sha256.lower()}, got {actual}"
            )
    return destination
