"""The torch-free half of the equal-budget tuning (:mod:`irgan.jobs.tune`): the names of tuned
systems, the ``tuning:`` section of the config and its cross-key checks, and the budgets table the
statistics read. Kept apart so that planning and the statistics' environment (no torch, no Optuna)
can use it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from irgan.errors import ConfigError

#: the config's schema (irgan.study.config.SCHEMA_PATH; not imported, so that this module stays torch-free)
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"

#: the suffix of a tuned system's name (``irgan-tuned``, ``bpr-tuned``)
TUNED_SUFFIX = "-tuned"
#: IRGAN's entry in ``tuning.systems`` (its tuned system is ``irgan-tuned``)
IRGAN = "irgan"
#: the pre-training rows that can be tuned, by the trainer of :mod:`irgan.train.dns` / :mod:`irgan.train.mle`
PRETRAINING = ("dns", "mle")
#: the selection rule every trial and every tuned run uses (never the test set)
TUNING_SELECTION = "validation"

def tuned_name(system: str) -> str:
    """The system name of ``system`` trained with its tuned configuration."""
    return f"{system}{TUNED_SUFFIX}"


def untuned_name(tuned: str) -> str:
    """``bpr-tuned`` -> ``bpr``."""
    if not tuned.endswith(TUNED_SUFFIX):
        raise ConfigError(f"{tuned!r} is not the name of a tuned system (…{TUNED_SUFFIX})")
    return tuned[: -len(TUNED_SUFFIX)]


@dataclass(frozen=True)
class TuningSettings:
    """The ``tuning:`` section of the config."""

    seed: int
    trials: int
    systems: tuple[str, ...]
    spaces: dict[str, dict[str, dict]]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TuningSettings:
        section = config.get("tuning") or {}
        return cls(seed=int(section.get("seed", 0)), trials=int(section.get("trials", 0)),
                   systems=tuple(section.get("systems", [])),
                   spaces={k: dict(v) for k, v in (section.get("spaces") or {}).items()})

    def space(self, system: str) -> dict[str, dict]:
        if system not in self.spaces:
            raise ConfigError(f"key tuning.spaces.{system}: missing (tuning.systems lists {system})")
        return self.spaces[system]


def check_tuning(config: Mapping[str, Any]) -> None:
    """Cross-key rules of ``tuning:`` a schema cannot express; one error naming the key.

    The tuning seed must not be a reporting seed (a configuration chosen on the seed it is then
    reported on would carry that seed's luck into the comparison); every tuned system needs a
    space; a space's bounds must be ordered and every value it can take must be one the system
    accepts (checked against the schema of the system's settings); IRGAN's tuned system may not
    collide with a variant's name.
    """
    if not config.get("tuning"):
        return
    settings = TuningSettings.from_config(config)
    seeds = list(config["study"]["seeds"])
    if settings.seed in seeds:
        raise ConfigError(f"key tuning.seed: {settings.seed} is one of the reporting seeds study.seeds "
                          f"({', '.join(map(str, seeds))}); tuning needs a seed of its own")
    for system in settings.systems:
        space = settings.space(system)
        if not space:
            raise ConfigError(f"key tuning.spaces.{system}: an empty space (nothing to tune)")
        for name, spec in space.items():
            key = f"tuning.spaces.{system}.{name}"
            if spec["type"] in ("float", "int"):
                if not spec["low"] < spec["high"]:
                    raise ConfigError(f"key {key}: low ({spec['low']}) must be below high ({spec['high']})")
                if spec.get("log") and spec["low"] <= 0:
                    raise ConfigError(f"key {key}.low: a log-scaled range needs low > 0, got {spec['low']}")
            for value in space_values(spec):
                problem = value_problem(system, name, value)
                if problem:
                    raise ConfigError(f"key {key}: {value!r} is not a valid value ({problem})")
    if IRGAN in settings.systems and "tuned" in config.get("irgan", {}).get("variants", {}):
        raise ConfigError("key irgan.variants.tuned: the name irgan-tuned is the tuned IRGAN's "
                          "(tuning.systems lists irgan); rename the variant")


def space_values(spec: Mapping[str, Any]) -> list[Any]:
    """The values that bound a parameter's range: both ends, or every choice."""
    return list(spec["choices"]) if spec["type"] == "categorical" else [spec["low"], spec["high"]]


#: where the schema describes the settings a system's space sets
SETTINGS_SCHEMA = {
    IRGAN: ("$defs", "irgan_settings"),
    "bpr": ("$defs", "baseline_pairwise"),
    "lambdafm": ("$defs", "baseline_lambdafm"),
    "ease": ("$defs", "baseline_ease"),
    "itemknn": ("$defs", "baseline_itemknn"),
    "mle": ("properties", "pretraining", "properties", "mle"),
    "dns": ("properties", "pretraining", "properties", "dns"),
}


@functools.lru_cache(maxsize=1)
def _schema() -> dict:
    """The config's schema, parsed once per process (every config check asks for it per setting)."""
    import yaml

    return yaml.safe_load(SCHEMA_PATH.read_text())


def value_problem(system: str, name: str, value: Any) -> str | None:
    """Why ``name = value`` is not a valid setting of ``system`` (None when it is)."""
    import jsonschema

    schema = _schema()  # read only below: the parts are copied before use
    where = SETTINGS_SCHEMA.get(system)
    if where is None:
        return f"{system} cannot be tuned (tunable: {', '.join(SETTINGS_SCHEMA)})"
    part = schema
    for key in where:
        part = part[key]
    part = {k: v for k, v in part.items() if k != "required"}  # one setting, not all of them
    document = set_path({}, name, value)
    validator = jsonschema.Draft202012Validator({**part, "$defs": schema["$defs"]})
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return errors[0].message if errors else None


def set_path(settings: dict, dotted: str, value: Any) -> dict:
    """``settings`` with ``a.b`` set to ``value`` (nested dicts created as needed); returned."""
    node = settings
    *parents, last = dotted.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return settings


# --------------------------------------------------------------------------- the statistics' view

BUDGET_COLUMNS = ["dataset", "system", "tuned_system", "trials", "converged", "diverged", "cpu_seconds",
                  "seconds", "best_score", "best_trial", "best_params", "metric", "seed", "sampler"]


def budgets_frame(records: list[Mapping[str, Any]]):
    """One row per search (``best.json``): the budget each system got and what it found."""
    import json

    import pandas as pd

    rows = []
    for record in records:
        best, budget = record.get("best"), record["budget"]
        rows.append({
            "dataset": record["dataset"], "system": record["system"], "tuned_system": record["tuned_system"],
            "trials": budget["trials"], "converged": budget["converged"], "diverged": budget["diverged"],
            "cpu_seconds": budget["cpu_seconds"], "seconds": budget["seconds"],
            "best_score": None if best is None else best["score"],
            "best_trial": None if best is None else best["number"],
            "best_params": "" if best is None else json.dumps(best["params"], sort_keys=True),
            "metric": record["metric"], "seed": record["seed"], "sampler": record["sampler"],
        })
    return pd.DataFrame(rows, columns=BUDGET_COLUMNS)


def read_budgets(paths: list[Any], dataset: str):
    """:func:`budgets_frame` of the ``best.json`` files of one dataset's searches."""
    import json
    from pathlib import Path

    records = [json.loads(Path(path).read_text()) for path in paths]
    other = sorted({r["dataset"] for r in records} - {dataset})
    if other:
        raise ConfigError(f"tuning records of dataset(s) {', '.join(other)} given for {dataset}")
    return budgets_frame(records)
