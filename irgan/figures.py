"""The study's figures, from the statistics CSVs: PNG for the report, PDF for the paper.

Every figure colours a system the same way (:func:`system_palette`, built
from the full list of systems of a dataset), labels its axes with the metric
and the unit of averaging, and draws intervals as the same Student-t
intervals over seeds that the tables print.
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
from scipy import stats  # noqa: E402

from irgan.io import atomic_path  # noqa: E402
from irgan.paper import METRICS, TABLE3_ML100K  # noqa: E402
from irgan.statistics import StatisticsSettings, ablation_family_of, is_irgan, t_interval  # noqa: E402
from irgan.study_outputs import FIGURE_FORMATS as FORMATS  # noqa: E402
from irgan.study_outputs import FIGURE_NAMES  # noqa: E402, F401  (re-exported)

SELECTION_LABELS = {
    "test": "paper protocol (epoch chosen on test)",
    "validation": "honest protocol (epoch chosen on validation)",
}
SHORT_SELECTION_LABELS = {"test": "paper protocol", "validation": "honest protocol"}


def system_order(systems: Sequence[str], reference: str = "irgan-code") -> list[str]:
    """The reference first, then the other IRGAN variants, then the baselines (alphabetical)."""
    unique = sorted(set(systems))
    return sorted(unique, key=lambda s: (s != reference, not is_irgan(s), s))


def system_palette(systems: Sequence[str], reference: str = "irgan-code") -> dict[str, tuple]:
    """One colour per system, fixed by the system's place in :func:`system_order`."""
    order = system_order(systems, reference)
    if len(order) <= 10:
        colours = sns.color_palette("tab10", len(order))
    elif len(order) <= 20:
        colours = sns.color_palette("tab20", len(order))
    else:
        colours = sns.color_palette("husl", len(order))
    return dict(zip(order, colours, strict=True))


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


def _theme() -> None:
    sns.set_theme(context="paper", style="whitegrid", font_scale=1.0)


def _empty(message: str) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(6, 2))
    axis.axis("off")
    axis.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
    return figure


# --------------------------------------------------------------------------- learning curves


