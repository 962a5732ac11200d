"""What G's and D's distributions look like during IRGAN's training (``dynamics.csv``).

Logged by :class:`irgan.train.irgan_pointwise.IRGANTrainer` before the first outer epoch and after
each one, for every training user at once. Every value is an expectation computed from the
models, never a draw: logging takes nothing from the run's random stream, so a run's numbers are
the same with it as without it.

Columns (means over training users; "sample-weighted" weighs a user by |pos(u)|, as D's data
and G's step draw |pos(u)| and 2 |pos(u)| items per user):

- ``g_logit_sd``: the spread of f_G(u, .) over the catalogue (standard deviation per user).
- ``g_perplexity``: exp(entropy) of p_theta(. | u) = softmax(f_G(u, .)), the items G spreads its
  mass over; ``g_perplexity_sample``: the same of softmax(f_G / T), D's sampler at temperature T.
- ``sample_positive_share``: sample-weighted expected share of D's sample (drawn at T) that is a
  training positive of its user: D is told such items are "generated".
- ``d_accuracy_heldout``: share of held-out positives (the selection split's) with f_D > 0, i.e.
  D(i | u) > 1/2; ``d_accuracy_sample``: sample-weighted expected share of D's sample with
  f_D < 0. Both NaN for a run without D (the label reward).
- ``mean_reward``: sample-weighted expected reward of G's policy, E_{i ~ p_theta}[reward(u, i)]
  (what the importance-weighted sample mean of the G-step estimates).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import torch

from irgan.models.mf import MFParams

COLUMNS = ["outer_epoch", "g_epoch", "temperature", "g_logit_sd", "g_perplexity", "g_perplexity_sample",
           "sample_positive_share", "d_accuracy_heldout", "d_accuracy_sample", "mean_reward"]


def _perplexity(log_p: torch.Tensor) -> torch.Tensor:
    return torch.exp(-(log_p.exp() * log_p).sum(dim=1))


#: bytes of float64 work arrays per (user, item) cell while a block of users is summarised
BYTES_PER_CELL = 8 * 10
#: users x items work arrays stay within this many bytes: a catalogue's users go in blocks
BLOCK_BYTES = 2**30


def _per_user(G: MFParams, D: MFParams | None, users: torch.Tensor, train_mask: torch.Tensor,
              heldout_mask: torch.Tensor, temperature: float,
              reward: Callable[[torch.Tensor], torch.Tensor] | None) -> dict[str, torch.Tensor]:
    """Per-user sums of one block of users (rows of the masks), the parts of each column."""
    logits = G.score(users).double()
    log_p = torch.log_softmax(logits, dim=1)
    log_p_sample = torch.log_softmax(logits / temperature, dim=1)
    p, p_sample = log_p.exp(), log_p_sample.exp()
    train = train_mask.double()
    parts = {"logit_sd": logits.std(dim=1, unbiased=False), "perplexity": _perplexity(log_p),
             "perplexity_sample": _perplexity(log_p_sample), "positive_share": (p_sample * train).sum(dim=1)}
    d_logits = None
    if D is not None:
        d_logits = D.score(users).double()
        parts["heldout_accepted"] = (d_logits[heldout_mask] > 0).double()
        parts["sample_rejected"] = (p_sample * (d_logits < 0).double()).sum(dim=1)
    if reward is None:
        per_item = train
    else:
        per_item = reward(d_logits) if d_logits is not None else None
    if per_item is not None:
        parts["reward"] = (p * per_item).sum(dim=1)
    return parts


def distribution_stats(G: MFParams, D: MFParams | None, users: torch.Tensor, weights: torch.Tensor,
                       train_mask: torch.Tensor, heldout_mask: torch.Tensor, temperature: float,
                       reward: Callable[[torch.Tensor], torch.Tensor] | None) -> dict[str, float]:
    """The columns of :data:`COLUMNS` after ``outer_epoch`` for ``users`` (rows of the masks).

    ``weights``: |pos(u)| per user; ``train_mask`` / ``heldout_mask``: users x items, the training
    positives and the held-out ones; ``reward(f_D)``, or ``None`` for the label reward (1 on a
    training positive). ``D`` is ``None`` when the run has no discriminator. A large catalogue's
    users are summarised a block at a time (``BLOCK_BYTES``); the per-user values are the same
    either way and are reduced once over all users, so the numbers do not depend on the blocks.
    """
    rows = max(1, BLOCK_BYTES // max(train_mask.shape[1] * BYTES_PER_CELL, 1))
    with torch.no_grad():
        blocks = [_per_user(G, D, users[i:i + rows], train_mask[i:i + rows], heldout_mask[i:i + rows],
                            temperature, reward) for i in range(0, len(users), rows)]
        parts = {name: torch.cat([block[name] for block in blocks]) for name in blocks[0]}
        w = weights.double() / weights.double().sum()
        stats = {
            "temperature": float(temperature),
            "g_logit_sd": float(parts["logit_sd"].mean()),
            "g_perplexity": float(parts["perplexity"].mean()),
            "g_perplexity_sample": float(parts["perplexity_sample"].mean()),
            "sample_positive_share": float((w * parts["positive_share"]).sum()),
            "d_accuracy_heldout": math.nan,
            "d_accuracy_sample": math.nan,
        }
        if D is not None:
            if len(parts["heldout_accepted"]):
                stats["d_accuracy_heldout"] = float(parts["heldout_accepted"].mean())
            stats["d_accuracy_sample"] = float((w * parts["sample_rejected"]).sum())
        stats["mean_reward"] = float((w * parts["reward"]).sum()) if "reward" in parts else math.nan
    return stats


class DynamicsLog:
    """The rows of one run's ``dynamics.csv``; kept in the resume state, so a resumed run's
    table is the one an uninterrupted run writes."""

    def __init__(self, G: MFParams, D: MFParams | None, users: torch.Tensor, weights: torch.Tensor,
                 train_mask: torch.Tensor, heldout_mask: torch.Tensor, temperature: float,
                 reward: Callable[[torch.Tensor], torch.Tensor] | None) -> None:
        self.G, self.D, self.users, self.weights = G, D, users, weights
        self.train_mask, self.heldout_mask = train_mask[users], heldout_mask[users]
        self.temperature, self.reward = temperature, reward
        self.rows: list[dict[str, float]] = []

    def record(self, outer_epoch: int, g_epoch: int) -> None:
        self.rows.append({"outer_epoch": outer_epoch, "g_epoch": g_epoch,
                          **distribution_stats(self.G, self.D, self.users, self.weights, self.train_mask,
                                               self.heldout_mask, self.temperature, self.reward)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=COLUMNS)
