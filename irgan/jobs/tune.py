"""Equal-budget tuning: every system with hyper-parameters, IRGAN included, searched the same way.

The procedure, the same for every system of ``tuning.systems`` (config ``tuning:``):

- the same split: each trial fits on the training positives minus the validation carve and is
  scored on the validation positives (iterative models also pick their epoch there); the test
  set is never read, not even for a learning curve;
- the same number of configurations: ``tuning.trials`` per system;
- the same selection metric: validation P@5 (:data:`irgan.protocol.SELECTION_METRIC`) of the
  model the trial selected;
- the same sampler: Optuna's TPE (:class:`optuna.samplers.TPESampler`) seeded with
  ``tuning.seed``, a seed kept apart from the reporting seeds ``study.seeds`` (the config is
  refused otherwise), which also seeds every trial's training;
- a trial that diverges (a non-finite loss, score or metric) is recorded with status
  ``diverged``, reported to Optuna as failed, and never chosen.

Why TPE and not a grid: IRGAN's space has six or more dimensions, two of them continuous learning
rates over orders of magnitude; a grid of 20 points covers such a space with two or three values
per axis. TPE spends the same number of trials where the validation score is high. For the
one-dimensional spaces (EASE's l2, item-kNN's k) TPE with the same trial count keeps the budget
equal rather than giving those systems a finer grid.

The best trial's configuration (first on ties) is what the ``-tuned`` systems
(:func:`tuned_name`) are trained with on every reporting seed, under the honest rule.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from irgan.errors import ConfigError
from irgan.study.tuned import (  # noqa: F401  (the names, config and budgets; re-exported)
    BUDGET_COLUMNS,
    IRGAN,
    PRETRAINING,
    TUNED_SUFFIX,
    TUNING_SELECTION,
    TuningSettings,
    budgets_frame,
    check_tuning,
    read_budgets,
    set_path,
    space_values,
    tuned_name,
    untuned_name,
    value_problem,
)

log = logging.getLogger("irgan.jobs.tune")

TRIAL_COLUMNS = ("number", "status", "score", "selected_epoch", "seconds", "cpu_seconds", "detail")


def configured(base: Mapping[str, Any], params: Mapping[str, Any]) -> dict:
    """A deep copy of ``base`` with every (dotted) parameter of ``params`` set."""
    settings = copy.deepcopy(dict(base))
    for name, value in params.items():
        set_path(settings, name, value)
    return settings


def suggest(trial: Any, name: str, spec: Mapping[str, Any]) -> Any:
    """One parameter of an Optuna trial from its space entry."""
    kind = spec["type"]
    if kind == "float":
        return trial.suggest_float(name, float(spec["low"]), float(spec["high"]), log=bool(spec.get("log")))
    if kind == "int":
        return trial.suggest_int(name, int(spec["low"]), int(spec["high"]), log=bool(spec.get("log")))
    if kind == "categorical":
        return trial.suggest_categorical(name, list(spec["choices"]))
    raise ConfigError(f"space entry {name}: unknown type {kind!r} (float, int, categorical)")


@dataclass
class Outcome:
    """What a trial's fit returns: its status, validation score and selected epoch."""

    status: str  # ok | diverged
    score: float | None
    selected_epoch: int | None = None
    detail: Any = None


@dataclass(kw_only=True)
class TrialRecord(Outcome):
    """One trial of a search: its fit's outcome with the trial's number, values and cost."""

    number: int
    params: dict[str, Any]
    seconds: float
    cpu_seconds: float


@dataclass
class SearchResult:
    system: str
    space: dict[str, dict]
    seed: int
    trials: list[TrialRecord] = field(default_factory=list)

    @property
    def best(self) -> TrialRecord | None:
        """The best converged trial (the first one on ties), or None when every trial diverged."""
        scored = [t for t in self.trials if t.status == "ok" and t.score is not None]
        return max(scored, key=lambda t: t.score) if scored else None


Objective = Callable[[dict[str, Any]], Outcome]


