"""Divergence never crashes: diverging settings, repeated with numba's bounds checking on, end the
run as ``status: diverged`` (phase, epoch, reason) every time, with the same outcome.

Before the fix, a NaN probability reached the compiled inverse-CDF search as an index: the run
died with SIGSEGV in 2 of 3 identical runs (``reward: log-sigmoid``, generator ``lr: 1.0e+8``,
the demo's synthetic data, seed 2), and with bounds checking on it raised an IndexError.
``NUMBA_BOUNDSCHECK`` is read when numba is imported, so the runs happen in a subprocess, with a
numba cache of its own (a cached kernel compiled without bounds checks would be reused).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from irgan.train import kernels
from irgan.train.components import NonFiniteSampling
from irgan.train.sampling import sample_inverse_cdf
from tests.conftest import REPO

REPEATS = 5

# setting name -> (variant, generator lr, discriminator lr, backend, G starts from DNS)
SETTINGS = {
    "log-sigmoid reward, G lr 1e8, compiled": ("reward-log-sigmoid", 1.0e8, None, "compiled", True),
    "2sigmoid-1 reward, D lr 1e8, compiled": ("code", None, 1.0e8, "compiled", True),
    "log-sigmoid reward, G lr 1e30, torch steps": ("reward-log-sigmoid", 1.0e30, None, "torch", True),
}

SCRIPT = textwrap.dedent("""
    import json, sys, tempfile
    from pathlib import Path
    import torch
    from irgan.study.config import load_config
    from irgan.data.registry import prepare_dataset
    from irgan.train.dns import train_dns
    from irgan.train.irgan_pointwise import train_irgan
    from irgan.contract.runs import read_run
    from irgan.train.components import write_training_run
    from irgan.study.variants import resolve_variant

    torch.set_num_threads(1)
    variant, g_lr, d_lr, backend, from_dns, repeats = json.loads(sys.argv[1])
    config = load_config("config/demo.yaml")
    dataset = prepare_dataset("synthetic", config["datasets"]["synthetic"], config["validation"])
    settings = resolve_variant(config["irgan"], variant)
    settings["backend"] = backend
    if g_lr is not None:
        settings["generator"]["lr"] = g_lr
    if d_lr is not None:
        settings["discriminator"]["lr"] = d_lr
    outcomes = []
    for _ in range(repeats):
        start = None
        if from_dns:  # as the workflow runs it: G from the same seed's DNS pre-training
            start = train_dns(dataset, "validation", config["pretraining"]["dns"], 2).selected
        with tempfile.TemporaryDirectory() as tmp:
            result = train_irgan(dataset, "validation", settings, 2, "cpu", start, None, variant=variant,
                                 resume_path=Path(tmp) / "resume.pt")
            write_training_run(Path(tmp) / "run", result, dataset, {})
            _, _, record = read_run(Path(tmp) / "run")
        outcomes.append({"status": record["status"], "divergence": record["divergence"],
                         "final_epoch": record["final_epoch"]})
    print("OUTCOMES " + json.dumps(outcomes))
""")


@pytest.fixture(scope="module")
def numba_cache(tmp_path_factory):
    """A cache for kernels compiled with bounds checks, shared by this module's subprocesses."""
    return tmp_path_factory.mktemp("numba-boundscheck-cache")


@pytest.mark.skipif(not kernels.AVAILABLE, reason="numba not installed")
@pytest.mark.parametrize("name", list(SETTINGS))
def test_diverging_settings_end_cleanly_and_identically_every_time(name, numba_cache):
    variant, g_lr, d_lr, backend, from_dns = SETTINGS[name]
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(numba_cache),
           "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps([variant, g_lr, d_lr, backend, from_dns,
                                                                     REPEATS])],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"exit status {done.returncode}:\n{done.stderr[-3000:]}"
    line = next(x for x in done.stdout.splitlines() if x.startswith("OUTCOMES "))
    outcomes = json.loads(line.removeprefix("OUTCOMES "))
    assert len(outcomes) == REPEATS
    first = outcomes[0]
    assert first["status"] == "diverged"
    assert set(first["divergence"]) >= {"phase", "epoch", "reason"}
    assert first["divergence"]["phase"] in ("G", "D") and first["divergence"]["epoch"] >= 1
    assert all(outcome == first for outcome in outcomes), outcomes


def test_a_nan_distribution_is_refused_before_sampling():
    """The torch inverse-CDF sampler refuses NaN, inf and all-zero rows instead of drawing."""
    draws = torch.rand(3, 4, dtype=torch.float64)
    good = torch.rand(3, 6)
    assert sample_inverse_cdf(good, draws).shape == (3, 4)
    for bad in (float("nan"), float("inf")):
        weights = good.clone()
        weights[1, 2] = bad
        with pytest.raises(NonFiniteSampling, match="not finite for 1 of 3 users"):
            sample_inverse_cdf(weights, draws)
    with pytest.raises(NonFiniteSampling):
        sample_inverse_cdf(torch.zeros(3, 6), draws)
