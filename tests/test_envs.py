"""Static checks of the conda environments (no conda channel is needed, none is contacted).

- every workflow/envs/*.yaml and environment.yml parses and pins exact versions;
- a package pinned in several files has one version, environment.yml holds every
  rule env's packages, and the versions fall within pyproject.toml's requirements;
- every rule that runs something has a ``conda:`` env from workflow/envs/, and that env
  provides every third-party module its script imports (following the imports of the
  checkout's own packages);
- every rule env installs the project (editable, from the checkout the workflow names in
  IRGAN_REPO) and already pins every requirement of it, so pip adds nothing else;
- one script per rule, named after it, reading its slice of the config through ``params``.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
RULE_ENVS = sorted((REPO / "workflow" / "envs").glob("*.yaml"))
STUDY_ENV = REPO / "environment.yml"
LOCAL_PACKAGES = {"irgan", "baselines"}
SCRIPTS_DIR = REPO / "workflow" / "scripts"

# conda-forge name -> PyPI name, where they differ.
CONDA_TO_PYPI = {"pytorch": "torch", "matplotlib-base": "matplotlib"}
# import name -> conda-forge package name, where they differ.
IMPORT_TO_CONDA = {
    "torch": "pytorch",
    "yaml": "pyyaml",
    "matplotlib": "matplotlib-base",
    "sklearn": "scikit-learn",
    "pytrec_eval": "pytrec-eval-terrier",
    "llvmlite": "numba",  # numba pins the llvmlite it needs
}
# Modules Snakemake itself provides to a script (it puts its own installation on sys.path).
PROVIDED_BY_SNAKEMAKE = {"snakemake"}
# The framework every env pins: PyTorch, where the rules train or score models; but the authors'
# original code's env runs their TensorFlow graph and nothing of ours that needs torch, and the
# statistics' env (statistics, tables, figures, paper) only reads result files, so it has no
# framework at all (test_rule_envs_provide_what_their_scripts_import fails if one of its scripts
# comes to import torch).
FRAMEWORK = {"authors_code.yaml": "tensorflow-cpu", "stats.yaml": None}

# The pip line that installs the project: in a rule env from the checkout Snakemake runs (pip expands
# ${IRGAN_REPO}, set by workflow/rules/common.smk), in environment.yml from beside that file.
PROJECT_LINE = {"environment.yml": "-e ."}
RULE_ENV_PROJECT_LINE = "-e ${IRGAN_REPO}"
# The pyproject.toml extra whose requirements each rule env must already pin.
ENV_EXTRA = {"core.yaml": "core", "stats.yaml": "stats", "authors_code.yaml": "original"}

CONDA_PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*==?\s*(?P<version>[0-9][A-Za-z0-9_.+\-]*)$")
PIP_PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)==(?P<version>[0-9][A-Za-z0-9_.+\-]*)$")


def load_env(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict), f"{path}: not a mapping"
    return data


def env_pins(path: Path) -> dict[str, tuple[str, str]]:
    """Package -> (version, source) with source ``conda`` or ``pip``; fails on unpinned entries."""
    data = load_env(path)
    pins: dict[str, tuple[str, str]] = {}
    for entry in data["dependencies"]:
        if isinstance(entry, dict):
            assert set(entry) == {"pip"}, f"{path}: unknown dependency block {entry}"
            for line in entry["pip"]:
                if line.strip() == PROJECT_LINE.get(path.name, RULE_ENV_PROJECT_LINE):
                    continue  # the project itself (test_every_env_installs_the_project)
                match = PIP_PIN.match(line.strip())
                assert match, f"{path}: pip entry {line!r} is not pinned as name==version"
                pins[canonicalize_name(match["name"])] = (match["version"], "pip")
            continue
        if entry.strip() == "pip":
            continue
        match = CONDA_PIN.match(entry.strip())
        assert match, f"{path}: conda entry {entry!r} is not pinned as name=version"
        pins[canonicalize_name(match["name"])] = (match["version"], "conda")
    return pins


def pypi_name(name: str, source: str) -> str:
    return canonicalize_name(CONDA_TO_PYPI.get(name, name) if source == "conda" else name)


@cache
def pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def pip_lines(path: Path) -> list[str]:
    return [line.strip() for entry in load_env(path)["dependencies"] if isinstance(entry, dict)
            for line in entry["pip"]]


def pyproject_requirements() -> dict[str, Requirement]:
    project = pyproject()["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += [line for line in extra if not line.startswith("irgan-repro")]
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


ALL_ENVS = [*RULE_ENVS, STUDY_ENV]


def test_env_files_exist():
    assert STUDY_ENV.is_file()
    assert (REPO / "workflow" / "envs" / "core.yaml") in RULE_ENVS


@pytest.mark.parametrize("path", ALL_ENVS, ids=lambda p: p.name)
def test_env_file_parses_and_pins_every_package(path):
    data = load_env(path)
    assert data.get("channels"), f"{path}: no channels"
    assert "conda-forge" in data["channels"]
    assert "defaults" not in data["channels"], "the defaults channel has licence terms; use nodefaults"
    pins = env_pins(path)
    assert "python" in pins, f"{path}: python must be pinned"
    framework = FRAMEWORK.get(path.name, "pytorch")
    if framework:
        assert framework in pins, f"{path}: {framework} must be pinned"
    python = Version(pins["python"][0])
    requires = pyproject()["project"]["requires-python"]
    assert python in Requirement(f"python{requires}").specifier, f"{path}: python {python} vs {requires}"


def test_the_statistics_env_has_no_torch():
    """Statistics, tables, figures and the paper read result files and score no model: their env
    pins neither PyTorch nor numba (test_rule_envs_provide_what_their_scripts_import checks that
    none of their scripts' imports reaches them)."""
    assert not {"pytorch", "numba"} & set(env_pins(REPO / "workflow" / "envs" / "stats.yaml"))


@pytest.mark.parametrize("path", ALL_ENVS, ids=lambda p: p.name)
def test_every_env_installs_the_project(path):
    """The rule envs install the checkout's irgan and baselines (no sys.path tricks in the scripts);
    conda needs ``pip`` among the dependencies to run the pip section."""
    assert PROJECT_LINE.get(path.name, RULE_ENV_PROJECT_LINE) in pip_lines(path)
    assert "pip" in [entry.strip() for entry in load_env(path)["dependencies"] if isinstance(entry, str)]


@pytest.mark.parametrize("path", RULE_ENVS, ids=lambda p: p.name)
def test_the_editable_install_adds_nothing_but_the_project(path):
    """pip would fetch whatever requirement of the project an env lacks (PyTorch into the
    statistics' env, say): each rule env pins the project's own requirements and its extra's."""
    project = pyproject()["project"]
    lines = project["dependencies"] + project["optional-dependencies"][ENV_EXTRA[path.name]]
    pinned = {pypi_name(name, source) for name, (_, source) in env_pins(path).items()}
    missing = {canonicalize_name(Requirement(line).name) for line in lines} - pinned
    assert not missing, f"{path.name} lacks {sorted(missing)} of the project's requirements"


def test_the_workflow_names_the_checkout_the_envs_install(rules):
    """workflow/rules/common.smk sets IRGAN_REPO (expanded by pip in the envs' pip sections)."""
    assert rules
    assert Path(os.environ["IRGAN_REPO"]).resolve() == REPO.resolve()


def test_pinned_versions_agree_across_env_files():
    seen: dict[str, tuple[str, Path]] = {}
    for path in ALL_ENVS:
        for name, (version, _) in env_pins(path).items():
            if name in seen:
                assert version == seen[name][0], (
                    f"{name}: {version} in {path.name} but {seen[name][0]} in {seen[name][1].name}"
                )
            else:
                seen[name] = (version, path)


def test_study_env_holds_every_rule_env_package():
    study = env_pins(STUDY_ENV)
    for path in RULE_ENVS:
        missing = set(env_pins(path)) - set(study)
        assert not missing, f"environment.yml lacks {sorted(missing)} of {path.name}"


def test_study_env_holds_every_pyproject_requirement():
    study = {pypi_name(name, source) for name, (_, source) in env_pins(STUDY_ENV).items()}
    missing = set(pyproject_requirements()) - study
    assert not missing, f"environment.yml lacks {sorted(missing)} required by pyproject.toml"


@pytest.mark.parametrize("path", ALL_ENVS, ids=lambda p: p.name)
def test_pins_satisfy_pyproject(path):
    requirements = pyproject_requirements()
    checked = 0
    for name, (version, source) in env_pins(path).items():
        requirement = requirements.get(pypi_name(name, source))
        if requirement is None:
            continue
        checked += 1
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{path.name}: {name}={version} but pyproject.toml requires {requirement}"
        )
        exact = [s.version for s in requirement.specifier if s.operator == "=="]
        assert not exact or exact == [version], f"{path.name}: {name}={version} vs {requirement}"
    assert checked, f"{path.name} shares no package with pyproject.toml"


