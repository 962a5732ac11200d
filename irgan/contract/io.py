"""Atomic file output: a result file either appears whole or not at all (torch-free; checkpoints
are written by :func:`irgan.models.checkpoints.save_tensors`)."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from irgan.errors import IrganError

# A full disk or quota: the same write fails again until the user frees space.
NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


class NoSpaceError(IrganError):
    """A result file could not be written for lack of space; nothing was left at its path."""


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only on success.

    A full disk (ENOSPC, or a quota) while writing becomes one :class:`NoSpaceError` naming
    ``path``; the partial temporary file is removed, so nothing half-written is left behind."""
    path = Path(path)
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
        os.close(handle)
        tmp = Path(tmp_name)
        yield tmp
        follow_umask(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        if exc.errno in NO_SPACE:
            raise NoSpaceError(f"{path}: no space left on the device while writing it ({exc.strerror}); "
                               "nothing was written there: free some space and run again") from None
        raise
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def current_umask() -> int:
    """The process's umask (read by setting it, so set it straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def follow_umask(path: str | os.PathLike) -> None:
    """mkstemp makes a private (0600) file; a result file follows the user's umask instead."""
    os.chmod(path, 0o666 & ~current_umask())


def write_json(path: str | os.PathLike, payload: Any) -> None:
    """Write ``payload`` as indented, key-sorted JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` atomically (a full disk is one error naming ``path``)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)

