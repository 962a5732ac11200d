"""The robustness target as a user runs it (a fresh copy of the repository)."""

from __future__ import annotations

import json

import pandas as pd

from tests.test_train_workflow import job_counts
from tests.test_workflow import checkout, snakemake  # noqa: F401  (fixture and runner)

SMALL = "robustness={seeds: [1, 2], systems: [dns, pop, ease]}"


def test_the_full_study_plans_robustness_as_a_separate_target(dry_run, study_plan):
    # the full study's job counts: the plan tests/test_workflow.py checks, without its job list
    study = job_counts(dry_run("--quiet", "rules").stdout)
    assert "robustness_statistics" not in study and study["prepare_dataset"] == 1
    dry = dry_run("robustness")
    assert dry.returncode == 0, dry.stderr
    counts = job_counts(dry.stdout)
    # the authors' split and 5 re-splits; 9 systems, 3 seeds, both rules (irgan-code, dns, mle
    # per rule; each baseline job fits both rules; irgan-tuned under the honest rule only, after a
    # search of its own on each split, which starts from the DNS of the tuning seed there); no
    # second download of the ratings
    assert counts["prepare_dataset"] == 6 and counts["statistics"] == 5
    assert counts["train_irgan"] == 6 * 2 * 3 and counts["pretrain"] == 6 * 2 * 2 * 3 + 6
    assert counts["tune"] == 6 and counts["train_tuned"] == 6 * 3
    assert counts["baseline"] == 6 * 5 * 3 and counts["robustness_statistics"] == 1
    assert "results/downloads/ml-100k-irgan-resplit" not in dry.stdout
    assert "results/ml-100k-irgan-resplit-1/runs/test/irgan-code/seed-1" in dry.stdout
    # the plan counts the same runs as jobs of kind robustness (none of them in the study yet)
    jobs = [job for job in study_plan() if job.kind == "robustness"]
    # re-splits: irgan-code, dns, mle, 5 baselines x 3 seeds; irgan-tuned x 3 seeds after its search
    # and the tuning seed's DNS (the authors' split's searches and tuned runs are the study's)
    assert len(jobs) == 5 * (6 + 6 + 6 + 5 * 3) + 5 * (3 + 1 + 1)


def test_the_robustness_target_writes_its_table_figure_and_sentence(checkout):  # noqa: F811
    run = snakemake(
        checkout, "--cores", "2", "robustness", "--configfile", "config/demo.yaml", "--config", SMALL
    )
    assert run.returncode == 0, run.stderr
    root = checkout / "results/demo/robustness/synthetic"
    systems = pd.read_csv(root / "statistics/systems.csv")
    assert set(systems["system"]) == {"dns", "pop", "ease"} and set(systems["metric"]) == {"P@5", "NDCG@5"}
    assert (systems["n_splits"] == 2).all() and set(systems["selection"]) == {"validation"}
    assert (systems.loc[systems["system"] != "dns", "sd_within"] == 0).all()  # deterministic baselines
    split_means = pd.read_csv(root / "statistics/split_means.csv")
    assert (
        set(split_means["split"].astype(str)) == {"original", "1", "2"}
        and (split_means["n_seeds"] == 2).all()
    )
    for fmt in ("md", "tex", "html", "csv"):
        assert (root / f"tables/robustness.{fmt}").stat().st_size > 0
    assert (root / "figures/robustness.png").stat().st_size > 0 and (
        root / "figures/robustness.pdf"
    ).is_file()
    sentence = json.loads((root / "robustness.json").read_text())["sentence"]
    assert "Kendall's W over the 2 re-splits" in sentence and "the original split" in sentence
    table = (root / "tables/robustness.md").read_text()
    assert "| `ease` |" in table and "SD between seeds" in table
    summary = json.loads((checkout / "results/demo/synthetic-resplit-2/data/summary.json").read_text())
    assert summary["resplit_of"] == "synthetic" and summary["split_seed"] == 2
    assert summary["provenance"]["seed"] == 2
    # each re-split's own statistics, through the ordinary rule
    assert (checkout / "results/demo/synthetic-resplit-1/statistics/summary.csv").is_file()
    assert not (checkout / "results/demo/paper").exists()  # the target runs no paper