# --- rules --------------------------------------------------------------------------------


@cache
def load_rules(snakefile: Path, workdir: Path) -> tuple:
    """The workflow's rule objects, as Snakemake parses them (once per test session)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(),
            config_settings=ConfigSettings(),
            snakefile=snakefile,
            workdir=workdir,
        )
        return tuple(workflow._workflow.rules)


def runs_something(rule) -> bool:
    return bool(rule.is_run or rule.shellcmd or rule.script or rule.notebook or rule.wrapper)


def env_problems(rules, envs_dir: Path) -> list[str]:
    """Rules that run something without a conda env from ``envs_dir``."""
    problems = []
    for rule in rules:
        if not runs_something(rule):
            continue
        if rule.is_run:
            problems.append(f"rule {rule.name}: a run: block cannot use conda; use script:")
            continue
        env = rule.conda_env
        if not isinstance(env, str) or not env:
            problems.append(f"rule {rule.name} ({rule.snakefile}): no conda: env")
            continue
        path = (Path(rule.basedir) / env).resolve()
        if path.parent != envs_dir.resolve() or not path.is_file():
            problems.append(f"rule {rule.name}: conda env {env} is not a file in {envs_dir}")
    return problems


@pytest.fixture(scope="module")
def rules():
    return load_rules(REPO / "workflow" / "Snakefile", REPO)


def test_every_rule_that_runs_code_has_a_conda_env(rules):
    assert any(runs_something(rule) for rule in rules)
    assert env_problems(rules, REPO / "workflow" / "envs") == []


def test_a_rule_without_conda_is_caught(tmp_path):
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "core.yaml").write_text("dependencies: [python=3.11]\n")
    (tmp_path / "Snakefile").write_text(
        'rule with_env:\n    output: "a"\n    conda: "envs/core.yaml"\n    shell: "touch {output}"\n\n'
        'rule without_env:\n    output: "b"\n    shell: "touch {output}"\n\n'
        'rule missing_file:\n    output: "c"\n    conda: "envs/none.yaml"\n    shell: "touch {output}"\n\n'
        'rule target:\n    input: "a", "b"\n'
    )
    problems = env_problems(load_rules(tmp_path / "Snakefile", tmp_path), tmp_path / "envs")
    assert len(problems) == 2
    assert "without_env" in problems[0] and "no conda" in problems[0]
    assert "missing_file" in problems[1]


def module_path(name: str) -> Path | None:
    """The checkout's file for a module of its own packages or of workflow/scripts."""
    parts = name.split(".")
    base = REPO if parts[0] in LOCAL_PACKAGES else SCRIPTS_DIR
    for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


