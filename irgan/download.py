"""Checksummed downloads with an offline mirror.

Every file the study reads from the internet is pinned by sha256. When the
environment variable ``IRGAN_MIRROR`` names a directory holding a file of the
same name, that copy is used instead of the network. Either way the bytes are
verified before the file appears at its destination: on any failure nothing is
left behind.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from irgan.errors import DownloadError

MIRROR_ENV = "IRGAN_MIRROR"
_CHUNK = 1 << 20


def sha256_of(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mirror_path(filename: str) -> Path | None:
    """The mirror's copy of ``filename`` if ``IRGAN_MIRROR`` is set and holds it."""
    mirror = os.environ.get(MIRROR_ENV)
    if not mirror:
        return None
    candidate = Path(mirror) / filename
    return candidate if candidate.is_file() else None


def transient(exc: BaseException) -> bool:
    """Whether a failed download may succeed if tried again: a dropped connection, a timeout, a
    server error or rate limit. A missing page, a bad URL or a local file that is not there
    will fail the same way every time (and a checksum mismatch is never retried)."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in (408, 429) or exc.code >= 500
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
            again = transient(exc) and attempt < attempts
            if again:
                time.sleep(backoff * 2 ** (attempt - 1))
                continue
            tries = f" after {attempt} attempts" if attempt > 1 else ""
            raise DownloadError(
                f"could not download {filename} from {url}{tries}: {exc}. "
                f"With no network, set {MIRROR_ENV} to a directory holding {filename}."
            ) from exc


def fetch(url: str, destination: str | os.PathLike, sha256: str, timeout: float = 60.0,
          attempts: int = 3, backoff: float = 5.0) -> Path:
    """Fetch ``url`` (or its mirror copy) to ``destination`` and verify its sha256.

    The file is written to a temporary name in the destination's directory and
    renamed only once the checksum matches, so a failed or corrupt download
    never leaves a file at ``destination``. Network errors that may pass are
    retried here (``attempts``), not by the workflow: a checksum mismatch
    cannot change and ends the rule on the first try.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    filename = url.rstrip("/").rsplit("/", 1)[-1]
    source = mirror_path(filename)
    origin = str(source) if source else url
    handle, tmp_name = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
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
        os.replace(tmp, destination)
    finally:
        tmp.unlink(missing_ok=True)
    return destination
