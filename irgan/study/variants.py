"""The study's IRGAN variants: named entries of ``config['irgan']['variants']`` over the defaults.

A variant is a partial settings dict merged over ``irgan.defaults`` (which
equal what the authors' cf_gan.py does when it runs), plus two keys that say
where it runs: ``selections`` (the model-selection rules it is trained under)
and an optional ``description``. The run of variant ``v`` is the system
``irgan-v`` of the run contract. A variant whose generator starts from the
authors' released checkpoint runs only on datasets that publish it.

``generator_init: authors`` (the default) is the authors' own start: their
released DNS checkpoint where the dataset publishes it and the run selects on
test (the file was itself chosen on the test set and trained on every training
positive, so the honest rule cannot start from it), this project's DNS
pre-training otherwise. ``start_of`` resolves it per dataset and rule.
"""

from __future__ import annotations

import copy
import re

from irgan.errors import ConfigError
from irgan.published import RELEASED_START_SYSTEM  # noqa: F401  (re-exported)
from irgan.train.settings import DISCRIMINATOR_INITS, GENERATOR_INITS  # noqa: F401  (re-exported)


def deep_merge(base: dict, override: dict) -> dict:
    """Recursive dict update, as Snakemake merges --configfile over the default config."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged

META_KEYS = ("description", "selections")
#: lower-case words and numbers joined by dashes; a dot only inside a number (temperature-0.5)
NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]|(?<=[0-9])\.(?=[0-9]))*$")


def variant_names(irgan_config: dict) -> list[str]:
    names = list(irgan_config.get("variants", {}))
    for name in names:
        if not NAME.match(name):
            raise ConfigError(f"key irgan.variants.{name}: a variant name must match {NAME.pattern}")
    return names


def resolve_variant(irgan_config: dict, name: str) -> dict:
    """The full settings of a variant: defaults with the variant's overrides merged in."""
    variants = irgan_config.get("variants", {})
    if name not in variants:
        raise ConfigError(f"unknown IRGAN variant {name!r}; the config has: {', '.join(variants)}")
    overrides = copy.deepcopy(variants[name] or {})
    settings = deep_merge(copy.deepcopy(irgan_config["defaults"]), overrides)
    settings.pop("description", None)
    if settings["generator_init"] not in GENERATOR_INITS:
        raise ConfigError(f"key irgan.variants.{name}.generator_init: {settings['generator_init']!r} "
                          f"is not one of {', '.join(GENERATOR_INITS)}")
    if settings["discriminator_init"] not in DISCRIMINATOR_INITS:
        raise ConfigError(f"key irgan.variants.{name}.discriminator_init: "
                          f"{settings['discriminator_init']!r} is not one of "
                          f"{', '.join(DISCRIMINATOR_INITS)}")
    if settings["generator_init"] == "released" and settings["selections"] != ["test"]:
        raise ConfigError(f"key irgan.variants.{name}.selections: the released checkpoint was selected "
                          "on the test split by its authors, so only the `test` rule can use it")
    return settings




def publishes_start(settings: dict, dataset_spec: dict) -> bool:
    """Whether the dataset publishes the released checkpoint the settings name."""
    return settings["released_checkpoint"] in dataset_spec.get("released_checkpoints", [])


def start_of(settings: dict, dataset_spec: dict, selection: str) -> str:
    """The generator's concrete start on a dataset under a selection rule (``authors`` resolved)."""
    kind = settings["generator_init"]
    if kind != "authors":
        return kind
    return "released" if selection == "test" and publishes_start(settings, dataset_spec) else "dns"


def settings_for_run(irgan_config: dict, name: str, dataset_spec: dict, selection: str) -> dict:
    """A variant's settings for one run, its generator start resolved (what the run records)."""
    settings = resolve_variant(irgan_config, name)
    settings["generator_init"] = start_of(settings, dataset_spec, selection)
    return settings


def runs_on(settings: dict, dataset_spec: dict) -> bool:
    """Whether a variant applies to a dataset (released-checkpoint variants need the file)."""
    if settings["generator_init"] != "released":
        return True
    return publishes_start(settings, dataset_spec)


def _chosen(known: list[str], chosen: list[str] | None, key: str, what: str) -> list[str]:
    """``known`` narrowed to ``chosen`` (in ``known``'s order); an unknown name is one error."""
    if chosen is None:
        return known
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ConfigError(f"key {key}: unknown {what} {', '.join(unknown)}; known: {', '.join(known)}")
    return [name for name in known if name in chosen]


def selected_variants(config: dict) -> list[str]:
    """The variants the study runs: ``study.variants`` when set (in the config's order), else all."""
    return _chosen(variant_names(config["irgan"]), config["study"].get("variants"), "study.variants",
                   "IRGAN variant(s)")


def selected_baselines(config: dict) -> list[str]:
    """The baseline systems the study runs: ``study.baselines`` when set, else every one of
    ``baselines.systems`` and the pre-training rows ``dns`` and ``mle``."""
    known = [*config.get("baselines", {}).get("systems", []), "dns", "mle"]
    return _chosen(known, config["study"].get("baselines"), "study.baselines", "baseline(s)")


#: the suffix of a system trained with the configuration its equal-budget search found
TUNED_SUFFIX = "-tuned"


def known_systems(config: dict) -> list[str]:
    """Every system the config defines: ``irgan-<variant>`` for each IRGAN variant, each entry of
    ``baselines.systems``, the pre-training rows ``dns`` and ``mle``, and ``<system>-tuned`` for
    each system of ``tuning.systems`` (``irgan`` -> ``irgan-tuned``)."""
    return ([f"irgan-{name}" for name in variant_names(config["irgan"])]
            + [*config.get("baselines", {}).get("systems", []), "dns", "mle"]
            + [f"{name}{TUNED_SUFFIX}" for name in (config.get("tuning") or {}).get("systems", [])])


def is_tuned(system: str) -> bool:
    """A ``<system>-tuned`` run: trained under the honest rule only (its search used validation)."""
    return system.endswith(TUNED_SUFFIX)


def study_runs(config: dict) -> list[tuple[str, str, str, int]]:
    """Every (dataset, selection, variant, seed) IRGAN run of the study (``study.variants``)."""
    runs = []
    irgan_config = config["irgan"]
    for dataset in config["study"]["datasets"]:
        spec = config["datasets"][dataset]
        for name in selected_variants(config):
            settings = resolve_variant(irgan_config, name)
            if not runs_on(settings, spec):
                continue
            for selection in settings["selections"]:
                for seed in config["study"]["seeds"]:
                    runs.append((dataset, selection, name, seed))
    return runs
