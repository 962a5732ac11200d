"""The wrapper that turns a workflow script into one clear step: logging, and a user-facing error
as one line with exit status 1.

Torch-free, so every rule's script can use it, the statistics' included (whose environment has no
torch); device choice and seeding live in :mod:`irgan.train.runtime`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from irgan.errors import IrganError

log = logging.getLogger("irgan")


def configure_logging(logfile: str | None = None) -> None:
    """Log to stderr and, when given, to a Snakemake log file."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if logfile:
        handlers.append(logging.FileHandler(logfile, mode="w"))
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", handlers=handlers, force=True
    )


def run_step(main: Callable[[], None], logfile: str | None = None) -> None:
    """Run a workflow step; a user-facing error becomes one line and exit status 1."""
    configure_logging(logfile)
    try:
        main()
    except IrganError as exc:
        log.error("error: %s", exc)
        sys.exit(1)


def snakemake_step(snakemake, main: Callable[[], None]) -> None:
    """:func:`run_step` with the rule's first log file."""
    run_step(main, snakemake.log[0] if len(snakemake.log) else None)
