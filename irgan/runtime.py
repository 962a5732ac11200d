"""Device choice, seeding and the wrapper that turns a Snakemake script into one clear step."""

from __future__ import annotations

import logging
import random
import sys
from collections.abc import Callable

import numpy as np
import torch

from irgan.errors import ConfigError, IrganError

log = logging.getLogger("irgan")


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` means CUDA when present, else CPU; an explicit CUDA request without CUDA is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"key device: {name!r} requested but CUDA is not available")
    return device


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; return a torch generator for explicit draws."""
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002  (libraries that draw from the global state)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


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
