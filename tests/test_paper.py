"""The paper draft: every placeholder filled from the results, no number typed into the template."""

from __future__ import annotations

import json
import os
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from irgan.analysis.statistics import (
    STATISTICS_FILES,
    StatisticsSettings,
    load_runs,
    run_statistics,
    write_statistics,
)
from irgan.contract.outputs import FIGURE_NAMES
from irgan.published import METRICS, TABLE3_ML100K
from irgan.report.paper import (
    TemplateError,
    audit_sentences,
    paper_values,
    reference_start_sentence,
    relative_path,
    render,
    starting_point_sentence,
)
from irgan.report.tables import build_tables, markdown_document, read_statistics
from tests.study_runs import DATASET, DIVERGED, STATISTICS, audit_table, make_study

TEMPLATE = Path(__file__).resolve().parents[1] / "paper" / "manuscript.md"
SETTINGS = StatisticsSettings.from_config(STATISTICS)
DATASET_SUMMARY = {
    "users": 60,
    "items": 400,
    "train_positives": 900,
    "test_positives": 300,
    "positive_threshold": 4.0,
    "test_users": 60,
    "validation_positives": 80,
    "validation_users": 50,
}
STUDY = {
    "cutoffs": [3, 5, 10],
    "validation": {"fraction": 0.1, "min_user_positives": 5, "seed": 2017},
    "description": "test data",
    "simple_baselines": ["pop", "itemknn", "ease"],
}


PUBLISHED = "ml-100k-irgan"  # Table 3's dataset: the draft sets the published figures beside ours


def study_values(root: Path, draft_dataset: str, study: dict):
    """The paper's values from a small study, the draft written for ``draft_dataset``."""
    runs = load_runs(make_study(root / "runs", dataset=draft_dataset))
    paths = {name: root / "statistics" / file for name, file in STATISTICS_FILES.items()}
    write_statistics(run_statistics(runs, SETTINGS, draft_dataset), paths)
    statistics = read_statistics(paths)
    tables = build_tables(statistics, SETTINGS, draft_dataset, audit_table())
    figures = {name: f"../{draft_dataset}/figures/{name}.png" for name in FIGURE_NAMES}
    figures |= {f"{name}_pdf": f"../{draft_dataset}/figures/{name}.pdf" for name in FIGURE_NAMES}
    result = paper_values(
        statistics,
        {name: markdown_document(t) for name, t in tables.items()},
        tables["table3"].data,
        SETTINGS,
        draft_dataset,
        DATASET_SUMMARY,
        study,
        figures,
        audit_table(),
        "v-test",
    )
    return result, statistics


@pytest.fixture(scope="module")
def values(tmp_path_factory):
    """A draft on the dataset the paper's Table 3 was published for."""
    return study_values(tmp_path_factory.mktemp("paper"), PUBLISHED, STUDY)


@pytest.fixture(scope="module")
def synthetic_values(tmp_path_factory):
    """A draft on the demo's synthetic data: no published results exist for it."""
    study = {**STUDY, "kind": "synthetic"}
    return study_values(tmp_path_factory.mktemp("paper-synthetic"), "synthetic", study)


def test_the_template_holds_no_result_typed_by_hand():
    text = TEMPLATE.read_text()
    assert not re.findall(r"\d\.\d{2,}", text), "decimal figures belong in the results, not the template"
    assert not re.findall(r"\d\s*%", text)
    names = {
        m.group("braced") or m.group("named")
        for m in string.Template.pattern.finditer(text)
        if m.group("braced") or m.group("named")
    }
    assert {"table3", "headline_paper_sentence", "not_reproduced", "ablations"} <= names


def test_every_placeholder_is_filled_from_the_results(values):
    filled, statistics = values
    paper = render(TEMPLATE.read_text(), filled)
    assert "${" not in paper
    comparisons = statistics["comparisons"]
    summary = statistics["summary"]
    best = (
        summary.query("selection == 'test' and metric == 'P@5' and system in ['mle', 'bpr', 'lambdafm']")
        .set_index("system")["mean"]
        .idxmax()
    )
    headline = comparisons.query(
        "kind == 'irgan-vs-baseline' and selection == 'test' and metric == 'P@5' "
        "and system == 'irgan-code' and reference == @best"
    ).iloc[0]
    assert f"mean per-user difference {headline['mean_diff']:+.4f}" in filled["headline_paper_sentence"]
    assert f"`{best}`" in filled["headline_paper_sentence"]
    assert f"paired t({int(headline['df'])}) = {headline['t']:.2f}" in paper
    assert (
        "1 of 48 runs diverged" in paper and f"`{DIVERGED[1]}` ({DIVERGED[0]}, seeds {DIVERGED[2]})" in paper
    )
    assert "### Table 3 of the paper beside the reproduction" in paper
    assert "zero_method='pratt'" in paper
    assert "- **schedule**" in filled["ablation_sentences"] and "not run in this study" in paper
    figures = f"../{PUBLISHED}/figures"
    assert f"({figures}/learning_curves.png) ([PDF]({figures}/learning_curves.pdf))" in paper
    assert "v-test" in paper
    assert "We re-ran the published item-recommendation experiment" in paper
    assert "## 4. What could not be reproduced, and why" in paper


