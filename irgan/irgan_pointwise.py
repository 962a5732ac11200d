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
:mod:`irgan.kernels` run the same math epoch by epoch (tests check that they
agree), because the schedule is millions of tiny sequential steps.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from irgan import kernels
from irgan.checkpoints import CheckpointReadError, load_mf_checkpoint, load_tensors, save_tensors
from irgan.data import Dataset
from irgan.dns import resolve_backend
from irgan.errors import ConfigError, UnsafePickleError
from irgan.progress import Progress
from irgan.training import (
    Curve,
    Evaluators,
    MFParams,
    NonFiniteSampling,
    Positives,
    Selector,
    TrainingDiverged,
    TrainResult,
    check_finite,
    data_fingerprint,
    divergence_record,
    draw_uniform_negatives,
    fingerprint,
    load_model,
    record_epoch,
    selected_result,
    uniforms,
)

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
REWARD_CHOICES = (*REWARDS, "label")  # label: 1 for a sampled training positive, 0 otherwise (no D)


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


def sample_inverse_cdf(weights: torch.Tensor, draws: torch.Tensor) -> torch.Tensor:
    """Row-wise draws with replacement, as numpy's ``choice(p=...)``: normalised cumulative
    sum (float64), first index whose cdf exceeds the uniform."""
    cdf = torch.cumsum(weights.double(), dim=1)
    require_finite_totals(cdf[:, -1], "the generator's sampling distribution")
    cdf = cdf / cdf[:, -1:]
    return torch.searchsorted(cdf, draws, right=True).clamp_(max=weights.shape[1] - 1)


def require_finite_totals(totals: torch.Tensor, what: str) -> None:
    """Refuse a distribution whose total mass is NaN, inf or zero: a diverged model must end
    the run as diverged, never be sampled from (a NaN cdf would give a meaningless index)."""
    bad = ~(torch.isfinite(totals) & (totals > 0))
    if bool(bad.any()):
        raise NonFiniteSampling(f"{what} is not finite for {int(bad.sum())} of {len(totals)} users")


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


