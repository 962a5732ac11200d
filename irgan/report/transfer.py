"""Does it transfer? The cross-dataset table, figure and paper section (results/transfer/).

:mod:`irgan.analysis.transfer` answers each question on each dataset; this module sets the answers
side by side: one table (CSV, Markdown, LaTeX, HTML) with a column per dataset - each finding with
its interval and a marker where it is significant, each ablation family's answer, each claim's
verdict - and the generated sentences under it, one forest figure of every difference per dataset,
and the section the paper draft includes (``transfer_section``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from irgan.analysis.statistics import StatisticsSettings  # noqa: E402
from irgan.analysis.study_view import StudyView  # noqa: E402
from irgan.analysis.transfer import (  # noqa: E402
    COLUMNS,
    HIGHER,
    LEVEL,
    LOWER,
    NO_DIFFERENCE,
    NOT_TESTED,
    QUESTIONS,
    TransferError,
    findings,
    holds_sentences,
    ledger_sentences,
    ledger_verdicts,
    transfer_frame,
)
from irgan.contract.io import write_json  # noqa: E402
from irgan.formatting import DASH, DOWN, UP, number, protocol_name, signed  # noqa: E402
from irgan.report.figures import WIDTH, save_figure  # noqa: E402
from irgan.report.paper import NO_TRANSFER, relative_path  # noqa: E402
from irgan.report.render import Table, write_table  # noqa: E402
from irgan.report.tables import read_statistics  # noqa: E402

#: the statistics each dataset contributes (irgan.contract.outputs.STATISTICS_FILES names)
STATISTICS = ("summary", "comparisons", "optimism_summary")
#: what the paper draft says where the study has run on one dataset only
NOT_RUN = NO_TRANSFER  # the draft's text until `snakemake datasets` has run (irgan.report.paper)


def read_dataset(name: str, paths: Mapping[str, str | os.PathLike], claims: str | os.PathLike,
                 settings: StatisticsSettings) -> tuple[StudyView, pd.DataFrame]:
    """One dataset's view (its statistics CSVs by name) and claims ledger; a missing file is one
    error naming it and the rule that writes it."""
    for path, rule in [*((p, "statistics") for p in paths.values()), (claims, "claims")]:
        if not Path(path).is_file():
            raise TransferError(f"{path}: missing; run the {rule} rule of {name} first "
                                f"(snakemake {Path(path).as_posix()})")
    statistics = read_statistics(dict(paths))
    return StudyView.from_statistics(statistics, settings.reference, name), pd.read_csv(claims)


def transfer_data(views: Mapping[str, StudyView], ledgers: Mapping[str, pd.DataFrame],
                  settings: StatisticsSettings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the findings of every dataset with ``holds``, the ledgers' verdicts side by side)."""
    frame = transfer_frame({name: findings(view, settings, name) for name, view in views.items()})
    return frame, ledger_verdicts(ledgers)


# --------------------------------------------------------------------------- the table


def _interval(row: Mapping, signed_values: bool) -> str:
    """``+0.0123 [+0.0050, +0.0190] ↑`` (a level unsigned and unmarked); a dash where untested."""
    if row["outcome"] == NOT_TESTED or not math.isfinite(row["estimate"]):
        return DASH
    fmt = signed if signed_values else number
    text = f"{fmt(row['estimate'])} [{fmt(row['low'])}, {fmt(row['high'])}]"
    return text + {HIGHER: f" {UP}", LOWER: f" {DOWN}"}.get(row["outcome"], "")


def _question_cell(row: Mapping) -> str:
    if row["question"] == "ablation":
        return f"ablation: {row['family']}"
    name = QUESTIONS[row["question"]].format(metric=row["metric"], family=row["family"])
    comparator = {"gain-over-start": "its start", "strongest-baseline": "the strongest baseline",
                  "equal-budget": "the strongest tuned system"}.get(row["question"])
    return name if comparator is None else f"{name} ({row['system']} − {comparator})"


def _family_cell(rows: pd.DataFrame) -> str:
    """An ablation family on one dataset and rule: ``1 of 3 differ: irgan-x −0.1467 [..] ↓``."""
    tested = rows[rows["outcome"] != NOT_TESTED]
    if tested.empty:
        return DASH
    changed = tested[tested["outcome"].isin([HIGHER, LOWER])]
    pool = changed if len(changed) else tested
    largest = pool.loc[pool["estimate"].abs().idxmax()]
    head = f"{len(changed)} of {len(tested)} differ"
    return f"{head}; largest {largest['system']} {_interval(largest, True)}"


def _family_holds(rows: pd.DataFrame, first: str, name: str) -> str:
    """yes (every member tested on both has the same outcome), no (none), partly, or n/a."""
    pairs = rows.pivot_table(index="system", columns="dataset", values="outcome", aggfunc="first")
    if first not in pairs or name not in pairs:
        return "n/a"
    both = pairs[[first, name]].dropna()
    both = both[(both[first] != NOT_TESTED) & (both[name] != NOT_TESTED)]
    if both.empty:
        return "n/a"
    same = int((both[first] == both[name]).sum())
    return "yes" if same == len(both) else "no" if same == 0 else f"partly ({same} of {len(both)})"


