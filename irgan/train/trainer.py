"""One training loop for the study's iterative methods (DNS, MLE, D pre-training, IRGAN).

A method supplies its model and one epoch (:class:`Method`); :class:`Trainer` owns everything
the runs share, once: the evaluation of the starting model (epoch 0), the learning curve, the
selection of the best epoch on the run's selection split, a divergence ending the run as
``diverged`` with its record (and no model), resume state after every round, timing and the
:class:`~irgan.train.components.TrainResult`. A simple method's round is one epoch; IRGAN's alternating
schedule is the special case (:class:`irgan.train.irgan_pointwise.IRGANTrainer` overrides
:meth:`Trainer.schedule`, its round is an outer epoch).
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch

from irgan.data.dataset import Dataset
from irgan.errors import ConfigError, UnsafePickleError
from irgan.models.checkpoints import CheckpointReadError, load_tensors, save_tensors
from irgan.progress import Progress
from irgan.protocol import CUTOFFS, SELECTION_METRIC
from irgan.train import kernels
from irgan.train.components import (
    Curve,
    Evaluators,
    MFParams,
    Positives,
    Selector,
    TrainingDiverged,
    TrainResult,
    check_finite,
    data_fingerprint,
    divergence_record,
    fingerprint,
)

log = logging.getLogger("irgan.train.trainer")

RESUME_VERSION = 3  # 3: one ResumeState for every method (tensors and plain values only)


def resolve_backend(name: str, device: torch.device) -> str:
    """``auto``: the compiled kernels on the CPU when numba is installed, else plain torch."""
    if name not in ("auto", "compiled", "torch"):
        raise ConfigError(f"backend must be auto, compiled or torch, got {name!r}")
    if name == "compiled" and not kernels.AVAILABLE:
        raise ConfigError("backend: compiled needs numba, which is not installed")
    if name == "auto":
        return "compiled" if kernels.AVAILABLE else "torch"
    return name


class Method(ABC):
    """What a method supplies to the loop: its model, one epoch, and how its run is named."""

    system: str  # the run's system key ("dns", "irgan-code", ...)
    label: str  # the curve's name of the trained (and selected) model ("DNS", "G", ...)
    loss_name: str = "the loss"  # for the divergence record
    loss_count: int = 1  # the epoch's loss is summed over this many terms (for the log line)
    model: MFParams
    epochs: int
    rng: torch.Generator
    hyperparameters: dict

    def start_models(self) -> dict[str, MFParams]:
        """The models evaluated before training (epoch 0 of the curve)."""
        return {self.label: self.model}

    @abstractmethod
    def epoch(self, epoch: int) -> float:
        """Train one epoch in place and return its summed loss (NaN/inf: the run diverged)."""

    def state(self) -> dict[str, Any]:
        """What resuming needs besides the model and the random generator (tensors, plain values)."""
        return {}

    def load_state(self, state: dict[str, Any]) -> None:  # noqa: B027  (nothing to restore by default)
        """Restore :meth:`state`."""

    def models(self) -> dict[str, MFParams]:
        """The models a resume state keeps."""
        return {self.label: self.model}

    def details(self) -> dict[str, Any]:
        """The record's details besides timing and the selected value."""
        return {}

    def final_models(self) -> dict[str, MFParams]:
        """Models saved beside the selected one in ``model.pt`` (a run that ended ``ok``)."""
        return {}

    def finish(self) -> None:  # noqa: B027  (nothing to finish by default)
        """Called once training ended (e.g. to drop autograd flags)."""


