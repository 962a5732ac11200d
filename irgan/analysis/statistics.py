"""The study's statistics: seed means with confidence intervals, paired per-user tests, Holm.

Inputs are run directories of the run contract (:mod:`irgan.contract.runs`, which loads them:
:func:`load_runs`). The unit of analysis is stated for every number:

- *Seed level*: a run's figure is the mean of its per-user test metrics; a
  system's figure is the mean over its converged seeds with a Student-t
  interval over seeds truncated to the metric's range [0, 1]
  (:func:`seed_interval`); with fewer than three seeds no
  interval is computed and the range of the seeds is shown instead, and a
  deterministic system (the same value for every seed) gets none. Diverged
  runs are counted, never averaged in.
- *User level*: two systems are compared on the same evaluated users, each
  user's metric first averaged over the system's converged seeds. The paired
  t-test (``scipy.stats.ttest_rel``) is the main test; the Wilcoxon
  signed-rank test (Pratt's treatment of zero differences), Cohen's d_z and a
  seeded percentile-bootstrap CI of the mean difference go beside it.
- *Claims* (``statistics.claims``, :class:`Claim`): the paper's claims and the study's own, each a
  comparison of two systems, a figure against its published value or the optimism of choosing
  the epoch on test. The last two are tested over seeds (:func:`claim_tests`) and written beside
  the paired comparisons, as rows of their own kind.
- *Multiplicity* (:func:`design_families`): with ``statistics.correction: confirmatory`` (the
  default) the claims on the primary metric form the confirmatory family of each selection rule,
  Holm-corrected; every other test is exploratory, Benjamini-Hochberg within its ablation family
  or comparison kind. ``holm-all`` corrects every test of a rule as one Holm family
  (:func:`holm_family_key`; also the ``p_holm`` column under either design). Each test states the
  smallest difference its family detects with the configured power (``detectable_effect``).
- *Seed view*: Welch's t-test on the per-seed means asks whether a difference
  exceeds run-to-run variation, which the user-level tests average away.

This module picks the values out of the runs and lays the results out as the statistics CSVs;
the tests themselves are pure functions in :mod:`irgan.analysis.stat_tests`.
"""

from __future__ import annotations

import fnmatch
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from irgan.analysis.stat_tests import (
    CORRECTIONS,
    detectable_difference,
    family_level,
    holm_adjust,
    interval_bounds,
    one_sample_over_seeds,
    paired_tests,
    seed_interval,
    welch_over_seeds,
)
from irgan.analysis.study_view import StudyView
from irgan.contract.outputs import STATISTICS_FILES  # noqa: F401  (re-exported)
from irgan.contract.runs import SYSTEM_KEYS as KEYS
from irgan.contract.runs import (  # noqa: F401  (loading and parsing runs are the run contract's; re-exported)
    RunContractError,
    StudyRuns,
    load_runs,
    parse_run_path,
    per_user_means,
    write_frame,
)
from irgan.errors import ConfigError, IrganError
from irgan.progress import Progress
from irgan.protocol import PROTOCOL_SELECTION, SELECTIONS, metric_names
from irgan.published import TABLE3_ML100K, TABLE4_NETFLIX, table
from irgan.study.families import (  # noqa: F401  (the families' rules; re-exported)
    ablation_family_of,
    check_families,
    comparator_of,
)
from irgan.study.tuned import BUDGET_COLUMNS

HOLM_FAMILIES = ("protocol", "dataset")
DEFAULT_PAPER_ROWS = {"MLE": "mle", "BPR": "bpr", "LambdaFM": "lambdafm", "IRGAN-pointwise": "irgan-code"}
#: the multiplicity designs of ``statistics.correction``
DESIGNS = ("confirmatory", "holm-all")
#: the names of the corrections, as tables and sentences give them
CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg"}

#: the datasets the paper published figures for: dataset -> (where, {row: {metric: value}})
PUBLISHED_TABLES = {
    "ml-100k-irgan": ("Table 3", table(TABLE3_ML100K)),  # the authors' split
    "ml-100k": ("Table 3", table(TABLE3_ML100K)),  # GroupLens fold 1, the same split
    "netflix": ("Table 4", table(TABLE4_NETFLIX)),
}


def published_figure(dataset: str, paper_rows: dict, system: str, metric: str) -> tuple[str, float] | None:
    """``(table, value)``: the published figure of ``system`` (its row in ``paper_rows``) on
    ``metric`` for ``dataset``, or None where the paper published none."""
    if dataset not in PUBLISHED_TABLES:
        return None
    where, rows = PUBLISHED_TABLES[dataset]
    row = next((name for name, name_system in paper_rows.items() if name_system == system), None)
    if row is None or row not in rows or metric not in rows[row]:
        return None
    return where, rows[row][metric]


def is_irgan(system: str) -> bool:
    """IRGAN variants are named ``irgan-<variant>``; every other system is a baseline."""
    return system.startswith("irgan-")


def different_starts(runs: pd.DataFrame, dataset: str) -> set[str]:
    """Systems whose runs start from different models under the two rules on ``dataset`` (the
    authors' start: their released file under the paper protocol, our DNS under the honest one):
    their paper-vs-honest comparison would mix the start into the selection rule."""
    if "start" not in runs.columns:
        return set()
    rows = runs[runs["dataset"] == dataset].dropna(subset=["start"])
    starts = rows.groupby("system")["start"].nunique()
    return set(starts[starts > 1].index)


# --------------------------------------------------------------------------- seed level


def seed_metrics(study: StudyRuns) -> pd.DataFrame:
    """Long table ``dataset, selection, system, seed, metric, value``: each converged run's user mean."""
    if study.per_user.empty:
        return pd.DataFrame(columns=[*KEYS, "seed", "metric", "value"])
    means = study.per_user.groupby([*KEYS, "seed"], sort=True)[study.metrics].mean().reset_index()
    return means.melt(id_vars=[*KEYS, "seed"], var_name="metric", value_name="value")


def divergence(study: StudyRuns) -> pd.DataFrame:
    """Runs, converged and diverged runs (with their seeds) per dataset, selection and system."""
    rows = []
    for (dataset, selection, system), group in study.runs.groupby(KEYS, sort=True):
        diverged = group.loc[group["status"] == "diverged", "seed"].tolist()
        rows.append(
            {
                "dataset": dataset,
                "selection": selection,
                "system": system,
                "n_runs": len(group),
                "n_ok": int((group["status"] == "ok").sum()),
                "n_diverged": len(diverged),
                "diverged_seeds": " ".join(str(s) for s in sorted(diverged)),
            }
        )
    return pd.DataFrame(rows, columns=[*KEYS, "n_runs", "n_ok", "n_diverged", "diverged_seeds"])


