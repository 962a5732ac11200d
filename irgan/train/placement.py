"""Where IRGAN's parts run when the run's device is a GPU: decided by measurement, recorded.

The faithful schedule is millions of tiny sequential steps (one user's softmax and policy-gradient
step, 16 triples of D). On the CPU the compiled kernels (:mod:`irgan.train.kernels`) do one in
microseconds; on a GPU every step of the torch code is a handful of kernel launches, so the GPU
wins only once a step's own work (a softmax over the catalogue) outweighs the launches. D's sample
(one softmax per user, all users at once) and the evaluation (a users x items score matrix and its
top-k) are matrix work that a GPU takes earlier. Where each crossover lies is a property of the
machine, so it is not guessed: the scale benchmark (:mod:`irgan.bench.scale`, ``snakemake scale``)
times every part on the CPU and, on a CUDA machine, on the GPU at three sizes, and a run on
``device: cuda`` with ``backend: auto`` puts each part where the measurements, interpolated to its
dataset's users x items, say it is faster. Without GPU measurements a run keeps the placement that
needs none: the compiled steps and sampling on the CPU, the evaluation on the GPU. Either way the
run's record says which part ran where and why (``details.placement``).

The three parts:

- ``steps``: G's and D's SGD steps (the scale benchmark's ``irgan`` ``d_epoch`` + ``g_steps``),
  the compiled kernels on the CPU or the torch steps on the GPU;
- ``sampling``: D's sample from G (``irgan`` ``regeneration``);
- ``evaluation``: the per-epoch evaluation (``evaluation`` ``report``).

The two step backends compute the same function (tests check them against each other on the CPU);
they differ in the last bits of float32 sums, so a run's numbers depend on its placement: that is
why it is recorded, and why it follows deterministically from the measurements, not from a timing
taken at the start of each run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from irgan.errors import ConfigError
from irgan.train import kernels

#: each part: the scale benchmark's (system, quantity) rows whose seconds add up to its cost
PARTS: dict[str, tuple[tuple[str, str], ...]] = {
    "steps": (("irgan", "d_epoch"), ("irgan", "g_steps")),
    "sampling": (("irgan", "regeneration"),),
    "evaluation": (("evaluation", "report"),),
}
NOT_MEASURED = ("not measured on a GPU (no cuda rows in the scale benchmark's table; `snakemake scale` "
                "on this machine measures them): the placement that needs no measurement")

#: one part's measured cost: {"cpu": [(cells, seconds), ...], "cuda": [...]}
Measurements = Mapping[str, Mapping[str, Sequence[Sequence[float]]]]


def interpolate(sizes: Sequence[float], seconds: Sequence[float], size: float) -> float:
    """Seconds at ``size`` from measured (size, seconds) points: piecewise linear in log-log between
    the two nearest sizes, the end segment's slope beyond them, proportional with one point."""
    pairs = zip(sizes, seconds, strict=True)
    points = sorted({float(x): float(y) for x, y in pairs if x > 0 and y > 0}.items())
    if not points:
        return 0.0
    if len(points) == 1:
        return points[0][1] * size / points[0][0]
    xs, ys = np.log([p[0] for p in points]), np.log([p[1] for p in points])
    x = np.log(size)
    right = int(np.clip(np.searchsorted(xs, x), 1, len(xs) - 1))
    slope = (ys[right] - ys[right - 1]) / (xs[right] - xs[right - 1])
    return float(np.exp(ys[right - 1] + slope * (x - xs[right - 1])))


def gpu_measurements(table: Any) -> dict[str, dict[str, list[list[float]]]] | None:
    """Each part's (users x items, seconds) points on the CPU and on the GPU from the scale
    benchmark's table (a DataFrame of ``scale.csv``); None unless it timed a part on both, so that a
    CPU-only machine's table never changes what a run is given."""
    if table is None or len(table) == 0 or "cuda" not in set(table["device"]):
        return None
    ok = table[table["status"] == "ok"]
    measured: dict[str, dict[str, list[list[float]]]] = {}
    for part, rows in PARTS.items():
        per_device = {}
        for device in ("cpu", "cuda"):
            on = ok[ok["device"] == device]
            totals: dict[float, float] = {}
            complete: dict[float, int] = {}
            for system, quantity in rows:
                for cells, seconds in on[(on["system"] == system) & (on["quantity"] == quantity)][
                        ["cells", "seconds"]].itertuples(index=False):
                    totals[float(cells)] = totals.get(float(cells), 0.0) + float(seconds)
                    complete[float(cells)] = complete.get(float(cells), 0) + 1
            points = [[cells, totals[cells]] for cells in sorted(totals) if complete[cells] == len(rows)]
            if points:
                per_device[device] = points
        if len(per_device) == 2:
            measured[part] = per_device
    return measured or None