class TripleMethod(Method):
    """The set-up of a method trained on (user, positive, drawn non-positive) triples of the
    training positives in the authors' order (DNS, D's pre-training)."""

    def prepare(self, dataset: Dataset, selection: str, settings: Any, seed: int, device: torch.device,
                init: MFParams | None = None) -> Any:
        """Positives, the non-positive table, the random generator and the model (``init``, else
        the authors' random init); returns ``settings``."""
        self.settings, self.device, self.epochs = settings, device, settings.epochs
        self.backend = resolve_backend(settings.backend, device)
        self.step_device = torch.device("cpu") if self.backend == "compiled" else device
        self.positives = positives = Positives.from_pairs(dataset.training_positives(selection),
                                                          dataset.n_users, dataset.n_items)
        self.rng = torch.Generator().manual_seed(seed)
        self.model = (init.clone().to(self.step_device) if init is not None else
                      MFParams.random(dataset.n_users, dataset.n_items, settings.model.dim,
                                      settings.model.init_scale, self.rng, self.step_device))
        self.table, self.counts = positives.non_positives(device)
        self.rows = torch.as_tensor(positives.row, device=device)
        self.users = torch.as_tensor(positives.users, device=self.step_device)
        self.items = torch.as_tensor(positives.items, device=self.step_device)
        self.hyperparameters = {**settings.as_dict(), "backend": self.backend}
        return settings


@dataclass
class ResumeState:
    """The whole state of a run after a round: a killed run resumed from it ends with the same
    numbers. Written with tensors and plain values only, so it loads with ``weights_only``."""

    key: str  # fingerprint of settings, seed, data and starting models: resume only what matches
    rounds_done: int
    epoch: int
    models: dict[str, dict[str, torch.Tensor]]
    curve: list[dict]
    rng: torch.Tensor
    best: dict[str, torch.Tensor] | None
    best_value: float
    best_epoch: int | None
    method: dict[str, Any]
    seconds: dict[str, float]

    def save(self, path: str | Path) -> None:
        save_tensors(path, {"version": RESUME_VERSION,
                            **{f.name: getattr(self, f.name) for f in fields(self)}})

    @classmethod
    def load(cls, path: str | Path | None, key: str) -> ResumeState | None:
        """The saved state if it belongs to these settings; a truncated file (a kill while
        writing) is ignored, one holding anything but tensors is refused, naming the file."""
        if path is None or not Path(path).is_file():
            return None
        try:
            state = load_tensors(path, "resume state")
        except CheckpointReadError as exc:
            log.warning("ignoring unreadable resume state: %s", exc)
            return None
        except UnsafePickleError as exc:
            raise UnsafePickleError(f"{exc}. Delete it to start the run afresh.") from None
        if not isinstance(state, dict) or state.get("version") != RESUME_VERSION or state.get("key") != key:
            log.info("resume state %s belongs to other settings: starting afresh", path)
            return None
        return cls(**{f.name: state[f.name] for f in fields(cls)})


class Observations:
    """Evaluate a model after an epoch: its points on the curve and the selection rule's update.

    With ``overlap`` the evaluation of a snapshot of epoch e runs on a second core while epoch
    e + 1 trains (the compiled kernels release the GIL); results are applied in epoch order, so
    the numbers never depend on timing.
    """

    def __init__(self, evaluators: Evaluators, selector: Selector, curve: Curve, seconds: dict,
                 overlap: bool) -> None:
        self.evaluators, self.selector, self.curve, self.seconds = evaluators, selector, curve, seconds
        self.overlap = overlap
        self.threads = torch.get_num_threads()
        if overlap:
            torch.set_num_threads(1)  # one core evaluates, the other trains
        self.executor = ThreadPoolExecutor(1) if overlap else None
        self.pending: tuple[int, str, MFParams, Future] | None = None

    def submit(self, epoch: int, name: str, params: MFParams) -> dict[str, dict[str, float]] | None:
        """Evaluate now (returns the means) or, overlapped, later (returns None)."""
        self.flush()
        if self.executor is None:
            tick = time.perf_counter()
            with torch.no_grad():
                means = self.evaluators.means(params, name, epoch)
            self.seconds["evaluation"] += time.perf_counter() - tick
            self._apply(epoch, name, params, means)
            return means
        snapshot = params.clone()
        future = self.executor.submit(self.evaluators.means, snapshot, name, epoch)
        self.pending = (epoch, name, snapshot, future)
        return None

    def flush(self) -> None:
        if self.pending is not None:
            epoch, name, snapshot, future = self.pending
            self.pending = None
            tick = time.perf_counter()
            means = future.result()
            self.seconds["evaluation"] += time.perf_counter() - tick
            self._apply(epoch, name, snapshot, means)

    def _apply(self, epoch: int, name: str, params: MFParams, means: dict[str, dict[str, float]]) -> None:
        for split, values in means.items():
            self.curve.add(epoch, name, split, values)
        with torch.no_grad():
            self.selector.update(epoch, means, params)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            torch.set_num_threads(self.threads)