def generator_step(G: MFParams, D: MFParams, batch: UserBatch, draws: torch.Tensor, s: dict,
                   positive_mask: torch.Tensor) -> torch.Tensor:
    """One policy-gradient SGD step of G for the users of ``batch``; returns the loss."""
    g = s["generator"]
    user_rows = G.user[batch.users].clone().requires_grad_()
    item_t = G.item_t.detach().requires_grad_()
    bias = G.bias.detach().requires_grad_()
    log_p = torch.log_softmax(user_rows @ item_t + bias, dim=1)  # log p_theta(. | u)
    with torch.no_grad():
        p = log_p.exp()
        mix = g["positive_mix"]
        pn = ((1 - mix) * p).scatter_add_(1, batch.positives, mix * batch.positive_share)
        sampled = sample_inverse_cdf(pn, draws)  # i ~ pn
        reward = item_rewards(s["reward"], D, batch.users, sampled, positive_mask)
        if s["reward_baseline"] == "mean":
            reward = reward - (reward * batch.mask).sum(1, keepdim=True) / batch.mask.sum(1, keepdim=True)
        importance_weight = p.gather(1, sampled) / pn.gather(1, sampled)  # p / pn
    loss = policy_gradient_loss(log_p.gather(1, sampled), reward, importance_weight, batch.mask)
    if g["l2"]:
        taken = sampled[batch.mask.bool()]
        loss = loss + g["l2"] * 0.5 * ((user_rows**2).sum() + (item_t[:, taken] ** 2).sum()
                                       + (bias[taken] ** 2).sum())
    loss.backward()
    with torch.no_grad():  # plain SGD, every gradient from the parameters before the step
        G.user.index_add_(0, batch.users, user_rows.grad, alpha=-g["lr"])
        G.item_t.sub_(g["lr"] * item_t.grad)
        G.bias.sub_(g["lr"] * bias.grad)
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

    Rows are laid end to end, row k's normalised cdf shifted by k, so one sorted
    search serves every user; float64 keeps the shift exact to ~1e-13.
    """
    n_items = positives.n_items
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
        cdf = torch.cumsum(torch.softmax(logits.double() / temperature, dim=1), dim=1)
        require_finite_totals(cdf[:, -1], what)
        cdf = cdf / cdf[:, -1:] + torch.arange(len(cdf), device=device, dtype=torch.float64)[:, None]
        rows = torch.as_tensor(positives.row, device=device)
        flat = torch.searchsorted(cdf.flatten(), rows + draws.to(device), right=True)
        return (flat - rows * n_items).clamp_(0, n_items - 1)


@dataclass(frozen=True)
class Triples:
    """D's training data: (user, positive, generated) in the authors' file order."""

    users: torch.Tensor
    positives: torch.Tensor
    negatives: torch.Tensor


# ---------------------------------------------------------------------------------------------
# Epochs, on either backend.
# ---------------------------------------------------------------------------------------------


def discriminator_epoch(D: MFParams, data: Triples, s: dict, backend: str,
                        with_loss: bool = True) -> tuple[float, int]:
    """One pass over D's triples; returns (summed cross-entropy, number of SGD steps).

    Without ``with_loss`` the compiled kernel returns a cheaper finite-unless-diverged
    sentinel (the sum of the logits) instead of the cross-entropy.
    """
    d = s["discriminator"]
    n, b = len(data.users), d["batch_triples"]
    if backend == "compiled":
        loss = kernels.discriminator_epoch(*D.arrays(), data.users.numpy(), data.positives.numpy(),
                                           data.negatives.numpy(), b, d["lr"], d["l2"],
                                           d["l2_per_example"], with_loss)
        return float(loss), math.ceil(n / b)
    total = torch.zeros((), dtype=torch.float64, device=D.device)
    for start in range(0, n, b):
        users = data.users[start : start + b].repeat_interleave(2)
        items = torch.stack([data.positives[start : start + b], data.negatives[start : start + b]], 1)
        labels = torch.tensor([1.0, 0.0], device=D.device).repeat(len(items))
        total += discriminator_step(D, users, items.flatten(), labels, d["lr"], d["l2"], d["l2_per_example"])
    return float(total), math.ceil(n / b)


def generator_epoch(G: MFParams, D: MFParams, positives: Positives, batches: list[UserBatch],
                    draws: torch.Tensor, s: dict, backend: str, positive_mask: torch.Tensor,
                    with_loss: bool = True) -> float:
    """One G-epoch (one step per user batch, users ascending); returns the summed loss.

    Without ``with_loss`` the compiled kernel returns a cheaper finite-unless-diverged sentinel.
    """
    g = s["generator"]
    if backend == "compiled":
        loss, bad_user = kernels.generator_epoch(
            *G.arrays(), *D.arrays(), positives.user_ids, positives.indptr, positives.items,
            positive_mask.numpy(), draws.numpy(), g["samples_per_positive"], g["positive_mix"],
            g["lr"], g["l2"], kernels.REWARD_CODES[s["reward"]], s["reward_baseline"] == "mean",
            with_loss)
        if bad_user >= 0:
            raise NonFiniteSampling(f"the generator's sampling distribution is not finite (user {bad_user})")
        return float(loss)
    draws = draws.to(G.device)
    total = torch.zeros((), dtype=torch.float64, device=G.device)
    for batch in batches:
        total += generator_step(G, D, batch, draws[batch.draw_index], s, positive_mask) * len(batch.users)
    return float(total)


class GeneratorEvaluations:
    """Evaluate G after every G-epoch and keep the best; with ``overlap``, on a second core.

    The compiled G-epoch releases the GIL, so the evaluation of a snapshot of
    epoch e (torch, one thread) runs while epoch e + 1 trains. Results are
    applied in epoch order, so the numbers never depend on timing.
    """

    def __init__(self, evaluators: Evaluators, selector: Selector, curve: Curve, seconds: dict,
                 overlap: bool) -> None:
        self.evaluators, self.selector, self.curve, self.seconds = evaluators, selector, curve, seconds
        self.overlap = overlap
        self.threads = torch.get_num_threads()
        if overlap:
            torch.set_num_threads(1)  # one core evaluates, the other trains
        self.executor = ThreadPoolExecutor(1) if overlap else None
        self.pending: tuple[int, MFParams, Future] | None = None

    def submit(self, epoch: int, G: MFParams) -> None:
        self.flush()
        if self.executor is None:
            tick = time.perf_counter()
            self._apply(epoch, G, self.evaluators.means(G, "G", epoch))
            self.seconds["evaluation"] += time.perf_counter() - tick
            return
        snapshot = G.clone()
        self.pending = (epoch, snapshot, self.executor.submit(self.evaluators.means, snapshot, "G", epoch))

    def flush(self) -> None:
        if self.pending is not None:
            epoch, snapshot, future = self.pending
            self.pending = None
            tick = time.perf_counter()
            means = future.result()
            self.seconds["evaluation"] += time.perf_counter() - tick
            self._apply(epoch, snapshot, means)

    def _apply(self, epoch: int, params: MFParams, means: dict[str, dict[str, float]]) -> None:
        for split, values in means.items():
            self.curve.add(epoch, "G", split, values)
        self.selector.update(epoch, means, params)

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            torch.set_num_threads(self.threads)


# ---------------------------------------------------------------------------------------------
# The run.
# ---------------------------------------------------------------------------------------------

RESUME_VERSION = 2  # 2: tensors only (weights_only loading)


def check_settings(s: dict) -> None:
    """Choices a schema cannot tie together; one clear error naming the key."""
    if s["reward"] not in REWARD_CHOICES:
        raise ConfigError(f"key irgan reward: {s['reward']!r} is not one of {', '.join(REWARD_CHOICES)}")
    if s["reward_baseline"] not in ("none", "mean"):
        raise ConfigError(f"key irgan reward_baseline: {s['reward_baseline']!r} is not none or mean")
    if s["discriminator"]["regenerate_every"] < 1:
        raise ConfigError("key irgan discriminator.regenerate_every must be >= 1")


def uses_discriminator(s: dict) -> bool:
    return s["reward"] != "label"


def train_irgan(
    dataset: Dataset,
    selection: str,
    settings: dict,
    seed: int,
    device: str | torch.device = "cpu",
    generator: MFParams | None = None,
    discriminator: MFParams | None = None,
    variant: str = "code",
    resume_path: str | os.PathLike | None = None,
    on_outer_epoch: Callable[[int], None] | None = None,
) -> TrainResult:
    """Train IRGAN pointwise; return the selected generator, the curve and the run's counts.

    ``generator`` / ``discriminator``: initial parameters (pre-trained or
    released); ``None`` means the authors' random init. With ``resume_path``
    the state after every outer epoch is saved there, and a run started again
    with the same settings continues from it and ends with the same numbers.
    """
    s = settings
    check_settings(s)
    device = torch.device(device)
    backend = resolve_backend(s["backend"], device)
    # batched G-steps (the `fast` schedule) exist only as torch code (on the step device)
    g_backend = "torch" if s["generator"]["batch_users"] != 1 else backend
    step_device = torch.device("cpu") if backend == "compiled" else device
    positives = Positives.from_pairs(dataset.training_positives(selection), dataset.n_users,
                                     dataset.n_items)
    positive_mask = positives.mask(step_device)
    rng = torch.Generator().manual_seed(seed)
    dim, init_scale = s["model"]["dim"], s["model"]["init_scale"]

    def init(given: MFParams | None) -> MFParams:
        if given is None:
            return MFParams.random(dataset.n_users, dataset.n_items, dim, init_scale, rng, step_device)
        if given.shape != (dataset.n_users, dataset.n_items, given.shape[2]):
            raise ConfigError(f"initial model of shape {given.shape} does not fit the dataset "
                              f"({dataset.n_users} users, {dataset.n_items} items)")
        return given.clone().to(step_device)

    G, D = init(generator), init(discriminator)
    if G.shape[2] != D.shape[2]:
        raise ConfigError(f"G has embedding size {G.shape[2]}, D {D.shape[2]}")
    splits = list(dict.fromkeys([*s["curve"]["splits"], selection]))
    evaluators = Evaluators(dataset, splits, device, s["curve"]["metrics"])
    selector = Selector(selection)
    curve = Curve()
    batches = (user_batches(positives, s["generator"]["batch_users"], s["generator"]["samples_per_positive"],
                            step_device) if g_backend == "torch" else [])
    triple_users = torch.as_tensor(positives.users, device=step_device)
    triple_positives = torch.as_tensor(positives.items, device=step_device)
    n_draws = s["generator"]["samples_per_positive"] * len(positives)
    d_cfg, g_cfg = s["discriminator"], s["generator"]
    train_d = uses_discriminator(s) and s["train_discriminator"]
    counts = {"outer_epochs": 0, "d_epochs": 0, "d_steps": 0, "regenerations": 0, "g_epochs": 0, "g_steps": 0}
    seconds = {"d_sgd": 0.0, "regeneration": 0.0, "g_sgd": 0.0, "evaluation": 0.0}
    key = fingerprint(s, seed, selection, variant, data_fingerprint(dataset, selection),
                      None if generator is None else float(generator.user.double().sum()),
                      None if discriminator is None else float(discriminator.user.double().sum()))
    triples: Triples | None = None
    start_outer, epoch = 0, 0
    losses = {"D": math.nan, "G": math.nan}

    def evaluate(epoch: int, models: dict[str, MFParams]) -> dict[str, dict[str, float]]:
        started = time.perf_counter()
        means = {}
        for name, params in models.items():
            means[name] = evaluators.means(params, name, epoch)
            for split, values in means[name].items():
                curve.add(epoch, name, split, values)
        seconds["evaluation"] += time.perf_counter() - started
        return means

    resumed = load_resume(resume_path, key)
    if resumed is not None:
        G, D = MFParams.from_state(resumed["G"], step_device), MFParams.from_state(resumed["D"], step_device)
        curve.rows = resumed["curve"]
        rng.set_state(resumed["rng"])
        selector.best_value, selector.best_epoch = resumed["best_value"], resumed["best_epoch"]
        selector.best_params = MFParams.from_state(resumed["best"], step_device) if resumed["best"] else None
        if resumed["triples"] is not None:
            triples = Triples(*(torch.as_tensor(a, device=step_device) for a in resumed["triples"]))
        counts, seconds = resumed["counts"], resumed["seconds"]
        start_outer, epoch = resumed["outer_done"], resumed["epoch"]
        log.info("resuming %s seed %d after outer epoch %d (G-epoch %d)", variant, seed, start_outer, epoch)
    else:
        evaluate(0, {"G": G, **({"D": D} if uses_discriminator(s) else {})})

    status, divergence = "ok", None
    started = time.perf_counter()
    g_evaluations = GeneratorEvaluations(evaluators, selector, curve, seconds,
                                         overlap=g_backend == "compiled" and torch.get_num_threads() >= 2)
    d_per_outer = d_cfg["epochs"] if train_d else 0
    bar_total = s["outer_epochs"] * (d_per_outer + g_cfg["epochs"])
    bar = Progress(bar_total, f"IRGAN {variant} seed {seed} ({selection})",
                   initial=start_outer * (d_per_outer + g_cfg["epochs"]))
    try:
        for outer in range(start_outer, s["outer_epochs"]):
            # --- D learns to tell the training positives from G's samples --------------------
            if train_d:
                for d_epoch in range(d_cfg["epochs"]):
                    if d_epoch % d_cfg["regenerate_every"] == 0 and not (
                            d_cfg["reuse_first_sample"] and triples is not None):
                        tick = time.perf_counter()
                        draws = uniforms(rng, len(positives))
                        try:
                            negatives = sample_for_discriminator(G, positives, d_cfg["temperature"],
                                                                 draws, device, backend)
                        except NonFiniteSampling as exc:
                            raise TrainingDiverged("D", counts["d_epochs"] + 1, str(exc)) from exc
                        triples = Triples(triple_users, triple_positives, negatives.to(step_device))
                        counts["regenerations"] += 1
                        seconds["regeneration"] += time.perf_counter() - tick
                    tick = time.perf_counter()
                    last = d_epoch == d_cfg["epochs"] - 1
                    loss, steps = discriminator_epoch(D, triples, s, backend, with_loss=last)
                    seconds["d_sgd"] += time.perf_counter() - tick
                    counts["d_epochs"] += 1
                    counts["d_steps"] += steps
                    check_finite(loss, "D", counts["d_epochs"], "the discriminator's loss")
                    if last:
                        losses["D"] = loss / (2 * len(triples.users))
                    bar.update()
            # --- G follows D's reward: one policy-gradient step per user ---------------------
            for g_epoch in range(g_cfg["epochs"]):
                tick = time.perf_counter()
                draws = uniforms(rng, n_draws)
                last = g_epoch == g_cfg["epochs"] - 1
                try:
                    loss = generator_epoch(G, D, positives, batches, draws, s, g_backend, positive_mask,
                                           last)
                except NonFiniteSampling as exc:
                    g_evaluations.flush()  # an earlier epoch's non-finite G is reported first
                    raise TrainingDiverged("G", epoch + 1, str(exc)) from exc
                seconds["g_sgd"] += time.perf_counter() - tick
                epoch += 1
                counts["g_epochs"] += 1
                counts["g_steps"] += len(batches) if g_backend == "torch" else len(positives.user_ids)
                if not math.isfinite(loss):
                    g_evaluations.flush()  # the same outcome with or without the overlap
                check_finite(loss, "G", epoch, "the policy-gradient loss")
                if last:
                    losses["G"] = loss / len(positives.user_ids)
                g_evaluations.submit(epoch, G)
                bar.update()
            g_evaluations.flush()
            if train_d:
                evaluate(epoch, {"D": D})
            counts["outer_epochs"] += 1
            log.info("outer epoch %d/%d (G-epoch %d): D loss %.4f, G loss %.4f, %s P@5 %.4f, "
                     "best %.4f at G-epoch %s, %.1f s", outer + 1, s["outer_epochs"], epoch,
                     losses["D"], losses["G"], selection, curve.value(epoch, "G", selection, "P@5"),
                     selector.best_value, selector.best_epoch, time.perf_counter() - started)
            save_resume(resume_path, key, outer + 1, epoch, G, D, selector, curve, rng, triples,
                        counts, seconds, d_cfg["reuse_first_sample"])
            if on_outer_epoch is not None:
                on_outer_epoch(outer + 1)
    except TrainingDiverged as error:
        status, divergence = "diverged", divergence_record(error)
        log.warning("IRGAN %s seed %d diverged: %s", variant, seed, error)
    finally:
        g_evaluations.close()
        bar.close()

    ok = status == "ok"
    return TrainResult(
        status=status,
        selected=selector.best_params if ok else None,
        curve=curve,
        selected_epoch=selector.best_epoch if ok else None,
        final_epoch=epoch,
        hyperparameters={**s, "backend": backend, "generator_backend": g_backend},
        system=f"irgan-{variant}", dataset=dataset.name, selection=selection, seed=seed,
        reported_model="G",
        divergence=divergence,
        extra={"evaluation_overlap": g_evaluations.overlap, "variant": variant,
               "schedule": counts, "seconds": seconds,
               "selected_value": selector.best_value if ok else None,
               "final_test_P@5": curve.value(epoch, "G", "test", "P@5") if "test" in splits else None},
        extra_models={"final_generator": G, "final_discriminator": D} if ok else {},
    )


# ---------------------------------------------------------------------------------------------
# Resume: the whole state after an outer epoch, so a killed run ends with the same numbers.
# ---------------------------------------------------------------------------------------------


def save_resume(path, key, outer_done, epoch, G, D, selector, curve, rng, triples, counts, seconds,
                keep_triples) -> None:
    if path is None:
        return
    state = {
        "version": RESUME_VERSION, "key": key, "outer_done": outer_done, "epoch": epoch,
        "G": G.tensors(), "D": D.tensors(), "curve": curve.rows, "rng": rng.get_state(),
        "best": selector.best_params.tensors() if selector.best_params is not None else None,
        "best_value": selector.best_value, "best_epoch": selector.best_epoch,
        # only the stale-data variant carries D's data across outer epochs
        "triples": (tuple(t.cpu() for t in (triples.users, triples.positives, triples.negatives))
                    if keep_triples and triples is not None else None),
        "counts": counts, "seconds": seconds,
    }
    save_tensors(path, state)


def load_resume(path, key) -> dict | None:
    """The saved state if it belongs to these settings; tensors and plain values only
    (``weights_only``): a resume.pt that holds anything else is refused, naming the file,
    and nothing in it runs. A truncated one (a kill while writing) is ignored."""
    if path is None or not Path(path).is_file():
        return None
    try:
        state = load_tensors(path, "resume state")
    except CheckpointReadError as exc:
        log.warning("ignoring unreadable resume state: %s", exc)
        return None
    except UnsafePickleError as exc:
        raise UnsafePickleError(f"{exc}. Delete it to start the run afresh.") from None
    if not isinstance(state, dict) or state.get("version") != RESUME_VERSION or state.get("key") != key:
        log.info("resume state %s belongs to other settings: starting afresh", path)
        return None
    return state


# ---------------------------------------------------------------------------------------------
# D's pre-training (the paper's Algorithm 1 pre-trains both models): D's own loss on the
# training positives against uniformly drawn non-positives, the D-step above with its batches.
# ---------------------------------------------------------------------------------------------

DISCRIMINATOR_PRETRAINING = {"epochs": 30, "lr": 0.05, "l2": 0.1 / 16, "l2_per_example": True,
                             "batch_triples": 16, "negatives": "uniform", "backend": "auto",
                             "model": {"dim": 5, "init_scale": 0.05}, "curve_splits": ["validation", "test"]}


def pretrain_discriminator(dataset: Dataset, selection: str, settings: dict | None = None, seed: int = 0,
                           device: str | torch.device = "cpu") -> TrainResult:
    """Pre-train D: each epoch pairs every training positive with a fresh uniform non-positive,
    then one pass of D-steps; keep the epoch with the best selection P@5."""
    s = {**DISCRIMINATOR_PRETRAINING, **(settings or {})}
    if s["negatives"] != "uniform":
        raise ConfigError(f"key pretraining.discriminator.negatives: {s['negatives']!r} is not 'uniform'")
    device = torch.device(device)
    backend = resolve_backend(s["backend"], device)
    step_device = torch.device("cpu") if backend == "compiled" else device
    positives = Positives.from_pairs(dataset.training_positives(selection), dataset.n_users, dataset.n_items)
    rng = torch.Generator().manual_seed(seed)
    D = MFParams.random(dataset.n_users, dataset.n_items, s["model"]["dim"], s["model"]["init_scale"],
                        rng, step_device)
    table, counts = positives.non_positive_table(device)
    rows = torch.as_tensor(positives.row, device=device)
    users = torch.as_tensor(positives.users, device=step_device)
    items = torch.as_tensor(positives.items, device=step_device)
    step_settings = {"discriminator": {k: s[k] for k in ("batch_triples", "lr", "l2", "l2_per_example")}}
    evaluators = Evaluators(dataset, list(dict.fromkeys([*s["curve_splits"], selection])), device)
    selector, curve = Selector(selection), Curve()
    for split, values in evaluators.means(D, "D", 0).items():
        curve.add(0, "D", split, values)
    status, divergence, epoch = "ok", None, 0
    started = time.perf_counter()
    bar = Progress(s["epochs"], f"D pre-training seed {seed} ({selection})")
    try:
        for epoch in range(1, s["epochs"] + 1):
            negatives = draw_uniform_negatives(table, counts, rows, uniforms(rng, len(positives)).to(device))
            loss, _ = discriminator_epoch(D, Triples(users, items, negatives.to(step_device)),
                                          step_settings, backend)
            check_finite(loss, "D", epoch, "the discriminator's cross-entropy")
            means = record_epoch(evaluators, curve, selector, D, "D", epoch)
            log.info("D pre-training epoch %d/%d loss %.4f %s P@5 %.4f", epoch, s["epochs"],
                     loss / (2 * len(positives)), selection, means[selection]["P@5"])
            bar.update()
    except TrainingDiverged as error:
        status, divergence = "diverged", divergence_record(error)
    finally:
        bar.close()
    return selected_result(status, divergence, selector, curve, epoch, {**s, "backend": backend}, started,
                           system="d-pretraining", reported_model="D", selection=selection, seed=seed,
                           dataset=dataset.name)


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
        model = load_mf_checkpoint(path, dataset.n_users, dataset.n_items)
    else:
        model = load_model(path, "selected", dataset.n_users, dataset.n_items)
    return MFParams.from_model(model)
