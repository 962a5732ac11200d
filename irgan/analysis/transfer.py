"""Does it transfer? The study's findings on its first dataset set beside the same findings on others.

Each dataset's statistics (``summary.csv``, ``comparisons.csv``, ``optimism_summary.csv``, read
through one :class:`~irgan.analysis.study_view.StudyView` per dataset) answer the same questions on
the headline metric, each under the selection rules it ran:

- ``reference``: the reference's seed mean (for scale; not a finding);
- ``gain-over-start``: the reference minus its start (the first of ``statistics.starting_point``
  that ran under the rule: the authors' released file under the paper protocol where it is
  published, this project's DNS otherwise), paired over users;
- ``strongest-baseline``: the reference minus the strongest (highest seed mean) baseline it is
  compared with, untuned, paired over users;
- ``equal-budget``: the tuned IRGAN minus the strongest other tuned system, all tuned with the same
  budget (the honest rule only: the tuned systems are chosen on validation);
- ``optimism``: what choosing the epoch on test adds to the reference's honest runs (over seeds);
- ``ablation``: each member of each ablation family minus its comparator, paired over users.

Each answer is one :class:`Finding` with its estimate, interval, adjusted p-value and detectable
effect, exactly as the dataset's statistics give them (nothing is tested again here), and an
``outcome``: higher, lower (significant after the design's correction) or no difference. A finding
of the first dataset *holds* on another where the outcome is the same; :func:`holds_sentences`
says so, one generated sentence per question. The claims ledgers (``tables/claims.csv``) are set
side by side too: each claim's verdict per dataset (:func:`ledger_verdicts`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import pandas as pd

from irgan.analysis.statistics import StatisticsSettings, ablation_family_of, is_irgan
from irgan.analysis.study_view import StudyView, drawn_interval
from irgan.errors import IrganError
from irgan.formatting import code_list, signed_text, the_protocol
from irgan.protocol import HONEST_SELECTION, SELECTIONS
from irgan.published import RELEASED_START_SYSTEM

#: the outcome of one question on one dataset
HIGHER, LOWER, NO_DIFFERENCE, NOT_TESTED = "higher", "lower", "no difference", "not tested"
#: a level (the reference's mean), not a difference: it has no outcome and no transfer
LEVEL = ""

#: the questions, in the table's order, and how a sentence names each
QUESTIONS = {
    "reference": "the reference's {metric}",
    "gain-over-start": "the reference's gain over its start",
    "strongest-baseline": "the reference against the strongest baseline",
    "equal-budget": "the tuned IRGAN against the strongest tuned system (equal budget)",
    "optimism": "the optimism of choosing the epoch on test",
    "ablation": "ablation family {family}",
}

#: the columns of the transfer table's data (``transfer.csv``)
COLUMNS = ["question", "family", "selection", "metric", "dataset", "system", "comparator", "estimate", "low",
           "high", "interval", "p_adjusted", "detectable_effect", "outcome", "holds"]


class TransferError(IrganError):
    """The datasets' statistics cannot be set side by side (too few, or a ledger without verdicts)."""


@dataclass(frozen=True)
class Finding:
    """One question's answer on one dataset under one selection rule (a row of ``transfer.csv``)."""

    question: str
    selection: str
    metric: str
    dataset: str
    system: str
    comparator: str
    estimate: float
    low: float
    high: float
    interval: str  # what [low, high] is: bootstrap over users, t or range over seeds
    p_adjusted: float
    detectable_effect: float
    outcome: str
    family: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        """What the same finding on another dataset shares: the question, family, rule and - for an
        ablation, whose members are named the same everywhere - the member."""
        member = self.system if self.question == "ablation" else ""
        return (self.question, self.family, self.selection, member)


def _true(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "1.0")


def _finite(value) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def outcome_of(row: pd.Series | None) -> str:
    """higher / lower (significant after its family's correction) / no difference / not tested."""
    if row is None or not (_finite(row.get("mean_diff")) and _finite(row.get("p_adjusted"))):
        return NOT_TESTED
    if _true(row.get("significant")):
        return HIGHER if float(row["mean_diff"]) > 0 else LOWER
    return NO_DIFFERENCE


