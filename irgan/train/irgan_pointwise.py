"""IRGAN pointwise item recommendation, as the authors' cf_gan.py runs it.

Two matrix-factorisation scorers play a minimax game (Wang et al., SIGIR 2017):

- the generator G models p_theta(i | u) = softmax_i f_G(u, i) over ALL items;
- the discriminator D scores D(i | u) = sigmoid(f_D(u, i)): is (u, i) a real
  training positive or an item that G generated?

Schedule (every number is a setting; defaults = the authors' code):

    for each of 15 outer epochs:
        100 D-epochs; every 5th one first redraws D's data: for each training
            user, |pos(u)| items from softmax(f_G(u, .) / 0.2), each paired with
            one of u's positives (in file order). One D-epoch = one pass over
            these (user, positive, generated) triples in batches of 16 triples,
            sigmoid cross-entropy (labels 1 / 0), SGD lr 0.001, l2 0.1/16.
        50 G-epochs; in each, one SGD step per training user (lr 0.001):
            p  = softmax(f_G(u, .))
            pn = 0.8 * p + 0.2 * uniform(pos(u))          # importance-sampling mix
            draw 2|pos(u)| items i ~ pn
            reward = 2 * sigmoid(f_D(u, i)) - 1            # the code; paper eq. 5: log(1 + e^f)
            loss = -mean(log p(i | u) * reward * p(i) / pn(i))   # REINFORCE, importance-weighted
        after every G-epoch, evaluate G and keep the best by P@5 on the
        selection split (the paper: the TEST split).

The readable torch steps below define the algorithm; the compiled kernels of
:mod:`irgan.train.kernels` run the same math epoch by epoch (tests check that they
agree), because the schedule is millions of tiny sequential steps.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from irgan.data.dataset import Dataset
from irgan.errors import ConfigError
from irgan.models.checkpoints import load_mf_checkpoint
from irgan.train import kernels
from irgan.train import settings as irgan_settings
from irgan.train.components import (
    MFParams,
    NonFiniteSampling,
    Positives,
    TrainingDiverged,
    TrainResult,
    check_finite,
    draw_uniform_negatives,
    load_model,
    uniforms,
)
from irgan.train.dynamics import DynamicsLog
from irgan.train.placement import Measurements, Placement, place
from irgan.train.sampling import sample_inverse_cdf
from irgan.train.settings import DiscriminatorPretrainingSettings, IRGANSettings
from irgan.train.trainer import Method, Trainer, TripleMethod

log = logging.getLogger("irgan.irgan")

# ---------------------------------------------------------------------------------------------
# Rewards: what the generator is paid for a sampled item, from the discriminator's logit f_D.
# ---------------------------------------------------------------------------------------------

REWARDS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "2sigmoid-1": lambda f: 2 * torch.sigmoid(f) - 1,  # cf_gan.py / dis_model.py
    "sigmoid": torch.sigmoid,  # D(i | u) itself
    "log-sigmoid": F.logsigmoid,  # log D(i | u)
    "softplus": F.softplus,  # the paper's eq. (5): log(1 + exp(f_D))
}
REWARD_CHOICES = irgan_settings.REWARDS  # the rewards above, and label: 1 for a sampled training positive


def item_rewards(kind: str, D: MFParams, users: torch.Tensor, items: torch.Tensor,
                 positive_mask: torch.Tensor) -> torch.Tensor:
    """Reward of each sampled item; ``users`` (B,), ``items`` (B, K)."""
    if kind == "label":
        return positive_mask[users[:, None], items].float()
    logits = torch.einsum("bd,dbk->bk", D.user[users], D.item_t[:, items]) + D.bias[items]
    return REWARDS[kind](logits)


# ---------------------------------------------------------------------------------------------
# The generator's step: importance-sampled REINFORCE.
# ---------------------------------------------------------------------------------------------


def policy_gradient_loss(log_prob: torch.Tensor, reward: torch.Tensor,
                         importance_weight: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """-mean(log p_theta(i | u) * reward * importance_weight): per user over its samples,
    then over the users of the batch (one user per step in the authors' schedule)."""
    per_sample = log_prob * (reward * importance_weight).detach() * mask
    return -(per_sample.sum(dim=1) / mask.sum(dim=1)).mean()


@dataclass(frozen=True)
class UserBatch:
    """Users of one G-step and where their samples' uniforms lie (padded to the batch's max)."""

    users: torch.Tensor  # (B,)
    positives: torch.Tensor  # (B, P) positive items, padded with item 0
    positive_share: torch.Tensor  # (B, P) 1/|pos(u)| per positive, 0 in the padding
    draw_index: torch.Tensor  # (B, K) index into the epoch's uniforms
    mask: torch.Tensor  # (B, K) real samples


def user_batches(positives: Positives, batch_users: int, samples_per_positive: int,
                 device: torch.device) -> list[UserBatch]:
    """G-steps of an epoch in the authors' order (users ascending)."""
    batches = []
    counts = positives.counts
    for start in range(0, len(positives.user_ids), batch_users):
        rows = np.arange(start, min(start + batch_users, len(positives.user_ids)))
        n_pos = counts[rows]
        width_p, width_k = int(n_pos.max()), int(samples_per_positive * n_pos.max())
        pos_index = positives.indptr[rows][:, None] + np.arange(width_p)
        pos_mask = np.arange(width_p) < n_pos[:, None]
        draw_base = samples_per_positive * positives.indptr[rows][:, None]
        draw_mask = np.arange(width_k) < samples_per_positive * n_pos[:, None]
        batches.append(UserBatch(
            users=torch.as_tensor(positives.user_ids[rows], device=device),
            positives=torch.as_tensor(np.where(pos_mask, positives.items[np.minimum(
                pos_index, len(positives) - 1)], 0), device=device),
            positive_share=torch.as_tensor(pos_mask / n_pos[:, None], dtype=torch.float32, device=device),
            draw_index=torch.as_tensor(np.where(draw_mask, draw_base + np.arange(width_k), 0), device=device),
            mask=torch.as_tensor(draw_mask, dtype=torch.float32, device=device),
        ))
    return batches


def new_baseline_state() -> np.ndarray:
    """The moving-average reward baseline's state (one float64, updated in place by the steps):
    it starts at 0, the code's constant (2 sigmoid - 1 is sigmoid minus 0.5, doubled)."""
    return np.zeros(1, dtype=np.float64)


def generator_step(G: MFParams, D: MFParams, batch: UserBatch, draws: torch.Tensor,
                   s: IRGANSettings | dict, positive_mask: torch.Tensor,
                   baseline_state: np.ndarray | None = None) -> torch.Tensor:
    """One policy-gradient SGD step of G for the users of ``batch``; returns the loss.

    With ``reward_baseline: moving-average`` the rewards have ``baseline_state[0]`` subtracted,
    which the step then moves towards its own mean reward (pooled over its users' samples).
    """
    s = IRGANSettings.from_dict(s)
    g = s.generator
    user_rows = G.user[batch.users].clone().requires_grad_()
    item_t = G.item_t.detach().requires_grad_()
    bias = G.bias.detach().requires_grad_()
    log_p = torch.log_softmax(user_rows @ item_t + bias, dim=1)  # log p_theta(. | u)
    with torch.no_grad():
        p = log_p.exp()
        mix = g.positive_mix
        pn = ((1 - mix) * p).scatter_add_(1, batch.positives, mix * batch.positive_share)
        sampled = sample_inverse_cdf(pn, draws)  # i ~ pn
        reward = item_rewards(s.reward, D, batch.users, sampled, positive_mask)
        if s.reward_baseline == "mean":
            reward = reward - (reward * batch.mask).sum(1, keepdim=True) / batch.mask.sum(1, keepdim=True)
        elif s.reward_baseline == "moving-average":
            if baseline_state is None:
                raise ValueError("the moving-average reward baseline needs its state (new_baseline_state)")
            step_mean = float((reward.double() * batch.mask).sum() / batch.mask.sum())
            reward = reward - float(baseline_state[0])
            decay = s.reward_baseline_decay
            baseline_state[0] = decay * baseline_state[0] + (1 - decay) * step_mean
        importance_weight = p.gather(1, sampled) / pn.gather(1, sampled)  # p / pn
    loss = policy_gradient_loss(log_p.gather(1, sampled), reward, importance_weight, batch.mask)
    if g.l2:
        taken = sampled[batch.mask.bool()]
        loss = loss + g.l2 * 0.5 * ((user_rows**2).sum() + (item_t[:, taken] ** 2).sum()
                                       + (bias[taken] ** 2).sum())
    loss.backward()
    with torch.no_grad():  # plain SGD, every gradient from the parameters before the step
        G.user.index_add_(0, batch.users, user_rows.grad, alpha=-g.lr)
        G.item_t.sub_(g.lr * item_t.grad)
        G.bias.sub_(g.lr * bias.grad)
    return loss.detach()


# ---------------------------------------------------------------------------------------------
# The discriminator's step: pointwise sigmoid cross-entropy, real positives vs G's samples.
# ---------------------------------------------------------------------------------------------


def discriminator_step(D: MFParams, users: torch.Tensor, items: torch.Tensor, labels: torch.Tensor,
                       lr: float, l2: float, l2_per_example: bool) -> torch.Tensor:
    """One SGD step on a batch of examples (the torch reference of kernels.discriminator_epoch).

    TensorFlow 1 differentiates the authors' non-scalar loss (cross-entropy
    vector + scalar l2 term) as its sum: the l2 term counts once per example.
    """
    user_rows = D.user[users].clone().requires_grad_()
    item_rows = D.item_t[:, items].T.clone().requires_grad_()
    bias_rows = D.bias[items].clone().requires_grad_()
    logits = (user_rows * item_rows).sum(1) + bias_rows
    cross_entropy = F.binary_cross_entropy_with_logits(logits, labels, reduction="sum")
    l2_loss = ((user_rows**2).sum() + (item_rows**2).sum() + (bias_rows**2).sum()) / 2
    reg = l2 * len(items) if l2_per_example else l2
    (cross_entropy + reg * l2_loss).backward()
    with torch.no_grad():
        D.user.index_add_(0, users, user_rows.grad, alpha=-lr)
        D.item_t.index_add_(1, items, item_rows.grad.T, alpha=-lr)
        D.bias.index_add_(0, items, bias_rows.grad, alpha=-lr)
    return cross_entropy.detach()


def sample_for_discriminator(G: MFParams, positives: Positives, temperature: float,
                             draws: torch.Tensor, device: torch.device,
                             backend: str = "torch") -> torch.Tensor:
    """One generated item per training pair, from softmax(f_G(u, .) / temperature) over all
    items (positives can be drawn), all users at once (cf_gan.py ``generate_for_d``).
    """
    what = "the generator's distribution of D's samples"
    if backend == "compiled":  # the same draws, one user at a time in a compiled loop
        out = np.empty(len(positives), dtype=np.int64)
        bad_user = kernels.sample_from_generator(*G.to("cpu").arrays(), positives.user_ids,
                                                 positives.indptr, temperature, draws.numpy(), out)
        if bad_user >= 0:
            raise NonFiniteSampling(f"{what} is not finite (user {bad_user})")
        return torch.from_numpy(out)
    with torch.no_grad():
        logits = G.to(device).score(torch.as_tensor(positives.user_ids, device=device))
        return sample_inverse_cdf(torch.softmax(logits.double() / temperature, dim=1), draws.to(device),
                                  rows=torch.as_tensor(positives.row, device=device), what=what)


@dataclass(frozen=True)
class Triples:
    """D's training data: (user, positive, generated) in the authors' file order."""

    users: torch.Tensor
    positives: torch.Tensor
    negatives: torch.Tensor


# ---------------------------------------------------------------------------------------------
# Epochs, on either backend.
# ---------------------------------------------------------------------------------------------


def discriminator_epoch(D: MFParams, data: Triples, s: IRGANSettings | dict, backend: str,
                        with_loss: bool = True) -> tuple[float, int]:
    """One pass over D's triples; returns (summed cross-entropy, number of SGD steps).

    Without ``with_loss`` the compiled kernel returns a cheaper finite-unless-diverged
    sentinel (the sum of the logits) instead of the cross-entropy.
    """
    d = IRGANSettings.from_dict(s).discriminator
    n, b = len(data.users), d.batch_triples
    if backend == "compiled":
        loss = kernels.discriminator_epoch(*D.arrays(), data.users.numpy(), data.positives.numpy(),
                                           data.negatives.numpy(), b, d.lr, d.l2, d.l2_per_example,
                                           with_loss)
        return float(loss), math.ceil(n / b)
    total = torch.zeros((), dtype=torch.float64, device=D.device)
    for start in range(0, n, b):
        users = data.users[start : start + b].repeat_interleave(2)
        items = torch.stack([data.positives[start : start + b], data.negatives[start : start + b]], 1)
        labels = torch.tensor([1.0, 0.0], device=D.device).repeat(len(items))
        total += discriminator_step(D, users, items.flatten(), labels, d.lr, d.l2, d.l2_per_example)
    return float(total), math.ceil(n / b)


def generator_epoch(G: MFParams, D: MFParams, positives: Positives, batches: list[UserBatch],
                    draws: torch.Tensor, s: IRGANSettings | dict, backend: str, positive_mask: torch.Tensor,
                    with_loss: bool = True, baseline_state: np.ndarray | None = None) -> float:
    """One G-epoch (one step per user batch, users ascending); returns the summed loss.

    Without ``with_loss`` the compiled kernel returns a cheaper finite-unless-diverged sentinel.
    ``baseline_state`` (:func:`new_baseline_state`) carries the moving-average reward baseline
    across epochs; it is updated in place (a fresh one when not given).
    """
    s = IRGANSettings.from_dict(s)
    g = s.generator
    if baseline_state is None:
        baseline_state = new_baseline_state()
    if backend == "compiled":
        loss, bad_user = kernels.generator_epoch(
            *G.arrays(), *D.arrays(), positives.user_ids, positives.indptr, positives.items,
            positive_mask.numpy(), draws.numpy(), g.samples_per_positive, g.positive_mix,
            g.lr, g.l2, kernels.REWARD_CODES[s.reward], kernels.BASELINE_CODES[s.reward_baseline],
            s.reward_baseline_decay, baseline_state, with_loss)
        if bad_user >= 0:
            raise NonFiniteSampling(f"the generator's sampling distribution is not finite (user {bad_user})")
        return float(loss)
    draws = draws.to(G.device)
    total = torch.zeros((), dtype=torch.float64, device=G.device)
    for batch in batches:
        total += generator_step(G, D, batch, draws[batch.draw_index], s, positive_mask,
                                baseline_state) * len(batch.users)
    return float(total)


# ---------------------------------------------------------------------------------------------
# The run: G and D, their data and steps (a Method of irgan.train.trainer), and the alternating schedule.
# ---------------------------------------------------------------------------------------------


class IRGAN(Method):
    """G and D of one run, D's data, and the schedule's steps, each timed and counted.

    Its epochs (the ones evaluated and selected) are G-epochs; D-epochs and the redraws of
    D's data are the extra steps :class:`IRGANTrainer` interleaves.
    """

    label, loss_name = "G", "the policy-gradient loss"

    def __init__(self, dataset: Dataset, selection: str, settings: IRGANSettings, seed: int,
                 device: torch.device, generator: MFParams | None, discriminator: MFParams | None,
                 variant: str, placement: Placement | None = None) -> None:
        s = self.s = settings
        self.device, self.variant, self.system = device, variant, f"irgan-{variant}"
        # which backend runs the steps and D's sampling (on a GPU: by measurement, irgan.train.placement)
        self.placement = placement or place(device, s.backend, dataset.n_users * dataset.n_items)
        self.backend, self.sampling_backend = self.placement.steps, self.placement.sampling
        # batched G-steps (the `fast` schedule) exist only as torch code (on the step device)
        self.g_backend = "torch" if s.generator.batch_users != 1 else self.backend
        step_device = self.step_device = self.placement.step_device(device)
        self.positives = positives = Positives.from_pairs(dataset.training_positives(selection),
                                                          dataset.n_users, dataset.n_items)
        self.positive_mask = positives.mask(step_device)
        self.rng = torch.Generator().manual_seed(seed)

        def init(given: MFParams | None) -> MFParams:
            if given is None:
                return MFParams.random(dataset.n_users, dataset.n_items, s.model.dim, s.model.init_scale,
                                       self.rng, step_device)
            if given.shape != (dataset.n_users, dataset.n_items, given.shape[2]):
                raise ConfigError(f"initial model of shape {given.shape} does not fit the dataset "
                                  f"({dataset.n_users} users, {dataset.n_items} items)")
            return given.clone().to(step_device)

        self.G, self.D = init(generator), init(discriminator)
        if self.G.shape[2] != self.D.shape[2]:
            raise ConfigError(f"G has embedding size {self.G.shape[2]}, D {self.D.shape[2]}")
        self.model = self.G
        self.d, self.g = s.discriminator, s.generator
        self.batches = (user_batches(positives, self.g.batch_users, self.g.samples_per_positive,
                                     step_device) if self.g_backend == "torch" else [])
        self.triple_users = torch.as_tensor(positives.users, device=step_device)
        self.triple_positives = torch.as_tensor(positives.items, device=step_device)
        self.triples: Triples | None = None
        self.baseline_state = new_baseline_state()  # the moving-average reward baseline's b
        self.train_d = s.uses_discriminator and s.train_discriminator
        self.counts = {"outer_epochs": 0, "d_epochs": 0, "d_steps": 0, "regenerations": 0, "g_epochs": 0,
                       "g_steps": 0}
        self.seconds: dict[str, float] = {}  # the trainer's timers
        self.losses = {"D": math.nan, "G": math.nan}
        self.epochs = s.outer_epochs
        _, heldout = dataset.split_pairs(selection)
        self.dynamics = DynamicsLog(
            self.G, self.D if s.uses_discriminator else None,
            torch.as_tensor(positives.user_ids, device=step_device),
            torch.as_tensor(positives.counts, device=step_device), self.positive_mask,
            heldout.dense(dataset.n_users, dataset.n_items, step_device) & ~self.positive_mask,
            self.d.temperature, REWARDS.get(s.reward))
        self.hyperparameters = {**s.as_dict(), "backend": self.backend, "generator_backend": self.g_backend}

    def start_models(self) -> dict[str, MFParams]:
        return {"G": self.G, **({"D": self.D} if self.s.uses_discriminator else {})}

    def models(self) -> dict[str, MFParams]:
        return {"G": self.G, "D": self.D}

    def redraw_due(self, d_epoch: int) -> bool:
        """Every ``regenerate_every``-th D-epoch, unless D keeps its first sample (a variant)."""
        return d_epoch % self.d.regenerate_every == 0 and not (
            self.d.reuse_first_sample and self.triples is not None)

    def sample_for_D(self) -> None:
        """D's data: each training pair (u, i) with one item drawn from softmax(f_G(u, .) / T)."""
        tick = time.perf_counter()
        draws = uniforms(self.rng, len(self.positives))
        try:
            negatives = sample_for_discriminator(self.G, self.positives, self.d.temperature, draws,
                                                 self.device, self.sampling_backend)
        except NonFiniteSampling as exc:
            raise TrainingDiverged("D", self.counts["d_epochs"] + 1, str(exc)) from exc
        self.triples = Triples(self.triple_users, self.triple_positives, negatives.to(self.step_device))
        self.counts["regenerations"] += 1
        self.seconds["regeneration"] += time.perf_counter() - tick

    def d_epoch(self, last: bool) -> None:
        """One pass of D-steps over its triples (the loss is only computed for the ``last`` one)."""
        tick = time.perf_counter()
        loss, steps = discriminator_epoch(self.D, self.triples, self.s, self.backend, with_loss=last)
        self.seconds["d_sgd"] += time.perf_counter() - tick
        self.counts["d_epochs"] += 1
        self.counts["d_steps"] += steps
        check_finite(loss, "D", self.counts["d_epochs"], "the discriminator's loss")
        if last:
            self.losses["D"] = loss / (2 * len(self.triples.users))

    def epoch(self, epoch: int, last: bool = True) -> float:
        """One G-epoch; returns its summed loss (a cheap finite sentinel unless ``last``)."""
        tick = time.perf_counter()
        draws = uniforms(self.rng, self.g.samples_per_positive * len(self.positives))
        try:
            loss = generator_epoch(self.G, self.D, self.positives, self.batches, draws, self.s,
                                   self.g_backend, self.positive_mask, last, self.baseline_state)
        except NonFiniteSampling as exc:
            raise TrainingDiverged("G", epoch, str(exc)) from exc
        self.seconds["g_sgd"] += time.perf_counter() - tick
        self.counts["g_epochs"] += 1
        torch_steps = self.g_backend == "torch"
        self.counts["g_steps"] += len(self.batches) if torch_steps else len(self.positives.user_ids)
        if last:
            self.losses["G"] = loss / len(self.positives.user_ids)
        return loss

    def state(self) -> dict:
        # only the stale-data variant carries D's data across outer epochs
        keep = self.d.reuse_first_sample and self.triples is not None
        return {"counts": self.counts, "reward_baseline": float(self.baseline_state[0]),
                "dynamics": self.dynamics.rows,
                "triples": (tuple(t.cpu() for t in (self.triples.users, self.triples.positives,
                                                    self.triples.negatives)) if keep else None)}

    def load_state(self, state: dict) -> None:
        self.counts = state["counts"]
        self.baseline_state[0] = state.get("reward_baseline", 0.0)
        self.dynamics.rows = list(state.get("dynamics", []))
        if state["triples"] is not None:
            self.triples = Triples(*(torch.as_tensor(a, device=self.step_device) for a in state["triples"]))

    def final_models(self) -> dict[str, MFParams]:
        return {"final_generator": self.G, "final_discriminator": self.D}


class IRGANTrainer(Trainer):
    """The alternating schedule of the paper's Algorithm 1, as cf_gan.py runs it; one round is one
    outer epoch. The loop owns nothing but the schedule: evaluation, selection, divergence,
    resume and timing are :class:`~irgan.train.trainer.Trainer`'s."""

    method: IRGAN

    def schedule(self) -> None:
        m, G, D = self.method, self.method.G, self.method.D
        if self.rounds_done == 0:
            m.dynamics.record(0, 0)  # the start: G's and D's distributions before any training
        for outer_epoch in range(self.rounds_done, m.s.outer_epochs):
            # --- D-epochs: D learns to tell the training positives from G's samples ---------------
            # eq. (3): max_phi  sum_u E_{i ~ p_true(.|u)}[log D(i|u)] + E_{i ~ p_theta(.|u)}[log(1 - D(i|u))],
            # D(i|u) = sigmoid(f_phi(u, i)); cf_gan.py: sigmoid cross-entropy, labels 1 / 0, SGD with
            # l2 on the rows, batches of 16 triples (u, positive, sampled). Numbers: the compiled
            # kernels.discriminator_epoch; its tested torch reference: discriminator_step.
            if m.train_d:
                for d_epoch in range(m.d.epochs):
                    if m.redraw_due(d_epoch):
                        m.sample_for_D()  # per pair (u, i): one item ~ softmax(f_G(u, .) / temperature)
                    m.d_epoch(last=d_epoch == m.d.epochs - 1)
                    self.bar.update()
            # --- G-epochs: the policy gradient with D's reward, one SGD step per user -------------
            # eq. (5): grad_theta J = sum_u E_{i ~ p_theta(.|u)}[grad log p_theta(i|u) * reward(u, i)],
            # reward = 2 sigmoid(f_phi(u, i)) - 1 in cf_gan.py (the paper: log(1 + exp(f_phi))).
            # Importance sampling: items are drawn from pn = 0.8 p_theta + 0.2 uniform(pos(u)) and
            # weighted by p_theta(i|u) / pn(i). Numbers: the compiled kernels.generator_epoch; its
            # tested torch reference: generator_step.
            for g_epoch in range(m.g.epochs):
                loss = m.epoch(self.epoch + 1, last=g_epoch == m.g.epochs - 1)
                self.epoch += 1
                check_finite(loss, "G", self.epoch, m.loss_name)
                self.observe(self.epoch, "G", G)  # evaluate G, keep the best by selection P@5
                self.bar.update()
            self.observations.flush()
            m.dynamics.record(outer_epoch + 1, self.epoch)  # irgan.train.dynamics: expectations, no draws
            if m.train_d:
                self.evaluate(self.epoch, {"D": D})
            m.counts["outer_epochs"] += 1
            log.info("outer epoch %d/%d (G-epoch %d): D loss %.4f, G loss %.4f, %s P@5 %.4f, "
                     "best %.4f at G-epoch %s", outer_epoch + 1, m.s.outer_epochs, self.epoch,
                     m.losses["D"], m.losses["G"], self.selection,
                     self.curve.value(self.epoch, "G", self.selection, "P@5"),
                     self.selector.best_value, self.selector.best_epoch)
            self.end_round(outer_epoch + 1)

    # -- bookkeeping ---------------------------------------------------------------------------

    def timers(self) -> dict[str, float]:
        return {"d_sgd": 0.0, "regeneration": 0.0, "g_sgd": 0.0, "evaluation": 0.0}

    def bar_size(self) -> tuple[int, int]:
        per_outer = (self.method.d.epochs if self.method.train_d else 0) + self.method.g.epochs
        return self.rounds * per_outer, self.rounds_done * per_outer

    def fit(self) -> TrainResult:
        self.method.seconds = self.seconds
        return super().fit()

    def restore(self, state) -> None:
        super().restore(state)
        self.method.seconds = self.seconds

    def result(self, status: str, divergence: dict | None, seconds: float) -> TrainResult:
        result = super().result(status, divergence, seconds)
        result.dynamics = self.method.dynamics.frame()
        return result

    def details(self, seconds: float) -> dict:
        m = self.method
        return {"evaluation_overlap": self.overlap, "variant": m.variant, "schedule": m.counts,
                "seconds": self.seconds, "placement": m.placement.record(m.device),
                "final_test_P@5": self.curve.value(self.epoch, "G", "test", "P@5") if "test" in self.splits
                else None}


def train_irgan(
    dataset: Dataset,
    selection: str,
    settings: IRGANSettings | dict,
    seed: int,
    device: str | torch.device = "cpu",
    generator: MFParams | None = None,
    discriminator: MFParams | None = None,
    variant: str = "code",
    resume_path: str | os.PathLike | None = None,
    on_outer_epoch: Callable[[int], None] | None = None,
    measurements: Measurements | None = None,
) -> TrainResult:
    """Train IRGAN pointwise; return the selected generator, the curve and the run's counts.

    ``generator`` / ``discriminator``: initial parameters (pre-trained or
    released); ``None`` means the authors' random init. With ``resume_path``
    the state after every outer epoch is saved there, and a run started again
    with the same settings continues from it and ends with the same numbers. ``measurements``:
    the scale benchmark's CPU and GPU costs (:func:`irgan.train.placement.gpu_measurements`), which
    place the steps, D's sampling and the evaluation of a run on a GPU.
    """
    device = torch.device(device)
    s = IRGANSettings.from_dict(settings)
    placement = place(device, s.backend, dataset.n_users * dataset.n_items, measurements)
    method = IRGAN(dataset, selection, s, seed, device, generator, discriminator, variant, placement)
    starts = tuple(None if given is None else float(given.user.double().sum())
                   for given in (generator, discriminator))
    return IRGANTrainer(
        method, dataset, selection, seed, placement.evaluation, splits=s.curve.splits,
        metrics=s.curve.metrics, resume_path=resume_path, resume_key=starts,
        overlap=method.g_backend == "compiled" and torch.get_num_threads() >= 2, on_round=on_outer_epoch,
        description=f"IRGAN {variant} seed {seed} ({selection})").fit()


# ---------------------------------------------------------------------------------------------
# D's pre-training (the paper's Algorithm 1 pre-trains both models): D's own loss on the
# training positives against uniformly drawn non-positives, the D-step above with its batches.
# ---------------------------------------------------------------------------------------------

class DiscriminatorPretraining(TripleMethod):
    """Each epoch pairs every training positive with a fresh uniform non-positive, then one pass
    of D-steps."""

    system, label, loss_name = "d-pretraining", "D", "the discriminator's cross-entropy"

    def __init__(self, dataset: Dataset, selection: str, settings: DiscriminatorPretrainingSettings,
                 seed: int, device: torch.device) -> None:
        s = self.prepare(dataset, selection, settings, seed, device)
        self.step_settings = IRGANSettings.from_dict({"discriminator": {
            "batch_triples": s.batch_triples, "lr": s.lr, "l2": s.l2, "l2_per_example": s.l2_per_example}})
        self.loss_count = 2 * len(self.positives)

    def epoch(self, epoch: int) -> float:
        draws = uniforms(self.rng, len(self.positives)).to(self.device)
        negatives = draw_uniform_negatives(self.table, self.counts, self.rows, draws)
        triples = Triples(self.users, self.items, negatives.to(self.step_device))
        loss, _ = discriminator_epoch(self.model, triples, self.step_settings, self.backend)
        return loss


def pretrain_discriminator(dataset: Dataset, selection: str,
                           settings: dict | DiscriminatorPretrainingSettings | None = None, seed: int = 0,
                           device: str | torch.device = "cpu",
                           resume_path: str | os.PathLike | None = None) -> TrainResult:
    """Pre-train D; keep the epoch with the best selection P@5."""
    s = DiscriminatorPretrainingSettings.from_dict(settings)
    device = torch.device(device)
    return Trainer(DiscriminatorPretraining(dataset, selection, s, seed, device), dataset, selection, seed,
                   device, splits=s.curve_splits, resume_path=resume_path,
                   description=f"D pre-training seed {seed} ({selection})").fit()


def initial_model(path: str | os.PathLike | None, kind: str, dataset: Dataset) -> MFParams | None:
    """The starting parameters named by ``generator_init`` / ``discriminator_init``.

    ``random`` -> None (the trainer draws the authors' init); ``released`` -> the
    authors' pickle, through the numpy-only unpickler; otherwise the selected
    model of a pre-training run's ``model.pt``.
    """
    if kind == "random":
        return None
    if path is None:
        raise ConfigError(f"initial model {kind!r} requested but no checkpoint path was given")
    if kind == "released":
        return load_mf_checkpoint(path, dataset.n_users, dataset.n_items)
    return load_model(path, "selected", dataset.n_users, dataset.n_items)
