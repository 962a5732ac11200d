"""Negative samplers of BPR and LambdaFM against their closed-form distributions.

Each test draws many samples on a fixed score vector with a fixed seed and
compares the frequencies with the closed form by a chi-square test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from baselines.lambdafm import (
    dynamic_negatives,
    harmonic_numbers,
    popularity_ranks,
    rank_probabilities,
    static_negatives,
    weighted_negatives,
)
from baselines.sampling import categorical_rows, uniform_negatives
from irgan.data.dataset import Pairs
from irgan.train.components import MFParams

N_ITEMS = 40
POSITIVES = [0, 3, 4, 17, 25, 39]  # user 0's positives; user 1 has none


def known_matrix() -> torch.Tensor:
    known = torch.zeros(2, N_ITEMS, dtype=torch.bool)
    known[0, POSITIVES] = True
    return known


def fixed_scorer(scores: torch.Tensor) -> MFParams:
    """An MF model whose score f(u, i) is ``scores[i]`` for every user."""
    return MFParams(torch.zeros(2, 1), torch.randn(1, len(scores)), scores.float().clone())


def chi_square_p(observed: np.ndarray, expected_probabilities: np.ndarray) -> float:
    n = observed.sum()
    return stats.chisquare(observed, expected_probabilities * n).pvalue


def counts_of(items: torch.Tensor, n: int = N_ITEMS) -> np.ndarray:
    return torch.bincount(items.flatten(), minlength=n).numpy()


def test_uniform_negatives_are_uniform_over_non_positives():
    generator = torch.Generator().manual_seed(0)
    users = torch.zeros(50_000, dtype=torch.long)
    draws = uniform_negatives(known_matrix(), users, 2, generator)
    counts = counts_of(draws)
    assert counts[POSITIVES].sum() == 0
    candidates = np.setdiff1d(np.arange(N_ITEMS), POSITIVES)
    expected = np.full(len(candidates), 1 / len(candidates))
    assert chi_square_p(counts[candidates], expected) > 1e-3


def test_uniform_negatives_refuse_a_user_without_non_positives():
    known = torch.ones(1, 5, dtype=torch.bool)
    with pytest.raises(Exception, match="no non-positive"):
        uniform_negatives(known, torch.zeros(3, dtype=torch.long), 1, torch.Generator().manual_seed(0))


def test_categorical_rows_follow_the_weights_and_skip_zero_weights():
    weights = torch.tensor([[0.0, 1.0, 0.0, 3.0, 6.0, 0.0]]).expand(60_000, -1)
    picks = categorical_rows(weights, torch.Generator().manual_seed(1))
    counts = torch.bincount(picks, minlength=6).numpy()
    assert counts[[0, 2, 5]].sum() == 0
    assert chi_square_p(counts[[1, 3, 4]], np.array([0.1, 0.3, 0.6])) > 1e-3


def test_rank_probabilities_closed_form():
    probabilities = rank_probabilities(4, 0.5).double()
    expected = np.exp(-np.arange(1, 5) / 2.0)
    np.testing.assert_allclose(probabilities.numpy(), expected / expected.sum(), rtol=1e-6)


def test_popularity_ranks_most_popular_first_ties_by_lower_id():
    pairs = Pairs(np.array([0, 1, 2, 0, 1, 0]), np.array([2, 2, 2, 0, 0, 3]))
    # counts: item 0 -> 2, item 1 -> 0, item 2 -> 3, item 3 -> 1, item 4 -> 0
    assert popularity_ranks(pairs, 5).tolist() == [2, 4, 1, 3, 5]


def test_static_sampler_matches_exp_of_popularity_rank_over_non_positives():
    rho = 0.2
    ranks = torch.randperm(N_ITEMS, generator=torch.Generator().manual_seed(3)) + 1
    weights = torch.exp(-ranks.double() / (N_ITEMS * rho))
    probabilities = (weights / weights.sum()).float()
    users = torch.zeros(60_000, dtype=torch.long)
    draws = static_negatives(probabilities, known_matrix(), users, torch.Generator().manual_seed(4))
    counts = counts_of(draws)
    assert counts[POSITIVES].sum() == 0
    candidates = np.setdiff1d(np.arange(N_ITEMS), POSITIVES)
    expected = weights.numpy()[candidates]
    assert chi_square_p(counts[candidates], expected / expected.sum()) > 1e-3


@pytest.mark.parametrize(("m", "rho"), [(5, 0.3), (3, 1.0)])
def test_dynamic_sampler_item_probabilities_match_order_statistics(m, rho):
    """P(item with the k-th highest score among Y non-positives) = sum_r w_r [S_r(k) - S_r(k-1)],
    S_r(k) = P(Binomial(m, k / Y) >= r): the r-th best of m uniform draws lies in the top k."""
    scores = torch.randperm(N_ITEMS, generator=torch.Generator().manual_seed(5)).float()
    model = fixed_scorer(scores)
    users = torch.zeros(80_000, dtype=torch.long)
    draws = dynamic_negatives(model, known_matrix(), users, rank_probabilities(m, rho),
                              torch.Generator().manual_seed(6))
    counts = counts_of(draws)
    assert counts[POSITIVES].sum() == 0

    candidates = np.setdiff1d(np.arange(N_ITEMS), POSITIVES)
    by_score = candidates[np.argsort(-scores.numpy()[candidates])]  # score rank 1..Y
    n_candidates = len(candidates)
    rank_weights = np.exp(-np.arange(1, m + 1) / (m * rho))
    rank_weights /= rank_weights.sum()
    top_k = np.arange(n_candidates + 1) / n_candidates
    expected = np.zeros(n_candidates)
    for r, weight in enumerate(rank_weights, start=1):
        at_least_r = stats.binom.sf(r - 1, m, top_k)  # S_r(0..Y)
        expected += weight * np.diff(at_least_r)
    np.testing.assert_allclose(expected.sum(), 1.0)
    assert chi_square_p(counts[by_score], expected) > 1e-3


def weighted_batch(n: int, positive_score: float, epsilon: float, seed: int):
    order = torch.randperm(N_ITEMS, generator=torch.Generator().manual_seed(7))
    scores = torch.linspace(0.0, 3.9, N_ITEMS)[order]
    known_rows = known_matrix()[0].expand(n, -1)
    positive_scores = torch.full((n,), positive_score)
    out = weighted_negatives(scores.expand(n, -1), known_rows, positive_scores, epsilon,
                             torch.Generator().manual_seed(seed))
    candidates = ~known_matrix()[0]
    violators = candidates & (scores >= positive_score - epsilon)
    return out, candidates, violators


def test_weighted_sampler_draws_are_truncated_geometric_and_negatives_uniform_violators():
    n = 60_000
    (negatives, draws, rank), candidates, violators = weighted_batch(n, 3.5, 0.5, seed=8)
    n_candidates, n_violators = int(candidates.sum()), int(violators.sum())
    assert 0 < n_violators < n_candidates
    hit = n_violators / n_candidates
    cap = n_candidates - 1

    # Number of draws: geometric(hit) on 1..cap-1, all remaining mass at cap; tail bins merged.
    counts = torch.bincount(draws, minlength=cap + 1).numpy()[1:]
    expected = np.array([(1 - hit) ** (k - 1) * hit for k in range(1, cap)] + [(1 - hit) ** (cap - 1)])
    tail = 12
    observed = np.append(counts[:tail], counts[tail:].sum())
    merged = np.append(expected[:tail], expected[tail:].sum())
    assert chi_square_p(observed, merged) > 1e-3

    # The rank of the positive is estimated as floor((Y - 1) / N).
    assert torch.equal(rank, torch.div(n_candidates - 1, draws, rounding_mode="floor"))

    # When a violator was found, it is uniform over the violators; never a positive.
    picked = counts_of(negatives)
    assert picked[POSITIVES].sum() == 0
    non_violators = candidates & ~violators
    expected_misses = n * (1 - hit) ** cap  # no violator within the cap: a non-violator is returned
    assert picked[non_violators.numpy()].sum() <= max(10, 5 * expected_misses)
    hits = picked[violators.numpy()]
    assert chi_square_p(hits, np.full(len(hits), 1 / len(hits))) > 1e-3


def test_weighted_sampler_without_violator_uses_every_draw_and_rank_one():
    (negatives, draws, rank), candidates, violators = weighted_batch(20_000, 100.0, 0.5, seed=9)
    assert int(violators.sum()) == 0
    n_candidates = int(candidates.sum())
    assert torch.all(draws == n_candidates - 1) and torch.all(rank == 1)
    picked = counts_of(negatives)
    assert picked[POSITIVES].sum() == 0
    assert chi_square_p(picked[candidates.numpy()], np.full(n_candidates, 1 / n_candidates)) > 1e-3


def test_harmonic_numbers():
    h = harmonic_numbers(4)
    np.testing.assert_allclose(h.numpy(), [0, 1, 1.5, 1.5 + 1 / 3, 1.5 + 1 / 3 + 0.25])
    assert math.isclose(float(harmonic_numbers(1000)[-1]), sum(1 / k for k in range(1, 1001)))
