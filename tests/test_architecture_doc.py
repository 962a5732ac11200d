"""docs/architecture.md names modules, functions and files; every one of them must exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _dotted_names() -> list[str]:
    names = set()
    for name in re.findall(r"`([A-Za-z_][\w.]*\.[A-Za-z_]\w*)`", DOC):
        if name.endswith((".py", ".md", ".yaml", ".csv", ".npz", ".json", ".smk")):
            continue
        if name.split(".")[0] in ("irgan", "baselines"):
            names.add(name)
    return sorted(names)


def _resolve(name: str) -> object:
    parts = name.split(".")
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


def _module_table() -> str:
    return DOC.split("## The modules", 1)[1].split("## From a ratings file", 1)[0]


@pytest.mark.parametrize("module", sorted(
    str(path.relative_to(ROOT)) for path in (ROOT / "irgan").rglob("*.py") if path.name != "__init__.py"))
def test_the_module_table_places_every_module(module: str) -> None:
    """A newcomer's map is complete: every module of irgan/ is in the table, in its room's row."""
    table = _module_table()
    parent, name = module.rsplit("/", 1)
    room = f"`{parent}/`: " if parent != "irgan" else None
    rows = [row for row in table.splitlines() if row.startswith("|")]
    if room is None:
        assert any(f"`{module}`" in row for row in rows), f"docs/architecture.md does not place {module}"
    else:
        assert any(room in row and f"`{name}`" in row for row in rows), \
            f"docs/architecture.md does not place {module} in the row of {parent}/"
