"""Loading and validating the study configuration outside Snakemake (same schema, same rules)."""

from __future__ import annotations

import os
from pathlib import Path

import jsonschema
import yaml

from irgan.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = REPO_ROOT / "config" / "config.schema.yaml"
DEFAULT_CONFIG = REPO_ROOT / "config" / "config.yaml"


def deep_merge(base: dict, override: dict) -> dict:
    """Recursive dict update, as Snakemake merges --configfile over the default config."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def validate_config(config: dict, source: str = "config") -> dict:
    """Raise one :class:`ConfigError` naming the first offending key; return the config."""
    schema = yaml.safe_load(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        error = jsonschema.exceptions.best_match(errors)
        key = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ConfigError(f"{source}: invalid value at key {key}: {error.message}")
    _check_references(config, source)
    return config


def _check_references(config: dict, source: str) -> None:
    """Cross-key rules a JSON schema cannot express."""
    datasets = config["datasets"]
    for name in config["study"]["datasets"]:
        if name not in datasets:
            raise ConfigError(
                f"{source}: key study.datasets names {name!r}, "
                f"which is not in datasets ({', '.join(sorted(datasets))})"
            )
    for name, spec in datasets.items():
        low, high = spec["rating_scale"]
        if not low < high:
            raise ConfigError(
                f"{source}: key datasets.{name}.rating_scale must be [low, high] "
                f"with low < high, got {spec['rating_scale']}"
            )
        if not low < spec["positive_threshold"] <= high:
            raise ConfigError(
                f"{source}: key datasets.{name}.positive_threshold "
                f"{spec['positive_threshold']} lies outside the rating scale ({low}, {high}]"
            )
        if "files" in spec:
            named = [spec.get(k) for k in ("train_file", "test_file", "archive")]
            named = [n for n in named if n] + list(spec.get("released_checkpoints", []))
            for filename in named:
                if filename not in spec["files"]:
                    raise ConfigError(
                        f"{source}: key datasets.{name} names file {filename!r}, "
                        f"which has no sha256 in datasets.{name}.files"
                    )


def load_config(*paths: str | os.PathLike) -> dict:
    """The default config with each file in ``paths`` merged over it, validated."""
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    for path in paths:
        try:
            override = yaml.safe_load(Path(path).read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{path}: cannot read config: {exc}") from exc
        config = deep_merge(config, override)
    return validate_config(config, ", ".join(str(p) for p in paths) or str(DEFAULT_CONFIG))


def dataset_spec(config: dict, name: str) -> dict:
    try:
        return config["datasets"][name]
    except KeyError:
        known = ", ".join(sorted(config.get("datasets", {})))
        raise ConfigError(f"unknown dataset {name!r}; the registry has: {known}") from None