def display_rows(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """One display row per question and rule (per ablation family and rule), a column per dataset."""
    out = []
    for (question, _, selection), rows in frame.groupby(["question", "family", "selection"], sort=False):
        head = rows.iloc[0]
        cells = {"question": _question_cell(head), "protocol": protocol_name(selection)}
        if question == "ablation":
            for name in names:
                cells[name] = _family_cell(rows[rows["dataset"] == name])
            holds = [f"{name}: {_family_holds(rows, names[0], name)}" for name in names[1:]]
        else:
            by = {r["dataset"]: r for r in rows.to_dict("records")}
            for name in names:
                cells[name] = _interval(by[name], head["outcome"] != LEVEL) if name in by else DASH
            holds = [] if head["outcome"] == LEVEL else [
                f"{name}: {by[name]['holds'] if name in by else 'n/a'}" for name in names[1:]]
        cells["holds"] = "; ".join(holds)
        out.append(cells)
    return pd.DataFrame(out, columns=["question", "protocol", *names, "holds"])


def ledger_rows(verdicts: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The ledger section: each claim's verdict per dataset and whether the first's holds."""
    rows = []
    for record in verdicts.to_dict("records"):
        holds = [f"{name}: " + ("n/a" if not (record[names[0]] and record[name])
                                else "yes" if record[name] == record[names[0]] else "no")
                 for name in names[1:]]
        rows.append({"question": record["claim_id"], "protocol": "both (the ledger's verdict)",
                     **{name: record[name] or DASH for name in names}, "holds": "; ".join(holds)})
    return pd.DataFrame(rows, columns=["question", "protocol", *names, "holds"])


def tidy(frame: pd.DataFrame, verdicts: pd.DataFrame) -> pd.DataFrame:
    """``transfer.csv``: the findings (:data:`irgan.analysis.transfer.COLUMNS`) and, as rows of the
    question ``ledger``, each claim's verdict per dataset (``claim_id``; ``outcome``: the verdict)."""
    names = [c for c in verdicts.columns if c not in ("claim_id", "claim")]
    ledger = []
    for record in verdicts.to_dict("records"):
        for name in names:
            if not record[name]:
                continue
            holds = "" if name == names[0] else ("n/a" if not record[names[0]]
                                                 else "yes" if record[name] == record[names[0]] else "no")
            ledger.append({"question": "ledger", "dataset": name, "claim_id": record["claim_id"],
                           "outcome": record[name], "holds": holds})
    columns = [*COLUMNS, "claim_id"]
    return pd.concat([frame.assign(claim_id=""), pd.DataFrame(ledger, columns=columns)],
                     ignore_index=True)[columns]


def transfer_table(frame: pd.DataFrame, verdicts: pd.DataFrame, settings: StatisticsSettings) -> Table:
    """The cross-dataset table: findings, ablation families and the ledgers' verdicts per dataset,
    with one generated sentence per question (its notes)."""
    names = list(dict.fromkeys(frame["dataset"]))
    metric, confidence = settings.headline_metric, settings.confidence
    sentences = holds_sentences(frame, confidence) + ledger_sentences(verdicts)
    notes = [*sentences,
             f"Datasets {', '.join(names)}; each finding as on `{names[0]}` (the study's first "
             f"dataset): the reference `{settings.reference}`'s {metric} with its {confidence:.0%} interval "
             f"over seeds, then differences on {metric} with their {confidence:.0%} interval (bootstrap over "
             f"users for paired differences, over seeds for the optimism); {UP}/{DOWN}: significant after "
             "the correction of "
             "the test's family on that dataset (statistics.correction). `holds`: the outcome - higher, "
             "lower or no difference - is the same as on the first dataset (n/a: not tested on one of "
             "them). An ablation family holds where every member tested on both has the same outcome. "
             "The ledger rows give each claim's verdict by the rules of irgan/analysis/claims.py."]
    return Table(
        name="transfer",
        title=f"Does it transfer? The study's findings on {metric} per dataset",
        data=tidy(frame, verdicts),
        sections=[(f"Findings on {metric}", display_rows(frame, names)),
                  ("The claims ledger's verdicts", ledger_rows(verdicts, names))],
        notes=notes,
        wrap={"question": r"0.22\linewidth", "holds": r"0.14\linewidth"},
    )


# --------------------------------------------------------------------------- the figure


#: the figure's short name of each question
FIGURE_LABELS = {"gain-over-start": "gain over its start", "strongest-baseline": "vs the strongest baseline",
                 "equal-budget": "tuned IRGAN vs strongest tuned", "optimism": "test-selection optimism"}


def _figure_label(record: Mapping) -> str:
    """A difference's row in the figure: its question (an ablation: family and member) and rule."""
    what = (f"{record['family']}: {record['system']}" if record["question"] == "ablation"
            else FIGURE_LABELS[record["question"]])
    return f"{what}, {record['selection']}"


def transfer_figure(frame: pd.DataFrame, settings: StatisticsSettings) -> plt.Figure:
    """Left: the reference's mean per rule and dataset; right: every difference (the questions,
    then each ablation member) per rule and dataset with its interval, filled where significant."""
    sns.set_theme(context="paper", style="whitegrid", rc={"font.size": 8, "axes.labelsize": 8,
                                                          "xtick.labelsize": 7.5, "ytick.labelsize": 7.5})
    names = list(dict.fromkeys(frame["dataset"]))
    colours = dict(zip(names, sns.color_palette("colorblind", len(names)), strict=True))
    levels = frame[frame["outcome"] == LEVEL]
    diffs = frame[(frame["outcome"] != LEVEL) & (frame["outcome"] != NOT_TESTED)]
    rows_right = list(dict.fromkeys(_figure_label(r) for r in diffs.to_dict("records")))
    height = 0.26 * max(len(rows_right), 3) + 1.6
    figure, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, height), width_ratios=(1, 3.2))
    step = 0.7 / len(names)
    panels = ((left, levels, lambda r: protocol_name(r["selection"])), (right, diffs, _figure_label))
    for axis, rows, label in panels:
        ticks = list(dict.fromkeys(label(r) for r in rows.to_dict("records")))
        for index, name in enumerate(names):
            for record in rows[rows["dataset"] == name].to_dict("records"):
                y = ticks.index(label(record)) + (index - (len(names) - 1) / 2) * step
                estimate, low, high = record["estimate"], record["low"], record["high"]
                err = ([[max(estimate - low, 0)], [max(high - estimate, 0)]]
                       if math.isfinite(low) and math.isfinite(high) else None)
                filled = record["outcome"] in (HIGHER, LOWER, LEVEL)
                axis.errorbar(estimate, y, xerr=err, fmt="o", color=colours[name],
                              mfc=colours[name] if filled else "white", markersize=3.5, capsize=1.5,
                              elinewidth=0.9)
        axis.set_yticks(range(len(ticks)), ticks)
        axis.set_ylim(len(ticks) - 0.5, -0.5)
    right.axvline(0, color="black", linewidth=0.8)
    left.set_xlabel(f"{settings.reference}: {settings.headline_metric}")
    right.set_xlabel(f"difference in {settings.headline_metric} ({settings.confidence:.0%} interval); "
                     "filled: significant after correction\n"
                     "(test: the paper protocol; validation: the honest one)")
    left.set_title("the reference", fontsize=8)
    right.set_title("each finding, per dataset", fontsize=8)
    handles = [Line2D([], [], marker="o", color=colours[n], linestyle="-", label=n) for n in names]
    handles.append(Line2D([], [], marker="o", color="grey", mfc="white", linestyle="none",
                          label=f"open: {NO_DIFFERENCE}"))
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=7.5)
    figure.tight_layout(rect=(0, 0.4 / height, 1, 1))
    return figure


