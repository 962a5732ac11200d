"""Checksummed downloads with an offline mirror.

Every file the study reads from the internet is pinned by sha256. When the
environment variable ``IRGAN_MIRROR`` names a directory holding a file of the
same name, that copy is used instead of the network. Either way the bytes are
verified before the file appears at its destination: on any failure nothing is
left behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
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


def fetch(url: str, destination: str | os.PathLike, sha256: str, timeout: float = 60.0) -> Path:
    """Fetch ``url`` (or its mirror copy) to ``destination`` and verify its sha256.

    The file is written to a temporary name in the destination's directory and
    renamed only once the checksum matches, so a failed or corrupt download
    never leaves a file at ``destination``.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    filename = url.rstrip("/").rsplit("/", 1)[-1]
    source = mirror_path(filename)
    origin = str(source) if source else url
    handle, tmp_name = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            if source is not None:
                with open(source, "rb") as src:
                    shutil.copyfileobj(src, out, _CHUNK)
            else:
                try:
                    with urllib.request.urlopen(url, timeout=timeout) as response:
                        shutil.copyfileobj(response, out, _CHUNK)
                except (urllib.error.URLError, OSError, ValueError) as exc:
                    raise DownloadError(
                        f"could not download {filename} from {url}: {exc}. "
                        f"With no network, set {MIRROR_ENV} to a directory holding {filename}."
                    ) from exc
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
