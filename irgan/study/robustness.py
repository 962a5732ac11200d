"""Robustness over splits: the ``robustness:`` section of the config, turned into datasets and runs.

The authors' MovieLens-100k split is one 80/20 split of the 100,000 ratings. The section names
registered datasets (``datasets``) and split seeds (``splits``); each pair becomes a generated
registry entry ``<dataset>-resplit-<seed>`` of kind ``resplit``: the union of the base dataset's
train and test ratings, split again per user with that seed (:func:`irgan.data.registry.resplit`).
A generated entry reads the base dataset's downloaded files (no second download) and never
inherits ``released_checkpoints``: the released start was trained on the base's training split
and would leak a re-split's test ratings into its training, so the reference IRGAN
(``generator_init: authors``) starts from this project's DNS there (:func:`irgan.study.variants.start_of`).

The systems of ``robustness.systems`` run on every re-split, and on the base dataset beside them,
for ``robustness.seeds`` under ``robustness.selections``; :mod:`irgan.report.robustness` turns
their runs into the robustness table, figure and sentence. Torch-free: the Snakefile and the
config check import it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from irgan.errors import ConfigError
from irgan.protocol import HONEST_SELECTION

KIND = "resplit"
#: keys of a base dataset that a re-split does not take over: its released checkpoints were
#: trained on the base's own training split (a leak), its description is replaced
NOT_INHERITED = ("released_checkpoints", "description")


def resplit_name(dataset: str, split: int) -> str:
    """The registry name of split seed ``split`` of ``dataset``."""
    return f"{dataset}-{KIND}-{split}"


def section(config: Mapping) -> dict:
    """The ``robustness:`` section (empty when the config has none)."""
    return dict(config.get("robustness") or {})


def resplit_spec(datasets: Mapping[str, Mapping], base: str, split: int, test_fraction: float) -> dict:
    """The generated registry entry of one re-split of ``base`` (see the module's docstring)."""
    if base not in datasets:
        raise ConfigError(
            f"key robustness.datasets names {base!r}, which is not in datasets "
            f"({', '.join(sorted(datasets))})"
        )
    base_spec = copy.deepcopy(dict(datasets[base]))
    if base_spec.get("kind") == KIND:
        raise ConfigError(f"key robustness.datasets: {base!r} is itself a re-split")
    for key in NOT_INHERITED:
        base_spec.pop(key, None)
    spec = {
        "kind": KIND,
        "description": (
            f"The ratings of {base} (its train and test splits together), split again per "
            f"user with seed {split}: {test_fraction:.0%} of each user's ratings to test."
        ),
        "base": base,
        "base_spec": base_spec,
        "split_seed": int(split),
        "test_fraction": float(test_fraction),
        "rating_scale": list(base_spec["rating_scale"]),
        "positive_threshold": base_spec["positive_threshold"],
    }
    for key in ("n_users", "n_items", "id_base"):  # the base's id space: runs stay comparable
        if key in base_spec:
            spec[key] = base_spec[key]
    return spec


def resplit_specs(config: Mapping) -> dict[str, dict]:
    """Every generated re-split entry of the config, by name (empty without a robustness section)."""
    robust = section(config)
    datasets = config["datasets"]
    specs: dict[str, dict] = {}
    for base in robust.get("datasets", []):
        for split in robust.get("splits", []):
            name = resplit_name(base, split)
            if name in datasets:
                raise ConfigError(
                    f"key robustness.splits: the generated dataset {name!r} is already a "
                    "key of datasets; rename that entry"
                )
            specs[name] = resplit_spec(datasets, base, split, robust.get("test_fraction", 0.2))
    return specs


def registry(config: Mapping) -> dict[str, dict]:
    """The registered datasets and the generated re-splits: what rules look a dataset up in."""
    return {**config["datasets"], **resplit_specs(config)}


def source_dataset(name: str, spec: Mapping) -> str:
    """The dataset whose downloads ``name`` reads: its base for a re-split, else itself."""
    return spec["base"] if spec.get("kind") == KIND else name


def source_spec(spec: Mapping) -> Mapping:
    """The spec that names the downloaded files: the base's for a re-split."""
    return spec["base_spec"] if spec.get("kind") == KIND else spec


def check(config: Mapping, source: str) -> None:
    """Cross-key rules of the section (the schema checks types): the base datasets exist, the
    generated names are free, every system is one the config defines and can run on a re-split,
    and baselines run under the section's selection rules."""
    robust = section(config)
    if not robust:
        return
    from irgan.study.variants import known_systems, resolve_variant

    try:
        resplit_specs(config)  # the bases exist and the generated names are free
        known = known_systems(config)
        unknown = [system for system in robust.get("systems", []) if system not in known]
        if unknown:
            tuned = [system for system in unknown if system.endswith("-tuned")]
            hint = (f" ({', '.join(tuned)}: a tuned system exists only while tuning.systems names it; "
                    "add it there or drop it from robustness.systems)" if tuned else "")
            raise ConfigError(
                f"key robustness.systems: unknown system(s) {', '.join(unknown)}{hint}; this config "
                f"defines: {', '.join(known)}"
            )
        for system in robust.get("systems", []):
            if system.startswith("irgan-") and system.removeprefix("irgan-") in config["irgan"]["variants"]:
                settings = resolve_variant(config["irgan"], system.removeprefix("irgan-"))
                if settings["generator_init"] == "released":
                    raise ConfigError(
                        f"key robustness.systems: {system} starts from the released "
                        "checkpoint, which a re-split does not publish (it would leak)"
                    )
        baseline_selections = config.get("baselines", {}).get("selections", ["test", "validation"])
        if any(
            system in config.get("baselines", {}).get("systems", []) for system in robust.get("systems", [])
        ):
            missing = [s for s in robust.get("selections", []) if s not in baseline_selections]
            if missing:
                raise ConfigError(
                    f"key robustness.selections: {', '.join(missing)} is not among "
                    f"baselines.selections ({', '.join(baseline_selections)}), under which "
                    "every baseline job fits"
                )
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def datasets_of(config: Mapping) -> list[str]:
    """The base datasets and their re-splits, each base followed by its re-splits."""
    robust = section(config)
    return [
        name
        for base in robust.get("datasets", [])
        for name in (base, *(resplit_name(base, s) for s in robust.get("splits", [])))
    ]


def runs_under(system: str, selection: str) -> bool:
    """Whether ``system`` runs under ``selection``: a ``<system>-tuned`` run only under the honest
    rule (its search chose on validation, on each split's own carve), every other under both."""
    from irgan.study.variants import is_tuned

    return not is_tuned(system) or selection == HONEST_SELECTION


def runs(config: Mapping) -> list[tuple[str, str, str, int]]:
    """Every (dataset, selection, system, seed) run the robustness table reads: each system of
    ``robustness.systems`` on the base datasets and every re-split, under each rule it runs under."""
    robust = section(config)
    return [
        (dataset, selection, system, int(seed))
        for dataset in datasets_of(config)
        for system in robust.get("systems", [])
        for selection in robust.get("selections", [])
        if runs_under(system, selection)
        for seed in robust.get("seeds", [])
    ]
