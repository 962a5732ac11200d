"""LambdaFM (Yuan, Guo, Jose, Chen, Yu and Zhang, "LambdaFM: Learning Optimal Ranking with
Factorization Machines Using Lambda Surrogates", CIKM 2016) for implicit feedback.

With only a user field and an item field, the factorisation machine is the biased
matrix factorisation f(u, i) = <p_u, q_i> + b_i (the paper's scorer; a global bias
and a user bias cancel in every pairwise difference), trained on the pairwise
logistic loss of :mod:`irgan.train.pairwise` (:mod:`baselines.pairwise`). LambdaFM's contribution is how the
negative j of a pair (u, i) is chosen, to push the top of the ranking (its
"lambda surrogates"):

- ``static`` (LFM-S): j with probability proportional to ``exp(-r(j) / (|I| rho))``
  over u's non-positives, r(j) the popularity rank of j (1 = most fitted positives);
- ``dynamic`` (LFM-D): draw ``m`` uniform non-positives, rank them by the current
  score, take the one at rank r with probability proportional to ``exp(-r / (m rho))``;
- ``weighted`` (LFM-W, rank-aware weighting): draw uniform non-positives until one
  violates ``f(u, j) >= f(u, i) - epsilon``; with N draws the positive's rank is
  estimated as ``floor((Y - 1) / N)`` (Y = u's non-positives, at most Y - 1 draws) and
  the example's loss is weighted by ``H(rank) / H(n_items - 1)`` (H = harmonic number),
  as in WARP (Weston et al. 2011). The drawing is simulated exactly and without a
  loop: the number of draws is geometric with success probability (violators / Y),
  truncated at Y - 1, and the negative is uniform over the violators (or, when none
  was found, over the non-violators, i.e. the last draw).

Default: ``dynamic``. It adapts to the current model for each user, where the
static sampler only knows global popularity; its cost per example is fixed (m
scored candidates), where the weighted variant draws until a violator (up to Y - 1
draws, simulated here by scoring every item); and it contains the DNS pre-training of
IRGAN as a limit (as rho -> 0 it keeps the best-scored of m uniform candidates,
which is DNS with m candidates), so the LambdaFM and DNS rows of the comparison
differ in one interpretable knob. The other two surrogates are a config switch
(``sampler``) away.
"""

from __future__ import annotations

import torch

from baselines.pairwise import PairwiseMF
from baselines.sampling import categorical_rows, uniform_negatives
from irgan.data.dataset import Dataset, Pairs
from irgan.train.components import MFParams
from irgan.train.settings import LambdaFMSettings


def rank_probabilities(n_ranks: int, rho: float, device: torch.device | str = "cpu") -> torch.Tensor:
    """p(r) proportional to exp(-r / (n_ranks * rho)) for r = 1..n_ranks (LambdaFM's sampler)."""
    ranks = torch.arange(1, n_ranks + 1, dtype=torch.float64, device=device)
    weights = torch.exp(-ranks / (n_ranks * rho))
    return (weights / weights.sum()).float()


def popularity_ranks(positives: Pairs, n_items: int) -> torch.Tensor:
    """1-based popularity rank of every item (most fitted positives first, ties by lower id)."""
    counts = torch.bincount(torch.as_tensor(positives.items), minlength=n_items)
    order = torch.sort(counts, descending=True, stable=True).indices
    ranks = torch.empty(n_items, dtype=torch.long)
    ranks[order] = torch.arange(1, n_items + 1)
    return ranks


def static_negatives(item_probabilities: torch.Tensor, known: torch.Tensor, users: torch.Tensor,
                     generator: torch.Generator) -> torch.Tensor:
    """One item per user from ``item_probabilities`` restricted to the user's non-positives."""
    weights = item_probabilities[None, :] * (~known[users]).to(item_probabilities.dtype)
    return categorical_rows(weights, generator)


