"""What the adversarial phase changes, as a table and three figures (rule ``what_moved``).

The tables come from :mod:`irgan.analysis.what_moved`; this module only lays them out: the
reference against its start metric by metric, the P@5 gain per user group, what each ablation
moves, the generated sentences as the table's notes; the P@5 gain by user group, the
popularity of the recommendations before and after, and G's and D's distributions over training.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from irgan.analysis.what_moved import ACCURACY, ADVERSARIAL, answers
from irgan.contract.beyond_accuracy import HEAD_SHARE
from irgan.formatting import number, p_value, signed
from irgan.protocol import HONEST_SELECTION, PAPER_SELECTION
from irgan.report.figures import WIDTH, _empty, _theme
from irgan.report.render import Table
from irgan.study.families import ablation_family_of

METRIC_LABELS = {
    "P@5": "P@5",
    "popularity@10": "mean popularity (training positives) of the top-10",
    "popularity_percentile@10": "mean popularity percentile of the top-10",
    "novelty@10": "novelty of the top-10 (bits)",
    "head_share@10": f"share of the top-10 in the {HEAD_SHARE:.0%} most popular items",
    "coverage@10": "catalogue coverage of the top-10 lists",
    "gini@10": "Gini of recommendation counts over items",
}
GROUPING_LABELS = {"activity": "user activity (training positives)",
                   "test_popularity": "popularity percentile of the user's test items"}
SELECTION_LABELS = {PAPER_SELECTION: "test selection (paper)", HONEST_SELECTION: "validation selection"}
DYNAMICS_PANELS = {
    "g_perplexity_sample": "perplexity of D's sampler softmax(f_G/T)",
    "sample_positive_share": "share of D's sample that is a training positive",
    "d_accuracy_heldout": "D: held-out positives with D > 1/2",
    "d_accuracy_sample": "D: G's sample with D < 1/2",
    "mean_reward": "G's expected reward",
    "g_logit_sd": "spread of f_G over items (sd)",
}


def _interval(row: pd.Series, digits: int) -> str:
    if not (math.isfinite(row["ci_low"]) and math.isfinite(row["ci_high"])):
        return signed(row["diff"], digits)
    return f"{signed(row['diff'], digits)} [{row['ci_low']:+.{digits}f}, {row['ci_high']:+.{digits}f}]"


def _digits(metric: str) -> int:
    return {"popularity@10": 1, "popularity_percentile@10": 1, "novelty@10": 2}.get(metric, 4)


def what_moved_table(tables: dict[str, pd.DataFrame], reference: str, dataset: str) -> Table:
    """The reference against its start per metric, its P@5 gain per user group, each ablation's
    moves, and the generated answers as notes."""
    pairs, groups = tables["what_moved"], tables["what_moved_groups"]
    sections = []
    adversarial = pairs[pairs["question"] == ADVERSARIAL]
    for selection in (PAPER_SELECTION, HONEST_SELECTION):
        rows = adversarial[adversarial["selection"] == selection]
        if rows.empty:
            continue
        digits = rows["metric"].map(_digits)
        display = pd.DataFrame({
            "metric": rows["metric"].map(METRIC_LABELS),
            "start": [number(v, d) for v, d in zip(rows["mean_comparator"], digits, strict=True)],
            reference: [number(v, d) for v, d in zip(rows["mean_system"], digits, strict=True)],
            "difference [95% CI]": [_interval(r, d) for (_, r), d in
                                    zip(rows.iterrows(), digits, strict=True)],
            "over": [f"{n} {u}" for n, u in zip(rows["n"], rows["unit"], strict=True)],
            "p (BH)": [p_value(p) for p in rows["p_adjusted"]],
        })
        start = rows["comparator"].iloc[0]
        sections.append((f"{reference} against its start {start}, {SELECTION_LABELS[selection]}", display))
    for selection in (PAPER_SELECTION, HONEST_SELECTION):
        rows = groups[(groups["question"] == ADVERSARIAL) & (groups["selection"] == selection)]
        if rows.empty:
            continue
        display = pd.DataFrame({
            "grouping": rows["grouping"].map(GROUPING_LABELS),
            "group": rows["group"],
            "range": [f"{lo:.0f}-{hi:.0f}" for lo, hi in
                      zip(rows["low_value"], rows["high_value"], strict=True)],
            "users": rows["n_users"],
            "P@5 gain [95% CI]": [f"{signed(g, 4)} [{lo:+.4f}, {hi:+.4f}]" for g, lo, hi in
                                  zip(rows["gain"], rows["ci_low"], rows["ci_high"], strict=True)],
            "Kruskal-Wallis p": [p_value(p) for p in rows["p_kruskal"]],
        })
        sections.append((f"P@5 gain by user group, {SELECTION_LABELS[selection]}", display))
    ablations = pairs[pairs["question"] != ADVERSARIAL]
    if len(ablations):
        keys = ["question", "selection", "system", "comparator"]
        wide = ablations.pivot_table(index=keys, columns="metric", values="diff", aggfunc="first",
                                     sort=False).reset_index()
        significant = ablations.pivot_table(index=keys, columns="metric", values="significant",
                                            aggfunc="first", sort=False).reset_index()
        display = wide[["question", "selection", "system", "comparator"]].copy()
        for metric in ("P@5", "popularity_percentile@10", "head_share@10", "coverage@10", "gini@10"):
            if metric in wide:
                digits = 2 if metric == "popularity_percentile@10" else _digits(metric)
                display[metric] = [signed(v, digits) + ("*" if s else "") for v, s in
                                   zip(wide[metric], significant[metric], strict=True)]
        heading = "What each ablation moves against its comparator (a star: Benjamini-Hochberg p < 0.05)"
        sections.append((heading, display))
    if not sections:
        sections.append(("", pd.DataFrame({"note": ["no pair of runs to compare (the reference, its start "
                                                    "or an ablation's comparator did not run)"]})))
    notes = [*answers(tables, reference),
             "Per-user metrics: paired over users on each user's mean over seeds, percentile bootstrap "
             "interval; coverage and Gini: one value per run, Welch interval over seeds. p: paired t (users) "
             "or Welch (seeds), Benjamini-Hochberg over this table (exploratory). Popularity: an item's "
             "training positives; novelty: mean -log2((popularity + 1) / (users + 1)); groups: quartiles of "
             "equal size (ties by user id)."]
    return Table(name="what_moved", title=f"What the adversarial phase changes - {dataset}",
                 data=pairs, sections=sections, notes=notes)


def _group_axis_labels(rows: pd.DataFrame) -> list[str]:
    return [f"{g}\n{lo:.0f}-{hi:.0f}" for g, lo, hi in
            zip(rows["group"], rows["low_value"], rows["high_value"], strict=True)]


def gain_by_group_figure(groups: pd.DataFrame, reference: str) -> plt.Figure:
    """The reference's P@5 gain over its start per quartile of user activity and of test-item
    popularity, one series per selection rule, with bootstrap intervals over users."""
    rows = groups[groups["question"] == ADVERSARIAL]
    if rows.empty:
        return _empty(f"No gain by group: {reference} or its start did not run.")
    _theme()
    figure, axes = plt.subplots(1, 2, figsize=(WIDTH, 3.3), sharey=True)
    colours = {PAPER_SELECTION: "#c0392b", HONEST_SELECTION: "#2c7fb8"}
    for axis, (grouping, label) in zip(axes, GROUPING_LABELS.items(), strict=True):
        tests = []
        for offset, selection in zip((-0.08, 0.08), (PAPER_SELECTION, HONEST_SELECTION), strict=True):
            part = rows[(rows["grouping"] == grouping) & (rows["selection"] == selection)]
            if part.empty:
                continue
            x = np.arange(len(part)) + offset
            error = [part["gain"] - part["ci_low"], part["ci_high"] - part["gain"]]
            axis.errorbar(x, part["gain"], yerr=error, fmt="o-", capsize=2.5, color=colours[selection],
                          markersize=4, linewidth=1,
                          label=f"{SELECTION_LABELS[selection]}: against {part['comparator'].iloc[0]}")
            axis.set_xticks(np.arange(len(part)), _group_axis_labels(part))
            tests.append(f"{selection} {p_value(part['p_kruskal'].iloc[0])}")
        axis.axhline(0, color="black", linewidth=0.8)
        axis.set_xlabel(f"quartile of {label}", fontsize=8)
        axis.set_title("Kruskal-Wallis p: " + ", ".join(tests), fontsize=8)
    axes[0].set_ylabel(f"P@5 gain of {reference}")
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=2, frameon=False, fontsize=8,
                  bbox_to_anchor=(0.5, -0.02))
    figure.suptitle("Who carries the gain over the start: mean over a quartile's users, 95% bootstrap "
                    "interval")
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    return figure


def popularity_shift_figure(per_user: pd.DataFrame, pairs: pd.DataFrame, reference: str) -> plt.Figure:
    """Distribution over users of the top-10's mean popularity percentile, for the start and the
    reference under each selection rule: one line per seed, so the spread over seeds shows."""
    adversarial = pairs[(pairs["question"] == ADVERSARIAL) & (pairs["metric"] == ACCURACY)]
    if adversarial.empty:
        return _empty(f"No popularity shift: {reference} or its start did not run.")
    _theme()
    figure, axes = plt.subplots(1, len(adversarial), figsize=(WIDTH, 3.0), sharey=True, squeeze=False)
    for axis, pair in zip(axes[0], adversarial.itertuples(index=False), strict=True):
        for system, colour in ((pair.comparator, "#7f8c8d"), (pair.system, "#c0392b")):
            runs = per_user[(per_user["selection"] == pair.selection) & (per_user["system"] == system)]
            seeds = sorted(runs["seed"].unique())
            label = f"{system} ({len(seeds)} seed{'s' if len(seeds) > 1 else ''})"
            for i, seed in enumerate(seeds):
                values = np.sort(runs.loc[runs["seed"] == seed, "popularity_percentile@10"].to_numpy())
                axis.step(values, np.arange(1, len(values) + 1) / len(values), where="post", color=colour,
                          alpha=0.8 if len(seeds) == 1 else 0.45, linewidth=1,
                          label=label if i == 0 else None)
        axis.set_title(SELECTION_LABELS[pair.selection])
        axis.set_xlabel("mean popularity percentile of a user's top-10")
        axis.legend(loc="upper left", frameon=False, fontsize=7)
    axes[0][0].set_ylabel("share of users (cumulative)")
    figure.suptitle("Recommendation popularity before and after the adversarial phase (right: more popular)")
    figure.tight_layout()
    return figure


def dynamics_systems(dynamics: pd.DataFrame, reference: str, families: dict,
                     shown: Sequence[str] = ("temperature", "generator-only")) -> list[str]:
    """The reference and the IRGAN systems of the ``shown`` ablation families that logged dynamics."""
    present = list(dict.fromkeys(dynamics["system"]))
    return [s for s in present if s == reference] + sorted(
        s for s in present if s != reference and ablation_family_of(s, families) in shown)


def training_dynamics_figure(dynamics: pd.DataFrame, reference: str, families: dict) -> plt.Figure:
    """G's and D's distributions after every outer epoch, for the reference and the temperature and
    generator-only families, under the selection rule where most of them ran (the paper's on a tie):
    the mean over seeds, the band from the lowest to the highest seed."""
    by_rule = {selection: dynamics_systems(dynamics[dynamics["selection"] == selection], reference, families)
               for selection in (PAPER_SELECTION, HONEST_SELECTION)} if len(dynamics) else {}
    selection = max(by_rule, key=lambda s: len(by_rule[s]), default=PAPER_SELECTION)
    systems = by_rule.get(selection, [])
    rows = dynamics[dynamics["selection"] == selection] if len(dynamics) else dynamics
    if not systems:
        return _empty("No training dynamics: no IRGAN run of the reference or of the temperature and "
                      "generator-only families logged them.")
    _theme()
    figure, axes = plt.subplots(2, 3, figsize=(WIDTH, 4.6), sharex=True)
    palette = dict(zip(systems, plt.get_cmap("tab10").colors, strict=False))
    for axis, (column, title) in zip(axes.flat, DYNAMICS_PANELS.items(), strict=True):
        for system in systems:
            part = rows[rows["system"] == system].groupby("outer_epoch")[column]
            mean, low, high = part.mean(), part.min(), part.max()
            if mean.isna().all():
                continue
            axis.plot(mean.index, mean.to_numpy(), color=palette[system], linewidth=1.3 if system == reference
                      else 0.9, label=system)
            axis.fill_between(mean.index, low.to_numpy(), high.to_numpy(), color=palette[system], alpha=0.15,
                              linewidth=0)
        axis.set_title(title, fontsize=8)
    for axis in axes[-1]:
        axis.set_xlabel("outer epoch (0: the start)")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), frameon=False, fontsize=7,
                  bbox_to_anchor=(0.5, -0.06))
    figure.suptitle(f"G and D over training, {SELECTION_LABELS[selection]}: mean over seeds, band from the "
                    "lowest to the highest seed")
    figure.tight_layout()
    return figure
