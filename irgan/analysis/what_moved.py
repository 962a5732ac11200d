"""What the adversarial phase changes in the recommendations, for whom, and in G's and D's
distributions (rule ``what_moved``).

The study says how much IRGAN gains; this module says what the gain is made of:

- **beyond accuracy**: per run, the popularity, novelty and head share of every user's top-10
  and the catalogue coverage and Gini of the recommendations (:mod:`irgan.contract.beyond_accuracy`);
- **what moved**: for the reference against its start under each selection rule, and for each
  ablation against its comparator, the paired differences of those metrics and of P@5, with
  intervals (per-user metrics: paired over users on each user's mean over seeds, percentile
  bootstrap; per-run metrics: Welch over seeds), Benjamini-Hochberg over the table (exploratory);
- **for whom**: the P@5 gain per quartile of user activity (training positives) and per quartile
  of how popular a user's test items are, each with its interval, and a Kruskal-Wallis test of
  whether the gain differs between the quartiles;
- **over training**: every IRGAN run's ``dynamics.csv`` (:mod:`irgan.train.dynamics`), pooled.

The sentences of :func:`answers` are built from these tables only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from irgan.analysis.stat_tests import bh_adjust, bootstrap_mean_ci, paired_tests, t_interval
from irgan.contract.beyond_accuracy import RUN_METRICS, USER_METRICS, per_user_beyond, run_beyond
from irgan.contract.runs import DYNAMICS, SYSTEM_KEYS, TOP_ITEMS, RunContractError, StudyRuns, load_runs
from irgan.errors import IrganError
from irgan.formatting import signed_text
from irgan.protocol import HONEST_SELECTION, PAPER_SELECTION, SELECTION_METRIC
from irgan.study.families import ablation_family_of, comparator_of

#: the accuracy metric set beside the beyond-accuracy ones
ACCURACY = SELECTION_METRIC
PAIR_METRICS = (ACCURACY, *USER_METRICS, *RUN_METRICS)
#: the user groups (``data/users.csv`` columns) the gain is split by
GROUPINGS = {"activity": "activity_quartile", "test_popularity": "test_popularity_quartile"}
ADVERSARIAL = "adversarial phase"


@dataclass(frozen=True)
class Pair:
    """One comparison of the what-moved table: ``system`` against ``comparator`` under ``selection``."""

    question: str  # "adversarial phase" or the ablation family
    selection: str
    system: str
    comparator: str


# --------------------------------------------------------------------------- per run


def beyond_tables(study: StudyRuns, items: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per run: keys, seed, P@5 and every beyond-accuracy metric; per run and user: keys, seed,
    user, P@5 and the per-user metrics) of the study's converged runs."""
    ok = study.runs[study.runs["status"] == "ok"]
    run_rows, user_parts = [], []
    accuracy = study.per_user.set_index([*SYSTEM_KEYS, "seed", "user"])[ACCURACY]
    for row in ok.itertuples(index=False):
        path = Path(row.path) / TOP_ITEMS
        try:
            top = pd.read_csv(path)
        except FileNotFoundError:
            raise RunContractError(f"{path}: missing (every run writes its top-10 lists; run the "
                                   "workflow again to write it)") from None
        keys = {"dataset": row.dataset, "selection": row.selection, "system": row.system, "seed": row.seed}
        users = per_user_beyond(top, items, str(path))
        users[ACCURACY] = accuracy.loc[tuple(keys.values())].reindex(users["user"]).to_numpy()
        if users[ACCURACY].isna().any():
            raise RunContractError(f"{path}: users that per_user.csv does not evaluate")
        user_parts.append(users.assign(**keys))
        run_rows.append({**keys, ACCURACY: float(users[ACCURACY].mean()),
                         **{m: float(users[m].mean()) for m in USER_METRICS},
                         **run_beyond(top, len(items), str(path))})
    columns = [*SYSTEM_KEYS, "seed", ACCURACY, *USER_METRICS, *RUN_METRICS]
    per_run = pd.DataFrame(run_rows, columns=columns)
    per_user = (pd.concat(user_parts, ignore_index=True) if user_parts
                else pd.DataFrame(columns=[*SYSTEM_KEYS, "seed", "user", ACCURACY, *USER_METRICS]))
    return per_run, per_user[[*SYSTEM_KEYS, "seed", "user", ACCURACY, *USER_METRICS]]


