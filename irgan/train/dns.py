"""DNS pre-training: dynamic negative sampling with a BPR loss, as the authors' cf_dns.py.

Every epoch, for each training pair (u, i) in the authors' order, draw
``candidates`` (5) items uniformly from u's non-positives and keep the one the
current model scores highest (Zhang et al., SIGIR 2013); then one plain SGD
step per triple (u, i, j) on

    -log sigmoid(f(u, i) - f(u, j)) + l2 * l2_loss(p_u, q_i, q_j, b_i, b_j)

with lr 0.05 and l2 0.1 (``l2_loss(x) = sum(x**2) / 2``). After each epoch the
model is evaluated, and the epoch with the best P@5 on the run's selection
split is kept (the authors kept the best TEST P@5). The scores used to pick
negatives are those of the model at the start of the epoch, as in the code
(it writes the epoch's triples to a file before training on them). The step is the
pairwise step BPR and LambdaFM take too (:mod:`irgan.train.pairwise`), with one triple per
step in the authors' order; the compiled ``kernels.bpr_epoch`` runs it here.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch

from irgan.data.dataset import Dataset
from irgan.train.components import (
    MFParams,
    TrainerRecommender,
    TrainResult,
    draw_uniform_negatives,
    uniforms,
)
from irgan.train.pairwise import ordered_epoch, pairwise_step
from irgan.train.settings import DNSSettings
from irgan.train.trainer import Trainer, TripleMethod, resolve_backend  # noqa: F401  (resolve_backend re-exported)


def dns_negatives(scores: torch.Tensor, table: torch.Tensor, counts: torch.Tensor,
                  rows: torch.Tensor, draws: torch.Tensor) -> torch.Tensor:
    """For each pair, the best-scored of its uniformly drawn candidate non-positives.

    ``scores`` (n_train_users, n_items); ``draws`` (n_pairs, candidates) uniforms.
    Ties go to the first candidate drawn (numpy's argmax).
    """
    row_of = rows[:, None].expand(-1, draws.shape[1])
    candidates = draw_uniform_negatives(table, counts, rows, draws)
    candidate_scores = scores[row_of, candidates]
    return candidates.gather(1, candidate_scores.argmax(dim=1, keepdim=True)).squeeze(1)


def bpr_step(model: MFParams, user: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
             lr: float, l2: float) -> torch.Tensor:
    """One SGD step on a batch of triples, weights 1 (the torch reference of kernels.bpr_epoch);
    returns the summed BPR loss."""
    weights = torch.ones(len(user), device=model.device)
    return pairwise_step(model, user, positive, negative, weights, lr, l2).ranking_loss


bpr_epoch = ordered_epoch  # one step per triple in the authors' order (irgan.train.pairwise)


class DNS(TripleMethod):
    """DNS + BPR as a method of the training loop: one epoch = fresh negatives, one step per triple."""

    system, label, loss_name = "dns", "DNS", "the BPR loss"

    def __init__(self, dataset: Dataset, selection: str, settings: DNSSettings, seed: int,
                 device: torch.device, init: MFParams | None = None) -> None:
        self.prepare(dataset, selection, settings, seed, device, init)
        self.train_users = torch.as_tensor(self.positives.user_ids, device=device)
        self.loss_count = len(self.positives)

    def epoch(self, epoch: int) -> float:
        s = self.settings
        with torch.no_grad():  # negatives are picked by the model at the start of the epoch
            scores = self.model.to(self.device).score(self.train_users)
        draws = uniforms(self.rng, len(self.positives), s.candidates).to(self.device)
        negatives = dns_negatives(scores, self.table, self.counts, self.rows, draws).to(self.step_device)
        return bpr_epoch(self.model, self.users, self.items, negatives, s.lr, s.l2, self.backend)


def train_dns(dataset: Dataset, selection: str, settings: dict | DNSSettings | None = None, seed: int = 0,
              device: str | torch.device = "cpu", init: MFParams | None = None,
              on_epoch: Callable[[int, MFParams], None] | None = None,
              resume_path: str | os.PathLike | None = None) -> TrainResult:
    """Pre-train an MF model with DNS + BPR; keep the epoch with the best selection P@5.

    ``on_epoch(epoch, model)`` sees the model after every epoch (0 = the init), e.g. to follow
    its scale along the trajectory (irgan/original/start_match.py); it must not change the model.
    """
    s = DNSSettings.from_dict(settings)
    device = torch.device(device)
    method = DNS(dataset, selection, s, seed, device, init)
    return Trainer(method, dataset, selection, seed, device, splits=s.curve_splits, on_epoch=on_epoch,
                   resume_path=resume_path, description=f"DNS seed {seed} ({selection})").fit()


class DNSRecommender(TrainerRecommender):
    """DNS-pre-trained MF behind the Recommender interface (a baseline row of the study)."""

    train = staticmethod(train_dns)
