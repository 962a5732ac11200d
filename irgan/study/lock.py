"""A lock in the results folder itself, so that two workflows never write one results root at once.

Snakemake locks its working directory (``.snakemake/locks``), which does not stop two clones, or
two working directories, that name one absolute ``results:`` folder: they would run the same
downloads and dataset preparation at the same time. ``<results>/.irgan-lock`` holds the pid,
host and start time of the workflow that writes there. A second workflow refuses to start and
names the holder; a lock whose process is gone (same host, dead pid) is taken over; the holder
removes it when it ends (the Snakefile's ``onsuccess`` / ``onerror``).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from irgan.errors import IrganError

LOCK_NAME = ".irgan-lock"


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
    the holder. A stale lock is taken over; taking a lock this process holds is a no-op."""
    path = lock_path(results)
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
        with os.fdopen(handle, "w") as out:
            out.write(json.dumps(me) + "\n")
        return path
    raise ResultsLocked(f"{path}: could not take the lock (another workflow keeps taking it)")


def release(results: str | os.PathLike) -> None:
    """Remove the lock if this process holds it (never another workflow's)."""
    path = lock_path(results)
    holder = _read(path)
    me = _me()
    if holder and (holder.get("pid"), holder.get("host")) == (me["pid"], me["host"]):
        path.unlink(missing_ok=True)
