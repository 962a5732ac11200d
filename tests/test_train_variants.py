"""The training settings: the authors' defaults, the variant registry, the schema's checks."""

from __future__ import annotations

import copy

import pytest

from irgan.config import load_config, validate_config
from irgan.errors import ConfigError
from irgan.variants import resolve_variant, study_runs, variant_names

FULL = load_config()
DEMO = load_config("config/demo.yaml")


def test_defaults_are_the_authors_code():
    s = resolve_variant(FULL["irgan"], "code")
    assert (s["generator_init"], s["discriminator_init"], s["reward"]) == ("dns", "random", "2sigmoid-1")
    assert s["model"] == {"dim": 5, "init_scale": 0.05} and s["outer_epochs"] == 15
    assert s["discriminator"] == {"epochs": 100, "regenerate_every": 5, "temperature": 0.2,
                                  "batch_triples": 16, "lr": 0.001, "l2": 0.1 / 16,
                                  "l2_per_example": True, "reuse_first_sample": False}
    assert s["generator"] == {"epochs": 50, "lr": 0.001, "l2": 0.0, "samples_per_positive": 2,
                              "positive_mix": 0.2, "batch_users": 1}
    assert s["selections"] == ["test", "validation"] and s["reward_baseline"] == "none"
    dns = FULL["pretraining"]["dns"]
    assert (dns["epochs"], dns["lr"], dns["l2"], dns["candidates"]) == (80, 0.05, 0.1, 5)


def test_every_variant_differs_from_the_code_only_where_it_says():
    base = resolve_variant(FULL["irgan"], "code")
    for name in variant_names(FULL["irgan"]):
        settings = resolve_variant(FULL["irgan"], name)
        overrides = {k for k in FULL["irgan"]["variants"][name] or {} if k != "description"}
        changed = {k for k in base if settings[k] != base[k]}
        assert changed <= overrides, name


def test_fast_is_a_variant_never_the_default():
    assert resolve_variant(FULL["irgan"], "fast")["generator"]["batch_users"] > 1
    assert FULL["irgan"]["defaults"]["generator"]["batch_users"] == 1


def test_study_grid():
    runs = study_runs(FULL)
    n_variants = len(variant_names(FULL["irgan"]))
    assert len(runs) == (n_variants - 1) * 2 * 5 + 5  # the released variant: test rule only
    assert ("ml-100k-irgan", "test", "pretrain-released", 3) in runs
    assert ("ml-100k-irgan", "validation", "pretrain-released", 3) not in runs
    demo = study_runs(DEMO)
    assert {v for _, _, v, _ in demo} == set(variant_names(DEMO["irgan"])) - {"pretrain-released"}
    # the demo: the reference under both rules, every ablation under the honest rule only
    assert {(selection, seed) for _, selection, v, seed in demo if v == "code"} == {
        ("test", 1), ("test", 2), ("validation", 1), ("validation", 2)}
    assert len(demo) == 2 * 2 + (n_variants - 2) * 2


def test_demo_shrinks_the_schedule_and_keeps_the_variants():
    s = resolve_variant(DEMO["irgan"], "reward-softplus")
    assert s["reward"] == "softplus" and s["outer_epochs"] == 2 and s["generator"]["lr"] == 0.001
    assert s["discriminator"]["batch_triples"] == 16 and s["discriminator"]["epochs"] == 4


def test_bad_variants_are_refused_with_the_key():
    with pytest.raises(ConfigError, match="unknown IRGAN variant 'nope'"):
        resolve_variant(FULL["irgan"], "nope")
    config = copy.deepcopy(FULL)
    config["irgan"]["variants"]["pretrain-released"]["selections"] = ["test", "validation"]
    with pytest.raises(ConfigError, match="selections"):
        resolve_variant(config["irgan"], "pretrain-released")
    config = copy.deepcopy(FULL)
    config["irgan"]["variants"]["reward-softplus"]["reward"] = "exp"
    with pytest.raises(ConfigError, match="irgan.variants.reward-softplus.reward"):
        validate_config(config)
    config = copy.deepcopy(FULL)
    config["irgan"]["defaults"]["generator"]["lr"] = -1
    with pytest.raises(ConfigError, match="irgan.defaults.generator.lr"):
        validate_config(config)
    config = copy.deepcopy(FULL)
    del config["pretraining"]["dns"]["candidates"]
    with pytest.raises(ConfigError, match="pretraining.dns"):
        validate_config(config)
