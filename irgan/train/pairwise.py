"""The pairwise (BPR) step shared by DNS pre-training, BPR and LambdaFM.

One training example is a triple (u, i, j) of a user, a positive and a negative with a
weight w (1 except for LambdaFM's rank-aware weighting); its loss is

    w * -log sigmoid(x_uij) + l2/2 * (|p_u|^2 + |q_i|^2 + |q_j|^2 + b_i^2 + b_j^2),
    x_uij = f(u, i) - f(u, j),

the pairwise logistic loss of BPR (Rendle et al., UAI 2009) with the per-example L2 penalty
of the authors' DNS pre-training (``l2 * tf.nn.l2_loss`` of the example's rows). A step applies
plain SGD to a batch, ``theta -= lr * sum of the examples' gradients``, every gradient taken
from the parameters before the step. With a batch of one this is exactly the one-triple-per-step
SGD of BPR and of cf_dns.py; larger batches are its vectorised form. What differs between the
rows of the study is settings only: how negatives are drawn, the batch size, the order (the
authors' order, users ascending, or a seeded shuffle), l2, lr and the epochs.

Two implementations of the one step: :func:`pairwise_step` (torch, the closed-form gradient,
checked against autograd in the tests) and, deliberately, the compiled fast path
``irgan.train.kernels.bpr_epoch`` (batch 1, weights 1, on the CPU), which produced the DNS numbers of
the study; the tests check that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from irgan.train import kernels
from irgan.train.components import MFParams


@dataclass(frozen=True)
class PairwiseGradients:
    """Per-example gradients of the pairwise loss w.r.t. the rows each example touches."""

    user: torch.Tensor  # (B, dim), for rows `users` of the user embeddings
    positive: torch.Tensor  # (B, dim), items `positives`
    negative: torch.Tensor  # (B, dim), items `negatives`
    positive_bias: torch.Tensor  # (B,)
    negative_bias: torch.Tensor  # (B,)
    ranking_loss: torch.Tensor  # scalar, the batch's summed w * -log sigmoid(x_uij)
    loss: torch.Tensor  # scalar, the batch's summed loss (with the l2 term)


def pairwise_loss(model: MFParams, users: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor,
                  weights: torch.Tensor, l2: float) -> torch.Tensor:
    """The batch's summed loss, in autograd-able ops on the parameters (the gradients' reference)."""
    p = model.user[users]
    qi, qj = model.item_t[:, positives].T, model.item_t[:, negatives].T
    bi, bj = model.bias[positives], model.bias[negatives]
    margin = (p * qi).sum(-1) + bi - (p * qj).sum(-1) - bj
    penalty = p.pow(2).sum() + qi.pow(2).sum() + qj.pow(2).sum() + bi.pow(2).sum() + bj.pow(2).sum()
    return (weights * F.softplus(-margin)).sum() + 0.5 * l2 * penalty


def pairwise_gradients(model: MFParams, users: torch.Tensor, positives: torch.Tensor,
                       negatives: torch.Tensor, weights: torch.Tensor, l2: float) -> PairwiseGradients:
    """Closed-form gradients of :func:`pairwise_loss`, one row per example."""
    p = model.user[users]
    item = model.item_t.T
    qi, qj = item[positives], item[negatives]
    bi, bj = model.bias[positives], model.bias[negatives]
    margin = (p * (qi - qj)).sum(-1) + bi - bj
    # d/dx of -log sigmoid(x) is -sigmoid(-x); weighted per example.
    slope = -weights * torch.sigmoid(-margin)
    ranking_loss = (weights * F.softplus(-margin)).sum()
    loss = ranking_loss + 0.5 * l2 * (
        p.pow(2).sum() + qi.pow(2).sum() + qj.pow(2).sum() + bi.pow(2).sum() + bj.pow(2).sum())
    return PairwiseGradients(
        user=slope[:, None] * (qi - qj) + l2 * p,
        positive=slope[:, None] * p + l2 * qi,
        negative=-slope[:, None] * p + l2 * qj,
        positive_bias=slope + l2 * bi,
        negative_bias=-slope + l2 * bj,
        ranking_loss=ranking_loss,
        loss=loss,
    )


def sgd_step(model: MFParams, users: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor,
             grads: PairwiseGradients, lr: float) -> None:
    """theta -= lr * (sum of per-example gradients), touching only the rows in the batch."""
    with torch.no_grad():
        model.user.index_add_(0, users, grads.user, alpha=-lr)
        model.item_t.index_add_(1, positives, grads.positive.T, alpha=-lr)
        model.item_t.index_add_(1, negatives, grads.negative.T, alpha=-lr)
        model.bias.index_add_(0, positives, grads.positive_bias, alpha=-lr)
        model.bias.index_add_(0, negatives, grads.negative_bias, alpha=-lr)


def pairwise_step(model: MFParams, users: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor,
                  weights: torch.Tensor, lr: float, l2: float) -> PairwiseGradients:
    """One SGD step on a batch of weighted triples; returns its gradients and losses."""
    grads = pairwise_gradients(model, users, positives, negatives, weights, l2)
    sgd_step(model, users, positives, negatives, grads, lr)
    return grads


def ordered_epoch(model: MFParams, users: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor,
                  lr: float, l2: float, backend: str) -> float:
    """One step per triple, in the given order (cf_dns.py); returns the summed BPR loss (no l2).

    ``compiled``: the fast path, kernels.bpr_epoch, the same step in a compiled loop.
    """
    if backend == "compiled":
        return float(kernels.bpr_epoch(*model.arrays(), users.numpy(), positives.numpy(),
                                       negatives.numpy(), lr, l2))
    total = torch.zeros((), dtype=torch.float64, device=model.device)
    one = torch.ones(1, device=model.device)
    for t in range(len(users)):
        total += pairwise_step(model, users[t : t + 1], positives[t : t + 1], negatives[t : t + 1], one,
                               lr, l2).ranking_loss
    return float(total)