# --------------------------------------------------------------------------- the paper


def transfer_record(table: Table, provenance: dict | None = None) -> dict:
    """``transfer.json``: the datasets, the generated sentences (the paper's section reads them) and
    the provenance."""
    names = [c for c in table.sections[0][1].columns if c not in ("question", "protocol", "holds")]
    return {"datasets": names, "reference_dataset": names[0], "sentences": table.notes[:-1],
            "provenance": provenance or {}}


def write_transfer(table: Table, figure: plt.Figure, paths: Mapping[str, str | os.PathLike],
                   provenance: dict | None = None) -> None:
    """The table's formats, the figure's and ``transfer.json`` (keys csv, md, tex, html, png, pdf, json)."""
    write_table(table, {fmt: paths[fmt] for fmt in ("csv", "md", "tex", "html")})
    save_figure(figure, {fmt: paths[fmt] for fmt in ("png", "pdf")})
    write_json(paths["json"], transfer_record(table, provenance))


def transfer_values(paths: Mapping[str, str | os.PathLike], output: str | os.PathLike) -> dict[str, str]:
    """The paper draft's ``transfer_section`` (the sentences, the table's first section, the figure,
    links relative to ``output``) from the transfer rule's files (keys ``transfer_json``,
    ``transfer_md``, ``transfer_png``, ``transfer_pdf``); without them, what runs it."""
    if not paths:
        return {"transfer_section": NOT_RUN}
    record = json.loads(Path(paths["transfer_json"]).read_text())
    table = Path(paths["transfer_md"]).read_text().split("\n\n")
    first = next((block for block in table if block.lstrip().startswith("|")), "")
    bullets = "\n".join(f"- {sentence}" for sentence in record["sentences"])
    figure, pdf = (relative_path(paths[key], output) for key in ("transfer_png", "transfer_pdf"))
    link = relative_path(paths["transfer_md"], output)
    section = (f"{bullets}\n\n{first.strip()}\n\n![Each finding per dataset]({figure}) ([PDF]({pdf})); the "
               f"full table with the claims ledger's verdicts: [transfer.md]({link}).")
    return {"transfer_section": section}
