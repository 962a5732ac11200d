"""Fill the paper draft (paper/manuscript.md) and the README's findings (paper/findings.md).

Both templates are Jinja2 templates of prose: every number, table and finding sentence comes from
here, computed from one dataset's statistics, tables and claims ledger, so that when the numbers
change every sentence built on them changes with them. The draft follows a reproducibility report
(ML Reproducibility Challenge / ReScience): it leads with the ledger of the paper's claims and
their verdicts, then method, results claim by claim, what was easy and difficult, the original
code and what it really does, and the study's questions in detail. A name the template uses but
the results cannot fill is an error naming it, never a blank.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from irgan.analysis.claims import (
    INCONCLUSIVE,
    LEDGER_COLUMNS,
    NOT_REPRODUCED,
    ONLY_TEST_SELECTION,
    REPRODUCED,
)
from irgan.analysis.statistics import CORRECTION_NAMES, StatisticsSettings, comparator_of, is_irgan, methods
from irgan.analysis.study_view import StudyView, is_deterministic
from irgan.errors import IrganError
from irgan.formatting import (
    DASH,
    code_list,
    mean_sd,
    number,
    number_text,
    p_is,
    p_value,
    signed,
    signed_text,
    the_protocol,
)
from irgan.protocol import PROTOCOL_SELECTION, SELECTIONS
from irgan.published import METRICS, TABLE3_ML100K, closest_row, matching_metrics
from irgan.report.answers import family_members
from irgan.report.render import markdown

# Datasets the paper published results for (Wang et al. 2017): only beside these does the draft
# set published figures against ours or speak of reproducing them.
PUBLISHED_TABLES = {"ml-100k-irgan": "Table 3", "netflix": "Table 4"}

#: the draft's length limit on the full study, in words (:func:`word_count`)
WORD_LIMIT = 6000


def published_table(dataset: str) -> str:
    """The paper's table of results on ``dataset`` ("Table 3"), or "" where none was published."""
    return PUBLISHED_TABLES.get(dataset, "")


def data_framing(dataset: str, kind: str) -> tuple[str, str, str]:
    """(What the study is, a sentence on the data, their limits) for a dataset without published results."""
    if kind == "synthetic":
        return (
            "a demo of the study",
            f"`{dataset}` is a small synthetic dataset (planted low-rank preferences, generated from a "
            "seed), on which the whole study runs in minutes as a demonstration of its machinery.",
            "The data are synthetic and small and the schedule is short: the effects measured here "
            "show that the machinery works (the discriminator learns, the generator moves, the "
            "tests have something to test), not how IRGAN behaves on real data.",
        )
    return (
        "a study of these data",
        f"the paper published no results for `{dataset}`.",
        "The findings describe these data and the settings of this run only.",
    )


class TemplateError(IrganError):
    """The manuscript template names a value the results do not provide, or is malformed."""


class LedgerError(IrganError):
    """The claims ledger (claims.csv) does not follow its contract."""


def word_count(text: str) -> int:
    """Words of a Markdown text: whitespace-separated tokens with a letter or a digit (table rules,
    pipes and bullets are not words; every word of a table cell is)."""
    return sum(1 for token in text.split() if re.search(r"\w", token))


# --------------------------------------------------------------------------- significance




def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _field(row: Mapping | pd.Series, name: str, default=None):
    value = row.get(name, default)
    return default if value is None or (isinstance(value, float) and math.isnan(value)) else value


def adjusted_p(row: Mapping | pd.Series) -> tuple[float, str]:
    """(adjusted p, the correction's name) of a comparison: ``p_adjusted`` with its ``correction``
    where the statistics have them, else Holm's ``p_holm`` (statistics written before them)."""
    p = _field(row, "p_adjusted")
    if _finite(p):
        correction = str(_field(row, "correction", "holm")).lower()
        return float(p), CORRECTION_NAMES.get(correction, correction)
    return float(_field(row, "p_holm", math.nan)), "Holm"


def detectable(row: Mapping | pd.Series) -> float:
    """The smallest |difference| the design detects with 80% power (NaN where not computed)."""
    value = _field(row, "detectable_effect")
    return float(value) if _finite(value) else math.nan


def significance_text(row: Mapping | pd.Series) -> str:
    """``Holm-adjusted p = 0.0210`` or ``Benjamini–Hochberg-adjusted p = 0.41, n.s.; detectable
    |Δ| ≥ 0.0120``: every "n.s." with the difference the design could have detected."""
    p, correction = adjusted_p(row)
    text = f"{correction}-adjusted {p_is(p)}"
    if bool(row["significant"]):
        return text
    text += ", n.s."
    if _finite(detectable(row)):
        text += f"; detectable |Δ| ≥ {number_text(detectable(row))}"
    return text


def difference_text(row: Mapping | pd.Series, confidence: float) -> str:
    """A paired comparison in a sentence: the mean per-user difference, its bootstrap interval and
    its adjusted p (with the detectable difference beside an n.s.)."""
    if int(row["n_zero_diff"]) == int(row["n_users"]):
        return f"identical for every one of the {int(row['n_users'])} users"
    return (f"{signed_text(row['mean_diff'])} ({confidence:.0%} CI {signed_text(row['boot_low'])} to "
            f"{signed_text(row['boot_high'])}; {significance_text(row)})")


def difference_cell(row: Mapping | pd.Series | None) -> str:
    """A paired comparison in a table cell: ``-0.0261 (p 0.0210)`` or ``-0.0032 n.s. (≥ 0.0120)``."""
    if row is None:
        return DASH
    p, _ = adjusted_p(row)
    if bool(row["significant"]):
        return f"{signed(row['mean_diff'])} (p {p_value(p)})"
    power = detectable(row)
    return f"{signed(row['mean_diff'])} n.s." + (f" (≥ {number(power)})" if _finite(power) else "")


# --------------------------------------------------------------------------- look-ups


def _view(summary: pd.DataFrame | None, comparisons: pd.DataFrame | None, settings: StatisticsSettings,
          optimism_summary: pd.DataFrame | None = None) -> StudyView:
    return StudyView(summary, comparisons, optimism_summary, settings.reference)


def _with_ci(row: pd.Series | None, confidence: float) -> str:
    if row is None:
        return "n/a (not run)"
    if is_deterministic(row):
        return f"{number_text(row['mean'])} (the same for every seed)"
    # fewer than 3 seeds: no interval (irgan.analysis.stat_tests.seed_interval)
    if not math.isfinite(row["ci_low"]):
        n = int(row["n_seeds"])
        if n == 2 and math.isfinite(row.get("seed_min", math.nan)):
            low, high = number_text(row["seed_min"]), number_text(row["seed_max"])
            return f"{number_text(row['mean'])} (2 seeds, range {low} to {high}; no interval)"
        return f"{number_text(row['mean'])} ({n} seed{'s' if n != 1 else ''}, no interval)"
    return (
        f"{number_text(row['mean'])} ({confidence:.0%} CI {number_text(row['ci_low'])} to "
        f"{number_text(row['ci_high'])}, {int(row['n_seeds'])} seeds)"
    )