def _from_comparison(question: str, view: StudyView, dataset: str, selection: str, metric: str,
                     row: pd.Series | None, system: str, comparator: str, interval: str,
                     family: str = "") -> Finding:
    """A finding from a comparison row (``system - comparator``), or an untested one where none is."""
    if row is None:
        return Finding(question, selection, metric, dataset, system, comparator, math.nan, math.nan, math.nan,
                       "", math.nan, math.nan, NOT_TESTED, family)
    return Finding(question, selection, metric, dataset, system, str(row["reference"]),
                   float(row["mean_diff"]), float(row["boot_low"]), float(row["boot_high"]), interval,
                   float(row.get("p_adjusted", math.nan)), float(row.get("detectable_effect", math.nan)),
                   outcome_of(row), family)


def start_under(view: StudyView, settings: StatisticsSettings, metric: str, selection: str) -> str | None:
    """The reference's start under a rule: the first of ``statistics.starting_point`` that ran."""
    return next((s for s in settings.starting_point if view.mean(s, metric, selection) is not None), None)


def strongest_baseline(view: StudyView, settings: StatisticsSettings, metric: str,
                       selection: str) -> str | None:
    """The baseline with the highest seed mean among those the reference is compared with (its
    released start, not a baseline of the study, left out)."""
    rows = view.comparisons_of("irgan-vs-baseline", selection, metric, settings.reference)
    compared = list(dict.fromkeys(rows["reference"])) if len(rows) else []
    candidates = [s for s in compared if s != RELEASED_START_SYSTEM]
    return view.best_of(candidates, metric, selection)


def strongest_tuned(view: StudyView, settings: StatisticsSettings, metric: str) -> str | None:
    """The tuned system with the highest seed mean among those the tuned IRGAN is compared with
    (the untuned systems of ``equal_budget.also`` left out)."""
    budget = settings.equal_budget
    if budget is None:
        return None
    rows = view.comparisons_of("equal-budget", HONEST_SELECTION, metric, budget.system)
    candidates = [s for s in dict.fromkeys(rows["reference"]) if s not in budget.also] if len(rows) else []
    return view.best_of(candidates, metric, HONEST_SELECTION)


def family_members(view: StudyView, settings: StatisticsSettings, family: str) -> list[str]:
    """The IRGAN systems of an ablation family that ran on the dataset (the tuned IRGAN of the
    equal-budget comparison belongs to none)."""
    families = dict(settings.families or {})
    return [s for s in view.systems() if is_irgan(s) and s != settings.reference
            and not settings.equal_budget_member(s) and ablation_family_of(s, families) == family]


def findings(view: StudyView, settings: StatisticsSettings, dataset: str) -> list[Finding]:
    """Every question's answer on one dataset, on the headline metric, under each rule it ran."""
    metric, reference = settings.headline_metric, settings.reference
    out: list[Finding] = []
    selections = [s for s in SELECTIONS if s in view.selections()]
    for selection in selections:
        row = view.mean(reference, metric, selection)
        if row is not None:
            low, high, kind = drawn_interval(row)
            out.append(Finding("reference", selection, metric, dataset, reference, "", float(row["mean"]),
                               float(low), float(high), kind, math.nan, math.nan, LEVEL))
    for selection in selections:
        start = start_under(view, settings, metric, selection) or ""
        row = view.oriented(reference, start, metric, selection) if start else None
        out.append(_from_comparison("gain-over-start", view, dataset, selection, metric, row, reference,
                                    start, "bootstrap over users"))
    for selection in selections:
        best = strongest_baseline(view, settings, metric, selection) or ""
        row = view.oriented(reference, best, metric, selection, ("irgan-vs-baseline",)) if best else None
        out.append(_from_comparison("strongest-baseline", view, dataset, selection, metric, row, reference,
                                    best, "bootstrap over users"))
    if settings.equal_budget is not None:
        tuned, best = settings.equal_budget.system, strongest_tuned(view, settings, metric) or ""
        row = view.oriented(tuned, best, metric, HONEST_SELECTION, ("equal-budget",)) if best else None
        out.append(_from_comparison("equal-budget", view, dataset, HONEST_SELECTION, metric, row, tuned, best,
                                    "bootstrap over users"))
    rows = view.comparisons_of("optimism", HONEST_SELECTION, metric, reference)
    out.append(_from_comparison("optimism", view, dataset, HONEST_SELECTION, metric,
                                rows.iloc[0] if len(rows) else None, reference, reference, "over seeds"))
    for family in settings.families or {}:
        for member in family_members(view, settings, family):
            for selection in selections:
                if view.row(member, metric, selection) is None:
                    continue
                row = view.ablation_comparison(member, metric, selection)
                out.append(_from_comparison("ablation", view, dataset, selection, metric, row, member, "",
                                            "bootstrap over users", family))
    return out


