"""Pairwise training of the biased matrix-factorisation scorer, shared by BPR and LambdaFM.

The scorer is IRGAN's own (:class:`irgan.models.MatrixFactorization`,
f(u, i) = <p_u, q_i> + b_i, init uniform(-init_scale, init_scale), bias 0). One
training example is a triple (u, i, j) of a user, a fitted positive and a sampled
negative with a weight w; its loss is

    w * -log sigmoid(x_uij) + l2/2 * (|p_u|^2 + |q_i|^2 + |q_j|^2 + b_i^2 + b_j^2),
    x_uij = f(u, i) - f(u, j),

the pairwise logistic loss of BPR (Rendle et al., UAI 2009) with the per-example
L2 penalty of the authors' DNS pre-training (``0.1 * tf.nn.l2_loss`` of the
example's embeddings and biases). Each step applies plain SGD to a minibatch,
``theta -= lr * sum of the examples' gradients``: with ``batch_size: 1`` this is
exactly the one-example-per-step SGD of BPR and of the authors' code; larger
batches are its vectorised form. The gradient is written out (sparse updates of
the rows a batch touches) and checked against autograd in the tests.

An epoch is one pass over the fitted positives in a seeded random order.
Subclasses only say how negatives (and weights) are drawn: :meth:`negatives`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from baselines.base import Baseline
from baselines.sampling import device_generator
from irgan.data import Dataset, Pairs
from irgan.models import MatrixFactorization

PAIRWISE_DEFAULTS = {
    "dim": 5,
    "lr": 0.05,
    "l2": 0.01,
    "epochs": 100,
    "batch_size": 256,
    "init_scale": 0.05,
    "patience": None,
}


@dataclass(frozen=True)
class PairwiseGradients:
    """Per-example gradients of the pairwise loss w.r.t. the rows each example touches."""

    user: torch.Tensor  # (B, dim), for rows `users` of the user embeddings
    positive: torch.Tensor  # (B, dim), rows `positives` of the item embeddings
    negative: torch.Tensor  # (B, dim), rows `negatives` of the item embeddings
    positive_bias: torch.Tensor  # (B,)
    negative_bias: torch.Tensor  # (B,)
    loss: torch.Tensor  # scalar, the batch's summed loss


def pairwise_loss(model: MatrixFactorization, users, positives, negatives, weights, l2: float):
    """The batch's summed loss, written with autograd-able ops (the reference for the gradient)."""
    p = model.user_emb[users]
    qi, qj = model.item_emb[positives], model.item_emb[negatives]
    bi, bj = model.item_bias[positives], model.item_bias[negatives]
    margin = (p * qi).sum(-1) + bi - (p * qj).sum(-1) - bj
    penalty = (p.pow(2).sum() + qi.pow(2).sum() + qj.pow(2).sum() + bi.pow(2).sum() + bj.pow(2).sum())
    return (weights * F.softplus(-margin)).sum() + 0.5 * l2 * penalty


def pairwise_gradients(model: MatrixFactorization, users, positives, negatives, weights,
                       l2: float) -> PairwiseGradients:
    """Closed-form gradients of :func:`pairwise_loss`, one row per example."""
    p = model.user_emb.detach()[users]
    qi, qj = model.item_emb.detach()[positives], model.item_emb.detach()[negatives]
    bi, bj = model.item_bias.detach()[positives], model.item_bias.detach()[negatives]
    margin = (p * (qi - qj)).sum(-1) + bi - bj
    # d/dx of -log sigmoid(x) is -sigmoid(-x); weighted per example.
    slope = -weights * torch.sigmoid(-margin)
    loss = (weights * F.softplus(-margin)).sum() + 0.5 * l2 * (
        p.pow(2).sum() + qi.pow(2).sum() + qj.pow(2).sum() + bi.pow(2).sum() + bj.pow(2).sum())
    return PairwiseGradients(
        user=slope[:, None] * (qi - qj) + l2 * p,
        positive=slope[:, None] * p + l2 * qi,
        negative=-slope[:, None] * p + l2 * qj,
        positive_bias=slope + l2 * bi,
        negative_bias=-slope + l2 * bj,
        loss=loss,
    )


