"""Shared fixtures: the offline mirror of the authors' files, small datasets, fresh copies of the
tree and Snakemake's dry runs; and the grouping that keeps pytest-xdist's workers apart."""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from irgan.data.dataset import Dataset, build_dataset
from irgan.data.download import DEFAULT_MIRROR
from irgan.data.download import mirror_dir as download_mirror_dir
from irgan.data.ratings import Interactions, read_ratings
from irgan.data.registry import prepare_dataset
from irgan.study.plan import Job, load, plan

REPO = Path(__file__).resolve().parents[1]
# The default mirror (irgan.data.download.DEFAULT_MIRROR, beside the clone) is the workflow's too.
assert DEFAULT_MIRROR == REPO.parent / "shared" / "data" / "irgan-ml100k"
VALIDATION = {"fraction": 0.1, "min_user_positives": 5, "seed": 2017}
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
# Not copied: the venvs (.venv, and .venv-authors with TensorFlow, 1.6 GB), results and caches.
IGNORE = shutil.ignore_patterns(
    ".git", ".venv*", "results", ".snakemake", "__pycache__", "*.egg-info", ".pytest_cache", ".ruff_cache"
)


def fresh_checkout(target: Path) -> Path:
    """A copy of the working tree at ``target``, as a fresh clone would have it."""
    shutil.copytree(REPO, target, ignore=IGNORE)
    return target


def snakemake(checkout: Path, *args: str, mirror: Path | None = None,
              timeout: int = 600) -> subprocess.CompletedProcess:
    """Snakemake in ``checkout`` as a user runs it: the mirror only where the test names one."""
    env = {k: v for k, v in os.environ.items() if k != "IRGAN_MIRROR"}
    if mirror is not None:
        env["IRGAN_MIRROR"] = str(mirror)
    return subprocess.run(
        [*SNAKEMAKE, *args], cwd=checkout, env=env, capture_output=True, text=True, timeout=timeout
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``), keep each test module that defines a module- or
    class-scoped fixture of its own on one worker: such a fixture (a trained study, statistics, the
    authors' code run once) is built once per worker that runs any of its tests, so splitting the
    module would build it twice. Other tests are spread one by one."""
    for item in items:
        module = getattr(item, "module", None)
        info = getattr(item, "_fixtureinfo", None)
        if module is None or info is None:
            continue
        own = [
            definition
            for definitions in info.name2fixturedefs.values()
            for definition in definitions
            if definition.scope in ("module", "class") and getattr(definition.func, "__module__", None)
            == module.__name__
        ]
        if own and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(module.__name__))


def mirror_dir() -> Path | None:
    path = download_mirror_dir()
    return path if (path / "movielens-100k-train.txt").is_file() else None


@pytest.fixture(scope="session")
def mirror() -> Path:
    path = mirror_dir()
    if path is None:
        pytest.skip("offline mirror of the authors' files not found (set IRGAN_MIRROR)")
    return path


@pytest.fixture(scope="session")
def dry_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., subprocess.CompletedProcess]:
    """``snakemake -n ARGS`` in a fresh copy of the tree, run once per test session for each ARGS.

    Several tests read the same plan (the demo's, the full study's); each dry run builds the whole
    DAG, 20-60 s on 2 busy cores. Under pytest-xdist each worker has a base temp folder of its own
    inside the session's, so the workers share the result through a file there, under a lock: the
    first to ask runs Snakemake, the others read what it printed. A dry run writes nothing but
    Snakemake's metadata in its own copy, so one copy serves every test that asks for that plan."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    cache = base / "dry-runs"
    cache.mkdir(exist_ok=True)

    def run(*args: str) -> subprocess.CompletedProcess:
        key = hashlib.sha256("\0".join(args).encode()).hexdigest()[:16]
        result = cache / f"{key}.json"
        with open(cache / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not result.is_file():
                checkout = cache / key
                if checkout.exists():  # a worker that died while running it
                    shutil.rmtree(checkout)
                done = snakemake(fresh_checkout(checkout), "-n", *args)
                partial = result.with_suffix(".partial")
                partial.write_text(json.dumps({"args": done.args, "returncode": done.returncode,
                                               "stdout": done.stdout, "stderr": done.stderr}))
                partial.replace(result)
        saved = json.loads(result.read_text())
        return subprocess.CompletedProcess(saved["args"], saved["returncode"], saved["stdout"],
                                           saved["stderr"])

    return run


@pytest.fixture(scope="session")
def study_plan() -> Callable[..., tuple[Job, ...]]:
    """irgan.study.plan's jobs for config files and ``--config`` overrides, computed once per
    worker for each: validating the full config takes seconds, and several tests plan the same one."""
    plans: dict[tuple, tuple[Job, ...]] = {}

    def get(configfiles: tuple[str, ...] = (), overrides: tuple[str, ...] = ()) -> tuple[Job, ...]:
        key = (tuple(configfiles), tuple(overrides))
        if key not in plans:
            plans[key] = tuple(plan(load(list(configfiles), list(overrides))))
        return plans[key]

    return get


@pytest.fixture(scope="session")
def ml100k(mirror: Path) -> Dataset:
    train = read_ratings(mirror / "movielens-100k-train.txt", n_users=943, n_items=1683)
    test = read_ratings(mirror / "movielens-100k-test.txt", n_users=943, n_items=1683)
    return build_dataset("ml-100k-irgan", train, test, 943, 1683, 4.0, VALIDATION)


def tiny_dataset(n_users: int = 30, n_items: int = 40, seed: int = 0) -> Dataset:
    """A random dataset small enough to check by hand or by brute force."""
    rng = np.random.default_rng(seed)
    pairs = [(u, i) for u in range(n_users) for i in range(n_items) if rng.random() < 0.3]
    users, items = map(np.asarray, zip(*pairs, strict=True))
    ratings = rng.integers(1, 6, size=len(users)).astype(np.float32)
    is_test = rng.random(len(users)) < 0.25
    train = Interactions.from_lists(users[~is_test], items[~is_test], ratings[~is_test])
    test = Interactions.from_lists(users[is_test], items[is_test], ratings[is_test])
    return build_dataset("tiny", train, test, n_users, n_items, 4.0, VALIDATION)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny tensors: one intra-op thread is faster, and immune to a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def synthetic_small() -> Dataset:
    """A small planted low-rank dataset on which training must clearly beat its start."""
    spec = {"kind": "synthetic", "seed": 7, "n_users": 150, "n_items": 200, "density": 0.08, "rank": 4,
            "test_fraction": 0.2, "rating_scale": [1, 5], "positive_threshold": 4}
    return prepare_dataset("synthetic", spec, VALIDATION)


@pytest.fixture(autouse=True)
def keep_root_logging():
    """A workflow step configures the root logger for its process (irgan.jobs.script.run_step);
    a test that runs one in-process must not leave the next test logging to its closed stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