def test_the_generated_draft_drops_the_template_comments(values):
    filled, _ = values
    paper = render(TEMPLATE.read_text(), filled)
    assert "<!--" not in paper and "Edit the prose here" not in paper
    assert paper.startswith("---\ntitle: ")


def test_a_draft_on_data_without_published_results_is_framed_as_a_demo(synthetic_values):
    """Synthetic data: titled and worded as a demo, no reproduction claim, no published figure."""
    filled, _ = synthetic_values
    paper = render(TEMPLATE.read_text(), filled)
    assert "${" not in paper and "<!--" not in paper
    title = paper.splitlines()[1]
    assert title.startswith("title: ") and "demo" in title and "reproduced" not in title
    for claim in ("We re-ran the published", "What could not be reproduced", "Table 3", "reproduced:",
                  "paper_vs_reproduced", "published figures inside our", "paper's Table 3"):
        assert claim not in paper, claim
    assert "This draft is not a reproduction" in paper
    assert "No results were published for `synthetic`" in paper
    assert "| system | paper protocol (epoch chosen on test) | honest (on validation) |\n" in paper
    # the published values appear nowhere: not one Table 3 figure is in the draft
    for row in TABLE3_ML100K.values():
        assert f"{row[METRICS.index('P@5')]:.4f}" not in paper


def test_not_reproduced_lists_published_figures_outside_our_intervals(values):
    filled, _ = values
    lines = filled["not_reproduced"].splitlines()
    assert any(line.startswith("- IRGAN-pointwise:") and "outside our 95% interval" in line for line in lines)
    assert "The paper marks IRGAN's improvement" in filled["not_reproduced"]


def test_a_missing_placeholder_is_an_error_naming_it(values):
    filled, _ = values
    with pytest.raises(TemplateError, match=r"\$\{nonexistent\}"):
        render("text ${nonexistent} text", filled, "paper/manuscript.md")
    with pytest.raises(TemplateError, match="malformed"):
        render("a lone $ 5 dollar", filled)


def test_audit_sentences_name_the_row_a_released_checkpoint_reproduces():
    lambdafm = pd.DataFrame(
        {"checkpoint": "model_dns_ori", "metric": list(METRICS), "value": list(TABLE3_ML100K["LambdaFM"])}
    )
    sentence, reasons = audit_sentences(lambdafm)
    assert "reproduces the paper's LambdaFM row on 8 of 8 metrics" in sentence
    assert "`model_dns_ori` reproduces the paper's LambdaFM row" in reasons
    sentence, reasons = audit_sentences(audit_table())
    assert "`gan_generator` reproduces no published figure" in sentence
    assert "Even the authors' released checkpoint `gan_generator`" in reasons
    assert audit_sentences(None)[0] == "No released checkpoint exists for this dataset."


def test_relative_paths_point_from_the_paper_to_the_figures(tmp_path):
    figure = tmp_path / "results" / "ds" / "figures" / "a.pdf"
    assert relative_path(figure, tmp_path / "results" / "paper" / "paper.md") == "../ds/figures/a.pdf"


def test_the_starting_point_sentence_tests_irgan_against_its_own_pretraining(tmp_path):
    runs = load_runs(make_study(tmp_path, {"irgan-code": 0.45, "dns": 0.35}, seeds=(1, 2)))
    statistics = run_statistics(runs, SETTINGS, DATASET)
    sentence = starting_point_sentence(statistics["summary"], statistics["comparisons"], SETTINGS)
    row = (
        statistics["comparisons"]
        .query(
            "selection == 'validation' and system == 'irgan-code' and reference == 'dns' and metric == 'P@5'"
        )
        .iloc[0]
    )
    assert "`dns`" in sentence and f"mean per-user difference {row['mean_diff']:+.4f}" in sentence
    assert "under the paper protocol" in sentence and "under the honest protocol" in sentence


def test_without_the_starting_point_the_sentence_says_so(values):
    filled, _ = values
    assert filled["starting_point_sentence"] == (
        "The starting point (`dns-released` or `dns`) of `irgan-code` was not run beside it."
    )


