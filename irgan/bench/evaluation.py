"""Benchmark of the evaluation protocol on MovieLens-100k (the authors' split).

    python -m irgan.bench.evaluation [--mirror DIR] [--device auto] [--repeats 50] [--output CSV]

Times every evaluated user of the test split (456) and of the validation
split, for the full metric set (one sort per user) and for the top-k path
used by learning curves, with masks built once (as training loops do) and
from scratch (as a one-off evaluation does). Results: median milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import pandas as pd
import torch

from irgan.contract.io import atomic_path
from irgan.contract.provenance import library_versions
from irgan.data.dataset import build_dataset
from irgan.data.ratings import read_ratings
from irgan.models.checkpoints import load_mf_checkpoint
from irgan.models.evaluation import Evaluator, evaluate_scores
from irgan.train.runtime import resolve_device


def _median_ms(fn, repeats: int, device: torch.device) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mirror", default=os.environ.get("IRGAN_MIRROR", "../shared/data/irgan-ml100k"))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--output", default="results/benchmarks/evaluation.csv")
    args = parser.parse_args(argv)
    mirror = Path(args.mirror)
    device = resolve_device(args.device)
    train = read_ratings(mirror / "movielens-100k-train.txt", n_users=943, n_items=1683)
    test = read_ratings(mirror / "movielens-100k-test.txt", n_users=943, n_items=1683)
    dataset = build_dataset(
        "ml-100k-irgan", train, test, 943, 1683, 4.0, {"fraction": 0.1, "min_user_positives": 5, "seed": 2017}
    )
    model = load_mf_checkpoint(mirror / "model_dns_ori.pkl", 943, 1683).to(device)
    rows = []
    for split in ("test", "validation"):
        evaluator = Evaluator(dataset, split, device=device)
        cases = {
            "all metrics, masks built once": lambda ev=evaluator: ev.means(model.score),
            "P@k and NDCG@k (top-k path)": lambda ev=evaluator: ev.means(model.score, cutoff_only=True),
            "all metrics + masks + per-user table": lambda s=split: evaluate_scores(
                model.score, dataset, s, device=device
            ),
        }
        for case, fn in cases.items():
            ms = _median_ms(fn, args.repeats, device)
            rows.append(
                {
                    "split": split,
                    "users": len(evaluator.users),
                    "case": case,
                    "median_ms": round(ms, 2),
                    "device": str(device),
                    "threads": torch.get_num_threads(),
                    "torch": library_versions()["torch"],
                }
            )
    frame = pd.DataFrame(rows)
    print(frame.to_string(index=False))
    with atomic_path(args.output) as tmp:
        frame.to_csv(tmp, index=False)
    return frame


if __name__ == "__main__":
    main()
