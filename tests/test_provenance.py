"""Every result records the code version, also from a copy of the tree without .git."""

import subprocess

from irgan.contract import provenance


def test_code_version_is_git_describe_of_the_checkout():
    expected = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"],
                              cwd=provenance._REPO, capture_output=True, text=True, check=True)
    assert provenance.code_version() == expected.stdout.strip()


def test_a_copy_without_git_takes_the_version_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setattr(provenance, "_REPO", tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.setenv("IRGAN_CODE_VERSION", "abc123def456")
    assert provenance.code_version() == "abc123def456"
    monkeypatch.delenv("IRGAN_CODE_VERSION")
    assert "no git checkout" in provenance.code_version()
