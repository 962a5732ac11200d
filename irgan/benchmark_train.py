"""Time one faithful IRGAN run and its D- and G-epochs; write the figures beside the authors'.

The authors' code (TensorFlow 1, per-step ``sess.run``), on a 2-core machine,
took 0.53 s per D-epoch and 0.77 s per G-epoch with its evaluation, about 23
minutes per run of 15 x (100 D-epochs + 50 G-epochs).

    python -m irgan.benchmark_train --dataset results/ml-100k-irgan/data/dataset.npz \\
        --generator results/downloads/ml-100k-irgan/model_dns_ori.pkl \\
        --out results/benchmarks/train.csv --threads 2
"""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import platform
import time

import pandas as pd
import torch

from irgan.checkpoints import load_mf_checkpoint
from irgan.config import load_config
from irgan.data import Dataset
from irgan.io import atomic_path
from irgan.irgan_pointwise import train_irgan
from irgan.provenance import code_version
from irgan.runtime import configure_logging, resolve_device, run_step
from irgan.training import MFParams, set_threads
from irgan.variants import resolve_variant

AUTHORS_SECONDS = {"d_epoch": 0.53, "g_epoch": 0.77, "run": 23 * 60}


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


def benchmark(dataset_path: str, generator_path: str, out_csv: str, settings: dict,
              device: str = "cpu", threads: int | None = 2, seed: int = 1) -> pd.DataFrame:
    """Run the schedule once (G from the authors' released DNS model, selection on test)."""
    set_threads(threads)
    device = resolve_device(device)
    dataset = Dataset.load(dataset_path)
    generator = MFParams.from_model(load_mf_checkpoint(generator_path, dataset.n_users, dataset.n_items))
    settings = {**settings, "generator_init": "released", "discriminator_init": "random"}
    # compile (or load from numba's cache) every kernel first: the timing is of the schedule
    warm_up = {**settings, "outer_epochs": 1, "discriminator": {**settings["discriminator"], "epochs": 1},
               "generator": {**settings["generator"], "epochs": 1}}
    train_irgan(dataset, "test", warm_up, seed, device, generator=generator, variant="warm-up")
    load_before = load_average()
    started = time.perf_counter()
    result = train_irgan(dataset, "test", settings, seed, device, generator=generator, variant="benchmark")
    total = time.perf_counter() - started
    load_after = load_average()
    counts, seconds = result.extra["schedule"], result.extra["seconds"]
    d_epochs, g_epochs = max(counts["d_epochs"], 1), max(counts["g_epochs"], 1)
    full_schedule = counts["outer_epochs"] == 15 and d_epochs == 1500 and g_epochs == 750
    rows = [
        ("d_epoch_sgd", seconds["d_sgd"] / d_epochs, d_epochs, None),
        ("d_regeneration", seconds["regeneration"] / max(counts["regenerations"], 1),
         counts["regenerations"], None),
        ("d_epoch", (seconds["d_sgd"] + seconds["regeneration"]) / d_epochs, d_epochs,
         AUTHORS_SECONDS["d_epoch"]),
        ("g_epoch_sgd", seconds["g_sgd"] / g_epochs, g_epochs, None),
        ("g_epoch_evaluation", seconds["evaluation"] / g_epochs, g_epochs, None),
        ("g_epoch", (seconds["g_sgd"] + seconds["evaluation"]) / g_epochs, g_epochs,
         AUTHORS_SECONDS["g_epoch"]),
        ("run", total, 1, AUTHORS_SECONDS["run"] if full_schedule else None),
    ]
    frame = pd.DataFrame(rows, columns=["quantity", "seconds", "count", "authors_seconds"])
    frame["speedup"] = frame["authors_seconds"] / frame["seconds"]
    frame = frame.assign(
        d_steps=counts["d_steps"], g_steps=counts["g_steps"], status=result.status,
        test_p5_selected=result.extra["selected_value"], selected_epoch=result.selected_epoch,
        device=str(device), backend=result.hyperparameters["backend"], threads=torch.get_num_threads(),
        load_before=load_before, load_after=load_after, cpu=platform.processor() or platform.machine(),
        cpu_count=os.cpu_count(),
        gpu=torch.cuda.get_device_name(device) if device.type == "cuda" else "",
        torch=torch.__version__, numba=_version("numba"), code_version=code_version(),
    )
    with atomic_path(out_csv) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")
    logging.getLogger("irgan.benchmark").info("\n%s", frame[["quantity", "seconds", "authors_seconds",
                                                             "speedup"]].to_string(index=False))
    return frame


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="results/ml-100k-irgan/data/dataset.npz")
    parser.add_argument("--generator", default="results/downloads/ml-100k-irgan/model_dns_ori.pkl")
    parser.add_argument("--out", default="results/benchmarks/train.csv")
    parser.add_argument("--config", action="append", default=[], help="config file merged over the default")
    parser.add_argument("--variant", default="code", help="IRGAN variant whose settings are timed")
    parser.add_argument("--outer-epochs", type=int, default=None, help="shorten the run (default: config)")
    parser.add_argument("--backend", choices=["auto", "compiled", "torch"], default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    configure_logging()

    def run() -> None:
        settings = resolve_variant(load_config(*args.config)["irgan"], args.variant)
        if args.outer_epochs is not None:
            settings["outer_epochs"] = args.outer_epochs
        if args.backend is not None:
            settings["backend"] = args.backend
        benchmark(args.dataset, args.generator, args.out, settings, args.device, args.threads)

    run_step(run)


if __name__ == "__main__":
    main()