def summarise_systems(
    study: StudyRuns, confidence: float = 0.95, resamples: int = 10_000, seed: int = 2017
) -> pd.DataFrame:
    """Mean over converged seeds with its :func:`seed_interval`, per dataset, selection, system and metric.

    Every run of the study appears: a system whose runs all diverged gets NaN
    figures and its counts, so no table silently drops it. ``ci_low``/``ci_high``
    hold a t interval only (NaN with fewer than 3 seeds or a
    deterministic system); ``interval`` names the kind, ``seed_min``/``seed_max``
    give the range, ``deterministic`` is true when the run records say so or
    every seed gave the same value.
    """
    flagged = (
        study.runs.groupby(KEYS)["deterministic"].all()
        if "deterministic" in study.runs.columns and len(study.runs)
        else pd.Series(dtype=bool)
    )
    per_seed = seed_metrics(study)
    counts = divergence(study).set_index(KEYS)
    rows = []
    for key, count in counts.iterrows():
        group = per_seed[(per_seed[KEYS] == pd.Series(key, index=KEYS)).all(axis=1)]
        for metric in study.metrics:
            values = group.loc[group["metric"] == metric].sort_values("seed")
            mean, low, high, kind = seed_interval(values["value"], confidence)
            deterministic = kind == "deterministic" or bool(flagged.get(key, False))
            ci_low, ci_high = interval_bounds(low, high, kind)
            rows.append(
                {
                    **dict(zip(KEYS, key, strict=True)),
                    "metric": metric,
                    "mean": mean,
                    "sd": float(values["value"].std(ddof=1)) if len(values) > 1 else math.nan,
                    "ci_low": ci_low,
                    "ci_high": ci_high,
                    "n_seeds": len(values),
                    "n_runs": int(count["n_runs"]),
                    "n_diverged": int(count["n_diverged"]),
                    "seed_values": " ".join(f"{v:.6f}" for v in values["value"]),
                    "interval": kind,
                    "seed_min": float(values["value"].min()) if len(values) else math.nan,
                    "seed_max": float(values["value"].max()) if len(values) else math.nan,
                    "deterministic": deterministic,
                }
            )
    columns = [
        *KEYS,
        "metric",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "n_seeds",
        "n_runs",
        "n_diverged",
        "seed_values",
        "interval",
        "seed_min",
        "seed_max",
        "deterministic",
    ]
    return pd.DataFrame(rows, columns=columns)



# --------------------------------------------------------------------------- the comparison plan


#: the kind and family of the equal-budget comparisons (a Holm family of their own)
EQUAL_BUDGET = "equal-budget"
#: the kinds of the claims' tests over seeds (:func:`claim_tests`): a figure against its published
#: value, and the optimism of choosing the epoch on test
PUBLISHED, OPTIMISM = "published", "optimism"
#: comparison kinds whose tests form Holm families of their own, apart from the study's other claims
SEPARATE_KINDS = (EQUAL_BUDGET, PUBLISHED, OPTIMISM)
#: the kinds of paired per-user comparisons a ``difference`` claim is read from
PAIRED_KINDS = ("irgan-vs-baseline", "ablation", EQUAL_BUDGET)


# --------------------------------------------------------------------------- claims


#: what a claim compares: two systems (paired over users), a system's figure with its published
#: value, or a system's figure at the epoch chosen on test with the one chosen on validation
CLAIM_KINDS = ("difference", PUBLISHED, OPTIMISM)
#: the direction a claim states, per kind: system above, below, or equal to its comparator
CLAIM_DIRECTIONS = {"difference": ("greater", "less", "equal"), PUBLISHED: ("equal",), OPTIMISM: ("greater",)}


@dataclass(frozen=True)
class Claim:
    """One entry of ``statistics.claims``: what is claimed, where, and the test that decides it.

    ``comparator`` (``difference`` only): the system compared with, or several in order of
    preference, of which the first that ran under a selection rule is used there (the reference's
    start: the released file under the paper protocol, this project's DNS under the honest one).
    ``margin``: the smallest difference that matters for the claim, where the paper publishes none
    (None: ``statistics.smallest_effect``).
    """

    id: str
    claim: str
    source: str
    kind: str
    system: str
    metric: str
    direction: str
    comparator: tuple[str, ...] = ()
    margin: float | None = None

    def comparator_under(self, systems: Iterable[str]) -> str | None:
        """The comparator used where ``systems`` ran: the first of :attr:`comparator` among them."""
        ran = set(systems)
        return next((name for name in self.comparator if name in ran), None)

    def pair(self, systems: Iterable[str]) -> tuple[str, str] | None:
        """``(system, comparator)`` of a ``difference`` claim where ``systems`` ran, else None."""
        comparator = self.comparator_under(systems)
        return None if comparator is None or self.system not in set(systems) else (self.system, comparator)


#: the keys every entry of ``statistics.claims`` has
CLAIM_KEYS = ("id", "claim", "source", "kind", "system", "metric", "direction")


