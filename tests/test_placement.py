"""Where a run on a GPU puts IRGAN's steps, D's sampling and its evaluation: by the scale benchmark's
measurements, interpolated to the dataset's size, and recorded (irgan/train/placement.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch

from irgan.errors import ConfigError
from irgan.study.config import load_config
from irgan.study.variants import resolve_variant
from irgan.train import kernels
from irgan.train.irgan_pointwise import IRGAN, IRGANTrainer, train_irgan
from irgan.train.placement import NOT_MEASURED, Placement, gpu_measurements, load_gpu_measurements, place
from irgan.train.settings import IRGANSettings
from tests.conftest import tiny_dataset

needs_numba = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba not installed")
CUDA = torch.device("cuda")  # a device object only: no GPU is needed to decide a placement
CPU = torch.device("cpu")

# the CPU's cost grows with users x items, the GPU's far less: the GPU wins above about 2.2e7 cells
MEASURED = {part: {"cpu": [[1e6, 1.0], [1e8, 100.0]], "cuda": [[1e6, 10.0], [1e8, 20.0]]}
            for part in ("steps", "sampling", "evaluation")}


def gpu_seconds(cells: float) -> float:
    """The GPU's line through (1e6, 10) and (1e8, 20) in log-log, computed independently."""
    return 10.0 * (cells / 1e6) ** (math.log(2) / math.log(100))


@needs_numba
def test_a_run_on_the_cpu_runs_every_part_there():
    placement = place(CPU, "auto", 1e8, MEASURED)
    assert (placement.steps, placement.sampling, placement.evaluation) == ("compiled", "compiled", CPU)
    record = placement.record(CPU)
    assert {record[p] for p in ("steps", "sampling", "evaluation")} == {"cpu"}
    assert record["steps_basis"] == "the run's device is the CPU"
    assert place(CPU, "torch", 1e8).steps == "torch"


@needs_numba
def test_without_gpu_measurements_a_gpu_run_keeps_the_placement_that_needs_none():
    placement = place(CUDA, "auto", 1e8, None)
    assert (placement.steps, placement.sampling, placement.evaluation) == ("compiled", "compiled", CUDA)
    reasons = {f"{part}_basis": NOT_MEASURED for part in ("steps", "sampling", "evaluation")}
    assert placement.record(CUDA) == {"steps": "cpu", "sampling": "cpu", "evaluation": "cuda", **reasons}


@needs_numba
@pytest.mark.parametrize(("cells", "on_gpu"),
                         [(1e6, False), (1e7, False), (3e7, True), (1e8, True), (1e9, True)])
def test_each_part_goes_where_the_measurements_say_it_is_faster(cells, on_gpu):
    assert (gpu_seconds(cells) < cells / 1e6) is on_gpu  # the independent line agrees with the case
    placement = place(CUDA, "auto", cells, MEASURED)
    assert placement.steps == placement.sampling == ("torch" if on_gpu else "compiled")
    assert placement.evaluation == (CUDA if on_gpu else CPU)
    assert placement.step_device(CUDA) == (CUDA if on_gpu else CPU)
    basis = placement.record(CUDA)["steps_basis"]
    assert f"{cells / 1e6:.3g} s on the CPU against {gpu_seconds(cells):.3g} s on the GPU" in basis


@needs_numba
def test_an_explicit_backend_places_the_steps_and_the_measurements_the_evaluation():
    placement = place(CUDA, "compiled", 1e9, MEASURED)
    assert (placement.steps, placement.sampling, placement.evaluation) == ("compiled", "compiled", CUDA)
    assert placement.basis["steps"] == "backend: compiled in the settings"
    assert place(CUDA, "torch", 1e6, MEASURED).steps == "torch"
    assert place(CUDA, "torch", 1e6, MEASURED).evaluation == CPU
    with pytest.raises(ConfigError, match="backend must be auto, compiled or torch"):
        place(CUDA, "gpu", 1e6)


def scale_table(devices=("cpu", "cuda")) -> pd.DataFrame:
    rows = []
    for device in devices:
        for cells, factor in ((1e6, 1.0), (1e8, 50.0)):
            slower = 1.0 if device == "cpu" else 3.0
            for system, quantity, seconds in (("irgan", "d_epoch", 0.5), ("irgan", "g_steps", 0.25),
                                              ("irgan", "g_epoch", 9.0), ("irgan", "regeneration", 0.125),
                                              ("evaluation", "report", 2.0)):
                rows.append({"cells": cells, "system": system, "device": device, "quantity": quantity,
                             "seconds": seconds * factor / slower, "status": "ok"})
    return pd.DataFrame(rows)


