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

from irgan.errors import FileSystemError, FolderGoneError, NoSpaceError, NotWritableError

# Faults of the file system, not of the input: the same write fails again until the user acts.
# A full disk or quota:
NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
# a read-only mount, or a folder without write permission:
NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}
# a folder that went away under the run (deleted, unmounted, a network mount that dropped):
GONE = {errno.ENOENT, errno.ESTALE, errno.ENOTCONN, errno.EIO, errno.ENODEV}
# the remedy every message ends with where the results folder is at fault
CHOOSE_RESULTS = "or choose another results folder with --config results=<folder>"


def existing_folder(path: str | os.PathLike) -> Path:
    """The nearest folder above ``path`` that exists: the one a user must make writable."""
    for folder in Path(path).parents:
        if folder.is_dir():
            return folder
    return Path("/")


def filesystem_error(exc: OSError, path: str | os.PathLike,
                     doing: str = "writing it") -> FileSystemError | None:
    """The one-line error for a file-system fault met while ``doing`` something to ``path``, naming
    the path and the remedy; None for any other error, which is not the file system's to explain.

    The write's own files are ``path``, its folders and its temporary files beside it
    (``.<name>.*``); a read-only or missing-file error about another file (an input being read)
    is not this write's, and stays what it is."""
    path = Path(path)
    if exc.errno in NO_SPACE:
        return NoSpaceError(f"{path}: no space left on the device while {doing} ({exc.strerror}); "
                            f"nothing was written there: free some space and run again, {CHOOSE_RESULTS}")
    named = {Path(os.fsdecode(name)) for name in (exc.filename, exc.filename2) if name is not None}
    temporary = {name for name in named
                 if name.parent == path.parent and name.name.startswith(f".{path.name}.")}
    if named and not named & {path, *path.parents} and not temporary:  # another file's: an input read
        return None
    if exc.errno in NOT_WRITABLE:
        return NotWritableError(
            f"{path}: the folder {existing_folder(path)} is not writable while {doing} ({exc.strerror}); "
            f"nothing was written there: make it writable, {CHOOSE_RESULTS}")
    # a missing file is the folder's going only where it was ours (the temporary file) or the folder is gone
    if exc.errno in GONE and (exc.errno != errno.ENOENT or temporary or not path.parent.is_dir()):
        return FolderGoneError(
            f"{path}: its folder went away or cannot be reached while {doing} ({exc.strerror}); nothing "
            "was written there: restore the results folder (remount or recreate it) and run again "
            "(only what is missing is redone)")
    return None


@contextmanager
def atomic_path(path: str | os.PathLike, doing: str = "writing it") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only on success.

    A file-system fault while writing (a full disk or quota, a read-only or foreign folder, a
    folder that went away) becomes one :class:`FileSystemError` naming ``path`` and the remedy;
    the partial temporary file is removed, so nothing half-written is left behind. ``doing``
    says what was under way, for that message ("downloading it")."""
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
        error = filesystem_error(exc, path, doing)
        if error is not None:
            raise error from None
        raise
    finally:
        if tmp is not None:
            discard(tmp)


def discard(path: Path) -> None:
    """Remove a temporary file if it is there; a folder that went away took it with it, and one
    turned read-only keeps it (nothing can be done about that from here)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


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


def write_bytes(path: str | os.PathLike, data: bytes, doing: str = "writing it") -> None:
    """Write ``data`` atomically (a file-system fault is one error naming ``path``)."""
    with atomic_path(path, doing) as tmp:
        tmp.write_bytes(data)