def claims_from_config(entries: Sequence[dict] | None, source: str = "config") -> tuple[Claim, ...]:
    """The claims of ``statistics.claims``; an entry whose ``metric`` is a list is one claim per
    metric, its id suffixed with the metric. Ids are unique, directions fit their kind, and only a
    ``difference`` names a comparator: otherwise one :class:`ConfigError` naming the key."""
    claims: list[Claim] = []
    known = metric_names()
    for index, entry in enumerate(entries or []):
        key = f"{source}: key statistics.claims[{index}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{key}: a claim is a mapping of {', '.join(CLAIM_KEYS)}")
        missing = [k for k in CLAIM_KEYS if k not in entry]
        if missing:
            raise ConfigError(f"{key}: missing {', '.join(missing)}")
        kind, direction = str(entry["kind"]), str(entry["direction"])
        if kind not in CLAIM_KINDS:
            raise ConfigError(f"{key}.kind: {kind!r} is not one of {', '.join(CLAIM_KINDS)}")
        if direction not in CLAIM_DIRECTIONS[kind]:
            raise ConfigError(f"{key}.direction: a {kind} claim states "
                              f"{' or '.join(CLAIM_DIRECTIONS[kind])}, not {direction!r}")
        comparator = entry.get("comparator")
        if (kind == "difference") != (comparator is not None):
            raise ConfigError(f"{key}.comparator: " + ("a difference claim names the system it is compared "
                                                       "with" if kind == "difference" else
                                                       f"a {kind} claim has no comparator"))
        metrics = entry["metric"] if isinstance(entry["metric"], list) else [entry["metric"]]
        for metric in metrics:
            if metric not in known:
                raise ConfigError(f"{key}.metric: {metric!r} is not a metric ({', '.join(known)})")
            claim_id = f"{entry['id']}-{metric}" if isinstance(entry["metric"], list) else str(entry["id"])
            if any(c.id == claim_id for c in claims):
                raise ConfigError(f"{key}.id: {claim_id!r} is the id of another claim")
            margin = entry.get("margin")
            claims.append(Claim(claim_id, " ".join(str(entry["claim"]).split()), str(entry["source"]), kind,
                                str(entry["system"]), str(metric), direction,
                                _names(comparator) if comparator is not None else (),
                                None if margin is None else float(margin)))
    return tuple(claims)


@dataclass(frozen=True)
class EqualBudget:
    """``statistics.equal_budget``: ``system`` (the tuned IRGAN) against every other system matching
    ``systems`` (fnmatch: the tuned baselines) and each of ``also`` (the untuned reference: what
    tuning buys). Members of ``systems`` are compared here only, so they never enlarge the other
    Holm families."""

    system: str = "irgan-tuned"
    systems: tuple[str, ...] = ("*-tuned",)
    also: tuple[str, ...] = ()
    question: str = ""

    @classmethod
    def from_config(cls, section: dict | None) -> EqualBudget | None:
        if not section:
            return None
        return cls(system=str(section.get("system", cls.system)),
                   systems=tuple(section.get("systems", cls.systems)),
                   also=tuple(section.get("also", ())), question=str(section.get("question", "")))

    def member(self, system: str) -> bool:
        return system == self.system or any(fnmatch.fnmatchcase(system, p) for p in self.systems)


def equal_budget_member(system: str, equal_budget: EqualBudget | None) -> bool:
    """Whether ``system`` is compared only in the equal-budget family."""
    return equal_budget is not None and equal_budget.member(system)


@dataclass(frozen=True)
class Comparison:
    kind: str  # irgan-vs-baseline, ablation, protocol, equal-budget
    ablation_family: str
    selection: str  # test, validation, or test-vs-validation (protocol)
    system: str
    reference: str


def plan_comparisons(
    systems: dict[str, list[str]], reference: str, families: dict, mixed_starts: Iterable[str] = (),
    originals: Iterable[str] = (), equal_budget: EqualBudget | None = None,
) -> list[Comparison]:
    """Every comparison the study reports, from the systems each selection rule actually ran.

    - each IRGAN variant vs each baseline (per selection);
    - each IRGAN variant other than the reference vs its comparator (per selection): the
      reference, or what its family's ``against`` names (:func:`comparator_of`);
    - each system's paper-protocol runs vs its honest runs (selection optimism), unless the two
      rules started it from different models (``mixed_starts``).

    The authors' own code run by the study (``originals``: irgan-authors-code, dns-authors-code)
    checks the re-implementation; it is compared with the reference (an IRGAN original, in its
    ablation family) and in the fidelity section, never with every baseline or variant, so that it
    does not enlarge the Holm families of the study's own claims.

    The equal-budget family (``equal_budget``): the tuned IRGAN against every other tuned system
    and each of its ``also`` systems, under each rule where it ran; the tuned systems take part in
    no other comparison.
    """
    originals = set(originals)
    plan: list[Comparison] = []
    for selection in SELECTIONS:
        everything = sorted(systems.get(selection, []))
        present = [s for s in everything if not equal_budget_member(s, equal_budget)]
        irgan = [s for s in present if is_irgan(s)]
        baselines = [s for s in present if not is_irgan(s) and s not in originals]
        for system in irgan:
            for baseline in baselines if system not in originals else []:
                plan.append(Comparison("irgan-vs-baseline", "", selection, system, baseline))
        for system in irgan:
            comparator = comparator_of(system, families, reference)
            if system != reference and comparator in present:
                family = ablation_family_of(system, families)
                plan.append(Comparison("ablation", family, selection, system, comparator))
        if equal_budget is not None and equal_budget.system in everything:
            tuned = [s for s in everything if equal_budget.member(s) and s != equal_budget.system]
            untuned = [s for s in equal_budget.also if s in everything and s not in tuned]
            for other in [*tuned, *untuned]:
                plan.append(Comparison(EQUAL_BUDGET, EQUAL_BUDGET, selection, equal_budget.system, other))
    both = sorted(set(systems.get("test", [])) & set(systems.get("validation", [])) - set(mixed_starts))
    both = [s for s in both if not equal_budget_member(s, equal_budget)]
    for system in both:
        plan.append(Comparison("protocol", "", PROTOCOL_SELECTION, system, system))
    return plan


def holm_family_key(dataset: str, selection: str, scheme: str, kind: str = "") -> str:
    """The Holm family of a test.

    ``protocol`` (default): every test on one dataset under one selection rule,
    over all comparisons and all metrics, is one family (a table's worth of
    claims); the test-vs-validation comparisons form their own family.
    ``dataset``: every test on a dataset is one family. Under either scheme the tests of a kind
    in :data:`SEPARATE_KINDS` (the equal-budget comparison) form a family of their own, with
    ``/<kind>`` appended: a separate question, which leaves the other families as they were.
    """
    suffix = f"/{kind}" if kind in SEPARATE_KINDS else ""
    if scheme == "protocol":
        return f"{dataset}/{selection}{suffix}"
    if scheme == "dataset":
        return f"{dataset}{suffix}"
    raise IrganError(f"key statistics.holm_family: {scheme!r} not in {HOLM_FAMILIES}")


def holm(p_values: pd.Series, groups: pd.Series, alpha: float) -> tuple[pd.Series, pd.Series]:
    """Holm-adjusted p-values and rejections within each group
    (:func:`irgan.analysis.stat_tests.holm_adjust`); NaN p-values stay out of every family."""
    adjusted = pd.Series(np.nan, index=p_values.index)
    reject = pd.Series(False, index=p_values.index)
    for _, index in p_values.groupby(groups, sort=False).groups.items():
        adjusted.loc[index], reject.loc[index] = holm_adjust(p_values.loc[index].to_numpy(), alpha)
    return adjusted, reject


