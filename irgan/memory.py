"""Memory a computation needs, checked before it allocates: one clear error instead of a killed job.

A users x items or items x items matrix grows with the square of a catalogue; at Netflix size
some of them do not fit a workstation. Code that builds one calls :func:`require` first, which
compares the bytes it is about to need with the memory the machine has free (``MemAvailable``
of /proc/meminfo, or the ``IRGAN_MEMORY_BYTES`` cap when set: a budget for a shared machine, and
how the tests reach the error without filling a machine).
"""

from __future__ import annotations

import os

from irgan.errors import IrganError

#: environment variable capping the memory the checks assume is free (bytes)
MEMORY_ENV = "IRGAN_MEMORY_BYTES"


class InsufficientMemoryError(IrganError):
    """A computation would need more memory than the machine has free."""


def available_bytes() -> int:
    """Memory free for this process: the ``IRGAN_MEMORY_BYTES`` cap, else MemAvailable."""
    capped = os.environ.get(MEMORY_ENV)
    if capped:
        try:
            return int(float(capped))
        except ValueError:
            raise IrganError(f"environment variable {MEMORY_ENV}={capped!r}: not a number of bytes") from None
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:  # not Linux: free physical pages
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**62  # unknown: let the allocation decide


def gigabytes(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.1f} GiB"


def require(dataset: str, what: str, n_bytes: float, remedy: str = "") -> None:
    """Raise :class:`InsufficientMemoryError` naming ``dataset``, ``what`` and the bytes it needs
    when they exceed the free memory (GPU memory is not checked here: torch reports it)."""
    free = available_bytes()
    if n_bytes > free:
        hint = f" {remedy}" if remedy else ""
        raise InsufficientMemoryError(
            f"dataset {dataset}: {what} needs {gigabytes(n_bytes)} of memory, and "
            f"{gigabytes(free)} is free.{hint}")
