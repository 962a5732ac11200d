"""Loading and validating the study configuration outside Snakemake (same schema, same rules)."""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import jsonschema
import yaml

from irgan.errors import ConfigError
from irgan.study.variants import deep_merge  # noqa: F401  (re-exported: plan and users merge configs)

REPO_ROOT = Path(__file__).resolve().parents[2]
#: the one schema of the config (the workflow's, in the standard place of a Snakemake workflow)
SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
DEFAULT_CONFIG = REPO_ROOT / "config" / "config.yaml"


# A key nothing read: the metrics' cut-offs are the paper's, fixed in irgan.models.evaluation.CUTOFFS.
REMOVED_EVALUATION = ("removed (nothing read evaluation.cutoffs: every metric, the selection metric "
                      "P@5 and the tables use the paper's cut-offs 3, 5 and 10); delete the key")



def validate_config(config: dict, source: str = "config",
                    files: Sequence[tuple[str, Mapping]] = ()) -> dict:
    """Raise one :class:`ConfigError` naming the file and the full key path of the first
    problem (wrong type, out of range, unknown key at any depth, bad choice); return the config.

    ``files`` are the (name, contents) merged into ``config``, in merge order: the error names
    the last one that sets the offending key (else ``source``).
    """
    schema = yaml.safe_load(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    problems = sorted((_describe(error) for error in validator.iter_errors(config)),
                      key=lambda problem: [str(part) for part in problem[0]])
    if problems:
        path, message = problems[0]
        key = ".".join(str(part) for part in path) or "(top level)"
        raise ConfigError(f"{_file_setting(path, files) or source}: key {key}: {message}")
    _check_references(config, source)
    return config


def _most_specific(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """Descend from "not valid under any of the given schemas" to the branch's real problem:
    for ``anyOf: [null, settings]`` that is the settings' error, not "is not of type null"."""
    while error.context:
        branch = [e for e in error.context
                  if not (e.validator == "type" and list(e.absolute_path) == list(error.absolute_path))]
        if not branch:
            break
        error = max(branch, key=lambda e: len(e.absolute_path))
    return error


def _describe(error: jsonschema.ValidationError) -> tuple[list, str]:
    """(full key path, one-line message) of a schema error."""
    error = _most_specific(error)
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = set(error.schema.get("properties", {}))
        unknown = sorted(str(k) for k in error.instance if k not in known)
        if unknown:
            if [*path, unknown[0]] == ["evaluation"]:
                return ["evaluation"], REMOVED_EVALUATION
            close = difflib.get_close_matches(unknown[0], sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            allowed = f"; allowed here: {', '.join(sorted(known))}" if known else ""
            return [*path, unknown[0]], f"unknown key{hint}{allowed}"
    if error.validator == "enum":
        choices = ", ".join(str(c) for c in error.validator_value)
        return path, f"{error.instance!r} is not one of: {choices}"
    if error.validator == "required":
        return path, error.message
    return path, f"{error.message}".replace("\n", " ")


def _file_setting(path: list, files: Sequence[tuple[str, Mapping]]) -> str | None:
    """The last of ``files`` that sets ``path`` (or, failing that, its longest prefix)."""
    for depth in range(len(path), 0, -1):
        for name, contents in reversed(files):
            node = contents
            for part in path[:depth]:
                if isinstance(node, Mapping) and part in node:
                    node = node[part]
                elif isinstance(node, list) and isinstance(part, int) and part < len(node):
                    node = node[part]
                else:
                    break
            else:
                return name
    return None


def _check_references(config: dict, source: str) -> None:
    """Cross-key rules a JSON schema cannot express."""
    datasets = config["datasets"]
    for key, names in (("study.datasets", config["study"]["datasets"]),
                       ("transfer.datasets", config.get("transfer", {}).get("datasets", [])),
                       ("scale.datasets", config.get("scale", {}).get("datasets", [])),
                       ("scale.reference_run", [config.get("scale", {}).get("reference_run") or ""][:1])):
        for name in names:
            if name and name not in datasets:
                raise ConfigError(
                    f"{source}: key {key} names {name!r}, "
                    f"which is not in datasets ({', '.join(sorted(datasets))})"
                )
    scale = config.get("scale") or {}
    if scale.get("reference_run") and scale["reference_run"] not in scale.get("datasets", []):
        raise ConfigError(f"{source}: key scale.reference_run names {scale['reference_run']!r}, which is not "
                          f"one of scale.datasets ({', '.join(scale.get('datasets', []))})")
    from irgan.study.variants import selected_baselines, selected_variants

    try:  # study.variants / study.baselines name variants and systems the config has
        selected_variants(config)
        selected_baselines(config)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    from irgan.study.tuned import check_tuning

    try:  # the tuning seed apart from the reporting seeds; spaces a schema cannot check
        check_tuning(config)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    from irgan.study import robustness

    robustness.check(config, source)  # robustness: bases, generated names, systems
    from irgan.study.families import check_families

    check_families(config.get("statistics", {}).get("families", {}),
                   [f"irgan-{v}" for v in config["irgan"]["variants"]] + ["irgan-authors-code"],
                   config.get("statistics", {}).get("reference", "irgan-code"), source)
    for name, spec in datasets.items():
        low, high = spec["rating_scale"]
        if not low < high:
            raise ConfigError(
                f"{source}: key datasets.{name}.rating_scale must be [low, high] "
                f"with low < high, got {spec['rating_scale']}"
            )
        # the scale's low end is allowed: every rating a positive (implicit feedback, as CFGAN counts)
        if not low <= spec["positive_threshold"] <= high:
            raise ConfigError(
                f"{source}: key datasets.{name}.positive_threshold "
                f"{spec['positive_threshold']} lies outside the rating scale [{low}, {high}]"
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


def read_yaml(path: str | os.PathLike) -> dict:
    """One config file; a YAML syntax error is one line naming the file, line and column."""
    try:
        contents = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise ConfigError(f"{path}{where}: YAML syntax error: {problem}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from None
    if contents is None:
        return {}
    if not isinstance(contents, dict):
        raise ConfigError(f"{path}: a config file must be a mapping of keys, not {type(contents).__name__}")
    return contents


def load_config(*paths: str | os.PathLike) -> dict:
    """The default config with each file in ``paths`` merged over it, validated."""
    files = [(str(DEFAULT_CONFIG), read_yaml(DEFAULT_CONFIG))]
    files += [(str(path), read_yaml(path)) for path in paths]
    config: dict = {}
    for _, contents in files:
        config = deep_merge(config, contents)
    return validate_config(config, ", ".join(str(p) for p in paths) or str(DEFAULT_CONFIG), files)


def planning_check(config: dict, workflow) -> None:
    """The workflow's one validation (workflow/rules/common.smk): the merged config against the
    schema and the cross-key rules, and ``device: cuda`` against this machine (when jobs run
    here). A problem ends planning with one line naming its file and key, and exit status 1."""
    settings = workflow.config_settings
    if settings.config:
        retype_command_line(config, settings.config)
    command_line = [str(p) for p in settings.configfiles]
    defaults = [str(p) for p in workflow.configfiles if str(p) not in command_line]
    try:
        files = [(name, read_yaml(name)) for name in (*defaults, *command_line)]
        if settings.config:
            files.append(("--config", dict(settings.config)))
        validate_config(config, " + ".join(name for name, _ in files) or "config", files)
        if workflow.local_exec:  # on a cluster the login node need not have the jobs' GPU
            check_device(config["device"], _file_setting(["device"], files) or "config")
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None


def _scalar(text: str):
    """A --config scalar as YAML would read it in a file: '3' -> 3, '0.05' -> 0.05, 'true' -> True."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return value if isinstance(value, bool | int | float) else text


def retype_command_line(config: dict, overrides: dict) -> None:
    """Snakemake reads a nested ``--config`` value (``study={seeds: [1, 2]}``) with YAML's
    BaseLoader, which keeps every scalar a string; give those scalars the types they would have
    in a config file, in ``config`` (where the command line's values won), before validation."""

    def walk(target, source) -> None:
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, value in items:
            if isinstance(value, dict | list):
                walk(target[key], value)
            elif isinstance(value, str):
                target[key] = _scalar(value)

    for key, value in overrides.items():
        if isinstance(value, dict | list) and key in config:
            walk(config[key], value)


def check_device(device: str, source: str) -> None:
    """``cuda`` without CUDA fails now, at planning time, rather than in every job."""
    if not device.startswith("cuda"):
        return
    import torch  # only for an explicit CUDA request: planning stays quick otherwise

    if not torch.cuda.is_available():
        raise ConfigError(f"{source}: key device: {device!r} requested but CUDA is not available on this "
                          "machine (use auto or cpu)")


def dataset_spec(config: dict, name: str) -> dict:
    try:
        return config["datasets"][name]
    except KeyError:
        known = ", ".join(sorted(config.get("datasets", {})))
        raise ConfigError(f"unknown dataset {name!r}; the registry has: {known}") from None


if __name__ == "__main__":  # python -m irgan.study.config [FILE ...]: check config files before a run
    try:
        load_config(*sys.argv[1:])
    except ConfigError as error:
        sys.exit(f"error: {error}")
    print("config ok")