def sgd_step(model: MatrixFactorization, users, positives, negatives, grads: PairwiseGradients,
             lr: float) -> None:
    """theta -= lr * (sum of per-example gradients), touching only the rows in the batch."""
    with torch.no_grad():
        model.user_emb.index_add_(0, users, grads.user, alpha=-lr)
        model.item_emb.index_add_(0, positives, grads.positive, alpha=-lr)
        model.item_emb.index_add_(0, negatives, grads.negative, alpha=-lr)
        model.item_bias.index_add_(0, positives, grads.positive_bias, alpha=-lr)
        model.item_bias.index_add_(0, negatives, grads.negative_bias, alpha=-lr)


class PairwiseMF(Baseline):
    """Biased MF trained on (user, positive, negative) triples; subclasses draw the negatives."""

    deterministic = False

    def negatives(self, users: torch.Tensor, positives: torch.Tensor,
                  generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """(negative items, example weights) for a batch of (user, positive) pairs."""
        raise NotImplementedError

    def prepare(self, dataset: Dataset, positives: Pairs) -> None:
        """Per-fit set-up of the sampler (called once the model and ``self.known`` exist)."""

    def score(self, users: torch.Tensor) -> torch.Tensor:
        return self.model.score(users.to(self.device))

    def _fit(self, dataset: Dataset, positives: Pairs) -> None:
        params = self.params
        lr, l2, batch_size = float(params["lr"]), float(params["l2"]), int(params["batch_size"])
        # Initial parameters come from a CPU generator: identical on every device.
        init = torch.Generator().manual_seed(self.seed)
        self.model = MatrixFactorization(dataset.n_users, dataset.n_items, int(params["dim"]),
                                         float(params["init_scale"]), generator=init).to(self.device)
        self.model.requires_grad_(False)
        generator = device_generator(self.seed + 1, self.device)
        self.known = positives.dense(dataset.n_users, dataset.n_items, self.device)
        users = torch.as_tensor(positives.users, device=self.device)
        items = torch.as_tensor(positives.items, device=self.device)
        self.prepare(dataset, positives)

        best_state = self._snapshot()
        since_best = 0
        for epoch in range(1, int(params["epochs"]) + 1):
            order = torch.randperm(len(users), generator=generator, device=self.device)
            epoch_loss = torch.zeros((), dtype=torch.float64, device=self.device)
            for batch in order.split(batch_size):
                u, i = users[batch], items[batch]
                j, weights = self.negatives(u, i, generator)
                grads = pairwise_gradients(self.model, u, i, j, weights, l2)
                sgd_step(self.model, u, i, j, grads, lr)
                epoch_loss += grads.loss
            loss = float(epoch_loss) / len(users)
            self.train_loss.append(loss)
            self.final_epoch = epoch
            if not (math.isfinite(loss) and self._parameters_finite()):
                self._diverged(epoch, f"non-finite loss or parameters (mean loss {loss})")
                return
            if self._observe(epoch):
                best_state, self.selected_epoch, since_best = self._snapshot(), epoch, 0
            else:
                since_best += 1
                if params["patience"] is not None and since_best >= int(params["patience"]):
                    break
        self._restore(best_state)

    def _parameters_finite(self) -> bool:
        return all(bool(torch.isfinite(p).all()) for p in self.model.parameters())

    def _snapshot(self) -> list[torch.Tensor]:
        return [p.detach().clone() for p in self.model.parameters()]

    def _restore(self, state: list[torch.Tensor]) -> None:
        with torch.no_grad():
            for param, saved in zip(self.model.parameters(), state, strict=True):
                param.copy_(saved)
