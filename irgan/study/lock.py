"""A lock in the results folder itself, so that two workflows never write one results root at once.

Snakemake locks its working directory (``.snakemake/locks``), which does not stop two clones, or
two working directories, that name one absolute ``results:`` folder: they would run the same
downloads and dataset preparation at the same time. ``<results>/.irgan-lock`` holds the pid,
host and start time of the workflow that writes there. A second workflow refuses to start and
names the holder; a lock whose process is gone (same host, dead pid) is taken over; the holder
removes it when it ends (the Snakefile's ``onsuccess`` / ``onerror``). A results folder that
cannot hold the lock (read-only, not ours, full, gone) stops the workflow here, before any job,
with one line naming the folder and the remedy.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from irgan.contract.io import discard, filesystem_error
from irgan.errors import IrganError

LOCK_NAME = ".irgan-lock"
TAKING = "taking the results folder's lock"


class ResultsLocked(IrganError):
    """Another workflow is writing the same results root."""


def lock_path(results: str | os.PathLike) -> Path:
    return Path(results) / LOCK_NAME


def _me() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S %z")}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _read(path: Path) -> dict | None:
    try:
        holder = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable or half-written: treated as held by an unknown process
    return holder if isinstance(holder, dict) else {}


def _stale(holder: dict) -> bool:
    """Held by a process of this host that no longer runs (a crash or a kill -9)."""
    return (holder.get("host") == socket.gethostname() and isinstance(holder.get("pid"), int)
            and not _alive(holder["pid"]))


def acquire(results: str | os.PathLike) -> Path:
    """Take the results root's lock for this process, or raise :class:`ResultsLocked` naming
    the holder. A stale lock is taken over; taking a lock this process holds is a no-op. A
    file-system fault is a :class:`~irgan.errors.FileSystemError` naming the folder and the
    remedy, and leaves no lock behind."""
    path = lock_path(results)
    try:
        return _acquire(path)
    except OSError as exc:
        error = filesystem_error(exc, path, TAKING)
        if error is None:
            raise
        raise error from None


def _acquire(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    me = _me()
    for _ in range(3):  # a lost race for a stale lock is retried
        try:
            handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _read(path)
            if holder is None:
                continue
            if (holder.get("pid"), holder.get("host")) == (me["pid"], me["host"]):
                return path
            if _stale(holder):
                path.unlink(missing_ok=True)
                continue
            who = (f"process {holder.get('pid', '?')} on {holder.get('host', '?')}, "
                   f"started {holder.get('started', '?')}") if holder else "an unreadable lock"
            raise ResultsLocked(
                f"{path}: another workflow is writing this results folder ({who}); wait for it to "
                "finish, or, if that process is gone, delete this file") from None
        try:
            with os.fdopen(handle, "w") as out:
                out.write(json.dumps(me) + "\n")
        except OSError:  # a full disk: no empty or half-written lock may stay to refuse the next run
            discard(path)
            raise
        return path
    raise ResultsLocked(f"{path}: could not take the lock (another workflow keeps taking it)")


def release(results: str | os.PathLike) -> None:
    """Remove the lock if this process holds it (never another workflow's). A folder turned
    read-only or gone meanwhile keeps it: one error saying so (the next run on this host takes
    a dead process's lock over)."""
    path = lock_path(results)
    holder = _read(path)
    me = _me()
    if holder and (holder.get("pid"), holder.get("host")) == (me["pid"], me["host"]):
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise IrganError(f"{path}: could not remove the lock ({exc.strerror}); the next run on this "
                             "host takes it over, a run elsewhere needs it deleted by hand") from None
