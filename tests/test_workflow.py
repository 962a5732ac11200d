"""The Snakemake workflow as a user runs it, in a fresh copy of the repository."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

# SNAKEMAKE and snakemake live in conftest (the shared dry runs use them); imported from here by
# the other workflow tests.
from tests.conftest import SNAKEMAKE, fresh_checkout, mirror_dir, snakemake

__all__ = ["SNAKEMAKE", "checkout", "snakemake"]
# The study cut to the reference on one seed (over any config, as Snakemake merges --config): a DAG a
# fraction of the full study's, for what holds whatever the study's variants and seeds.
NARROW = "study={variants: [code], seeds: [1]}"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of the working tree, as a fresh clone would have it."""
    return fresh_checkout(tmp_path / "repo")


def test_full_study_plans_and_lints_clean(checkout, dry_run):
    plan = dry_run("--quiet", "rules")  # the plan tests/test_robustness_workflow.py counts, too
    assert plan.returncode == 0, plan.stderr
    lint = snakemake(checkout, "--lint")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "Congratulations" in lint.stdout + lint.stderr


def test_audit_from_the_mirror(checkout):
    mirror = mirror_dir()
    if mirror is None:
        pytest.skip("offline mirror not found")
    run = snakemake(checkout, "--cores", "2", "audit", mirror=mirror)
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(checkout / "results/ml-100k-irgan/audit/released_checkpoints.csv")
    assert len(table) == 16 and set(table.checkpoint) == {"model_dns_ori", "gan_generator"}
    assert (checkout / "results/ml-100k-irgan/audit/released_checkpoints.md").is_file()
    assert (checkout / "results/ml-100k-irgan/audit/released_checkpoints.provenance.json").is_file()
    summary = (checkout / "results/ml-100k-irgan/data/summary.json").read_text()
    assert '"test_users": 456' in summary and '"train_positives": 44140' in summary


def test_corrupt_mirror_file_fails_with_both_hashes_and_leaves_no_file(checkout, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "movielens-100k-train.txt").write_text("0\t0\t5\n")
    target = "results/downloads/ml-100k-irgan/movielens-100k-train.txt"
    run = snakemake(checkout, "--cores", "1", target, mirror=mirror)
    assert run.returncode != 0
    actual = hashlib.sha256(b"0\t0\t5\n").hexdigest()
    assert "checksum mismatch for movielens-100k-train.txt" in run.stderr
    assert f"got {actual}" in run.stderr and "expected sha256 81fdf6f0" in run.stderr
    assert not (checkout / target).exists()
    assert not list((checkout / "results/downloads/ml-100k-irgan").glob("*movielens*"))


def test_malformed_rating_line_fails_with_file_and_line_and_no_artifact(checkout, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "train.txt").write_text("0 0 5\n0 1 4\n1 x 3\n")
    (source / "test.txt").write_text("0 2 5\n1 1 4\n")
    sha = {n: hashlib.sha256((source / n).read_bytes()).hexdigest() for n in ("train.txt", "test.txt")}
    (checkout / "extra.yaml").write_text(
        "study: {datasets: [broken], seeds: [1]}\n"
        "datasets:\n  broken:\n    kind: ratings-split\n"
        f"    base_url: file://{source}/\n"
        f"    files: {{train.txt: {sha['train.txt']}, test.txt: {sha['test.txt']}}}\n"
        "    train_file: train.txt\n    test_file: test.txt\n"
        "    rating_scale: [1, 5]\n    positive_threshold: 4\n"
    )
    target = "results/broken/data/dataset.npz"
    run = snakemake(checkout, "--cores", "1", target, "--configfile", "extra.yaml")
    assert run.returncode != 0
    assert "results/downloads/broken/train.txt, line 3: non-numeric item id 'x'" in run.stderr
    assert not (checkout / target).exists()
    assert not (checkout / "results/broken/data/summary.json").exists()


def error_lines(run) -> list[str]:
    """What Snakemake printed, less its note that --configfile extends the default config."""
    return [line for line in (run.stdout + run.stderr).splitlines()
            if line.strip() and "is extended by additional config" not in line
            # Snakemake's own notice that it uses the default workflow profile (workflow/profiles/default)
            and not line.startswith("Using workflow specific profile")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("validation: {fraction: 1.5, min_user_positives: 5, seed: 1}\n",
         "bad.yaml: key validation.fraction: 1.5 is greater than or equal to the maximum of 1"),
        ("seeds: [1]\n", "bad.yaml: key seeds: unknown key"),
        ("irgan: {variants: {fast: {generator: {lrr: 0.1}}}}\n",
         "bad.yaml: key irgan.variants.fast.generator.lrr: unknown key (did you mean lr?)"),
        ("irgan: {variants: {fast: {reward: tanh}}}\n", "bad.yaml: key irgan.variants.fast.reward: 'tanh'"),
        ("evaluation: {cutoffs: [3, 10]}\n", "bad.yaml: key evaluation: removed"),
    ],
)
def test_a_bad_config_is_one_line_naming_file_and_key(checkout, text, expected):
    (checkout / "bad.yaml").write_text(text)
    run = snakemake(checkout, "-n", "--configfile", "bad.yaml")
    assert run.returncode != 0
    lines = error_lines(run)
    assert len(lines) == 1 and expected in lines[0], lines


def test_the_default_config_is_found_from_another_directory(checkout, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    snakefile = checkout / "workflow" / "Snakefile"
    # narrowed over the default config, which must still be found: the study alone does not validate
    run = subprocess.run([*SNAKEMAKE, "-s", str(snakefile), "-n", "--quiet", "rules", "--config", NARROW],
                         cwd=elsewhere, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "train_irgan" in run.stdout + run.stderr


def test_cuda_without_cuda_fails_at_planning_time(checkout):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    (checkout / "gpu.yaml").write_text("device: cuda\n")
    run = snakemake(checkout, "-n", "--configfile", "gpu.yaml")
    assert run.returncode != 0
    lines = error_lines(run)
    assert len(lines) == 1 and "gpu.yaml: key device: 'cuda' requested but CUDA is not available" in lines[0]


def test_adding_ml_1m_is_one_line(checkout):
    (checkout / "more.yaml").write_text("study: {datasets: [ml-100k-irgan, ml-1m], seeds: [1]}\n")
    plan = snakemake(checkout, "-n", "--configfile", "more.yaml", "--config", "study={variants: [code]}")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "results/downloads/ml-1m/ml-1m.zip" in plan.stdout
    assert "results/ml-1m/data/dataset.npz" in plan.stdout


def test_the_original_code_is_planned_for_every_configured_seed_and_can_be_switched_off(checkout):
    # the authors' code runs on authors_code.seeds whatever the study's variants and seeds
    plan = snakemake(checkout, "-n", "--config", NARROW, "authors_code={seeds: [1, 2, 3]}")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    for seed in (1, 2, 3):
        assert f"results/ml-100k-irgan/runs/test/irgan-authors-code/seed-{seed}/record.json" in plan.stdout
    stats = dict(re.findall(r"^(\w+)\s+(\d+)$", plan.stdout, re.MULTILINE))
    assert stats["run_authors_code"] == "3" and stats["fetch_authors_code"] == "6"
    off = snakemake(checkout, "-n", "--config", NARROW, "authors_code={seeds: []}")
    assert off.returncode == 0 and "run_authors_code" not in off.stdout
