"""Evaluate the authors' released checkpoints under the paper protocol and set them beside Table 3."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from irgan.contract.io import atomic_path, write_text
from irgan.contract.runs import make_record, write_run
from irgan.data.dataset import Dataset
from irgan.models.checkpoints import load_mf_checkpoint
from irgan.models.evaluation import evaluate, evaluate_report, summarise
from irgan.protocol import PAPER_SELECTION
from irgan.published import (
    METRICS,
    RELEASED_START_SYSTEM,  # noqa: F401  (re-exported)
    TABLE3_ML100K,
    matching_metrics,
)


def audit_checkpoints(dataset: Dataset, checkpoints: list[str | os.PathLike]) -> pd.DataFrame:
    """Long table ``checkpoint, metric, value`` (checkpoint = file stem), test split, paper protocol."""
    rows = []
    for path in checkpoints:
        model = load_mf_checkpoint(path, dataset.n_users, dataset.n_items)
        means = summarise(evaluate(model, dataset, split="test"))
        rows += [{"checkpoint": Path(path).stem, "metric": m, "value": means[m]} for m in METRICS]
    return pd.DataFrame(rows, columns=["checkpoint", "metric", "value"])


def audit_markdown(results: pd.DataFrame, paper_rows: dict[str, tuple[float, ...]] = TABLE3_ML100K) -> str:
    """Each checkpoint beside every row of the paper's table, with the metrics that match."""
    header = "| row | " + " | ".join(METRICS) + " | equal to 4 decimals |"
    rule = "|---|" + "---:|" * len(METRICS) + "---|"
    lines = [
        "# The authors' released checkpoints under the paper protocol",
        "",
        "Test split of `ml-100k-irgan`; candidates are all items except the user's training",
        "positives; users with at least one test positive. Published rows: Table 3 of the paper.",
        "",
    ]
    for checkpoint, group in results.groupby("checkpoint", sort=False):
        values = dict(zip(group["metric"], group["value"], strict=True))
        lines += [f"## `{checkpoint}`", "", header, rule]
        lines.append(
            f"| **{checkpoint}** (evaluated here) | "
            + " | ".join(f"**{values[m]:.4f}**" for m in METRICS)
            + " | |"
        )
        verdicts = []
        for system, figures in paper_rows.items():
            published = dict(zip(METRICS, figures, strict=True))
            matched = matching_metrics(values, published)
            cells = [f"{published[m]:.4f}" + (" =" if m in matched else "") for m in METRICS]
            lines.append(f"| paper: {system} | " + " | ".join(cells) + f" | {len(matched)}/{len(METRICS)} |")
            if len(matched) == len(METRICS):
                verdicts.append(system)
        lines.append("")
        lines.append(_verdict(checkpoint, values, paper_rows))
        lines.append("")
    lines.append("`=` marks a published figure that the checkpoint reproduces to 4 decimals.")
    return "\n".join(lines) + "\n"


def _verdict(checkpoint: str, values: dict[str, float], paper_rows: dict[str, tuple[float, ...]]) -> str:
    """One sentence: which published row the checkpoint reproduces, and where it does not."""
    matches = {
        system: matching_metrics(values, dict(zip(METRICS, figures, strict=True)))
        for system, figures in paper_rows.items()
    }
    full = [system for system, matched in matches.items() if len(matched) == len(METRICS)]
    if full:
        return (
            f"`{checkpoint}` reproduces the paper's {', '.join(full)} row on every metric "
            "to the published 4 decimals."
        )
    best = max(
        paper_rows,
        key=lambda s: (
            len(matches[s]),
            -sum(abs(values[m] - v) for m, v in zip(METRICS, paper_rows[s], strict=True)),
        ),
    )
    published = dict(zip(METRICS, paper_rows[best], strict=True))
    misses = ", ".join(
        f"{m} {values[m]:.5f} vs {published[m]:.4f}" for m in METRICS if m not in matches[best]
    )
    if matches[best]:
        return (
            f"`{checkpoint}` reproduces the paper's {best} row on {len(matches[best])} of "
            f"{len(METRICS)} metrics to 4 decimals; it differs on {misses}."
        )
    return f"`{checkpoint}` reproduces no published figure; the closest row is {best} ({misses})."


def write_audit(results: pd.DataFrame, csv_path: str | os.PathLike, markdown_path: str | os.PathLike) -> None:
    with atomic_path(csv_path) as tmp:
        results.to_csv(tmp, index=False, float_format="%.6f")
    write_text(markdown_path, audit_markdown(results))


def write_released_start_run(
    directory: str | os.PathLike, dataset: Dataset, checkpoint: str | os.PathLike, seed: int,
    provenance: dict,
) -> None:
    """The authors' released DNS start as a run of the study (system ``dns-released``).

    The reference IRGAN starts from this file under the paper protocol, so the study needs it as a
    system beside its own DNS to say what the adversarial phase adds. Nothing is trained: the run
    is the checkpoint evaluated on test (the same numbers for every seed, so it pairs with every
    seed of the reference), under the ``test`` rule only, as its authors selected it on test.
    """
    model = load_mf_checkpoint(checkpoint, dataset.n_users, dataset.n_items)
    per_user, top_items = evaluate_report(model, dataset)
    curve = pd.DataFrame([{"epoch": 0, "model": "G", "split": "test", **summarise(per_user)}])
    record = make_record(
        status="ok", system=RELEASED_START_SYSTEM, dataset=dataset.name, selection=PAPER_SELECTION,
        seed=seed, selected_epoch=0, final_epoch=0, reported_model="G", deterministic=True,
        hyperparameters={"checkpoint": Path(checkpoint).name}, provenance=provenance,
    )
    write_run(directory, per_user, curve, record, top_items)
