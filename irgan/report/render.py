"""Renderers of the study's tables: Markdown, LaTeX (booktabs), HTML and the tidy CSV.

The builders in :mod:`irgan.report.tables` decide what a table says (a :class:`Table`: display
sections of strings, the unrounded data behind them, notes); this module only decides how it
looks in each format, so a format can change without touching a number.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from irgan.contract.io import atomic_path, write_text
from irgan.contract.outputs import TABLE_FORMATS as FORMATS
from irgan.formatting import DAGGER, DOWN, STAR, UP


@dataclass
class Table:
    """A table to publish: display sections (strings), the tidy data behind them, notes."""

    name: str
    title: str
    data: pd.DataFrame
    sections: list[tuple[str, pd.DataFrame]]
    notes: list[str] = field(default_factory=list)
    #: LaTeX widths of columns of running text (wrapped in a ``p{}`` column), e.g. ``0.4\\linewidth``
    wrap: dict[str, str] = field(default_factory=dict)


def markdown(frame: pd.DataFrame, align: Sequence[str] | None = None) -> str:
    """A pipe table; columns of numbers right-aligned, text left-aligned (unless ``align`` gives
    each column's ``---`` or ``---:``)."""
    columns = [str(c) for c in frame.columns]
    if align is None:
        align = ["---:" if _numeric_column(frame[c]) else "---" for c in frame.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(align) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


def _numeric_column(values: pd.Series) -> bool:
    """A column whose cells start like numbers (signs, digits, dashes for missing values)."""
    cells = [str(v).strip() for v in values]
    return bool(cells) and all(c[:1] in "0123456789+-–<[" for c in cells if c)


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\^{}",
}
_LATEX_SYMBOLS = {
    "±": r"$\pm$",
    UP: r"$\uparrow$",
    DOWN: r"$\downarrow$",
    DAGGER: r"$^\dagger$",
    STAR: r"$^{*}$",
    "–": "--",
    "—": "---",
    "−": "-",
    "Δ": r"$\Delta$",
    "→": r"$\rightarrow$",
    "≥": r"$\geq$",
    "<": r"$<$",
    ">": r"$>$",
}


def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped and the tables' symbols in math mode."""
    out = "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))
    return "".join(_LATEX_SYMBOLS.get(ch, ch) for ch in out)


def latex(table: Table) -> str:
    """A booktabs table, scaled to the line width (packages: booktabs, graphicx); one block per section."""
    first = table.sections[0][1] if table.sections else table.data
    columns = list(first.columns)
    spec = "".join(f"p{{{table.wrap[c]}}}" if c in table.wrap else "r" if _numeric_column(first[c]) else "l"
                   for c in columns)
    lines = [
        "% needs \\usepackage{booktabs,graphicx}",
        r"\begin{table}[t]",
        r"\centering",
        r"\small",
        rf"\caption{{{latex_escape(table.title)}}}",
        rf"\label{{tab:{table.name}}}",
        r"\resizebox{\linewidth}{!}{%",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        " & ".join(latex_escape(c) for c in columns) + r" \\",
        r"\midrule",
    ]
    for index, (heading, frame) in enumerate(table.sections):
        if index:
            lines.append(r"\midrule")
        if heading:
            lines.append(rf"\multicolumn{{{len(columns)}}}{{l}}{{\textit{{{latex_escape(heading)}}}}} \\")
        for row in frame.itertuples(index=False):
            lines.append(" & ".join(latex_escape(v) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}}"]
    if table.notes:
        lines.append(r"\par\smallskip\footnotesize " + " ".join(latex_escape(n) for n in table.notes))
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def markdown_document(table: Table) -> str:
    """The table as a Markdown section: title, one pipe table per section, the notes."""
    parts = [f"### {table.title}", ""]
    for heading, frame in table.sections:
        if heading:
            parts += [f"**{heading}**", ""]
        parts += [markdown(frame), ""]
    for note in table.notes:
        parts += [note, ""]
    return "\n".join(parts).rstrip() + "\n"


def html_document(table: Table) -> str:
    """A standalone page (the Snakemake report shows HTML inline)."""
    body = [f"<h2>{html.escape(table.title)}</h2>"]
    for heading, frame in table.sections:
        if heading:
            body.append(f"<h3>{html.escape(heading)}</h3>")
        body.append(frame.to_html(index=False, escape=True, border=0, classes="results"))
    body += [f"<p>{html.escape(note)}</p>" for note in table.notes]
    style = (
        "body{font-family:sans-serif;font-size:13px} table.results{border-collapse:collapse}"
        "table.results td,table.results th{padding:2px 8px;text-align:right;"
        "border-bottom:1px solid #ddd} table.results td:first-child{text-align:left}"
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(table.title)}</title><style>{style}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_table(table: Table, paths: dict[str, str | os.PathLike]) -> None:
    """Write the formats named in ``paths`` (keys of :data:`FORMATS`)."""
    for fmt, path in paths.items():
        if fmt == "csv":
            with atomic_path(path) as tmp:
                table.data.to_csv(tmp, index=False, float_format="%.8g")
        elif fmt == "md":
            write_text(path, markdown_document(table))
        elif fmt == "tex":
            write_text(path, latex(table))
        elif fmt == "html":
            write_text(path, html_document(table))
        else:
            raise ValueError(f"unknown table format {fmt!r}")


def table_paths(directory: str | os.PathLike, name: str) -> dict[str, Path]:
    """The file of each format of :data:`FORMATS` for the table ``name``."""
    return {fmt: Path(directory) / f"{name}.{fmt}" for fmt in FORMATS}
