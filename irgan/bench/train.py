"""Time the project's trainer and the authors' own code on the same schedule, side by side.

Both run the faithful IRGAN (G from the released ``model_dns_ori.pkl``, D random, selection on
test) on a short schedule (``SHORT_SCHEDULE``; a full run is 15 x (100 D + 50 G) epochs): the
authors' patched ``cf_gan.py`` in its TensorFlow environment (irgan/original/authors_code.py, rule
``benchmark_authors_code``) and this project's ``train_irgan``. The table gives seconds per
D-epoch, per G-epoch with its evaluation, per run and per whole process (interpreter start,
imports, data and model loading included) for each, and their ratio.

    python -m irgan.bench.train --authors results/benchmarks/authors_code.json \
        --out results/benchmarks/train.csv --threads 2
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import os
import platform
import subprocess
import sys
import time

import pandas as pd
import torch

from irgan.contract.io import atomic_path
from irgan.contract.provenance import code_version
from irgan.data.dataset import Dataset
from irgan.jobs.script import configure_logging, run_step
from irgan.models.checkpoints import load_mf_checkpoint
from irgan.original.authors_code import BENCHMARK_SCHEDULE
from irgan.study.config import load_config
from irgan.study.variants import resolve_variant
from irgan.train.components import set_threads
from irgan.train.irgan_pointwise import train_irgan
from irgan.train.runtime import resolve_device

SHORT_SCHEDULE = BENCHMARK_SCHEDULE


def with_schedule(settings: dict, schedule: dict) -> dict:
    """IRGAN settings with the outer, D- and G-epochs of ``schedule``."""
    return {**settings, "outer_epochs": schedule["outer_epochs"],
            "discriminator": {**settings["discriminator"], "epochs": schedule["d_epochs"]},
            "generator": {**settings["generator"], "epochs": schedule["g_epochs"]}}


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _train(dataset_path: str, generator_path: str, settings: dict, device, seed: int):
    dataset = Dataset.load(dataset_path)
    generator = load_mf_checkpoint(generator_path, dataset.n_users, dataset.n_items)
    settings = {**settings, "generator_init": "released", "discriminator_init": "random"}
    return train_irgan(dataset, "test", settings, seed, device, generator=generator, variant="benchmark")


def process_seconds(dataset_path: str, generator_path: str, settings: dict, threads: int | None) -> float:
    """Wall time of a fresh Python process that imports, loads and trains (like ``python cf_gan.py``)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "irgan.bench.train", "--process-only",
                    "--dataset", dataset_path, "--generator", generator_path,
                    "--settings-json", json.dumps(settings), "--threads", str(threads or 1)],
                   check=True, capture_output=True)
    return time.perf_counter() - started


