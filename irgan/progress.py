"""Progress bars for long steps: a tqdm bar with the time left, on the terminal only.

The bar is drawn when stderr is a terminal (a run started by hand, or Snakemake in a terminal);
in a log file, a CI log or a cluster job it is off, and the per-epoch log lines are the record.
``IRGAN_PROGRESS=1`` forces it on, ``IRGAN_PROGRESS=0`` off. While a bar is drawn, log lines
to the terminal are written above it (tqdm's logging redirect) instead of through it. A bar only
counts: it never changes a number.
"""

from __future__ import annotations

import logging
import os
import sys

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

ENV = "IRGAN_PROGRESS"


def enabled(stream=None) -> bool:
    """Whether to draw a bar: ``IRGAN_PROGRESS`` when set, else whether ``stream`` is a terminal."""
    forced = os.environ.get(ENV)
    if forced in ("0", "1"):
        return forced == "1"
    stream = sys.stderr if stream is None else stream
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A bar of ``total`` steps with the elapsed and remaining time; nothing off a terminal.

    ``update()`` after each step, ``close()`` at the end (or use it as a context manager)."""

    def __init__(self, total: int, desc: str, unit: str = "epoch", initial: int = 0) -> None:
        self.on = enabled()
        self.bar = tqdm(total=total, desc=desc, unit=unit, initial=initial, disable=not self.on,
                        leave=False, dynamic_ncols=True, mininterval=0.5, file=sys.stderr)
        self._redirect = logging_redirect_tqdm(loggers=[logging.getLogger()]) if self.on else None
        if self._redirect is not None:
            self._redirect.__enter__()

    def update(self, steps: int = 1) -> None:
        self.bar.update(steps)

    def close(self) -> None:
        if self._redirect is not None:
            self._redirect.__exit__(None, None, None)
            self._redirect = None
        self.bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
