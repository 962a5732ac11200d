"""The training rules as a user runs them (demo config, a fresh copy of the repository)."""

from __future__ import annotations

import json
import re

import pandas as pd

from irgan.study.config import load_config
from tests.test_workflow import checkout, snakemake  # noqa: F401  (fixture and runner)


def job_counts(output: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", output, flags=re.M)}


def test_demo_plans_every_variant_and_its_pre_training(dry_run):
    plan = dry_run("--configfile", "config/demo.yaml")  # tests/test_conventions.py reads it, too
    assert plan.returncode == 0, plan.stderr
    counts = job_counts(plan.stdout)
    # every variant, 2 seeds: the reference `code` under both rules, the ablations under the
    # honest rule only (config/demo.yaml); no released start exists for the synthetic data
    n_variants = len(load_config("config/demo.yaml")["irgan"]["variants"])
    # and the robustness runs (robustness: in_study): irgan-code on 2 re-splits, honest, 2 seeds
    assert counts["train_irgan"] == 2 * 2 + (n_variants - 1) * 2 + 2 * 2
    assert "released_start" not in counts
    # dns and mle, 2 rules, 2 seeds (also baseline rows); dns on the 2 re-splits, honest, 2 seeds;
    # and the DNS of the tuning seed (honest rule) on the data and on each re-split (irgan-tuned
    # runs there after a search of its own)
    assert counts["pretrain"] == 2 * 2 * 2 + 2 * 2 + 1 + 2
    assert counts["tune"] == 6 + 2 and counts["train_tuned"] == 6 * 2 + 2 * 2
    assert counts["prepare_dataset"] == 3 and counts["robustness_statistics"] == 1
    assert counts["pretrain_discriminator"] == 2  # the D-pre-trained ablations run honest only


def test_one_irgan_run_end_to_end(checkout):  # noqa: F811
    run_dir = "results/demo/synthetic/runs/validation/irgan-code/seed-1"  # the demo's own root
    run = snakemake(checkout, "--cores", "2", f"{run_dir}/record.json", "--configfile", "config/demo.yaml")
    assert run.returncode == 0, run.stderr
    record = json.loads((checkout / run_dir / "record.json").read_text())
    assert record["status"] == "ok" and record["system"] == "irgan-code"
    # 5 x 10 G-epochs; G moves and the run selects a G-epoch well after the first (33 when measured)
    assert record["final_epoch"] == 50 and 1 < record["selected_epoch"] <= 50
    assert record["provenance"]["device"] == "cpu" and record["provenance"]["seed"] == 1
    assert record["hyperparameters"]["generator_init"] == "dns"
    assert record["details"]["schedule"]["regenerations"] == 1  # D on its first sample, as the code runs
    curve = pd.read_csv(checkout / run_dir / "curve.csv")
    assert set(curve.model) == {"G", "D"} and set(curve.split) == {"validation", "test"}
    per_user = pd.read_csv(checkout / run_dir / "per_user.csv")
    assert per_user["P@5"].mean() == record["test_metrics"]["P@5"]
    assert (checkout / run_dir / "model.pt").is_file() and not (checkout / run_dir / "resume.pt").exists()
    dns = json.loads((checkout / "results/demo/synthetic/runs/validation/dns/seed-1/record.json").read_text())
    assert dns["status"] == "ok" and dns["reported_model"] == "DNS"
    assert record["provenance"]["config"]["initial_models"]["generator"].endswith("dns/seed-1/model.pt")
    # the provenance of a training rule (irgan.jobs.training_run.train_step): its settings, then the run
    assert set(record["provenance"]["config"]) == {"irgan", "variant", "device", "dataset", "selection",
                                                   "initial_models"}
    assert set(dns["provenance"]["config"]) == {"pretraining", "device", "dataset", "selection"}
    assert dns["provenance"]["config"]["pretraining"]["dns"] == load_config(
        checkout / "config" / "demo.yaml")["pretraining"]["dns"]
    assert (dns["provenance"]["config"]["dataset"], dns["provenance"]["config"]["selection"]) == (
        "synthetic", "validation")
    log = (checkout / "results/demo/logs/train_irgan/synthetic/validation/code/seed-1.log").read_text()
    assert "outer epoch 5/5" in log
