"""Typed settings: defaults in one place, equal to what config/config.yaml states; bad keys named."""

from __future__ import annotations

import pytest

from irgan.errors import ConfigError
from irgan.study.config import load_config
from irgan.train.settings import (
    DiscriminatorPretrainingSettings,
    DNSSettings,
    LambdaFMSettings,
    MLESettings,
    PairwiseSettings,
)


@pytest.mark.parametrize("name, cls", [("dns", DNSSettings), ("mle", MLESettings),
                                       ("discriminator", DiscriminatorPretrainingSettings)])
def test_the_config_states_the_dataclass_defaults(name, cls):
    config = load_config()
    assert config["pretraining"][name] == cls().as_dict()
    assert cls.from_dict(config["pretraining"][name]) == cls()


def test_missing_keys_take_the_defaults_and_ints_become_floats():
    s = DNSSettings.from_dict({"epochs": 3, "lr": 1, "model": {"dim": 8}})
    assert (s.epochs, s.lr, s.l2, s.model.dim, s.model.init_scale) == (3, 1.0, 0.1, 8, 0.05)
    assert isinstance(s.lr, float) and s.curve_splits == ("validation", "test")
    assert s.replace(l2=0.5).l2 == 0.5 and s.l2 == 0.1


@pytest.mark.parametrize("cls, values, message", [
    (DNSSettings, {"learning_rate": 0.1}, r"key pretraining\.dns\.learning_rate: unknown setting"),
    (DNSSettings, {"model": {"size": 3}}, r"key model\.size: unknown setting"),
    (DNSSettings, {"lr": -0.1}, r"key pretraining\.dns\.lr: -0\.1 is below 0"),
    (DNSSettings, {"candidates": 0}, r"key pretraining\.dns\.candidates: 0 is below 1"),
    (DNSSettings, {"epochs": 2.5}, r"key pretraining\.dns\.epochs: expected int"),
    (DNSSettings, {"epochs": True}, r"key pretraining\.dns\.epochs: expected int"),
    (DNSSettings, {"l2": float("nan")}, r"key pretraining\.dns\.l2: nan is not finite"),
    (DNSSettings, {"backend": "gpu"}, r"key pretraining\.dns\.backend: 'gpu' is not one of auto"),
    (MLESettings, {"optimizer": "lbfgs"}, r"key pretraining\.mle\.optimizer: 'lbfgs' is not one of adam"),
    (DiscriminatorPretrainingSettings, {"negatives": "popular"}, r"negatives: 'popular' is not one of"),
    (PairwiseSettings, {"patience": 0}, r"key baselines\.bpr\.patience: 0 is below 1"),
    (LambdaFMSettings, {"rho": 0}, r"key baselines\.lambdafm\.rho: 0\.0 must be positive"),
])
def test_bad_settings_give_one_error_naming_the_key(cls, values, message):
    with pytest.raises(ConfigError, match=message):
        cls.from_dict(values)


def test_optional_settings_accept_none():
    assert PairwiseSettings.from_dict({"patience": None}).patience is None
    assert PairwiseSettings.from_dict({"patience": 3}).patience == 3


def test_the_irgan_defaults_are_the_configs_and_every_reward_has_an_implementation():
    from irgan.train import kernels
    from irgan.train.irgan_pointwise import REWARD_CHOICES, REWARDS
    from irgan.train.settings import REWARDS as NAMES
    from irgan.train.settings import IRGANSettings

    assert load_config()["irgan"]["defaults"] == IRGANSettings().as_dict()
    assert set(NAMES) == set(REWARD_CHOICES) == {*REWARDS, "label"} == set(kernels.REWARD_CODES)


@pytest.mark.parametrize("values, message", [
    ({"generator": {"positive_mix": 1.0}}, r"key irgan\.generator\.positive_mix: 1\.0 must be below 1"),
    ({"discriminator": {"regenerate_every": 0}}, r"key irgan\.discriminator\.regenerate_every: 0 is below 1"),
    ({"reward": "hinge"}, r"key irgan\.reward: 'hinge' is not one of"),
    ({"generator": {"steps": 3}}, r"key irgan\.generator\.steps: unknown setting"),
])
def test_bad_irgan_settings_are_named(values, message):
    from irgan.train.settings import IRGANSettings

    with pytest.raises(ConfigError, match=message):
        IRGANSettings.from_dict(values)
