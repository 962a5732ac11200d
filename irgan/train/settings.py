"""Typed settings of the iterative methods, with their defaults in one place: these dataclasses.

A method reads its settings as a frozen dataclass (``s.lr``, ``s.model.dim``), never as a dict.
:meth:`Settings.from_dict` builds one from a config section (a missing key takes the default
below), and refuses an unknown key or a value of the wrong type or range with one
:class:`~irgan.errors.ConfigError` naming the key. ``config/config.yaml`` states the values the
study uses; a test checks they equal these defaults.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar, TypeVar

from irgan.errors import ConfigError

S = TypeVar("S", bound="Settings")


def setting(default: Any, *, minimum: float | None = None, positive: bool = False,
            choices: tuple | None = None, optional: bool = False) -> Any:
    """A field with its default and what a value must satisfy."""
    rules = {"minimum": minimum, "positive": positive, "choices": choices, "optional": optional}
    if isinstance(default, tuple | Settings):
        return field(default_factory=lambda: default, metadata=rules)
    return field(default=default, metadata=rules)


def _default(f) -> Any:
    return f.default_factory() if f.default is MISSING else f.default


@dataclass(frozen=True)
class Settings:
    """Base of every method's settings: validation and conversion to and from plain values."""

    section: ClassVar[str] = ""  # the config key, for error messages

    def __post_init__(self) -> None:
        for f in fields(self):
            self._check(f, getattr(self, f.name))

    def _check(self, f, value: Any) -> None:
        key, rules, default = f"key {self.section}.{f.name}", f.metadata, _default(f)
        if value is None and rules.get("optional"):
            return
        expected = type(default) if default is not None else int
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            object.__setattr__(self, f.name, float(value))
            value = float(value)
        elif expected is tuple and isinstance(value, list):
            object.__setattr__(self, f.name, tuple(value))
            value = tuple(value)
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigError(f"{key}: expected {expected.__name__}, got {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{key}: {value!r} is not finite")
        if rules.get("choices") is not None and value not in rules["choices"]:
            raise ConfigError(f"{key}: {value!r} is not one of {', '.join(map(str, rules['choices']))}")
        if rules.get("minimum") is not None and value < rules["minimum"]:
            raise ConfigError(f"{key}: {value!r} is below {rules['minimum']}")
        if rules.get("positive") and not value > 0:
            raise ConfigError(f"{key}: {value!r} must be positive")

    @classmethod
    def from_dict(cls: type[S], values: Mapping[str, Any] | S | None) -> S:
        """Settings from a config section: defaults for missing keys, one error for a bad one."""
        if isinstance(values, cls):
            return values
        values = dict(values or {})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ConfigError(f"key {cls.section}.{unknown[0]}: unknown setting "
                              f"(known: {', '.join(known)})")
        for name, value in values.items():
            default = _default(known[name])
            if isinstance(default, Settings):
                if not isinstance(value, Mapping | Settings):
                    raise ConfigError(f"key {cls.section}.{name}: expected a mapping, got {value!r}")
                values[name] = type(default).from_dict(value)
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """Plain values (lists for tuples): what a run's record keeps as its hyperparameters."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = (value.as_dict() if isinstance(value, Settings) else
                           list(value) if isinstance(value, tuple) else value)
        return out

    def replace(self: S, **changes: Any) -> S:
        return type(self).from_dict({**self.as_dict(), **changes})


BACKENDS = ("auto", "compiled", "torch")
SPLITS = ("validation", "test")


@dataclass(frozen=True)
class ModelSettings(Settings):
    """The MF model's size and the authors' init scale."""

    section: ClassVar[str] = "model"
    dim: int = setting(5, minimum=1)
    init_scale: float = setting(0.05, positive=True)


@dataclass(frozen=True)
class PretrainingSettings(Settings):
    """What every pre-training run has besides its schedule: its model and the curve's splits."""

    model: ModelSettings = setting(ModelSettings())
    curve_splits: tuple = setting(SPLITS)


@dataclass(frozen=True)
class DNSSettings(PretrainingSettings):
    """DNS pre-training, as the authors' cf_dns.py (irgan.train.dns): the pairwise step of
    irgan.train.pairwise, one triple per step in the authors' order."""

    section: ClassVar[str] = "pretraining.dns"
    epochs: int = setting(80, minimum=0)
    lr: float = setting(0.05, minimum=0)
    l2: float = setting(0.1, minimum=0)
    candidates: int = setting(5, minimum=1)  # uniform non-positives drawn; the best-scored is kept
    backend: str = setting("auto", choices=BACKENDS)


@dataclass(frozen=True)
class MLESettings(PretrainingSettings):
    """The generator's maximum-likelihood fit (irgan.train.mle)."""

    section: ClassVar[str] = "pretraining.mle"
    epochs: int = setting(60, minimum=0)
    optimizer: str = setting("adam", choices=("adam", "sgd"))
    lr: float = setting(0.01, minimum=0)
    weight_decay: float = setting(0.0, minimum=0)
    batch_users: int = setting(64, minimum=1)


@dataclass(frozen=True)
class DStepSettings(Settings):
    """D's SGD step (irgan.train.irgan_pointwise.discriminator_step): batches of (user, positive,
    negative) triples, l2 on the rows, counted once per example as TF1 sums the loss vector."""

    section: ClassVar[str] = "irgan.discriminator"
    batch_triples: int = setting(16, minimum=1)
    lr: float = setting(0.001, minimum=0)
    l2: float = setting(0.1 / 16, minimum=0)
    l2_per_example: bool = setting(True)


