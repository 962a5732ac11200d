"""Each ablation family's one-sentence answer, generated from its paired tests.

The question a family answers is in the config (``statistics.families``); the answer says, per
protocol, whether any member differs from its comparator after its family's correction (the
design of ``statistics.correction``: Benjamini-Hochberg within the ablation family for
exploratory tests, Holm for the claims ledger's confirmatory ones), in which direction, and the
largest difference with its bootstrap interval; beside every "n.s." the smallest difference the
test could detect (``detectable_effect``), so that "no difference" reads as "none as large as
this" - or that the members diverged, or did not run. The report's ``ablation_answers`` table,
the paper draft and the README's findings all take their sentence from :func:`family_answer`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from irgan.analysis.statistics import CORRECTION_NAMES, StatisticsSettings, ablation_family_of, is_irgan
from irgan.analysis.study_view import StudyView
from irgan.formatting import code_list, signed_text, the_protocol

NOT_RUN = "Not run in this study."


def _difference(row: pd.Series, confidence: float) -> str:
    """```a` − `b` +0.0123 (95% CI [+0.0050, +0.0190])``; a difference that is not significant
    says so, with the smallest difference its test detects: ``(95% CI [...]; n.s., detectable
    |Δ| ≥ 0.0121)``."""
    interval = f"{confidence:.0%} CI [{signed_text(row['boot_low'])}, {signed_text(row['boot_high'])}]"
    if not bool(row["significant"]):
        interval += f"; n.s., {_detectable(row['detectable_effect'])}"
    return f"`{row['system']}` − `{row['reference']}` {signed_text(row['mean_diff'])} ({interval})"


def _detectable(value: float) -> str:
    """``detectable |Δ| ≥ 0.0121`` (the test's detectable effect), or that none can be computed."""
    return f"detectable |Δ| ≥ {value:.4f}" if math.isfinite(value) else "no detectable effect computable"


def _detectable_range(values: list[float]) -> str:
    """``detectable |Δ| ≥ 0.0100 to 0.0140``: the detectable effects of several tests."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return _detectable(math.nan)
    low, high = f"{min(finite):.4f}", f"{max(finite):.4f}"
    return f"detectable |Δ| ≥ {low}" + ("" if low == high else f" to {high}")


def _largest(rows: list[pd.Series]) -> pd.Series:
    return max(rows, key=lambda r: (abs(r["mean_diff"]), r["system"]))


def _correction(rows: list[pd.Series]) -> str:
    """The correction the rows' families applied, as the sentence names it."""
    kinds = {str(r["correction"]) for r in rows}
    if kinds == {"bh"}:
        return "Benjamini-Hochberg within the family (exploratory)"
    if kinds == {"holm"}:
        confirmatory = all(bool(r["confirmatory"]) for r in rows) and any(
            str(r["family"]).endswith("/confirmatory") for r in rows)
        return "Holm (the ledger's confirmatory claims)" if confirmatory else "Holm"
    return ("correction (Holm for the ledger's confirmatory claims, "
            f"{CORRECTION_NAMES['bh']} within the family otherwise)")


def protocol_answer(view: StudyView, members: list[str], metric: str, selection: str,
                    confidence: float) -> str | None:
    """The answer under one protocol (None when no member ran under it)."""
    ran = [m for m in members if view.row(m, metric, selection) is not None]
    if not ran:
        return None
    diverged = [m for m in ran if view.mean(m, metric, selection) is None]
    rows = [view.ablation_comparison(m, metric, selection) for m in ran if m not in diverged]
    rows = [r for r in rows
            if r is not None and math.isfinite(r["p_adjusted"]) and math.isfinite(r["mean_diff"])]
    n = len(rows)
    significant = [r for r in rows if bool(r["significant"])]
    where = f"under {the_protocol(selection)}"
    if significant:
        up = sum(r["mean_diff"] > 0 for r in significant)
        down = len(significant) - up
        ways = " and ".join(text for count, text in ((up, f"{up} higher"), (down, f"{down} lower")) if count)
        text = (f"{where}, {len(significant)} of {n} compared differ{'s' if len(significant) == 1 else ''} "
                f"significantly from {'its' if n == 1 else 'their'} comparator after {_correction(rows)} "
                f"({ways}); the largest: {_difference(_largest(significant), confidence)}")
        rest = [float(r["detectable_effect"]) for r in rows if not bool(r["significant"])]
        if rest:
            text += f"; the other {len(rest)} n.s., {_detectable_range(rest)}"
    elif rows:
        subject = "the one member compared does not differ" if n == 1 else f"none of the {n} compared differs"
        text = (f"{where}, {subject} significantly from {'its' if n == 1 else 'their'} comparator after "
                f"{_correction(rows)} (the largest difference: {_difference(_largest(rows), confidence)})")
    else:
        text = f"{where}, no member could be tested (diverged, or its comparator did not run)"
    if diverged:
        text += f"; every run of {code_list(diverged)} diverged"
    return text


def family_answer(view: StudyView, members: list[str], metric: str, confidence: float) -> str:
    """One sentence: the family's answer on ``metric`` under each protocol its members ran."""
    parts = [part for selection in view.selections()
             if (part := protocol_answer(view, members, metric, selection, confidence)) is not None]
    if not parts:
        return NOT_RUN
    return f"On {metric}, " + "; ".join(parts) + "."


def family_members(view: StudyView, families: dict, family: str, reference: str,
                   separate: Callable[[str], bool] = lambda system: False) -> list[str]:
    """The IRGAN systems of a family that ran (any protocol), by name; ``other`` gathers the rest.
    ``separate`` systems (the tuned IRGAN of the equal-budget comparison) belong to no family."""
    return [s for s in view.systems() if is_irgan(s) and s != reference and not separate(s)
            and ablation_family_of(s, families) == family]


def answers(view: StudyView, settings: StatisticsSettings) -> pd.DataFrame:
    """family, question, metric, members, answer: one row per configured family (and ``other``
    when some IRGAN variant belongs to none)."""
    families = dict(settings.families or {})
    rows = []
    for family, spec in families.items():
        members = family_members(view, families, family, settings.reference, settings.equal_budget_member)
        rows.append({"family": family, "question": " ".join(str(spec.get("question", "")).split()),
                     "metric": settings.headline_metric, "members": ", ".join(members),
                     "answer": family_answer(view, members, settings.headline_metric, settings.confidence)})
    other = family_members(view, families, "other", settings.reference, settings.equal_budget_member)
    if other:
        rows.append({"family": "other", "question": "IRGAN variants outside the configured families.",
                     "metric": settings.headline_metric, "members": ", ".join(other),
                     "answer": family_answer(view, other, settings.headline_metric, settings.confidence)})
    return pd.DataFrame(rows, columns=["family", "question", "metric", "members", "answer"])
