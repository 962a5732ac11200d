"""The study's tables, from the statistics: what each table says, as a :class:`irgan.report.render.Table`.

Every table is built from the CSV files of :mod:`irgan.analysis.statistics` (no number
is typed in), read through :class:`irgan.analysis.study_view.StudyView`; :mod:`irgan.report.render` writes it
as tidy CSV, Markdown, LaTeX (booktabs) and HTML, the CSV holding the same figures unrounded.
Cells read ``mean ± sd``: "±" is always the standard deviation over seeds
(never an interval's half-width, so it means one thing in every table); a
deterministic system (the same value for every seed) and a single seed show
the mean alone. Intervals (Student-t over 3 or more seeds, truncated to [0, 1];
the seeds' range with 2; :func:`irgan.analysis.stat_tests.seed_interval`) are in the CSVs.
Markers: ``↑``/``↓`` a difference to the reference IRGAN that survives its
family's correction (``p_adjusted`` below alpha: Holm for the ledger's confirmatory claims,
Benjamini-Hochberg for exploratory tests; :func:`irgan.analysis.statistics.design_families`);
``*`` the reproduced IRGAN beats the best reproduced paper baseline after that correction
(the claim of the paper's "*"); ``†`` the published figure lies outside our interval (the
range with 2 seeds). The claims ledger (:func:`claims_table`) sets each claim's effect under
both protocols beside its verdict.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd

from irgan.analysis.statistics import (
    CORRECTION_NAMES,
    PUBLISHED_TABLES,
    StatisticsSettings,
    ablation_family_of,
    comparator_of,
    is_irgan,
)
from irgan.analysis.statistics import OPTIMISM as OPTIMISM_KIND
from irgan.analysis.statistics import PUBLISHED as PUBLISHED_KIND
from irgan.analysis.study_view import StudyView, checked_interval, is_deterministic
from irgan.contract.outputs import TABLE_NAMES  # noqa: F401  (re-exported)
from irgan.formatting import (  # noqa: F401  (the formatters and markers tables used to define; re-exported)
    DAGGER,
    DOWN,
    STAR,
    UP,
    direction,
    epoch_text,
    mean_sd,
    number,
    p_value,
    protocol_title,
    signed,
)
from irgan.protocol import PROTOCOL_SELECTION, SELECTIONS
from irgan.published import METRICS, TABLE3_ML100K, closest_row
from irgan.report.answers import answers
from irgan.report.render import (  # noqa: F401  (the renderers; re-exported)
    FORMATS,
    Table,
    html_document,
    latex,
    latex_escape,
    markdown,
    markdown_document,
    table_paths,
    write_table,
)

# --------------------------------------------------------------------------- cells


#: the datasets of the paper's Table 3 (the authors' split; GroupLens fold 1)
PUBLISHED_TABLE3_DATASETS = tuple(name for name, (where, _) in PUBLISHED_TABLES.items() if where == "Table 3")
SPREAD_NOTE = (
    "Cells: mean over converged seeds ± the standard deviation over converged seeds (± is always that "
    "standard deviation); a system marked (deterministic) gives the same value for every seed, "
    "and it and a single seed show no ±."
)


def row_cell(row) -> str:
    """The table cell of a summary row: :func:`mean_sd` with the row's determinism."""
    return mean_sd(row["mean"], row["sd"], is_deterministic(row))


def _plain_cell(row) -> str:
    """:func:`row_cell` without the word, where a ``seeds`` column marks the system deterministic."""
    return mean_sd(row["mean"], math.nan if is_deterministic(row) else row["sd"])


def correction_note(settings: StatisticsSettings) -> str:
    """How a table's significance is corrected, in a note: the design of ``statistics.correction``."""
    if settings.correction == "holm-all":
        return (f"Holm-corrected over every test of the dataset and protocol (statistics.correction "
                f"holm-all), alpha {settings.alpha}")
    return (f"corrected within its family (alpha {settings.alpha}): Holm over the claims ledger's "
            f"confirmatory tests ({settings.primary_metric}, per protocol), Benjamini-Hochberg (false "
            "discovery rate) within each ablation family or comparison kind for every exploratory test")


def interval_note(confidence: float) -> str:
    return (
        f"Intervals (CSV columns ci_low/ci_high): {confidence:.0%} Student-t interval of the mean over "
        "seeds with 3 or more seeds, truncated to the metric's range [0, 1]; with 2 seeds no interval "
        "is computed and the seeds' range (seed_min/seed_max) stands in."
    )


# --------------------------------------------------------------------------- Table 3


TABLE3_COLUMNS = (
    "paper_row",
    "system",
    "source",
    "metric",
    "paper",
    "mean",
    "ci_low",
    "ci_high",
    "n_seeds",
    "n_diverged",
    "difference",
    "paper_in_ci",
    "comparator",
    "p_holm",
    "significant",
    "p_adjusted",
    "correction",
    "detectable_effect",
)


