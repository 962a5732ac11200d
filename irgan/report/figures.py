"""The study's figures, from the statistics CSVs: PNG for the report, PDF for the paper.

Every figure colours a system the same way (:func:`system_palette`, built
from the full list of systems of a dataset), labels its axes with the metric
and the unit of averaging, and draws the intervals of the statistics
summary (:func:`irgan.analysis.stat_tests.seed_interval`): a Student-t interval over
3 or more seeds, truncated to the metric's range [0, 1]; with 2 seeds the
seeds' range, drawn differently and named so; none for a deterministic system.
Figures are sized for the report's width (about 1100 px at 150 dpi, 7.5 in),
with legends outside the data.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from irgan.analysis.stat_tests import seed_interval  # noqa: E402
from irgan.analysis.statistics import (  # noqa: E402
    CORRECTION_NAMES,
    StatisticsSettings,
    ablation_family_of,
    comparator_of,
    is_irgan,
)
from irgan.analysis.study_view import StudyView, drawn_interval  # noqa: E402
from irgan.contract.io import atomic_path  # noqa: E402
from irgan.contract.outputs import FIGURE_FORMATS as FORMATS  # noqa: E402
from irgan.contract.outputs import FIGURE_NAMES  # noqa: E402, F401  (re-exported)
from irgan.formatting import protocol_name  # noqa: E402
from irgan.protocol import SELECTIONS  # noqa: E402
from irgan.published import METRICS, TABLE3_ML100K, closest_row  # noqa: E402
from irgan.report.tables import PUBLISHED_TABLE3_DATASETS  # noqa: E402


def system_order(systems: Sequence[str], reference: str = "irgan-code") -> list[str]:
    """The reference first, then the other IRGAN variants, then the baselines (alphabetical)."""
    unique = sorted(set(systems))
    return sorted(unique, key=lambda s: (s != reference, not is_irgan(s), s))


def system_palette(systems: Sequence[str], reference: str = "irgan-code") -> dict[str, tuple]:
    """One colour per system, fixed by the system's place in :func:`system_order`.

    The reference is black; baselines take the qualitative tab10 colours (so
    the few of them that figures set side by side differ clearly) and IRGAN
    variants a hue circle of their own.
    """
    order = system_order(systems, reference)
    baselines = [s for s in order if s != reference and not is_irgan(s)]
    variants = [s for s in order if s != reference and is_irgan(s)]
    if len(baselines) <= 10:
        base_colours = sns.color_palette("tab10", len(baselines))
    elif len(baselines) <= 20:
        base_colours = sns.color_palette("tab20", len(baselines))
    else:
        base_colours = sns.color_palette("husl", len(baselines))
    palette = dict(zip(baselines, base_colours, strict=True))
    palette |= dict(zip(variants, sns.husl_palette(len(variants), l=0.5, s=0.9), strict=True))
    if reference in order:
        palette[reference] = (0.0, 0.0, 0.0)
    return palette


def save_figure(figure: plt.Figure, paths: dict[str, str | os.PathLike]) -> None:
    """Write the figure in each format of ``paths`` atomically, then close it."""
    try:
        for fmt, path in paths.items():
            with atomic_path(path) as tmp:
                figure.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight")
    finally:
        plt.close(figure)


def figure_paths(directory: str | os.PathLike, name: str) -> dict[str, Path]:
    return {fmt: Path(directory) / f"{name}.{fmt}" for fmt in FORMATS}


WIDTH = 7.5  # inches: about 1100 px at the saved 150 dpi, the report's width, so text keeps its size


def _theme() -> None:
    sns.set_theme(
        context="paper",
        style="whitegrid",
        rc={
            "font.size": 9,
            "axes.titlesize": 9,
            "axes.labelsize": 9,
            "xtick.labelsize": 8,
            "ytick.labelsize": 8,
            "legend.fontsize": 8,
            "figure.titlesize": 10,
        },
    )


def _empty(message: str) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(WIDTH, 1.6))
    axis.axis("off")
    axis.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=10)
    return figure


# --------------------------------------------------------------------------- intervals


INTERVAL_STYLE = {  # kind -> errorbar keywords; the legend names each
    "t": {"fmt": "o", "capsize": 2.5, "elinewidth": 1.4, "markersize": 5},
    "range": {"fmt": "o", "capsize": 0, "elinewidth": 0.9, "markersize": 5},
    "deterministic": {"fmt": "s", "capsize": 0, "elinewidth": 0, "markersize": 5},
    "single": {"fmt": "o", "capsize": 0, "elinewidth": 0, "markersize": 5},
}


def interval_label(kind: str, confidence: float) -> str:
    return {
        "t": f"mean, {confidence:.0%} t interval over seeds, within [0, 1] (3+ seeds)",
        "range": "mean, range of 2 seeds (too few for a CI)",
        "deterministic": "same value for every seed: no interval",
        "single": "one seed: no interval",
    }.get(kind, kind)


def draw_estimate(axis, x: float, y: float, low: float, high: float, kind: str, colour, **extra) -> None:
    """One mean with its bar, in the style of its interval kind (dotted bar for a 2-seed range)."""
    style = dict(INTERVAL_STYLE.get(kind, INTERVAL_STYLE["single"]))
    style.update(extra)
    if kind in ("t", "range") and math.isfinite(low) and math.isfinite(high):
        xerr = [[max(x - low, 0)], [max(high - x, 0)]]
    else:
        xerr = None
    bars = axis.errorbar(x, y, xerr=xerr, color=colour, zorder=4, **style)
    if kind == "range" and xerr is not None:
        for line in bars.lines[2]:
            line.set_linestyle(":")


def one_seed_handle(label: str) -> Line2D:
    """The legend entry of the open circles that show single seeds."""
    return Line2D([], [], marker="o", markerfacecolor="none", markeredgecolor="black", linestyle="none",
                  markersize=4, label=label)


def interval_handles(kinds: set[str], confidence: float) -> list:
    """Legend entries (black proxies) for the interval kinds drawn."""
    handles = []
    for kind in ("t", "range", "deterministic", "single"):
        if kind in kinds:
            style = INTERVAL_STYLE[kind]
            handles.append(
                Line2D(
                    [],
                    [],
                    color="black",
                    marker=style["fmt"],
                    linestyle=":" if kind == "range" else ("-" if kind == "t" else "none"),
                    markersize=5,
                    label=interval_label(kind, confidence),
                )
            )
    return handles


# --------------------------------------------------------------------------- learning curves


def curve_bands(curves: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and range (min to max) over seeds per system, model, split and epoch (vectorised).

    A range, not a t interval: it stays within the metric's range whatever the
    number of seeds (a t interval over 2 seeds runs far below 0). ``confidence``
    is kept for callers and unused.
    """
    keys = ["system", "model", "split", "epoch"]
    grouped = curves.groupby(keys)["value"].agg(["mean", "min", "max", "count"]).reset_index()
    single = grouped["count"] < 2
    return grouped.assign(low=grouped["min"].where(~single), high=grouped["max"].where(~single)).drop(
        columns=["min", "max"]
    )


