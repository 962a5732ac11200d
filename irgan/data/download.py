"""Checksummed downloads with an offline mirror.

Every file the study reads from the internet is pinned by sha256. When the
environment variable ``IRGAN_MIRROR`` names a directory holding a file of the
same name, that copy is used instead of the network; when it is unset, the
directory ``shared/data/irgan-ml100k`` beside the clone (``DEFAULT_MIRROR``, the
tests' default too) is used where it exists. A dataset whose files live in another mirror names
its own variable (``mirror_env`` of its config entry, e.g. ``IRGAN_CFGAN_MIRROR``) and the folder
used when that variable is unset (``mirror_default``, relative to the clone):
:func:`dataset_mirror`. Either way the bytes are
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
from collections.abc import Mapping
from pathlib import Path

from irgan.contract.io import NO_SPACE, atomic_path, filesystem_error
from irgan.errors import DownloadError

MIRROR_ENV = "IRGAN_MIRROR"
# The workflow's and the tests' default mirror when IRGAN_MIRROR is unset: beside the clone.
DEFAULT_MIRROR = Path(__file__).resolve().parents[3] / "shared" / "data" / "irgan-ml100k"
#: the clone, which a dataset's ``mirror_default`` is relative to
CLONE = Path(__file__).resolve().parents[2]
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


def dataset_mirror(spec: Mapping) -> tuple[Path | None, str, Path | None]:
    """``(folder, variable, default)`` of a dataset entry's offline mirror, for :func:`fetch`.

    Without ``mirror_env`` the data mirror (folder None: ``IRGAN_MIRROR``, else ``DEFAULT_MIRROR``).
    With it, the folder that variable names, else ``mirror_default`` (relative to the clone);
    neither set, no mirror (None) and the files come from their URLs."""
    env = spec.get("mirror_env")
    if not env:
        return None, MIRROR_ENV, DEFAULT_MIRROR
    default = (CLONE / spec["mirror_default"]).resolve() if spec.get("mirror_default") else None
    given = os.environ.get(env)
    return (Path(given) if given else default), env, default


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


def _download(url: str, tmp: Path, timeout: float, attempts: int, backoff: float,
              mirror_env: str = MIRROR_ENV, default: Path | None = DEFAULT_MIRROR) -> None:
    """Write ``url`` to ``tmp``, retrying transient network errors (``attempts`` in all, waiting
    ``backoff``, then twice as long, ...); any other failure ends at once. The error names the
    mirror variable that would have supplied the file (``mirror_env``) and its ``default`` folder."""
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
            unset = f" (unset, {default} is used where it holds the file)" if default else ""
            raise DownloadError(
                f"could not download {filename} from {url}{tries}{offline}: {exc}. "
                f"With no network, set {mirror_env} to a directory holding {filename}{unset}."
            ) from exc


def fetch(url: str, destination: str | os.PathLike, sha256: str, timeout: float = 60.0,
          attempts: int = 3, backoff: float = 5.0, mirror: Path | None = None,
          mirror_env: str = MIRROR_ENV, mirror_default: Path | None = DEFAULT_MIRROR) -> Path:
    """Fetch ``url`` (or its mirror copy) to ``destination`` and verify its sha256.

    The file is written to a temporary name in the destination's directory and
    renamed only once the checksum matches, so a failed or corrupt download
    never leaves a file at ``destination``. Network errors that may pass are
    retried here (``attempts``), not by the workflow: a checksum mismatch
    cannot change and ends the rule on the first try. ``mirror`` replaces the data mirror
    (``IRGAN_MIRROR``) for files that live elsewhere, such as the authors' code; a dataset with a
    mirror of its own passes :func:`dataset_mirror`'s folder, variable and default (another
    variable with no folder: no mirror).
    """
    destination = Path(destination)
    filename = url.rstrip("/").rsplit("/", 1)[-1]
    if mirror is None and mirror_env == MIRROR_ENV:
        source = mirror_path(filename)
    else:
        source = mirror / filename if mirror is not None and (mirror / filename).is_file() else None
    origin = str(source) if source else url
    # the atomic writer: renamed into place (with the umask's mode) only once the checksum matches;
    # a full disk, a read-only or vanished folder is one line naming the file and the remedy
    with atomic_path(destination, doing="downloading it") as tmp:
        if source is not None:
            shutil.copyfile(source, tmp)
        else:
            _download(url, tmp, timeout, attempts, backoff, mirror_env, mirror_default)
        actual = sha256_of(tmp)
        if actual != sha256.lower():
            raise DownloadError(
                f"checksum mismatch for {filename} (from {origin}): "
                f"expected sha256 {sha256.lower()}, got {actual}"
            )
    return destination