# --------------------------------------------------------------------------- the whole study


@dataclass(frozen=True)
class StatisticsSettings:
    """The ``statistics:`` section of the config, with the defaults of config/config.yaml."""

    confidence: float = 0.95
    alpha: float = 0.05
    holm_family: str = "protocol"
    wilcoxon_zero_method: str = "pratt"
    bootstrap_resamples: int = 10_000
    bootstrap_seed: int = 2017
    reference: str = "irgan-code"
    headline_metric: str = "P@5"
    headline_selection: str = "test"
    headline_against: tuple[str, ...] = ("mle", "bpr", "lambdafm")
    # the reference generator's start, in order of preference (per rule the first that ran)
    starting_point: tuple[str, ...] = ("dns-released", "dns")
    families: dict | None = None
    paper_rows: dict | None = None  # published row of Table 3 -> system name
    fidelity: dict | None = None  # the reference against the authors' own code (irgan/analysis/fidelity.py)
    equal_budget: EqualBudget | None = None  # the tuned IRGAN against the tuned baselines
    # multiplicity: confirmatory (the claims on the headline metric, Holm per rule; the rest
    # exploratory, Benjamini-Hochberg per family) | holm-all (every test of a rule, Holm)
    correction: str = "confirmatory"
    power: float = 0.8  # the power of each test's detectable effect
    smallest_effect: float = 0.01  # the smallest difference a claim is about, where none is published
    claims: tuple[Claim, ...] = ()

    def equal_budget_member(self, system: str) -> bool:
        """Whether ``system`` is compared only in the equal-budget family."""
        return equal_budget_member(system, self.equal_budget)

    @classmethod
    def from_config(cls, section: dict) -> StatisticsSettings:
        headline = section.get("headline", {})
        bootstrap = section.get("bootstrap", {})
        return cls(
            confidence=float(section.get("confidence", cls.confidence)),
            alpha=float(section.get("alpha", cls.alpha)),
            holm_family=str(section.get("holm_family", cls.holm_family)),
            wilcoxon_zero_method=str(section.get("wilcoxon_zero_method", cls.wilcoxon_zero_method)),
            bootstrap_resamples=int(bootstrap.get("resamples", cls.bootstrap_resamples)),
            bootstrap_seed=int(bootstrap.get("seed", cls.bootstrap_seed)),
            reference=str(section.get("reference", cls.reference)),
            headline_metric=str(headline.get("metric", cls.headline_metric)),
            headline_selection=str(headline.get("selection", cls.headline_selection)),
            headline_against=tuple(headline.get("against", cls.headline_against)),
            starting_point=_names(section.get("starting_point", cls.starting_point)),
            families=dict(section.get("families", {})),
            paper_rows=dict(section.get("paper_rows", DEFAULT_PAPER_ROWS)),
            fidelity=dict(section.get("fidelity", {})),
            equal_budget=EqualBudget.from_config(section.get("equal_budget")),
            correction=str(section.get("correction", cls.correction)),
            power=float(section.get("power", cls.power)),
            smallest_effect=float(section.get("smallest_effect", cls.smallest_effect)),
            claims=claims_from_config(section.get("claims")),
        )

    def __post_init__(self) -> None:
        if self.correction not in DESIGNS:
            raise ConfigError(f"key statistics.correction: {self.correction!r} is not one of "
                              f"{', '.join(DESIGNS)}")
        for claim in self.claims:
            if claim.kind == OPTIMISM and claim.metric != self.headline_metric:
                raise ConfigError(
                    f"key statistics.claims ({claim.id}).metric: the optimism of test selection is "
                    f"measured on statistics.headline.metric ({self.headline_metric}), not {claim.metric}")

    @property
    def primary_metric(self) -> str:
        """The metric of the confirmatory claims: the headline metric."""
        return self.headline_metric

    def margin(self, claim: Claim) -> float:
        """The smallest difference that matters for ``claim`` where nothing is published."""
        return self.smallest_effect if claim.margin is None else claim.margin


def _names(value: str | Sequence[str]) -> tuple[str, ...]:
    """A config value that is one system name or a list of them."""
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


COMPARISON_COLUMNS = [
    "dataset",
    "kind",
    "ablation_family",
    "selection",
    "system",
    "reference",
    "metric",
    "n_users",
    "mean_system",
    "mean_reference",
    "mean_diff",
    "sd_diff",
    "boot_low",
    "boot_high",
    "t",
    "df",
    "p",
    "p_holm",
    "significant",
    "wilcoxon",
    "p_wilcoxon",
    "p_wilcoxon_holm",
    "zero_method",
    "n_zero_diff",
    "d_z",
    "n_seeds_system",
    "n_seeds_reference",
    "seed_mean_diff",
    "seed_t",
    "p_seed",
    "p_seed_holm",
    "holm_family",
    "holm_family_size",
    "family",
    "confirmatory",
    "correction",
    "p_adjusted",
    "family_size",
    "detectable_effect",
]