def table3(summary: pd.DataFrame, comparisons: pd.DataFrame, settings: StatisticsSettings, dataset: str,
           audit: pd.DataFrame | None = None, *, selection: str = "test",
           published: dict[str, tuple[float, ...]] = TABLE3_ML100K,
           published_datasets: tuple[str, ...] = PUBLISHED_TABLE3_DATASETS) -> Table:
    """The paper's Table 3 beside our reproduction under the paper protocol, and the released checkpoints.

    Published figures appear only on the dataset they were published for
    (``published_datasets``); on any other dataset the table lists the
    reproduced systems alone, so no MovieLens figure is set against other data.
    """
    view = StudyView(summary, comparisons, reference=settings.reference, dataset=dataset)
    if dataset not in published_datasets:
        return _table3_unpublished(view, settings, dataset, selection)
    paper_rows = settings.paper_rows or {}
    vs_best = _irgan_vs_best_baseline(view, settings, selection)
    records, display = [], []
    for row_name, figures in published.items():
        paper = dict(zip(METRICS, figures, strict=True))
        system = paper_rows.get(row_name)
        display.append({"row": f"{row_name} (paper)", **{m: number(paper[m]) for m in METRICS}})
        ours, diffs = {"row": f"{system or '—'} (reproduced)"}, {"row": "  difference"}
        for metric in METRICS:
            stats_row = view.row(system, metric, selection)
            record = {
                "paper_row": row_name,
                "system": system,
                "source": "reproduced",
                "metric": metric,
                "paper": paper[metric],
            }
            if stats_row is None or not math.isfinite(stats_row["mean"]):
                ours[metric], diffs[metric] = "not run" if stats_row is None else "diverged", "–"
                records.append(record)
                continue
            difference = stats_row["mean"] - paper[metric]
            low, high = checked_interval(stats_row)
            inside = bool(low <= paper[metric] <= high) if math.isfinite(low) else False
            star = ""
            comparator, p_holm, significant = "", math.nan, False
            p_adjusted, correction, detectable = math.nan, "", math.nan
            if system == settings.reference and metric in vs_best:
                comparison = vs_best[metric]
                comparator, p_holm = comparison["reference"], comparison["p_holm"]
                p_adjusted, correction = comparison["p_adjusted"], comparison["correction"]
                detectable = comparison["detectable_effect"]
                significant = bool(comparison["significant"]) and comparison["mean_diff"] > 0
                star = STAR if significant else ""
            ours[metric] = row_cell(stats_row) + star
            diffs[metric] = signed(difference) + ("" if inside else DAGGER)
            records.append(
                record
                | {
                    "mean": stats_row["mean"],
                    "ci_low": stats_row["ci_low"],
                    "ci_high": stats_row["ci_high"],
                    "n_seeds": stats_row["n_seeds"],
                    "n_diverged": stats_row["n_diverged"],
                    "difference": difference,
                    "paper_in_ci": inside,
                    "comparator": comparator,
                    "p_holm": p_holm,
                    "significant": significant,
                    "p_adjusted": p_adjusted,
                    "correction": correction,
                    "detectable_effect": detectable,
                }
            )
        display += [ours, diffs]
    released = []
    if audit is not None and len(audit):
        for checkpoint, group in audit.groupby("checkpoint", sort=False):
            values = dict(zip(group["metric"], group["value"], strict=True))
            closest = closest_row(values, published)
            paper = dict(zip(METRICS, published[closest], strict=True))
            released.append(
                {"row": f"{checkpoint} (released, evaluated)", **{m: number(values[m]) for m in METRICS}}
            )
            released.append(
                {
                    "row": f"  difference to {closest} (paper)",
                    **{m: signed(values[m] - paper[m]) for m in METRICS},
                }
            )
            records += [
                {
                    "paper_row": closest,
                    "system": checkpoint,
                    "source": "released checkpoint",
                    "metric": m,
                    "paper": paper[m],
                    "mean": values[m],
                    "difference": values[m] - paper[m],
                }
                for m in METRICS
            ]
    data_columns = list(TABLE3_COLUMNS)
    sections = [("Published rows and our reproduction (paper protocol)", pd.DataFrame(display))]
    if released:
        sections.append(("The authors' released checkpoints", pd.DataFrame(released)))
    notes = [
        f"Dataset {dataset}; selection: {protocol_title(selection)}. Reproduced "
        + SPREAD_NOTE.lower()[0]
        + SPREAD_NOTE[1:],
        f"Marker {STAR}: the reproduced {settings.reference} beats the best reproduced paper baseline "
        f"on that metric (paired t-test over users, {correction_note(settings)}).",
        f"Marker {DAGGER}: the published figure lies outside our {settings.confidence:.0%} t "
        "interval over seeds (with 2 seeds: outside the seeds' range; deterministic: not our value).",
        interval_note(settings.confidence),
    ]
    return Table(
        "table3",
        "Table 3 of the paper beside the reproduction",
        pd.DataFrame(records).reindex(columns=data_columns),
        sections,
        notes,
    )


def _table3_unpublished(view: StudyView, settings: StatisticsSettings, dataset: str, selection: str) -> Table:
    """Table 3's systems on a dataset the paper did not publish: our figures only, no reproduction claim."""
    display, records = [], []
    for row_name, system in (settings.paper_rows or {}).items():
        line = {"system": f"{system} (Table 3 row {row_name})"}
        for metric in METRICS:
            stats_row = view.row(system, metric, selection)
            if stats_row is None:
                line[metric] = "not run"
                continue
            line[metric] = row_cell(stats_row) if math.isfinite(stats_row["mean"]) else "diverged"
            records.append(
                {
                    "system": system,
                    "source": "this study (no published figure)",
                    "metric": metric,
                    "mean": stats_row["mean"],
                    "sd": stats_row["sd"],
                    "ci_low": stats_row["ci_low"],
                    "ci_high": stats_row["ci_high"],
                    "n_seeds": stats_row["n_seeds"],
                    "n_diverged": stats_row["n_diverged"],
                }
            )
        display.append(line)
    notes = [
        f"Dataset {dataset}: not MovieLens-100k, the data of the paper's Table 3, so no published figure "
        "is shown and this table makes no reproduction claim; it lists this study's runs of the systems "
        f"of Table 3 under the {protocol_title(selection)}. "
        + SPREAD_NOTE,
        interval_note(settings.confidence),
    ]
    columns = [*TABLE3_COLUMNS[:6], "sd", *TABLE3_COLUMNS[6:]]  # the published table's, paper empty
    return Table(
        "table3",
        f"Systems of the paper's Table 3 on {dataset} (no published figures for this dataset)",
        pd.DataFrame(records).reindex(columns=columns),
        [("", pd.DataFrame(display))],
        notes,
    )


