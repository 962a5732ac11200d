"""The wrapper that turns a workflow script into one clear step: logging, and a user-facing error
as one line with exit status 1, which is also the last line of the rule's log file.

Torch-free, so every rule's script can use it, the statistics' included (whose environment has no
torch); device choice and seeding live in :mod:`irgan.train.runtime`.
"""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Callable

from irgan.contract.io import NO_SPACE, filesystem_error
from irgan.errors import IrganError

log = logging.getLogger("irgan")

# Write faults only a write can meet: a file-system error of one of these kinds that escapes the
# atomic writer (a library writing its own file) is still the file system's, and one line. A
# permission or missing-file error may be an input's, and keeps its traceback.
WRITE_FAULTS = NO_SPACE | {errno.EROFS, errno.ESTALE, errno.ENOTCONN, errno.ENODEV}


class LogFile(logging.FileHandler):
    """The rule's log file. A log that cannot be written (a full disk, the folder gone) must not
    bury the message under logging's own traceback: the failure is kept for one warning line."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename, mode="w")
        self.failure: OSError | None = None

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802  (logging's name)
        failure = sys.exc_info()[1]
        self.failure = failure if isinstance(failure, OSError) else OSError(str(failure))

    def close(self) -> None:
        """Closing flushes what could not be written: that failure is already reported."""
        try:
            super().close()
        except OSError:
            pass


def configure_logging(logfile: str | None = None) -> LogFile | None:
    """Log to stderr and, when given, to a Snakemake log file (returned, so that a failure to
    write it can be reported). A log file that cannot be opened is one error naming it."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    file_handler = None
    if logfile:
        try:
            file_handler = LogFile(logfile)
        except OSError as exc:
            error = filesystem_error(exc, logfile, "opening the rule's log")
            if error is None:
                raise
            raise error from None
        handlers.append(file_handler)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(message)s", handlers=handlers, force=True
    )
    return file_handler


def as_user_error(exc: BaseException) -> IrganError | None:
    """The one-line error a user sees for ``exc``: the harness's own, or a write fault of the file
    system naming the file it names; None for anything else (a bug, shown with its traceback)."""
    if isinstance(exc, IrganError):
        return exc
    if isinstance(exc, OSError) and exc.errno in WRITE_FAULTS and exc.filename is not None:
        return filesystem_error(exc, exc.filename)
    return None


def run_step(main: Callable[[], None], logfile: str | None = None) -> None:
    """Run a workflow step; a user-facing error becomes one line and exit status 1, on the terminal
    and as the last line of ``logfile``. Any other exception is logged with its traceback in both
    places (its last line, too, the same) before it ends the step with exit status 1."""
    try:
        file_handler = configure_logging(logfile)
    except IrganError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    try:
        main()
    except Exception as exc:  # noqa: BLE001  (every failure ends up in the log, once)
        error = as_user_error(exc)
        if file_handler is not None:
            file_handler.failure = None  # an earlier line lost to a full disk is not this one
        if error is not None:
            log.error("error: %s", error)
        else:
            log.exception("error: %s: %s (an unexpected failure; the traceback follows)",
                          type(exc).__name__, exc)
        if file_handler is not None and file_handler.failure is not None:
            reason = file_handler.failure.strerror or str(file_handler.failure)
            print(f"warning: {logfile}: the error above could not be written to the rule's log ({reason})",
                  file=sys.stderr)
        sys.exit(1)


def snakemake_step(snakemake, main: Callable[[], None]) -> None:
    """:func:`run_step` with the rule's first log file."""
    run_step(main, snakemake.log[0] if len(snakemake.log) else None)


def subprocess_step(main: Callable[[], None], logfile: str) -> None:
    """For a step whose log is the output of a program it runs (the authors' code, in an environment
    without this wrapper's logging set-up): a user-facing error is appended to that log as its last
    line and ends the step as one line with exit status 1; anything else keeps its traceback."""
    try:
        main()
    except Exception as exc:  # noqa: BLE001  (only the harness's own errors and write faults are caught)
        error = as_user_error(exc)
        if error is None:
            raise
        try:
            with open(logfile, "a", encoding="utf-8") as log:
                print(f"error: {error}", file=log)
        except OSError:
            pass  # the log's folder is the fault: the terminal line below still says it
        raise SystemExit(f"error: {error}") from None