@dataclass(frozen=True)
class DiscriminatorPretrainingSettings(PretrainingSettings, DStepSettings):
    """D's pre-training on its own loss (irgan.train.irgan_pointwise): D's step, uniform negatives."""

    section: ClassVar[str] = "pretraining.discriminator"
    epochs: int = setting(30, minimum=0)
    lr: float = setting(0.05, minimum=0)
    negatives: str = setting("uniform", choices=("uniform",))
    backend: str = setting("auto", choices=BACKENDS)


@dataclass(frozen=True)
class PairwiseSettings(Settings):
    """BPR on biased MF (baselines.bpr): the pairwise step of irgan.train.pairwise on shuffled
    mini-batches; DNS is the same step with one triple per step in the authors' order."""

    section: ClassVar[str] = "baselines.bpr"
    epochs: int = setting(100, minimum=0)
    patience: int | None = setting(None, minimum=1, optional=True)  # epochs without a better one
    batch_size: int = setting(256, minimum=1)  # triples per step, a seeded shuffle each epoch
    lr: float = setting(0.05, minimum=0)
    l2: float = setting(0.01, minimum=0)
    dim: int = setting(5, minimum=1)
    init_scale: float = setting(0.05, positive=True)


@dataclass(frozen=True)
class LambdaFMSettings(PairwiseSettings):
    """LambdaFM's lambda surrogates on the same scorer and step (baselines.lambdafm)."""

    section: ClassVar[str] = "baselines.lambdafm"
    sampler: str = setting("dynamic", choices=("static", "dynamic", "weighted"))
    rho: float = setting(0.3, positive=True)
    m: int = setting(10, minimum=1)
    epsilon: float = setting(1.0)


GENERATOR_INITS = ("authors", "dns", "mle", "random", "released")
DISCRIMINATOR_INITS = ("random", "pretrained")
#: G's reward from D's logit: the code's 2 sigmoid - 1, D itself, log D, the paper's eq. (5)
#: log(1 + e^f), or the label (1 for a sampled training positive; no D)
REWARDS = ("2sigmoid-1", "sigmoid", "log-sigmoid", "softplus", "label")
#: what G's reward has subtracted before the policy gradient: nothing (the code: its 2 sigmoid - 1
#: is already sigmoid minus the constant 0.5, doubled), the user's mean reward over the step's
#: samples, or a moving average of the steps' mean rewards (a learned baseline; it starts at 0,
#: the code's constant, and follows ``reward_baseline_decay``)
REWARD_BASELINES = ("none", "mean", "moving-average")


@dataclass(frozen=True)
class IRGANDiscriminatorSettings(DStepSettings):
    """D's part of the schedule (defaults: the authors' cf_gan.py)."""

    epochs: int = setting(100, minimum=0)  # D-epochs per outer epoch
    regenerate_every: int = setting(5, minimum=1)
    temperature: float = setting(0.2, positive=True)
    reuse_first_sample: bool = setting(True)


@dataclass(frozen=True)
class GeneratorSettings(Settings):
    """G's part of the schedule (defaults: the authors' cf_gan.py)."""

    section: ClassVar[str] = "irgan.generator"
    epochs: int = setting(50, minimum=0)
    lr: float = setting(0.001, minimum=0)
    l2: float = setting(0.0, minimum=0)
    samples_per_positive: int = setting(2, minimum=1)
    positive_mix: float = setting(0.2, minimum=0)
    batch_users: int = setting(1, minimum=1)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.positive_mix >= 1:
            raise ConfigError(f"key {self.section}.positive_mix: {self.positive_mix!r} must be below 1")


@dataclass(frozen=True)
class CurveSettings(Settings):
    """What the learning curve holds."""

    section: ClassVar[str] = "irgan.curve"
    splits: tuple = setting(SPLITS)
    metrics: str = setting("cutoff", choices=("cutoff", "full"))


@dataclass(frozen=True)
class IRGANSettings(Settings):
    """IRGAN pointwise (irgan.train.irgan_pointwise): the defaults are what cf_gan.py does when it runs,
    quirks included; a variant of the study overrides some of them."""

    section: ClassVar[str] = "irgan"
    generator_init: str = setting("authors", choices=GENERATOR_INITS)
    discriminator_init: str = setting("random", choices=DISCRIMINATOR_INITS)
    released_checkpoint: str = setting("model_dns_ori.pkl")
    train_discriminator: bool = setting(True)
    reward: str = setting("2sigmoid-1", choices=REWARDS)
    reward_baseline: str = setting("none", choices=REWARD_BASELINES)
    # b <- decay * b + (1 - decay) * (the step's mean reward), after the step used b
    reward_baseline_decay: float = setting(0.99, positive=True)
    model: ModelSettings = setting(ModelSettings())
    outer_epochs: int = setting(15, minimum=0)
    discriminator: IRGANDiscriminatorSettings = setting(IRGANDiscriminatorSettings())
    generator: GeneratorSettings = setting(GeneratorSettings())
    curve: CurveSettings = setting(CurveSettings())
    backend: str = setting("auto", choices=BACKENDS)
    selections: tuple = setting(SPLITS[::-1])

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 < self.reward_baseline_decay < 1:
            raise ConfigError(f"key {self.section}.reward_baseline_decay: {self.reward_baseline_decay!r} "
                              "must lie strictly between 0 and 1")

    @property
    def uses_discriminator(self) -> bool:
        """The label reward needs no D."""
        return self.reward != "label"
