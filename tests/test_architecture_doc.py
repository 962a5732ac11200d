"""docs/architecture.md names modules, functions and files; every one of them must exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
SHORT = {"kernels", "irgan_pointwise", "evaluation"}  # written without the irgan. prefix in the tables


def _dotted_names() -> list[str]:
    names = set()
    for name in re.findall(r"`([A-Za-z_][\w.]*\.[A-Za-z_]\w*)`", DOC):
        if name.endswith((".py", ".md", ".yaml", ".csv", ".npz", ".json", ".smk")):
            continue
        head = name.split(".")[0]
        if head in ("irgan", "baselines") or head in SHORT or head == "IRGANTrainer":
            names.add(name)
    return sorted(names)


def _resolve(name: str) -> object:
    parts = name.split(".")
    if parts[0] == "IRGANTrainer":
        parts = ["irgan", "irgan_pointwise", *parts]
    elif parts[0] in SHORT:
        parts = ["irgan", *parts]
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ModuleNotFoundError(name)


def test_the_page_names_enough_to_be_checked() -> None:
    assert len(_dotted_names()) > 25


@pytest.mark.parametrize("name", _dotted_names())
def test_every_named_function_and_module_exists(name: str) -> None:
    assert _resolve(name) is not None


FILES = sorted(set(re.findall(r"`((?:irgan|baselines|workflow|tests|docs)/[\w./*-]+)`", DOC)))


@pytest.mark.parametrize("path", FILES)
def test_every_named_file_exists(path: str) -> None:
    assert list(ROOT.glob(path)), f"docs/architecture.md names {path}, which does not exist"