def _irgan_vs_best_baseline(
    view: StudyView, settings: StatisticsSettings, selection: str
) -> dict[str, pd.Series]:
    """Per metric: the reference IRGAN against the best reproduced paper baseline on that metric."""
    baselines = [s for s in (settings.paper_rows or {}).values() if s != settings.reference]
    out = {}
    for metric in sorted(set(view.summary_rows(selection, converged=True)["metric"])):
        best = view.best_of(baselines, metric, selection)
        match = None if best is None else view.comparison(
            settings.reference, best, metric, selection, kind="irgan-vs-baseline")
        if match is not None:
            out[metric] = match
    return out


# --------------------------------------------------------------------------- every system


def systems_table(
    summary: pd.DataFrame,
    comparisons: pd.DataFrame,
    settings: StatisticsSettings,
    dataset: str,
    selection: str,
) -> Table:
    """Every system (IRGAN variants and baselines, simple ones included) under one selection rule."""
    view = StudyView(summary, comparisons, reference=settings.reference, dataset=dataset)
    metrics = view.metrics()
    versus = view.versus_reference(selection)
    display, records = [], []
    for system in view.ordered_systems(selection, settings.headline_metric):
        any_row = view.row(system, metrics[0], selection)
        role = "reference" if system == settings.reference else ("IRGAN" if is_irgan(system) else "baseline")
        line = {"system": system, "kind": role, "seeds": _seeds(any_row)}
        for metric in metrics:
            row = view.row(system, metric, selection)
            comparison = versus.get((system, metric))
            diff = comparison["mean_diff"] if comparison is not None else math.nan
            significant = bool(comparison["significant"]) if comparison is not None else False
            line[metric] = _plain_cell(row) + direction(diff, significant)
            records.append(
                {
                    "dataset": dataset,
                    "selection": selection,
                    "system": system,
                    "kind": role,
                    "metric": metric,
                    "mean": row["mean"],
                    "sd": row["sd"],
                    "ci_low": row["ci_low"],
                    "ci_high": row["ci_high"],
                    "deterministic": is_deterministic(row),
                    "n_seeds": row["n_seeds"],
                    "n_runs": row["n_runs"],
                    "n_diverged": row["n_diverged"],
                    "diff_vs_reference": diff,
                    "p_holm_vs_reference": comparison["p_holm"] if comparison is not None else math.nan,
                    "significant_vs_reference": significant,
                    "p_adjusted_vs_reference": (comparison["p_adjusted"] if comparison is not None
                                                else math.nan),
                    "detectable_vs_reference": (comparison["detectable_effect"] if comparison is not None
                                                else math.nan),
                }
            )
        display.append(line)
    title = f"Every system under the {protocol_title(selection)}"
    notes = [
        f"Dataset {dataset}. Cells: mean ± standard deviation over converged seeds; seeds = converged/run, "
        f"'deterministic' when every seed gives the same value (no ±). Sorted by {settings.headline_metric}.",
        interval_note(settings.confidence),
        f"{UP}/{DOWN}: above/below {settings.reference} under the same protocol (paired t-test over "
        f"users, {correction_note(settings)}).",
    ]
    return Table(f"systems_{selection}", title, pd.DataFrame(records), [("", pd.DataFrame(display))], notes)


# --------------------------------------------------------------------------- ablations