def compare_systems(study: StudyRuns, settings: StatisticsSettings,
                    optimism: pd.DataFrame | None = None) -> pd.DataFrame:
    """Run the comparison plan on every dataset of ``study``: one row per comparison and metric,
    then the claims' tests over seeds (:func:`claim_tests`; ``optimism``: the runs'
    :func:`selection_optimism`, computed here when a claim needs it and it is not given), each
    test in its family of the design (:func:`design_families`) with its adjusted p-value and
    detectable effect."""
    user_means = per_user_means(study)
    seed_values = (
        seed_metrics(study).pivot_table(index=[*KEYS, "seed"], columns="metric", values="value")
        if not study.per_user.empty
        else pd.DataFrame()
    )
    rows = []
    planned = []
    ran: dict[tuple[str, str], set[str]] = {}
    for dataset in sorted(study.runs["dataset"].unique()):
        means = {
            key: group.sort_values("user")
            for key, group in user_means[user_means["dataset"] == dataset].groupby(["selection", "system"])
        }
        seeds = {}
        if len(seed_values) and dataset in seed_values.index.get_level_values("dataset"):
            seeds = dict(iter(seed_values.loc[[dataset]].groupby(level=["selection", "system"])))
        systems = {sel: sorted(system for s, system in means if s == sel) for sel in SELECTIONS}
        ran |= {(dataset, sel): set(names) for sel, names in systems.items()}
        mixed = different_starts(study.runs, dataset)
        from irgan.analysis.fidelity import FidelitySettings  # (it builds on this module)

        originals = [original for original, _ in FidelitySettings.from_config(settings.fidelity).pairs]
        planned += [(dataset, comparison, means, seeds) for comparison in
                    plan_comparisons(systems, settings.reference, settings.families or {}, mixed, originals,
                                     settings.equal_budget)]
    # the paired tests with their bootstrap, one comparison after another: a bar on the terminal
    with Progress(len(planned), "paired tests and bootstrap", unit="comparison") as bar:
        for dataset, comparison, means, seeds in planned:
            rows += _compare_pair(dataset, comparison, means, seeds, study.metrics, settings)
            bar.update()
    if any(claim.kind == OPTIMISM for claim in settings.claims) and optimism is None:
        optimism = selection_optimism(study, settings.headline_metric)
    rows += claim_tests(seed_metrics(study), study.runs, optimism, settings)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    frame["holm_family"] = [
        holm_family_key(d, s, settings.holm_family, k)
        for d, s, k in zip(frame["dataset"], frame["selection"], frame["kind"], strict=True)
    ]
    frame["holm_family_size"] = frame.groupby("holm_family")["p"].transform(lambda p: int(p.notna().sum()))
    frame["p_holm"], _ = holm(frame["p"], frame["holm_family"], settings.alpha)
    frame["p_wilcoxon_holm"], _ = holm(frame["p_wilcoxon"], frame["holm_family"], settings.alpha)
    frame["p_seed_holm"], _ = holm(frame["p_seed"], frame["holm_family"], settings.alpha)
    frame["family"], frame["confirmatory"], frame["correction"] = design_families(frame, settings, ran)
    frame["family_size"] = frame.groupby("family")["p"].transform(lambda p: int(p.notna().sum()))
    frame["p_adjusted"], frame["significant"], level = adjust(frame, settings.alpha)
    frame["detectable_effect"] = [
        detectable_difference(sd, int(n) if math.isfinite(n) else 0, a, settings.power)
        for sd, n, a in zip(frame["_sd_effective"], frame["_n"], level, strict=True)
    ]
    return frame[COMPARISON_COLUMNS]


def design_families(frame: pd.DataFrame, settings: StatisticsSettings,
                    ran: dict[tuple[str, str], set[str]]) -> tuple[list[str], list[bool], list[str]]:
    """Per test: its family, whether it is confirmatory, and its correction (``holm`` | ``bh``).

    A test is *confirmatory* when it is the test of a claim (``statistics.claims``) on the primary
    metric under a selection rule (``ran``: the systems with runs per dataset and rule, which pick
    a claim's comparator). With ``correction: confirmatory`` those tests form the family
    ``<dataset>/<rule>/confirmatory``, Holm-corrected: the few claims the study was designed to
    decide keep their family-wise error at alpha. Every other test is *exploratory*, with the
    Benjamini-Hochberg correction (its false discovery rate at alpha) within its ablation family
    (``<dataset>/<rule>/ablation/<family>``) or comparison kind (``<dataset>/<rule>/<kind>``). With
    ``correction: holm-all`` every test keeps today's Holm family (:func:`holm_family_key`).
    """
    confirmatory = [
        _is_confirmatory(row, settings, ran.get((row.dataset, row.selection), set()))
        for row in frame[["dataset", "kind", "selection", "system", "reference", "metric"]].itertuples()
    ]
    if settings.correction == "holm-all":
        return list(frame["holm_family"]), confirmatory, ["holm"] * len(frame)
    families = []
    keys = frame[["dataset", "kind", "selection", "ablation_family"]].itertuples()
    for row, claim in zip(keys, confirmatory, strict=True):
        if claim:
            families.append(f"{row.dataset}/{row.selection}/confirmatory")
        elif row.kind == "ablation":
            families.append(f"{row.dataset}/{row.selection}/ablation/{row.ablation_family or 'other'}")
        else:
            families.append(f"{row.dataset}/{row.selection}/{row.kind}")
    return families, confirmatory, ["holm" if claim else "bh" for claim in confirmatory]


def _is_confirmatory(row, settings: StatisticsSettings, ran: set[str]) -> bool:
    """Whether a test (a row of the comparisons) is the test of a claim on the primary metric."""
    if row.metric != settings.primary_metric or row.selection not in SELECTIONS:
        return False
    for claim in settings.claims:
        if claim.metric != row.metric:
            continue
        if claim.kind in (PUBLISHED, OPTIMISM):
            if row.kind == claim.kind and row.system == claim.system:
                return True
        elif row.kind in PAIRED_KINDS and (pair := claim.pair(ran)) is not None:
            if (row.system, row.reference) in (pair, pair[::-1]):
                return True
    return False


def adjust(frame: pd.DataFrame, alpha: float) -> tuple[pd.Series, pd.Series, list[float]]:
    """Adjusted p-values and rejections within each ``family`` with its ``correction``, and each
    test's level (:func:`irgan.analysis.stat_tests.family_level`); NaN p-values stay out."""
    adjusted = pd.Series(np.nan, index=frame.index)
    reject = pd.Series(False, index=frame.index)
    level = pd.Series(np.nan, index=frame.index)
    for (_, correction), index in frame.groupby(["family", "correction"], sort=False).groups.items():
        p_adj, rej = CORRECTIONS[correction](frame.loc[index, "p"].to_numpy(), alpha)
        adjusted.loc[index], reject.loc[index] = p_adj, rej
        size = int(frame.loc[index, "p"].notna().sum())
        level.loc[index] = family_level(correction, alpha, size, int(rej.sum()))
    return adjusted, reject, level.tolist()


