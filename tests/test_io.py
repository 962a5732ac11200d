"""Result files: written whole or not at all, readable by colleagues as the user's umask says."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from irgan.contract.io import filesystem_error, write_json, write_text
from irgan.errors import FolderGoneError, NoSpaceError, NotWritableError


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_result_files_follow_the_umask(tmp_path, umask):
    """Atomic writes go through mkstemp (mode 0600); the file must end with 0666 & ~umask, so
    that colleagues on a shared cluster can read results where the umask allows."""
    previous = os.umask(umask)
    try:
        write_text(tmp_path / "a.md", "x\n")
        write_json(tmp_path / "b.json", {"a": 1})
    finally:
        os.umask(previous)
    for name in ("a.md", "b.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "b.json"]  # no temporary left


def test_a_file_system_fault_names_the_result_and_another_file_s_error_stays_its_own(tmp_path):
    """Only a fault of the write itself becomes the file system's one line: an input that cannot
    be read (a permission error, a missing file beside the result) keeps its own error."""
    result = tmp_path / "data" / "dataset.npz"
    result.parent.mkdir()
    no_space = filesystem_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), result)
    assert isinstance(no_space, NoSpaceError) and str(no_space).startswith(f"{result}: no space left")
    denied = filesystem_error(PermissionError(errno.EACCES, "Permission denied", str(result.parent)), result)
    assert isinstance(denied, NotWritableError)
    assert f"the folder {result.parent} is not writable" in str(denied)
    gone = filesystem_error(OSError(errno.ESTALE, os.strerror(errno.ESTALE), str(result)), result)
    assert isinstance(gone, FolderGoneError)
    temporary = str(result.parent / ".dataset.npz.x1y2.npz")
    vanished = filesystem_error(FileNotFoundError(errno.ENOENT, "gone", temporary), result)
    assert isinstance(vanished, FolderGoneError)
    an_input = str(tmp_path / "data" / "train.txt")
    assert filesystem_error(PermissionError(errno.EACCES, "Permission denied", an_input), result) is None
    assert filesystem_error(FileNotFoundError(errno.ENOENT, "missing", an_input), result) is None
    assert filesystem_error(OSError(errno.EINVAL, "invalid"), result) is None
