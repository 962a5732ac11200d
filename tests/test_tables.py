"""Tables: files in every format, expected columns, every system, figures equal to the statistics."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from irgan.analysis.statistics import (
    STATISTICS_FILES,
    StatisticsSettings,
    load_runs,
    run_statistics,
    write_statistics,
)
from irgan.published import METRICS, TABLE3_ML100K
from irgan.report.tables import (
    FORMATS,
    TABLE_NAMES,
    build_tables,
    latex_escape,
    markdown,
    mean_sd,
    read_statistics,
    table_paths,
    write_table,
)
from tests.study_runs import DATASET, DIVERGED, QUALITY, STATISTICS, audit_table, make_study

SETTINGS = StatisticsSettings.from_config(STATISTICS)


PUBLISHED = "ml-100k-irgan"  # the dataset of the paper's Table 3


def statistics_of(root, systems=None, seeds=(1, 2, 3), dataset=DATASET, deterministic=("pop",)):
    """Run the statistics, write them, and read them back as the tables rule does."""
    runs = load_runs(make_study(root / "runs", systems, seeds, deterministic, dataset))
    paths = {name: root / "statistics" / file for name, file in STATISTICS_FILES.items()}
    write_statistics(run_statistics(runs, SETTINGS, dataset), paths)
    return read_statistics(paths)


def _written(root, dataset, seeds=(1, 2, 3)):
    statistics = statistics_of(root, seeds=seeds, dataset=dataset)
    tables = build_tables(statistics, SETTINGS, dataset, audit_table())
    for name, table in tables.items():
        write_table(table, table_paths(root / "tables", name))
    return root / "tables", tables, statistics


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The tables of a study on the paper's MovieLens-100k split (published figures beside ours)."""
    return _written(tmp_path_factory.mktemp("tables"), PUBLISHED)


@pytest.fixture(scope="module")
def unpublished(tmp_path_factory):
    """The tables of the synthetic study with 2 seeds: no published figure applies."""
    return _written(tmp_path_factory.mktemp("tables-synthetic"), DATASET, seeds=(1, 2))


def test_every_table_is_written_in_every_format(written):
    directory, tables, _ = written
    assert set(tables) == set(TABLE_NAMES)
    for name in TABLE_NAMES:
        for fmt in FORMATS:
            path = directory / f"{name}.{fmt}"
            assert path.is_file() and path.stat().st_size > 0, path
        tex = (directory / f"{name}.tex").read_text()
        assert all(rule in tex for rule in (r"\toprule", r"\midrule", r"\bottomrule", r"\begin{tabular}"))
        assert not re.search(r"[^\x00-\x7f]", tex), f"{name}.tex holds non-ASCII characters"
        assert (directory / f"{name}.html").read_text().startswith("<!DOCTYPE html>")
        pd.read_csv(directory / f"{name}.csv")


def test_table3_sets_our_seed_means_beside_every_published_row(written):
    directory, tables, statistics = written
    data = pd.read_csv(directory / "table3.csv")
    reproduced = data[data["source"] == "reproduced"]
    assert set(reproduced["paper_row"]) == set(TABLE3_ML100K)
    assert len(reproduced) == len(TABLE3_ML100K) * len(METRICS)
    summary = statistics["summary"].query("selection == 'test'").set_index(["system", "metric"])
    for row in reproduced.itertuples():
        published = TABLE3_ML100K[row.paper_row][METRICS.index(row.metric)]
        ours = summary.loc[(row.system, row.metric)]
        assert row.paper == pytest.approx(published)
        assert row.mean == pytest.approx(ours["mean"])
        assert row.difference == pytest.approx(ours["mean"] - published)
        assert row.paper_in_ci == (ours["ci_low"] <= published <= ours["ci_high"])
        assert 0.0 <= ours["ci_low"] <= ours["mean"] <= ours["ci_high"] <= 1.0  # t, truncated to [0, 1]
    released = data[data["source"] == "released checkpoint"]
    assert set(released["system"]) == {"model_dns_ori", "gan_generator"}
    text = (directory / "table3.md").read_text()
    for paper_row in TABLE3_ML100K:
        assert f"| {paper_row} (paper) |" in text
    irgan = summary.loc[("irgan-code", "P@5")]
    assert mean_sd(irgan["mean"], irgan["sd"]) in text
    assert "± the standard deviation over converged seeds" in text
    assert "†" in text  # synthetic data do not reproduce MovieLens figures


