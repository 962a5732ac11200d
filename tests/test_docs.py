"""The README stays a five-minute read that leads to docs/, and every link between the pages works."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from irgan.report.readme import BEGIN, END
from tests.conftest import REPO

README = REPO / "README.md"
DOCS = REPO / "docs"
PAGES = sorted(DOCS.glob("*.md"))
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _prose(text: str) -> str:
    """The text outside fenced code blocks, where a bracket is Markdown and not code."""
    parts = re.split(r"^```.*$", text, flags=re.M)
    return "\n".join(parts[::2])


def _anchors(text: str) -> set[str]:
    """The fragment ids GitHub gives the headings of a page (duplicates numbered from -1)."""
    anchors, seen = set(), {}
    for heading in re.findall(r"^#{1,6} (.+)$", _prose(text), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _local_links(page: Path) -> list[str]:
    return [target for target in LINK.findall(_prose(page.read_text(encoding="utf-8")))
            if not re.match(r"[a-z]+:", target)]


def _broken(page: Path) -> list[str]:
    """The links of ``page`` to a file or heading of the repository that does not exist."""
    broken = []
    for target in _local_links(page):
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(target)
        elif fragment and fragment not in _anchors(linked.read_text(encoding="utf-8")):
            broken.append(target)
    return broken


def test_the_readme_is_short_even_before_its_findings_shrink():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 300, f"README.md has {len(lines)} lines; move detail to a page under docs/"
    begin = next(i for i, line in enumerate(lines) if line.startswith(BEGIN))
    end = next(i for i, line in enumerate(lines) if line.startswith(END))
    outside = len(lines) - (end - begin + 1)
    assert outside <= 250, f"README.md has {outside} lines besides its generated findings (at most 250)"


@pytest.mark.parametrize("page", [README, DOCS / "README.md", REPO / "config" / "README.md", *PAGES],
                         ids=lambda page: str(page.relative_to(REPO)))
def test_every_link_to_a_file_or_heading_resolves(page: Path):
    assert not _broken(page), f"{page.relative_to(REPO)} links to what does not exist: {_broken(page)}"


def test_the_readme_links_docs_pages():
    linked = {(README.parent / target.partition("#")[0]).resolve() for target in _local_links(README)}
    assert DOCS / "README.md" in linked
    assert len([page for page in PAGES if page in linked]) >= 10


@pytest.mark.parametrize("page", [page for page in PAGES if page.name != "README.md"],
                         ids=lambda page: page.name)
def test_every_docs_page_is_linked_from_the_readme_or_the_index(page: Path):
    linked = {(source.parent / target.partition("#")[0]).resolve()
              for source in (README, DOCS / "README.md") for target in _local_links(source)}
    assert page in linked, f"docs/{page.name} is linked from neither README.md nor docs/README.md"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_docs_page_stands_alone_with_a_title_and_an_intro(page: Path):
    lines = page.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and lines[1] == "" and lines[2] and not lines[2].startswith("#"), \
        f"docs/{page.name} should open with '# Title', a blank line and a one-line intro"
    assert not any(line.startswith("# ") for line in _prose("\n".join(lines[1:])).splitlines()), \
        f"docs/{page.name} has a second top-level heading"


def test_the_quick_start_commands_are_the_ones_ci_runs():
    """The Quick start's demo and test commands stay word for word what .ci/run runs."""
    quick = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```bash\n(.*?)^```", quick, flags=re.M | re.S)
    demo, report = blocks[0].splitlines()
    (tests,) = blocks[1].splitlines()
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert demo.startswith("python3.11 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 ")
    assert demo.split(" && ")[-1] in ci.splitlines()  # the demo, without re-installing
    assert report in ci
    assert tests.replace("pip install ", "pip install -q ") in ci
