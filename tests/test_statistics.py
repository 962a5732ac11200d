"""The study's statistics from run files: seed means and intervals, the comparison plan, Holm's
families, the seed view, selection optimism (the tests themselves: tests/test_stat_tests.py)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from irgan.analysis.statistics import (
    COMPARISON_COLUMNS,
    RunContractError,
    StatisticsSettings,
    compare_systems,
    headline_comparison,
    holm_family_key,
    load_runs,
    parse_run_path,
    per_user_means,
    run_statistics,
    seed_interval,
    selection_optimism,
    summarise_systems,
)
from irgan.contract.runs import divergence_entry, run_dir, write_run
from irgan.errors import IrganError
from tests.study_runs import (
    DATASET,
    DIVERGED,
    QUALITY,
    SEEDS,
    STATISTICS,
    make_study,
    per_user_table,
    run_record,
)

SETTINGS = StatisticsSettings.from_config(STATISTICS)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study")
    return root, load_runs(make_study(root))


@pytest.fixture(scope="module")
def results(study):
    return run_statistics(study[1], SETTINGS, DATASET)


def raw_per_user(root, selection, system, seed) -> pd.DataFrame:
    return pd.read_csv(run_dir(root, DATASET, selection, system, seed) / "per_user.csv")


# --------------------------------------------------------------------------- loading


def test_parse_run_path_reads_keys_and_rejects_other_paths(tmp_path):
    path = tmp_path / "ds" / "runs" / "validation" / "irgan-code" / "seed-3" / "curve.csv"
    key, directory = parse_run_path(path)
    assert (key.dataset, key.selection, key.system, key.seed) == ("ds", "validation", "irgan-code", 3)
    assert directory.name == "seed-3"
    with pytest.raises(RunContractError, match="not a run path"):
        parse_run_path(tmp_path / "ds" / "other" / "test" / "mle" / "seed-1")
    with pytest.raises(RunContractError, match="unknown selection"):
        parse_run_path(tmp_path / "ds" / "runs" / "train" / "mle" / "seed-1")
    with pytest.raises(RunContractError, match="seed-<integer>"):
        parse_run_path(tmp_path / "ds" / "runs" / "test" / "mle" / "seed-x")


def test_load_runs_counts_every_run_and_keeps_diverged_ones_out_of_the_data(study):
    _, runs = study
    assert len(runs.runs) == 2 * len(QUALITY) * len(SEEDS)
    selection, system, seed = DIVERGED
    diverged = runs.runs[runs.runs["status"] == "diverged"]
    assert diverged[["selection", "system", "seed"]].values.tolist() == [[selection, system, seed]]
    in_data = runs.per_user[(runs.per_user["selection"] == selection) & (runs.per_user["system"] == system)]
    assert sorted(in_data["seed"].unique()) == [s for s in SEEDS if s != seed]
    assert runs.metrics == ["P@3", "P@5", "P@10", "MAP", "NDCG@3", "NDCG@5", "NDCG@10", "MRR"]


def _one_run(tmp_path, record=None, per_user=None):
    directory = run_dir(tmp_path, "ds", "test", "mle", 1)
    table = per_user if per_user is not None else per_user_table(0.3, np.zeros(5), np.random.default_rng(0))
    curve = pd.DataFrame({"epoch": [0], "model": ["mle"], "split": ["test"], "P@5": [0.1]})
    write_run(directory, table, curve, record or run_record("ds", "test", "mle", 1, selected_epoch=0))
    return directory


def test_bad_runs_give_one_clear_error_naming_the_file(tmp_path):
    directory = _one_run(tmp_path)
    (directory / "record.json").write_text('{"status": "ok",\n  oops}')
    with pytest.raises(RunContractError, match=r"record.json: line 2: invalid JSON"):
        load_runs([directory])
    (directory / "record.json").write_text(json.dumps({"status": "finished"}))
    with pytest.raises(RunContractError, match="key status must be 'ok' or 'diverged'"):
        load_runs([directory])
    (directory / "record.json").unlink()
    with pytest.raises(RunContractError, match="record.json: missing"):
        load_runs([directory])
    with pytest.raises(RunContractError, match="no runs given"):
        load_runs([])


def test_an_ok_run_with_non_finite_metrics_is_rejected(tmp_path):
    table = per_user_table(0.3, np.zeros(5), np.random.default_rng(0))
    table.loc[2, "MAP"] = np.nan
    directory = _one_run(tmp_path, per_user=table)
    with pytest.raises(RunContractError, match="per_user.csv: status 'ok' but non-finite"):
        load_runs([directory])


# --------------------------------------------------------------------------- seed level


def test_seed_means_and_intervals_from_the_raw_files(study, results):
    root, _ = study
    summary = results["summary"]
    assert set(summary["system"]) == set(QUALITY)
    assert set(summary.groupby("selection")["system"].nunique()) == {len(QUALITY)}
    for selection, system in (("test", "irgan-code"), ("validation", "lambdafm"), DIVERGED[:2]):
        seeds = [s for s in SEEDS if (selection, system, s) != DIVERGED]
        values = [raw_per_user(root, selection, system, s)["P@5"].mean() for s in seeds]
        row = summary[
            (summary["selection"] == selection) & (summary["system"] == system) & (summary["metric"] == "P@5")
        ].iloc[0]
        _, low, high, kind = seed_interval(values, 0.95)
        assert row["mean"] == pytest.approx(np.mean(values))
        assert row["interval"] == kind
        assert (row["seed_min"], row["seed_max"]) == pytest.approx((min(values), max(values)))
        if kind == "t":
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
            assert 0.0 <= row["ci_low"] <= row["mean"] <= row["ci_high"] <= 1.0
        else:
            assert math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
        assert row["n_seeds"] == len(seeds) and row["n_runs"] == len(SEEDS)
        assert row["n_diverged"] == len(SEEDS) - len(seeds)
    divergence = results["divergence"]
    assert divergence["n_diverged"].sum() == 1
    assert divergence.loc[divergence["n_diverged"] == 1, "diverged_seeds"].item() == str(DIVERGED[2])


def test_a_system_whose_runs_all_diverged_stays_in_the_summary(tmp_path):
    make_study(tmp_path, {"irgan-code": 0.4, "mle": 0.3}, seeds=(1,))
    directory = run_dir(tmp_path, DATASET, "test", "mle", 1)
    diverged = run_record(DATASET, "test", "mle", 1, status="diverged",
                          divergence=divergence_entry("fit", 1, "NaN loss"))
    write_run(directory, None, pd.DataFrame(columns=["epoch", "model", "split"]), diverged)
    runs = load_runs(tmp_path.glob(f"{DATASET}/runs/*/*/seed-*"))
    summary = summarise_systems(runs)
    row = summary[(summary["selection"] == "test") & (summary["system"] == "mle")].iloc[0]
    assert math.isnan(row["mean"]) and row["n_seeds"] == 0 and row["n_diverged"] == 1
    comparisons = compare_systems(runs, SETTINGS)
    assert not ((comparisons["selection"] == "test") & (comparisons["reference"] == "mle")).any()


# --------------------------------------------------------------------------- the comparison plan


def test_comparisons_cover_the_plan_with_valid_p_values(results):
    comparisons = results["comparisons"]
    assert list(comparisons.columns) == COMPARISON_COLUMNS
    irgan = [s for s in QUALITY if s.startswith("irgan-")]
    baselines = [s for s in QUALITY if not s.startswith("irgan-")]
    for selection in ("test", "validation"):
        kind = comparisons["kind"] == "irgan-vs-baseline"
        pairs = comparisons[kind & (comparisons["selection"] == selection)]
        assert set(zip(pairs["system"], pairs["reference"], strict=True)) == {
            (s, b) for s in irgan for b in baselines
        }
        ablations = comparisons[(comparisons["kind"] == "ablation") & (comparisons["selection"] == selection)]
        assert set(ablations["system"]) == set(irgan) - {"irgan-code"}
        assert set(ablations["reference"]) == {"irgan-code"}
    family = comparisons.set_index("system").loc["irgan-reward-sigmoid", "ablation_family"]
    assert set(family) == {"", "reward"}
    protocol = comparisons[comparisons["kind"] == "protocol"]
    assert set(protocol["system"]) == set(QUALITY) and (protocol["system"] == protocol["reference"]).all()
    for column in ("p", "p_holm", "p_wilcoxon", "p_wilcoxon_holm", "p_seed", "p_seed_holm"):
        assert comparisons[column].dropna().between(0, 1).all(), column
    assert (comparisons["p_holm"] >= comparisons["p"] - 1e-15).all()
    assert (comparisons["p_seed_holm"].dropna() >= comparisons["p_seed"].dropna() - 1e-15).all()


def test_holm_is_applied_over_each_whole_family(study, results):
    """The all-tests Holm columns (p_holm) under the default design; with correction holm-all the
    same families decide significance, as before the confirmatory design."""
    comparisons = results["comparisons"]
    assert set(comparisons["holm_family"]) == {
        f"{DATASET}/test",
        f"{DATASET}/validation",
        f"{DATASET}/test-vs-validation",
    }
    settings = StatisticsSettings.from_config({**STATISTICS, "correction": "holm-all"})
    holm_all = compare_systems(study[1], settings)
    assert holm_all["p_holm"].to_numpy() == pytest.approx(comparisons["p_holm"].to_numpy())
    assert (holm_all["family"] == holm_all["holm_family"]).all() and (holm_all["correction"] == "holm").all()
    for _, family in holm_all.groupby("holm_family"):
        reject, adjusted, _, _ = multipletests(family["p"], alpha=0.05, method="holm")
        assert family["p_holm"].to_numpy() == pytest.approx(adjusted)
        assert family["p_adjusted"].to_numpy() == pytest.approx(adjusted)
        assert (family["significant"].to_numpy() == reject).all()
        assert (family["holm_family_size"] == len(family)).all()
    assert holm_family_key("ds", "test", "dataset") == "ds"
    with pytest.raises(IrganError, match="holm_family"):
        holm_family_key("ds", "test", "metric")


def test_per_user_differences_average_seeds_and_exclude_diverged_runs(study, results):
    root, runs = study
    selection, system, seed = DIVERGED
    kept = [s for s in SEEDS if s != seed]
    users = sum(raw_per_user(root, selection, system, s).set_index("user")["P@5"] for s in kept) / len(kept)
    reference = sum(
        raw_per_user(root, selection, "irgan-code", s).set_index("user")["P@5"] for s in SEEDS
    ) / len(SEEDS)
    row = (
        results["comparisons"]
        .query("kind == 'ablation' and selection == @selection and system == @system and metric == 'P@5'")
        .iloc[0]
    )
    assert row["mean_diff"] == pytest.approx((users - reference).mean())
    assert row["n_seeds_system"] == len(kept) and row["n_users"] == len(users)
    assert row["t"] == pytest.approx(stats.ttest_rel(users, reference).statistic)
    means = per_user_means(runs)
    assert means.query("selection == @selection and system == @system")["n_seeds"].eq(len(kept)).all()


def test_paired_tests_refuse_different_user_sets(tmp_path):
    make_study(tmp_path, {"irgan-code": 0.4, "mle": 0.3}, seeds=(1,))
    directory = run_dir(tmp_path, DATASET, "test", "mle", 1)
    per_user = pd.read_csv(directory / "per_user.csv").iloc[:-3]
    curve = pd.read_csv(directory / "curve.csv")
    write_run(directory, per_user, curve, run_record(DATASET, "test", "mle", 1))
    runs = load_runs(tmp_path.glob(f"{DATASET}/runs/*/*/seed-*"))
    with pytest.raises(RunContractError, match="different users"):
        compare_systems(runs, SETTINGS)


# --------------------------------------------------------------------------- model selection, headline


def test_selection_optimism_from_curves_and_records(study, results):
    root, _ = study
    optimism = results["optimism"]
    directory = run_dir(root, DATASET, "validation", "irgan-code", 1)
    curve = pd.read_csv(directory / "curve.csv")
    selected = json.loads((directory / "record.json").read_text())["selected_epoch"]
    test = curve[(curve["model"] == "G") & (curve["split"] == "test")].set_index("epoch")["P@5"]
    row = optimism.query("selection == 'validation' and system == 'irgan-code' and seed == 1").iloc[0]
    assert row["model"] == "G" and row["selected_epoch"] == selected
    assert row["test_at_selected"] == pytest.approx(test[selected])
    assert row["optimism"] == pytest.approx(test.max() - test[selected]) and row["optimism"] >= 0
    assert row["best_test_epoch"] == test.idxmax()
    baseline = optimism.query("system == 'mle'")
    assert set(baseline["model"]) == {"mle"}
    selection, system, seed = DIVERGED
    assert optimism.query("selection == @selection and system == @system and seed == @seed").empty
    summary = results["optimism_summary"].query("selection == 'validation' and system == 'irgan-code'")
    summary = summary.iloc[0]
    per_seed = optimism.query("selection == 'validation' and system == 'irgan-code'")["optimism"]
    assert summary["optimism"] == pytest.approx(per_seed.mean())


def test_selection_falls_back_to_the_curve_when_the_record_has_no_epoch(tmp_path):
    make_study(tmp_path, {"irgan-code": 0.4}, seeds=(1,))
    directory = run_dir(tmp_path, DATASET, "validation", "irgan-code", 1)
    curve = pd.read_csv(directory / "curve.csv")
    record = run_record(DATASET, "validation", "irgan-code", 1)  # no selected epoch
    write_run(directory, pd.read_csv(directory / "per_user.csv"), curve, record)
    optimism = selection_optimism(load_runs([directory]))
    validation = curve[(curve["model"] == "G") & (curve["split"] == "validation")].set_index("epoch")["P@5"]
    assert optimism.iloc[0]["selected_epoch"] == validation.idxmax()


def test_headline_compares_the_reference_with_the_best_paper_baseline(results):
    summary = results["summary"].query("selection == 'test' and metric == 'P@5'").set_index("system")["mean"]
    best = summary[["mle", "bpr", "lambdafm"]].idxmax()
    headline = headline_comparison(results["summary"], results["comparisons"], SETTINGS, DATASET)
    assert headline["system"] == "irgan-code" and headline["reference"] == best
    assert headline["mean_diff"] == pytest.approx(summary["irgan-code"] - summary[best])
    json.dumps(headline)  # plain values only


def test_run_statistics_rejects_runs_of_another_dataset_and_unknown_metrics(study):
    _, runs = study
    with pytest.raises(RunContractError, match="given runs of"):
        run_statistics(runs, SETTINGS, "other")
    with pytest.raises(IrganError, match="headline.metric"):
        run_statistics(runs, StatisticsSettings.from_config({"headline": {"metric": "P@7"}}), DATASET)


def test_the_authors_code_is_compared_with_the_reference_only():
    from irgan.analysis.statistics import plan_comparisons

    systems = {"test": ["irgan-code", "irgan-frozen-d", "irgan-authors-code", "dns", "dns-authors-code"],
               "validation": ["irgan-code", "dns"]}
    plan = plan_comparisons(systems, "irgan-code", {}, (), ["irgan-authors-code", "dns-authors-code"])
    pairs = {(c.selection, c.system, c.reference) for c in plan}
    assert ("test", "irgan-authors-code", "irgan-code") in pairs  # the fidelity comparison
    assert not {p for p in pairs if "dns-authors-code" in p}  # never a baseline of the variants
    assert not {p for p in pairs if p[1] == "irgan-authors-code" and p[2] != "irgan-code"}
    assert ("test", "irgan-frozen-d", "dns") in pairs  # the study's own comparisons stay


FAMILIES_WITH_A_COMPARATOR = {
    "d-data-schedule": {"systems": ["irgan-schedule-redraw-d-sample*"],
                        "against": {"irgan-schedule-redraw-d-sample-own-dns": "irgan-pretrain-own-dns"}},
    "pre-training": {"systems": ["irgan-pretrain-*"]},
}


def test_a_family_member_is_compared_with_the_comparator_its_family_names():
    from irgan.analysis.statistics import comparator_of, plan_comparisons

    families = FAMILIES_WITH_A_COMPARATOR
    own, authors = "irgan-schedule-redraw-d-sample-own-dns", "irgan-schedule-redraw-d-sample"
    assert comparator_of(own, families, "irgan-code") == "irgan-pretrain-own-dns"
    assert comparator_of(authors, families, "irgan-code") == "irgan-code"
    systems = {"test": ["irgan-code", authors, own, "irgan-pretrain-own-dns"],
               "validation": ["irgan-code", own]}  # the comparator did not run under this rule
    plan = plan_comparisons(systems, "irgan-code", families)
    ablations = {(c.selection, c.system, c.reference, c.ablation_family)
                 for c in plan if c.kind == "ablation"}
    assert ("test", own, "irgan-pretrain-own-dns", "d-data-schedule") in ablations
    assert ("test", authors, "irgan-code", "d-data-schedule") in ablations
    assert not {a for a in ablations if a[1] == own and a[2] == "irgan-code"}  # never the reference
    assert not {a for a in ablations if a[0] == "validation" and a[1] == own}  # no comparator, no test


@pytest.mark.parametrize(("against", "message"), [
    ({"irgan-fast": "irgan-code"}, "is not a member of the family"),
    ({"irgan-pretrain-none": "irgan-code"}, "is not a member of the family"),  # an earlier family's
    ({"irgan-schedule-redraw-d-sample": "irgan-nonesuch"}, "the comparator 'irgan-nonesuch' is not"),
    ({"irgan-schedule-redraw-d-sample": "irgan-schedule-redraw-d-sample"}, "its own comparator"),
])
def test_a_bad_comparator_is_one_error_naming_its_key(against, message):
    from irgan.analysis.statistics import check_families
    from irgan.errors import ConfigError

    families = {"pre-training": {"systems": ["irgan-pretrain-*"]},
                "d-data-schedule": {"systems": ["irgan-schedule-*", "irgan-pretrain-none"],
                                    "against": against}}
    systems = ["irgan-fast", "irgan-pretrain-none", "irgan-schedule-redraw-d-sample"]
    with pytest.raises(ConfigError, match=r"key statistics\.families\.d-data-schedule\.against\.") as info:
        check_families(families, systems, "irgan-code")
    assert message in str(info.value)


def test_the_study_config_names_valid_comparators_and_groups_every_variant():
    from irgan.analysis.statistics import ablation_family_of, check_families
    from irgan.study.config import load_config

    config = load_config()
    families = config["statistics"]["families"]
    variants = [f"irgan-{v}" for v in config["irgan"]["variants"]]
    check_families(families, variants, config["statistics"]["reference"])
    grouped = {v: ablation_family_of(v, families) for v in variants if v != "irgan-code"}
    assert "other" not in grouped.values(), grouped
    assert grouped["irgan-temperature-0.5"] == "temperature"
    assert grouped["irgan-is-mix-0.5"] == "importance-sampling-mix" == grouped["irgan-is-mix-0"]
    assert grouped["irgan-reward-moving-baseline"] == "reward"
    assert grouped["irgan-batch-32"] == "g-batch"
    assert grouped["irgan-schedule-redraw-d-sample-own-dns"] == "d-data-schedule"
    for name in ("temperature", "importance-sampling-mix", "reward", "g-batch"):
        assert "geek-ai/irgan#" in families[name]["question"]