def load_gpu_measurements(results: str | os.PathLike) -> dict[str, dict[str, list[list[float]]]] | None:
    """:func:`gpu_measurements` of ``<results>/benchmarks/scale.csv`` (None where it does not exist);
    a table that cannot be read is one error naming the file."""
    path = Path(results) / "benchmarks" / "scale.csv"
    if not path.is_file():
        return None
    import pandas as pd

    try:
        table = pd.read_csv(path)
        return gpu_measurements(table)
    except (ValueError, KeyError, pd.errors.ParserError) as exc:
        raise ConfigError(f"{path}: not the scale benchmark's table ({exc}); delete it or run "
                          "`snakemake scale` again") from exc


@dataclass(frozen=True)
class Placement:
    """Which backend runs each part (``compiled``: the CPU kernels; ``torch``: torch on the run's
    device) and the device of the evaluation, with the reason for each."""

    steps: str
    sampling: str
    evaluation: torch.device
    basis: dict[str, str]

    def step_device(self, device: torch.device) -> torch.device:
        return torch.device("cpu") if self.steps == "compiled" else device

    def record(self, device: torch.device) -> dict[str, str]:
        """What the run record says: each part's device, and why."""
        where = {"steps": self.step_device(device).type,
                 "sampling": "cpu" if self.sampling == "compiled" else device.type,
                 "evaluation": self.evaluation.type}
        return {**where, **{f"{part}_basis": reason for part, reason in self.basis.items()}}


def place(device: torch.device, backend: str, cells: float,
          measurements: Measurements | None = None) -> Placement:
    """Where each part of a run on ``device`` goes, for ``backend`` (``auto``, ``compiled`` or
    ``torch``, the IRGAN settings' key) at ``cells`` = users x items."""
    if backend not in ("auto", "compiled", "torch"):
        raise ConfigError(f"backend must be auto, compiled or torch, got {backend!r}")
    if backend == "compiled" and not kernels.AVAILABLE:
        raise ConfigError("backend: compiled needs numba, which is not installed")
    default = "compiled" if kernels.AVAILABLE else "torch"
    if device.type == "cpu":
        chosen = default if backend == "auto" else backend
        reason = "the run's device is the CPU" + ("" if backend == "auto" else f"; backend: {backend}")
        return Placement(chosen, chosen, device, {part: reason for part in PARTS})
    basis, choice = {}, {}
    for part in PARTS:
        points = (measurements or {}).get(part)
        if part != "evaluation" and backend != "auto":
            choice[part], basis[part] = backend, f"backend: {backend} in the settings"
        elif part != "evaluation" and not kernels.AVAILABLE:
            choice[part], basis[part] = "torch", "numba is not installed: the torch code on the GPU"
        elif points is None:
            choice[part] = device.type if part == "evaluation" else "compiled"
            basis[part] = NOT_MEASURED
        else:
            on_cpu = interpolate(*zip(*points["cpu"], strict=True), cells)
            on_gpu = interpolate(*zip(*points["cuda"], strict=True), cells)
            gpu = on_gpu < on_cpu
            if part == "evaluation":
                choice[part] = device.type if gpu else "cpu"
            else:
                choice[part] = "torch" if gpu else "compiled"
            basis[part] = (f"measured: {on_cpu:.3g} s on the CPU against {on_gpu:.3g} s on the GPU at "
                           f"{cells:,.0f} users x items (the scale benchmark, interpolated)")
    evaluation = device if choice["evaluation"] == device.type else torch.device("cpu")
    return Placement(choice["steps"], choice["sampling"], evaluation, basis)