def _curve_panels(systems: list[str], settings: StatisticsSettings) -> dict[str, list[str]]:
    """IRGAN variants by ablation family (each panel also shows the reference, and the comparator a
    family names for a member), then the baselines."""
    families = settings.families or {}
    panels: dict[str, list[str]] = {}
    for system in systems:
        if system == settings.reference:
            continue
        if is_irgan(system):
            panel = ("equal-budget" if settings.equal_budget_member(system)
                     else ablation_family_of(system, families))
        else:
            panel = "baselines"
        panels.setdefault(panel, []).append(system)
    for members in panels.values():  # a member's own comparator (``against``) is shown beside it
        comparators = [comparator_of(m, families, settings.reference) for m in members]
        members += [c for c in dict.fromkeys(comparators)
                    if c != settings.reference and c in systems and c not in members]
    if settings.reference in systems and not any(p != "baselines" for p in panels):
        panels["reference"] = []
    names = sorted(panels, key=lambda p: (p == "baselines", p == "other", p))
    return {name: panels[name] for name in names}


def _panel_colours(systems: Sequence[str], reference: str) -> dict[str, tuple]:
    """Distinct colours within one panel: the reference black, the others tab10 in order."""
    others = [s for s in systems if s != reference]
    colours = dict(zip(others, sns.color_palette("tab10", max(len(others), 1)), strict=False))
    return colours | {reference: (0.0, 0.0, 0.0)}


