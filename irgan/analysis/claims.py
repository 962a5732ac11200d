"""The claims ledger: every claim of the paper and of this study, its effect under both selection
rules, and a verdict from rules written down here.

The claims are configured (``statistics.claims``, :class:`irgan.analysis.statistics.Claim`), their
tests computed by :mod:`irgan.analysis.statistics` (paired comparisons, and the tests over seeds of
published figures and of selection optimism, all in ``comparisons.csv`` with their family, adjusted
p-value and detectable effect). This module only reads those rows (through
:class:`~irgan.analysis.study_view.StudyView`) and decides, by two tables:

1. :func:`outcome`: what one selection rule's test says of the claim - ``supported``,
   ``contradicted``, ``undecided`` or ``missing`` - from its adjusted p-value, its effect, the
   smallest effect that matters (:func:`smallest_effect`) and the effect the design detects;
2. :data:`VERDICT_RULES`: the verdict from the two rules' outcomes, in the fixed vocabulary
   :data:`VERDICTS`. The honest rule (epoch chosen on validation) decides; the paper's rule
   (epoch chosen on test) can only add that a claim holds there alone.

Nothing in a row is typed by hand: ``cause`` names the ablations whose tests show they change the
claimed effect, ``reason`` is generated from the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from irgan.analysis.statistics import (
    CORRECTION_NAMES,
    OPTIMISM,
    PAIRED_KINDS,
    PUBLISHED,
    PUBLISHED_TABLES,
    Claim,
    StatisticsSettings,
    published_figure,
)
from irgan.analysis.study_view import StudyView
from irgan.analysis.what_moved import made_of_cell
from irgan.formatting import p_is, protocol_name, signed_text
from irgan.protocol import HONEST_SELECTION, PAPER_SELECTION

#: the verdicts, the only words a ledger row's ``verdict`` holds
REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
ONLY_TEST_SELECTION = "reproduced only under test-set selection"
INCONCLUSIVE = "inconclusive at this power"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, ONLY_TEST_SELECTION, INCONCLUSIVE)

#: what one selection rule's test says of a claim (:func:`outcome`)
SUPPORTED, CONTRADICTED, UNDECIDED, MISSING = "supported", "contradicted", "undecided", "missing"
OUTCOMES = (SUPPORTED, CONTRADICTED, UNDECIDED, MISSING)

#: (outcome under the paper protocol, outcome under the honest protocol) -> verdict. The honest
#: rule decides: a claim it supports is reproduced, one it contradicts is not (and holds under the
#: paper's rule alone when that rule supports it). Where the honest test cannot decide (or did not
#: run), a paper-protocol test that supports the claim shows it holds under test-set selection
#: only, one that contradicts it - the rule that favours the claim - says it is not reproduced.
VERDICT_RULES: dict[tuple[str, str], str] = {
    (SUPPORTED, SUPPORTED): REPRODUCED,
    (CONTRADICTED, SUPPORTED): REPRODUCED,
    (UNDECIDED, SUPPORTED): REPRODUCED,
    (MISSING, SUPPORTED): REPRODUCED,
    (SUPPORTED, CONTRADICTED): ONLY_TEST_SELECTION,
    (SUPPORTED, UNDECIDED): ONLY_TEST_SELECTION,
    (SUPPORTED, MISSING): ONLY_TEST_SELECTION,
    (CONTRADICTED, CONTRADICTED): NOT_REPRODUCED,
    (UNDECIDED, CONTRADICTED): NOT_REPRODUCED,
    (MISSING, CONTRADICTED): NOT_REPRODUCED,
    (CONTRADICTED, UNDECIDED): NOT_REPRODUCED,
    (CONTRADICTED, MISSING): NOT_REPRODUCED,
    (UNDECIDED, UNDECIDED): INCONCLUSIVE,
    (MISSING, UNDECIDED): INCONCLUSIVE,
    (UNDECIDED, MISSING): INCONCLUSIVE,
    (MISSING, MISSING): INCONCLUSIVE,
}

#: the columns of ``claims.csv`` (the paper draft reads them by name): ``paper`` is the selection
#: rule ``test`` (the paper's protocol), ``honest`` the rule ``validation``
LEDGER_COLUMNS = [
    "claim_id", "claim", "source", "kind", "metric", "system", "comparator", "direction", "published",
    "effect_paper", "low_paper", "high_paper", "p_adjusted_paper", "detectable_paper",
    "effect_honest", "low_honest", "high_honest", "p_adjusted_honest", "detectable_honest",
    "test", "family", "verdict", "cause", "made_of", "reason",
]
PROTOCOL_COLUMNS = {PAPER_SELECTION: "paper", HONEST_SELECTION: "honest"}

#: the test each kind of claim is decided by
TESTS = {
    "difference": "paired t-test over users (each user's metric averaged over seeds)",
    PUBLISHED: "one-sample t-test over seeds against the published figure",
    OPTIMISM: "one-sample t-test over seeds against 0",
}


def outcome(row: pd.Series | None, direction: str, smallest: float, alpha: float) -> tuple[str, str]:
    """What one rule's test (a comparisons row read as the claim states it: ``system - comparator``)
    says of a claim, and why, in words.

    ``greater`` / ``less`` (the effect in the claimed direction ``e``):

    - significant (adjusted p below ``alpha``) with ``e > 0``: supported;
    - significant with ``e < 0``: contradicted;
    - not significant, while the design detects an effect of ``smallest`` (its detectable effect
      is no larger): contradicted - an effect that size would have shown;
    - not significant, the detectable effect larger than ``smallest``: undecided.

    ``equal`` is an equivalence question, decided by the interval (two one-sided tests, Schuirmann
    1987, each at half the interval's level): supported when the whole interval of the effect lies
    within +-``smallest``; contradicted when the difference is significant and the interval lies
    wholly outside that band, on one side; undecided otherwise (a non-significant difference alone
    is no evidence of equality). No test (not run, or no p-value): missing.
    """
    if row is None or not math.isfinite(float(row["p_adjusted"])):
        return MISSING, "not tested"
    effect, detectable = float(row["mean_diff"]), float(row["detectable_effect"])
    significant = float(row["p_adjusted"]) < alpha
    powered = math.isfinite(detectable) and detectable <= smallest
    size = f"{smallest:.4f}"
    sees = (f"the design detects {detectable:.4f}" if math.isfinite(detectable)
            else "no detectable effect can be computed")
    only = sees.replace("detects", "detects only")
    if direction == "equal":
        low, high = float(row["boot_low"]), float(row["boot_high"])
        if not (math.isfinite(low) and math.isfinite(high)):
            return UNDECIDED, "no interval, so equivalence cannot be shown"
        if -smallest < low and high < smallest:
            return SUPPORTED, f"equivalent: the whole interval lies within +-{size}"
        if significant and (low >= smallest or high <= -smallest):
            return CONTRADICTED, f"it differs significantly, the whole interval {size} or more away"
        return UNDECIDED, f"the interval reaches beyond +-{size}, so equivalence is not shown ({sees})"
    claimed = effect if direction == "greater" else -effect
    if significant:
        return ((SUPPORTED, "significant in the claimed direction") if claimed > 0
                else (CONTRADICTED, "significant in the opposite direction"))
    if powered:
        return CONTRADICTED, f"not significant, though {sees}, no more than {size}"
    return UNDECIDED, f"not significant, and {only}, more than {size}"


def verdict(paper: str, honest: str) -> str:
    """The verdict of :data:`VERDICT_RULES` for the two rules' outcomes."""
    return VERDICT_RULES[(paper, honest)]


def published_effect(claim: Claim, settings: StatisticsSettings, dataset: str) -> float:
    """What the paper published for the claim on ``dataset``: the figure itself (``published``),
    the difference of the two systems' figures (``difference``, where both have one), else NaN."""
    rows = settings.paper_rows or {}
    own = published_figure(dataset, rows, claim.system, claim.metric)
    if claim.kind == PUBLISHED:
        return own[1] if own is not None else math.nan
    if claim.kind != "difference" or own is None:
        return math.nan
    for comparator in claim.comparator:
        other = published_figure(dataset, rows, comparator, claim.metric)
        if other is not None:
            return own[1] - other[1]
    return math.nan


def smallest_effect(claim: Claim, settings: StatisticsSettings, published: float) -> float:
    """The smallest effect that matters for a claim: the published difference where the paper
    publishes one for a claimed difference (the size it claims), else the claim's ``margin``
    (``statistics.smallest_effect``)."""
    return abs(published) if _sized_by_paper(claim, published) else settings.margin(claim)


def _sized_by_paper(claim: Claim, published: float) -> bool:
    """Whether a claim's size is the paper's: a claimed difference (not an equality) it published."""
    return claim.kind == "difference" and claim.direction != "equal" and math.isfinite(published) \
        and published != 0


def _test_row(view: StudyView, claim: Claim, selection: str) -> tuple[pd.Series | None, str, str]:
    """The test of ``claim`` under ``selection`` (as ``system - comparator``), the comparator, and
    why there is none (empty when there is)."""
    ran = set(view.summary_rows(selection, claim.metric, converged=True)["system"])
    absent = "" if claim.system in ran else _absent(view, [claim.system], claim.metric, selection)
    if claim.kind in (PUBLISHED, OPTIMISM):
        rows = view.comparisons_of(claim.kind, selection, claim.metric, claim.system)
        if claim.kind == OPTIMISM and selection == PAPER_SELECTION:
            absent = "the optimism is 0 by construction (the epoch is chosen on test)"
        against = PUBLISHED if claim.kind == PUBLISHED else claim.system
        return (rows.iloc[0] if len(rows) else None), against, absent or "no test was made"
    comparator = claim.comparator_under(ran)
    if comparator is None:
        return None, claim.comparator[0], absent or _absent(view, claim.comparator, claim.metric, selection)
    test = view.oriented(claim.system, comparator, claim.metric, selection, PAIRED_KINDS)
    return test, comparator, absent or f"`{claim.system}` and `{comparator}` were not compared"


def _absent(view: StudyView, systems: tuple[str, ...] | list[str], metric: str, selection: str) -> str:
    """Why systems have no figure under a rule: not run, or every run diverged."""
    names = " or ".join(f"`{name}`" for name in systems)
    if any(view.row(name, metric, selection) is not None for name in systems):
        return f"every run of {names} diverged"
    return f"{names} was not run"


def _subject(claim: Claim, comparator: str, dataset: str) -> str:
    """What the effect is, in words: ```a` − `b``."""
    if claim.kind == PUBLISHED:
        return f"`{claim.system}` − its published figure ({PUBLISHED_TABLES[dataset][0]})"
    if claim.kind == OPTIMISM:
        return (f"the optimism of `{claim.system}` (best test {claim.metric} over its epochs − the one at "
                "the epoch validation chose)")
    return f"`{claim.system}` − `{comparator}`"


def _evidence(row: pd.Series | None, claim: Claim, comparator: str, selection: str, dataset: str,
              phrase: str, absent: str, confidence: float) -> str:
    """One rule's part of the reason: the effect, its interval, its adjusted p-value, and what it says."""
    where = f"under the {protocol_name(selection)}"
    if row is None or not math.isfinite(float(row["p_adjusted"])):
        return f"{where} {absent}"
    interval = ""
    if math.isfinite(row["boot_low"]) and math.isfinite(row["boot_high"]):
        interval = (f" ({confidence:.0%} interval {signed_text(row['boot_low'])} to "
                    f"{signed_text(row['boot_high'])})")
    correction = CORRECTION_NAMES.get(str(row["correction"]), str(row["correction"]))
    return (f"{where} {_subject(claim, comparator, dataset)} = {signed_text(row['mean_diff'])}{interval}, "
            f"{correction} {p_is(row['p_adjusted'])} among {int(row['family_size'])} tests: {phrase}")


def _variants(view: StudyView, selection: str, metric: str, system: str,
              comparator: str) -> list[tuple[str, str, str]]:
    """The ablations that vary one side of the claim ``system - comparator``: ``(ablation, the pair
    with that side replaced, ...)`` as ``(name, new system, new comparator)``. An ablation of a side
    (compared with it in its family), and, where a side is itself an ablation member, the other
    members of its family compared with the same system."""
    rows = view.comparisons_of("ablation", selection, metric)
    if rows.empty:
        return []
    sides = {system, comparator}
    out = []
    for name, reference, family in zip(rows["system"], rows["reference"], rows["ablation_family"],
                                       strict=True):
        if name in sides:
            continue
        if reference in sides:  # an ablation of one side
            out.append((name, name, comparator) if reference == system else (name, system, name))
        for side in sides:  # a sibling of a side that is itself an ablation member
            own = rows[(rows["system"] == side) & (rows["ablation_family"] == family)
                       & (rows["reference"] == reference)]
            if len(own):
                out.append((name, name, comparator) if side == system else (name, system, name))
    return list(dict.fromkeys(out))


def _cause(view: StudyView, claim: Claim, outcomes: dict[str, str], comparators: dict[str, str],
           selections: list[str], smallest: float, alpha: float) -> str:
    """The ablations that would change the verdict, ``"; "``-separated, the largest change first.

    A ``difference`` claim ``system - comparator`` is tested again with one side replaced by an
    ablation that varies it (:func:`_variants`): an ablation whose test, read by the same rule
    (:func:`outcome`, the same smallest effect), comes out otherwise under a protocol the verdict
    rests on removes or creates the effect, and explains it. A claim about one system (a published
    figure) names the ablations of that system that change its figure significantly by the
    smallest difference that matters or more. Selection optimism has no ablation cause.
    """
    found: dict[str, float] = {}
    for selection in selections:
        if claim.kind == PUBLISHED:
            rows = view.comparisons_of("ablation", selection, claim.metric)
            if rows.empty:
                continue
            rows = rows[(rows["reference"] == claim.system) & (rows["p_adjusted"] < alpha)
                        & (rows["mean_diff"].abs() >= smallest)]
            for name, diff in zip(rows["system"], rows["mean_diff"], strict=True):
                found[name] = max(found.get(name, 0.0), abs(float(diff)))
        elif claim.kind == "difference":
            claimed = view.oriented(claim.system, comparators[selection], claim.metric, selection,
                                    PAIRED_KINDS)
            base = float(claimed["mean_diff"]) if claimed is not None else 0.0
            for name, system, comparator in _variants(view, selection, claim.metric, claim.system,
                                                      comparators[selection]):
                test = view.oriented(system, comparator, claim.metric, selection, PAIRED_KINDS)
                result, _ = outcome(test, claim.direction, smallest, alpha)
                if result not in (MISSING, outcomes[selection]):
                    found[name] = max(found.get(name, 0.0), abs(float(test["mean_diff"]) - base))
    return "; ".join(sorted(found, key=lambda s: (-found[s], s)))


def ledger_row(view: StudyView, claim: Claim, settings: StatisticsSettings, dataset: str,
               what_moved: pd.DataFrame | None = None, what_moved_groups: pd.DataFrame | None = None) -> dict:
    """One claim's row of the ledger (:data:`LEDGER_COLUMNS`); ``made_of`` from the what-moved tables
    (:func:`irgan.analysis.what_moved.made_of_cell`) where given."""
    published = published_effect(claim, settings, dataset)
    smallest = smallest_effect(claim, settings, published)
    row = {"claim_id": claim.id, "claim": claim.claim, "source": claim.source, "kind": claim.kind,
           "metric": claim.metric, "system": claim.system, "direction": claim.direction,
           "published": published, "test": TESTS[claim.kind],
           "family": "confirmatory" if claim.metric == settings.primary_metric else "exploratory"}
    outcomes, parts, comparators = {}, [], {}
    for selection, column in PROTOCOL_COLUMNS.items():
        test, comparator, absent = _test_row(view, claim, selection)
        outcomes[selection], phrase = outcome(test, claim.direction, smallest, settings.alpha)
        parts.append(_evidence(test, claim, comparator, selection, dataset, phrase, absent,
                               settings.confidence))
        comparators[selection] = comparator
        for name, field in (("effect", "mean_diff"), ("low", "boot_low"), ("high", "boot_high"),
                            ("p_adjusted", "p_adjusted"), ("detectable", "detectable_effect")):
            row[f"{name}_{column}"] = float(test[field]) if test is not None else math.nan
    if claim.kind == PUBLISHED:
        row["comparator"] = f"published ({PUBLISHED_TABLES[dataset][0]})"
    elif claim.kind == OPTIMISM:
        row["comparator"] = "the epoch chosen on validation"
    else:
        row["comparator"] = "; ".join(dict.fromkeys(comparators.values()))
    row["verdict"] = verdict(outcomes[PAPER_SELECTION], outcomes[HONEST_SELECTION])
    if row["verdict"] == ONLY_TEST_SELECTION:
        deciding = [s for s in PROTOCOL_COLUMNS if outcomes[s] != MISSING]
    else:
        deciding = [HONEST_SELECTION if outcomes[HONEST_SELECTION] != MISSING else PAPER_SELECTION]
    row["cause"] = _cause(view, claim, outcomes, comparators, deciding, smallest, settings.alpha)
    row["made_of"] = (made_of_cell(what_moved, what_moved_groups, claim.system, comparators)
                      if claim.kind == "difference" else "")
    basis = (f"the published difference of {smallest:.4f}" if _sized_by_paper(claim, published)
             else f"the smallest difference that matters ({smallest:.4f})")
    row["reason"] = f"{parts[0][0].upper()}{parts[0][1:]}; {parts[1]}; against {basis}: {row['verdict']}."
    return row


def applies(claim: Claim, settings: StatisticsSettings, dataset: str) -> bool:
    """Whether a claim is in ``dataset``'s ledger: a published figure only where it was published."""
    return claim.kind != PUBLISHED or published_figure(
        dataset, settings.paper_rows or {}, claim.system, claim.metric) is not None


def ledger(statistics: Mapping[str, pd.DataFrame], settings: StatisticsSettings,
           dataset: str) -> pd.DataFrame:
    """The claims ledger of ``dataset`` from its statistics tables (``summary``, ``comparisons``, and
    where the rule what_moved ran ``what_moved`` and ``what_moved_groups``): one row per claim that
    applies to it (:func:`applies`), in the config's order."""
    view = StudyView(statistics["summary"], statistics.get("comparisons"), reference=settings.reference,
                     dataset=dataset)
    moved, groups = statistics.get("what_moved"), statistics.get("what_moved_groups")
    rows = [ledger_row(view, claim, settings, dataset, moved, groups) for claim in settings.claims
            if applies(claim, settings, dataset)]
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)
