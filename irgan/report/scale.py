"""The scale benchmark's figure: what an epoch of each system costs, and its memory, against size.

Reads the table of :mod:`irgan.bench.scale` (``results/benchmarks/scale.csv``). Left: seconds of
one epoch (an iterative system's epoch with its evaluation, IRGAN's D- and G-epochs, a closed-form
fit, one full evaluation) against users x items, log-log, one line per system. Right: the
process's peak resident memory. A system that did not run at a size (out of memory, timed out)
is drawn as a cross on the axis with its status beside it, so a missing point is never silent.
"""

from __future__ import annotations

import os

import pandas as pd

from irgan.report.figures import WIDTH, _theme, plt, save_figure, sns

#: the quantity of each system the figure draws (IRGAN: both phases)
PLOTTED = {"epoch": "{system} epoch", "d_epoch": "IRGAN D-epoch", "g_epoch": "IRGAN G-epoch + eval.",
           "fit": "{system} fit", "report": "evaluation (all test users)"}


def scale_lines(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (line, dataset) of the left panel: ``line, cells, seconds``."""
    rows = frame[frame["quantity"].isin(PLOTTED) & (frame["status"] == "ok")].copy()
    pairs = zip(rows["quantity"], rows["system"], strict=True)
    rows["line"] = [PLOTTED[q].format(system=s) for q, s in pairs]
    return rows[["line", "dataset", "cells", "seconds"]].sort_values(["line", "cells"])


def scale_figure(frame: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write the two panels to ``path`` (its suffix names the format)."""
    _theme()
    lines = scale_lines(frame)
    memory = frame[frame["system"] != "reference"].drop_duplicates(["dataset", "system"])
    figure, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 3.8))
    sns.lineplot(lines, x="cells", y="seconds", hue="line", marker="o", ax=left, legend=True)
    ran = memory[memory["status"] == "ok"]
    sns.lineplot(ran, x="cells", y="peak_rss_mb", hue="system", marker="o", ax=right, legend=True,
                 palette=sns.color_palette("tab10", ran["system"].nunique()))
    right.legend(loc="upper left", fontsize=6, frameon=False, title=None)
    failed = memory[memory["status"] != "ok"]
    for axis in (left, right):
        axis.set(xscale="log", yscale="log", xlabel="users x items")
    top = right.get_ylim()[1] if len(ran) else 1.0
    for _, row in failed.iterrows():
        right.plot(row["cells"], top, marker="x", color="crimson")
        right.annotate(f"{row['system']}: {row['status']}", (row["cells"], top), fontsize=7,
                       color="crimson", xytext=(-4, -10 - 9 * list(failed.index).index(row.name) % 40),
                       textcoords="offset points", ha="right")
    left.set(ylabel="seconds (one epoch / fit / evaluation)", title="Time")
    right.set(ylabel="peak resident memory (MB, whole process)", title="Memory")
    sizes = frame.drop_duplicates("dataset").sort_values("cells")
    for axis in (left, right):
        for _, size in sizes.iterrows():
            axis.axvline(size["cells"], color="0.85", lw=0.8, zorder=0)
    left.legend(loc="upper left", bbox_to_anchor=(0.0, -0.18), ncols=3, frameon=False, fontsize=7)
    figure.tight_layout()
    save_figure(figure, {str(path).rsplit(".", 1)[-1]: path})


