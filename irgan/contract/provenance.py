"""What every result file records: config, seed, code version, library versions, device."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path

import irgan

_LIBRARIES = ("torch", "numpy", "pandas", "scipy", "statsmodels", "seaborn", "snakemake")
_REPO = Path(__file__).resolve().parents[2]


def code_version() -> str:
    """``git describe`` of the checkout (``-dirty`` when modified); in a copy without ``.git``
    (a cluster's staging area, say) the value of ``IRGAN_CODE_VERSION``; else the package version."""
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--abbrev=12"],
            cwd=_REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return out.stdout.strip() or irgan.__version__
    except (OSError, subprocess.SubprocessError):
        given = os.environ.get("IRGAN_CODE_VERSION", "").strip()
        return given or f"irgan-repro {irgan.__version__} (no git checkout)"


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def run_record(config: dict, seed: int | None = None, device: str | None = None, **extra) -> dict:
    """The provenance block written beside every result file."""
    record = {
        "config": config,
        "seed": seed,
        "code_version": code_version(),
        "libraries": library_versions(),
        "platform": platform.platform(),
        "device": device,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    record.update(extra)
    return record