def _compare_pair(
    dataset: str,
    comparison: Comparison,
    means: dict,
    seeds: dict,
    metrics: list[str],
    settings: StatisticsSettings,
) -> list[dict]:
    if comparison.kind == "protocol":
        system_key, reference_key = ("test", comparison.system), ("validation", comparison.reference)
    else:
        system_key = (comparison.selection, comparison.system)
        reference_key = (comparison.selection, comparison.reference)
    a, b = means[system_key], means[reference_key]
    if not np.array_equal(a["user"].to_numpy(), b["user"].to_numpy()):
        raise RunContractError(
            f"dataset {dataset}: {comparison.system} ({system_key[0]}) and {comparison.reference} "
            f"({reference_key[0]}) were evaluated on different users ({len(a)} vs {len(b)}); "
            "paired tests need the same evaluated users"
        )
    tests = pd.DataFrame(
        paired_tests(
            a[metrics].to_numpy(),
            b[metrics].to_numpy(),
            settings.wilcoxon_zero_method,
            settings.bootstrap_resamples,
            settings.bootstrap_seed,
            settings.confidence,
        ).columns()
    )
    empty = pd.DataFrame(columns=metrics)
    seeds_a, seeds_b = seeds.get(system_key, empty), seeds.get(reference_key, empty)
    rows = []
    for j, metric in enumerate(metrics):
        sa, sb = seeds_a[metric].dropna(), seeds_b[metric].dropna()
        seed_t, p_seed = welch_over_seeds(sa, sb)
        rows.append(
            {
                "dataset": dataset,
                "kind": comparison.kind,
                "ablation_family": comparison.ablation_family,
                "selection": comparison.selection,
                "system": comparison.system,
                "reference": comparison.reference,
                "metric": metric,
                **tests.iloc[j].to_dict(),
                "n_seeds_system": len(sa),
                "n_seeds_reference": len(sb),
                "seed_mean_diff": float(sa.mean() - sb.mean()),
                "seed_t": seed_t,
                "p_seed": p_seed,
                "_n": float(tests.iloc[j]["n_users"]),
                "_sd_effective": effective_sd(float(tests.iloc[j]["sd_diff"]), int(tests.iloc[j]["n_users"]),
                                              sa.to_numpy(), sb.to_numpy()),
            }
        )
    return rows


def effective_sd(sd_users: float, n_users: int, seeds_system: np.ndarray,
                 seeds_reference: np.ndarray) -> float:
    """The per-user standard deviation that, over ``n_users``, gives the variance of a mean
    difference when both the users and the training runs are sampled:
    ``sqrt(sd_users^2 + n_users * (var_seeds(a) / k_a + var_seeds(b) / k_b))``.

    ``var_seeds`` is the variance over seeds of a system's mean (users fixed), ``k`` its seeds; a
    system with one seed or the same value for every seed adds nothing. The per-user differences
    already hold each user's seed noise divided by ``k``, counted again in ``var_seeds`` divided by
    ``n_users``: a term of order ``1 / n_users``, which errs on the side of a larger detectable effect.
    """
    seed_var = sum(float(np.var(x, ddof=1)) / len(x) for x in (seeds_system, seeds_reference) if len(x) > 1)
    return math.sqrt(sd_users**2 + n_users * seed_var) if math.isfinite(sd_users) else math.nan


def claim_tests(seed_values: pd.DataFrame, runs: pd.DataFrame, optimism: pd.DataFrame | None,
                settings: StatisticsSettings) -> list[dict]:
    """The claims' tests over seeds, as rows of the comparisons (``reference`` names what the
    figure is set against; the interval ``boot_low``/``boot_high`` is the one over seeds of
    :func:`irgan.analysis.stat_tests.seed_interval`, not a bootstrap over users):

    - ``published``: a system's seed means against its published figure (:func:`published_figure`;
      datasets without one get no row), under each rule, one-sample t-test over seeds;
    - ``optimism``: the optimism of choosing the epoch on test within the system's honest runs
      (the best test value over its epochs minus the one at the epoch validation chose), against
      0, one-sample t-test over seeds. It is 0 by construction under the paper protocol.
    """
    rows = []
    deterministic = (runs.groupby(KEYS)["deterministic"].all().to_dict()
                     if "deterministic" in runs.columns and len(runs) else {})
    for dataset in sorted(runs["dataset"].unique()) if len(runs) else []:
        for claim in settings.claims:
            if claim.kind == PUBLISHED:
                for selection in SELECTIONS:
                    figure = published_figure(dataset, settings.paper_rows or {}, claim.system, claim.metric)
                    values = seed_values[(seed_values["dataset"] == dataset)
                                         & (seed_values["selection"] == selection)
                                         & (seed_values["system"] == claim.system)
                                         & (seed_values["metric"] == claim.metric)]["value"]
                    if figure is None or values.empty:
                        continue
                    fixed = bool(deterministic.get((dataset, selection, claim.system), False))
                    rows.append(_seed_row(dataset, PUBLISHED, selection, claim.system, PUBLISHED,
                                          claim.metric, values.to_numpy(), figure[1], settings.confidence,
                                          fixed))
            elif claim.kind == OPTIMISM and optimism is not None and len(optimism):
                selection = "validation"
                mine = optimism[(optimism["dataset"] == dataset) & (optimism["selection"] == selection)
                                & (optimism["system"] == claim.system)]
                values = mine["optimism"].dropna()
                if values.empty:
                    continue
                row = _seed_row(dataset, OPTIMISM, selection, claim.system, claim.system, claim.metric,
                                values.to_numpy(), 0.0, settings.confidence, False)
                row["mean_system"] = float(mine["test_best"].mean())
                row["mean_reference"] = float(mine["test_at_selected"].mean())
                rows.append(row)
    return rows


def _seed_row(dataset: str, kind: str, selection: str, system: str, reference: str, metric: str,
              values: np.ndarray, mu: float, confidence: float, deterministic: bool) -> dict:
    """One test over seeds (:func:`irgan.analysis.stat_tests.one_sample_over_seeds`) as a row of
    the comparisons; the user-level columns stay empty."""
    test = one_sample_over_seeds(values, mu, confidence, deterministic)
    return {
        "dataset": dataset, "kind": kind, "ablation_family": "", "selection": selection, "system": system,
        "reference": reference, "metric": metric, "n_users": math.nan,
        "mean_system": float(np.mean(values)), "mean_reference": mu, "mean_diff": test.mean_diff,
        "sd_diff": test.sd, "boot_low": test.low, "boot_high": test.high, "t": test.t,
        "df": test.n - 1 if test.n > 1 else math.nan, "p": test.p, "wilcoxon": math.nan,
        "p_wilcoxon": math.nan, "zero_method": "", "n_zero_diff": math.nan, "d_z": math.nan,
        "n_seeds_system": test.n, "n_seeds_reference": 0, "seed_mean_diff": test.mean_diff,
        "seed_t": test.t, "p_seed": test.p, "_n": float(test.n), "_sd_effective": test.sd,
    }


