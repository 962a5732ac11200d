"""Robustness over splits, published: statistics, the ``robustness`` table, its figure and sentence.

Input: the per-seed means of every run of :func:`irgan.study.robustness.runs` (the long table of
:func:`irgan.analysis.statistics.seed_metrics`: dataset, selection, system, seed, metric, value). Per base
dataset, selection rule, metric and system:

- the mean over the re-splits of the seed means, and beside it the authors' split (the base
  dataset itself, shown, never pooled: it is not a per-user split, and under the paper protocol
  the reference starts there from the released file);
- split-to-split against seed-to-seed variation over the re-splits: a one-way random-effects
  decomposition by the ANOVA method of moments, with the F test of no split-to-split variance
  (:func:`irgan.analysis.stat_tests.variance_components`);
- each system's rank on every split (1 = best), Kendall's W of the re-splits' rankings with its
  chi-square test (:func:`irgan.analysis.stat_tests.kendall_w`), Kendall's tau of each re-split's ranking
  with the authors' split's, and for every pair of systems the number of re-splits that keep the
  pair's order on the authors' split, with an exact one-sided sign test, Holm-corrected over the
  pairs (:func:`irgan.analysis.stat_tests.order_agreement`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from irgan.analysis.stat_tests import (
    descending_ranks,
    holm_adjust,
    kendall_w,
    order_agreement,
    variance_components,
)
from irgan.formatting import DASH, code_list, number, number_text, p_is, p_value, protocol_name, the_protocol
from irgan.report.render import Table

#: the verdict's thresholds on Kendall's W (with its test significant at ``alpha``)
W_HOLDS, W_PARTLY = 0.8, 0.5
#: what each output file of the robustness rule holds
STATISTICS = ("systems", "concordance", "pairs", "split_means")


def split_label(dataset: str, base: str) -> str:
    """``original`` for the base dataset, the split seed for a re-split."""
    return "original" if dataset == base else dataset.rsplit("-", 1)[-1]


def original_name(base_spec: Mapping) -> str:
    """What the base dataset's own split is called: the authors' where they published it with
    their checkpoints (ml-100k-irgan), else the dataset's original split."""
    return "the authors' split" if base_spec.get("released_checkpoints") else "the original split"