def test_table3_marks_a_significant_win_over_the_best_baseline(tmp_path):
    systems = {"irgan-code": 0.75, "mle": 0.20, "bpr": 0.22, "lambdafm": 0.25}
    statistics = statistics_of(tmp_path, systems, dataset=PUBLISHED)
    table = build_tables(statistics, SETTINGS, PUBLISHED)["table3"]
    irgan = table.data.query("system == 'irgan-code'").set_index("metric")
    assert irgan.loc["P@5", "significant"] and set(irgan["comparator"]) <= {"lambdafm", "bpr", "mle"}
    comparisons = statistics["comparisons"].query("selection == 'test' and system == 'irgan-code'")
    for metric, row in irgan.iterrows():
        match = comparisons[
            (comparisons["reference"] == row["comparator"]) & (comparisons["metric"] == metric)
        ]
        match = match.iloc[0]
        assert row["p_holm"] == pytest.approx(match["p_holm"])
        assert row["significant"] == (match["significant"] and match["mean_diff"] > 0)
    line = next(r for r in table.sections[0][1].itertuples(index=False) if r[0] == "irgan-code (reproduced)")
    marked = {
        metric
        for metric, cell in zip(table.sections[0][1].columns[1:], line[1:], strict=True)
        if cell.endswith("*")
    }
    assert marked == set(irgan.index[irgan["significant"]])
    other = next(r for r in table.sections[0][1].itertuples(index=False) if r[0] == "mle (reproduced)")
    assert not any(cell.endswith("*") for cell in other[1:])


def test_system_tables_hold_every_system_with_its_seed_counts(written):
    directory, _, statistics = written
    for selection in ("test", "validation"):
        data = pd.read_csv(directory / f"systems_{selection}.csv")
        assert set(data["system"]) == set(QUALITY)
        assert {
            "mean",
            "ci_low",
            "ci_high",
            "n_seeds",
            "n_diverged",
            "diff_vs_reference",
            "p_holm_vs_reference",
            "significant_vs_reference",
        } <= set(data.columns)
        text = (directory / f"systems_{selection}.md").read_text()
        assert all(f"| {system} |" in text for system in QUALITY)
        p5 = data[data["metric"] == "P@5"]
        assert list(p5.sort_values("mean", ascending=False)["system"]) == list(p5["system"])
    data = pd.read_csv(directory / "systems_validation.csv")
    diverged = data[(data["system"] == DIVERGED[1]) & (data["metric"] == "P@5")].iloc[0]
    assert diverged["n_seeds"] == 2 and diverged["n_diverged"] == 1
    assert "| 2/3 |" in (directory / "systems_validation.md").read_text()
    # differences to the reference are the signed paired differences of the statistics
    comparisons = statistics["comparisons"]
    mle = comparisons.query(
        "selection == 'validation' and system == 'irgan-code' and reference == 'mle' and metric == 'P@5'"
    ).iloc[0]
    row = data[(data["system"] == "mle") & (data["metric"] == "P@5")].iloc[0]
    assert row["diff_vs_reference"] == pytest.approx(-mle["mean_diff"])


def test_ablation_table_groups_variants_by_family(written):
    directory, tables, _ = written
    data = pd.read_csv(directory / "ablations.csv")
    assert {"pre-training", "reward", "generator-only"} == set(data["ablation_family"])
    reward = data.query("ablation_family == 'reward' and role == 'variant'")
    assert set(reward["system"]) == {"irgan-reward-sigmoid"}
    assert set(data.query("role == 'reference'")["system"]) == {"irgan-code"}
    assert set(data.query("role == 'context'")["system"]) == {"mle"}
    assert data.query("role == 'reference'")["diff_vs_comparator"].isna().all()
    assert set(data.query("role == 'variant'")["comparator"]) == {"irgan-code"}
    notes = " ".join(tables["ablations"].notes)
    assert "Families with no run in this study: schedule." in notes
    assert len(tables["ablations"].sections) == 6  # three families, two selection rules


def test_model_selection_table_reports_the_optimism_of_every_honest_system(written):
    directory, _, statistics = written
    data = pd.read_csv(directory / "model_selection.csv")
    assert set(data["system"]) == set(QUALITY)
    honest = statistics["optimism_summary"].query("selection == 'validation'").set_index("system")
    for row in data.itertuples():
        assert row.honest_optimism == pytest.approx(honest.loc[row.system, "optimism"])
        gap = row.honest_test_best - row.honest_test_at_selected
        assert row.honest_optimism == pytest.approx(gap, abs=1e-6)
    assert (data["honest_optimism"] >= 0).all()


