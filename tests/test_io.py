"""Result files: written whole or not at all, readable by colleagues as the user's umask says."""

from __future__ import annotations

import os
import stat

import pytest

from irgan.contract.io import write_json, write_text


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