def summarise_beyond(per_run: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per system and selection rule: each metric's mean over seeds with its t interval."""
    rows = []
    for (dataset, selection, system), group in per_run.groupby(SYSTEM_KEYS, sort=True):
        for metric in PAIR_METRICS:
            mean, low, high = t_interval(group[metric].to_numpy(), confidence)
            rows.append({"dataset": dataset, "selection": selection, "system": system, "metric": metric,
                         "n_seeds": len(group), "mean": mean, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows, columns=[*SYSTEM_KEYS, "metric", "n_seeds", "mean", "ci_low", "ci_high"])


# --------------------------------------------------------------------------- the pairs


def plan_pairs(systems: Iterable[tuple[str, str]], reference: str, starting_point: Sequence[str],
               families: dict) -> list[Pair]:
    """The reference against its start (the first of ``starting_point`` that ran under the rule)
    and every ablation against its comparator, under each rule where both sides ran."""
    ran = set(systems)
    pairs = []
    for selection in (PAPER_SELECTION, HONEST_SELECTION):
        start = next((s for s in starting_point if (selection, s) in ran), None)
        if (selection, reference) in ran and start is not None:
            pairs.append(Pair(ADVERSARIAL, selection, reference, start))
        for sel, system in sorted(ran):
            family = ablation_family_of(system, families)
            if sel != selection or family == "other" or system == reference:
                continue
            comparator = comparator_of(system, families, reference)
            if (selection, comparator) in ran:
                pairs.append(Pair(family, selection, system, comparator))
    return pairs


def welch_interval(a: np.ndarray, b: np.ndarray,
                   confidence: float = 0.95) -> tuple[float, float, float, float]:
    """(difference of means, interval, p) of two samples of seeds, Welch; a side with one value or
    no spread adds no variance, both without: no interval."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = float(a.mean() - b.mean())
    var_a = a.var(ddof=1) if len(a) > 1 and np.ptp(a) > 0 else 0.0  # equal values: no rounding noise
    var_b = b.var(ddof=1) if len(b) > 1 and np.ptp(b) > 0 else 0.0
    se2 = var_a / len(a) + var_b / len(b)
    if se2 <= 0:
        return diff, math.nan, math.nan, (1.0 if diff == 0 else math.nan)
    terms = [(v / n) ** 2 / (n - 1) for v, n in ((var_a, len(a)), (var_b, len(b))) if n > 1 and v > 0]
    df = se2**2 / sum(terms)
    half = float(stats.t.ppf((1 + confidence) / 2, df) * math.sqrt(se2))
    p = float(2 * stats.t.sf(abs(diff) / math.sqrt(se2), df))
    return diff, diff - half, diff + half, p


def _user_means(per_user: pd.DataFrame, selection: str, system: str) -> pd.DataFrame:
    rows = per_user[(per_user["selection"] == selection) & (per_user["system"] == system)]
    return rows.groupby("user", sort=True)[[ACCURACY, *USER_METRICS]].mean()


def compare_pairs(pairs: Sequence[Pair], per_run: pd.DataFrame, per_user: pd.DataFrame, dataset: str,
                  resamples: int = 10_000, seed: int = 0, confidence: float = 0.95,
                  alpha: float = 0.05) -> pd.DataFrame:
    """One row per pair and metric of :data:`PAIR_METRICS`: both sides' means, the difference,
    its interval and p (BH-adjusted over the whole table: an exploratory family)."""
    rows = []
    for pair in pairs:
        a, b = _user_means(per_user, pair.selection, pair.system), _user_means(per_user, pair.selection,
                                                                                pair.comparator)
        if not a.index.equals(b.index):
            raise IrganError(f"dataset {dataset}: {pair.system} and {pair.comparator} ({pair.selection}) "
                             "recommend to different users; paired differences need the same users")
        tests = paired_tests(a.to_numpy(), b.to_numpy(), resamples=resamples, seed=seed,
                             confidence=confidence)
        base = {"dataset": dataset, "question": pair.question, "selection": pair.selection,
                "system": pair.system, "comparator": pair.comparator}
        for j, metric in enumerate([ACCURACY, *USER_METRICS]):
            rows.append({**base, "metric": metric, "unit": "users", "n": tests.n_users,
                         "mean_system": tests.mean_system[j], "mean_comparator": tests.mean_reference[j],
                         "diff": tests.mean_diff[j], "ci_low": tests.boot_low[j],
                         "ci_high": tests.boot_high[j], "p": tests.p[j]})
        runs_a = per_run[(per_run["selection"] == pair.selection) & (per_run["system"] == pair.system)]
        runs_b = per_run[(per_run["selection"] == pair.selection) & (per_run["system"] == pair.comparator)]
        for metric in RUN_METRICS:
            values_a, values_b = runs_a[metric].to_numpy(), runs_b[metric].to_numpy()
            diff, low, high, p = welch_interval(values_a, values_b, confidence)
            rows.append({**base, "metric": metric, "unit": "seeds", "n": len(runs_a),
                         "mean_system": float(values_a.mean()), "mean_comparator": float(values_b.mean()),
                         "diff": diff, "ci_low": low, "ci_high": high, "p": p})
    frame = pd.DataFrame(rows, columns=["dataset", "question", "selection", "system", "comparator", "metric",
                                        "unit", "n", "mean_system", "mean_comparator", "diff", "ci_low",
                                        "ci_high", "p"])
    frame["p_adjusted"], frame["significant"] = (bh_adjust(frame["p"].to_numpy(), alpha) if len(frame)
                                                 else ([], []))
    return frame


def gain_by_group(pairs: Sequence[Pair], per_user: pd.DataFrame, users: pd.DataFrame, dataset: str,
                  resamples: int = 10_000, seed: int = 0, confidence: float = 0.95) -> pd.DataFrame:
    """Per pair, grouping and group: the P@5 gain (user means over seeds) with its bootstrap
    interval, the group's range of the grouping variable, and the Kruskal-Wallis p of the pair's
    gains differing between the groups (the same on each of its rows)."""
    rows = []
    profile = users.set_index("user")
    for pair in pairs:
        a = _user_means(per_user, pair.selection, pair.system)[ACCURACY]
        b = _user_means(per_user, pair.selection, pair.comparator)[ACCURACY]
        gain = (a - b).rename("gain").to_frame().join(profile, how="inner")
        for grouping, column in GROUPINGS.items():
            source = "train_positives" if grouping == "activity" else "test_popularity_percentile"
            groups = [g["gain"].to_numpy() for _, g in gain.groupby(column, sort=True)]
            varied = len(groups) > 1 and np.ptp(np.concatenate(groups)) > 0
            kruskal = float(stats.kruskal(*groups).pvalue) if varied else math.nan
            for label, group in gain.groupby(column, sort=True):
                values = group["gain"].to_numpy()
                low, high = bootstrap_mean_ci(values, resamples, seed, confidence)
                rows.append({"dataset": dataset, "question": pair.question, "selection": pair.selection,
                             "system": pair.system, "comparator": pair.comparator, "grouping": grouping,
                             "group": label, "n_users": len(values), "low_value": float(group[source].min()),
                             "high_value": float(group[source].max()), "gain": float(values.mean()),
                             "ci_low": float(low[0]), "ci_high": float(high[0]), "p_kruskal": kruskal})
    return pd.DataFrame(rows, columns=["dataset", "question", "selection", "system", "comparator", "grouping",
                                       "group", "n_users", "low_value", "high_value", "gain", "ci_low",
                                       "ci_high", "p_kruskal"])


def read_dynamics(study: StudyRuns) -> pd.DataFrame:
    """Every converged IRGAN run's ``dynamics.csv``, with its keys (runs without one are skipped:
    only this project's IRGAN trainer writes it)."""
    parts = []
    for row in study.runs[study.runs["status"] == "ok"].itertuples(index=False):
        path = Path(row.path) / DYNAMICS
        if path.is_file():
            parts.append(pd.read_csv(path).assign(dataset=row.dataset, selection=row.selection,
                                                  system=row.system, seed=row.seed))
    if not parts:
        return pd.DataFrame(columns=[*SYSTEM_KEYS, "seed", "outer_epoch"])
    frame = pd.concat(parts, ignore_index=True)
    leading = [*SYSTEM_KEYS, "seed"]
    return frame[leading + [c for c in frame.columns if c not in leading]]


def what_moved(paths: Iterable[str], items: pd.DataFrame, users: pd.DataFrame, dataset: str,
               reference: str, starting_point: Sequence[str], families: dict, resamples: int = 10_000,
               seed: int = 0, confidence: float = 0.95, alpha: float = 0.05) -> dict[str, pd.DataFrame]:
    """Every table of the rule ``what_moved`` from the runs named by ``paths``."""
    study = load_runs(paths)
    per_run, per_user = beyond_tables(study, items)
    pairs = plan_pairs(zip(per_run["selection"], per_run["system"], strict=True), reference, starting_point,
                       families)
    return {
        "beyond_accuracy": per_run,
        "beyond_summary": summarise_beyond(per_run, confidence),
        "what_moved": compare_pairs(pairs, per_run, per_user, dataset, resamples, seed, confidence, alpha),
        "what_moved_groups": gain_by_group(pairs, per_user, users, dataset, resamples, seed, confidence),
        "dynamics": read_dynamics(study),
        "beyond_per_user": per_user,  # each run's per-user values (for the figures; not written)
    }


# --------------------------------------------------------------------------- the answers


def _shift(row: pd.Series, what: str, digits: int, unit: str = "") -> str:
    change = "changes" if row["significant"] else "does not change significantly"
    interval = (f"[{row['ci_low']:+.{digits}f}, {row['ci_high']:+.{digits}f}]"
                if math.isfinite(row["ci_low"]) else "(no interval)")
    before, after = f"{row['mean_comparator']:.{digits}f}{unit}", f"{row['mean_system']:.{digits}f}{unit}"
    return f"{what} {change} ({before} → {after}, {signed_text(row['diff'], digits)}{unit} {interval})"


def made_of(table: pd.DataFrame, groups: pd.DataFrame, selection: str, question: str = ADVERSARIAL,
            system: str | None = None) -> str | None:
    """One sentence: what came with a pair's P@5 change under ``selection`` (None: no such pair)."""
    rows = table[(table["question"] == question) & (table["selection"] == selection)]
    if system is not None:
        rows = rows[rows["system"] == system]
    if rows.empty:
        return None
    pick = {m: rows[rows["metric"] == m].iloc[0] for m in PAIR_METRICS if (rows["metric"] == m).any()}
    accuracy, percentile, head = pick[ACCURACY], pick["popularity_percentile@10"], pick["head_share@10"]
    direction = "towards" if percentile["diff"] > 0 else "away from"
    moved = percentile["significant"]
    protocol = {PAPER_SELECTION: "the paper's protocol", HONEST_SELECTION: "the honest protocol"}[selection]
    parts = [f"Under {selection} selection ({protocol}), {accuracy['system']} against "
             f"{accuracy['comparator']}: P@5 {signed_text(accuracy['diff'], 4)} "
             f"[{accuracy['ci_low']:+.4f}, {accuracy['ci_high']:+.4f}]",
             (f"the top-10 moves {direction} popular items" if moved else
              "the top-10's popularity does not move significantly")
             + f" (mean popularity percentile {percentile['mean_comparator']:.1f} → "
               f"{percentile['mean_system']:.1f}; share in the 10 % most popular items "
               f"{head['mean_comparator']:.2f} → {head['mean_system']:.2f})",
             _shift(pick["coverage@10"], "catalogue coverage", 3),
             _shift(pick["gini@10"], "the Gini of recommendation counts", 3)]
    by_activity = groups[(groups["question"] == question) & (groups["selection"] == selection)
                         & (groups["system"] == accuracy["system"]) & (groups["grouping"] == "activity")]
    if len(by_activity):
        best = by_activity.loc[by_activity["gain"].idxmax()]
        worst = by_activity.loc[by_activity["gain"].idxmin()]
        p = float(by_activity["p_kruskal"].iloc[0])
        differs = "differs" if math.isfinite(p) and p < 0.05 else "does not differ significantly"
        parts.append(f"the gain {differs} between activity quartiles (Kruskal-Wallis p = {p:.3g}): "
                     f"largest in {best['group']} ({int(best['low_value'])}-{int(best['high_value'])} "
                     f"training positives, {signed_text(best['gain'], 4)}), smallest in {worst['group']} "
                     f"({int(worst['low_value'])}-{int(worst['high_value'])}, "
                     f"{signed_text(worst['gain'], 4)})")
    return "; ".join(parts) + "."


def dynamics_sentence(dynamics: pd.DataFrame, reference: str, selection: str = PAPER_SELECTION) -> str | None:
    """How the reference's G and D change over training, from the first to the last outer epoch
    (means over seeds)."""
    rows = dynamics[(dynamics["system"] == reference) & (dynamics["selection"] == selection)]
    if rows.empty:
        return None
    means = rows.groupby("outer_epoch").mean(numeric_only=True)
    first, last = means.iloc[0], means.iloc[-1]
    return (f"Over {int(means.index[-1])} outer epochs of {reference} ({selection} selection), the "
            f"perplexity of D's sampler softmax(f_G/{first['temperature']:g}) goes from "
            f"{first['g_perplexity_sample']:.1f} to {last['g_perplexity_sample']:.1f} items, the share of "
            f"D's sample that is a training positive from {first['sample_positive_share']:.3f} to "
            f"{last['sample_positive_share']:.3f}, D's accuracy on held-out positives from "
            f"{first['d_accuracy_heldout']:.3f} to {last['d_accuracy_heldout']:.3f} and on G's sample from "
            f"{first['d_accuracy_sample']:.3f} to {last['d_accuracy_sample']:.3f}, and G's mean reward from "
            f"{first['mean_reward']:+.4f} to {last['mean_reward']:+.4f}.")


def answers(tables: dict[str, pd.DataFrame], reference: str) -> list[str]:
    """The section "what the gain is made of", sentence by sentence, from :func:`what_moved`'s tables."""
    out = [sentence for selection in (PAPER_SELECTION, HONEST_SELECTION)
           if (sentence := made_of(tables["what_moved"], tables["what_moved_groups"], selection)) is not None]
    dynamics = dynamics_sentence(tables["dynamics"], reference)
    if dynamics is not None:
        out.append(dynamics)
    return out


def _oriented(table: pd.DataFrame, selection: str, system: str, comparator: str) -> tuple[pd.DataFrame, bool]:
    """The what-moved rows of ``system`` against ``comparator`` by metric, as a claim orients them:
    a pair compared the other way round (an ablation against the reference) is turned around."""
    rows = table[(table["selection"] == selection) & (table["system"] == system)
                 & (table["comparator"] == comparator)]
    if len(rows):
        return rows.set_index("metric"), False
    rows = table[(table["selection"] == selection) & (table["system"] == comparator)
                 & (table["comparator"] == system)].set_index("metric").copy()
    rows[["mean_system", "mean_comparator"]] = rows[["mean_comparator", "mean_system"]].to_numpy()
    rows["diff"] = -rows["diff"]
    return rows, True


def made_of_cell(table: pd.DataFrame | None, groups: pd.DataFrame | None, system: str,
                 comparators: dict[str, str]) -> str:
    """The claims ledger's ``made_of``: per selection rule where ``system`` against its comparator
    is in the what-moved table, how the top-10's popularity, head share and coverage moved with the
    effect and which activity quartile gained most; ``""`` where no such pair was compared."""
    if table is None or table.empty:
        return ""
    parts = []
    for selection, comparator in comparators.items():
        rows, flipped = _oriented(table, selection, system, comparator)
        if not {"popularity_percentile@10", "head_share@10", "coverage@10"} <= set(rows.index):
            continue

        def moved(metric: str, digits: int, label: str, rows: pd.DataFrame = rows) -> str:
            row = rows.loc[metric]
            star = "*" if row["significant"] else ""
            return f"{label} {row['mean_comparator']:.{digits}f} → {row['mean_system']:.{digits}f}{star}"

        text = ", ".join([moved("popularity_percentile@10", 1, "popularity percentile"),
                          moved("head_share@10", 2, "head share"), moved("coverage@10", 3, "coverage")])
        if groups is not None and len(groups):
            a, b = (comparator, system) if flipped else (system, comparator)
            by_activity = groups[(groups["selection"] == selection) & (groups["system"] == a)
                                 & (groups["comparator"] == b) & (groups["grouping"] == "activity")]
            if len(by_activity):
                gains = -by_activity["gain"] if flipped else by_activity["gain"]
                best = by_activity.loc[gains.idxmax()]
                text += f"; gain largest in activity {best['group']} ({signed_text(gains[best.name], 4)})"
        parts.append(f"{selection}: {text}")
    return "; ".join(parts) + (" (* BH p < 0.05)" if parts else "")