def benchmark(dataset_path: str, generator_path: str, out_csv: str, settings: dict,
              device: str = "cpu", threads: int | None = 2, seed: int = 1,
              authors: dict | None = None, schedule: dict | None = None) -> pd.DataFrame:
    """Time ``train_irgan`` on ``schedule`` and set the authors' timings (``authors``, from
    :func:`irgan.original.authors_code.benchmark_authors` on the same schedule) beside it."""
    schedule = dict(schedule or SHORT_SCHEDULE)
    if authors is not None and authors["schedule"] != schedule:
        raise ValueError(f"the authors' code was timed on {authors['schedule']}, not {schedule}")
    settings = with_schedule(settings, schedule)
    set_threads(threads)
    device = resolve_device(device)
    # compile (or load from numba's cache) every kernel first: the epochs are timed, not the compiler
    _train(dataset_path, generator_path, with_schedule(settings, {"outer_epochs": 1, "d_epochs": 1,
                                                                  "g_epochs": 1}), device, seed)
    load_before = load_average()
    started = time.perf_counter()
    result = _train(dataset_path, generator_path, settings, device, seed)
    total = time.perf_counter() - started
    on_cpu = device.type == "cpu"
    process = process_seconds(dataset_path, generator_path, settings, threads) if on_cpu else None
    load_after = load_average()
    counts, seconds = result.extra["schedule"], result.extra["seconds"]
    d_epochs, g_epochs = max(counts["d_epochs"], 1), max(counts["g_epochs"], 1)
    theirs = authors or {}
    rows = [
        ("d_epoch_sgd", seconds["d_sgd"] / d_epochs, d_epochs, None),
        ("d_regeneration", seconds["regeneration"] / max(counts["regenerations"], 1),
         counts["regenerations"], None),
        ("d_epoch", (seconds["d_sgd"] + seconds["regeneration"]) / d_epochs, d_epochs, theirs.get("d_epoch")),
        ("g_epoch_sgd", seconds["g_sgd"] / g_epochs, g_epochs, None),
        ("g_epoch_evaluation", seconds["evaluation"] / g_epochs, g_epochs, None),
        ("g_epoch", (seconds["g_sgd"] + seconds["evaluation"]) / g_epochs, g_epochs, theirs.get("g_epoch")),
        ("run", total, 1, None),
        ("process", process, 1, theirs.get("process")),
    ]
    frame = pd.DataFrame(rows, columns=["quantity", "seconds", "count", "authors_seconds"])
    frame["ratio"] = frame["authors_seconds"] / frame["seconds"]
    frame = frame.assign(
        schedule=f"{schedule['outer_epochs']} x ({schedule['d_epochs']} D + {schedule['g_epochs']} G)",
        d_steps=counts["d_steps"], g_steps=counts["g_steps"], status=result.status,
        test_p5_selected=result.extra["selected_value"], selected_epoch=result.selected_epoch,
        device=str(device), backend=result.hyperparameters["backend"], threads=torch.get_num_threads(),
        load_before=load_before, load_after=load_after, host=platform.node(),
        cpu=platform.processor() or platform.machine(), cpu_count=os.cpu_count(),
        gpu=torch.cuda.get_device_name(device) if device.type == "cuda" else "",
        torch=torch.__version__, numba=_version("numba"), code_version=code_version(),
        authors_host=theirs.get("host", ""), authors_tensorflow=theirs.get("tensorflow", ""),
        authors_load_before=theirs.get("load_before"),
    )
    with atomic_path(out_csv) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")
    logging.getLogger("irgan.benchmark").info("\n%s", frame[["quantity", "seconds", "authors_seconds",
                                                             "ratio"]].to_string(index=False))
    return frame


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="results/ml-100k-irgan/data/dataset.npz")
    parser.add_argument("--generator", default="results/downloads/ml-100k-irgan/model_dns_ori.pkl")
    parser.add_argument("--out", default="results/benchmarks/train.csv")
    parser.add_argument("--config", action="append", default=[], help="config file merged over the default")
    parser.add_argument("--variant", default="code", help="IRGAN variant whose settings are timed")
    parser.add_argument("--authors", default=None,
                        help="the authors' timings (JSON of irgan.original.authors_code.benchmark_authors)")
    parser.add_argument("--process-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--settings-json", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=["auto", "compiled", "torch"], default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    configure_logging()

    def run() -> None:
        if args.process_only:  # the timed child of process_seconds
            set_threads(args.threads)
            _train(args.dataset, args.generator, json.loads(args.settings_json), torch.device("cpu"), 1)
            return
        settings = resolve_variant(load_config(*args.config)["irgan"], args.variant)
        if args.backend is not None:
            settings["backend"] = args.backend
        authors = json.loads(open(args.authors).read()) if args.authors else None
        schedule = authors["schedule"] if authors else SHORT_SCHEDULE
        benchmark(args.dataset, args.generator, args.out, settings, args.device, args.threads,
                  authors=authors, schedule=schedule)

    run_step(run)


if __name__ == "__main__":
    main()
