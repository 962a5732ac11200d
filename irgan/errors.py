"""One exception family, so the command line can print a single clear message."""


class IrganError(Exception):
    """Base class for every error the harness reports to a user (no traceback needed)."""


class DownloadError(IrganError):
    """A file could not be fetched, or its checksum did not match."""


class RatingsFormatError(IrganError):
    """A ratings file holds a line that cannot be parsed; the message names file and line."""


class UnsafePickleError(IrganError):
    """A pickle asked for something other than numpy arrays."""


class ConfigError(IrganError):
    """A configuration value is missing or out of range; the message names the key."""


class FileSystemError(IrganError):
    """A result could not be written because of the file system, not the input; nothing was left
    at its path, and the same write succeeds once the user has fixed the folder."""


class NoSpaceError(FileSystemError):
    """A full disk or quota."""


class NotWritableError(FileSystemError):
    """A read-only results folder, or one without write permission."""


class FolderGoneError(FileSystemError):
    """The folder a result was being written to went away (deleted, unmounted, a dropped mount)."""