def dynamic_negatives(model: MFParams, known: torch.Tensor, users: torch.Tensor,
                      probabilities: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """LFM-D: m uniform non-positives, ranked by score; rank r picked with ``probabilities[r-1]``."""
    m = len(probabilities)
    candidates = uniform_negatives(known, users, m, generator)  # (B, m)
    scores = (model.user[users][:, None, :] * model.item_t.T[candidates]).sum(-1) + model.bias[candidates]
    by_score = torch.sort(scores, dim=1, descending=True, stable=True).indices
    rank = torch.multinomial(probabilities, len(users), replacement=True, generator=generator)
    return candidates.gather(1, by_score.gather(1, rank[:, None]))[:, 0]


def weighted_negatives(scores: torch.Tensor, known_rows: torch.Tensor, positive_scores: torch.Tensor,
                       epsilon: float, generator: torch.Generator
                       ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """LFM-W for a batch: (negatives, number of draws N, estimated rank of the positive).

    ``scores`` (B, n_items) are the users' current scores, ``known_rows`` their
    positives, ``positive_scores`` (B,) the scores of the pairs' positives.
    """
    candidates = ~known_rows
    violators = candidates & (scores >= positive_scores[:, None] - epsilon)
    n_candidates = candidates.sum(1)
    n_violators = violators.sum(1)
    cap = (n_candidates - 1).clamp(min=1)
    hit = n_violators.double() / n_candidates.double()
    # Draws until the first violator: geometric on {1, 2, ...}; inverse CDF of a uniform.
    uniform = torch.rand(len(scores), generator=generator, device=scores.device, dtype=torch.float64)
    draws = torch.ceil(torch.log1p(-uniform) / torch.log1p(-hit)).clamp(min=1)
    draws = torch.where(hit > 0, draws, torch.full_like(draws, float("inf")))
    found = draws <= cap
    draws = torch.minimum(draws, cap.double()).long()
    pool = torch.where(found[:, None], violators, candidates & ~violators)
    negatives = categorical_rows(pool, generator)
    rank = torch.div(n_candidates - 1, draws, rounding_mode="floor")
    return negatives, draws, rank


def harmonic_numbers(n: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """H(0..n): H(0) = 0, H(r) = sum_{k=1..r} 1/k."""
    steps = 1.0 / torch.arange(1, n + 1, dtype=torch.float64, device=device)
    return torch.cat([torch.zeros(1, dtype=torch.float64, device=device), torch.cumsum(steps, 0)])


class LambdaFM(PairwiseMF):
    """Biased MF with one of LambdaFM's lambda surrogates (``sampler``: static, dynamic, weighted)."""

    name = "lambdafm"
    settings_type = LambdaFMSettings
    defaults = LambdaFMSettings().as_dict()

    def prepare(self, dataset: Dataset, positives: Pairs) -> None:
        sampler, rho = self.settings.sampler, self.settings.rho
        if sampler == "static":
            ranks = popularity_ranks(positives, dataset.n_items).to(self.device)
            weights = torch.exp(-ranks.double() / (dataset.n_items * rho))
            self.item_probabilities = (weights / weights.sum()).float()
        elif sampler == "dynamic":
            self.rank_probabilities = rank_probabilities(self.settings.m, rho, self.device)
        else:
            self.harmonic = harmonic_numbers(dataset.n_items, self.device)

    def negatives(self, users: torch.Tensor, positives: torch.Tensor,
                  generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        sampler = self.settings.sampler
        ones = torch.ones(len(users), device=self.device)
        if sampler == "static":
            return static_negatives(self.item_probabilities, self.known, users, generator), ones
        if sampler == "dynamic":
            return dynamic_negatives(self.model, self.known, users, self.rank_probabilities,
                                     generator), ones
        scores = self.model.score(users)
        negatives, _, rank = weighted_negatives(
            scores, self.known[users], scores.gather(1, positives[:, None])[:, 0],
            self.settings.epsilon, generator)
        weights = self.harmonic[rank] / self.harmonic[self.n_items - 1]
        return negatives, weights.float()