def ablation_table(
    summary: pd.DataFrame, comparisons: pd.DataFrame, settings: StatisticsSettings, dataset: str
) -> Table:
    """Each ablation family against its comparators (the reference IRGAN unless the family's
    ``against`` names another system), under both selection rules."""
    view = StudyView(summary, comparisons, reference=settings.reference, dataset=dataset)
    metrics = view.metrics()
    families = dict(settings.families or {})
    irgan_systems = [s for s in view.systems() if is_irgan(s) and s != settings.reference
                     and not settings.equal_budget_member(s)]
    unassigned = [s for s in irgan_systems if ablation_family_of(s, families) == "other"]
    if unassigned:
        families["other"] = {
            "question": "IRGAN variants outside the configured families",
            "systems": unassigned,
        }
    sections, records, shown = [], [], set()
    for selection in SELECTIONS:
        versus = view.versus_reference(selection)
        present = view.systems(selection)
        for family, spec in families.items():
            members = [
                s
                for s in present
                if s != settings.reference and is_irgan(s) and ablation_family_of(s, families) == family
                and not settings.equal_budget_member(s)
            ]
            if not members:
                continue
            shown.add(family)
            context = [s for s in spec.get("context", []) if s in present]
            comparators = [comparator_of(s, families, settings.reference) for s in members]
            others = [c for c in dict.fromkeys(comparators) if c != settings.reference and c in present
                      and c not in members]
            roles = [("reference", settings.reference)] if settings.reference in present else []
            roles += [("comparator", s) for s in others]
            roles += [("variant", s) for s in members] + [("context", s) for s in context]
            rows = []
            for role, system in roles:
                first = view.row(system, metrics[0], selection)
                line = {"system": system, "role": role, "seeds": _seeds(first)}
                against = comparator_of(system, families, settings.reference) if role == "variant" else ""
                if others:
                    line["against"] = against
                for metric in metrics:
                    row = view.row(system, metric, selection)
                    comparison = (view.ablation_comparison(system, metric, selection) if role == "variant"
                                  else versus.get((system, metric)) if role == "context" else None)
                    cell = _plain_cell(row)
                    diff, significant, p_holm = math.nan, False, math.nan
                    p_adjusted, detectable = math.nan, math.nan
                    if comparison is not None:
                        diff, p_holm = comparison["mean_diff"], comparison["p_holm"]
                        p_adjusted, detectable = comparison["p_adjusted"], comparison["detectable_effect"]
                        significant = bool(comparison["significant"])
                        cell += f" ({signed(diff)}{direction(diff, significant)})"
                    line[metric] = cell
                    records.append(
                        {
                            "dataset": dataset,
                            "ablation_family": family,
                            "selection": selection,
                            "system": system,
                            "role": role,
                            "metric": metric,
                            "mean": row["mean"],
                            "ci_low": row["ci_low"],
                            "ci_high": row["ci_high"],
                            "n_seeds": row["n_seeds"],
                            "n_diverged": row["n_diverged"],
                            "comparator": against if role == "variant" else
                            (settings.reference if role == "context" else ""),
                            "diff_vs_comparator": diff,
                            "p_holm": p_holm,
                            "significant": significant,
                            "p_adjusted": p_adjusted,
                            "detectable_effect": detectable,
                        }
                    )
                rows.append(line)
            sections.append((f"{family} — {protocol_title(selection)}", pd.DataFrame(rows)))
    notes = [
        f"Dataset {dataset}. Cells: mean ± standard deviation over converged seeds (no ± for a "
        "deterministic system or a single seed); in brackets the mean per-user difference to the "
        f"variant's comparator under the same protocol - {settings.reference} unless the block's "
        f"`against` column names another - {UP}/{DOWN} when it is significant, "
        f"{correction_note(settings)}. Each family's answer: the ablation_answers table; the "
        "smallest difference each test detects (80% power by default): detectable_effect in the CSV.",
        "Context rows (baselines) are shown for scale; their tests against the reference are in the "
        "comparisons table.",
    ]
    questions = [f"{family}: {spec['question']}" for family, spec in families.items() if spec.get("question")]
    if questions:
        notes.append("Questions — " + " ".join(questions))
    absent = [family for family in families if family not in shown]
    if absent:
        notes.append("Families with no run in this study: " + ", ".join(absent) + ".")
    if not sections:
        sections = [("", pd.DataFrame({"system": ["no IRGAN variant besides the reference was run"]}))]
    return Table("ablations", "Ablations: where the gain comes from", pd.DataFrame(records), sections, notes)


def ablation_answers_table(
    summary: pd.DataFrame, comparisons: pd.DataFrame, settings: StatisticsSettings, dataset: str
) -> Table:
    """Each ablation family's question and its one-sentence answer, generated from the tests."""
    view = StudyView(summary, comparisons, reference=settings.reference, dataset=dataset)
    data = answers(view, settings)
    display = data[["family", "question", "answer"]] if len(data) else pd.DataFrame(
        {"family": ["no ablation family configured"]})
    notes = [
        f"Dataset {dataset}. Each answer is generated from the paired tests over users of the "
        f"{settings.headline_metric} differences of a family's members to their comparators (the "
        f"ablations table), {correction_note(settings)}; the interval is the "
        f"{settings.confidence:.0%} bootstrap interval of the mean per-user difference. Beside 'n.s.', "
        f"the smallest |difference| the family's tests detect with {settings.power:.0%} power.",
    ]
    return Table("ablation_answers", "Ablations: each question and its answer",
                 data.assign(dataset=dataset), [("", display)], notes,
                 wrap={"question": r"0.38\linewidth", "answer": r"0.45\linewidth"})


# --------------------------------------------------------------------------- model selection


def model_selection_table(
    summary: pd.DataFrame,
    optimism_summary: pd.DataFrame,
    comparisons: pd.DataFrame,
    settings: StatisticsSettings,
    dataset: str,
) -> Table:
    """How much choosing the epoch on the test set adds, per system."""
    metric = settings.headline_metric
    view = StudyView(summary, comparisons, optimism_summary, settings.reference, dataset)
    display, records = [], []
    systems = sorted(
        set(view.optimism_rows("validation")["system"])
        | set(view.comparisons_of("protocol", metric=metric)["system"]),
        key=lambda s: (not is_irgan(s), s != settings.reference, s),
    )
    for system in systems:
        h = view.optimism(system, "validation")
        p = view.optimism(system, "test")
        paper_mean = view.row(system, metric, "test")
        honest_mean = view.row(system, metric, "validation")
        comparison = view.comparison(system, system, metric, PROTOCOL_SELECTION, kind="protocol")
        diff = comparison["mean_diff"] if comparison is not None else math.nan
        significant = bool(comparison["significant"]) if comparison is not None else False
        display.append(
            {
                "system": system,
                f"honest: test {metric} at chosen epoch": _ci(h, "test_at_selected"),
                f"same runs: best test {metric}": _ci(h, "test_best"),
                "optimism (best - chosen)": _ci(h, "optimism", signed_value=True),
                f"paper protocol: test {metric}": row_cell(paper_mean)
                if paper_mean is not None
                else "not run",
                "paper - honest runs": signed(diff) + direction(diff, significant),
                "chosen epoch (honest; mean of seeds)": epoch_text(
                    None if h is None else h["selected_epoch"]),
                "chosen epoch (paper; mean of seeds)": epoch_text(
                    None if p is None else p["selected_epoch"]),
            }
        )
        records.append(
            {
                "dataset": dataset,
                "system": system,
                "metric": metric,
                **_fields(
                    h,
                    "honest",
                    (
                        "test_at_selected",
                        "test_best",
                        "optimism",
                        "selected_epoch",
                        "best_test_epoch",
                        "test_final",
                    ),
                ),
                **_fields(p, "paper", ("test_at_selected", "selected_epoch", "test_final")),
                "paper_mean": paper_mean["mean"] if paper_mean is not None else math.nan,
                "honest_mean": honest_mean["mean"] if honest_mean is not None else math.nan,
                "paper_minus_honest": diff,
                "p_holm": comparison["p_holm"] if comparison is not None else math.nan,
                "significant": significant,
                "p_adjusted": comparison["p_adjusted"] if comparison is not None else math.nan,
            }
        )
    notes = [
        f"Dataset {dataset}; metric {metric} on the test set. Optimism: in each honest run (epoch chosen on "
        "validation), the best test value over its epochs minus the test value at the chosen epoch — what "
        "picking the epoch on the test set would have added to the same run. Mean ± standard deviation "
        "over seeds (no ± for a deterministic system or a single seed). "
        + interval_note(settings.confidence),
        "Paper - honest runs: mean per-user difference between the paper-protocol runs (trained on all "
        "training positives, epoch chosen on test) and the honest runs (validation carved out, epoch "
        f"chosen on validation); {UP}/{DOWN} when it is significant, {correction_note(settings)} "
        f"(these tests: the {PROTOCOL_SELECTION} family).",
    ]
    if not display:
        display = [{"system": "no run records a learning curve with both splits"}]
    return Table(
        "model_selection",
        "Model selection: the optimism of choosing the epoch on the test set",
        pd.DataFrame(records),
        [("", pd.DataFrame(display))],
        notes,
    )


