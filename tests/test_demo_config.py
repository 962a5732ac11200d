"""The demo (config/demo.yaml): a miniature of the full study in its own results root."""

from __future__ import annotations

from irgan.study.config import load_config, read_yaml
from tests.conftest import REPO

FULL = load_config(REPO / "config" / "config.yaml")
DEMO = load_config(REPO / "config" / "demo.yaml")
DEMO_OVERLAY = read_yaml(REPO / "config" / "demo.yaml")


def test_the_demo_writes_to_its_own_results_root():
    assert FULL["results"] == "results"
    assert DEMO["results"] == "results/demo" != FULL["results"]


def test_the_demo_runs_every_variant_of_the_full_study_with_the_same_rules():
    assert list(DEMO["irgan"]["variants"]) == list(FULL["irgan"]["variants"])
    assert DEMO["study"]["datasets"] == ["synthetic"] and len(DEMO["study"]["seeds"]) >= 2
    both = ["test", "validation"]
    assert DEMO["irgan"]["variants"]["code"].get("selections", both) == both
    assert DEMO["baselines"]["systems"] == FULL["baselines"]["systems"]
    assert DEMO["statistics"]["reference"] == FULL["statistics"]["reference"]


def test_the_demo_changes_only_schedule_sizes_and_learning_rates_of_the_authors_defaults():
    """irgan.defaults are what the authors' code does; the demo shortens and speeds it, no more."""
    defaults = DEMO_OVERLAY["irgan"]["defaults"]
    assert set(defaults) == {"outer_epochs", "discriminator", "generator"}
    assert set(defaults["discriminator"]) <= {"epochs", "regenerate_every", "lr"}
    assert set(defaults["generator"]) <= {"epochs", "lr"}
    full, demo = FULL["irgan"]["defaults"], DEMO["irgan"]["defaults"]
    for key in ("reward", "generator_init", "discriminator_init", "train_discriminator", "model"):
        assert demo[key] == full[key], key
    assert demo["discriminator"]["reuse_first_sample"] is True  # D on its first sample, as the code runs
    assert demo["discriminator"]["temperature"] == full["discriminator"]["temperature"]
    assert demo["generator"]["positive_mix"] == full["generator"]["positive_mix"]


def test_the_demo_schedule_moves_the_generator_about_as_far_as_the_full_one():
    """G's steps x lr per user within a factor of two of the full schedule's (750 x 0.001)."""
    def travel(c):
        s = c["irgan"]["defaults"]
        return s["outer_epochs"] * s["generator"]["epochs"] * s["generator"]["lr"]

    assert 0.5 <= travel(DEMO) / travel(FULL) <= 2
    demo = DEMO["irgan"]["defaults"]
    assert demo["outer_epochs"] * (demo["discriminator"]["epochs"] + demo["generator"]["epochs"]) <= 200


def test_the_demo_data_are_small_enough_for_minutes_on_two_cores():
    data = DEMO["datasets"]["synthetic"]
    assert data["kind"] == "synthetic"
    assert data["n_users"] * data["n_items"] <= 400 * 400
    assert data["density"] * data["n_items"] >= 30  # enough ratings per user for a validation carve
