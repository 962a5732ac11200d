"""Compare two results directories of the same study run in two ways (e.g. locally and on SLURM).

Both trees must hold the same files (logs aside). The deterministic numeric files are
compared by content:

- ``*.json``: every value, except volatile provenance (creation time, platform,
  timings); the two results roots are replaced by a placeholder first;
- ``*.csv`` / ``*.tsv``: same columns and rows; numbers exactly equal (``--rtol``
  to loosen), volatile timing columns skipped;
- ``*.npz``: every array exactly equal.

Benchmarks (timings) and other files (checkpoints, figures, reports) are only checked
to exist in both trees. Exit status 1 lists every difference.

Usage: python tests/slurm/compare_results.py REFERENCE_DIR OTHER_DIR [--rtol R]
       [--reference-may-hold-more]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SKIPPED_DIRS = {"logs", "slurm-logs", ".snakemake"}
VOLATILE_KEY = re.compile(
    r"(^|_)(created|time|timestamp|seconds|elapsed|duration|wall|started|finished|"
    r"platform|hostname|host|pid)($|_)|_s$",
    re.IGNORECASE,
)
TIMING_PATH = re.compile(r"benchmark", re.IGNORECASE)
PLACEHOLDER = "<results>"


def result_files(root: Path) -> set[Path]:
    return {
        path.relative_to(root)
        for path in root.rglob("*")
        if path.is_file()
        and not SKIPPED_DIRS.intersection(path.relative_to(root).parts)
        and path.suffix != ".log"
    }


def normalise(value, roots: tuple[str, ...]):
    """Drop volatile keys and replace the results roots in strings."""
    if isinstance(value, dict):
        return {
            key: normalise(item, roots)
            for key, item in value.items()
            if not VOLATILE_KEY.search(key)
        }
    if isinstance(value, list):
        return [normalise(item, roots) for item in value]
    if isinstance(value, str):
        for root in roots:
            # a root as a path prefix: at the start of the string or after a separator
            value = re.sub(rf"(?<![\w.-]){re.escape(root.rstrip('/'))}(?=/|$)", PLACEHOLDER, value)
        return value
    return value


def root_spellings(root: Path) -> list[str]:
    """How run records spell a results root: absolute, as given, and relative to the working
    directory the workflow ran in (the default `results: results` gives `results/...`)."""
    spellings = {str(root.resolve()), str(root)}
    try:
        spellings.add(str(root.resolve().relative_to(Path.cwd().resolve())))
    except ValueError:
        pass
    return sorted(spellings)


def json_differences(a, b, rtol: float, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{where}/{k}: only in one tree" for k in sorted(set(a) ^ set(b))]
        for key in sorted(set(a) & set(b)):
            out += json_differences(a[key], b[key], rtol, f"{where}/{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: lengths {len(a)} != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in json_differences(x, y, rtol, f"{where}[{i}]")]
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        same = a == b or (rtol > 0 and math.isclose(a, b, rel_tol=rtol))
        return [] if same else [f"{where}: {a!r} != {b!r}"]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def compare_json(a: Path, b: Path, roots: tuple[str, ...], rtol: float) -> list[str]:
    left = normalise(json.loads(a.read_text()), roots)
    right = normalise(json.loads(b.read_text()), roots)
    return json_differences(left, right, rtol)


def compare_table(a: Path, b: Path, roots: tuple[str, ...], rtol: float) -> list[str]:
    sep = "\t" if a.suffix == ".tsv" else ","
    left, right = pd.read_csv(a, sep=sep), pd.read_csv(b, sep=sep)
    if list(left.columns) != list(right.columns):
        return [f"columns {list(left.columns)} != {list(right.columns)}"]
    if left.shape != right.shape:
        return [f"shape {left.shape} != {right.shape}"]
    out = []
    for column in left.columns:
        if VOLATILE_KEY.search(str(column)):
            continue
        x, y = left[column], right[column]
        if pd.api.types.is_numeric_dtype(x) and pd.api.types.is_numeric_dtype(y):
            xv, yv = x.to_numpy(dtype=float), y.to_numpy(dtype=float)
            close = (xv == yv) | (np.isnan(xv) & np.isnan(yv))
            if rtol > 0:
                close |= np.isclose(xv, yv, rtol=rtol, atol=0.0)
            if not close.all():
                row = int(np.flatnonzero(~close)[0])
                out.append(f"column {column}: {int((~close).sum())} rows differ, first row {row}: "
                           f"{xv[row]!r} != {yv[row]!r}")
        else:
            xs = x.astype(str).map(lambda s: normalise(s, roots))
            ys = y.astype(str).map(lambda s: normalise(s, roots))
            if not xs.equals(ys):
                out.append(f"column {column}: values differ")
    return out


def compare_npz(a: Path, b: Path, roots: tuple[str, ...], rtol: float) -> list[str]:
    with np.load(a, allow_pickle=False) as left, np.load(b, allow_pickle=False) as right:
        if sorted(left.files) != sorted(right.files):
            return [f"arrays {sorted(left.files)} != {sorted(right.files)}"]
        return [f"array {name} differs" for name in left.files
                if not np.array_equal(left[name], right[name], equal_nan=left[name].dtype.kind == "f")]


COMPARERS = {".json": compare_json, ".csv": compare_table, ".tsv": compare_table,
             ".npz": compare_npz}


def compare_trees(
    reference: Path, other: Path, rtol: float = 0.0, reference_may_hold_more: bool = False
) -> tuple[list[str], dict]:
    """All differences between two results trees, and counts of what was compared.

    ``reference_may_hold_more``: the reference is a results directory of a larger run (the whole
    demo, where ``other`` ran a few of its targets): only the files that ``other`` holds count,
    and each of them must be in the reference.
    """
    left, right = result_files(reference), result_files(other)
    if reference_may_hold_more:
        left &= right
    problems = [f"{p}: only in {reference}" for p in sorted(left - right)]
    problems += [f"{p}: only in {other}" for p in sorted(right - left)]
    # longest first, so that a relative spelling never rewrites part of an absolute one
    roots = tuple(sorted({*root_spellings(reference), *root_spellings(other)}, key=len, reverse=True))
    counts = {"compared": 0, "present only": 0}
    for path in sorted(left & right):
        comparer = COMPARERS.get(path.suffix)
        if comparer is None or TIMING_PATH.search(str(path)):
            counts["present only"] += 1
            continue
        counts["compared"] += 1
        try:
            problems += [f"{path}: {d}" for d in comparer(reference / path, other / path, roots, rtol)]
        except (ValueError, OSError, pd.errors.ParserError) as exc:
            problems.append(f"{path}: cannot be read ({exc})")
    return problems, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference", type=Path)
    parser.add_argument("other", type=Path)
    parser.add_argument("--rtol", type=float, default=0.0,
                        help="relative tolerance for numbers (default 0: exactly equal)")
    parser.add_argument("--reference-may-hold-more", action="store_true",
                        help="compare only the files that OTHER holds (OTHER ran a subset)")
    args = parser.parse_args(argv)
    for root in (args.reference, args.other):
        if not root.is_dir():
            parser.error(f"{root} is not a directory")
    problems, counts = compare_trees(args.reference, args.other, args.rtol,
                                     args.reference_may_hold_more)
    if not counts["compared"]:
        problems.append("no result file was compared")
    for problem in problems:
        print(f"DIFFERENT {problem}")
    print(f"compared {counts['compared']} result files by content, "
          f"{counts['present only']} by presence: "
          f"{'identical' if not problems else f'{len(problems)} differences'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