def _ci(row, column: str, signed_value: bool = False) -> str:
    if row is None:
        return "–"
    sd = row.get(f"{column}_sd", math.nan)
    text = mean_sd(row[column], sd)
    return ("+" + text if signed_value and row[column] >= 0 else text) if text != "–" else text


def _seeds(row) -> str:
    """``converged/run`` seeds, marked when the system is deterministic."""
    text = f"{row['n_seeds']}/{row['n_runs']}"
    return text + " (deterministic)" if is_deterministic(row) else text


def _fields(row, prefix: str, columns: tuple[str, ...]) -> dict:
    return {f"{prefix}_{c}": (row[c] if row is not None else math.nan) for c in columns}


# --------------------------------------------------------------------------- comparisons, divergence


def _comparison_label(system: str, reference: str, kind: str) -> str:
    """What a comparison row compares, as its table's first column says it."""
    if kind == "protocol":
        return f"{system}: paper − honest runs"
    if kind == PUBLISHED_KIND:
        return f"{system} − published figure"
    if kind == OPTIMISM_KIND:
        return f"{system}: best test epoch − epoch chosen on validation"
    return f"{system} − {reference}"


def comparisons_table(comparisons: pd.DataFrame, settings: StatisticsSettings, dataset: str) -> Table:
    """Every test on the headline metric - paired comparisons and the claims' tests over seeds -
    with its family, correction, adjusted p-value and detectable effect."""
    metric = settings.headline_metric
    rows = StudyView(pd.DataFrame(), comparisons, dataset=dataset).comparisons_of(metric=metric)
    order = {"irgan-vs-baseline": 0, "ablation": 1, "equal-budget": 2, "protocol": 3, PUBLISHED_KIND: 4,
             OPTIMISM_KIND: 5}
    rows = rows.assign(order=rows["kind"].map(order).fillna(len(order)),
                       claim=~rows["confirmatory"].astype(bool)).sort_values(
        ["claim", "order", "selection", "system", "reference"]).drop(columns="claim")
    display = pd.DataFrame(
        {
            "comparison": [_comparison_label(s, r, k)
                           for s, r, k in zip(rows["system"], rows["reference"], rows["kind"], strict=True)],
            "kind": rows["kind"]
            + np.where(
                rows["ablation_family"].fillna("") != "", " (" + rows["ablation_family"].fillna("") + ")", ""
            ),
            "selection": rows["selection"],
            "family": np.where(rows["confirmatory"].astype(bool), "confirmatory", "exploratory"),
            "users": [str(int(n)) if math.isfinite(n) else "–" for n in rows["n_users"]],
            f"Δ{metric}": [
                signed(d) + direction(d, s)
                for d, s in zip(rows["mean_diff"], rows["significant"], strict=True)
            ],
            "interval": [
                f"[{signed(lo)}, {signed(hi)}]"
                for lo, hi in zip(rows["boot_low"], rows["boot_high"], strict=True)
            ],
            "t": [number(t, 2) for t in rows["t"]],
            "p": [p_value(p) for p in rows["p"]],
            "p (adjusted)": [p_value(p) + f" ({CORRECTION_NAMES.get(c, c)})"
                             for p, c in zip(rows["p_adjusted"], rows["correction"], strict=True)],
            "detectable |Δ|": [number(d) for d in rows["detectable_effect"]],
            "p (Holm, all tests)": [p_value(p) for p in rows["p_holm"]],
            "Wilcoxon p (Holm, all tests)": [p_value(p) for p in rows["p_wilcoxon_holm"]],
            "d_z": [number(d, 2) for d in rows["d_z"]],
            "seeds": [
                f"{a}/{b}" for a, b in zip(rows["n_seeds_system"], rows["n_seeds_reference"], strict=True)
            ],
        }
    )
    families = rows.groupby("family").agg(size=("family_size", "first"), correction=("correction", "first"))
    notes = [
        f"Dataset {dataset}; metric {metric}. Δ = mean per-user difference (first minus second system), "
        f"each user's metric averaged over converged seeds, with its {settings.confidence:.0%} percentile "
        f"bootstrap interval ({settings.bootstrap_resamples} resamples of users); for a published figure "
        "and for selection optimism, the difference of the seed means with its interval over seeds "
        f"(one-sample t-test over seeds). {UP}/{DOWN}: significant, {correction_note(settings)}.",
        "Main test: paired t-test; Wilcoxon signed-rank with "
        f"zero_method='{settings.wilcoxon_zero_method}'. Detectable |Δ|: the smallest difference the test "
        f"detects with {settings.power:.0%} power at its family's level. The all-tests Holm columns "
        "correct every test of the protocol as one family, as statistics.correction holm-all does; "
        "the seed-level view (Welch's t-test on per-seed means) is in the CSV.",
        "Families (tests per family, all metrics): "
        + "; ".join(f"{name}: {int(row['size'])} ({CORRECTION_NAMES.get(row['correction'], '')})"
                    for name, row in families.iterrows())
        + ".",
    ]
    if display.empty:
        display = pd.DataFrame({"comparison": ["no comparison: fewer than two systems ran"]})
    return Table(
        "comparisons", f"Tests on {metric}: the claims first, then every exploratory comparison",
        rows.drop(columns="order"), [("", display)], notes,
    )