def learning_curves(
    curves: pd.DataFrame, settings: StatisticsSettings, palette: dict, selection: str = "validation"
) -> plt.Figure:
    """Validation and test metric per epoch: one row per IRGAN variant family, the baselines last.

    Why rows, not one wide row: at the report's width six columns made the
    ticks and legends unreadable. IRGAN rows count G-epochs (outer epochs of
    the adversarial game) and share that x-axis; the baselines row counts
    their own training epochs on its own axis. Each row's legend sits outside
    the data on the right. Line: mean over seeds; band: range over seeds;
    G solid, D dashed.
    """
    _theme()
    data = curves[curves["selection"] == selection]
    if data.empty:
        data = curves[curves["selection"] == "test"]
        selection = "test"
    if data.empty:
        return _empty("No learning curves were recorded.")
    metric = str(data["metric"].iloc[0])
    bands = curve_bands(data)
    points = bands.groupby(["system", "model", "split"])["epoch"].transform("size")
    bands = bands[points > 1]  # a system evaluated once (pop, itemknn, ease) has no curve
    if bands.empty:
        return _empty("No system has a learning curve with more than one evaluated epoch.")
    systems = sorted(bands["system"].unique())
    panels = _curve_panels(systems, settings)
    splits = [s for s in ("validation", "test") if s in set(bands["split"])]
    figure, axes = plt.subplots(
        len(panels),
        len(splits),
        squeeze=False,
        figsize=(WIDTH + 0.5, 2.0 * len(panels) + 0.9),
    )
    irgan_axes = [axes[r][c] for r, p in enumerate(panels) if p != "baselines" for c in range(len(splits))]
    for axis in irgan_axes[1:]:
        axis.sharex(irgan_axes[0])
    styles = {"G": "-", "D": "--"}
    seeds = data.groupby("system")["seed"].nunique()
    for row, (panel, members) in enumerate(panels.items()):
        shown = (
            members
            if panel == "baselines"
            else ([settings.reference] if settings.reference in systems else []) + members
        )
        handles, models = [], set()
        colours = _panel_colours(shown, settings.reference)
        for column, split in enumerate(splits):
            axis = axes[row][column]
            for system in shown:
                lines = bands[(bands["system"] == system) & (bands["split"] == split)]
                for model, band in lines.groupby("model"):
                    band = band.sort_values("epoch")
                    models.add(model if model in styles else "G")
                    axis.plot(
                        band["epoch"],
                        band["mean"],
                        styles.get(model, "-"),
                        color=colours[system],
                        linewidth=1.5 if system == settings.reference else 1.2,
                    )
                    axis.fill_between(
                        band["epoch"],
                        band["low"],
                        band["high"],
                        color=colours[system],
                        alpha=0.15,
                        linewidth=0,
                    )
            axis.set_title(f"{panel}: {split} {metric}", loc="left")
            axis.set_xlabel("G-epoch (IRGAN)" if panel != "baselines" else "epoch (baseline training)")
            axis.set_ylabel(f"{metric}" if column == 0 else "")
            axis.tick_params(axis="both", labelsize=8)
        for system in shown:
            if system in set(bands["system"]):
                label = system + (" (reference)" if system == settings.reference else "")
                handles.append(Line2D([], [], color=colours[system], linewidth=2, label=label))
        if panel != "baselines" and "D" in models:
            handles += [
                Line2D([], [], color="black", linestyle="-", label="G (generator)"),
                Line2D([], [], color="black", linestyle="--", label="D (discriminator)"),
            ]
        axes[row][-1].legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=8
        )
    n_seeds = sorted(set(seeds))
    figure.suptitle(
        f"Learning curves of the {protocol_name(selection)} runs (epoch chosen on {selection}): "
        f"line = mean over seeds ({', '.join(map(str, n_seeds))} seeds), band = range over seeds",
        fontsize=9,
        x=0.02,
        ha="left",
    )
    figure.tight_layout()
    return figure


# --------------------------------------------------------------------------- metrics per system