def test_comparisons_and_divergence_tables(written):
    directory, tables, statistics = written
    comparisons = pd.read_csv(directory / "comparisons.csv")
    assert set(comparisons["metric"]) == {"P@5"}
    assert len(comparisons) == len(statistics["comparisons"].query("metric == 'P@5'"))
    notes = " ".join(tables["comparisons"].notes)
    assert "Families (tests per family" in notes and "(Benjamini-Hochberg)" in notes
    shown = tables["comparisons"].sections[0][1]
    assert {"p (adjusted)", "detectable |Δ|", "p (Holm, all tests)", "family"} <= set(shown.columns)
    assert (comparisons["detectable_effect"].dropna() > 0).all()
    divergence = pd.read_csv(directory / "divergence.csv", dtype={"diverged_seeds": str})
    assert divergence["n_diverged"].sum() == 1
    text = (directory / "divergence.md").read_text()
    assert "1 of 48 runs diverged" in text


def test_table3_on_another_dataset_holds_no_published_figure(unpublished):
    directory, tables, _ = unpublished
    data = pd.read_csv(directory / "table3.csv")
    assert data["paper"].isna().all() and data["paper_row"].isna().all()
    assert not (data["source"] == "reproduced").any()
    assert set(data["system"]) == set(SETTINGS.paper_rows.values())
    for fmt in ("md", "html", "tex"):
        text = (directory / f"table3.{fmt}").read_text()
        assert "(paper)" not in text and "released" not in text
        ours = {f"{v:.4f}" for v in pd.concat([data["mean"], data["sd"]])}
        assert set(re.findall(r"\d\.\d{4}", text)) <= ours, fmt  # every figure is one of ours
    notes = " ".join(tables["table3"].notes)
    assert "not MovieLens-100k" in notes and "no reproduction claim" in notes


def test_deterministic_systems_are_marked_and_carry_no_spread(written, unpublished):
    for directory, _, statistics in (written, unpublished):
        summary = statistics["summary"]
        pop = summary[summary["system"] == "pop"]
        assert pop["deterministic"].all() and pop["ci_low"].isna().all()
        assert not summary[summary["system"] == "bpr"]["deterministic"].any()
        for selection in ("test", "validation"):
            line = next(
                line for line in (directory / f"systems_{selection}.md").read_text().splitlines()
                if line.startswith("| pop |")
            )
            assert "(deterministic)" in line and "±" not in line
            assert "±" in next(line for line in (directory / f"systems_{selection}.md").read_text()
                               .splitlines() if line.startswith("| bpr |"))


def test_two_seeds_give_no_interval_and_say_so(unpublished):
    directory, tables, statistics = unpublished
    summary = statistics["summary"]
    seeded = summary[~summary["deterministic"] & (summary["n_seeds"] == 2)]
    assert len(seeded) and seeded["ci_low"].isna().all() and (seeded["interval"] == "range").all()
    assert (seeded["seed_min"] >= 0).all() and (seeded["seed_max"] <= 1).all()
    assert "with 2 seeds no interval" in " ".join(tables["systems_test"].notes)


def test_formatting_helpers():
    assert mean_sd(0.3, 0.03) == "0.3000 ± 0.0300"
    assert mean_sd(0.3, np.nan) == "0.3000"
    assert mean_sd(0.3, 0.0) == "0.3000"
    assert mean_sd(0.3, 0.0, deterministic=True) == "0.3000 (deterministic)"
    assert mean_sd(np.nan, np.nan) == "–"
    assert latex_escape("irgan_code 5% ± ↑") == r"irgan\_code 5\% $\pm$ $\uparrow$"
    table = markdown(pd.DataFrame({"system": ["a|b"], "P@5": ["0.1000"]}))
    assert table.splitlines() == ["| system | P@5 |", "|---|---:|", "| a\\|b | 0.1000 |"]


def test_the_ablation_answers_hold_one_generated_sentence_per_family(written):
    directory, tables, _ = written
    data = pd.read_csv(directory / "ablation_answers.csv")
    assert list(data["family"]) == list(SETTINGS.families)
    answered = data.set_index("family")["answer"]
    assert answered["schedule"] == "Not run in this study."
    assert answered["reward"].startswith("On P@5, under the paper protocol, ")
    assert "under the honest protocol" in answered["reward"]
    assert r"p{0.45\linewidth}" in (directory / "ablation_answers.tex").read_text()
    assert "| reward |" in (directory / "ablation_answers.md").read_text()