def _and(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _table_block(document: str, notes: bool | str = True) -> str:
    """A generated table document (``### Title``, tables, notes) placed inside the draft: its title
    becomes a bold caption, so that it does not break the draft's sections. ``notes``: all of them
    (True), none (False: the caption, section headings and tables, where the text says the rest),
    or those that start with the given words (a table's markers, say)."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", document.strip()) if b.strip()]
    if blocks and blocks[0].startswith("#"):
        blocks[0] = f"**{blocks[0].lstrip('#').strip()}.**"
    if notes is not True:
        blocks = [b for i, b in enumerate(blocks) if i == 0 or b.startswith("|")
                  or re.fullmatch(r"\*\*[^*]+\*\*", b) or (notes and b.startswith(notes))]
    return "\n\n".join(blocks)


def _demote_headings(document: str) -> str:
    """A generated Markdown file placed inside a document: its title dropped, its text kept."""
    lines = document.strip().splitlines()
    return "\n".join(lines[1:] if lines and lines[0].startswith("# ") else lines).strip()


# --------------------------------------------------------------------------- the claims ledger

#: the columns of ``results/<dataset>/tables/claims.csv`` (``paper``: the paper's protocol, epoch
#: chosen on test; ``honest``: chosen on validation), as the claims rule writes them
CLAIM_COLUMNS = tuple(LEDGER_COLUMNS)
#: the ledger's verdicts, in the order the draft reports them
VERDICTS = (NOT_REPRODUCED, ONLY_TEST_SELECTION, REPRODUCED, INCONCLUSIVE)
#: what a verdict says of a claim (singular, plural), on published data and on any other
VERDICT_WORDS = {
    REPRODUCED: (("reproduces", "reproduce"), ("holds on these data", "hold on these data")),
    NOT_REPRODUCED: (("does not reproduce", "do not reproduce"),
                     ("does not hold on these data", "do not hold on these data")),
    ONLY_TEST_SELECTION: (
        ("reproduces only when the epoch is chosen on the test set",
         "reproduce only when the epoch is chosen on the test set"),
        ("holds only when the epoch is chosen on the test set",
         "hold only when the epoch is chosen on the test set")),
    INCONCLUSIVE: (("cannot be decided at this power",) * 2, ("cannot be decided at this power",) * 2),
}
#: the protocols of the ledger's columns, by their suffix
LEDGER_PROTOCOLS = (("paper", "test"), ("honest", "validation"))


def check_claims(claims: pd.DataFrame, source: str = "claims.csv") -> pd.DataFrame:
    """The ledger as read, checked against its contract: every column, a known verdict per row."""
    missing = [c for c in CLAIM_COLUMNS if c not in claims.columns]
    if missing:
        raise LedgerError(f"{source}: missing column(s) {', '.join(missing)}; rerun the tables rule "
                          "that writes the claims ledger")
    unknown = sorted(set(claims["verdict"].astype(str)) - set(VERDICTS))
    if unknown:
        raise LedgerError(f"{source}: unknown verdict(s) {', '.join(map(repr, unknown))}; a verdict "
                          f"is one of {', '.join(map(repr, VERDICTS))}")
    text = ["claim_id", "claim", "source", "kind", "metric", "system", "comparator", "direction", "test",
            "family", "verdict", "cause", "reason"]
    return claims.assign(**{c: claims[c].map(lambda v: "" if pd.isna(v) else str(v)) for c in text})


def read_claims(path: str | os.PathLike) -> pd.DataFrame:
    """``claims.csv``, checked (:func:`check_claims`)."""
    try:
        claims = pd.read_csv(path, dtype={"claim_id": str})
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LedgerError(f"{path}: cannot read the claims ledger ({exc}); rerun the tables rule") from None
    return check_claims(claims, str(path))


@dataclass(frozen=True)
class Ledger:
    """The claims ledger of one dataset: its rows (claims.csv), its Markdown table (claims.md) and
    its figure's links (PNG shown inline, the PDF beside it)."""

    claims: pd.DataFrame
    table: str
    figure: str
    figure_pdf: str
    table_source: str = "claims.md"
    #: the full ledger (claims.md, with each claim's reason and the verdicts' rules), from the draft
    table_link: str = ""


def ledger_blocks(document: str, source: str = "claims.md") -> tuple[str, str, list[str]]:
    """claims.md (a table document: ``### title``, ``**section**`` headings, pipe tables, notes) as
    (its title, its first table - the claims and their verdicts -, its notes). The later sections
    (the reasons) are left to the draft's results, claim by claim."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", document.strip()) if b.strip()]
    title = next((b.lstrip("#").strip() for b in blocks if b.startswith("#")), "")
    tables = [b for b in blocks if b.startswith("|")]
    notes = [b for b in blocks if not (b.startswith(("#", "|")) or re.fullmatch(r"\*\*[^*]+\*\*", b))]
    if not tables:
        raise LedgerError(f"{source}: holds no table of claims; rerun the claims rule")
    return title, tables[0], notes


def _causes(row) -> list[str]:
    return [c.strip() for c in str(row["cause"]).split(";") if c.strip()]


def short_claim(text: str) -> str:
    """A claim as a summary names it: its words up to a dash, a colon or the comma of an apposition
    (the ledger's table and the results give it in full)."""
    text = str(text).rstrip(".")
    cut = re.search(r" - |: |, (?=(the|a|an) )", text)
    return text[:cut.start()] if cut and len(text[:cut.start()].split()) >= 3 else text


def _quoted(row) -> str:
    return f"“{short_claim(row['claim'])}”"


def _comparators(row) -> list[str]:
    """A claim's comparators: one system, or several in order of preference (the first that ran
    under a rule is used there)."""
    return [name for name in re.split(r"[;,/ ]+", str(row["comparator"])) if name]


def _subject(row) -> str:
    """What a ledger row's effect measures, as a sentence names it."""
    system, metric = row["system"], row["metric"]
    comparators = _comparators(row)
    if comparators:
        return f"`{system}` − {' or '.join(f'`{c}`' for c in comparators)}"
    if "optimism" in row["kind"]:
        return f"the selection optimism of `{system}`"
    if _finite(row["published"]):
        return f"`{system}`'s {metric} − the published {number_text(float(row['published']))}"
    return f"the effect on `{system}`"


def _correction_of(row, suffix: str, view: StudyView | None) -> str:
    """The correction behind a claim's adjusted p: its test's in comparisons.csv, where found."""
    if view is None or view.comparisons.empty:
        return ""
    rows = view.comparisons_of(selection=dict(LEDGER_PROTOCOLS)[suffix], metric=row["metric"])
    comparators = _comparators(row)
    if comparators:
        rows = rows[((rows["system"] == row["system"]) & rows["reference"].isin(comparators))
                    | ((rows["reference"] == row["system"]) & rows["system"].isin(comparators))]
    else:
        rows = rows[(rows["system"] == row["system"]) & (rows["kind"] == row["kind"])]
    return adjusted_p(rows.iloc[0])[1] if len(rows) else ""


def _claim_effect(row, suffix: str, confidence: float, alpha: float, view: StudyView | None) -> str:
    """One protocol's evidence: effect, interval, adjusted p (and the detectable effect beside n.s.)."""
    inner = []
    low, high, p = row[f"low_{suffix}"], row[f"high_{suffix}"], row[f"p_adjusted_{suffix}"]
    power = row[f"detectable_{suffix}"]
    if _finite(low) and _finite(high):
        inner.append(f"{confidence:.0%} CI {signed_text(low)} to {signed_text(high)}")
    if _finite(p):
        correction = _correction_of(row, suffix, view)
        inner.append(f"{correction + '-' if correction else ''}adjusted {p_is(p)}"
                     + (", n.s." if p >= alpha else ""))
    if _finite(power) and not (_finite(p) and p < alpha):
        inner.append(f"detectable |Δ| ≥ {number_text(power)}")
    return signed_text(row[f"effect_{suffix}"]) + (f" ({'; '.join(inner)})" if inner else "")


def claim_finding(row: pd.Series, published: bool, confidence: float, alpha: float,
                  view: StudyView | None = None) -> str:
    """One claim's finding: the verdict in words, then the effect under each protocol that has one."""
    verb = VERDICT_WORDS[row["verdict"]][0 if published else 1][0]
    parts = [f"{_claim_effect(row, suffix, confidence, alpha, view)} under {the_protocol(selection)}"
             for suffix, selection in LEDGER_PROTOCOLS if _finite(row[f"effect_{suffix}"])]
    if not parts:
        return f"{_quoted(row)} {verb}: neither protocol measured it in this study."
    return f"{_quoted(row)} {verb}: {_subject(row)} is {_and(parts)}."


def claim_groups(claims: pd.DataFrame) -> list[pd.DataFrame]:
    """The ledger's rows in order, with runs of claims that share kind and verdict and say the same
    but for the metric (one claim per metric) or for one word (three or more such claims) gathered
    into one group: repetition across metrics belongs to the ledger's table, not to sentences."""
    def words(row) -> list[str]:
        return str(row["claim"]).rstrip(".").split()

    def differing(group: list) -> set[int]:
        first = words(group[0])
        return {i for member in group[1:] for i, (x, y) in enumerate(zip(first, words(member), strict=True))
                if x != y}

    def joins(group: list, row) -> bool:
        first, members = group[0], [*group, row]
        if first["kind"] != row["kind"] or first["verdict"] != row["verdict"]:
            return False
        if len(words(first)) != len(words(row)):
            return False
        # the same claim on several metrics, or one word apart on the same metric
        return not differing(members) or (len({m["metric"] for m in members}) == 1
                                          and len(differing(members)) == 1)

    runs: list[list] = []
    for _, row in claims.iterrows():
        if runs and joins(runs[-1], row):
            runs[-1].append(row)
        else:
            runs.append([row])
    groups = []
    for run in runs:
        if len(run) >= (2 if not differing(run) else 3):
            groups.append(pd.DataFrame(run))
        else:
            groups.extend(pd.DataFrame([row]) for row in run)
    return groups


def group_label(group: pd.DataFrame) -> str:
    """A group's claims as one quoted claim, the word that differs given as alternatives
    (“The published MLE/BPR/LambdaFM P@5 reproduces”) and the metrics it is tested on where they
    differ; or the one claim."""
    texts = [short_claim(c).split() for c in group["claim"]]
    if len({len(t) for t in texts}) > 1:
        texts = [str(c).rstrip(".").split() for c in group["claim"]]
    words = list(texts[0])
    for position, column in enumerate(zip(*texts, strict=True)):
        if len(set(column)) > 1:
            words[position] = "/".join(dict.fromkeys(column))
    metrics = list(dict.fromkeys(group["metric"]))
    return f"“{' '.join(words)}”" + (f" (on {', '.join(metrics)})" if len(metrics) > 1 else "")


def _ids(group: pd.DataFrame) -> str:
    """A group's id: the one id, the common stem of its ids, or the first and last."""
    ids = [str(i) for i in group["claim_id"]]
    if len(ids) == 1:
        return ids[0]
    stem = os.path.commonprefix(ids).rstrip("-_. ")
    return stem if len(stem) >= 3 else f"{ids[0]}–{ids[-1]}"


def _group_finding(group: pd.DataFrame, published: bool) -> str:
    """A group's finding: its verdict, and the range of its effects under each protocol."""
    parts = []
    for suffix, selection in LEDGER_PROTOCOLS:
        effects = [float(v) for v in group[f"effect_{suffix}"] if _finite(v)]
        if effects:
            parts.append(f"from {signed_text(min(effects))} to {signed_text(max(effects))} under "
                         f"{the_protocol(selection)}")
    ranges = f": the effects range {_and(parts)}" if parts else ""
    verb = VERDICT_WORDS[group["verdict"].iloc[0]][0 if published else 1][0]
    return f"{group_label(group)} {verb}{ranges}."


def _by_verdict(claims: pd.DataFrame) -> list[tuple[str, list[pd.DataFrame]]]:
    groups = claim_groups(claims)
    return [(verdict, [g for g in groups if g["verdict"].iloc[0] == verdict]) for verdict in VERDICTS
            if any(g["verdict"].iloc[0] == verdict for g in groups)]


def ledger_summary(claims: pd.DataFrame, published: bool) -> str:
    """How many claims got each verdict, confirmatory and exploratory told apart."""
    if claims.empty:
        return "The ledger holds no claim for this dataset."
    confirmatory = int((claims["family"] == "confirmatory").sum())
    counts = []
    for verdict in VERDICTS:
        n = int((claims["verdict"] == verdict).sum())
        if n:
            counts.append(f"{n} {VERDICT_WORDS[verdict][0 if published else 1][n != 1]}")
    metrics = sorted(set(claims.loc[claims["family"] == "confirmatory", "metric"]))
    exploratory = len(claims) - confirmatory
    design = (f" ({confirmatory} confirmatory, on {', '.join(metrics)}"
              + (f"; {exploratory} exploratory)" if exploratory else ")") if confirmatory else "")
    return f"Of the {len(claims)} claims tested{design}, {_and(counts)}."


def verdict_sentences(claims: pd.DataFrame, published: bool) -> list[str]:
    """One sentence per verdict: the claims that got it, quoted (a group as one, with its ids)."""
    sentences = []
    for verdict, groups in _by_verdict(claims):
        labels = [group_label(g) for g in groups]
        many = len(groups) > 1
        sentences.append(f"{_and(labels)} {VERDICT_WORDS[verdict][0 if published else 1][many]}.")
    return sentences


def _cause_list(causes: list[str], most: int = 3) -> str:
    """The ablations behind a verdict, the first ``most`` by name (the ledger orders them largest
    effect first), with how many more."""
    named = [f"`{c}`" for c in causes[:most]]
    if len(causes) > most:
        return ", ".join(named) + f" and {len(causes) - most} more"
    return _and(named)


def cause_sentence(claims: pd.DataFrame) -> str:
    """What explains the claims that fail or hold only under test-set selection: the ablations the
    ledger names for each (a group of claims once)."""
    parts = []
    for group in claim_groups(claims):
        if group["verdict"].iloc[0] not in VERDICTS[:2]:
            continue
        causes = list(dict.fromkeys(c for _, row in group.iterrows() for c in _causes(row)))
        if causes:
            parts.append(f"{group_label(group)} by {_cause_list(causes)}")
    return f"What explains the claims that fail: {'; '.join(parts)}." if parts else ""


def inconclusive_sentence(claims: pd.DataFrame) -> str:
    """The claims the design cannot decide, with the smallest effect it would have detected."""
    rows = claims[claims["verdict"] == "inconclusive at this power"]
    if rows.empty:
        return ""
    powers = [float(v) for suffix, _ in LEDGER_PROTOCOLS for v in rows[f"detectable_{suffix}"] if _finite(v)]
    text = (f"The {'claims' if len(rows) > 1 else 'claim'} that cannot be decided "
            f"{'have' if len(rows) > 1 else 'has'} effects below what the design detects")
    if powers:
        low, high = min(powers), max(powers)
        text += (f" (|Δ| ≥ {number_text(low)} with 80% power)" if low == high
                 else f" (|Δ| from {number_text(low)} to {number_text(high)} with 80% power)")
    return text + "."


def claim_sections(ledger: Ledger, published: bool, confidence: float, alpha: float,
                   view: StudyView | None) -> list[dict[str, str]]:
    """The results, claim by claim (claims that differ only in their metric, or in one word, as
    one): heading, the finding in words, the evidence - the ledger's reason, which carries the
    numbers and the rule that decided, or where it has none the effects themselves - and the
    ablations behind the verdict."""
    sections = []
    for group in claim_groups(ledger.claims):
        row = group.iloc[0]
        causes = list(dict.fromkeys(c for _, r in group.iterrows() for c in _causes(r)))
        reasons = list(dict.fromkeys(str(r).strip() for r in group["reason"] if str(r).strip()))
        single = len(group) == 1
        verb = VERDICT_WORDS[row["verdict"]][0 if published else 1][0]
        if single and reasons:
            finding, evidence = f"{_capital(verb)}.", reasons[0]
        elif single:
            finding, evidence = claim_finding(row, published, confidence, alpha, view), ""
        else:
            finding, evidence = _group_finding(group, published), ""
        sections.append({
            "id": _ids(group),
            "claim": str(row["claim"]).rstrip(".") if single else group_label(group).replace("“", "")
            .replace("”", ""),
            "verdict": row["verdict"],
            "source": ", ".join(dict.fromkeys(group["source"])),
            "family": _and(list(dict.fromkeys(group["family"]))),
            "finding": finding,
            "reason": evidence,
            "cause": _cause_list(causes, most=6) if causes else "",
        })
    return sections


# --------------------------------------------------------------------------- sentences


def headline_numbers(summary: pd.DataFrame, settings: StatisticsSettings) -> str:
    """The reference and the strongest paper baseline under each protocol, as the abstract says it."""
    metric, reference = settings.headline_metric, settings.reference
    view = _view(summary, None, settings)
    parts = []
    for selection in SELECTIONS:
        best = view.best_of(settings.headline_against, metric, selection)
        ours = view.mean(reference, metric, selection)
        if best is None or ours is None:
            continue
        theirs = view.mean(best, metric, selection)
        parts.append(f"{number_text(ours['mean'])} against {number_text(theirs['mean'])} for `{best}` "
                     f"under {the_protocol(selection)}")
    if not parts:
        return ""
    return f"The reference IRGAN reaches test {metric} {_and(parts)}."


def equal_budget_sentence(summary: pd.DataFrame, comparisons: pd.DataFrame, budgets: pd.DataFrame | None,
                          settings: StatisticsSettings) -> str:
    """The tuned IRGAN against the tuned baselines and against the untuned reference, with the
    budget each system got (statistics.equal_budget; the searches' ``tuning.csv``)."""
    spec = settings.equal_budget
    if spec is None or budgets is None or budgets.empty:
        return "No system was tuned in this study (`tuning.systems` is empty)."
    metric, selection = settings.headline_metric, "validation"
    view = _view(summary, comparisons, settings)
    trials = sorted({int(t) for t in budgets["trials"]})
    budget = ", ".join(f"`{row.system}` {row.cpu_seconds:.0f} s" for row in budgets.itertuples())
    text = (
        f"With the same budget for every tuned system ({' or '.join(map(str, trials))} configurations "
        f"each, proposed by a seeded TPE search and chosen on validation {metric}; CPU time of the "
        f"searches: {budget}), `{spec.system}` reaches {metric} "
        f"{_with_ci(view.mean(spec.system, metric, selection), settings.confidence)} under "
        f"{the_protocol(selection)}."
    )
    tuned = [s for s in budgets["tuned_system"] if s != spec.system]
    best = view.best_of(tuned, metric, selection)
    if view.mean(spec.system, metric, selection) is None or best is None:
        return text + " The comparison with the tuned baselines could not be made (a system did not run)."
    row = view.comparison(spec.system, best, metric, selection, kind="equal-budget")
    text += (f" The strongest tuned baseline, `{best}`, reaches "
             f"{_with_ci(view.mean(best, metric, selection), settings.confidence)}")
    text += (f"; `{spec.system}` minus `{best}`, paired over users: "
             f"{difference_text(row, settings.confidence)}." if row is not None else ".")
    rows = view.comparisons_of("equal-budget", selection, metric, spec.system)
    rows = rows[rows["reference"].isin(tuned)]
    better = int(((rows["mean_diff"] > 0) & rows["significant"]).sum())
    worse = int(((rows["mean_diff"] < 0) & rows["significant"]).sum())
    text += (f" Of the {len(rows)} tuned baselines, `{spec.system}` is significantly better than {better} "
             f"and significantly worse than {worse}.")
    for other in spec.also:
        row = view.comparison(spec.system, other, metric, selection, kind="equal-budget")
        if row is not None:
            text += (f" What tuning buys IRGAN: `{spec.system}` minus `{other}` (its authors' constants), "
                     f"{difference_text(row, settings.confidence)}.")
    return text


START_NAMES = {
    "released": "the authors' released DNS model (`model_dns_ori.pkl`, their own start)",
    "dns": "this project's DNS pre-training (the authors' `cf_dns.py` procedure)",
    "mle": "an MLE pre-trained generator",
    "random": "random parameters",
}


def reference_start_sentence(runs: pd.DataFrame, reference: str) -> str:
    """Where the reference generator started under each rule, from the runs' records."""
    if "start" not in runs.columns:
        return "its generator's start is not recorded in its runs."
    rows = runs[(runs["system"] == reference)].dropna(subset=["start"])
    starts = {sel: sorted(set(group["start"])) for sel, group in rows.groupby("selection")}
    if not starts:
        return "its generator's start is not recorded in its runs."
    described = {sel: " / ".join(START_NAMES.get(k, f"`{k}`") for k in kinds)
                 for sel, kinds in starts.items()}
    if len(set(described.values())) == 1:
        return f"the generator starts from {next(iter(described.values()))}."
    parts = [f"from {described[sel]} under {the_protocol(sel)}" for sel in SELECTIONS
             if sel in described]
    text = "the generator starts " + " and ".join(parts) + "."
    if starts.get("test") == ["released"]:
        text += (" The honest protocol cannot start from the released file: it was selected on the test "
                 "set and trained on every training positive, the validation carve included.")
    return text


def versus_baselines_sentence(comparisons: pd.DataFrame, settings: StatisticsSettings) -> str:
    """How many (IRGAN variant, baseline) pairs favour either side, per protocol."""
    metric = settings.headline_metric
    view = _view(None, comparisons, settings)
    parts = []
    for selection in SELECTIONS:
        rows = view.comparisons_of("irgan-vs-baseline", selection, metric)
        if rows.empty:
            continue
        wins = int((rows["significant"] & (rows["mean_diff"] > 0)).sum())
        losses = int((rows["significant"] & (rows["mean_diff"] < 0)).sum())
        parts.append(f"{wins} of {len(rows)} favour the IRGAN variant significantly and {losses} the "
                     f"baseline under {the_protocol(selection)}")
    if not parts:
        return "No IRGAN variant and baseline ran side by side."
    return f"Of all (IRGAN variant, baseline) pairs on {metric}, " + "; ".join(parts) + "."


def ablation_sentence(summary: pd.DataFrame, comparisons: pd.DataFrame, settings: StatisticsSettings) -> str:
    """Which ablations move the headline metric after the correction, by family, and the families
    none of whose members does (with the differences the design could have detected there)."""
    metric = settings.headline_metric
    families = dict(settings.families or {})
    view = _view(summary, comparisons, settings)
    moved, still, powers = [], [], []
    for family in [*families, "other"]:
        members = family_members(view, families, family, settings.reference, settings.equal_budget_member)
        if not members:
            continue
        hits = []
        for system in members:
            rows = {selection: view.ablation_comparison(system, metric, selection)
                    for selection in SELECTIONS}
            powers += [detectable(r) for r in rows.values() if r is not None and not bool(r["significant"])]
            found = [f"{signed_text(r['mean_diff'])} under {the_protocol(selection)}"
                     for selection, r in rows.items() if r is not None and bool(r["significant"])]
            if found:
                hits.append(f"`{system}` ({_and(found)})")
        if hits:
            moved.append(f"{family}, {_and(hits)}")
        else:
            still.append(family)
    if not moved and not still:
        return "No ablation ran in this study."
    text = (f"Ablations that change {metric} after the correction: {'; '.join(moved)}." if moved
            else f"No ablation changes {metric} after the correction.")
    if still:
        powers = [p for p in powers if _finite(p)]
        text += (f" No member of {_and(still)} differs from its comparator under either protocol"
                 + (f" (the design detects |Δ| from {number_text(min(powers))} to {number_text(max(powers))})"
                    if powers else "") + ".")
    return text


def ablation_table(summary: pd.DataFrame, comparisons: pd.DataFrame, settings: StatisticsSettings) -> str:
    """One row per ablation: the member minus its comparator under each protocol, with the
    adjusted p or, beside n.s., the smallest difference the design detects."""
    metric = settings.headline_metric
    families = dict(settings.families or {})
    view = _view(summary, comparisons, settings)
    rows = []
    for family in [*families, "other"]:
        members = family_members(view, families, family, settings.reference, settings.equal_budget_member)
        for system in members:
            against = comparator_of(system, families, settings.reference)
            cells = [difference_cell(view.ablation_comparison(system, metric, selection))
                     for selection in SELECTIONS]
            rows.append([family, f"`{system}` − `{against}`", *cells])
    if not rows:
        return "No ablation ran in this study."
    columns = ["family", "difference", f"Δ{metric}, paper protocol", f"Δ{metric}, honest protocol"]
    return markdown(pd.DataFrame(rows, columns=columns), align=["---", "---", "---:", "---:"])


def optimism_sentence(summary: pd.DataFrame, optimism_summary: pd.DataFrame, comparisons: pd.DataFrame,
                      settings: StatisticsSettings) -> str:
    """How much choosing the epoch on the test set adds, within honest runs and across protocols."""
    metric, reference = settings.headline_metric, settings.reference
    view = _view(summary, comparisons, settings, optimism_summary)
    honest = view.optimism_rows("validation")
    if honest.empty:
        return ("No honest run recorded a test learning curve, so the optimism of test selection is "
                "unmeasured.")
    text = []
    r = view.optimism(reference, "validation")
    if r is not None:
        interval = (f"{settings.confidence:.0%} CI {signed_text(r['optimism_ci_low'])} to "
                    f"{signed_text(r['optimism_ci_high'])}, {int(r['n_seeds'])} seeds"
                    if math.isfinite(r["optimism_ci_low"]) else f"{int(r['n_seeds'])} seeds, no interval")
        text.append(
            f"Within the honest runs of `{reference}`, choosing the epoch on the test set would have raised "
            f"test {metric} by {signed_text(r['optimism'])} ({interval}), from "
            f"{number_text(r['test_at_selected'])} to {number_text(r['test_best'])}."
        )
    largest = honest.loc[honest["optimism"].idxmax()]
    text.append(
        f"Over the {len(honest)} systems with honest learning curves it ranges from "
        f"{signed_text(honest['optimism'].min())} to {signed_text(largest['optimism'])} "
        f"(`{largest['system']}`)."
    )
    row = view.comparison(reference, reference, metric, PROTOCOL_SELECTION, kind="protocol")
    if row is not None:
        text.append(
            f"The paper-protocol runs of `{reference}` minus its honest runs (which also train on "
            f"fewer positives): {difference_text(row, settings.confidence)}."
        )
    return " ".join(text)


def simple_baselines_sentence(summary: pd.DataFrame, comparisons: pd.DataFrame, settings: StatisticsSettings,
                              simple: list[str]) -> str:
    """The strongest simple baseline under the honest protocol against the reference and the variants."""
    metric, reference, selection = settings.headline_metric, settings.reference, "validation"
    view = _view(summary, comparisons, settings)
    best = view.best_of(simple, metric, selection)
    if best is None:
        return f"None of the simple baselines ({code_list(simple)}) ran in this study."
    row = view.comparison(reference, best, metric, selection, kind="irgan-vs-baseline")
    text = (
        f"Under the honest protocol the strongest simple baseline ({code_list(simple)}) is `{best}` with "
        f"{metric} {_with_ci(view.mean(best, metric, selection), settings.confidence)}"
    )
    text += (f"; `{reference}` minus `{best}`: {difference_text(row, settings.confidence)}."
             if row is not None else ".")
    rows = view.comparisons_of("irgan-vs-baseline", selection, metric, against=best)
    if len(rows):
        beaten = int((rows["significant"] & (rows["mean_diff"] < 0)).sum())
        beating = int((rows["significant"] & (rows["mean_diff"] > 0)).sum())
        text += (
            f" `{best}` is significantly better than {beaten} and significantly worse than {beating} of "
            f"the {len(rows)} IRGAN variants."
        )
    return text


def audit_sentences(
    audit: pd.DataFrame | None, published: dict[str, tuple[float, ...]] = TABLE3_ML100K
) -> tuple[str, str]:
    """(Results sentence, bullet for the 'difficult' list) about the authors' released checkpoints."""
    if audit is None or audit.empty:
        return "No released checkpoint exists for this dataset.", ""
    sentences, reasons = [], []
    for checkpoint, group in audit.groupby("checkpoint", sort=False):
        values = dict(zip(group["metric"], group["value"], strict=True))
        matches = {
            row: matching_metrics(values, dict(zip(METRICS, figures, strict=True)))
            for row, figures in published.items()
        }
        closest = closest_row(values, published)
        best_match = max(published, key=lambda r: len(matches[r]))
        n_match = len(matches[best_match])
        p5 = published[closest][METRICS.index("P@5")]
        if n_match:
            sentences.append(
                f"The released checkpoint `{checkpoint}`, evaluated under the paper protocol, "
                f"reproduces the paper's {best_match} row on {n_match} of {len(METRICS)} metrics "
                f"to four decimals."
            )
        else:
            sentences.append(
                f"The released checkpoint `{checkpoint}` reproduces no published figure to four "
                f"decimals; the closest row is {closest} (P@5 {number_text(values['P@5'])} against "
                f"{number_text(p5)})."
            )
        if n_match * 2 >= len(METRICS) and best_match != "IRGAN-pointwise":
            reasons.append(
                f"- The released checkpoint `{checkpoint}` reproduces the paper's {best_match} row on "
                f"{n_match} of {len(METRICS)} metrics to four decimals: that published baseline row "
                "appears to be the evaluation of this checkpoint rather than of a separately trained "
                f"{best_match} model, so our own {best_match} cannot be expected to match it."
            )
        irgan_row = (best_match if n_match else closest) == "IRGAN-pointwise"
        if irgan_row and n_match < len(METRICS):
            reasons.append(
                f"- Even the authors' released checkpoint `{checkpoint}` does not give the published "
                f"IRGAN row exactly (P@5 {number_text(values['P@5'])} against {number_text(p5)}): the "
                "published IRGAN figures cannot be traced to the released checkpoint."
            )
    return " ".join(sentences), "\n".join(reasons)


def not_reproduced(table3_data: pd.DataFrame, settings: StatisticsSettings) -> str:
    """The published figures outside our intervals per row of the paper's table, and the paper's
    significance marks against ours, in two sentences."""
    rows = table3_data[table3_data["source"] == "reproduced"]
    parts = []
    for paper_row, group in rows.groupby("paper_row", sort=False):
        ran = group.dropna(subset=["mean"])
        if ran.empty:
            parts.append(f"{paper_row} not run")
            continue
        outside = ran[~ran["paper_in_ci"].astype(bool)]
        higher, lower = int((outside["difference"] > 0).sum()), int((outside["difference"] < 0).sum())
        ways = _and([text for count, text in ((higher, f"{higher} with ours higher"),
                                              (lower, f"{lower} lower")) if count])
        parts.append(f"{paper_row} {len(outside)} of {len(ran)}" + (f" ({ways})" if ways else ""))
    if not parts:
        return "No published row was reproduced."
    text = f"Published figures outside our {settings.confidence:.0%} interval: {'; '.join(parts)}."
    irgan = rows[(rows["system"] == settings.reference) & rows["mean"].notna()]
    if len(irgan):
        significant = irgan.loc[irgan["significant"].fillna(False).astype(bool), "metric"].tolist()
        text += (f" The paper marks IRGAN's improvement over the best baseline as significant on every "
                 f"metric; in our paper-protocol runs it is significant on {len(significant)} of {len(irgan)}"
                 + (f" ({', '.join(significant)})." if significant else "."))
    return text


def _mean_sd_cell(row: pd.Series | None) -> str:
    """A summary row as ``mean ± sd``; the mean alone for a deterministic system or one seed."""
    return DASH if row is None else mean_sd(row["mean"], row["sd"], is_deterministic(row))


def headline_table(summary: pd.DataFrame, settings: StatisticsSettings, with_published: bool = True,
                   with_variants: bool = True) -> str:
    """Each system's headline metric under both rules (mean ± sd over seeds), beside Table 3 when
    ``with_published`` (only on the dataset the paper published it for). Without
    ``with_variants`` the ablation variants are left to the ablation table: the reference, the
    baselines, the starts, the tuned systems and the original code remain."""
    metric, reference = settings.headline_metric, settings.reference
    published = {system: TABLE3_ML100K[row][METRICS.index(metric)]
                 for row, system in (settings.paper_rows or {}).items() if row in TABLE3_ML100K}
    view = _view(summary, None, settings)
    systems = sorted(set(view.summary_rows(metric=metric)["system"]),
                     key=lambda s: (s != reference, not is_irgan(s), s))
    if not with_variants:
        originals = set(dict((settings.fidelity or {}).get("pairs", {})))
        systems = [s for s in systems if s == reference or not is_irgan(s) or s in originals
                   or settings.equal_budget_member(s)]
    columns = ["system", "paper protocol (epoch chosen on test)", "honest (on validation)"]
    columns += ["paper's Table 3"] if with_published else []
    rows = []
    for system in systems:
        cells = [_mean_sd_cell(view.mean(system, metric, selection)) for selection in SELECTIONS]
        name = f"`{system}`" + (" (reference)" if system == reference else "")
        paper = [number_text(published[system]) if system in published else ""] if with_published else []
        rows.append([name, *cells, *paper])
    lines = [markdown(pd.DataFrame(rows, columns=columns), align=["---"] + ["---:"] * (len(columns) - 1))]
    lines.append("")
    lines.append(f"Test {metric}, mean ± standard deviation over converged seeds; (deterministic): the same "
                 "value for every seed; a figure alone: a single seed; – not run under that rule.")
    ref = view.mean(reference, metric, "test")
    if ref is not None:
        lines.append(f"Per seed, `{reference}` under the paper protocol: "
                     + ", ".join(f"{float(v):.4f}" for v in str(ref["seed_values"]).split()) + ".")
    return "\n".join(lines)


def divergence_sentence(divergence: pd.DataFrame) -> str:
    """How many runs diverged, and which."""
    total, diverged = int(divergence["n_runs"].sum()), int(divergence["n_diverged"].sum())
    if not diverged:
        return f"None of the {total} runs diverged."
    which = divergence[divergence["n_diverged"] > 0]
    listed = "; ".join(f"`{r.system}` ({r.selection}, seeds {r.diverged_seeds})" for r in which.itertuples())
    return (
        f"{diverged} of {total} runs diverged (non-finite loss or scores): {listed}. They are counted in "
        "the divergence table and left out of every mean, interval and test."
    )


def compute_sentence(runs: pd.DataFrame, budgets: pd.DataFrame | None) -> str:
    """What ran: runs, systems and seeds, and the CPU time of the equal-budget searches."""
    systems = runs["system"].nunique()
    text = (f"The study trained and evaluated {len(runs)} runs of {systems} systems under "
            f"{runs['selection'].nunique()} selection rules.")
    if budgets is not None and not budgets.empty:
        seconds = float(budgets["cpu_seconds"].sum())
        took = f"{seconds / 60:.0f} CPU-minutes" if seconds >= 600 else f"{seconds:.0f} CPU-seconds"
        text += f" The equal-budget searches took {took} for {int(budgets['trials'].sum())} configurations."
    return text


def design_sentence(comparisons: pd.DataFrame, settings: StatisticsSettings) -> str:
    """The families the paired tests were corrected in, counted from comparisons.csv itself."""
    method = methods(settings)
    if "correction" not in comparisons.columns or "p_adjusted" not in comparisons.columns:
        return f"Multiplicity: {method.get('holm', 'Holm within each family')}."
    rows = comparisons[comparisons["p_adjusted"].notna()]
    confirmatory = rows["confirmatory"].astype(str).str.lower().isin(["true", "1"]) \
        if "confirmatory" in rows.columns else pd.Series(False, index=rows.index)
    parts = []
    for flag, label in ((True, "confirmatory"), (False, "exploratory")):
        part = rows[confirmatory == flag]
        if part.empty:
            continue
        families = part["family"].nunique() if "family" in part.columns else 1
        corrections = _and([CORRECTION_NAMES.get(str(c).lower(), str(c))
                            for c in dict.fromkeys(part["correction"])])
        parts.append(f"{len(part)} {label} tests in {families} famil{'y' if families == 1 else 'ies'} "
                     f"({corrections})")
    text = "Multiplicity: " + "; ".join(parts) + "." if parts else ""
    if "detectable_effect" in comparisons.columns:
        text += (" Beside every n.s. stands the smallest difference the design detects with 80% power at "
                 "its family's level, from the observed per-user and per-seed variance.")
    return text.strip()


# --------------------------------------------------------------------------- the original code


def fidelity_short(fidelity: pd.DataFrame, metric: str) -> str:
    """The original code against the re-implementation, one clause per pair: the verdict on the
    selected models (the fidelity table gives every view)."""
    if fidelity.empty:
        return ("The authors' own code did not run in this study (`authors_code.seeds` is empty, or the "
                "dataset does not publish the released start it begins from).")
    rows = fidelity[fidelity["view"] == "selected model, per seed"]
    parts = [f"`{r.original}` against `{r.reference}`, {r.verdict} (test {metric} {signed_text(r.diff)}, "
             f"TOST {p_is(r.p_equivalence)})" for r in rows.itertuples()]
    return (f"The authors' own code ran beside the re-implementation from the same start; on the selected "
            f"models {_and(parts)}.")

#: What the paper says and what the authors' code does when it runs, with the ablation that runs
#: the paper's reading against the reference (the code's); ``None``: measured by the selection
#: optimism instead. Facts from the paper and the code (PROTOCOL.md); the effects are generated.
CODE_QUIRKS = (
    ("pre-training", "G and D pre-trained (Algorithm 1)", "G from the released DNS file, D random",
     "irgan-pretrain-both"),
    ("D's training data", "redrawn from G every 5th D-epoch",
     "its first sample only (`linecache` never rereads the file)", "irgan-schedule-redraw-d-sample"),
    ("G's reward", "log(1 + exp(f_D)), eq. (5)", "2 sigmoid(f_D) − 1", "irgan-reward-softplus"),
    ("G's sampling", "on-policy", "0.8 p_θ + 0.2 uniform(positives), importance-weighted", "irgan-is-mix-0"),
    ("D's sampler", "not stated", "softmax(f_G / 0.2)", "irgan-temperature-1.0"),
    ("D's l2 term", "not stated", "once per example (TF1's non-scalar loss)", "irgan-d-l2-per-batch"),
    ("G's step", "not stated", "one user per SGD step", "irgan-batch-32"),
    ("the reported epoch", "not stated", "the best test P@5 of all G-epochs", None),
)


def quirks_table(summary: pd.DataFrame, comparisons: pd.DataFrame, optimism_summary: pd.DataFrame,
                 settings: StatisticsSettings) -> str:
    """The code's departures from the paper, each with what the ablation that undoes it changes."""
    metric, reference = settings.headline_metric, settings.reference
    view = _view(summary, comparisons, settings, optimism_summary)
    rows = []
    for aspect, paper, code, system in CODE_QUIRKS:
        if system is None:
            optimism = view.optimism(reference, "validation")
            test = (f"optimism {signed(optimism['optimism'])} (honest runs)" if optimism is not None
                    else "not measured")
            rows.append([aspect, paper, code, f"epoch chosen on test in `{reference}`'s honest runs", DASH,
                         test])
            continue
        ran = any(view.row(system, metric, selection) is not None for selection in SELECTIONS)
        cells = [difference_cell(view.ablation_comparison(system, metric, selection))
                 for selection in SELECTIONS]
        rows.append([aspect, paper, code, f"`{system}`" if ran else f"`{system}` (not run)", *cells])
    columns = ["what", "the paper", "the code as it runs", "ablation", f"Δ{metric} paper protocol",
               f"Δ{metric} honest protocol"]
    return markdown(pd.DataFrame(rows, columns=columns), align=["---"] * 4 + ["---:"] * 2)


# --------------------------------------------------------------------------- robustness

NO_ROBUSTNESS = ("The robustness over splits has not run in this study: `snakemake robustness` runs it "
                 "(the `robustness:` section of the config; a separate target, see the README), and the "
                 "draft includes it once its outputs exist.")


NO_TRANSFER = ("The study ran on one dataset. `snakemake datasets` runs it on the datasets of `transfer:` in "
               "the config too and sets them beside it (results/transfer/); the draft includes the "
               "comparison once it exists.")
NO_WHAT_MOVED = ("The beyond-accuracy analysis (rule `what_moved`) has not run for this dataset: the "
                 "draft includes it once its outputs exist.")


def what_moved_values(what_moved: dict | None) -> dict[str, str]:
    """``made_of_sentence`` (the first generated answer, for the abstract) and ``what_moved_section``
    (every answer, the table and the three figures) from the rule ``what_moved``'s outputs:
    ``sentences``, ``table`` (its Markdown) and ``figures`` (name -> link, ``<name>_pdf`` beside)."""
    if not what_moved or not what_moved.get("sentences"):
        return {"made_of_sentence": "", "what_moved_section": NO_WHAT_MOVED}
    figures = what_moved["figures"]
    captions = {
        "popularity_shift": "Mean popularity percentile of each user's top-10, start against reference, one "
                            "line per seed.",
        "gain_by_group": "The reference's P@5 gain over its start per quartile of user activity and of "
                         "test-item popularity, 95% bootstrap intervals.",
        "training_dynamics": "G's and D's distributions after every outer epoch: mean over seeds, band from "
                             "the lowest to the highest seed.",
    }
    parts = [" ".join(_capital(s) for s in what_moved["sentences"])]
    parts.append(_table_block(what_moved["table"], notes=False).strip())
    parts += [f"![{caption}]({figures[name]}) ([PDF]({figures[name + '_pdf']}))"
              for name, caption in captions.items() if name in figures]
    return {"made_of_sentence": _capital(what_moved["sentences"][0]),
            "what_moved_section": "\n\n".join(parts)}


def robustness_values(robustness: dict[str, str] | None) -> dict[str, str]:
    """``robustness_sentence`` and ``robustness_section`` (sentence, table and figure) of the draft."""
    if not robustness:
        return {"robustness_sentence": NO_ROBUSTNESS, "robustness_section": NO_ROBUSTNESS}
    section = "\n\n".join([
        robustness["sentence"],
        _demote_headings(robustness["table"]).strip(),
        f"![Each system per split: the authors' split and the re-splits, mean and range over seeds.]"
        f"({robustness['figure']}) ([PDF]({robustness['figure_pdf']}))",
    ])
    return {"robustness_sentence": robustness["sentence"], "robustness_section": section}


def robustness_summary(concordance: pd.DataFrame, systems: pd.DataFrame, reference: str, alpha: float,
                       figure: str, figure_pdf: str, table_link: str) -> str:
    """The robustness over splits condensed: one row per protocol and metric (Kendall's W, pairs
    kept, the reference's ranks), one generated sentence, the figure, a link to the full table."""
    from irgan.report.robustness import verdict

    if concordance.empty:
        return "The robustness over splits did not run."
    rows, verdicts = [], []
    for row in concordance.itertuples():
        ranks = systems[(systems["selection"] == row.selection) & (systems["metric"] == row.metric)
                        & (systems["system"] == reference)]
        rank = DASH
        if len(ranks) and _finite(ranks["authors_rank"].iloc[0]):
            r = ranks.iloc[0]
            rank = (f"{r['authors_rank']:g} ({r['best_rank']:g}–{r['worst_rank']:g})"
                    if r["best_rank"] != r["worst_rank"] else f"{r['authors_rank']:g} ({r['best_rank']:g})")
        held = verdict(row.w, row.p, alpha)
        verdicts.append(held)
        rows.append([the_protocol(row.selection).removeprefix("the "), row.metric, str(row.n_splits),
                     str(row.n_systems), f"{row.w:.2f} ({p_is(row.p)})",
                     f"{row.pairs_kept_always} of {row.n_pairs}", f"{row.mean_tau:.2f}", held, rank])
    columns = ["protocol", "metric", "re-splits", "systems", "Kendall's W (p)", "pairs in the same order",
               "mean τ with the authors' split", "ranking", f"`{reference}`'s rank (re-splits)"]
    counts = {v: verdicts.count(v) for v in dict.fromkeys(verdicts)}
    sentence = ("Over the re-splits the ranking of the systems "
                + _and([f"{v} in {n} of {len(verdicts)} views" for v, n in counts.items()])
                + " (protocol × metric).")
    return "\n\n".join([
        sentence,
        markdown(pd.DataFrame(rows, columns=columns), align=["---"] * 2 + ["---:"] * 5 + ["---", "---:"]),
        f"Rank: 1 = best, on the authors' split (in brackets the range over the re-splits). Per split and "
        f"system, with the split-to-split and seed-to-seed variance: [the robustness table]({table_link}).",
        f"![Each system per split: the authors' split and the re-splits, mean and range over seeds.]"
        f"({figure}) ([PDF]({figure_pdf}))",
    ])


# --------------------------------------------------------------------------- what was easy, difficult


def easy_and_difficult(values: dict, fidelity: pd.DataFrame, published: bool) -> tuple[list[str], list[str]]:
    """The two lists of a reproducibility report, each item carrying the study's own evidence."""
    easy, difficult = [], []
    if published:
        easy.append(f"The data and the evaluation: the authors' split and evaluation code are public; the "
                    f"protocol evaluates {values['test_users']} users exactly as their code does.")
    else:
        easy.append(f"Running the whole study: every system, ablation and test of the full study ran on "
                    f"`{values['dataset']}` from one command ({values['n_runs']} runs).")
    if not fidelity.empty:
        easy.append("Running the authors' own code, ported to Python 3 and TensorFlow 2's compat.v1 by a "
                    "recorded patch, beside the re-implementation from the same start (Section 7.7).")
    if published:
        easy.append(f"The released checkpoints load with a numpy-only unpickler. {values['audit_sentence']}")
        difficult.append("The paper and the code disagree on pre-training, on D's data and on G's reward; "
                         "the code adds an importance-sampling mix and a sampler temperature the paper "
                         "does not state (Section 6).")
        difficult.append("The repository holds no code for the MLE, BPR and LambdaFM baselines: ours "
                         "implement the cited methods, tuned on validation.")
        difficult.append(f"Regenerating the authors' start. {values['start_match_sentence']} "
                         f"{values['authors_dns_sentence']}")
        if values["audit_reasons"]:
            reasons = values["audit_reasons"].splitlines()
            difficult.append(" ".join(line.removeprefix("- ") for line in reasons))
        difficult.append("The paper reports one number per system, without seeds, variance, per-user "
                         "results or the name of its significance test.")
    difficult.append(f"Choosing the epoch on the test set, as the code does: {values['optimism_short']}")
    return easy, difficult


# --------------------------------------------------------------------------- the manuscript


def dataset_sentence(dataset: str, summary: dict, description: str = "") -> str:
    """The dataset's counts, as the method section states them."""
    lead = f"`{dataset}`" + (f" ({description.strip()})" if description else "")
    try:
        return (
            f"{lead}: {summary['users']} users, {summary['items']} items, {summary['train_positives']} "
            f"training and {summary['test_positives']} test positives (rating at least "
            f"{summary['positive_threshold']:g}); {summary['test_users']} users have at least one test "
            "positive and are evaluated."
        )
    except KeyError as exc:
        raise IrganError(f"dataset summary of {dataset}: missing key {exc.args[0]!r}") from None


def _links(links: Mapping[str, str], names: Iterable[str]) -> str:
    return ", ".join(f"[{name.replace('_', ' ')}]({links[name]})" for name in names if name in links)


def _ledger_table(ledger: Ledger) -> str:
    """The ledger's claims and verdicts: claims.md's caption and first table (its reasons and notes
    are linked: the results give each reason, the method the design)."""
    title, table, _ = ledger_blocks(ledger.table, ledger.table_source)
    return "\n\n".join([f"**{title}.**" if title else "", table]).strip()


def paper_values(
    statistics: dict[str, pd.DataFrame],
    tables: dict[str, str],
    table3_data: pd.DataFrame,
    settings: StatisticsSettings,
    dataset: str,
    dataset_summary: dict,
    study: dict,
    figures: dict[str, str],
    ledger: Ledger,
    audit: pd.DataFrame | None = None,
    code_version: str = "",
    start_match: str = "",
    authors_dns: str = "",
    robustness: dict[str, str] | None = None,
    links: dict[str, str] | None = None,
    what_moved: dict | None = None,
) -> dict:
    """Every value of the templates. ``tables``: the dataset's Markdown tables by name; ``figures``
    and ``links``: the figures and the files the draft links, relative to it; ``robustness``: the
    robustness sentence, table and figure links (``sentence``, ``table``, ``figure``,
    ``figure_pdf``) with, where available, its ``concordance`` and ``systems`` statistics; None
    where the robustness over splits has not run."""
    summary, comparisons = statistics["summary"], statistics["comparisons"]
    optimism_summary, divergence = statistics["optimism_summary"], statistics["divergence"]
    runs, links = statistics["runs"], dict(links or {})
    simple = list(study.get("simple_baselines", []))
    method = methods(settings)
    audit_sentence, audit_reasons = audit_sentences(audit)
    seeds = sorted({int(s) for s in runs["seed"]})
    validation = study.get("validation", {})
    table = published_table(dataset)
    published = bool(table)
    kind_text, framing, limits = data_framing(dataset, study.get("kind", ""))
    view = _view(summary, comparisons, settings, optimism_summary)
    claims = ledger.claims
    confidence, alpha = settings.confidence, settings.alpha
    irgan = sorted({s for s in runs["system"] if is_irgan(s)})
    baselines = sorted({s for s in runs["system"] if not is_irgan(s)})
    optimism = view.optimism(settings.reference, "validation")
    values = {
        "dataset": dataset,
        "published": published,
        "published_table": table,
        "study_kind": kind_text,
        "data_framing": framing,
        "data_limits": limits,
        "n_seeds": str(len(seeds)),
        "seeds": ", ".join(str(s) for s in seeds),
        "n_runs": str(len(runs)),
        "n_irgan_systems": str(len(irgan)),
        "n_other_systems": str(len(baselines)),
        "test_users": str(dataset_summary.get("test_users", "n/a")),
        "cutoffs": ", ".join(str(k) for k in study.get("cutoffs", [])),
        "metric": settings.headline_metric,
        "reference": settings.reference,
        "code_version": code_version or "unknown",
        # the claims ledger
        "ledger_table": _ledger_table(ledger),
        "ledger_figure": ledger.figure,
        "ledger_link": ledger.table_link or ledger.table_source,
        "ledger_figure_pdf": ledger.figure_pdf,
        "ledger_summary": ledger_summary(claims, published),
        "verdict_sentences": verdict_sentences(claims, published),
        "confirmatory_verdicts": verdict_sentences(claims[claims["family"] == "confirmatory"], published),
        "cause_sentence": cause_sentence(claims),
        "inconclusive_sentence": inconclusive_sentence(claims),
        "claims": claim_sections(ledger, published, confidence, alpha, view),
        "headline_numbers": headline_numbers(summary, settings),
        # method
        "reference_start_sentence": reference_start_sentence(runs, settings.reference),
        "dataset_sentence": dataset_sentence(dataset, dataset_summary, study.get("description", "")),
        "validation_sentence": (
            f"{dataset_summary.get('validation_positives', 'n/a')} positives of "
            f"{dataset_summary.get('validation_users', 'n/a')} users: a fraction "
            f"{validation.get('fraction', 'n/a')} of each user's training positives for users with at least "
            f"{validation.get('min_user_positives', 'n/a')} of them, seed {validation.get('seed', 'n/a')}"
        ),
        "systems_sentence": (f"{len(irgan)} IRGAN systems (the reference, its ablations and the original "
                             f"code's runs) and {len(baselines)} others: {code_list(baselines)}."),
        "divergence_sentence": divergence_sentence(divergence),
        "compute_sentence": compute_sentence(runs, statistics.get("tuning")),
        "seed_level": method["seed_level"].split(";")[0],
        "main_test": method["main_test"],
        "wilcoxon_zero_method": settings.wilcoxon_zero_method,
        "effect_size": method["effect_size"],
        "bootstrap": method["bootstrap"],
        "design_sentence": design_sentence(comparisons, settings),
        # results in detail
        "audit_sentence": audit_sentence,
        "audit_reasons": audit_reasons,
        "not_reproduced": not_reproduced(table3_data, settings),
        "irgan_vs_baselines_sentence": versus_baselines_sentence(comparisons, settings),
        "equal_budget_sentence": equal_budget_sentence(summary, comparisons, statistics.get("tuning"),
                                                       settings),
        "headline_table": headline_table(summary, settings, with_published=published, with_variants=False),
        "ablation_table": ablation_table(summary, comparisons, settings),
        "ablation_sentence": ablation_sentence(summary, comparisons, settings),
        "quirks_table": quirks_table(summary, comparisons, optimism_summary, settings),
        "optimism_sentence": optimism_sentence(summary, optimism_summary, comparisons, settings),
        "optimism_short": (
            f"it adds {signed_text(optimism['optimism'])} {settings.headline_metric} to "
            f"`{settings.reference}`'s honest runs, an optimism no published figure can be corrected for."
            if optimism is not None
            else "its optimism is unmeasured here (no honest run recorded a test curve)."),
        "simple_baselines_sentence": simple_baselines_sentence(summary, comparisons, settings, simple),
        "start_match_sentence": start_match or "No released start to compare this project's DNS with.",
        "authors_dns_sentence": authors_dns or "The authors' own `cf_dns.py` did not run in this study.",
        "fidelity_sentence": fidelity_short(statistics.get("fidelity", pd.DataFrame()),
                                            settings.headline_metric),
        "appendix_links": _links(links, [name for name in links if name != "claims"]),
    }
    values |= robustness_values(robustness)
    values |= what_moved_values(what_moved)
    values["transfer_section"] = NO_TRANSFER  # replaced by irgan.report.transfer.transfer_values once run
    if robustness and robustness.get("concordance") is not None:
        values["robustness_section"] = robustness_summary(
            robustness["concordance"], robustness["systems"], settings.reference, alpha,
            robustness["figure"], robustness["figure_pdf"], robustness.get("table_link", ""))
    # Table 3 keeps the notes of its markers only
    kept_notes = {"table3": "Marker"}
    values |= {name: _table_block(text, kept_notes.get(name, True)) for name, text in tables.items()}
    values |= {f"figure_{name}": path for name, path in figures.items()}
    values["easy"], values["difficult"] = easy_and_difficult(
        values, statistics.get("fidelity", pd.DataFrame()), published)
    values["findings"] = findings_sentences(values)
    return values


def findings_sentences(values: Mapping) -> list[str]:
    """The README's findings, at most six sentences: verdict counts, the claims per verdict, what
    explains the failures, and what the design cannot decide."""
    sentences = [values["ledger_summary"], *values["verdict_sentences"]]
    for extra in (values["cause_sentence"], values["inconclusive_sentence"]):
        if extra:
            sentences.append(extra)
    return sentences[:6]


# --------------------------------------------------------------------------- rendering


def _environment() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              trim_blocks=True, lstrip_blocks=True, autoescape=False)


def render(template: str, values: Mapping, source: str = "paper template") -> str:
    """The template filled with ``values``; a name without a value, or a malformed template, is an
    error naming it and the file. Runs of blank lines left by skipped blocks fold into one."""
    try:
        text = _environment().from_string(template).render(**values)
    except jinja2.UndefinedError as exc:
        name = re.search(r"'([^']+)' is undefined", str(exc))
        raise TemplateError(
            f"{source}: {{{{ {name.group(1) if name else exc} }}}} has no value from the results "
            f"(known: {', '.join(sorted(values))})"
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{source}, line {exc.lineno}: malformed template ({exc.message})") from None
    return re.sub(r"\n{3,}", "\n\n", text).lstrip("\n")


def relative_path(target: str | os.PathLike, start: str | os.PathLike) -> str:
    """``target`` relative to the directory of the file ``start`` (links inside results/)."""
    return os.path.relpath(Path(target).resolve(), Path(start).resolve().parent)