def curve_bands(curves: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean and t interval over seeds per system, model, split and epoch (vectorised)."""
    keys = ["system", "model", "split", "epoch"]
    grouped = curves.groupby(keys)["value"].agg(["mean", "std", "count"]).reset_index()
    half = np.where(
        grouped["count"] > 1,
        stats.t.ppf((1 + confidence) / 2, np.maximum(grouped["count"] - 1, 1))
        * grouped["std"].fillna(0)
        / np.sqrt(grouped["count"]),
        np.nan,
    )
    return grouped.assign(low=grouped["mean"] - half, high=grouped["mean"] + half)


def learning_curves(
    curves: pd.DataFrame, settings: StatisticsSettings, palette: dict, selection: str = "validation"
) -> plt.Figure:
    """Test and validation metric per epoch of G and D: one column per variant family.

    Rows: the split evaluated; columns: the ablation families (each with the
    reference IRGAN for scale) and the trained baselines; colour: system;
    line style: model (generator solid, discriminator dashed).
    """
    _theme()
    data = curves[curves["selection"] == selection]
    if data.empty:
        data = curves[curves["selection"] == "test"]
        selection = "test"
    if data.empty:
        return _empty("No learning curves were recorded.")
    metric = str(data["metric"].iloc[0])
    bands = curve_bands(data, settings.confidence)
    families = settings.families or {}
    systems = sorted(bands["system"].unique())
    panels: dict[str, list[str]] = {}
    for system in systems:
        if system == settings.reference:
            continue
        panel = ablation_family_of(system, families) if is_irgan(system) else "baselines"
        panels.setdefault(panel, []).append(system)
    if not panels:
        panels = {"reference": []}
    panel_names = sorted(panels, key=lambda p: (p == "baselines", p == "other", p))
    splits = [s for s in ("validation", "test") if s in set(bands["split"])]
    figure, axes = plt.subplots(
        len(splits),
        len(panel_names),
        squeeze=False,
        sharey="row",
        figsize=(3.6 * len(panel_names), 2.8 * len(splits)),
    )
    styles = {"G": "-", "D": "--"}
    for row, split in enumerate(splits):
        for column, panel in enumerate(panel_names):
            axis = axes[row][column]
            shown = ([settings.reference] if settings.reference in systems else []) + panels[panel]
            for system in shown:
                lines = bands[(bands["system"] == system) & (bands["split"] == split)]
                for model, band in lines.groupby("model"):
                    band = band.sort_values("epoch")
                    label = f"{system} ({model})" if model in styles else system
                    axis.plot(
                        band["epoch"],
                        band["mean"],
                        styles.get(model, "-"),
                        color=palette[system],
                        label=label,
                        linewidth=1.2,
                    )
                    axis.fill_between(
                        band["epoch"],
                        band["low"],
                        band["high"],
                        color=palette[system],
                        alpha=0.2,
                        linewidth=0,
                    )
            if row == 0:
                axis.set_title(panel)
            axis.set_xlabel("epoch")
            axis.set_ylabel(f"{split} {metric} (mean over users)" if column == 0 else "")
            if row == len(splits) - 1:
                axis.legend(fontsize=6, loc="lower right")
    figure.suptitle(
        f"Learning curves, {SELECTION_LABELS[selection]}: mean over seeds with "
        f"{settings.confidence:.0%} t interval; G solid, D dashed",
        fontsize=9,
    )
    figure.tight_layout()
    return figure


# --------------------------------------------------------------------------- metrics per system


def metric_points(
    seed_metrics: pd.DataFrame, summary: pd.DataFrame, settings: StatisticsSettings, palette: dict
) -> plt.Figure:
    """Each metric per system and selection rule: seed mean with its t interval, seeds as dots.

    Means and intervals are the summary's (the tables' numbers); drawn with
    matplotlib directly, as seaborn's categorical plots are slow at this many panels.
    """
    _theme()
    if seed_metrics.empty:
        return _empty("No converged run.")
    metrics = [m for m in METRICS if m in set(seed_metrics["metric"])]
    selections = [s for s in ("test", "validation") if s in set(seed_metrics["selection"])]
    order = system_order(seed_metrics["system"], settings.reference)
    position = {system: i for i, system in enumerate(order)}
    figure, axes = plt.subplots(
        len(selections),
        len(metrics),
        squeeze=False,
        sharey=True,
        figsize=(2.0 * len(metrics) + 1.5, 0.28 * len(order) * len(selections) + 1.5),
    )
    jitter = np.random.default_rng(0)  # fixed: the figure is the same on every run
    for row, selection in enumerate(selections):
        for column, metric in enumerate(metrics):
            axis = axes[row][column]
            seeds = seed_metrics[
                (seed_metrics["selection"] == selection) & (seed_metrics["metric"] == metric)
            ]
            means = summary[(summary["selection"] == selection) & (summary["metric"] == metric)]
            for system, group in seeds.groupby("system"):
                y = position[system] + jitter.uniform(-0.15, 0.15, len(group))
                axis.scatter(group["value"], y, s=5, alpha=0.5, color=palette[system], linewidths=0)
            for r in means.dropna(subset=["mean"]).itertuples():
                low, high = (r.ci_low, r.ci_high) if math.isfinite(r.ci_low) else (r.mean, r.mean)
                axis.errorbar(
                    r.mean,
                    position[r.system],
                    xerr=[[r.mean - low], [high - r.mean]],
                    fmt="o",
                    color=palette[r.system],
                    markersize=4,
                    capsize=2,
                )
            axis.set_xlabel(f"{metric}")
            axis.set_ylabel(SHORT_SELECTION_LABELS[selection] if column == 0 else "")
            axis.set_yticks(range(len(order)), order)
            axis.tick_params(axis="x", labelsize=7)
    axes[0][0].set_ylim(len(order) - 0.5, -0.5)  # first system on top
    figure.suptitle(
        f"Test metrics per system: mean over seeds with {settings.confidence:.0%} t interval "
        "(dots: single seeds, each the mean over users)",
        fontsize=9,
    )
    figure.tight_layout()
    return figure


# --------------------------------------------------------------------------- paper vs reproduced


def paper_vs_reproduced(
    summary: pd.DataFrame,
    settings: StatisticsSettings,
    palette: dict,
    audit: pd.DataFrame | None = None,
    selection: str = "test",
    published: dict[str, tuple[float, ...]] = TABLE3_ML100K,
) -> plt.Figure:
    """Each published Table 3 figure (open diamond) beside our mean and interval (filled dot)."""
    _theme()
    paper_rows = settings.paper_rows or {}
    rows = list(published)
    figure, axes = plt.subplots(2, 4, figsize=(12, 4.8), sharey=True)
    released_markers = ["X", "P", "s", "^"]
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
                label="published" if y == 0 else None,
            )
            system = paper_rows.get(row_name)
            match = summary[
                (summary["selection"] == selection)
                & (summary["system"] == system)
                & (summary["metric"] == metric)
            ].dropna(subset=["mean"])
            if len(match):
                r = match.iloc[0]
                low, high = (r["ci_low"], r["ci_high"]) if math.isfinite(r["ci_low"]) else (r["mean"],) * 2
                axis.errorbar(
                    r["mean"],
                    y + 0.15,
                    xerr=[[r["mean"] - low], [high - r["mean"]]],
                    fmt="o",
                    color=palette.get(system, "grey"),
                    markersize=5,
                    capsize=2,
                    zorder=4,
                    label=f"reproduced {system}",
                )
        if audit is not None and len(audit):
            for k, (checkpoint, group) in enumerate(audit.groupby("checkpoint", sort=False)):
                values = dict(zip(group["metric"], group["value"], strict=True))
                closest = min(
                    rows,
                    key=lambda r: sum(abs(values[m] - v) for m, v in zip(METRICS, published[r], strict=True)),
                )
                axis.scatter(
                    values[metric],
                    rows.index(closest) - 0.15,
                    marker=released_markers[k % len(released_markers)],
                    color="dimgray",
                    s=30,
                    zorder=5,
                    label=f"released {checkpoint}",
                )
        axis.set_title(metric)
        axis.set_xlabel(f"{metric} (mean over users)")
        axis.set_yticks(range(len(rows)), rows)
        axis.set_ylim(-0.6, len(rows) - 0.4)
    handles, labels = [], []
    for axis in axes.flat:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.legend(
        handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=7, bbox_to_anchor=(0.5, -0.08)
    )
    figure.suptitle(
        f"Table 3 of the paper (open diamonds) against the reproduction under the "
        f"{SELECTION_LABELS[selection]} (dots: mean over seeds, bars: "
        f"{settings.confidence:.0%} t interval)",
        fontsize=9,
    )
    figure.tight_layout()
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
    selections = [s for s in ("test", "validation") if s in baselines]
    if not selections:
        return _empty("The headline comparison has no runs.")
    figure, axes = plt.subplots(1, len(selections), squeeze=False, figsize=(5 * len(selections), 3.4))
    for axis, selection in zip(axes[0], selections, strict=True):
        baseline = baselines[selection]
        data = per_user_means[per_user_means["selection"] == selection]
        a = data[data["system"] == settings.reference].set_index("user")[metric]
        b = data[data["system"] == baseline].set_index("user")[metric]
        diff = (a - b.reindex(a.index)).dropna()
        sns.histplot(
            diff,
            ax=axis,
            color=palette.get(settings.reference),
            discrete=False,
            bins=min(41, max(10, int(np.sqrt(len(diff))) * 2)),
            stat="count",
        )
        row = comparisons[
            (comparisons["selection"] == selection)
            & (comparisons["kind"] == "irgan-vs-baseline")
            & (comparisons["system"] == settings.reference)
            & (comparisons["reference"] == baseline)
            & (comparisons["metric"] == metric)
        ]
        axis.axvline(0, color="black", linewidth=0.8)
        if len(row):
            r = row.iloc[0]
            axis.axvspan(r["boot_low"], r["boot_high"], color="crimson", alpha=0.2, label="bootstrap CI")
            axis.axvline(r["mean_diff"], color="crimson", linewidth=1.2, label=f"mean {r['mean_diff']:+.4f}")
            axis.set_title(
                f"{SELECTION_LABELS[selection]}\nt-test p (Holm) = {r['p_holm']:.2g}, "
                f"d_z = {r['d_z']:.2f}, zero differences: {int(r['n_zero_diff'])}/"
                f"{int(r['n_users'])}",
                fontsize=8,
            )
        axis.set_xlabel(f"{metric}: {settings.reference} − {baseline} per user (mean over seeds)")
        axis.set_ylabel("users")
        axis.legend(fontsize=7)
    figure.tight_layout()
    return figure


# --------------------------------------------------------------------------- selection optimism


def selection_optimism(
    optimism: pd.DataFrame, summary: pd.DataFrame, settings: StatisticsSettings, palette: dict
) -> plt.Figure:
    """Left: optimism of test selection within honest runs; right: paper-protocol vs honest runs."""
    _theme()
    metric = settings.headline_metric
    honest = optimism[optimism["selection"] == "validation"]
    means = summary[summary["metric"] == metric].dropna(subset=["mean"])
    if honest.empty and means.empty:
        return _empty("No run records the curves needed for the selection optimism.")
    order = system_order(set(honest["system"]) | set(means["system"]), settings.reference)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 0.3 * len(order) + 1.8), sharey=True)

    def t_ci(values):
        _, low, high = t_interval(values, settings.confidence)
        mean = float(np.mean(values))
        return (low, high) if math.isfinite(low) else (mean, mean)

    if not honest.empty:
        sns.stripplot(
            data=honest,
            x="optimism",
            y="system",
            hue="system",
            order=order,
            palette=palette,
            size=3,
            alpha=0.5,
            jitter=0.15,
            legend=False,
            ax=left,
        )
        sns.pointplot(
            data=honest,
            x="optimism",
            y="system",
            hue="system",
            order=order,
            palette=palette,
            errorbar=t_ci,
            linestyle="none",
            markersize=4,
            legend=False,
            ax=left,
        )
    left.axvline(0, color="black", linewidth=0.8)
    left.set_xlabel(f"best test {metric} over epochs − test {metric} at the validation-chosen epoch")
    left.set_ylabel("system")
    left.set_title("Optimism of choosing the epoch on test (honest runs; dots: seeds)", fontsize=8)
    for y, system in enumerate(order):
        points = {}
        for selection, marker, offset in (("test", "D", -0.15), ("validation", "o", 0.15)):
            r = means[(means["system"] == system) & (means["selection"] == selection)]
            if len(r):
                r = r.iloc[0]
                low, high = (r["ci_low"], r["ci_high"]) if math.isfinite(r["ci_low"]) else (r["mean"],) * 2
                right.errorbar(
                    r["mean"],
                    y + offset,
                    xerr=[[r["mean"] - low], [high - r["mean"]]],
                    fmt=marker,
                    color=palette[system],
                    markersize=5,
                    capsize=2,
                    mfc="none" if selection == "test" else palette[system],
                    label=SELECTION_LABELS[selection] if y == 0 else None,
                )
                points[selection] = r["mean"]
        if len(points) == 2:
            right.plot(
                [points["test"], points["validation"]],
                [y - 0.15, y + 0.15],
                color=palette[system],
                linewidth=0.8,
            )
    right.set_xlabel(f"test {metric} (mean over seeds, {settings.confidence:.0%} t interval)")
    right.set_title("Paper-protocol runs (open diamond) vs honest runs (dot)", fontsize=8)
    right.set_yticks(range(len(order)), order)
    if not right.yaxis_inverted():  # categories top to bottom, as seaborn draws them
        right.invert_yaxis()
    figure.tight_layout()
    return figure


# --------------------------------------------------------------------------- all figures of a dataset


def best_baselines(summary: pd.DataFrame, settings: StatisticsSettings) -> dict[str, str]:
    """Per selection rule, the paper baseline with the highest mean on the headline metric."""
    rows = summary[
        (summary["metric"] == settings.headline_metric) & summary["system"].isin(settings.headline_against)
    ].dropna(subset=["mean"])
    return {
        selection: group.loc[group["mean"].idxmax(), "system"]
        for selection, group in rows.groupby("selection")
    }


def build_figures(
    statistics: dict[str, pd.DataFrame], settings: StatisticsSettings, audit: pd.DataFrame | None = None
) -> dict[str, plt.Figure]:
    """Every figure of :data:`FIGURE_NAMES` (the caller saves and closes them)."""
    summary = statistics["summary"]
    palette = system_palette(summary["system"].unique(), settings.reference)
    return {
        "learning_curves": learning_curves(statistics["curves"], settings, palette),
        "metric_points": metric_points(statistics["seed_metrics"], summary, settings, palette),
        "paper_vs_reproduced": paper_vs_reproduced(summary, settings, palette, audit),
        "headline_differences": headline_differences(
            statistics["per_user_means"],
            statistics["comparisons"],
            settings,
            palette,
            best_baselines(summary, settings),
        ),
        "selection_optimism": selection_optimism(statistics["optimism"], summary, settings, palette),
    }