def robustness_statistics(
    seed_metrics: pd.DataFrame,
    resplits: Mapping[str, Sequence[str]],
    systems: Sequence[str],
    selections: Sequence[str],
    metrics: Sequence[str],
    alpha: float = 0.05,
) -> dict[str, pd.DataFrame]:
    """The robustness statistics (see the module's docstring) for ``resplits``: base -> re-splits."""
    rows, concordance, pairs, means = [], [], [], []
    for base, splits in resplits.items():
        for selection in selections:
            for metric in metrics:
                values = seed_metrics[
                    (seed_metrics["selection"] == selection) & (seed_metrics["metric"] == metric)
                ]
                seed_mean = values.groupby(["dataset", "system"])["value"].mean()
                for (dataset, system), group in values.groupby(["dataset", "system"]):
                    if dataset in (base, *splits) and system in systems:
                        means.append(
                            {
                                "base": base,
                                "selection": selection,
                                "metric": metric,
                                "system": system,
                                "dataset": dataset,
                                "split": split_label(dataset, base),
                                "mean": group["value"].mean(),
                                "min": group["value"].min(),
                                "max": group["value"].max(),
                                "n_seeds": len(group),
                                "seed_values": " ".join(f"{v:.6f}" for v in group["value"]),
                            }
                        )
                ranked = [
                    s
                    for s in systems
                    if all(math.isfinite(seed_mean.get((d, s), math.nan)) for d in (base, *splits))
                ]
                matrix = np.array([[seed_mean[(d, s)] for s in ranked] for d in splits]) if ranked else None
                authors = np.array([seed_mean[(base, s)] for s in ranked])
                split_ranks = np.array([descending_ranks(row) for row in matrix]) if ranked else None
                authors_ranks = descending_ranks(authors) if ranked else None
                present = set(values["system"])
                for system in (s for s in systems if s in present):  # e.g. a tuned system: honest only
                    groups = [
                        values.loc[
                            (values["dataset"] == d) & (values["system"] == system), "value"
                        ].to_numpy()
                        for d in splits
                    ]
                    vc = variance_components(groups)
                    row = {
                        "base": base,
                        "selection": selection,
                        "metric": metric,
                        "system": system,
                        "n_splits": vc.n_groups,
                        "n_values": vc.n_values,
                        "authors_split": seed_mean.get((base, system), math.nan),
                        "mean": vc.mean_of_means,
                        "sd_between": vc.sd_between,
                        "sd_within": vc.sd_within,
                        "var_between": vc.var_between,
                        "var_within": vc.var_within,
                        "icc": vc.icc,
                        "f": vc.f,
                        "df_between": vc.df_between,
                        "df_within": vc.df_within,
                        "p_between": vc.p,
                        "sd_split_means": float(np.std([g.mean() for g in groups if len(g)], ddof=1))
                        if sum(len(g) > 0 for g in groups) > 1
                        else math.nan,
                        "authors_rank": math.nan,
                        "split_ranks": "",
                        "mean_rank": math.nan,
                        "best_rank": math.nan,
                        "worst_rank": math.nan,
                    }
                    if system in ranked:
                        j = ranked.index(system)
                        row |= {
                            "authors_rank": authors_ranks[j],
                            "split_ranks": " ".join(f"{r:g}" for r in split_ranks[:, j]),
                            "mean_rank": float(split_ranks[:, j].mean()),
                            "best_rank": float(split_ranks[:, j].min()),
                            "worst_rank": float(split_ranks[:, j].max()),
                        }
                    rows.append(row)
                w = kendall_w(split_ranks) if ranked and len(ranked) > 1 else kendall_w(np.zeros((0, 0)))
                taus = (
                    [stats.kendalltau(authors, row).statistic for row in matrix]
                    if ranked and len(ranked) > 1
                    else []
                )
                agreement = order_agreement(authors, matrix) if ranked else None
                n_pairs = len(agreement.kept) if agreement is not None else 0
                p_holm, _ = holm_adjust(agreement.p, alpha) if n_pairs else (np.array([]), None)
                concordance.append(
                    {
                        "base": base,
                        "selection": selection,
                        "metric": metric,
                        "n_systems": len(ranked),
                        "n_splits": len(splits),
                        "systems": " ".join(ranked),
                        "w": w.w,
                        "chi2": w.chi2,
                        "df": w.df,
                        "p": w.p,
                        "mean_tau": float(np.mean(taus)) if taus else math.nan,
                        "min_tau": float(np.min(taus)) if taus else math.nan,
                        "n_pairs": n_pairs,
                        "pairs_kept_always": int((agreement.kept == agreement.n).sum()) if n_pairs else 0,
                        "mean_fraction_kept": float(agreement.fraction.mean()) if n_pairs else math.nan,
                        "pairs_significant": int((p_holm < alpha).sum()) if n_pairs else 0,
                    }
                )
                for i in range(n_pairs):
                    pairs.append(
                        {
                            "base": base,
                            "selection": selection,
                            "metric": metric,
                            "higher": ranked[agreement.first[i]],
                            "lower": ranked[agreement.second[i]],
                            "kept": int(agreement.kept[i]),
                            "n_splits": agreement.n,
                            "fraction": float(agreement.fraction[i]),
                            "p_sign": float(agreement.p[i]),
                            "p_sign_holm": float(p_holm[i]),
                        }
                    )
    return {
        "systems": pd.DataFrame(rows),
        "concordance": pd.DataFrame(concordance),
        "pairs": pd.DataFrame(pairs),
        "split_means": pd.DataFrame(means),
    }


# --------------------------------------------------------------------------- the table


def _seeds(seeds: Sequence[int]) -> str:
    """``3 seeds``, ``1 seed``."""
    return f"{len(seeds)} seed{'' if len(seeds) == 1 else 's'}"


def _rank(value: float) -> str:
    return DASH if not math.isfinite(value) else f"{value:g}"


def robustness_table(
    statistics: Mapping[str, pd.DataFrame],
    seeds: Sequence[int],
    original: str = "the original split",
    test_users: Mapping[str, int] | None = None,
) -> Table:
    """The ``robustness`` table: one section per base dataset, selection rule and metric.
    ``original`` names the base's own split; ``test_users``: users evaluated per dataset."""
    systems, concordance = statistics["systems"], statistics["concordance"]
    sections = []
    notes = [
        "Mean over re-splits: the mean over the re-splits of each split's mean over seeds "
        f"({_seeds(seeds)}: {', '.join(map(str, seeds))}). SD between splits and between seeds: "
        "the square roots of a one-way random-effects decomposition over the re-splits (ANOVA method "
        "of moments; between-split variance floored at 0); p: its F test of no split-to-split "
        f"variance. Ranks: 1 = best, ties share the average rank; on {original} and on each "
        f"re-split in seed order. {original[0].upper() + original[1:]} is shown beside the re-splits, "
        f"never pooled with them: it was not drawn per user{_users_text(test_users, concordance)}, and "
        "under the paper protocol the reference may start there from a released checkpoint.",
    ]
    for row in concordance.itertuples():
        part = systems[
            (systems["base"] == row.base)
            & (systems["selection"] == row.selection)
            & (systems["metric"] == row.metric)
        ].copy()
        part = part.sort_values(["authors_rank", "system"], na_position="last")
        frame = pd.DataFrame(
            {
                "system": [f"`{s}`" for s in part["system"]],
                "authors' split": [number(v) for v in part["authors_split"]],
                "rank": [_rank(v) for v in part["authors_rank"]],
                "mean over re-splits": [number(v) for v in part["mean"]],
                "SD between splits": [number(v) for v in part["sd_between"]],
                "SD between seeds": [number(v) for v in part["sd_within"]],
                "p (split variance)": [p_value(v) for v in part["p_between"]],
                "ranks on re-splits": [r or DASH for r in part["split_ranks"]],
            }
        )
        frame = frame.rename(columns={"authors' split": original.removeprefix("the ")})
        heading = f"{row.base}, {protocol_name(row.selection)}, {row.metric}"
        sections.append((heading, frame))
        notes.append(f"{heading}: {concordance_text(row, original)}.")
    return Table(
        "robustness", f"Robustness over splits: {original} and per-user re-splits", systems, sections, notes
    )