def set_start(root, selection: str, system: str, start: str) -> None:
    """Give every run of a system under a rule the generator start its record would carry."""
    for record_path in (root / DATASET / "runs" / selection / system).glob("seed-*/record.json"):
        record = json.loads(record_path.read_text())
        record["hyperparameters"] = {"generator_init": start}
        record_path.write_text(json.dumps(record))


def test_the_released_start_is_the_starting_point_where_the_reference_started_from_it(tmp_path):
    """Paper protocol: the reference starts from the authors' file (`dns-released`, test rule only);
    honest protocol: from our DNS. Each rule's sentence names its own start, and the reference's
    paper-vs-honest comparison is not made, since the two rules started it differently."""
    make_study(tmp_path, {"irgan-code": 0.45, "dns": 0.35, "dns-released": 0.38}, seeds=(1, 2))
    shutil.rmtree(tmp_path / DATASET / "runs" / "validation" / "dns-released")
    set_start(tmp_path, "test", "irgan-code", "released")
    set_start(tmp_path, "validation", "irgan-code", "dns")
    runs = load_runs(sorted((tmp_path / DATASET / "runs").glob("*/*/seed-*")))
    statistics = run_statistics(runs, SETTINGS, DATASET)
    sentence = starting_point_sentence(statistics["summary"], statistics["comparisons"], SETTINGS)
    assert "under the paper protocol, from `dns-released`" in sentence
    assert "under the honest protocol, from `dns`" in sentence
    protocol = statistics["comparisons"].query("kind == 'protocol'")
    assert "irgan-code" not in set(protocol["system"]) and "dns" in set(protocol["system"])
    start = reference_start_sentence(statistics["runs"], "irgan-code")
    assert "released DNS model" in start and "this project's DNS pre-training" in start


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("IRGAN_SLOW_TESTS") != "1", reason="minutes; set IRGAN_SLOW_TESTS=1")
def test_the_demo_builds_tables_figures_paper_and_report(tmp_path):
    """The whole demo DAG in a fresh copy of the tree, then the Snakemake report (minutes)."""
    repo = Path(__file__).resolve().parents[1]
    checkout = tmp_path / "repo"
    ignore = shutil.ignore_patterns(".git", ".venv*", "results", ".snakemake", "__pycache__", "*.egg-info")
    shutil.copytree(repo, checkout, ignore=ignore)
    env = {k: v for k, v in os.environ.items() if k != "IRGAN_MIRROR"}

    def snakemake(*args):
        done = subprocess.run(
            [sys.executable, "-m", "snakemake", "--configfile", "config/demo.yaml", *args],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    snakemake("--cores", "2")
    snakemake("--report", "results/demo/report.html")  # the demo's own results root
    results = checkout / "results" / "demo"
    comparisons = pd.read_csv(results / DATASET / "statistics" / "comparisons.csv")
    assert comparisons["p"].between(0, 1).all() and (comparisons["p_holm"] >= comparisons["p"]).all()
    systems = set(pd.read_csv(results / DATASET / "statistics" / "summary.csv")["system"])
    assert {"irgan-code", "mle", "dns", "bpr", "lambdafm", "pop", "itemknn", "ease"} <= systems
    for name in FIGURE_NAMES:
        assert (results / DATASET / "figures" / f"{name}.png").stat().st_size > 1000
    paper = (results / "paper" / "paper.md").read_text()
    assert "${" not in paper and "a demo of the study" in paper and "Table 3" not in paper
    report = (results / "report.html").read_text()
    assert "paper.md" in report


def test_the_readme_findings_are_filled_from_the_results(values):
    filled, statistics = values
    template = Path(__file__).resolve().parents[1] / "paper" / "findings.md"
    text = render(template.read_text(), filled)
    assert "${" not in text
    summary = statistics["summary"]
    row = summary.query("selection == 'test' and system == 'irgan-code' and metric == 'P@5'").iloc[0]
    assert f"| `irgan-code` (reference) | {row['mean']:.4f} ± {row['sd']:.4f} |" in text
    per_seed = ", ".join(f"{float(v):.4f}" for v in row["seed_values"].split())
    assert f"Per seed, `irgan-code` under the paper protocol: {per_seed}." in text


def test_two_seeds_print_their_range_not_an_interval():
    from irgan.report.paper import _with_ci

    row = pd.Series({"mean": 0.0155, "ci_low": float("nan"), "ci_high": float("nan"), "n_seeds": 2,
                     "seed_values": "0.001000 0.030000", "seed_min": 0.001, "seed_max": 0.03})
    text = _with_ci(row, 0.95)
    assert text == "0.0155 (2 seeds, range 0.0010 to 0.0300; no interval)" and "CI" not in text