# --------------------------------------------------------------------------- model selection


SELECTION_COLUMNS = [
    *KEYS,
    "seed",
    "model",
    "metric",
    "selected_epoch",
    "best_test_epoch",
    "final_epoch",
    "test_at_selected",
    "test_best",
    "test_final",
    "optimism",
]


def reported_model(curve: pd.DataFrame, record_model: str | None, system: str) -> str | None:
    """The curve's model whose epochs the run selects: the record's, else G, else the only one."""
    models = list(dict.fromkeys(curve["model"].astype(str)))
    for candidate in (record_model, "G", system):
        if candidate in models:
            return candidate
    return models[0] if len(models) == 1 else None


def selection_optimism(study: StudyRuns, metric: str = "P@5") -> pd.DataFrame:
    """Per converged run: test ``metric`` at the selected epoch, at the best test epoch and at the end.

    ``optimism`` = best test value over the run's epochs minus the test value
    at the selected epoch: what choosing the epoch on the test set adds. It is
    zero by construction for paper-protocol runs (which select on test) and
    measures the optimism of test selection in honest runs, whose curves
    record both splits.
    """
    rows = []
    if study.curves.empty or metric not in study.curves.columns:
        return pd.DataFrame(columns=SELECTION_COLUMNS)
    runs = study.runs[study.runs["status"] == "ok"].set_index([*KEYS, "seed"])
    for key, curve in study.curves.groupby([*KEYS, "seed"], sort=True):
        run = runs.loc[key]
        model = reported_model(curve, run["reported_model"], key[2])
        test = curve[(curve["model"].astype(str) == model) & (curve["split"] == "test")]
        test = test.dropna(subset=[metric]).sort_values("epoch")
        if model is None or test.empty:
            continue
        selected = run["selected_epoch"]
        if math.isnan(selected):
            selected = _selected_from_curve(curve, model, key[1], metric)
        at_selected = test.loc[test["epoch"] == selected, metric]
        best = test.loc[test[metric].idxmax()]
        value_at_selected = float(at_selected.iloc[0]) if len(at_selected) else math.nan
        rows.append(
            {
                **dict(zip([*KEYS, "seed"], key, strict=True)),
                "model": model,
                "metric": metric,
                "selected_epoch": selected,
                "best_test_epoch": float(best["epoch"]),
                "final_epoch": float(test["epoch"].iloc[-1]),
                "test_at_selected": value_at_selected,
                "test_best": float(best[metric]),
                "test_final": float(test[metric].iloc[-1]),
                "optimism": float(best[metric]) - value_at_selected,
            }
        )
    return pd.DataFrame(rows, columns=SELECTION_COLUMNS)


def _selected_from_curve(curve: pd.DataFrame, model: str, selection: str, metric: str) -> float:
    """First epoch with the best ``metric`` on the selection split (when the record does not say)."""
    split = curve[(curve["model"].astype(str) == model) & (curve["split"] == selection)]
    split = split.dropna(subset=[metric])
    if split.empty:
        return math.nan
    return float(split.sort_values("epoch").loc[lambda f: f[metric] == f[metric].max(), "epoch"].iloc[0])


def summarise_optimism(
    optimism: pd.DataFrame, confidence: float = 0.95, resamples: int = 10_000, seed: int = 2017
) -> pd.DataFrame:
    """Mean, sd and :func:`seed_interval` over seeds of each column of :func:`selection_optimism`.

    ``_ci_low``/``_ci_high`` are NaN unless the interval is a t interval
    (3 or more seeds that differ); ``_sd`` is the standard deviation over seeds.
    """
    columns = ["test_at_selected", "test_best", "test_final", "optimism", "selected_epoch", "best_test_epoch"]
    header = [*KEYS, "model", "metric", "n_seeds"] + [
        f"{c}{suffix}" for c in columns for suffix in ("", "_ci_low", "_ci_high", "_sd")
    ]
    rows = []
    for key, group in optimism.groupby([*KEYS, "model", "metric"], sort=True):
        row = dict(zip([*KEYS, "model", "metric"], key, strict=True))
        row["n_seeds"] = len(group)
        for column in columns:
            values = group[column].dropna()
            mean, low, high, kind = seed_interval(values, confidence)
            low, high = interval_bounds(low, high, kind)
            sd = float(values.std(ddof=1)) if len(values) > 1 else math.nan
            row |= {column: mean, f"{column}_ci_low": low, f"{column}_ci_high": high, f"{column}_sd": sd}
        rows.append(row)
    return pd.DataFrame(rows, columns=header)


# --------------------------------------------------------------------------- headline


def headline_comparison(
    summary: pd.DataFrame, comparisons: pd.DataFrame, settings: StatisticsSettings, dataset: str
) -> dict | None:
    """The reference IRGAN against the best of the paper's baselines, on the headline metric.

    "Best" is the baseline with the highest seed mean on the headline metric
    under the headline selection rule (the comparison the paper's "*" makes).
    """
    metric, selection = settings.headline_metric, settings.headline_selection
    view = StudyView(summary, comparisons, reference=settings.reference, dataset=dataset)
    best = view.best_of(settings.headline_against, metric, selection)
    row = None if best is None else view.comparison(
        settings.reference, best, metric, selection, kind="irgan-vs-baseline")
    if row is None:
        return None
    return {key: _plain(value) for key, value in row.to_dict().items()}


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------------- one dataset, end to end


def learning_curves(study: StudyRuns, metric: str) -> pd.DataFrame:
    """Long table of one metric per epoch, model and split, converged runs only."""
    columns = [*KEYS, "seed", "epoch", "model", "split", "metric", "value"]
    if study.curves.empty or metric not in study.curves.columns:
        return pd.DataFrame(columns=columns)
    frame = study.curves[[*KEYS, "seed", "epoch", "model", "split", metric]].dropna(subset=[metric])
    return frame.rename(columns={metric: "value"}).assign(metric=metric)[columns]


