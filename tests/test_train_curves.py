"""The learning-curve evaluation: the compiled top-k path gives the Evaluator's numbers."""

from __future__ import annotations

import pytest
import torch

from irgan.models.evaluation import Evaluator
from irgan.train import kernels
from irgan.train.components import Evaluators, MFParams, TrainingDiverged
from tests.conftest import tiny_dataset

pytestmark = [pytest.mark.skipif(not kernels.AVAILABLE, reason="numba not installed"),
              pytest.mark.usefixtures("one_torch_thread")]


def params(seed: int, n_users: int, n_items: int, quantum: float | None = None) -> MFParams:
    g = torch.Generator().manual_seed(seed)
    p = MFParams(torch.randn(n_users, 3, generator=g), torch.randn(3, n_items, generator=g),
                 torch.randn(n_items, generator=g))
    if quantum:  # coarse values: many tied scores, so the tie rule decides the top-k
        for t in (p.user, p.item_t, p.bias):
            t.copy_(torch.round(t / quantum) * quantum)
    return p


@pytest.mark.parametrize("quantum", [None, 0.5, 2.0])
def test_compiled_curve_metrics_equal_the_evaluator(quantum):
    dataset = tiny_dataset(n_users=60, n_items=30, seed=3)
    fast = Evaluators(dataset, ["validation", "test"], "cpu")
    assert fast.compiled
    for seed in range(5):
        model = params(seed, dataset.n_users, dataset.n_items, quantum)
        got = fast.means(model)
        for split in ("validation", "test"):
            expected = Evaluator(dataset, split).means(model.score, cutoff_only=True)
            assert set(got[split]) == set(expected)
            for name, value in expected.items():
                assert got[split][name] == pytest.approx(value, abs=1e-12), (split, name)


def test_top_hits_by_hand():
    scores = torch.tensor([[0.5, 0.9, 0.9, 0.1, 0.9]])
    known = torch.tensor([[False, False, True, False, False]])
    relevant = torch.tensor([[True, True, True, False, False]])
    hits, n_relevant, finite = kernels.top_hits(scores.numpy(), known.numpy(), relevant.numpy(), 3)
    # candidates ranked: item 4 (0.9, higher id first), item 1 (0.9), item 0 (0.5); item 2 is known
    assert hits.tolist() == [[False, True, True]] and n_relevant.tolist() == [2] and finite


def test_non_finite_scores_diverge():
    dataset = tiny_dataset(n_users=20, n_items=15, seed=1)
    model = params(0, dataset.n_users, dataset.n_items)
    model.bias[3] = float("nan")
    with pytest.raises(TrainingDiverged, match="not finite"):
        Evaluators(dataset, ["test"], "cpu").means(model, "G", 7)