def divergence_table(divergence: pd.DataFrame, dataset: str) -> Table:
    rows = StudyView(None, dataset=dataset, divergence=divergence).divergence
    display = pd.DataFrame(
        {
            "system": rows["system"],
            "selection": rows["selection"],
            "runs": rows["n_runs"],
            "converged": rows["n_ok"],
            "diverged": rows["n_diverged"],
            "diverged seeds": rows["diverged_seeds"].fillna("").astype(str).replace("", "–"),
        }
    )
    total, diverged = int(rows["n_runs"].sum()), int(rows["n_diverged"].sum())
    notes = [
        f"Dataset {dataset}: {diverged} of {total} runs diverged (non-finite loss or scores); they are "
        "counted here and left out of every mean, interval and test."
    ]
    return Table("divergence", "Runs and diverged runs", rows, [("", display)], notes)


def fidelity_table(fidelity: pd.DataFrame, dataset: str) -> Table:
    """The authors' own code against the re-implementation, one section per pair: per-seed and
    per-user views, each with a test of difference and an equivalence test (irgan/analysis/fidelity.py)."""
    title = "Fidelity: the re-implementation against the original code"
    rows = StudyView(None, dataset=dataset, fidelity=fidelity).fidelity
    if rows.empty:
        display = pd.DataFrame({"": ["The authors' own code did not run in this study (authors_code.seeds "
                                     "is empty, or the dataset does not publish the released start)."]})
        return Table("fidelity", title, rows, [("", display)], [])

    def spread(mean, sd):
        return number(mean) if not math.isfinite(sd) else mean_sd(mean, sd)

    sections = []
    for (original, reference), pair in rows.groupby(["original", "reference"], sort=False):
        display = pd.DataFrame({
            "view": pair["view"],
            "original": [
                spread(m, s) for m, s in zip(pair["mean_original"], pair["sd_original"], strict=True)],
            "re-implementation": [
                spread(m, s) for m, s in zip(pair["mean_reference"], pair["sd_reference"], strict=True)],
            "n": [f"{int(a)} / {int(b)}"
                  for a, b in zip(pair["n_original"], pair["n_reference"], strict=True)],
            "Δ (original − re-impl.)": pair["diff"].map(signed),
            "CI of Δ": [f"{signed(lo)} to {signed(hi)}" if math.isfinite(lo) else "–"
                        for lo, hi in zip(pair["ci_low"], pair["ci_high"], strict=True)],
            "p (difference)": pair["p_difference"].map(p_value),
            "p (TOST)": pair["p_equivalence"].map(p_value),
            "verdict": pair["verdict"],
        })
        sections.append((f"{original} (original) against {reference} (re-implementation)", display))
    first = rows.iloc[0]
    notes = [
        f"Test {first['metric']} under the paper protocol (the epoch with the best test {first['metric']}, "
        "which is what the original code keeps). n: seeds (per-seed views) or users (per-user view).",
        f"Difference: Welch's t-test over seeds; per user, a paired t-test of the users' seed means "
        f"(Wilcoxon p beside it in the CSV). Equivalence: two one-sided tests (TOST, statsmodels) "
        f"within ±{first['margin']:g}; the CI is the {first['ci_level']:.0%} interval whose inclusion "
        "in the margin TOST's decision corresponds to.",
    ]
    return Table("fidelity", title, rows, sections, notes)


# --------------------------------------------------------------------------- equal budget


def _interval_text(row) -> str:
    """``[low, high]`` of a summary row's interval over seeds (t interval, or the seeds' range)."""
    low, high = checked_interval(row)
    return f"[{number(low)}, {number(high)}]" if math.isfinite(low) and math.isfinite(high) else "–"


def _config_text(params: str) -> str:
    """A best configuration (JSON of the trial's values) as ``key=value`` pairs, floats to 3 digits."""
    if not isinstance(params, str) or not params:
        return "–"
    import json

    values = json.loads(params)
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())


