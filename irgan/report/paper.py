"""Fill the manuscript template (paper/manuscript.md) from the study's results.

The template carries prose and ``${placeholders}``; every number, table and
finding sentence comes from here, computed from the statistics and tables of
one dataset. A placeholder the template names but the results cannot fill is
an error, never a blank.
"""

from __future__ import annotations

import math
import os
import re
import string
from pathlib import Path

import pandas as pd

from irgan.analysis.fidelity import fidelity_sentence
from irgan.analysis.statistics import StatisticsSettings, comparator_of, is_irgan, methods
from irgan.analysis.study_view import StudyView, is_deterministic
from irgan.errors import IrganError
from irgan.formatting import code_list, mean_sd, number_text, p_is, signed_text, the_protocol
from irgan.protocol import PROTOCOL_SELECTION, SELECTIONS
from irgan.published import METRICS, TABLE3_ML100K, closest_row, matching_metrics
from irgan.report.answers import family_answer, family_members
from irgan.report.render import markdown

# Datasets the paper published results for (Wang et al. 2017): only beside these does the draft
# set published figures against ours or speak of reproducing them.
PUBLISHED_TABLES = {"ml-100k-irgan": "Table 3", "netflix": "Table 4"}


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
    """The manuscript template names a placeholder the results do not provide, or is malformed."""


# --------------------------------------------------------------------------- look-ups