def run_statistics(study: StudyRuns, settings: StatisticsSettings, dataset: str,
                   budgets: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every statistics table of one dataset (keys of :data:`STATISTICS_FILES`); ``budgets``: the
    equal-budget searches of the dataset (:func:`irgan.study.tuned.read_budgets`), none by default."""
    others = sorted(set(study.runs["dataset"]) - {dataset})
    if others:
        raise RunContractError(f"statistics of dataset {dataset!r} were given runs of {others}")
    if settings.headline_metric not in study.metrics:
        raise IrganError(
            f"key statistics.headline.metric: {settings.headline_metric!r} is not a metric "
            f"of the runs ({', '.join(study.metrics)})"
        )
    from irgan.analysis.fidelity import FidelitySettings, fidelity, fidelity_curves

    optimism = selection_optimism(study, settings.headline_metric)
    original = FidelitySettings.from_config(settings.fidelity)
    return {
        "runs": study.runs,
        "divergence": divergence(study),
        "seed_metrics": seed_metrics(study),
        "summary": summarise_systems(
            study, settings.confidence, settings.bootstrap_resamples, settings.bootstrap_seed
        ),
        "per_user_means": per_user_means(study),
        "comparisons": compare_systems(study, settings),
        "optimism": optimism,
        "optimism_summary": summarise_optimism(
            optimism, settings.confidence, settings.bootstrap_resamples, settings.bootstrap_seed
        ),
        "curves": learning_curves(study, settings.headline_metric),
        "fidelity": fidelity(study, original, settings.alpha, dataset),
        "fidelity_curves": fidelity_curves(study, original, dataset),
        "tuning": budgets if budgets is not None else pd.DataFrame(columns=BUDGET_COLUMNS),
    }


def methods(settings: StatisticsSettings) -> dict:
    """The choices behind the numbers, in words (for the report, the tables' notes and the paper)."""
    level = f"{settings.confidence:.0%}"
    family = {
        "protocol": "all paired per-user tests on one dataset under one selection rule (every "
        "comparison and every metric of that rule's tables); the paper-protocol vs honest "
        "runs of each system form a family of their own",
        "dataset": "all paired per-user tests on one dataset (both selection rules, every "
        "comparison and every metric)",
    }[settings.holm_family]
    return {
        "seed_level": f"mean over converged seeds with a {level} Student-t interval over seeds, "
        "truncated to the metric's range [0, 1] (truncation keeps its coverage); with fewer than 3 "
        "seeds no interval, the range of the seeds instead; a deterministic system (the same value "
        "for every seed) gets none; "
        "'±' is the standard deviation over seeds; diverged runs are counted and left out of every mean",
        "unit": "per-user test metrics averaged over each system's converged seeds; systems are "
        "compared on the same evaluated users",
        "main_test": "paired t-test (scipy.stats.ttest_rel), two-sided",
        "wilcoxon": f"Wilcoxon signed-rank test with zero_method='{settings.wilcoxon_zero_method}': "
        "at small cut-offs most per-user differences are exactly zero; Pratt's method ranks "
        "them with the others and then drops their ranks, so the zeros shape the ranks of "
        "the non-zero differences instead of being discarded (zero_method='wilcox', which "
        "changes the sample) or split evenly between the signs (zero_method='zsplit', which "
        "dilutes a consistent effect)",
        "effect_size": "Cohen's d_z = mean per-user difference / standard deviation of the differences",
        "bootstrap": f"{level} percentile bootstrap of the mean per-user difference, "
        f"{settings.bootstrap_resamples} resamples of users, seed {settings.bootstrap_seed}",
        "holm": multiplicity(settings, family),
        "all_tests_holm": f"Holm's step-down correction at alpha = {settings.alpha} over {family} "
        "(the p_holm columns, under either design)",
        "detectable_effect": detectable_text(settings),
        "seed_view": "Welch's t-test on the per-seed means of the two systems: the training seed is the "
        "unit of replication, so this asks whether a difference exceeds run-to-run "
        "variation; the per-user tests treat the trained models as fixed and the users as "
        "the sample. A mixed model with crossed user and seed effects would join both "
        "views, but statsmodels fits crossed effects only as variance components of a "
        "single group, which is slow and fragile at hundreds of comparisons, and with a "
        "handful of seeds its seed variance is poorly determined; Welch's test on seed "
        "means is exact for that question and easy to read",
    }


def multiplicity(settings: StatisticsSettings, all_tests_family: str) -> str:
    """The multiplicity design in words (``statistics.correction``)."""
    separate = ("; the equal-budget comparisons (the tuned IRGAN against the tuned baselines and the "
                "untuned reference) form a family of their own per selection rule"
                if settings.equal_budget is not None else "")
    if settings.correction == "holm-all":
        return (f"Holm's step-down correction (statsmodels multipletests) at alpha = {settings.alpha} over "
                f"{all_tests_family}{separate}; the claims' tests over seeds (published figures, selection "
                "optimism) form a family of their own per kind and selection rule")
    claims = sum(claim.metric == settings.primary_metric for claim in settings.claims)
    return (f"a confirmatory design: the {claims} claims of the ledger (statistics.claims) on the primary "
            f"metric {settings.primary_metric} form one family per selection rule, Holm's step-down "
            f"correction (statsmodels multipletests) at alpha = {settings.alpha}, which holds the "
            "family-wise error of the claims the study was designed to decide; every other test (other "
            "metrics, every ablation pair, every other comparison) is exploratory and reported with "
            "the Benjamini-Hochberg correction at a false discovery rate of "
            f"{settings.alpha} within its ablation family, or within its comparison kind, per selection "
            "rule; significant means an adjusted p-value (p_adjusted) below alpha")


def detectable_text(settings: StatisticsSettings) -> str:
    """What the detectable effect of a test is, in words."""
    return (f"the smallest absolute difference the test detects with {settings.power:.0%} power at its "
            "family's level (Holm: alpha / m; Benjamini-Hochberg: alpha * max(R, 1) / m, m tests and R "
            "rejections in the family), two-sided t-test: d * s with d from the noncentral t "
            "distribution (scipy; statsmodels' TTestPower solves the same equation). Paired over users: "
            "n the users and s = sqrt(sd_users^2 + n (var_seeds(a) / k_a + var_seeds(b) / k_b)), the "
            "per-user standard deviation of the differences with the seed-to-seed variance of both "
            "systems' means added, so that a new training run is part of the design; over seeds: n the "
            "seeds and s their standard deviation")


def write_statistics(tables: dict[str, pd.DataFrame], outputs: dict[str, str | os.PathLike]) -> None:
    """Write each table to its CSV path (keys of :data:`STATISTICS_FILES`)."""
    for name, frame in tables.items():
        write_frame(frame, outputs[name])