def equal_budget_table(
    summary: pd.DataFrame, comparisons: pd.DataFrame, budgets: pd.DataFrame | None,
    settings: StatisticsSettings, dataset: str,
) -> Table:
    """Every tuned system with its budget (trials, CPU seconds), best configuration and validation
    score, and its test figure over the reporting seeds with the paired difference to the tuned
    IRGAN (statistics.equal_budget), under the honest rule."""
    title = "Equal budget: every system tuned the same way, IRGAN included"
    spec = settings.equal_budget
    budgets = budgets if budgets is not None and len(budgets) else pd.DataFrame(columns=["tuned_system"])
    if "dataset" in budgets:
        budgets = budgets[budgets["dataset"] == dataset]
    if spec is None or budgets.empty:
        display = pd.DataFrame({"": ["No system was tuned in this study (tuning.systems is empty, or "
                                     "statistics.equal_budget is unset)."]})
        return Table("equal_budget", title, budgets, [("", display)], [])
    view = StudyView(summary, comparisons, reference=settings.reference, dataset=dataset)
    metric, selection = settings.headline_metric, "validation"
    rows, display = [], []
    also = [s for s in spec.also if view.row(s, metric, selection) is not None]
    systems = [*budgets["tuned_system"], *also]
    for system in dict.fromkeys(systems):
        budget = budgets[budgets["tuned_system"] == system]
        budget = budget.iloc[0] if len(budget) else None
        summary_row = view.row(system, metric, selection)
        if system == spec.system:
            comparison = None
        else:
            comparison = view.comparison(spec.system, system, metric, selection, kind="equal-budget")
        diff = math.nan if comparison is None else float(comparison["mean_diff"])
        p_holm = math.nan if comparison is None else float(comparison["p_holm"])
        p_adjusted = math.nan if comparison is None else float(comparison["p_adjusted"])
        significant = False if comparison is None else bool(comparison["significant"])
        record = {
            "system": system,
            "tuned": budget is not None,
            "trials": math.nan if budget is None else int(budget["trials"]),
            "diverged_trials": math.nan if budget is None else int(budget["diverged"]),
            "cpu_seconds": math.nan if budget is None else float(budget["cpu_seconds"]),
            "best_config": "" if budget is None else budget["best_params"],
            "best_validation": math.nan if budget is None else budget["best_score"],
            "metric": metric,
            "mean": math.nan if summary_row is None else summary_row["mean"],
            "sd": math.nan if summary_row is None else summary_row["sd"],
            "ci_low": math.nan if summary_row is None else checked_interval(summary_row)[0],
            "ci_high": math.nan if summary_row is None else checked_interval(summary_row)[1],
            "n_seeds": 0 if summary_row is None else int(summary_row["n_seeds"]),
            "diff_vs_tuned_irgan": diff,
            "boot_low": math.nan if comparison is None else comparison["boot_low"],
            "boot_high": math.nan if comparison is None else comparison["boot_high"],
            "p_holm": p_holm,
            "significant": significant,
            "p_adjusted": p_adjusted,
            "correction": "" if comparison is None else comparison["correction"],
            "detectable_effect": math.nan if comparison is None else comparison["detectable_effect"],
        }
        rows.append(record)
        if budget is None:
            trials = "untuned (its own constants)"
        else:
            diverged = record["diverged_trials"]
            trials = f"{record['trials']}" + (f" ({diverged} diverged)" if diverged else "")
        display.append({
            "system": system,
            "trials": trials,
            "CPU s": "–" if budget is None else f"{record['cpu_seconds']:.0f}",
            "best configuration": _config_text(record["best_config"]),
            f"best validation {metric}": number(record["best_validation"]),
            f"test {metric}": "–" if summary_row is None else _plain_cell(summary_row),
            "interval": "–" if summary_row is None else _interval_text(summary_row),
            f"{spec.system} − system": ("(itself)" if system == spec.system else
                                        signed(diff) + direction(-diff, significant)),
            "p (adjusted)": p_value(p_adjusted),
            "detectable |Δ|": "–" if comparison is None else number(comparison["detectable_effect"]),
        })
    data = pd.DataFrame(rows)
    notes = [
        f"Dataset {dataset}, honest rule (fit on training minus the validation carve, epoch and "
        f"configuration chosen on validation {metric}). Budget: the configurations each system's "
        "search tried (Optuna's TPE sampler, the same number for every system, seeded with "
        "tuning.seed, a seed apart from the reporting seeds) and the CPU seconds the search took; "
        "best validation: the chosen configuration's score in the search.",
        f"Test {metric}: mean ± sd over the reporting seeds of the system trained with its best "
        "configuration; interval: the Student-t interval over seeds (3 or more seeds) or the "
        "seeds' range (2).",
        f"{spec.system} − system: the mean per-user difference of test {metric} (paired over users, "
        "each user's metric averaged over seeds); p (adjusted): the paired t-test's p-value, "
        f"{correction_note(settings)}; the equal-budget comparisons are a family of their own per rule "
        f"(p_holm in the CSV: Holm within it). Detectable |Δ|: the smallest difference the test detects "
        f"with {settings.power:.0%} power. {UP}/{DOWN}: the system is significantly better/worse "
        f"than {spec.system}.",
    ]
    return Table("equal_budget", title, data, [("", pd.DataFrame(display))], notes)


# --------------------------------------------------------------------------- the claims ledger


def _effect_cell(effect: float, low: float, high: float) -> str:
    """``+0.0267 [+0.0145, +0.0385]``: an effect and its interval (``–`` when not tested)."""
    if not math.isfinite(effect):
        return "–"
    interval = f" [{signed(low)}, {signed(high)}]" if math.isfinite(low) and math.isfinite(high) else ""
    return signed(effect) + interval