def transfer_frame(results: Mapping[str, list[Finding]]) -> pd.DataFrame:
    """Every dataset's findings as rows of :data:`COLUMNS`, the first dataset's order kept; ``holds``:
    whether the first dataset's finding has the same outcome there (yes / no / n/a: a level, or
    untested on either; the first dataset's own rows are blank)."""
    names = list(results)
    if len(names) < 2:
        raise TransferError(f"the transfer comparison needs at least two datasets, got {code_list(names)}")
    first = {f.key: f for f in results[names[0]]}
    rows = []
    for name in names:
        for finding in results[name]:
            row = asdict(finding)
            origin = first.get(finding.key)
            if name == names[0] or finding.outcome == LEVEL:
                row["holds"] = ""
            elif origin is None or NOT_TESTED in (origin.outcome,
                                                                               finding.outcome):
                row["holds"] = "n/a"
            else:
                row["holds"] = "yes" if origin.outcome == finding.outcome else "no"
            rows.append(row)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    order = {key: i for i, key in enumerate(dict.fromkeys(f.key for name in names for f in results[name]))}
    keys = [(q, fam, sel, sys if q == "ablation" else "") for q, fam, sel, sys
            in zip(frame["question"], frame["family"], frame["selection"], frame["system"], strict=True)]
    frame["_order"] = [order[key] for key in keys]
    frame["_dataset"] = [names.index(d) for d in frame["dataset"]]
    return frame.sort_values(["_order", "_dataset"], kind="stable").drop(columns=["_order", "_dataset"]) \
        .reset_index(drop=True)


# --------------------------------------------------------------------------- sentences


def _value(row: Mapping, confidence: float) -> str:
    """``+0.0123, 95% CI [+0.0050, +0.0190]``, with the detectable effect where n.s."""
    interval = f"[{signed_text(row['low'])}, {signed_text(row['high'])}]"
    text = f"{signed_text(row['estimate'])}, {confidence:.0%} CI {interval}"
    if row["outcome"] == NO_DIFFERENCE:
        detectable = row["detectable_effect"]
        text += "; n.s." + (f", detectable |Δ| ≥ {detectable:.4f}" if _finite(detectable) else "")
    return text


#: how a sentence states an outcome
OUTCOME_WORDS = {HIGHER: "significantly above 0", LOWER: "significantly below 0",
                 NO_DIFFERENCE: "no difference"}


def _state(row: Mapping, confidence: float) -> str:
    """What a finding says: ``significantly above 0 (+0.0123, 95% CI [...])``."""
    if row["outcome"] == NOT_TESTED:
        return "not tested"
    return f"{OUTCOME_WORDS[row['outcome']]} ({_value(row, confidence)})"


def _label(question: str, family: str, metric: str, selection: str) -> str:
    name = QUESTIONS[question].format(metric=metric, family=f"`{family}`")
    return f"{name[0].upper()}{name[1:]} ({metric}, {the_protocol(selection)})"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _comparison_sentence(rows: pd.DataFrame, names: Sequence[str], confidence: float) -> str:
    """One question under one rule: the first dataset's finding, then where it holds and where not."""
    by = {r["dataset"]: r for r in rows.to_dict("records")}
    head = rows.iloc[0]
    label = _label(head["question"], head["family"], head["metric"], head["selection"])
    first = by.get(names[0])
    if first is None or first["outcome"] == NOT_TESTED:
        return f"{label}: not tested on `{names[0]}`, so there is no finding to transfer."
    held, failed, open_ = [], [], []
    for name in names[1:]:
        row = by.get(name)
        if row is None or row["outcome"] == NOT_TESTED:
            open_.append(f"`{name}`")
        elif row["outcome"] == first["outcome"]:
            held.append(f"`{name}` ({_value(row, confidence)})")
        else:
            failed.append(f"`{name}` ({_state(row, confidence)})")
    parts = []
    if held:
        parts.append(f"it holds on {_join(held)}")
    if failed:
        parts.append(f"it does not hold on {_join(failed)}")
    if open_:
        parts.append(f"it was not tested on {_join(open_)}")
    return f"{label}: on `{names[0]}` {_state(first, confidence)}; " + "; ".join(parts) + "."


