"""Pairwise training of the biased matrix-factorisation scorer, shared by BPR and LambdaFM.

The scorer is IRGAN's own (:class:`irgan.train.components.MFParams`, f(u, i) = <p_u, q_i> + b_i, init
uniform(-init_scale, init_scale), bias 0) and the step is DNS pre-training's: the pairwise
logistic loss with per-example L2 of :mod:`irgan.train.pairwise`, plain SGD on mini-batches of
``batch_size`` triples (1: exactly BPR's and the authors' one-example SGD). An epoch is one pass
over the fitted positives in a seeded random order, run by the study's training loop
(:class:`irgan.train.trainer.Trainer`: no epoch-0 evaluation, optional ``patience``). Subclasses only
say how negatives (and weights) are drawn: :meth:`PairwiseMF.negatives`.
"""

from __future__ import annotations

import math
from typing import ClassVar

import torch

from baselines.base import Baseline
from baselines.sampling import device_generator
from irgan.data.dataset import Dataset, Pairs
from irgan.train.components import MFParams, TrainingDiverged
from irgan.train.pairwise import pairwise_step
from irgan.train.settings import PairwiseSettings
from irgan.train.trainer import Method, Trainer


class PairwiseEpochs(Method):
    """A pairwise baseline's epochs for the training loop: shuffled mini-batches of triples."""

    loss_name = "the pairwise loss"

    def __init__(self, baseline: PairwiseMF, users: torch.Tensor, items: torch.Tensor) -> None:
        s = baseline.settings
        self.baseline, self.users, self.items = baseline, users, items
        self.system = self.label = baseline.name
        self.model, self.rng = baseline.model, baseline.generator
        self.lr, self.l2, self.batch_size = s.lr, s.l2, s.batch_size
        self.epochs, self.hyperparameters = s.epochs, s.as_dict()

    def epoch(self, epoch: int) -> float:
        order = torch.randperm(len(self.users), generator=self.rng, device=self.model.device)
        epoch_loss = torch.zeros((), dtype=torch.float64, device=self.model.device)
        for batch in order.split(self.batch_size):
            u, i = self.users[batch], self.items[batch]
            j, weights = self.baseline.negatives(u, i, self.rng)
            epoch_loss += pairwise_step(self.model, u, i, j, weights, self.lr, self.l2).loss
        loss = float(epoch_loss) / len(self.users)
        self.baseline.train_loss.append(loss)
        if not (math.isfinite(loss) and self.model.is_finite()):
            raise TrainingDiverged("fit", epoch, f"non-finite loss or parameters (mean loss {loss})")
        return loss


class PairwiseMF(Baseline):
    """Biased MF trained on (user, positive, negative) triples; subclasses draw the negatives."""

    settings_type: ClassVar[type[PairwiseSettings]] = PairwiseSettings

    deterministic = False

    def negatives(self, users: torch.Tensor, positives: torch.Tensor,
                  generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """(negative items, example weights) for a batch of (user, positive) pairs."""
        raise NotImplementedError

    def prepare(self, dataset: Dataset, positives: Pairs) -> None:
        """Per-fit set-up of the sampler (called once the model and ``self.known`` exist)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.settings = self.settings_type.from_dict(self.params)  # types and ranges checked

    def score(self, users: torch.Tensor) -> torch.Tensor:
        return self.model.score(users.to(self.device))

    def _fit(self, dataset: Dataset, positives: Pairs) -> None:
        s = self.settings
        # Initial parameters come from a CPU generator: identical on every device.
        init = torch.Generator().manual_seed(self.seed)
        self.model = MFParams.random(dataset.n_users, dataset.n_items, s.dim, s.init_scale, init, self.device)
        self.generator = device_generator(self.seed + 1, self.device)
        self.known = positives.dense(dataset.n_users, dataset.n_items, self.device)
        users = torch.as_tensor(positives.users, device=self.device)
        items = torch.as_tensor(positives.items, device=self.device)
        self.prepare(dataset, positives)
        cutoff_only = self.selection_metric.startswith(("P@", "NDCG@"))
        result = Trainer(
            PairwiseEpochs(self, users, items), dataset, self._selection, self.seed, self.device,
            splits=list(self._monitors), metrics="cutoff" if cutoff_only else "full",
            selection_metric=self.selection_metric, compiled_evaluation=False, evaluate_start=False,
            patience=s.patience, cutoffs=self.cutoffs).fit()
        self.final_epoch = result.final_epoch
        self._curve = result.curve
        if result.status == "ok":
            self.selected_epoch = result.selected_epoch
            if result.selected is not None:
                self.model.copy_(result.selected)
        else:
            self.status = "diverged"
            self.divergence = {**result.divergence, "phase": "fit"}
