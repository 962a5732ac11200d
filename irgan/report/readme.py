"""Copy the generated findings (results/paper/findings.md) into README.md between its markers.

The README's findings are never typed by hand: the `paper` rule writes them from the study's
statistics, and this command replaces the block between ``BEGIN`` and ``END`` with that file,
so that when the numbers change every sentence built on them changes with them.

    python -m irgan.report.readme                   # README.md <- results/paper/findings.md
    python -m irgan.report.readme --check           # exit 1 if the README is out of date
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from irgan.errors import IrganError

BEGIN = (
    "<!-- findings:begin (generated from results/paper/findings.md by python -m irgan.report.readme) -->"
)
END = "<!-- findings:end -->"


class FindingsBlockError(IrganError):
    """The README lacks its findings markers, or holds them more than once or out of order."""


def _strip_comment(findings: str) -> str:
    """The findings file without its leading HTML comment (the template's note to editors)."""
    text = findings.lstrip()
    if text.startswith("<!--") and "-->" in text:
        text = text[text.index("-->") + 3 :]
    return text.strip() + "\n"


def replace_block(readme: str, findings: str, source: str = "README.md") -> str:
    """``readme`` with the text between its markers replaced by ``findings``."""
    if readme.count(BEGIN) != 1 or readme.count(END) != 1 or readme.index(BEGIN) > readme.index(END):
        raise FindingsBlockError(
            f"{source}: needs exactly one findings block, a line {BEGIN!r} followed by a line {END!r}"
        )
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{_strip_comment(findings)}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    parser.add_argument("--findings", type=Path, default=Path("results/paper/findings.md"))
    parser.add_argument("--check", action="store_true", help="only report whether the README is current")
    args = parser.parse_args(argv)
    if not args.findings.is_file():
        print(f"{args.findings}: not found - run the study first (snakemake --cores N)", file=sys.stderr)
        return 2
    readme = args.readme.read_text(encoding="utf-8")
    try:
        updated = replace_block(readme, args.findings.read_text(encoding="utf-8"), str(args.readme))
    except FindingsBlockError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.check:
        current = updated == readme
        print(f"{args.readme}: findings {'current' if current else 'out of date'} ({args.findings})")
        return 0 if current else 1
    if updated != readme:
        args.readme.write_text(updated, encoding="utf-8")  # keeps the file's mode
    print(f"{args.readme}: findings block {'updated' if updated != readme else 'already current'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