def _view(summary: pd.DataFrame, comparisons: pd.DataFrame | None, settings: StatisticsSettings,
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


def _test_text(row: pd.Series, confidence: float) -> str:
    if int(row["n_zero_diff"]) == int(row["n_users"]):
        return f"identical results for every one of the {int(row['n_users'])} users (no difference to test)"
    verdict = (
        "significant after Holm's correction"
        if row["significant"]
        else "not significant after Holm's correction"
    )
    d_z = "n/a" if not math.isfinite(row["d_z"]) else f"{row['d_z']:.2f}"
    return (
        f"mean per-user difference {signed_text(row['mean_diff'])} (bootstrap {confidence:.0%} CI "
        f"{signed_text(row['boot_low'])} to {signed_text(row['boot_high'])}; paired t({int(row['df'])}) = "
        f"{row['t']:.2f}, Holm-adjusted {p_is(row['p_holm'])}; Wilcoxon Holm-adjusted "
        f"{p_is(row['p_wilcoxon_holm'])}; d_z = {d_z}): {verdict}"
    )


# --------------------------------------------------------------------------- sentences


def headline_sentence(summary, comparisons, settings: StatisticsSettings, selection: str) -> str:
    metric, reference = settings.headline_metric, settings.reference
    view = _view(summary, comparisons, settings)
    best = view.best_of(settings.headline_against, metric, selection)
    ours = view.mean(reference, metric, selection)
    if best is None or ours is None:
        return (
            f"Under {the_protocol(selection)} the headline comparison could not be made: "
            f"`{reference}` or every one of {code_list(settings.headline_against)} is missing."
        )
    row = view.comparison(reference, best, metric, selection, kind="irgan-vs-baseline")
    text = (
        f"Under {the_protocol(selection)}, `{reference}` reaches {metric} = "
        f"{_with_ci(ours, settings.confidence)} against "
        f"{_with_ci(view.mean(best, metric, selection), settings.confidence)} for `{best}`, "
        f"the strongest of the paper's baselines ({code_list(settings.headline_against)})."
    )
    if row is not None:
        text += f" Paired over users: {_test_text(row, settings.confidence)}."
        if math.isfinite(row["p_seed"]):
            text += (
                f" Over seeds (Welch's test on {int(row['n_seeds_system'])} and "
                f"{int(row['n_seeds_reference'])} seed means) {p_is(row['p_seed'])}, "
                f"Holm-adjusted {p_is(row['p_seed_holm'])}."
            )
    return text


def equal_budget_sentence(summary, comparisons, budgets: pd.DataFrame | None,
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
        f"searches: {budget}), `{spec.system}` reaches {metric} = "
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
    text += f"; `{spec.system}` minus `{best}`, paired over users: {_test_text(row, settings.confidence)}." \
        if row is not None else "."
    rows = view.comparisons_of("equal-budget", selection, metric, spec.system)
    rows = rows[rows["reference"].isin(tuned)]
    better = int(((rows["mean_diff"] > 0) & rows["significant"]).sum())
    worse = int(((rows["mean_diff"] < 0) & rows["significant"]).sum())
    text += (f" Of the {len(rows)} tuned baselines, `{spec.system}` is significantly better than {better} "
             f"and significantly worse than {worse} (Holm, equal-budget family).")
    for other in spec.also:
        row = view.comparison(spec.system, other, metric, selection, kind="equal-budget")
        if row is not None:
            text += (f" What tuning buys IRGAN: `{spec.system}` minus `{other}` (its authors' constants), "
                     f"{_test_text(row, settings.confidence)}.")
    return text


def starting_point_sentence(summary, comparisons, settings: StatisticsSettings) -> str:
    """The reference IRGAN against its own pre-trained generator: what the adversarial phase adds.

    Under each rule the start is the first of ``settings.starting_point`` that ran beside the
    reference (the authors' released file under the paper protocol where published, else our DNS).
    """
    metric, reference = settings.headline_metric, settings.reference
    view = _view(summary, comparisons, settings)
    parts = []
    for selection in SELECTIONS:
        for start in settings.starting_point:
            row = view.comparison(reference, start, metric, selection, kind="irgan-vs-baseline")
            if row is None:
                continue
            before = _with_ci(view.mean(start, metric, selection), settings.confidence)
            after = _with_ci(view.mean(reference, metric, selection), settings.confidence)
            parts.append(
                f"under {the_protocol(selection)}, from `{start}`: {metric} {before} before and "
                f"{after} after; {_test_text(row, settings.confidence)}"
            )
            break
    starts = " or ".join(f"`{start}`" for start in settings.starting_point)
    if not parts:
        return f"The starting point ({starts}) of `{reference}` was not run beside it."
    return (
        "Against its own starting point, the pre-trained generator that the adversarial phase "
        "begins from: " + "; ".join(parts) + "."
    )


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


def versus_baselines_sentence(comparisons, settings: StatisticsSettings) -> str:
    metric = settings.headline_metric
    view = _view(None, comparisons, settings)
    parts = []
    for selection in SELECTIONS:
        rows = view.comparisons_of("irgan-vs-baseline", selection, metric)
        if rows.empty:
            continue
        wins = int((rows["significant"] & (rows["mean_diff"] > 0)).sum())
        losses = int((rows["significant"] & (rows["mean_diff"] < 0)).sum())
        parts.append(
            f"under {the_protocol(selection)}, {wins} of {len(rows)} (IRGAN variant, baseline) "
            f"pairs favour the IRGAN variant significantly, {losses} favour the baseline and "
            f"{len(rows) - wins - losses} are undecided"
        )
    if not parts:
        return "No IRGAN variant and baseline ran side by side."
    return f"Across all pairs on {metric} (Holm-corrected): " + "; ".join(parts) + "."


def ablation_sentences(summary, comparisons, settings: StatisticsSettings) -> str:
    """One bullet per ablation family: its question, its generated answer (irgan.report.answers), then
    each member's difference to its comparator under each protocol."""
    metric = settings.headline_metric
    families = dict(settings.families or {})
    view = _view(summary, comparisons, settings)
    lines = []
    for family, spec in [*families.items(), ("other", {"question": "Other IRGAN variants."})]:
        members = family_members(view, families, family, settings.reference, settings.equal_budget_member)
        question = " ".join(str(spec.get("question", "")).split())
        if not members:
            if family != "other":
                lines.append(f"- **{family}** ({question}): not run in this study.")
            continue
        items = []
        for system in members:
            parts, against = [], comparator_of(system, families, settings.reference)
            for selection in SELECTIONS:
                row = view.ablation_comparison(system, metric, selection)
                if row is not None:
                    mark = "significant" if row["significant"] else "n.s."
                    parts.append(
                        f"{signed_text(row['mean_diff'])} under {the_protocol(selection)} "
                        f"(Holm {p_is(row['p_holm'])}, {mark})"
                    )
            items.append(f"`{system}` − `{against}`: Δ{metric} " + (" and ".join(parts) or "n/a"))
        answer = family_answer(view, members, metric, settings.confidence)
        lines.append(f"- **{family}** ({question}) **Answer:** {answer} Per member: "
                     + "; ".join(items) + ".")
    return "\n".join(lines) if lines else "No ablation ran in this study."


def optimism_sentence(summary, optimism_summary, comparisons, settings: StatisticsSettings) -> str:
    metric, reference = settings.headline_metric, settings.reference
    view = _view(summary, comparisons, settings, optimism_summary)
    honest = view.optimism_rows("validation")
    if honest.empty:
        return (
            "No honest run recorded a test learning curve, so the optimism of test selection is unmeasured."
        )
    text = []
    r = view.optimism(reference, "validation")
    if r is not None:
        text.append(
            f"In the honest runs of `{reference}`, choosing the epoch on the test set instead of validation "
            f"would have raised test {metric} by {signed_text(r['optimism'])} on average "
            + (
                f"({settings.confidence:.0%} CI {signed_text(r['optimism_ci_low'])} to "
                f"{signed_text(r['optimism_ci_high'])} over {int(r['n_seeds'])} seeds), "
                if math.isfinite(r["optimism_ci_low"])
                else f"(over {int(r['n_seeds'])} seeds; no interval: too few seeds or all equal), "
            )
            + f"from {number_text(r['test_at_selected'])} to {number_text(r['test_best'])}."
        )
    largest = honest.loc[honest["optimism"].idxmax()]
    text.append(
        f"Across the {len(honest)} systems with honest learning curves the mean optimism ranges from "
        f"{signed_text(honest['optimism'].min())} to {signed_text(largest['optimism'])} "
        f"(`{largest['system']}`)."
    )
    row = view.comparison(reference, reference, metric, PROTOCOL_SELECTION, kind="protocol")
    if row is not None:
        text.append(
            f"The paper-protocol runs of `{reference}` against its honest runs (which also train on "
            f"fewer positives): {_test_text(row, settings.confidence)}."
        )
    return " ".join(text)


def simple_baselines_sentence(summary, comparisons, settings: StatisticsSettings, simple: list[str]) -> str:
    metric, reference, selection = settings.headline_metric, settings.reference, "validation"
    view = _view(summary, comparisons, settings)
    best = view.best_of(simple, metric, selection)
    if best is None:
        return f"None of the simple baselines ({code_list(simple)}) ran in this study."
    row = view.comparison(reference, best, metric, selection, kind="irgan-vs-baseline")
    text = (
        f"Under the honest protocol the strongest simple baseline ({code_list(simple)}) is `{best}` with "
        f"{metric} = {_with_ci(view.mean(best, metric, selection), settings.confidence)}."
    )
    if row is not None:
        text += f" `{reference}` against `{best}`: {_test_text(row, settings.confidence)}."
    rows = view.comparisons_of("irgan-vs-baseline", selection, metric, against=best)
    if len(rows):
        beaten = int((rows["significant"] & (rows["mean_diff"] < 0)).sum())
        beating = int((rows["significant"] & (rows["mean_diff"] > 0)).sum())
        text += (
            f" `{best}` is significantly better than {beaten} and significantly worse than {beating} of "
            f"the {len(rows)} IRGAN variants."
        )
    return text


def reproduction_sentence(table3_data: pd.DataFrame, settings: StatisticsSettings) -> str:
    rows = table3_data[table3_data["source"] == "reproduced"]
    parts = []
    for paper_row, group in rows.groupby("paper_row", sort=False):
        system = group["system"].iloc[0]
        ran = group.dropna(subset=["mean"])
        if ran.empty:
            parts.append(f"{paper_row} (`{system}`): not run")
            continue
        inside = int(ran["paper_in_ci"].astype(bool).sum())
        parts.append(
            f"{paper_row} (`{system}`): {inside} of {len(ran)} published figures inside our "
            f"{settings.confidence:.0%} interval, mean difference (ours − paper) "
            f"{signed_text(ran['difference'].mean())}"
        )
    return ("Under the paper protocol: " + "; ".join(parts) + ".") if parts else "Table 3 was not reproduced."


def audit_sentences(
    audit: pd.DataFrame | None, published: dict[str, tuple[float, ...]] = TABLE3_ML100K
) -> tuple[str, str]:
    """(Results sentence, bullet for the 'why' list) about the authors' released checkpoints."""
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
    rows = table3_data[table3_data["source"] == "reproduced"]
    lines = []
    for paper_row, group in rows.groupby("paper_row", sort=False):
        ran = group.dropna(subset=["mean"])
        if ran.empty:
            lines.append(f"- {paper_row}: no run of `{group['system'].iloc[0]}` in this study.")
            continue
        outside = ran[~ran["paper_in_ci"].astype(bool)]
        if outside.empty:
            continue
        higher = outside.loc[outside["difference"] > 0, "metric"].tolist()
        lower = outside.loc[outside["difference"] < 0, "metric"].tolist()
        detail = "; ".join(
            p
            for p in (
                f"ours higher on {', '.join(higher)}" if higher else "",
                f"ours lower on {', '.join(lower)}" if lower else "",
            )
            if p
        )
        lines.append(
            f"- {paper_row}: {len(outside)} of {len(ran)} published figures lie outside our "
            f"{settings.confidence:.0%} interval ({detail})."
        )
    irgan = rows[(rows["system"] == settings.reference) & rows["mean"].notna()]
    if len(irgan):
        significant = irgan.loc[irgan["significant"].fillna(False).astype(bool), "metric"].tolist()
        lines.append(
            f"- The paper marks IRGAN's improvement over the best baseline as significant on every "
            f"metric; in our paper-protocol runs it is significant after Holm on {len(significant)} "
            f"of {len(irgan)} metrics" + (f" ({', '.join(significant)})." if significant else ".")
        )
    return "\n".join(lines) if lines else "Every published figure lies inside our confidence intervals."


def abstract_findings(
    summary, comparisons, optimism_summary, settings: StatisticsSettings, simple: list[str]
) -> str:
    metric, reference = settings.headline_metric, settings.reference
    view = _view(summary, comparisons, settings, optimism_summary)
    parts = []
    for selection in SELECTIONS:
        best = view.best_of(settings.headline_against, metric, selection)
        row = view.comparison(reference, best or "", metric, selection, kind="irgan-vs-baseline")
        if row is not None:
            verdict = "significantly" if row["significant"] else "not significantly"
            parts.append(
                f"Under {the_protocol(selection)} the reference IRGAN differs from the strongest "
                f"paper baseline (`{best}`) by {signed_text(row['mean_diff'])} {metric}, {verdict} after "
                f"Holm's correction ({p_is(row['p_holm'])})."
            )
    honest = view.optimism(reference, "validation")
    if honest is not None:
        parts.append(
            f"Choosing the epoch on the test set adds {signed_text(honest['optimism'])} {metric} "
            "to the same honest runs."
        )
    best_simple = view.best_of(simple, metric, "validation")
    row = view.comparison(reference, best_simple or "", metric, "validation", kind="irgan-vs-baseline")
    if row is not None:
        diff = -row["mean_diff"]  # simple baseline minus the reference
        if row["significant"]:
            relation = "beats" if diff > 0 else "trails"
            parts.append(
                f"Under the honest protocol the simple baseline `{best_simple}` {relation} the "
                f"reference IRGAN significantly ({signed_text(diff)} {metric})."
            )
        else:
            parts.append(
                f"Under the honest protocol the simple baseline `{best_simple}` does not differ "
                f"significantly from the reference IRGAN ({signed_text(diff)} {metric})."
            )
    return " ".join(parts) if parts else "The study has not produced comparable runs yet."


def _mean_sd_cell(row: pd.Series | None) -> str:
    """A summary row as ``mean ± sd``; the mean alone for a deterministic system or one seed."""
    return "–" if row is None else mean_sd(row["mean"], row["sd"], is_deterministic(row))


def headline_table(summary: pd.DataFrame, settings: StatisticsSettings, with_published: bool = True) -> str:
    """Every system's headline metric under both rules (mean ± sd over seeds), beside Table 3 when
    ``with_published`` (only on the dataset the paper published it for)."""
    metric, reference = settings.headline_metric, settings.reference
    published = {system: TABLE3_ML100K[row][METRICS.index(metric)]
                 for row, system in (settings.paper_rows or {}).items() if row in TABLE3_ML100K}
    view = _view(summary, None, settings)
    systems = sorted(set(view.summary_rows(metric=metric)["system"]),
                     key=lambda s: (s != reference, not is_irgan(s), s))
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


def _demote_headings(markdown: str) -> str:
    """A generated Markdown file placed inside a document: its title dropped, its text kept."""
    lines = markdown.strip().splitlines()
    return "\n".join(lines[1:] if lines and lines[0].startswith("# ") else lines).strip()


def divergence_sentence(divergence: pd.DataFrame) -> str:
    total, diverged = int(divergence["n_runs"].sum()), int(divergence["n_diverged"].sum())
    if not diverged:
        return f"None of the {total} runs diverged."
    which = divergence[divergence["n_diverged"] > 0]
    listed = "; ".join(f"`{r.system}` ({r.selection}, seeds {r.diverged_seeds})" for r in which.itertuples())
    return (
        f"{diverged} of {total} runs diverged (non-finite loss or scores): {listed}. They are counted in "
        "the divergence table and left out of every mean, interval and test."
    )


# --------------------------------------------------------------------------- the manuscript


def paper_values(
    statistics: dict[str, pd.DataFrame],
    tables: dict[str, str],
    table3_data: pd.DataFrame,
    settings: StatisticsSettings,
    dataset: str,
    dataset_summary: dict,
    study: dict,
    figures: dict[str, str],
    audit: pd.DataFrame | None = None,
    code_version: str = "",
    start_match: str = "",
    start_match_table: str = "",
    authors_dns: str = "",
    authors_dns_table: str = "",
    robustness: dict[str, str] | None = None,
) -> dict[str, str]:
    """Every placeholder of the template, as text. ``robustness``: the robustness sentence, table
    (Markdown) and figure paths (``sentence``, ``table``, ``figure``, ``figure_pdf``), or None where
    the robustness over splits has not run."""
    summary, comparisons = statistics["summary"], statistics["comparisons"]
    optimism_summary, divergence = statistics["optimism_summary"], statistics["divergence"]
    runs = statistics["runs"]
    simple = list(study.get("simple_baselines", []))
    method = methods(settings)
    audit_sentence, audit_reasons = audit_sentences(audit)
    irgan = sorted({s for s in runs["system"] if is_irgan(s)})
    baselines = sorted({s for s in runs["system"] if not is_irgan(s)})
    seeds = sorted({int(s) for s in runs["seed"]})
    validation = study.get("validation", {})
    table = published_table(dataset)
    kind_text, framing, limits = data_framing(dataset, study.get("kind", ""))
    values = {
        "dataset": dataset,
        "published_table": table,
        "study_kind": kind_text,
        "data_framing": framing,
        "data_limits": limits,
        "n_seeds": str(len(seeds)),
        "seeds": ", ".join(str(s) for s in seeds),
        "n_runs": str(len(runs)),
        "cutoffs": ", ".join(str(k) for k in study.get("cutoffs", [])),
        "metric": settings.headline_metric,
        "reference": settings.reference,
        "reference_start_sentence": reference_start_sentence(runs, settings.reference),
        "dataset_sentence": dataset_sentence(dataset, dataset_summary, study.get("description", "")),
        "validation_sentence": (
            f"{dataset_summary.get('validation_positives', 'n/a')} positives of "
            f"{dataset_summary.get('validation_users', 'n/a')} users: a fraction "
            f"{validation.get('fraction', 'n/a')} of each user's training positives for users with at least "
            f"{validation.get('min_user_positives', 'n/a')} of them, seed {validation.get('seed', 'n/a')}"
        ),
        "systems_sentence": f"IRGAN variants: {code_list(irgan)}. Baselines: {code_list(baselines)}.",
        "divergence_sentence": divergence_sentence(divergence),
        "seed_level": method["seed_level"],
        "unit_sentence": method["unit"][0].upper() + method["unit"][1:] + ".",
        "main_test": method["main_test"],
        "wilcoxon": method["wilcoxon"],
        "effect_size": method["effect_size"],
        "bootstrap": method["bootstrap"],
        "holm": method["holm"],
        "seed_view": method["seed_view"],
        "reproduction_sentence": reproduction_sentence(table3_data, settings),
        "audit_sentence": audit_sentence,
        "audit_reasons": audit_reasons,
        "headline_paper_sentence": headline_sentence(summary, comparisons, settings, "test"),
        "headline_honest_sentence": headline_sentence(summary, comparisons, settings, "validation"),
        "irgan_vs_baselines_sentence": versus_baselines_sentence(comparisons, settings),
        "starting_point_sentence": starting_point_sentence(summary, comparisons, settings),
        "equal_budget_sentence": equal_budget_sentence(summary, comparisons, statistics.get("tuning"),
                                                       settings),
        "ablation_sentences": ablation_sentences(summary, comparisons, settings),
        "optimism_sentence": optimism_sentence(summary, optimism_summary, comparisons, settings),
        "simple_baselines_sentence": simple_baselines_sentence(summary, comparisons, settings, simple),
        "not_reproduced": not_reproduced(table3_data, settings),
        "abstract_findings": abstract_findings(summary, comparisons, optimism_summary, settings, simple),
        "code_version": code_version or "unknown",
        "headline_table": headline_table(summary, settings, with_published=dataset == "ml-100k-irgan"),
        "start_match_sentence": start_match or "No released start to compare this project's DNS with.",
        "start_match_table": _demote_headings(start_match_table) or "(no released start on this dataset)",
        "authors_dns_sentence": authors_dns or "The authors' own `cf_dns.py` did not run in this study "
        "(`authors_code.dns_seeds` is empty, or the dataset does not publish the released start).",
        "authors_dns_table": authors_dns_table or "(the authors' own `cf_dns.py` did not run)",
        "fidelity_sentence": fidelity_sentence(statistics.get("fidelity", pd.DataFrame()))
        or "The authors' own code did not run in this study (`authors_code.seeds` is empty, or the "
        "dataset does not publish the released start it begins from).",
    }
    values |= robustness_values(robustness)
    values |= {name: text for name, text in tables.items()}
    values |= {f"figure_{name}": path for name, path in figures.items()}
    return values


NO_ROBUSTNESS = ("The robustness over splits has not run in this study: `snakemake robustness` runs it "
                 "(the `robustness:` section of the config; a separate target, see the README), and the "
                 "draft includes it once its outputs exist.")


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


def dataset_sentence(dataset: str, summary: dict, description: str = "") -> str:
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


BLOCK = re.compile(r"<!-- if (not )?published -->\n(.*?)<!-- end if -->\n", re.S)
COMMENT = re.compile(r"<!--.*?-->\n?", re.S)


def select_blocks(template: str, published: bool) -> str:
    """Keep the ``<!-- if published -->`` blocks for a dataset with published results and the
    ``<!-- if not published -->`` blocks otherwise; then drop every comment (the template's
    note to its editors stays in the template)."""
    kept = BLOCK.sub(lambda m: m.group(2) if bool(m.group(1)) != published else "", template)
    return COMMENT.sub("", kept).lstrip("\n")


def render(template: str, values: dict[str, str], source: str = "paper template") -> str:
    """Substitute every ``${name}``; a name without a value is an error naming it. Conditional
    blocks are chosen by ``values["published_table"]`` (empty: no published results)."""
    template = select_blocks(template, bool(values.get("published_table")))
    try:
        return string.Template(template).substitute(values)
    except KeyError as exc:
        raise TemplateError(
            f"{source}: placeholder ${{{exc.args[0]}}} has no value from the results "
            f"(known: {', '.join(sorted(values))})"
        ) from None
    except ValueError as exc:
        raise TemplateError(f"{source}: malformed placeholder ({exc})") from None


def relative_path(target: str | os.PathLike, start: str | os.PathLike) -> str:
    """``target`` relative to the directory of the file ``start`` (links inside results/)."""
    return os.path.relpath(Path(target).resolve(), Path(start).resolve().parent)
