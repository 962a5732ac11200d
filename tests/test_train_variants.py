"""The training settings: the authors' defaults, the variant registry, the schema's checks."""

from __future__ import annotations

import copy

import pytest

from irgan.errors import ConfigError
from irgan.study.config import load_config, validate_config
from irgan.study.variants import resolve_variant, settings_for_run, study_runs, variant_names

FULL = load_config()
DEMO = load_config("config/demo.yaml")


def test_defaults_are_the_authors_code_as_it_runs():
    s = resolve_variant(FULL["irgan"], "code")
    assert (s["generator_init"], s["discriminator_init"], s["reward"]) == ("authors", "random", "2sigmoid-1")
    assert s["model"] == {"dim": 5, "init_scale": 0.05} and s["outer_epochs"] == 15
    # linecache keeps D on its first sample: the code as it runs, not as it reads
    assert s["discriminator"] == {"epochs": 100, "regenerate_every": 5, "temperature": 0.2,
                                  "batch_triples": 16, "lr": 0.001, "l2": 0.1 / 16,
                                  "l2_per_example": True, "reuse_first_sample": True}
    assert resolve_variant(FULL["irgan"], "schedule-redraw-d-sample")["discriminator"][
        "reuse_first_sample"] is False
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


def test_the_authors_start_is_their_released_file_under_the_paper_protocol_only():
    ml100k, synthetic = FULL["datasets"]["ml-100k-irgan"], FULL["datasets"]["synthetic"]
    for variant in ("code", "reward-softplus", "frozen-d", "schedule-redraw-d-sample"):
        assert settings_for_run(FULL["irgan"], variant, ml100k, "test")["generator_init"] == "released"
        assert settings_for_run(FULL["irgan"], variant, ml100k, "validation")["generator_init"] == "dns"
        assert settings_for_run(FULL["irgan"], variant, synthetic, "test")["generator_init"] == "dns"
    # the named own-DNS start, and the pre-training ablations, keep their start everywhere
    assert settings_for_run(FULL["irgan"], "pretrain-own-dns", ml100k, "test")["generator_init"] == "dns"
    assert settings_for_run(FULL["irgan"], "pretrain-both", ml100k, "test")["generator_init"] == "mle"


def test_study_grid():
    runs = study_runs(FULL)
    n_variants = len(variant_names(FULL["irgan"]))
    assert len(runs) == n_variants * 2 * 5
    assert ("ml-100k-irgan", "test", "code", 3) in runs
    assert ("ml-100k-irgan", "validation", "pretrain-own-dns", 3) in runs
    demo = study_runs(DEMO)
    assert {v for _, _, v, _ in demo} == set(variant_names(DEMO["irgan"]))
    # the demo: the reference under both rules, every ablation under the honest rule only
    assert {(selection, seed) for _, selection, v, seed in demo if v == "code"} == {
        ("test", 1), ("test", 2), ("validation", 1), ("validation", 2)}
    assert len(demo) == 2 * 2 + (n_variants - 1) * 2


def test_demo_shrinks_the_schedule_and_keeps_the_variants():
    s = resolve_variant(DEMO["irgan"], "reward-softplus")
    assert s["reward"] == "softplus" and s["outer_epochs"] == 5 and s["generator"]["lr"] == 0.01
    assert s["discriminator"]["batch_triples"] == 16 and s["discriminator"]["epochs"] == 10
    assert s["discriminator"]["lr"] == 0.02


def test_bad_variants_are_refused_with_the_key():
    with pytest.raises(ConfigError, match="unknown IRGAN variant 'nope'"):
        resolve_variant(FULL["irgan"], "nope")
    config = copy.deepcopy(FULL)
    config["irgan"]["variants"]["released-everywhere"] = {"generator_init": "released"}
    with pytest.raises(ConfigError, match="selections"):
        resolve_variant(config["irgan"], "released-everywhere")
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