def test_the_benchmark_table_gives_each_part_its_points_on_both_devices():
    measured = gpu_measurements(scale_table())
    # steps: D-epoch + G's SGD (not the G-epoch with its evaluation)
    assert measured["steps"] == {"cpu": [[1e6, 0.75], [1e8, 37.5]], "cuda": [[1e6, 0.25], [1e8, 12.5]]}
    assert measured["sampling"]["cuda"] == [[1e6, 0.125 / 3], [1e8, 0.125 * 50 / 3]]
    assert measured["evaluation"]["cpu"] == [[1e6, 2.0], [1e8, 100.0]]
    # a CPU-only table gives nothing, so a CPU machine's runs are never given anything new
    assert gpu_measurements(scale_table(("cpu",))) is None
    assert gpu_measurements(None) is None
    # a size where one of a part's rows failed is no point of that part
    table = scale_table()
    table.loc[(table["device"] == "cuda") & (table["quantity"] == "g_steps") & (table["cells"] == 1e8),
              "status"] = "error"
    assert gpu_measurements(table)["steps"]["cuda"] == [[1e6, 0.25]]


def test_the_workflow_reads_the_measurements_from_the_results_root(tmp_path):
    assert load_gpu_measurements(tmp_path) is None
    (tmp_path / "benchmarks").mkdir()
    scale_table().to_csv(tmp_path / "benchmarks" / "scale.csv", index=False)
    assert load_gpu_measurements(tmp_path) == gpu_measurements(scale_table())
    (tmp_path / "benchmarks" / "scale.csv").write_text("not,a\nscale table\n")
    with pytest.raises(ConfigError, match=r"benchmarks/scale.csv: not the scale benchmark's table"):
        load_gpu_measurements(tmp_path)


def tiny_settings(backend: str = "auto") -> dict:
    s = resolve_variant(load_config()["irgan"], "code")
    s["outer_epochs"], s["discriminator"]["epochs"], s["generator"]["epochs"] = 2, 2, 2
    s["backend"] = backend
    return s


@needs_numba
@pytest.mark.usefixtures("one_torch_thread")
def test_the_placement_steers_the_run_and_its_record_says_where_each_part_ran():
    """On the CPU, the GPU's side of a placement (the torch steps and sampling) is the torch
    backend: a run so placed gives the numbers of ``backend: torch``, and its record says so."""
    data = tiny_dataset(n_users=30, n_items=50, seed=3)
    plain = train_irgan(data, "test", tiny_settings(), seed=2)
    assert plain.extra["placement"]["steps"] == "cpu" and plain.hyperparameters["backend"] == "compiled"
    torch_run = train_irgan(data, "test", tiny_settings("torch"), seed=2)
    gpu_side = Placement("torch", "torch", CPU, {"steps": "test", "sampling": "test", "evaluation": "test"})
    settings = IRGANSettings.from_dict(tiny_settings())
    placed = IRGAN(data, "test", settings, 2, CPU, None, None, "code", gpu_side)
    result = IRGANTrainer(placed, data, "test", 2, CPU, splits=("validation", "test")).fit()
    assert result.hyperparameters["backend"] == "torch"
    assert result.curve.frame().equals(torch_run.curve.frame())
    torch.testing.assert_close(result.extra_models["final_generator"].user,
                               torch_run.extra_models["final_generator"].user, rtol=0, atol=0)
    assert result.extra["placement"]["steps_basis"] == "test"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_on_a_gpu_the_measured_placement_moves_the_steps_there():
    data = tiny_dataset(n_users=30, n_items=50, seed=3)
    cells = data.n_users * data.n_items
    gpu_first = {part: {"cpu": [[1, 2.0], [1e9, 2e9]], "cuda": [[1, 1.0], [1e9, 1e9]]}
                 for part in ("steps", "sampling", "evaluation")}
    result = train_irgan(data, "test", tiny_settings(), seed=2, device="cuda", measurements=gpu_first)
    assert result.extra["placement"]["steps"] == "cuda" and result.hyperparameters["backend"] == "torch"
    assert place(CUDA, "auto", cells, gpu_first).evaluation == CUDA
