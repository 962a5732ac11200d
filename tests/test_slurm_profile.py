"""Static checks of the SLURM profile: it parses, training asks for a GPU, the workflow plans with it.

Running it on a real Slurm is tests/slurm/slurm-cluster.sh's job (CI starts that).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from tests.test_envs import load_rules

REPO = Path(__file__).resolve().parents[1]
PROFILE_DIR = REPO / "workflow" / "profiles" / "slurm"
DEFAULT_PROFILE = REPO / "workflow" / "profiles" / "default" / "config.yaml"  # found by Snakemake itself
# Outputs of training: the run contract's directories (irgan/contract/runs.py) and pre-training.
TRAINING_OUTPUT = re.compile(r"/runs/|/pretraining/")
# Rules that must not be submitted: compute nodes often have no network.
NETWORK_RULES = {"download", "fetch_authors_code"}


@pytest.fixture(scope="module")
def profile() -> dict:
    data = yaml.safe_load((PROFILE_DIR / "config.yaml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def rules():
    return load_rules(REPO / "workflow" / "Snakefile", REPO)


def requests_gpu(resources: dict) -> bool:
    """A GPU request in the plugin's syntax: ``gpu: N`` (``--gpus``) or ``gres: gpu:N``."""
    gpu = resources.get("gpu", 0)
    gres = str(resources.get("gres", ""))
    assert not (gpu and "gpu" in gres), "gpu and gres=gpu exclude each other in the plugin"
    return (isinstance(gpu, int) and gpu >= 1) or re.fullmatch(r"gpu(:\w+)?:\d+", gres) is not None


# Rules that write a run without training anything: the authors' released start, evaluated once
# on the CPU (seconds), and the models the authors' code saved, evaluated; they need no GPU.
EVALUATION_ONLY = {"released_start", "authors_code_run", "authors_dns_run"}


def is_training(rule) -> bool:
    """Rules that train models: they write runs or pre-trained models, or take the device."""
    if rule.name in EVALUATION_ONLY:
        return False
    return "device" in rule.params.keys() or any(
        TRAINING_OUTPUT.search(str(path)) for path in rule.output
    )


def is_local(rule) -> bool:
    return rule.name in rule.workflow._localrules or rule.norun


def test_profile_settings(profile):
    assert profile["executor"] == "slurm"
    assert isinstance(profile["jobs"], int) and profile["jobs"] >= 1
    assert profile["latency-wait"] >= 5
    assert profile["retries"] >= 1
    assert profile["slurm-init-seconds-before-status-checks"] >= 1
    defaults = profile["default-resources"]
    assert {"slurm_partition", "runtime", "mem_mb"} <= set(defaults)
    assert not requests_gpu(defaults), "only training rules should hold a GPU"


def test_set_resources_name_existing_rules(profile, rules):
    names = {rule.name for rule in rules}
    unknown = set(profile["set-resources"]) - names
    assert not unknown, f"set-resources names no rule: {sorted(unknown)} (rules: {sorted(names)})"


def test_training_rules_and_only_they_ask_for_a_gpu(profile, rules):
    overrides = profile["set-resources"]
    gpu_rules = {name for name, res in overrides.items() if requests_gpu(res)}
    training = {rule.name for rule in rules if is_training(rule)}
    assert training <= gpu_rules, f"training rules without a GPU: {sorted(training - gpu_rules)}"
    assert gpu_rules <= training, f"GPU for rules that do not train: {sorted(gpu_rules - training)}"
    for name in gpu_rules:
        assert overrides[name].get("slurm_partition"), f"{name}: no GPU partition"


def test_training_is_submitted_and_network_rules_run_locally(rules):
    names = {rule.name for rule in rules}
    assert NETWORK_RULES <= names
    local = {rule.name for rule in rules if is_local(rule)}
    assert NETWORK_RULES <= local
    training = {rule.name for rule in rules if is_training(rule)}
    assert training, "no training rule found"
    assert not training & local, f"training rules run locally: {sorted(training & local)}"


def test_gpu_request_becomes_sbatch_gpus():
    from snakemake_executor_plugin_slurm.utils import set_gres_string

    class Resources(dict):
        __getattr__ = dict.__getitem__

    job = SimpleNamespace(resources=Resources(gpu=1))
    assert set_gres_string(job).strip() == "--gpus=1"
    job = SimpleNamespace(resources=Resources(gpu=1, gpu_model="a100"))
    assert set_gres_string(job).strip() == "--gpus=a100:1"


def test_default_profile_does_not_undo_the_slurm_profile(profile):
    local = yaml.safe_load(DEFAULT_PROFILE.read_text())
    assert "executor" not in local
    for key in set(local) & set(profile):
        assert local[key] == profile[key], f"{key}: the workflow profile would override the SLURM one"


def planned_jobs(output: str) -> dict[str, list[str]]:
    """Rule name -> the resources lines of its jobs, from a dry run's output."""
    jobs: dict[str, list[str]] = {}
    rule = None
    for line in output.splitlines():
        if match := re.match(r"^(?:local)?rule (\w+):", line):
            rule = match[1]
        elif rule and line.strip().startswith("resources:"):
            jobs.setdefault(rule, []).append(line.strip())
            rule = None
    return jobs


def test_demo_plans_through_the_profile(tmp_path, profile, rules):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("SNAKEMAKE_PROFILE", None)
    command = [
        sys.executable, "-m", "snakemake", "-n", "--profile", "workflow/profiles/slurm",
        "--configfile", "config/demo.yaml", "--config", f"results={tmp_path}",
    ]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    jobs = planned_jobs(output)
    assert jobs, output[-3000:]
    training = {rule.name for rule in rules if is_training(rule)}
    for name, lines in jobs.items():
        for line in lines:
            if name == "all" or not line:
                continue
            assert "slurm_partition=" in line, f"{name}: {line}"
            assert ("gpu=1" in line.split(", ")) == (name in training), f"{name}: {line}"
