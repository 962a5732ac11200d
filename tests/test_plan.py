"""Subsets from the command line (study.variants, study.baselines) and the plan helper."""

from __future__ import annotations

import re

import pytest

from irgan.errors import ConfigError
from irgan.study.config import load_config
from irgan.study.plan import load, main, plan
from irgan.study.variants import selected_baselines, selected_variants, study_runs
from tests.conftest import REPO
from tests.test_train_workflow import job_counts
from tests.test_workflow import checkout, snakemake  # noqa: F401  (fixture and runner)

DEMO = str(REPO / "config" / "demo.yaml")


def test_every_variant_and_baseline_runs_unless_the_study_names_some():
    config = load_config(DEMO)
    assert selected_variants(config) == list(config["irgan"]["variants"])
    assert selected_baselines(config) == [*config["baselines"]["systems"], "dns", "mle"]


def test_study_variants_and_baselines_choose_the_runs_in_the_config_order():
    config = load(["config/demo.yaml"], ["study={variants: [frozen-d, code], baselines: [bpr, dns]}"])
    assert selected_variants(config) == ["code", "frozen-d"]
    assert selected_baselines(config) == ["bpr", "dns"]
    runs = study_runs(config)
    assert {variant for _, _, variant, _ in runs} == {"code", "frozen-d"}
    assert len(runs) == 2 * 2 + 1 * 2  # code under both rules, frozen-d honest only, 2 seeds


@pytest.mark.parametrize(("override", "message"), [
    ("study={variants: [cod]}", r"key study.variants: unknown IRGAN variant\(s\) cod; known: code"),
    ("study={baselines: [knn]}", r"key study.baselines: unknown baseline\(s\) knn; known: pop"),
])
def test_an_unknown_variant_or_baseline_is_one_error_naming_it(override, message):
    with pytest.raises(ConfigError, match=message):
        load([], [override])


def test_the_plan_counts_the_jobs_and_estimates_their_time(capsys):
    assert main(["--configfile", DEMO]) == 0
    out = capsys.readouterr().out
    assert "results in results/demo/" in out
    counts = {m[2]: int(m[1]) for m in re.finditer(r"^\s*(\d+)\s+(\w+)\s", out, flags=re.M)}
    assert counts["train_irgan"] == 2 * 2 + 22 * 2 and counts["baseline"] == 10
    assert counts["pretrain"] == 8 + 1  # dns and mle x 2 rules x 2 seeds, and the tuning seed's DNS
    assert counts["tune"] == 6 and counts["train_tuned"] == 6 * 2  # every tuned system, every seed
    minutes = float(re.search(r"about ([\d.]+) min on 2 idle cores", out)[1])
    assert 0.5 < minutes < 5  # the demo: a few minutes


def test_the_plan_follows_the_subset_and_the_full_study_takes_longer(capsys, study_plan):
    small = plan(load([DEMO], ["study={variants: [code], baselines: [pop], seeds: [1]}"]))
    assert [job.kind for job in small].count("train_irgan") == 2
    assert {job.name for job in small if job.kind == "baseline"} == {"pop"}
    assert {job.name for job in small if job.kind == "pretrain"} == {"dns"}  # code starts from DNS
    full = study_plan()
    assert sum(job.seconds for job in full) > 10 * sum(job.seconds for job in study_plan((DEMO,)))
    assert any(job.kind == "start_match" for job in full)


def test_snakemake_plans_only_the_chosen_variants_and_baselines(checkout):  # noqa: F811
    chosen = "study={variants: [code, frozen-d], baselines: [pop]}"
    # the tuned systems are chosen by tuning.systems and the demo's robustness runs have systems of
    # their own (robustness.systems): both switched off here
    dry = snakemake(checkout, "-n", "--configfile", "config/demo.yaml", "--config", chosen,
                    "robustness={in_study: false, systems: [irgan-code, dns, pop, ease]}",
                    "tuning={systems: []}")
    assert dry.returncode == 0, dry.stderr
    counts = job_counts(dry.stdout)
    assert counts["train_irgan"] == 2 * 2 + 2 and counts["baseline"] == 2
    assert "irgan-pretrain-none" not in dry.stdout and "lambdafm" not in dry.stdout
    bad = snakemake(checkout, "-n", "--configfile", "config/demo.yaml", "--config", "study={variants: [cod]}")
    assert bad.returncode == 1 and "unknown IRGAN variant(s) cod" in bad.stderr


def test_the_plan_counts_the_original_code_per_seed_with_the_references_schedule(study_plan):
    full = [job for job in study_plan() if job.name == "irgan-authors-code"]
    assert len(full) == 3
    dns = [job for job in study_plan() if job.name == "dns-authors-code"]
    assert len(dns) == 2
    short = plan(load([], ["irgan={defaults: {outer_epochs: 3}}"]))
    shorter = [job for job in short if job.name == "irgan-authors-code"]
    assert shorter[0].seconds < full[0].seconds / 3  # 3 of 15 outer epochs, plus the start-up
    off = plan(load([], ["authors_code={seeds: [], dns_seeds: []}"]))
    assert not [job for job in off if job.kind == "authors_code"]
    assert not [job for job in study_plan((DEMO,)) if job.kind == "authors_code"]  # synthetic data


def test_a_tuned_system_without_its_tuning_is_one_error_saying_what_to_do(checkout):  # noqa: F811
    dry = snakemake(checkout, "-n", "--configfile", "config/demo.yaml", "--config", "tuning={systems: []}")
    assert dry.returncode != 0
    assert "key robustness.systems: unknown system(s) irgan-tuned" in dry.stderr
    assert "tuning.systems names it" in dry.stderr
