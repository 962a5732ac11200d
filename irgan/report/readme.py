"""Copy the generated findings (results/paper/findings.md) into README.md between its markers.

The README's findings are never typed by hand: the `paper` rule writes them from the study's
statistics, and this command replaces the block between ``BEGIN`` and ``END`` with that file,
so that when the numbers change every sentence built on them changes with them.

    python -m irgan.report.readme                   # README.md <- results/paper/findings.md
    python -m irgan.report.readme --check           # exit 1 if the README is out of date
    python -m irgan.report.readme --performance     # its performance table <- results/benchmarks/scale.md
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
#: the performance table (results/benchmarks/scale.md, written by `snakemake scale`)
PERFORMANCE_BEGIN = ("<!-- performance:begin (generated from results/benchmarks/scale.md by "
                     "python -m irgan.report.readme --performance) -->")
PERFORMANCE_END = "<!-- performance:end -->"


class FindingsBlockError(IrganError):
    """The README lacks its findings markers, or holds them more than once or out of order."""


def _strip_comment(findings: str) -> str:
    """The findings file without its leading HTML comment (the template's note to editors)."""
    text = findings.lstrip()
    if text.startswith("<!--") and "-->" in text:
        text = text[text.index("-->") + 3 :]
    return text.strip() + "\n"


def replace_block(readme: str, findings: str, source: str = "README.md", begin: str = BEGIN,
                  end: str = END) -> str:
    """``readme`` with the text between its markers (``begin``, ``end``) replaced by ``findings``."""
    if readme.count(begin) != 1 or readme.count(end) != 1 or readme.index(begin) > readme.index(end):
        kind = begin.removeprefix("<!-- ").split(":")[0]  # findings, performance
        raise FindingsBlockError(
            f"{source}: needs exactly one {kind} block, a line {begin!r} followed by a line {end!r}"
        )
    head, rest = readme.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{_strip_comment(findings)}{end}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", type=Path, default=Path("README.md"))
    parser.add_argument("--findings", type=Path, default=Path("results/paper/findings.md"))
    parser.add_argument("--check", action="store_true", help="only report whether the README is current")
    parser.add_argument("--performance", nargs="?", const=Path("results/benchmarks/scale.md"), type=Path,
                        default=None, metavar="SCALE_MD",
                        help="copy the scale benchmark's table (default results/benchmarks/scale.md) instead")
    args = parser.parse_args(argv)
    markers = (BEGIN, END)
    if args.performance is not None:
        args.findings, markers = args.performance, (PERFORMANCE_BEGIN, PERFORMANCE_END)
    if not args.findings.is_file():
        target = "snakemake --cores N scale" if args.performance is not None else "snakemake --cores N"
        print(f"{args.findings}: not found - run it first ({target})", file=sys.stderr)
        return 2
    readme = args.readme.read_text(encoding="utf-8")
    try:
        updated = replace_block(readme, args.findings.read_text(encoding="utf-8"), str(args.readme), *markers)
    except FindingsBlockError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.check:
        current = updated == readme
        print(f"{args.readme}: block {'current' if current else 'out of date'} ({args.findings})")
        return 0 if current else 1
    if updated != readme:
        args.readme.write_text(updated, encoding="utf-8")  # keeps the file's mode
    print(f"{args.readme}: block {'updated' if updated != readme else 'already current'} ({args.findings})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