@cache
def imported_modules(path: Path) -> frozenset[str]:
    """Absolute names of every module ``path`` imports (also inside functions)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(path.relative_to(REPO).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module
            names.add(module)
            # `from irgan import data` imports the module irgan.data.dataset
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return frozenset(names)


def third_party_imports(script: Path) -> set[str]:
    """Top-level third-party modules a script needs, following the checkout's own modules."""
    todo, seen, external = [script], set(), set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_modules(path):
            top = name.split(".")[0]
            local = module_path(name)
            if local is not None:
                todo.append(local)
                parts = name.split(".")
                todo += [p for i in range(1, len(parts)) if (p := module_path(".".join(parts[:i])))]
            elif top in LOCAL_PACKAGES or module_path(top) is not None:
                continue  # a name imported from a local module, not a module itself
            elif top not in sys.stdlib_module_names and top not in PROVIDED_BY_SNAKEMAKE:
                external.add(top)
    return external


def test_import_scan_follows_the_checkouts_modules():
    needs = third_party_imports(REPO / "workflow" / "scripts" / "prepare_dataset.py")
    assert {"numpy", "torch"} <= needs  # through irgan.data.registry and irgan.data.dataset
    assert not needs & {"irgan", "os", "json"}


def test_rule_envs_provide_what_their_scripts_import(rules):
    checked = 0
    for rule in rules:
        if not (rule.script and isinstance(rule.conda_env, str)) or not rule.script.endswith(".py"):
            continue
        script = (Path(rule.basedir) / rule.script).resolve()
        env = (Path(rule.basedir) / rule.conda_env).resolve()
        provided = set(env_pins(env))
        needed = {canonicalize_name(IMPORT_TO_CONDA.get(m, m)) for m in third_party_imports(script)}
        missing = needed - provided
        assert not missing, f"rule {rule.name}: {env.name} lacks {sorted(missing)} ({script.name})"
        checked += 1
    assert checked, "no rule with a Python script was checked"


def test_one_script_per_rule_named_after_it(rules):
    """Each rule's script is workflow/scripts/<rule>.py, used by that rule alone; it reads its
    settings from ``snakemake.params`` (its slice of the config), never the whole config, and
    imports the installed packages as they are (no sys.path edits, anywhere in the workflow)."""
    scripts = {rule.name: (Path(rule.basedir) / rule.script).resolve() for rule in rules if rule.script}
    assert scripts
    for name, script in scripts.items():
        assert script == (SCRIPTS_DIR / f"{name}.py").resolve(), f"rule {name} runs {script.name}"
    assert sorted(p.name for p in SCRIPTS_DIR.glob("*.py")) == sorted(p.name for p in scripts.values())
    workflow = [*(REPO / "workflow").rglob("*.smk"), REPO / "workflow" / "Snakefile"]
    for path in [*SCRIPTS_DIR.glob("*.py"), *workflow]:
        text = path.read_text()
        assert "sys.path" not in text, f"{path.name} edits sys.path"
        if path.suffix == ".py":
            for forbidden in ("snakemake.config", "snakemake.rule"):
                assert forbidden not in text, f"{path.name} reads {forbidden}"