def metric_points(
    seed_metrics: pd.DataFrame, summary: pd.DataFrame, settings: StatisticsSettings, palette: dict
) -> plt.Figure:
    """Each metric per system and selection rule: seed mean with its interval, seeds as open dots.

    Means and intervals are the summary's (the tables' numbers). Each
    selection rule lists only the systems run under it (no empty rows), in
    four metric columns (eight columns were unreadable at the report's width);
    drawn with matplotlib directly, as seaborn's categorical plots are slow here.
    """
    _theme()
    if seed_metrics.empty:
        return _empty("No converged run.")
    view = StudyView(summary, reference=settings.reference)
    metrics = [m for m in METRICS if m in set(seed_metrics["metric"])]
    selections = [s for s in SELECTIONS if s in set(seed_metrics["selection"])]
    columns = min(4, len(metrics))
    metric_rows = [metrics[i : i + columns] for i in range(0, len(metrics), columns)]
    blocks = []  # (selection, metrics of the row, systems)
    for selection in selections:
        systems = system_order(
            seed_metrics.loc[seed_metrics["selection"] == selection, "system"], settings.reference
        )
        blocks += [(selection, row, systems) for row in metric_rows]
    heights = [0.145 * len(systems) + 0.6 for _, _, systems in blocks]
    figure, axes = plt.subplots(
        len(blocks),
        columns,
        squeeze=False,
        figsize=(WIDTH + 0.5, sum(heights) + 1.4),  # height: see below
        gridspec_kw={"height_ratios": heights},
    )
    kinds: set[str] = set()
    for row, (selection, row_metrics, order) in enumerate(blocks):
        position = {system: i for i, system in enumerate(order)}
        for column in range(columns):
            axis = axes[row][column]
            if column >= len(row_metrics):
                axis.axis("off")
                continue
            metric = row_metrics[column]
            seeds = seed_metrics[
                (seed_metrics["selection"] == selection) & (seed_metrics["metric"] == metric)
            ]
            means = view.summary_rows(selection, metric, converged=True)
            for system, group in seeds.groupby("system"):
                axis.scatter(
                    group["value"],
                    np.full(len(group), position[system] + 0.28),
                    s=9,
                    facecolors="none",
                    edgecolors=palette.get(system, "grey"),
                    linewidths=0.8,
                    zorder=3,
                )
            for _, r in means.iterrows():
                low, high, kind = drawn_interval(r)
                kinds.add(kind)
                draw_estimate(
                    axis, r["mean"], position[r["system"]], low, high, kind, palette.get(r["system"])
                )
            axis.set_ylim(len(order) - 0.4, -0.6)  # first system on top
            axis.set_yticks(range(len(order)), order if column == 0 else [""] * len(order))
            axis.set_xlabel(f"test {metric}")
            if column == 0:
                axis.set_ylabel(protocol_name(selection))
            axis.tick_params(axis="x", labelsize=7, rotation=30)
            axis.tick_params(axis="y", labelsize=7)
    handles = interval_handles(kinds, settings.confidence) + [one_seed_handle("one seed (mean over users)")]
    figure.legend(handles=handles, loc="lower center", ncol=2, frameon=False, bbox_to_anchor=(0.5, 0.0))
    height = sum(heights) + 1.4
    figure.suptitle(
        "Test metrics per system: paper protocol (epoch chosen on test) above, honest protocol "
        "(on validation) below",
        fontsize=9,
    )
    figure.tight_layout(rect=(0, (0.25 + 0.2 * ((len(handles) + 1) // 2)) / height, 1, 1 - 0.3 / height))
    return figure


# --------------------------------------------------------------------------- paper vs reproduced


def paper_vs_reproduced(
    summary: pd.DataFrame,
    settings: StatisticsSettings,
    palette: dict,
    audit: pd.DataFrame | None = None,
    selection: str = "test",
    published: dict[str, tuple[float, ...]] = TABLE3_ML100K,
    dataset: str | None = None,
    published_datasets: Sequence[str] = PUBLISHED_TABLE3_DATASETS,
) -> plt.Figure:
    """Each published Table 3 figure (open diamond) beside our mean and interval (filled dot).

    Only on the dataset Table 3 was published for: on any other dataset the
    file holds a note saying so instead (same file name, so the workflow's
    outputs do not change), as MovieLens figures say nothing about other data.
    """
    _theme()
    if dataset is None and len(summary):
        dataset = str(summary["dataset"].iloc[0])
    if dataset not in published_datasets:
        return _empty(
            f"No published figures for dataset '{dataset}'.\nThe paper's Table 3 is MovieLens-100k "
            f"({', '.join(published_datasets)}); this study's figures for '{dataset}'\nare in the "
            "metric-points figure and the systems tables, with no reproduction claim."
        )
    paper_rows = settings.paper_rows or {}
    view = StudyView(summary, reference=settings.reference)
    rows = list(published)
    figure, axes = plt.subplots(4, 2, figsize=(WIDTH, 7.6), sharey=True)
    released_markers = ["X", "P", "^", "v"]
    kinds: set[str] = set()
    for axis, metric in zip(axes.flat, METRICS, strict=True):
        for y, row_name in enumerate(rows):
            paper_value = published[row_name][METRICS.index(metric)]
            axis.scatter(
                paper_value,
                y,
                marker="D",
                facecolors="none",
                edgecolors="black",
                s=36,
                zorder=3,
                linewidths=1.2,
            )
            system = paper_rows.get(row_name)
            r = view.mean(system, metric, selection)
            if r is not None:
                low, high, kind = drawn_interval(r)
                kinds.add(kind)
                draw_estimate(axis, r["mean"], y + 0.2, low, high, kind, palette.get(system, "grey"))
        if audit is not None and len(audit):
            for k, (_, group) in enumerate(audit.groupby("checkpoint", sort=False)):
                values = dict(zip(group["metric"], group["value"], strict=True))
                closest = closest_row(values, published)
                axis.scatter(
                    values[metric],
                    rows.index(closest) - 0.2,
                    marker=released_markers[k % len(released_markers)],
                    color="dimgray",
                    s=30,
                    zorder=5,
                )
        axis.set_xlabel(f"test {metric} (mean over users)")
        axis.set_yticks(range(len(rows)), rows)
        axis.set_ylim(len(rows) - 0.4, -0.6)
        axis.tick_params(axis="both", labelsize=8)
    handles = [
        Line2D(
            [],
            [],
            marker="D",
            markerfacecolor="none",
            markeredgecolor="black",
            linestyle="none",
            label="published (Table 3)",
        )
    ]
    handles += interval_handles(kinds, settings.confidence)
    if audit is not None and len(audit):
        handles += [
            Line2D(
                [],
                [],
                marker=released_markers[k % len(released_markers)],
                color="dimgray",
                linestyle="none",
                label=f"released {checkpoint}, evaluated once",
            )
            for k, checkpoint in enumerate(dict.fromkeys(audit["checkpoint"]))
        ]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            color=palette.get(system, "grey"),
            linestyle="none",
            label=f"reproduced {system}",
        )
        for system in dict.fromkeys(paper_rows.values())
    ]
    figure.legend(handles=handles, loc="lower center", ncol=2, frameon=False, fontsize=8)
    figure.suptitle(
        f"Table 3 of the paper (MovieLens-100k) against the reproduction on {dataset}, "
        f"{protocol_name(selection)}",
        fontsize=9,
    )
    figure.tight_layout(rect=(0, 0.028 * ((len(handles) + 1) // 2), 1, 1))
    return figure


# --------------------------------------------------------------------------- per-user differences


def headline_differences(
    per_user_means: pd.DataFrame,
    comparisons: pd.DataFrame,
    settings: StatisticsSettings,
    palette: dict,
    baselines: dict[str, str],
) -> plt.Figure:
    """Distribution of per-user differences, reference IRGAN minus the best paper baseline, per protocol.

    ``baselines`` maps each selection rule to the baseline compared against
    (the best one under that rule).
    """
    _theme()
    metric = settings.headline_metric
    selections = [s for s in SELECTIONS if s in baselines]
    if not selections:
        return _empty("The headline comparison has no runs.")
    figure, axes = plt.subplots(1, len(selections), squeeze=False, figsize=(WIDTH, 3.6))
    view = StudyView(None, comparisons, reference=settings.reference)
    for axis, selection in zip(axes[0], selections, strict=True):
        baseline = baselines[selection]
        data = per_user_means[per_user_means["selection"] == selection]
        a = data[data["system"] == settings.reference].set_index("user")[metric]
        b = data[data["system"] == baseline].set_index("user")[metric]
        diff = (a - b.reindex(a.index)).dropna()
        sns.histplot(
            diff,
            ax=axis,
            color="dimgray",
            discrete=False,
            bins=min(41, max(10, int(np.sqrt(len(diff))) * 2)),
            stat="count",
        )
        r = view.comparison(settings.reference, baseline, metric, selection, kind="irgan-vs-baseline")
        axis.axvline(0, color="black", linewidth=0.8)
        if r is not None:
            axis.axvspan(
                r["boot_low"],
                r["boot_high"],
                color="crimson",
                alpha=0.2,
                label=f"{settings.confidence:.0%} bootstrap CI (users)",
            )
            axis.axvline(r["mean_diff"], color="crimson", linewidth=1.2, label=f"mean {r['mean_diff']:+.4f}")
            correction = CORRECTION_NAMES.get(str(r["correction"]), str(r["correction"]))
            axis.set_title(
                f"{protocol_name(selection)}: t-test p ({correction}) = {r['p_adjusted']:.2g}, "
                f"d_z = {r['d_z']:.2f}\ndetectable |Δ| {r['detectable_effect']:.4f}; users with no "
                f"difference: {int(r['n_zero_diff'])} of {int(r['n_users'])}",
                fontsize=8,
            )
        axis.set_xlabel(f"{metric}: {settings.reference} − {baseline}\nper user (mean over seeds)")
        axis.set_ylabel("users")
        axis.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=2, frameon=False)
    figure.tight_layout()
    return figure


# --------------------------------------------------------------------------- selection optimism


def selection_optimism(
    optimism: pd.DataFrame, summary: pd.DataFrame, settings: StatisticsSettings, palette: dict
) -> plt.Figure:
    """Left: optimism of test selection within honest runs; right: paper-protocol vs honest runs.

    Each panel has its own legend below it. The optimism is never negative,
    and its interval (:func:`seed_interval`) cannot be either.
    """
    _theme()
    metric = settings.headline_metric
    honest = optimism[optimism["selection"] == "validation"]
    view = StudyView(summary, reference=settings.reference)
    means = view.summary_rows(metric=metric, converged=True)
    if honest.empty and means.empty:
        return _empty("No run records the curves needed for the selection optimism.")
    order = system_order(set(honest["system"]) | set(means["system"]), settings.reference)
    figure, axes = plt.subplots(
        2,
        2,
        figsize=(WIDTH + 0.5, 0.2 * len(order) + 3.0),
        gridspec_kw={"height_ratios": [0.2 * len(order) + 1.4, 1.1]},
    )
    (left, right), (left_key, right_key) = axes
    right.sharey(left)
    left_key.axis("off")  # each panel's legend, below it and outside the data
    right_key.axis("off")
    left_kinds: set[str] = set()
    for y, system in enumerate(order):
        values = honest.loc[honest["system"] == system, "optimism"].dropna()
        if values.empty:
            continue
        colour = palette.get(system, "grey")
        left.scatter(
            values,
            np.full(len(values), y + 0.28),
            s=9,
            facecolors="none",
            edgecolors=colour,
            linewidths=0.8,
            zorder=3,
        )
        mean, low, high, kind = seed_interval(values, settings.confidence)
        left_kinds.add(kind)
        draw_estimate(left, mean, y, low, high, kind, colour)
    left.axvline(0, color="black", linewidth=0.8)
    left.set_xlabel(
        f"optimism: best test {metric} over epochs\n− test {metric} at the validation-chosen epoch"
    )
    left.set_ylabel("system")
    left.set_title("Optimism of choosing the epoch on test\n(honest runs)", fontsize=9)
    left_key.legend(
        handles=interval_handles(left_kinds, settings.confidence) + [one_seed_handle("one seed")],
        loc="upper right",
        frameon=False,
        fontsize=8,
    )
    right_kinds: set[str] = set()
    for y, system in enumerate(order):
        points = {}
        for selection, offset in (("test", -0.18), ("validation", 0.18)):
            r = view.mean(system, metric, selection)
            if r is not None:
                low, high, kind = drawn_interval(r)
                right_kinds.add(kind)
                colour = palette.get(system, "grey")
                draw_estimate(
                    right,
                    r["mean"],
                    y + offset,
                    low,
                    high,
                    kind,
                    colour,
                    fmt="D"
                    if selection == "test"
                    else INTERVAL_STYLE.get(kind, INTERVAL_STYLE["single"])["fmt"],
                    mfc="white" if selection == "test" else colour,
                )
                points[selection] = r["mean"]
        if len(points) == 2:
            right.plot(
                [points["test"], points["validation"]],
                [y - 0.18, y + 0.18],
                color=palette.get(system, "grey"),
                linewidth=0.8,
            )
    right.set_xlabel(f"test {metric} (mean over seeds)")
    right.set_title("Paper-protocol runs against honest runs", fontsize=9)
    right_key.legend(
        handles=[
            Line2D(
                [],
                [],
                marker="D",
                markerfacecolor="white",
                markeredgecolor="black",
                linestyle="none",
                label="paper protocol (epoch on test)",
            ),
            Line2D(
                [],
                [],
                marker="o",
                color="black",
                linestyle="none",
                label="honest protocol (epoch on validation)",
            ),
        ]
        + interval_handles(right_kinds - {"single"}, settings.confidence),
        loc="upper left",
        frameon=False,
        fontsize=8,
    )
    left.set_yticks(range(len(order)), order)
    left.set_ylim(len(order) - 0.4, -0.6)
    left.tick_params(axis="y", labelsize=8)
    right.tick_params(axis="y", labelleft=False)
    figure.tight_layout()
    return figure


# --------------------------------------------------------------------------- the claims ledger


#: a verdict's colour in the ledger's figure
VERDICT_COLOURS = {
    "reproduced": "#1b7837",
    "reproduced only under test-set selection": "#e08214",
    "not reproduced": "#b2182b",
    "inconclusive at this power": "#636363",
}


def claims_figure(ledger: pd.DataFrame, settings: StatisticsSettings) -> plt.Figure:
    """Each claim of the ledger (:func:`irgan.analysis.claims.ledger`): its effect with the
    interval under the paper protocol (open diamond) and the honest one (filled dot), the
    published value where there is one (a cross: the published difference, or 0 for a published
    figure, whose effect is ours minus it), and the verdict in its colour at the right."""
    _theme()
    if ledger.empty:
        return _empty("No claim of statistics.claims applies to this dataset.")
    rows = ledger.reset_index(drop=True)
    height = 0.34 * len(rows) + 1.9
    figure, axis = plt.subplots(figsize=(WIDTH, height))
    marked = False
    for y, row in rows.iterrows():
        colour = VERDICT_COLOURS.get(row["verdict"], "black")
        for column, offset, marker, face in (("paper", -0.17, "D", "white"), ("honest", 0.17, "o", colour)):
            effect, low, high = row[f"effect_{column}"], row[f"low_{column}"], row[f"high_{column}"]
            if not math.isfinite(effect):
                continue
            xerr = None
            if math.isfinite(low) and math.isfinite(high):
                xerr = [[max(effect - low, 0)], [max(high - effect, 0)]]
            axis.errorbar(effect, y + offset, xerr=xerr, fmt=marker, color=colour, mfc=face, capsize=2,
                          markersize=4.5, elinewidth=1.1, zorder=4)
        if math.isfinite(row["published"]):
            axis.plot(0.0 if row["kind"] == "published" else row["published"], y, marker="x", color="black",
                      markersize=6, zorder=5)
            marked = True
        axis.text(1.01, y, row["verdict"], transform=axis.get_yaxis_transform(), va="center",
                  fontsize=7.5, color=colour)
    axis.axvline(0, color="black", linewidth=0.8)
    labels = [name if name.endswith(metric) else f"{name} ({metric})"
              for name, metric in zip(rows["claim_id"], rows["metric"], strict=True)]
    axis.set_yticks(range(len(rows)), labels)
    axis.set_ylim(len(rows) - 0.4, -0.6)
    axis.tick_params(axis="y", labelsize=7.5)
    axis.set_xlabel("effect: system − comparator (paired over users), ours − published or the optimism "
                    "of test selection (over seeds)\nabove 0: the system higher; each with its interval")
    axis.set_title(f"The claims ledger: each claim's effect under both protocols "
                   f"({settings.confidence:.0%} intervals) and its verdict", fontsize=9)
    handles = [
        Line2D([], [], marker="D", markerfacecolor="white", markeredgecolor="black", linestyle="-",
               color="black", label="paper protocol (epoch chosen on test)"),
        Line2D([], [], marker="o", color="black", linestyle="-",
               label="honest protocol (epoch on validation)"),
    ]
    if marked:
        handles.append(Line2D([], [], marker="x", color="black", linestyle="none",
                              label="published (for a published figure: at 0)"))
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=8)
    figure.tight_layout(rect=(0, 0.35 / height, 1, 1))
    return figure


# --------------------------------------------------------------------------- all figures of a dataset


def fidelity_curves(curves: pd.DataFrame, settings: StatisticsSettings, palette: dict) -> plt.Figure:
    """Each original (the authors' code run by the study) and its re-implementation per epoch, test
    rule: mean over seeds with the range over seeds as a band (left), and the difference of the
    means (right); one row per pair."""
    _theme()
    if curves.empty:
        return _empty("The authors' own code did not run in this study (authors_code.seeds is empty, or "
                      "the dataset does not publish the released start): no fidelity curves.")
    metric = str(curves["metric"].iloc[0])
    pairs = list(curves.groupby(["original", "reference"], sort=False))
    figure, axes = plt.subplots(len(pairs), 2, squeeze=False, figsize=(WIDTH + 0.5, 2.6 * len(pairs) + 0.6))
    for (left, right), ((original, reference), pair) in zip(axes, pairs, strict=True):
        colours = _panel_colours([reference, original], reference)
        handles = []
        for system in (reference, original):
            band = pair[pair["system"] == system].sort_values("epoch")
            # the re-implementation wider, so that it shows where the two lines coincide
            left.plot(band["epoch"], band["mean"], color=colours[system],
                      linewidth=2.4 if system == reference else 1.2)
            left.fill_between(band["epoch"], band["low"], band["high"], color=colours[system], alpha=0.2,
                              linewidth=0)
            role = "re-implementation" if system == reference else "original code"
            label = f"{system} ({role}, {int(band['n_seeds'].max())} seeds)"
            handles.append(Line2D([], [], color=colours[system], linewidth=2, label=label))
        wide = pair.pivot(index="epoch", columns="system", values="mean").dropna()
        right.axhline(0, color="black", linewidth=0.8)
        right.plot(wide.index, (wide[original] - wide[reference]).to_numpy(), color=colours[original],
                   linewidth=1.2)
        right.set_title(f"difference of means: {original} − {reference}", loc="left")
        left.set_title(f"test {metric} per epoch (paper protocol)", loc="left")
        for axis in (left, right):
            axis.set_xlabel("G-epoch" if original.startswith("irgan-") else "epoch")
        left.set_ylabel(metric)
        right.set_ylabel(f"Δ {metric}")
        left.legend(handles=handles, loc="lower right", frameon=False, fontsize=7)
    figure.suptitle("The authors' own code against the re-implementation: line = mean over seeds, "
                    "band = range over seeds", fontsize=9, x=0.02, ha="left")
    figure.tight_layout()
    return figure


def best_baselines(summary: pd.DataFrame, settings: StatisticsSettings) -> dict[str, str]:
    """Per selection rule, the paper baseline with the highest mean on the headline metric."""
    view = StudyView(summary, reference=settings.reference)
    best = {selection: view.best_of(settings.headline_against, settings.headline_metric, selection)
            for selection in view.selections()}
    return {selection: system for selection, system in best.items() if system is not None}


def build_figures(
    statistics: dict[str, pd.DataFrame],
    settings: StatisticsSettings,
    audit: pd.DataFrame | None = None,
    dataset: str | None = None,
) -> dict[str, plt.Figure]:
    """Every figure of :data:`FIGURE_NAMES` (the caller saves and closes them)."""
    summary = statistics["summary"]
    if dataset is None and len(summary):
        dataset = str(summary["dataset"].iloc[0])
    palette = system_palette(summary["system"].unique(), settings.reference)
    return {
        "learning_curves": learning_curves(statistics["curves"], settings, palette),
        "metric_points": metric_points(statistics["seed_metrics"], summary, settings, palette),
        "paper_vs_reproduced": paper_vs_reproduced(summary, settings, palette, audit, dataset=dataset),
        "headline_differences": headline_differences(
            statistics["per_user_means"],
            statistics["comparisons"],
            settings,
            palette,
            best_baselines(summary, settings),
        ),
        "selection_optimism": selection_optimism(statistics["optimism"], summary, settings, palette),
        "fidelity_curves": fidelity_curves(statistics["fidelity_curves"], settings, palette),
    }