def claims_table(ledger: pd.DataFrame, settings: StatisticsSettings, dataset: str) -> Table:
    """The claims ledger (:func:`irgan.analysis.claims.ledger`) as a table: each claim's effect
    under both protocols with its adjusted p-value, the published figure, and the verdict; then
    why, with the ablations that change the effect."""
    from irgan.analysis.claims import VERDICTS

    title = f"The claims ledger: what the paper and this study claim, and whether it holds ({dataset})"
    if ledger.empty:
        display = pd.DataFrame({"claim": ["No claim applies to this dataset (statistics.claims)."]})
        return Table("claims", title, ledger, [("", display)], [])
    verdicts = pd.DataFrame({
        "claim": ledger["claim"],
        "source": ledger["source"],
        "metric": ledger["metric"],
        "paper protocol: effect [CI]": [_effect_cell(*v) for v in
                                        zip(ledger["effect_paper"], ledger["low_paper"], ledger["high_paper"],
                                            strict=True)],
        "paper protocol: p (adj.)": ledger["p_adjusted_paper"].map(p_value),
        "honest protocol: effect [CI]": [_effect_cell(*v) for v in
                                         zip(ledger["effect_honest"], ledger["low_honest"],
                                             ledger["high_honest"], strict=True)],
        "honest protocol: p (adj.)": ledger["p_adjusted_honest"].map(p_value),
        "published": ledger["published"].map(lambda v: number(v) if math.isfinite(v) else "–"),
        "family": ledger["family"],
        "verdict": ledger["verdict"],
    })
    why = pd.DataFrame({"claim": ledger["claim_id"], "verdict": ledger["verdict"], "reason": ledger["reason"],
                        "ablations that change the effect": ledger["cause"].fillna("").replace("", "–")})
    if "made_of" in ledger:  # what came with the effect in the top-10 lists (rule what_moved)
        why["what came with it (top-10)"] = ledger["made_of"].fillna("").replace("", "–")
    counts = ledger["verdict"].value_counts()
    notes = [
        f"Dataset {dataset}. Effect: for a difference, the mean per-user difference of system and "
        f"comparator with its {settings.confidence:.0%} bootstrap interval over users; for a published "
        "figure, our seed mean minus the published value, and for selection optimism the best test "
        f"epoch minus the epoch chosen on validation, each with its {settings.confidence:.0%} interval "
        "over seeds. Paper protocol: the epoch chosen on test, as the authors' code does; honest "
        "protocol: chosen on validation. p (adj.): " + correction_note(settings) + ".",
        f"Verdicts ({'; '.join(f'{v}: {int(counts.get(v, 0))}' for v in VERDICTS)}), by rules fixed in "
        "irgan/analysis/claims.py: a protocol's test supports a claim when it is significant in the claimed "
        "direction (for a claim of equality: when the whole interval of the effect lies within plus or minus "
        "the smallest difference that matters, two one-sided tests), contradicts it when significant the "
        "other way (for equality: the whole interval outside that band) or when the design detects that "
        "difference and it does not show, and cannot decide otherwise. The honest protocol "
        "decides: reproduced when it supports the claim; reproduced only under test-set selection when "
        "only the paper protocol does; not reproduced when it contradicts it; inconclusive at this power "
        "when neither protocol decides. The smallest difference that matters: the published difference "
        f"where the paper publishes one, else {settings.smallest_effect:g} (statistics.smallest_effect).",
        f"Family: confirmatory for the claims on {settings.primary_metric} (Holm within each protocol), "
        "exploratory otherwise (Benjamini-Hochberg within their kind). The detectable effect of each test "
        f"({settings.power:.0%} power at its family's level) is in the CSV and in each reason.",
    ]
    return Table("claims", title, ledger, [("Claims and verdicts", verdicts), ("Why", why)], notes,
                 wrap={"claim": r"0.22\linewidth", "source": r"0.16\linewidth",
                       "reason": r"0.55\linewidth", "ablations that change the effect": r"0.16\linewidth"})


# --------------------------------------------------------------------------- all tables of a dataset


def build_tables(
    statistics: dict[str, pd.DataFrame],
    settings: StatisticsSettings,
    dataset: str,
    audit: pd.DataFrame | None = None,
) -> dict[str, Table]:
    """Every table of :data:`TABLE_NAMES` from the statistics CSVs of one dataset."""
    summary, comparisons = statistics["summary"], statistics["comparisons"]
    return {
        "table3": table3(summary, comparisons, settings, dataset, audit),
        "systems_test": systems_table(summary, comparisons, settings, dataset, "test"),
        "systems_validation": systems_table(summary, comparisons, settings, dataset, "validation"),
        "ablations": ablation_table(summary, comparisons, settings, dataset),
        "ablation_answers": ablation_answers_table(summary, comparisons, settings, dataset),
        "model_selection": model_selection_table(
            summary, statistics["optimism_summary"], comparisons, settings, dataset
        ),
        "comparisons": comparisons_table(comparisons, settings, dataset),
        "divergence": divergence_table(statistics["divergence"], dataset),
        "fidelity": fidelity_table(statistics["fidelity"], dataset),
        "equal_budget": equal_budget_table(summary, comparisons, statistics.get("tuning"), settings,
                                           dataset),
    }


def read_statistics(paths: dict[str, str | os.PathLike]) -> dict[str, pd.DataFrame]:
    """The statistics CSVs by name; empty files become empty frames."""
    out = {}
    for name, path in paths.items():
        try:
            out[name] = pd.read_csv(path, dtype={"diverged_seeds": str, "ablation_family": str})
        except pd.errors.EmptyDataError:
            out[name] = pd.DataFrame()
    for name in ("comparisons",):
        if name in out and "ablation_family" in out[name]:
            out[name]["ablation_family"] = out[name]["ablation_family"].fillna("")
    return out