def search(objective: Objective, space: Mapping[str, Mapping[str, Any]], trials: int, seed: int,
           system: str = "") -> SearchResult:
    """``trials`` configurations of ``space`` proposed by a TPE sampler seeded with ``seed``.

    Trials run one after another (ask, fit, tell), so the same seed gives the same trials. A
    diverged trial (or one whose score is not finite) is told to Optuna as failed, so it never
    steers the sampler, and it is never the best.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if trials < 1:
        raise ConfigError(f"key tuning.trials: {trials} (at least one trial)")
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    result = SearchResult(system, {k: dict(v) for k, v in space.items()}, seed)
    for number in range(trials):
        trial = study.ask()
        params = {name: suggest(trial, name, spec) for name, spec in space.items()}
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = objective(params)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        score = outcome.score
        status = outcome.status
        detail = outcome.detail
        if status == "ok" and (score is None or not math.isfinite(score)):
            status, detail, score = "diverged", f"validation score is {score}", None
        if status == "ok":
            study.tell(trial, score)
        else:
            score = None
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        result.trials.append(TrialRecord(status=status, score=score, selected_epoch=outcome.selected_epoch,
                                         detail=detail, number=number, params=params, seconds=wall,
                                         cpu_seconds=cpu))
        log.info("%s trial %d/%d: %s -> %s (%.1f s)", system, number + 1, trials, params,
                 "diverged" if score is None else f"{score:.4f}", wall)
    return result


# --------------------------------------------------------------------------- fitting a system


def validation_score(dataset: Any, score_fn: Callable, device: Any) -> float:
    """Validation P@5 of a fitted model (the tuning's one metric)."""
    from irgan.models.evaluation import Evaluator
    from irgan.protocol import SELECTION_METRIC

    return float(Evaluator(dataset, TUNING_SELECTION, device=device).means(score_fn, cutoff_only=True)[
        SELECTION_METRIC])


def outcome_of_result(result: Any, dataset: Any, device: Any) -> Outcome:
    """The outcome of a trainer's :class:`irgan.train.components.TrainResult`."""
    from irgan.errors import IrganError

    if result.status != "ok":
        return Outcome("diverged", None, None, result.divergence)
    try:
        score = validation_score(dataset, result.recommender().score, device)
    except IrganError as exc:
        return Outcome("diverged", None, None, str(exc))
    return Outcome("ok", score, result.selected_epoch)


def irgan_trial_settings(base: Mapping[str, Any], params: Mapping[str, Any]) -> dict:
    """IRGAN's settings for a trial: the base (the reference under the honest rule) with the
    trial's values; the learning curve on the validation split only (tuning never reads test)."""
    settings = configured(base, params)
    settings["curve"] = {**settings["curve"], "splits": [TUNING_SELECTION]}
    return settings


def make_fit(system: str, base: Mapping[str, Any], dataset: Any, seed: int, device: Any,
             generator: Any = None, discriminator: Any = None, record_test_curve: bool = False
             ) -> Callable[[dict[str, Any]], Any]:
    """``fit(settings) -> TrainResult or fitted baseline`` of ``system`` under the honest rule.

    ``base`` is the system's full settings before the trial's values (IRGAN: the reference's
    settings, its start resolved; ``dns``/``mle``: ``pretraining.<system>``; a baseline: its
    ``fixed`` values); ``generator`` / ``discriminator`` are IRGAN's starting models (this
    project's DNS of the same seed, and D's pre-training where the settings ask for it).
    """
    if system == IRGAN:
        from irgan.train.irgan_pointwise import train_irgan

        return lambda settings: train_irgan(dataset, TUNING_SELECTION, settings, seed, device,
                                            generator=generator, discriminator=discriminator,
                                            variant="tuned")
    if system in PRETRAINING:
        from irgan.train.dns import train_dns
        from irgan.train.mle import train_mle

        trainer = {"dns": train_dns, "mle": train_mle}[system]
        return lambda settings: trainer(dataset, TUNING_SELECTION, settings, seed, device)
    from baselines import baseline_class
    from irgan.protocol import SELECTION_METRIC
    from irgan.train.runtime import seed_everything

    cls = baseline_class(system)

    def fit(settings):
        seed_everything(seed)
        return cls(seed=seed, device=device, selection_metric=SELECTION_METRIC,
                   record_test_curve=record_test_curve, **settings).fit(dataset, TUNING_SELECTION)

    return fit


def trial_settings(system: str, base: Mapping[str, Any], params: Mapping[str, Any]) -> dict:
    """The full settings a trial trains with (the trainers' curves on validation only)."""
    if system == IRGAN:
        return irgan_trial_settings(base, params)
    settings = configured(base, params)
    if system in PRETRAINING:
        settings["curve_splits"] = [TUNING_SELECTION]
    return settings


def tune_system(system: str, base: Mapping[str, Any], dataset: Any, settings: TuningSettings,
                device: Any, generator: Any = None, discriminator: Any = None) -> SearchResult:
    """Search ``system``'s space (``tuning.spaces.<system>``) with ``tuning.trials`` trials."""
    from baselines.tuning import fit_outcome
    from irgan.errors import IrganError

    fit = make_fit(system, base, dataset, settings.seed, device, generator, discriminator)

    def objective(params: dict[str, Any]) -> Outcome:
        model = fit(trial_settings(system, base, params))
        if hasattr(model, "curve") and hasattr(model, "recommender"):  # a TrainResult
            return outcome_of_result(model, dataset, device)
        status, epoch, detail = fit_outcome(model)
        if status != "ok":
            return Outcome("diverged", None, None, detail)
        try:
            return Outcome("ok", validation_score(dataset, model.score, device), epoch)
        except IrganError as exc:
            return Outcome("diverged", None, None, str(exc))

    return search(objective, settings.space(system), settings.trials, settings.seed, system)


# --------------------------------------------------------------------------- records


def trials_frame(result: SearchResult):
    """One row per trial: its number, status, score, epoch, seconds, and each parameter."""
    import pandas as pd

    rows = [{**{c: getattr(t, c) for c in TRIAL_COLUMNS if c != "detail"},
             "detail": "" if t.detail is None else str(t.detail),
             **{f"param.{k}": v for k, v in t.params.items()}} for t in result.trials]
    columns = [*TRIAL_COLUMNS, *(f"param.{k}" for k in result.space)]
    return pd.DataFrame(rows, columns=columns)


def tuning_record(result: SearchResult, system: str, dataset: str, base: Mapping[str, Any],
                  settings: TuningSettings, cpu_seconds: float, wall_seconds: float,
                  start: Mapping[str, Any] | None = None) -> dict:
    """Everything about one system's tuning: the procedure, every trial, the budget, the best."""
    from irgan.protocol import SELECTION_METRIC

    best = result.best
    return {
        "system": system,
        "tuned_system": tuned_name(system),
        "dataset": dataset,
        "selection": TUNING_SELECTION,
        "metric": SELECTION_METRIC,
        "split": TUNING_SELECTION,
        "sampler": "optuna.samplers.TPESampler",
        "seed": settings.seed,
        "space": result.space,
        "base": base,
        "start": dict(start or {}),
        "budget": {
            "trials": len(result.trials),
            "converged": sum(t.status == "ok" for t in result.trials),
            "diverged": sum(t.status != "ok" for t in result.trials),
            "cpu_seconds": cpu_seconds,
            "seconds": wall_seconds,
            "trial_cpu_seconds": sum(t.cpu_seconds for t in result.trials),
        },
        "trials": [asdict(t) for t in result.trials],
        "best": None if best is None else {
            "number": best.number, "params": best.params, "score": best.score,
            "selected_epoch": best.selected_epoch,
            "settings": trial_settings(system, base, best.params),
        },
    }


def best_settings(record: Mapping[str, Any]) -> dict | None:
    """The settings the tuned system trains with (None when every trial diverged)."""
    best = record.get("best")
    if best is None:
        return None
    settings = copy.deepcopy(best["settings"])
    base = record["base"]  # the tuned runs record the curves of the reference's runs
    if record["system"] == IRGAN:
        settings["curve"] = dict(base["curve"])
    elif record["system"] in PRETRAINING:
        settings.pop("curve_splits", None)
        if "curve_splits" in base:
            settings["curve_splits"] = list(base["curve_splits"])
    return settings


def budget_summary(record: Mapping[str, Any]) -> dict:
    """What a tuned run records of its search: the procedure, the budget and the best trial."""
    keys = ("system", "tuned_system", "dataset", "metric", "split", "sampler", "seed", "space", "base",
            "budget", "best", "start")
    return {key: copy.deepcopy(record.get(key)) for key in keys}


def starting_models(system: str, base: Mapping[str, Any], dataset: Any, paths: Mapping[str, Any]
                    ) -> tuple[Any, Any]:
    """IRGAN's (generator, discriminator) starts from the pre-training checkpoints in ``paths``."""
    if system != IRGAN:
        return None, None
    from irgan.train.irgan_pointwise import initial_model

    return (initial_model(paths.get("generator"), base["generator_init"], dataset),
            initial_model(paths.get("discriminator"), base["discriminator_init"], dataset))


def run_tuning(system: str, base: Mapping[str, Any], dataset: Any, settings: TuningSettings, device: Any,
               starts: Mapping[str, Any], outputs: Mapping[str, Any], provenance: Mapping[str, Any]
               ) -> dict:
    """Rule tune: search ``system``'s space and write every trial (``trials_csv``, ``trials_json``)
    and the best with the budget (``best``); return the full record. The CPU seconds are this
    process's, from loading the starting models to the last trial."""
    from irgan.contract.io import write_json
    from irgan.contract.runs import write_frame

    cpu, wall = time.process_time(), time.perf_counter()
    generator, discriminator = starting_models(system, base, dataset, starts)
    result = tune_system(system, base, dataset, settings, device, generator, discriminator)
    record = tuning_record(result, system, dataset.name, base, settings, time.process_time() - cpu,
                           time.perf_counter() - wall, {k: str(v) for k, v in starts.items() if v})
    record["provenance"] = dict(provenance)
    write_frame(trials_frame(result), outputs["trials_csv"])
    write_json(outputs["trials_json"], record)
    write_json(outputs["best"], {**budget_summary(record), "provenance": dict(provenance)})
    return record


def train_tuned(system: str, record: Mapping[str, Any], dataset: Any, seed: int, device: Any,
                starts: Mapping[str, Any], run_directory: Any, provenance: Mapping[str, Any]) -> dict:
    """Rule train_tuned: ``system`` with its best configuration (``record``: its ``best.json``) on
    ``seed`` under the honest rule, written as the run ``<system>-tuned`` in the run contract;
    every trial diverged -> a diverged run saying so. Return the run's record."""
    from pathlib import Path

    from irgan.contract.runs import divergence_entry, make_record, write_run
    from irgan.models.evaluation import Evaluator
    from irgan.protocol import SELECTION_METRIC
    from irgan.train.components import write_training_run

    name = tuned_name(system)
    details = {"tuning": budget_summary(record), "tuned_from": system}
    settings = best_settings(record)
    run = {"system": name, "dataset": dataset.name, "selection": TUNING_SELECTION, "seed": seed,
           "selection_metric": SELECTION_METRIC, "provenance": dict(provenance)}
    if settings is None:
        import pandas as pd

        divergence = divergence_entry("tuning", None, "every trial of the search diverged")
        result = make_record(status="diverged", **run, details=details, divergence=divergence)
        write_run(run_directory, None, pd.DataFrame(columns=["epoch", "model", "split"]), result)
        return result
    if system == IRGAN or system in PRETRAINING:
        generator, discriminator = starting_models(system, settings, dataset, starts)
        fit = make_fit(system, settings, dataset, seed, device, generator, discriminator)
        result = fit(settings)
        result.system = name
        result.extra = {**result.extra, **details}
        return write_training_run(Path(run_directory), result, dataset, dict(provenance), device)
    model = make_fit(system, settings, dataset, seed, device, record_test_curve=True)(settings)
    from baselines.tuning import fit_outcome

    status, _, _ = fit_outcome(model)
    summary = model.summary()
    result = make_record(
        status=summary["status"], **run, selected_epoch=summary["selected_epoch"],
        final_epoch=summary["final_epoch"], reported_model=model.name,
        deterministic=summary["deterministic"], divergence=summary["divergence"],
        hyperparameters=summary["hyperparameters"], details={**details, "train_loss": summary["train_loss"]})
    per_user, top_items = (Evaluator(dataset, "test", device=device).report(model.score)
                           if status == "ok" else (None, None))
    write_run(run_directory, per_user, model.curve, result, top_items)
    return result