def _users_text(test_users: Mapping[str, int] | None, concordance: pd.DataFrame) -> str:
    """``; 456 users are evaluated on it, 925 to 931 on the re-splits`` (empty without counts)."""
    if not test_users or concordance.empty:
        return ""
    base = concordance["base"].iloc[0]
    others = [n for name, n in test_users.items() if name != base]
    if base not in test_users or not others:
        return ""
    spread = f"{min(others)}" if min(others) == max(others) else f"{min(others)} to {max(others)}"
    return f" ({test_users[base]} users are evaluated on it, {spread} on the re-splits)"


def concordance_text(row, original: str = "the original split") -> str:
    """Kendall's W with its test and the pairs that keep their order, as a clause."""
    if not math.isfinite(row.w):
        return f"too few systems or splits to rank ({row.n_systems} systems, {row.n_splits} re-splits)"
    floor = 0.5**row.n_splits  # the smallest p an exact one-sided sign test over the re-splits can reach
    if row.n_pairs and floor * row.n_pairs >= 0.05:
        signs = (
            f"with {row.n_splits} re-splits an exact sign test cannot go below p = {floor:.3g}, too "
            f"little for Holm's correction over {row.n_pairs} pairs"
        )
    else:
        signs = (
            f"{row.pairs_significant} of them kept more often than chance by an exact sign test, "
            f"Holm-corrected over the {row.n_pairs} pairs"
        )
    return (
        f"Kendall's W over the {row.n_splits} re-splits = {row.w:.2f} (chi2({row.df}) = {row.chi2:.1f}, "
        f"{p_is(row.p)}); {row.pairs_kept_always} of {row.n_pairs} pairs of systems keep their order on "
        f"{original} on every re-split ({signs}); mean Kendall tau with {original} {row.mean_tau:.2f}"
    )


# --------------------------------------------------------------------------- the sentence


def verdict(w: float, p: float, alpha: float) -> str:
    """From Kendall's W and its test: ``holds`` (W >= 0.8, significant), ``holds in part``
    (0.5 <= W < 0.8, significant), ``agrees, but too few splits to show it`` (W >= 0.8, not
    significant) or ``does not hold``."""
    if not (math.isfinite(w) and math.isfinite(p)) or w < W_PARTLY:
        return "does not hold"
    if p >= alpha:
        return "agrees, but too few splits to show it" if w >= W_HOLDS else "does not hold"
    return "holds" if w >= W_HOLDS else "holds in part"


