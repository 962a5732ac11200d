"""A small synthetic study in the run contract, for the statistics, tables, figures and paper tests.

Per-user metrics are drawn from a known quality per system (so the expected
ordering and differences are known), with user and seed effects and integer
hit counts, so many per-user differences are exactly zero as in real runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from irgan.contract.runs import divergence_entry, make_record, run_dir, write_run
from irgan.protocol import metric_names

DATASET = "synthetic"
SEEDS = (1, 2, 3)
N_USERS = 60
EPOCHS = 12
# Hit probability in the top 10 per system: the reference is in the middle of the field.
QUALITY = {
    "irgan-code": 0.40,
    "irgan-pretrain-both": 0.41,
    "irgan-reward-sigmoid": 0.30,
    "irgan-frozen-d": 0.39,
    "mle": 0.30,
    "bpr": 0.31,
    "lambdafm": 0.36,
    "pop": 0.20,
}
DIVERGED = ("validation", "irgan-reward-sigmoid", 2)
STATISTICS = {
    "confidence": 0.95,
    "alpha": 0.05,
    "holm_family": "protocol",
    "wilcoxon_zero_method": "pratt",
    "bootstrap": {"resamples": 400, "seed": 11},
    "reference": "irgan-code",
    "headline": {"metric": "P@5", "selection": "test", "against": ["mle", "bpr", "lambdafm"]},
    "paper_rows": {"MLE": "mle", "BPR": "bpr", "LambdaFM": "lambdafm", "IRGAN-pointwise": "irgan-code"},
    "families": {
        "pre-training": {"question": "Does pre-training matter?", "systems": ["irgan-pretrain-*"]},
        "reward": {"question": "Does the reward matter?", "systems": ["irgan-reward-*"]},
        "generator-only": {
            "question": "Does the adversary matter?",
            "systems": ["irgan-frozen-d"],
            "context": ["mle"],
        },
        "schedule": {"question": "Does the schedule matter?", "systems": ["irgan-fast"]},
    },
}


def run_record(dataset: str, selection: str, system: str, seed: int, **fields) -> dict:
    """A record of the run contract for a run of these tests (``status`` ok unless given; no
    provenance)."""
    return make_record(**{"status": "ok", "provenance": {}, **fields}, dataset=dataset,
                       selection=selection, system=system, seed=seed)


def per_user_table(quality: float, user_effect: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Metrics from integer hits: P@k exact, NDCG/MAP/MRR plausible and inside [0, 1]."""
    p = np.clip(quality + user_effect, 0.01, 0.95)
    hits10 = rng.binomial(10, p)
    hits5 = rng.binomial(np.minimum(hits10, 5), 0.6)
    hits3 = rng.binomial(np.minimum(hits5, 3), 0.7)
    n_relevant = np.maximum(hits10, 1) + rng.integers(0, 5, len(p))
    table = {"user": np.arange(len(p)), "n_relevant": n_relevant, "n_candidates": 400}
    for k, hits in ((3, hits3), (5, hits5), (10, hits10)):
        table[f"P@{k}"] = hits / k
        table[f"NDCG@{k}"] = np.minimum(1.0, hits / np.minimum(k, n_relevant) * 0.95)
    table["MAP"] = np.minimum(1.0, hits10 / (n_relevant + 5.0))
    table["MRR"] = np.where(hits10 > 0, 1.0 / (1 + rng.integers(0, 4, len(p))), 0.05)
    return pd.DataFrame(table)[["user", "n_relevant", "n_candidates", *metric_names()]]


def curve_table(quality: float, selected: int, rng: np.random.Generator, models=("G", "D")) -> pd.DataFrame:
    rows = []
    for model in models:
        for split in ("validation", "test"):
            shift = 0.0 if split == "test" else 0.02
            for epoch in range(EPOCHS):
                level = quality - 0.002 * (epoch - selected) ** 2 + shift + rng.normal(0, 0.01)
                row = {"epoch": epoch, "model": model, "split": split}
                row |= {m: level for m in metric_names()}
                rows.append(row)
    return pd.DataFrame(rows)


def make_study(
    root: Path,
    systems: dict[str, float] | None = None,
    seeds=SEEDS,
    deterministic: tuple[str, ...] = (),
    dataset: str = DATASET,
) -> list[Path]:
    """Write every run of the synthetic study under ``root``; return the run directories.

    ``deterministic`` systems give the same runs for every seed and say so in
    their records, as pop, item-kNN, EASE and the released checkpoint do.
    """
    systems = systems or QUALITY
    users = np.random.default_rng(0).normal(0, 0.1, N_USERS)
    directories = []
    for selection in ("test", "validation"):
        for s_index, (system, quality) in enumerate(systems.items()):
            for seed in seeds:
                fixed = system in deterministic
                rng = np.random.default_rng([s_index, 0 if fixed else seed, selection == "test"])
                directory = run_dir(root, dataset, selection, system, seed)
                seed_quality = quality + rng.normal(0, 0.01) + (0.01 if selection == "test" else 0.0)
                selected = int(rng.integers(4, 9))
                models = ("G", "D") if system.startswith("irgan-") else (system,)
                curve = curve_table(seed_quality, selected, rng, models)
                key = (dataset, selection, system, seed)
                record = run_record(*key, selected_epoch=selected, final_epoch=EPOCHS - 1)
                per_user = per_user_table(seed_quality, users, rng)
                if (selection, system, seed) == DIVERGED:
                    record = run_record(*key, status="diverged", final_epoch=3,
                                        divergence=divergence_entry("G", 3, "NaN loss"))
                    per_user = None
                    curve = curve[curve["epoch"] < 3]
                if fixed:
                    record["deterministic"] = True
                write_run(directory, per_user, curve, record)
                directories.append(directory)
    return directories


def audit_table() -> pd.DataFrame:
    rows = []
    for checkpoint, base in (("model_dns_ori", 0.35), ("gan_generator", 0.38)):
        rows += [
            {"checkpoint": checkpoint, "metric": m, "value": base + 0.001 * i}
            for i, m in enumerate(metric_names())
        ]
    return pd.DataFrame(rows)
