"""The steps several rules' scripts share, each writing one run in the contract of
:mod:`irgan.contract.runs`: around a trainer (rules pretrain, pretrain_discriminator and train_irgan:
the rule's device and threads, its dataset, the provenance of its settings), or from the original
code's raw outputs (rules authors_code_run and authors_dns_run). A script supplies only what is
its own: the call of its trainer and the settings to record, or the writer of its raw outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import torch

from irgan.contract.provenance import run_record
from irgan.data.dataset import Dataset
from irgan.train.components import TrainResult, set_threads, write_training_run
from irgan.train.runtime import resolve_device

Trainer = Callable[[Dataset, torch.device], TrainResult]


class RawRunWriter(Protocol):
    """``irgan.original.runs.write_authors_run`` and ``write_authors_dns_run``."""

    def __call__(self, raw_dir: Path, dataset: Dataset, run_dir: Path, provenance: dict) -> Any: ...


def train_step(snakemake: Any, train: Trainer, settings: dict[str, Any],
               inputs: dict[str, Any] | None = None) -> TrainResult:
    """Train on the rule's dataset (``snakemake.input.dataset``) and write the run beside
    ``snakemake.output.record``; its provenance's config holds ``settings``, the run's device,
    dataset and selection rule, and ``inputs`` (the models it started from)."""
    w, params = snakemake.wildcards, snakemake.params
    device = resolve_device(params.device)
    set_threads(snakemake.threads)
    dataset = Dataset.load(snakemake.input.dataset)
    result = train(dataset, device)
    config = {**settings, "device": params.device, "dataset": w.dataset, "selection": w.selection,
              **(inputs or {})}
    provenance = run_record(config, seed=int(w.seed), device=str(device))
    write_training_run(Path(snakemake.output.record).parent, result, dataset, provenance, device)
    return result


def authors_run_step(snakemake: Any, write: RawRunWriter) -> None:
    """Write the original code's raw outputs (beside ``snakemake.input.record``) as the run beside
    ``snakemake.output.record``, with the pinned upstream (``snakemake.params.authors_code``) as
    its provenance."""
    w = snakemake.wildcards
    provenance = run_record({"dataset": w.dataset, "authors_code": dict(snakemake.params.authors_code)},
                            seed=int(w.seed), device="cpu")
    write(Path(snakemake.input.record).parent, Dataset.load(snakemake.input.dataset),
          Path(snakemake.output.record).parent, provenance)