def _ordinal(rank: float) -> str:
    if not math.isfinite(rank):
        return DASH
    if not float(rank).is_integer():
        return f"{rank:g}"
    n = int(rank)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def robustness_sentence(
    statistics: Mapping[str, pd.DataFrame],
    reference: str,
    alpha: float,
    seeds: Sequence[int],
    original: str = "the original split",
) -> str:
    """Do the rankings hold across splits, and how large is split-to-split variation against
    seed-to-seed variation: one paragraph, every figure from ``statistics``."""
    systems, concordance = statistics["systems"], statistics["concordance"]
    if concordance.empty:
        return "The robustness over splits did not run."
    parts = []
    for row in concordance.itertuples():
        part = systems[
            (systems["base"] == row.base)
            & (systems["selection"] == row.selection)
            & (systems["metric"] == row.metric)
        ]
        stochastic = part[part["sd_within"] > 0]
        text = (
            f"Under {the_protocol(row.selection)} on {row.metric}, over {row.n_splits} per-user re-splits "
            f"of `{row.base}` ({_seeds(seeds)} each), the ranking of {row.n_systems} systems "
            f"{verdict(row.w, row.p, alpha)}: {concordance_text(row, original)}."
        )
        ref = part[part["system"] == reference]
        if len(ref) and math.isfinite(ref["mean_rank"].iloc[0]):
            r = ref.iloc[0]
            spread = (
                _ordinal(r["best_rank"])
                if r["best_rank"] == r["worst_rank"]
                else f"{_ordinal(r['best_rank'])} to {_ordinal(r['worst_rank'])}"
            )
            text += (
                f" `{reference}` ranks {_ordinal(r['authors_rank'])} on {original} "
                f"({number_text(r['authors_split'])}) and {spread} on the re-splits (mean "
                f"{number_text(r['mean'])})."
            )
        if len(stochastic):
            between = float(np.median(stochastic["sd_between"]))
            within = float(np.median(stochastic["sd_within"]))
            ratio = (between / within) ** 2 if within > 0 else math.nan
            significant = int((stochastic["p_between"] < alpha).sum())
            text += (
                f" Split-to-split variation is {_size(ratio)} seed-to-seed variation: the SD of a "
                f"system's {row.metric} between splits is {number_text(between)} against "
                f"{number_text(within)} between seeds within a split (medians over the "
                f"{len(stochastic)} systems that vary with the seed; one-way random-effects ANOVA, "
                f"method of moments), a variance ratio of {ratio:.1f}; the split-to-split variance is "
                f"significant (F test, p < {alpha:g}) for {significant} of them."
            )
        deterministic = part[(part["sd_within"] == 0) & part["sd_between"].notna()]
        if len(deterministic):
            many = len(deterministic) > 1
            text += (
                f" The {len(deterministic)} system{'s' if many else ''} that give{'' if many else 's'} "
                "the same value for every seed "
                f"({code_list(deterministic['system'])}) vary between splits by an SD of "
                f"{number_text(float(np.median(deterministic['sd_between'])))} (median)."
            )
        parts.append(text)
    return " ".join(parts)


def _size(ratio: float) -> str:
    """Words for a ratio of variances (split over seed)."""
    if not math.isfinite(ratio):
        return "not comparable with"
    if ratio >= 4:
        return "much larger than"
    if ratio >= 1.5:
        return "larger than"
    if ratio > 1 / 1.5:
        return "about as large as"
    return "smaller than"


# --------------------------------------------------------------------------- the figure


def robustness_figure(
    split_means: pd.DataFrame, reference: str, paths: Mapping[str, str | os.PathLike]
) -> None:
    """Per-split means with the seeds' range, one panel per metric (rows: selection rules)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    from irgan.report.figures import save_figure, system_order, system_palette

    selections = list(dict.fromkeys(split_means["selection"]))
    metrics = list(dict.fromkeys(split_means["metric"]))
    systems = system_order(split_means["system"].unique(), reference)
    palette = system_palette(systems, reference)
    order = sorted(split_means["split"].unique(), key=lambda s: (s != "original", s.zfill(6)))
    figure, axes = plt.subplots(
        len(selections), len(metrics), figsize=(7.5, 2.8 * len(selections) + 0.6), squeeze=False, sharex=True
    )
    per_seed = split_means.assign(value=split_means["seed_values"].str.split()).explode("value")
    per_seed["value"] = per_seed["value"].astype(float)
    for i, selection in enumerate(selections):
        for j, metric in enumerate(metrics):
            axis = axes[i][j]
            data = per_seed[(per_seed["selection"] == selection) & (per_seed["metric"] == metric)]
            sns.pointplot(
                data=data,
                x="split",
                y="value",
                hue="system",
                order=order,
                hue_order=systems,
                palette=palette,
                errorbar=("pi", 100),
                dodge=0.6,
                linestyle="none",
                markersize=3,
                err_kws={"linewidth": 1},
                ax=axis,
                legend=(i == 0 and j == len(metrics) - 1),
            )
            axis.set_title(f"{protocol_name(selection)}: {metric}", fontsize=9)
            axis.set_xlabel("")
            axis.set_ylabel(f"test {metric}")
            axis.axvline(0.5, color="grey", linewidth=0.6, linestyle=":")
    legend = axes[0][-1].get_legend()
    if legend is not None:
        sns.move_legend(
            axes[0][-1], "upper left", bbox_to_anchor=(1.02, 1.0), fontsize=7, title="system", frameon=False
        )
    figure.supxlabel(
        "split: the original, then each re-split by its seed; point: mean over seeds, bar: their range",
        fontsize=8,
    )
    figure.tight_layout()
    save_figure(figure, paths)
    plt.close(figure)