def _family_sentence(rows: pd.DataFrame, names: Sequence[str]) -> str:
    """One ablation family under one rule: its members' outcomes on the first dataset, then per
    other dataset whether each member's outcome is the same."""
    head = rows.iloc[0]
    label = _label("ablation", head["family"], head["metric"], head["selection"])
    first = rows[rows["dataset"] == names[0]]
    tested = first[first["outcome"] != NOT_TESTED]
    if tested.empty:
        return f"{label}: no member was tested on `{names[0]}`, so there is no finding to transfer."
    changed = tested[tested["outcome"] != NO_DIFFERENCE]
    what = ", ".join(f"`{r.system}` {r.outcome}" for r in changed.itertuples())
    parts = []
    for name in names[1:]:
        other = rows[rows["dataset"] == name].set_index("system")["outcome"]
        same = [s for s, o in zip(tested["system"], tested["outcome"], strict=True)
                if other.get(s) == o]
        differ = [f"`{s}` ({other.get(s)})" for s, o in zip(tested["system"], tested["outcome"], strict=True)
                  if other.get(s) not in (None, NOT_TESTED, o)]
        if differ and not same:
            parts.append(f"on `{name}` it does not hold: {', '.join(differ)}")
        elif differ:
            parts.append(f"on `{name}` it holds for {code_list(same)} but not for {', '.join(differ)}")
        elif same:
            parts.append(f"it holds on `{name}`")
        else:
            parts.append(f"it was not tested on `{name}`")
    n = len(tested)
    if n == 1:
        only = tested.iloc[0]
        head = f"its one member tested, `{only['system']}`, " + (
            "does not differ from its comparator" if only["outcome"] == NO_DIFFERENCE
            else f"is significantly {only['outcome']} than its comparator")
    elif len(changed) == 0:
        head = f"none of its {n} members tested differs from its comparator"
    else:
        verb = "differs" if len(changed) == 1 else "differ"
        head = f"{len(changed)} of its {n} members tested {verb} from their comparator ({what})"
    return f"{label}: on `{names[0]}` {head}; " + "; ".join(parts) + "."


def holds_sentences(frame: pd.DataFrame, confidence: float) -> list[str]:
    """One sentence per question and rule (a level, the reference's mean, has none): the first
    dataset's finding and whether it holds on each other dataset, generated from ``frame``."""
    names = list(dict.fromkeys(frame["dataset"]))
    sentences = []
    keys = ["question", "family", "selection"]
    for _, rows in frame[frame["question"] != "reference"].groupby(keys, sort=False):
        if rows.iloc[0]["question"] == "ablation":
            sentences.append(_family_sentence(rows, names))
        else:
            sentences.append(_comparison_sentence(rows, names, confidence))
    return sentences


# --------------------------------------------------------------------------- claims ledgers


def ledger_verdicts(ledgers: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The claims ledgers side by side: ``claim_id``, ``claim`` and each dataset's verdict (a
    claim a dataset's ledger does not hold is blank there), the first dataset's claims first."""
    frames = []
    for name, ledger in ledgers.items():
        missing = [c for c in ("claim_id", "claim", "verdict") if c not in ledger.columns]
        if missing:
            raise TransferError(f"the claims ledger of {name} has no column {', '.join(missing)}; rerun its "
                                "claims rule")
        frames.append(ledger[["claim_id", "claim", "verdict"]].rename(columns={"verdict": name})
                      .drop_duplicates("claim_id").set_index("claim_id"))
    claims = pd.concat([f["claim"] for f in frames]).groupby(level=0, sort=False).first()
    table = pd.concat([claims, *[f.drop(columns="claim") for f in frames]], axis=1).reset_index()
    return table.rename(columns={"index": "claim_id"}).fillna("")


def ledger_sentences(verdicts: pd.DataFrame) -> list[str]:
    """Per other dataset, one sentence: how many of the first dataset's verdicts it keeps, and
    which change (``claim: first verdict -> its verdict``)."""
    names = [c for c in verdicts.columns if c not in ("claim_id", "claim")]
    first = names[0]
    judged = verdicts[verdicts[first] != ""]
    sentences = []
    for name in names[1:]:
        both = judged[judged[name] != ""]
        changed = both[both[name] != both[first]]
        text = (f"The claims ledger on `{name}`: {len(both) - len(changed)} of the {len(both)} claims judged "
                f"on both keep `{first}`'s verdict")
        if len(changed):
            text += "; " + "; ".join(f"`{r.claim_id}` {r[first]} → {r[name]}"
                                     for _, r in changed.iterrows())
        missing = len(judged) - len(both)
        if missing:
            text += f"; {missing} of `{first}`'s claims could not be judged there (no published figure, or "
            text += "a system that did not run)"
        sentences.append(text + ".")
    return sentences
