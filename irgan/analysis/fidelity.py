"""Fidelity: does the re-implementation give what the authors' own code gives?

The study runs the authors' original ``cf_gan.py`` (irgan/original/authors_code.py) as the system
``irgan-authors-code``, from the same released start and with the same selection (best test
P@5) as the reference ``irgan-code``, and their ``cf_dns.py`` as ``dns-authors-code`` beside this
project's ``dns`` (test rule). For each such pair, three views, each with a test of difference
and an equivalence test (two one-sided tests, TOST, within ``± margin``):

- the selected model's test metric per seed (Welch's t-test; statsmodels' ``ttost_ind`` with
  unequal variances): do the two give the same distribution of results over seeds?
- the final epoch's test metric per seed (the same tests): the same, without selection;
- per user, each system's metric averaged over its seeds, paired over users (paired t-test and
  ``ttost_paired``; Wilcoxon beside it): do the two rank the same users' items as well?

A difference and an equivalence can both hold (a real but smaller-than-margin difference);
neither holding says the seeds cannot tell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from irgan.analysis import stat_tests
from irgan.contract.runs import StudyRuns, per_user_means
from irgan.formatting import number_text, p_is, signed_text

FIDELITY_COLUMNS = [
    "dataset", "original", "reference", "view", "metric", "n_original", "n_reference",
    "mean_original", "sd_original", "mean_reference", "sd_reference", "diff", "ci_low", "ci_high",
    "ci_level", "p_difference", "test_difference", "p_equivalence", "margin", "p_wilcoxon", "verdict",
]
CURVE_COLUMNS = ["dataset", "original", "reference", "system", "epoch", "metric", "n_seeds", "mean", "low",
                 "high"]


DEFAULT_PAIRS = (("irgan-authors-code", "irgan-code"), ("dns-authors-code", "dns"))


@dataclass(frozen=True)
class FidelitySettings:
    """``statistics.fidelity`` of the config: each original (the authors' code run by the study)
    with the re-implementation it is set against, the metric and the equivalence margin."""

    pairs: tuple[tuple[str, str], ...] = DEFAULT_PAIRS
    metric: str = "P@5"
    margin: float = 0.01

    @classmethod
    def from_config(cls, section: dict | None) -> FidelitySettings:
        section = section or {}
        pairs = section.get("pairs")
        return cls(pairs=tuple((str(o), str(r)) for o, r in pairs.items()) if pairs else DEFAULT_PAIRS,
                   metric=str(section.get("metric", cls.metric)),
                   margin=float(section.get("margin", cls.margin)))


def selected_values(study: StudyRuns, system: str, metric: str) -> pd.Series:
    """Per seed: the test metric of the model the run selected (its per-user table's mean)."""
    rows = study.per_user[(study.per_user["system"] == system) & (study.per_user["selection"] == "test")]
    return rows.groupby("seed")[metric].mean() if not rows.empty else pd.Series(dtype=float)


def _trained_rows(study: StudyRuns, systems, metric: str) -> pd.DataFrame:
    """Test-rule curve rows of the model each run reports (IRGAN's G, DNS's DNS) on test."""
    curves = study.curves
    if curves.empty or metric not in curves.columns:
        return pd.DataFrame(columns=["system", "seed", "epoch", metric])
    reported = study.runs[["system", "selection", "seed", "reported_model"]].rename(
        columns={"reported_model": "model"})
    rows = curves[curves["system"].isin(list(systems)) & (curves["selection"] == "test")
                  & (curves["split"] == "test")].merge(reported, on=["system", "selection", "seed", "model"])
    return rows.dropna(subset=[metric])


def final_values(study: StudyRuns, system: str, metric: str) -> pd.Series:
    """Per seed: the test metric of the trained model after its last epoch (from the curve)."""
    rows = _trained_rows(study, [system], metric)
    if rows.empty:
        return pd.Series(dtype=float)
    last = rows.sort_values("epoch").groupby("seed").tail(1)
    return last.set_index("seed")[metric].sort_index()


def _verdict(p_difference: float, p_equivalence: float, alpha: float, margin: float,
             identical: bool = False) -> str:
    if identical:
        return "identical"
    different = math.isfinite(p_difference) and p_difference < alpha
    equivalent = math.isfinite(p_equivalence) and p_equivalence < alpha
    if different and equivalent:
        return f"different, but by less than ±{margin:g}"
    if equivalent:
        return f"equivalent within ±{margin:g}"
    if different:
        return "different"
    return "inconclusive"


def seed_view(original: pd.Series, reference: pd.Series, margin: float, alpha: float) -> dict:
    """Welch's test and TOST on per-seed values, and the (1 - 2 alpha) interval of the difference
    that TOST's decision corresponds to."""
    a, b = original.to_numpy(dtype=float), reference.to_numpy(dtype=float)
    row = {"n_original": len(a), "n_reference": len(b),
           "mean_original": float(a.mean()) if len(a) else math.nan, "sd_original": stat_tests.sample_sd(a),
           "mean_reference": float(b.mean()) if len(b) else math.nan, "sd_reference": stat_tests.sample_sd(b),
           "test_difference": "Welch's t-test over seeds", "p_wilcoxon": math.nan,
           "ci_level": 1 - 2 * alpha}
    row["diff"] = row["mean_original"] - row["mean_reference"]
    _, row["p_difference"] = stat_tests.welch_over_seeds(a, b)
    if len(a) and len(b) and a.var() == 0 and b.var() == 0:
        # no spread on either side: the evidence is exact (as for constant paired differences)
        row["p_difference"] = 0.0 if row["diff"] != 0 else 1.0
    equivalence = stat_tests.tost_independent(a, b, margin, alpha)
    row |= {"p_equivalence": equivalence.p, "ci_low": equivalence.ci_low, "ci_high": equivalence.ci_high}
    return row


def user_view(study: StudyRuns, original: str, reference: str, metric: str, margin: float,
              alpha: float) -> dict | None:
    """Paired over users: each user's metric averaged over each system's seeds."""
    means = per_user_means(study)
    rows = means[(means["selection"] == "test") & means["system"].isin([original, reference])]
    wide = rows.pivot(index="user", columns="system", values=metric).dropna()
    if original not in wide.columns or reference not in wide.columns or len(wide) < 2:
        return None
    a, b = wide[original].to_numpy(), wide[reference].to_numpy()
    tests = stat_tests.paired_tests(a[:, None], b[:, None])
    equivalence = stat_tests.tost_paired(a, b, margin, alpha)
    return {"n_original": len(a), "n_reference": len(b), "mean_original": float(a.mean()),
            "sd_original": math.nan, "mean_reference": float(b.mean()), "sd_reference": math.nan,
            "diff": float((a - b).mean()), "ci_low": equivalence.ci_low, "ci_high": equivalence.ci_high,
            "ci_level": 1 - 2 * alpha, "p_difference": float(tests.p[0]),
            "test_difference": "paired t-test over users (seed means)",
            "p_equivalence": equivalence.p,
            "p_wilcoxon": float(tests.p_wilcoxon[0])}


def fidelity(study: StudyRuns, settings: FidelitySettings, alpha: float, dataset: str) -> pd.DataFrame:
    """The fidelity table: three views per pair; a pair without converged runs of both is left out."""
    frames = [_pair(study, original, reference, settings, alpha, dataset)
              for original, reference in settings.pairs]
    frames = [frame for frame in frames if not frame.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=FIDELITY_COLUMNS)


def _pair(study: StudyRuns, original: str, reference: str, settings: FidelitySettings, alpha: float,
          dataset: str) -> pd.DataFrame:
    metric, margin = settings.metric, settings.margin
    if study.per_user.empty or metric not in study.metrics:
        return pd.DataFrame(columns=FIDELITY_COLUMNS)
    views = {"selected model, per seed": (selected_values(study, original, metric),
                                          selected_values(study, reference, metric)),
             "final epoch, per seed": (final_values(study, original, metric),
                                       final_values(study, reference, metric))}
    rows = []
    for view, (a, b) in views.items():
        if a.empty or b.empty:
            return pd.DataFrame(columns=FIDELITY_COLUMNS)
        rows.append({"view": view, **seed_view(a, b, margin, alpha)})
    users = user_view(study, original, reference, metric, margin, alpha)
    if users is not None:
        rows.append({"view": "per user (seed means), paired", **users})
    frame = pd.DataFrame(rows).assign(dataset=dataset, metric=metric, original=original,
                                      reference=reference, margin=margin)
    identical = (frame["diff"] == 0) & (frame["ci_low"] == 0) & (frame["ci_high"] == 0)
    frame["verdict"] = [_verdict(d, e, alpha, margin, same) for d, e, same in
                        zip(frame["p_difference"], frame["p_equivalence"], identical, strict=True)]
    return frame[FIDELITY_COLUMNS]


def fidelity_curves(study: StudyRuns, settings: FidelitySettings, dataset: str) -> pd.DataFrame:
    """Per epoch: the test metric's mean and range over seeds of each system of each pair whose
    two systems both ran (test rule; the model each run reports)."""
    metric = settings.metric
    frames = []
    for original, reference in settings.pairs:
        rows = _trained_rows(study, (original, reference), metric)
        if rows.empty or rows["system"].nunique() < 2:
            continue
        grouped = rows.groupby(["system", "epoch"])[metric]
        frame = grouped.agg(n_seeds="count", mean="mean", low="min", high="max").reset_index()
        frames.append(frame.assign(dataset=dataset, metric=metric, original=original, reference=reference))
    if not frames:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    return pd.concat(frames, ignore_index=True)[CURVE_COLUMNS]


def fidelity_sentence(table: pd.DataFrame, digits: int = 4) -> str:
    """A sentence or two per pair, generated from the fidelity table (empty without it)."""
    if table.empty:
        return ""
    parts = []
    for (original, reference), rows in table.groupby(["original", "reference"], sort=False):
        selected = rows[rows["view"] == "selected model, per seed"].iloc[0]
        parts.append(
            f"The authors' own code run by the study (`{original}`, {int(selected['n_original'])} seeds) "
            f"reaches test {selected['metric']} {number_text(selected['mean_original'], digits)} at its "
            f"selected epoch against {number_text(selected['mean_reference'], digits)} for the "
            f"re-implementation (`{reference}`, {int(selected['n_reference'])} seeds): a difference of "
            f"{signed_text(selected['diff'], digits)} ({selected['ci_level']:.0%} CI "
            f"{signed_text(selected['ci_low'], digits)} to {signed_text(selected['ci_high'], digits)}; "
            f"Welch {p_is(selected['p_difference'])}, TOST {p_is(selected['p_equivalence'])}): "
            f"{selected['verdict']}."
        )
        users = rows[rows["view"] == "per user (seed means), paired"]
        if not users.empty:
            row = users.iloc[0]
            parts.append(f"Paired over {int(row['n_original'])} users the difference is "
                         f"{signed_text(row['diff'], digits)} (paired t {p_is(row['p_difference'])}, TOST "
                         f"{p_is(row['p_equivalence'])}): {row['verdict']}.")
    return " ".join(parts)
