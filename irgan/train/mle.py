"""MLE training of the softmax generator: maximise the likelihood of the training positives.

IRGAN's generator is p_theta(i | u) = softmax_i f(u, i) over all items. Its
maximum-likelihood fit (the paper's "MLE" baseline and the generator
pre-training of its Algorithm 1) minimises

    -(1 / |S|) * sum_{(u, i) in S} log p_theta(i | u)

over the training positives S. The authors published no code for it, so this
is a plain, documented choice: mini-batches of users (seeded shuffle each
epoch), the full softmax over all items, Adam, optional weight decay; after
each epoch the model is evaluated and the epoch with the best P@5 on the
run's selection split is kept.
"""

from __future__ import annotations

import os

import torch

from irgan.data.dataset import Dataset
from irgan.train.components import MFParams, Positives, TrainerRecommender, TrainResult
from irgan.train.settings import MLESettings
from irgan.train.trainer import Method, Trainer


def softmax_nll(user_rows: torch.Tensor, item_t: torch.Tensor, bias: torch.Tensor,
                positive_mask: torch.Tensor) -> torch.Tensor:
    """Mean over the batch's positive pairs of -log softmax(f(u, .))[i]."""
    log_p = torch.log_softmax(user_rows @ item_t + bias, dim=1)
    return -(log_p * positive_mask).sum() / positive_mask.sum()


class MLE(Method):
    """The softmax generator's maximum-likelihood fit as a method of the training loop."""

    system, label, loss_name = "mle", "MLE", "the negative log-likelihood"

    def __init__(self, dataset: Dataset, selection: str, settings: MLESettings, seed: int,
                 device: torch.device) -> None:
        s = self.settings = settings
        positives = Positives.from_pairs(dataset.training_positives(selection),
                                         dataset.n_users, dataset.n_items)
        self.rng = torch.Generator().manual_seed(seed)
        self.model = model = MFParams.random(dataset.n_users, dataset.n_items, s.model.dim,
                                             s.model.init_scale, self.rng, device)
        self.parameters = [model.user.requires_grad_(), model.item_t.requires_grad_(),
                           model.bias.requires_grad_()]
        optimizer = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[s.optimizer]
        self.optimizer = optimizer(self.parameters, lr=s.lr, weight_decay=s.weight_decay)
        self.device = device
        self.mask = positives.mask(device)
        self.train_users = torch.as_tensor(positives.user_ids)
        self.epochs, self.loss_count, self.hyperparameters = s.epochs, len(self.train_users), s.as_dict()

    def epoch(self, epoch: int) -> float:
        order = self.train_users[torch.randperm(len(self.train_users), generator=self.rng)].to(self.device)
        total = 0.0
        for batch in order.split(self.settings.batch_users):
            loss = softmax_nll(self.model.user[batch], self.model.item_t, self.model.bias, self.mask[batch])
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            total += float(loss.detach()) * len(batch)
        return total

    def state(self) -> dict:
        return {"optimizer": self.optimizer.state_dict()}

    def load_state(self, state: dict) -> None:
        self.optimizer.load_state_dict(state["optimizer"])

    def finish(self) -> None:
        for t in self.parameters:
            t.requires_grad_(False)


def train_mle(dataset: Dataset, selection: str, settings: dict | MLESettings | None = None, seed: int = 0,
              device: str | torch.device = "cpu",
              resume_path: str | os.PathLike | None = None) -> TrainResult:
    """Fit p_theta(i | u) by maximum likelihood; keep the epoch with the best selection P@5."""
    s = MLESettings.from_dict(settings)
    device = torch.device(device)
    return Trainer(MLE(dataset, selection, s, seed, device), dataset, selection, seed, device,
                   splits=s.curve_splits, resume_path=resume_path,
                   description=f"MLE seed {seed} ({selection})").fit()


class MLERecommender(TrainerRecommender):
    """The MLE-trained softmax generator behind the Recommender interface (a baseline row)."""

    train = staticmethod(train_mle)
