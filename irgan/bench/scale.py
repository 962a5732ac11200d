"""What each system costs as the data grows: seconds per epoch and peak memory at three sizes.

For every dataset (by default MovieLens-100k as the authors split it, and the ML-1M- and
Netflix-shaped synthetic data of :func:`irgan.data.synthetic.generate_shaped`) and every system
kind of the study, a fresh Python process loads the dataset, fits the system briefly and reports:

- ``setup`` and ``epoch`` seconds of the iterative fits (DNS, MLE, D's pre-training, BPR,
  LambdaFM): after a first 1-epoch fit (which pays what a job pays once: its data, the compiled
  kernels loaded from numba's cache), a 1-epoch fit and one of 1 + n epochs (n makes the longer
  fit last about ten seconds); ``epoch`` = their difference over n (an epoch with the evaluation
  that follows it), ``setup`` = the first fit less an epoch;
- IRGAN's ``d_epoch`` (D's SGD), ``g_epoch`` (G's SGD and the evaluation after it), ``g_steps``
  (G's SGD alone, the trainer's timer: what :mod:`irgan.train.placement` weighs against the GPU),
  ``outer_epoch`` (the rest of an outer epoch: D's evaluation, the logged dynamics, the saved
  state), ``regeneration`` (D's sample from G, the trainer's timer) and ``setup``: wall-time
  differences of short runs, 1 x (1 D + 1 G) against 1 x (1 D + (1 + n) G), 1 x ((1 + n) D + 1 G)
  and 2 x (1 D + 1 G), after a first 1 x (1 D + 1 G) run that pays the one-time costs (it, less
  one of each part, is set-up);
- ``fit`` of the closed-form baselines (pop, item-kNN, EASE) and ``report`` of the evaluation
  (every evaluated test user's metrics and top-10, a run's ``per_user.csv``);
- ``load`` (reading the dataset artifact) and the process's peak resident memory.

A system that cannot run in the machine's memory reports the one error that says what it would
need (:mod:`irgan.memory`); the row says so instead of a time. The figures feed the study plan
(:mod:`irgan.study.plan`): its estimate for a dataset interpolates these per-epoch costs.

    python -m irgan.bench.scale --dataset results/ml-100k-irgan/data/dataset.npz ... \
        --out results/benchmarks/scale.csv --threads 2
    python -m irgan.report.scale results/benchmarks/scale.csv    # its figure and table
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from irgan.contract.io import atomic_path
from irgan.contract.provenance import code_version, library_versions

log = logging.getLogger("irgan.bench.scale")

#: every system kind of the study, in the order the table lists them
SYSTEMS = ("dns", "mle", "discriminator", "irgan", "bpr", "lambdafm", "pop", "itemknn", "ease", "evaluation")
COLUMNS = ["dataset", "users", "items", "positives", "cells", "system", "device", "quantity", "seconds",
           "count", "peak_rss_mb", "loaded_rss_mb", "status", "error"]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


#: an epoch is timed as the difference of two fits; the longer one is made to last about this long,
#: so that the difference stands clear of a busy machine's noise
SPAN_SECONDS = 10.0
MAX_EXTRA_EPOCHS = 100
#: a first fit this long (seconds) also serves as the 1-epoch fit: its one-time costs are small beside it
LONG_FIT = 60.0


def _extra_epochs(rough_epoch: float) -> int:
    """How many epochs the longer fit adds: one if an epoch is long, else enough for SPAN_SECONDS."""
    return int(min(max(1, -(-SPAN_SECONDS // max(rough_epoch, 1e-4))), MAX_EXTRA_EPOCHS))


def _two_fits(fit) -> list[tuple[str, float, int]]:
    """``setup`` and ``epoch`` seconds: a first 1-epoch fit pays what a job pays once (building its
    data, loading numba's cache of compiled kernels); then a 1-epoch fit and one of 1 + n epochs
    (n = 1 for a long epoch, more for a short one), whose difference over n is an epoch with its
    evaluation. ``setup`` is the first fit less an epoch. A trainer's result says roughly how long
    its epoch took (``extra['seconds']``), which sets n; otherwise a 2-epoch fit does."""
    def timed(epochs: int) -> tuple[float, object]:
        tick = time.perf_counter()
        result = fit(epochs)
        return time.perf_counter() - tick, result

    first, result = timed(1)
    one = first if first > LONG_FIT else timed(1)[0]  # a long fit: its one-time costs are noise
    rough = getattr(result, "extra", {}).get("seconds")
    two = None
    if not isinstance(rough, int | float):
        two = timed(2)[0]
        rough = two - one
    extra = _extra_epochs(rough)
    longer = two if extra == 1 and two is not None else timed(1 + extra)[0]
    epoch = max((longer - one) / extra, 1e-9)
    return [("setup", max(first - epoch, 0.0), 1), ("epoch", epoch, extra)]


def measure(system: str, dataset_path: str, config: dict, device: str = "cpu", seed: int = 1) -> dict:
    """Time one system on one dataset in this process (the child of :func:`benchmark`)."""
    import torch

    from baselines import baseline_class
    from irgan.data.dataset import Dataset
    from irgan.models.evaluation import Evaluator
    from irgan.models.mf import MFParams
    from irgan.study.variants import resolve_variant
    from irgan.train.dns import train_dns
    from irgan.train.irgan_pointwise import pretrain_discriminator, train_irgan
    from irgan.train.mle import train_mle
    from irgan.train.runtime import resolve_device

    device = resolve_device(device)
    tick = time.perf_counter()
    dataset = Dataset.load(dataset_path)
    rows = [("load", time.perf_counter() - tick, 1)]
    loaded = _rss_mb()
    pre = config["pretraining"]

    def pretraining(train, section: str):
        return lambda epochs: train(dataset, "test", {**pre[section], "epochs": epochs}, seed, device)

    if system == "dns":
        rows += _two_fits(pretraining(train_dns, "dns"))
    elif system == "mle":
        rows += _two_fits(pretraining(train_mle, "mle"))
    elif system == "discriminator":
        rows += _two_fits(pretraining(pretrain_discriminator, "discriminator"))
    elif system == "irgan":  # one schedule, and one with more G-epochs, D-epochs, outer epochs each
        base = resolve_variant(config["irgan"], "code")
        if device.type == "cuda":  # the torch steps and sampling on the GPU: the placement's other side
            base = {**base, "backend": "torch"}

        def run(outer: int, d_epochs: int, g_epochs: int) -> tuple[float, ...]:
            """(wall seconds, one regeneration, the trainer's D-epoch, G-epoch with evaluation and
            G-epoch SGD timers, and its curve points' seconds) of a short run."""
            settings = {**base, "generator_init": "random", "discriminator_init": "random",
                        "outer_epochs": outer, "discriminator": {**base["discriminator"], "epochs": d_epochs},
                        "generator": {**base["generator"], "epochs": g_epochs}}
            tick = time.perf_counter()
            result = train_irgan(dataset, "test", settings, seed, device, variant="benchmark")
            wall, seconds = time.perf_counter() - tick, result.extra["seconds"]
            counts = result.extra["schedule"]
            return (wall, seconds["regeneration"] / max(counts["regenerations"], 1),
                    seconds["d_sgd"] / max(counts["d_epochs"], 1),
                    (seconds["g_sgd"] + seconds["evaluation"]) / max(counts["g_epochs"], 1),
                    seconds["g_sgd"] / max(counts["g_epochs"], 1), seconds.get("curve_points", 0.0))

        first = run(1, 1, 1)  # pays the process's one-time costs
        one = first if first[0] > LONG_FIT else run(1, 1, 1)
        # the trainer's timers say roughly how long an epoch is; the wall-time difference says exactly
        # (at least the epoch's own SGD by the timers: at Netflix size one epoch is within the noise of
        # a run's evaluations)
        g_runs = _extra_epochs(one[3])
        more_g = run(1, 1, 1 + g_runs)
        g_epoch = max((more_g[0] - one[0]) / g_runs, one[4])
        d_runs = _extra_epochs(one[2])
        d_epoch = max((run(1, 1 + d_runs, 1)[0] - one[0]) / d_runs, one[2])
        longer = run(2, 1, 1)  # an outer epoch beyond its D- and G-epoch: D's evaluation, the saved state
        # at least the one more curve point of D by the trainer's timer (at small sizes the wall-time
        # difference is within the noise and can come out negative)
        outer = max(longer[0] - one[0] - d_epoch - g_epoch, longer[5] - one[5], 1e-6)
        regeneration = one[1]
        rows += [("d_epoch", d_epoch, d_runs), ("g_epoch", g_epoch, g_runs),
                 ("g_steps", more_g[4], 1 + g_runs), ("regeneration", regeneration, 1),
                 ("outer_epoch", outer, 1),
                 ("setup", max(first[0] - d_epoch - g_epoch - outer, 0.0), 1)]
    elif system in ("bpr", "lambdafm"):
        spec = config["baselines"].get(system) or {}
        params = {**(spec.get("fixed") or {}),
                  **{key: values[0] for key, values in (spec.get("grid") or {}).items()}}
        cls = baseline_class(system)
        rows += _two_fits(lambda epochs: cls(seed=seed, device=device, **{**params, "epochs": epochs})
                          .fit(dataset, "test"))
    elif system in ("pop", "itemknn", "ease"):
        spec = config["baselines"].get(system) or {}
        params = {**(spec.get("fixed") or {}),
                  **{key: values[-1] for key, values in (spec.get("grid") or {}).items()}}
        cls = baseline_class(system)
        tick = time.perf_counter()
        cls(seed=seed, device=device, **params).fit(dataset, "test")
        rows.append(("fit", time.perf_counter() - tick, 1))
    elif system == "reference":  # a whole faithful run: what the plan's estimate is checked against
        settings = {**resolve_variant(config["irgan"], "code"), "generator_init": "random",
                    "discriminator_init": "random"}
        tick = time.perf_counter()
        result = train_irgan(dataset, "test", settings, seed, device, variant="benchmark")
        rows.append(("run", time.perf_counter() - tick, 1))
        counts = result.extra["schedule"]
        rows += [(name, 0.0, counts[name]) for name in ("d_epochs", "g_epochs", "regenerations")]
    elif system == "evaluation":
        generator = torch.Generator().manual_seed(seed)
        model = MFParams.random(dataset.n_users, dataset.n_items, 5, 0.05, generator, device)
        tick = time.perf_counter()
        Evaluator(dataset, "test", device=device).report(model.score)
        rows.append(("report", time.perf_counter() - tick, 1))
    else:
        raise ValueError(f"unknown system {system!r} (known: {', '.join(SYSTEMS)}, reference)")
    return {"rows": [{"quantity": q, "seconds": s, "count": n} for q, s, n in rows],
            "peak_rss_mb": _rss_mb(), "loaded_rss_mb": loaded}


def _shape(dataset_path: str) -> dict:
    from irgan.data.dataset import Dataset

    dataset = Dataset.load(dataset_path)
    positives = len(dataset.training_positives("test").users)
    return {"dataset": dataset.name, "users": dataset.n_users, "items": dataset.n_items,
            "positives": positives, "cells": dataset.n_users * dataset.n_items}


def run_child(system: str, dataset_path: str, config: dict, device: str, threads: int,
              timeout: float) -> dict:
    """:func:`measure` in a fresh process (its own peak memory); an error becomes the row's status."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(config, handle)
    command = [sys.executable, "-m", "irgan.bench.scale", "--child", system, "--dataset", dataset_path,
               "--device", device, "--threads", str(threads), "--config-json", handle.name]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "error": f"no result within {timeout:.0f} s", "rows": []}
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        if done.returncode < 0:
            reason = f"killed by signal {-done.returncode} (out of memory?)"
        return {"status": "error", "error": reason, "rows": []}
    return {"status": "ok", "error": "", **json.loads(done.stdout.strip().splitlines()[-1])}


def devices_to_time(device: str) -> list[str]:
    """The CPU always; the GPU too when ``device`` resolves to one (``auto`` on a CUDA machine)."""
    from irgan.train.runtime import resolve_device

    return ["cpu"] + (["cuda"] if resolve_device(device).type == "cuda" else [])


def benchmark(dataset_paths: Sequence[str], out_csv: str, systems: Sequence[str] = SYSTEMS,
              config: dict | None = None, device: str = "cpu", threads: int = 2,
              timeout: float = 3600.0, reference: str | None = None) -> pd.DataFrame:
    """Every system on every dataset (and device), each in its own process; ``scale.csv``'s table.

    ``config`` holds the ``pretraining``, ``irgan`` and ``baselines`` sections (the default config's
    when None). ``reference``: the path of one of the datasets on which a whole run of the
    reference (the faithful schedule) is timed too, system ``reference`` (CPU only)."""
    if config is None:
        from irgan.study.config import load_config

        config = {key: value for key, value in load_config().items()
                  if key in ("pretraining", "irgan", "baselines")}
    rows = []
    for path in dataset_paths:
        shape = _shape(path)
        for where in devices_to_time(device):
            extra = ["reference"] if path == reference and where == "cpu" else []
            for system in [*systems, *extra]:
                started = time.perf_counter()
                outcome = run_child(system, path, config, where, threads, timeout)
                log.info("%s on %s (%s): %s in %.1f s", system, shape["dataset"], where, outcome["status"],
                         time.perf_counter() - started)
                base = {**shape, "system": system, "device": where, "peak_rss_mb": outcome.get("peak_rss_mb"),
                        "loaded_rss_mb": outcome.get("loaded_rss_mb"), "status": outcome["status"],
                        "error": outcome["error"]}
                if not outcome["rows"]:
                    rows.append({**base, "quantity": "", "seconds": None, "count": None})
                rows += [{**base, **row} for row in outcome["rows"]]
    frame = pd.DataFrame(rows, columns=COLUMNS).assign(
        threads=threads, host=platform.node(), cpu_count=os.cpu_count(),
        code_version=code_version(), torch=library_versions().get("torch", ""))
    with atomic_path(out_csv) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")
    return frame


def _run_estimate(table: pd.DataFrame, shape: tuple[float, float, float], config: dict) -> float:
    """The plan's seconds for one reference run alone at ``shape`` (users, items, positives), from
    ``table``'s measurements."""
    from irgan.study.plan import Costs, measured_costs
    from irgan.study.variants import resolve_variant

    return Costs(1.0, {}, measured_costs(table, shape)).irgan(resolve_variant(config["irgan"], "code"))


def reference_check(frame: pd.DataFrame, config: dict) -> dict | None:
    """The measured whole reference run against the plan's estimate, from the measurements at its
    size and from the other sizes alone (None when no reference run was timed)."""
    ok = frame[(frame["status"] == "ok") & (frame["device"] == "cpu")]
    reference = ok[ok["system"] == "reference"]
    run = reference[reference["quantity"] == "run"]
    if run.empty:
        return None
    dataset = run["dataset"].iloc[0]
    load = reference[reference["quantity"] == "load"]["seconds"].sum()
    measured = float(run["seconds"].iloc[0]) + float(load)
    shape = tuple(float(run[key].iloc[0]) for key in ("users", "items", "positives"))
    parts = ok[ok["system"] != "reference"]
    at_size = _run_estimate(parts, shape, config)
    others = parts[parts["dataset"] != dataset]
    from_others = _run_estimate(others, shape, config) if not others.empty else None
    from irgan.study.variants import resolve_variant

    settings = resolve_variant(config["irgan"], "code")
    schedule = (f"{settings['outer_epochs']} x ({settings['discriminator']['epochs']} D + "
                f"{settings['generator']['epochs']} G)")
    return {"dataset": dataset, "schedule": schedule, "measured": measured, "estimate": at_size,
            "error": at_size / measured - 1, "estimate_from_other_sizes": from_others,
            "error_from_other_sizes": from_others / measured - 1 if from_others is not None else None}


def study_estimate(config: dict, dataset: str, cores: int = 2) -> tuple[int, float]:
    """(training jobs, wall hours on ``cores`` idle cores) of the default study on ``dataset``, by
    the plan with this benchmark's figures (``config['results']`` holds ``benchmarks/scale.csv``)."""
    from irgan.study.plan import JOB_SECONDS, plan

    study = {**config, "study": {**config["study"], "datasets": [dataset]}}
    jobs = [job for job in plan(study) if job.kind != "robustness"]
    total = sum(job.seconds for job in jobs) + 5 * JOB_SECONDS
    return len(jobs), total / cores / 3600


def plan_summary(frame: pd.DataFrame, config: dict, cores: int = 2) -> dict:
    """What the plan makes of the measurements (``scale_plan.json``): the whole reference run
    against its estimate, and the default study's jobs and hours at each measured size
    (``config['results']`` must hold ``benchmarks/scale.csv``, the table of ``frame``)."""
    studies = {}
    for dataset in frame.drop_duplicates("dataset").sort_values("cells")["dataset"]:
        jobs, hours = study_estimate(config, dataset, cores)
        studies[dataset] = {"jobs": jobs, "hours": hours}
    return {"reference_check": reference_check(frame, config), "studies": studies, "cores": cores}


def write_plan_summary(frame: pd.DataFrame, config: dict, path: str | os.PathLike) -> dict:
    """:func:`plan_summary` written to ``path`` (JSON)."""
    summary = plan_summary(frame, config)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", action="append", default=[], help="a dataset.npz (repeat per size)")
    parser.add_argument("--system", action="append", default=[], choices=SYSTEMS)
    parser.add_argument("--config", action="append", default=[], help="config file merged over the default")
    parser.add_argument("--out", default="results/benchmarks/scale.csv")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--reference", default=None,
                        help="one of the --dataset paths: time a whole reference run there too")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--config-json", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from irgan.jobs.script import run_step
    from irgan.study.config import load_config
    from irgan.train.components import set_threads

    if args.child:
        def child() -> None:
            set_threads(args.threads)
            config = json.loads(Path(args.config_json).read_text()) if args.config_json else load_config()
            print(json.dumps(measure(args.child, args.dataset[0], config, args.device)))

        run_step(child)
        return

    def run() -> None:
        config = load_config(*args.config)
        sections = {key: config[key] for key in ("pretraining", "irgan", "baselines")}
        frame = benchmark(args.dataset, args.out, args.system or SYSTEMS, sections, args.device,
                          args.threads, args.timeout, args.reference)
        out = Path(args.out)
        config = {**config, "results": str(out.parent.parent)}
        write_plan_summary(frame, config, out.with_name("scale_plan.json"))
        log.info("\n%s", frame[["dataset", "system", "quantity", "seconds", "peak_rss_mb", "status"]]
                 .to_string(index=False))

    run_step(run)


if __name__ == "__main__":
    main()