class Trainer:
    """Fit one method: epoch-0 evaluation, then rounds of training and evaluation, then the result.

    ``splits``: the curve's splits (the selection split is always among them); ``metrics``:
    ``cutoff`` or ``full`` curve metrics; ``evaluate_start``: put the starting model on the curve
    (epoch 0); ``patience``: stop after that many epochs without a better selection value;
    ``resume_path``: the state after every round is saved
    there and a run started again with the same settings continues from it; ``on_epoch(epoch,
    model)`` sees the trained model after every evaluation (0 = the start) and must not change it;
    ``on_round(rounds_done)`` is called after each round's resume state is written.
    """

    def __init__(self, method: Method, dataset: Dataset, selection: str, seed: int,
                 device: str | torch.device = "cpu", *, splits: Sequence[str] = ("validation", "test"),
                 metrics: str = "cutoff", cutoffs: Sequence[int] = CUTOFFS,
                 selection_metric: str = SELECTION_METRIC,
                 compiled_evaluation: bool = True, evaluate_start: bool = True, patience: int | None = None,
                 resume_path: str | Path | None = None,
                 resume_key: Sequence[Any] = (), overlap: bool = False,
                 on_epoch: Callable[[int, MFParams], None] | None = None,
                 on_round: Callable[[int], None] | None = None, description: str | None = None) -> None:
        self.method, self.dataset, self.selection, self.seed = method, dataset, selection, seed
        self.device = torch.device(device)
        self.splits = list(dict.fromkeys([*splits, selection]))
        self.evaluators = Evaluators(dataset, self.splits, self.device, metrics, cutoffs,
                                     compiled=compiled_evaluation)
        self.selector, self.curve = Selector(selection, selection_metric), Curve(cutoffs)
        self.evaluate_start, self.patience = evaluate_start, patience
        self.resume_path, self.overlap = resume_path, overlap
        self.key = (fingerprint(method.hyperparameters, seed, selection, method.system,
                                data_fingerprint(dataset, selection), *resume_key)
                    if resume_path is not None else "")
        self.on_epoch, self.on_round = on_epoch, on_round
        self.description = description or f"{method.label} seed {seed} ({selection})"
        self.seconds: dict[str, float] = self.timers()
        self.rounds_done, self.epoch = 0, 0

    # -- what a schedule is made of ---------------------------------------------------------

    def timers(self) -> dict[str, float]:
        """The record's seconds per part of the run (evaluation is timed by the loop)."""
        return {"evaluation": 0.0}

    @property
    def rounds(self) -> int:
        return self.method.epochs

    def bar_size(self) -> tuple[int, int]:
        """(total, already done) progress steps."""
        return self.rounds, self.rounds_done

    def schedule(self) -> None:
        """The simple schedule: one round = one epoch, then the model is evaluated and selected."""
        m = self.method
        for epoch in range(self.rounds_done + 1, m.epochs + 1):
            self.epoch = epoch
            loss = m.epoch(epoch)
            check_finite(loss, m.label, epoch, m.loss_name)
            means = self.observe(epoch, m.label, m.model)
            log.info("%s epoch %d/%d loss %.4f %s %s %.4f", m.label, epoch, m.epochs, loss / m.loss_count,
                     self.selection, self.selector.metric, means[self.selection][self.selector.metric])
            self.bar.update()
            self.end_round(epoch)
            if self.patience is not None and epoch - (self.selector.best_epoch or 0) >= self.patience:
                break

    def observe(self, epoch: int, name: str, model: MFParams) -> dict[str, dict[str, float]] | None:
        """Evaluate the trained model after an epoch: curve, selection, ``on_epoch``."""
        means = self.observations.submit(epoch, name, model)
        if self.on_epoch is not None:
            self.on_epoch(epoch, model)
        return means

    def evaluate(self, epoch: int, models: dict[str, MFParams]) -> None:
        """Points on the curve only (no selection): the start, or IRGAN's D."""
        tick = time.perf_counter()
        with torch.no_grad():
            for name, params in models.items():
                for split, values in self.evaluators.means(params, name, epoch).items():
                    self.curve.add(epoch, name, split, values)
        elapsed = time.perf_counter() - tick
        self.seconds["evaluation"] += elapsed
        # of which curve points alone (IRGAN's D once per outer epoch): the scale benchmark's floor
        self.seconds["curve_points"] = self.seconds.get("curve_points", 0.0) + elapsed

    def end_round(self, rounds_done: int) -> None:
        """Write the resume state, then tell ``on_round``."""
        self.rounds_done = rounds_done
        if self.resume_path is not None:
            self.resume_state().save(self.resume_path)
        if self.on_round is not None:
            self.on_round(rounds_done)

    # -- resume ------------------------------------------------------------------------------

    def resume_state(self) -> ResumeState:
        best = self.selector.best_params
        return ResumeState(
            key=self.key, rounds_done=self.rounds_done, epoch=self.epoch,
            models={name: params.tensors() for name, params in self.method.models().items()},
            curve=self.curve.rows, rng=self.method.rng.get_state(),
            best=best.tensors() if best is not None else None, best_value=self.selector.best_value,
            best_epoch=self.selector.best_epoch, method=self.method.state(), seconds=self.seconds)

    def restore(self, state: ResumeState) -> None:
        with torch.no_grad():  # in place: the method's optimizer keeps its parameters
            for name, params in self.method.models().items():
                params.copy_(MFParams.from_state(state.models[name], params.device))
        self.curve.rows = state.curve
        self.method.rng.set_state(state.rng)
        self.selector.best_value, self.selector.best_epoch = state.best_value, state.best_epoch
        self.selector.best_params = (MFParams.from_state(state.best, self.method.model.device)
                                     if state.best is not None else None)
        self.method.load_state(state.method)
        self.seconds = state.seconds
        self.rounds_done, self.epoch = state.rounds_done, state.epoch
        log.info("resuming %s seed %d after round %d (epoch %d)", self.method.system, self.seed,
                 self.rounds_done, self.epoch)

    # -- the run -----------------------------------------------------------------------------

    def fit(self) -> TrainResult:
        """Train, select and return the run's outcome (``diverged``: no model, the record why)."""
        m = self.method
        resumed = ResumeState.load(self.resume_path, self.key) if self.resume_path is not None else None
        if resumed is not None:
            self.restore(resumed)
        elif self.evaluate_start:
            self.evaluate(0, m.start_models())
            if self.on_epoch is not None:
                self.on_epoch(0, m.model)
        started = time.perf_counter()
        status, divergence = "ok", None
        self.observations = Observations(self.evaluators, self.selector, self.curve, self.seconds,
                                         self.overlap)
        total, done = self.bar_size()
        self.bar = Progress(total, self.description, initial=done)
        try:
            self.schedule()
            self.observations.flush()
        except TrainingDiverged as error:
            reported = error
            try:  # an earlier epoch's evaluation still pending is reported first
                self.observations.flush()
            except TrainingDiverged as earlier:
                reported = earlier
            status, divergence = "diverged", divergence_record(reported)
            log.warning("%s seed %d diverged: %s", m.system, self.seed, reported)
        finally:
            self.observations.close()
            self.bar.close()
            m.finish()
        return self.result(status, divergence, time.perf_counter() - started)

    def details(self, seconds: float) -> dict[str, Any]:
        """The record's details: the method's own, then timing."""
        return {**self.method.details(), "seconds": seconds}

    def result(self, status: str, divergence: dict | None, seconds: float) -> TrainResult:
        ok = status == "ok"
        details = {**self.details(seconds), "selected_value": self.selector.best_value if ok else None}
        return TrainResult(
            status=status, selected=self.selector.best_params if ok else None, curve=self.curve,
            selected_epoch=self.selector.best_epoch if ok else None, final_epoch=self.epoch,
            hyperparameters=self.method.hyperparameters, system=self.method.system,
            dataset=self.dataset.name, selection=self.selection, seed=self.seed,
            reported_model=self.method.label, divergence=divergence, extra=details,
            extra_models=self.method.final_models() if ok else {},
        )