#: the rows of the performance table: (system, quantity, label)
TABLE_ROWS = (
    ("dns", "epoch", "DNS pre-training: one epoch and its evaluation"),
    ("mle", "epoch", "MLE pre-training: one epoch and its evaluation"),
    ("discriminator", "epoch", "D pre-training: one epoch and its evaluation"),
    ("irgan", "d_epoch", "IRGAN: one D-epoch"),
    ("irgan", "g_epoch", "IRGAN: one G-epoch and its evaluation"),
    ("irgan", "outer_epoch", "IRGAN: the rest of an outer epoch (D's evaluation, the saved state)"),
    ("irgan", "setup", "IRGAN: set-up of a run"),
    ("bpr", "epoch", "BPR: one epoch and its evaluation"),
    ("lambdafm", "epoch", "LambdaFM (dynamic sampler): one epoch and its evaluation"),
    ("pop", "fit", "most-popular: fit and evaluation"),
    ("itemknn", "fit", "item-kNN: fit and evaluation"),
    ("ease", "fit", "EASE: fit and evaluation"),
    ("evaluation", "report", "evaluation of every test user (a run's per_user.csv)"),
)


def _seconds(value: float) -> str:
    if value >= 120:
        return f"{value / 60:.1f} min"
    return f"{value:.3g} s"


def _cell(rows: pd.DataFrame, quantity: str) -> str:
    if rows.empty:
        return "not run"
    first = rows.iloc[0]
    if first["status"] != "ok":
        return f"{first['status']}: {str(first['error']).removeprefix('error: ')[:90]}"
    match = rows[rows["quantity"] == quantity]
    if match.empty:
        return "not measured"
    return f"{_seconds(float(match['seconds'].iloc[0]))}, {float(first['peak_rss_mb']) / 1024:.1f} GB"


def performance_markdown(frame: pd.DataFrame, plan: dict, cores: int = 2) -> str:
    """The README's performance section: the table, the reference run against the plan, the study's
    time at each benchmarked size (``plan``: :func:`irgan.bench.scale.plan_summary`), all generated."""
    cpu = frame[frame["device"] == "cpu"]
    sizes = cpu.drop_duplicates("dataset").sort_values("cells")
    head = ["what"] + [f"{r['dataset']} ({int(r['users']):,} x {int(r['items']):,}, "
                       f"{int(r['positives']):,} positives)" for _, r in sizes.iterrows()]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for system, quantity, label in TABLE_ROWS:
        if system not in set(cpu["system"]):
            continue
        cells = [_cell(cpu[(cpu["dataset"] == name) & (cpu["system"] == system)], quantity)
                 for name in sizes["dataset"]]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    first = frame.iloc[0]
    text = [f"Seconds on the CPU with {int(first['threads'])} threads (and the process's peak memory), "
            f"measured by `snakemake scale` on {first['host']} ({int(first['cpu_count'])} cores):", "",
            *lines, ""]
    check = plan.get("reference_check")
    if check:
        others = check.get("estimate_from_other_sizes")
        text.append(
            f"One whole reference run ({check['schedule']}) on {check['dataset']} took "
            f"{_seconds(check['measured'])}; the plan estimated {_seconds(check['estimate'])} from the "
            f"measurements at that size ({check['error']:+.0%})"
            + (f" and {_seconds(others)} from the other sizes alone ({check['error_from_other_sizes']:+.0%})."
               if others is not None else "."))
        text.append("")
    for dataset, study in plan.get("studies", {}).items():
        text.append(f"- The default study on {dataset}: {study['jobs']} training jobs, about "
                    f"{study['hours']:.1f} h on {cores} idle cores (`python -m irgan.study.plan`, with these "
                    "figures).")
    return "\n".join(text) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m irgan.report.scale SCALE_CSV``: the figure and table beside the CSV (the plan's
    figures from ``scale_plan.json`` beside it, when there)."""
    import argparse
    import json
    from pathlib import Path

    from irgan.contract.io import write_text

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("csv", type=Path)
    args = parser.parse_args(argv)
    frame = pd.read_csv(args.csv)
    plan_json = args.csv.with_name("scale_plan.json")
    plan = json.loads(plan_json.read_text()) if plan_json.is_file() else {}
    scale_figure(frame, args.csv.with_suffix(".png"))
    write_text(args.csv.with_suffix(".md"), performance_markdown(frame, plan))
    print(f"{args.csv.with_suffix('.png')}, {args.csv.with_suffix('.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
