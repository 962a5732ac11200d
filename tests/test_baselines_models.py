"""Each baseline against an independent computation: autograd, a direct solve, brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from baselines import SYSTEMS, baseline_class
from baselines.bpr import BPR
from baselines.ease import EASE, ease_weights
from baselines.itemknn import ItemKNN, cosine_similarity, keep_top_neighbours
from baselines.lambdafm import LambdaFM
from baselines.popularity import Popularity
from irgan.errors import ConfigError
from irgan.models.evaluation import Evaluator
from irgan.models.recommender import Recommender
from tests.conftest import tiny_dataset


@pytest.fixture(scope="module")
def tiny():
    return tiny_dataset(n_users=30, n_items=40, seed=1)


def test_ease_closed_form_equals_a_direct_solve_per_column():
    rng = np.random.default_rng(0)
    x = (rng.random((25, 8)) < 0.35).astype(float)
    lam = 3.0
    weights = ease_weights(torch.as_tensor(x), lam).numpy()
    direct = np.zeros((8, 8))
    for j in range(8):
        others = [i for i in range(8) if i != j]
        xo = x[:, others]
        direct[others, j] = np.linalg.solve(xo.T @ xo + lam * np.eye(7), xo.T @ x[:, j])
    np.testing.assert_allclose(weights, direct, atol=1e-10)


def brute_force_knn_scores(x: np.ndarray, k: int) -> np.ndarray:
    """Python loops: cosine of item columns, top-k per target item (ties: lower id), summed."""
    n_users, n_items = x.shape
    norm = [math.sqrt(sum(x[u, i] for u in range(n_users))) for i in range(n_items)]

    def cosine(i, j):
        dot = sum(x[u, i] * x[u, j] for u in range(n_users))
        return dot / max(norm[i] * norm[j], 1e-12)

    weights = np.zeros((n_items, n_items))
    for j in range(n_items):
        others = sorted((i for i in range(n_items) if i != j), key=lambda i: (-cosine(i, j), i))
        for i in others[:k]:
            weights[i, j] = cosine(i, j)
    scores = np.zeros((n_users, n_items))
    for u in range(n_users):
        for j in range(n_items):
            scores[u, j] = sum(weights[i, j] for i in range(n_items) if x[u, i])
    return scores


@pytest.mark.parametrize("k", [1, 3, 20])
def test_item_knn_equals_brute_force(k):
    rng = np.random.default_rng(k)
    x = (rng.random((12, 7)) < 0.4).astype(float)  # binary: many tied similarities
    weights = keep_top_neighbours(cosine_similarity(torch.as_tensor(x)), k)
    np.testing.assert_allclose(x @ weights.numpy(), brute_force_knn_scores(x, k), atol=1e-12)


def test_item_knn_model_scores_its_fitted_positives(tiny):
    model = ItemKNN(k=5).fit(tiny, "validation")
    pos = tiny.fit_positives
    x = np.zeros((tiny.n_users, tiny.n_items))
    x[pos.users, pos.items] = 1
    users = torch.arange(tiny.n_users)
    np.testing.assert_allclose(model.score(users).numpy(), brute_force_knn_scores(x, 5), atol=1e-5)


@pytest.mark.parametrize("selection", ["validation", "test"])
def test_popularity_counts_the_positives_of_the_selection_rule(tiny, selection):
    model = Popularity().fit(tiny, selection)
    counts = np.bincount(tiny.training_positives(selection).items, minlength=tiny.n_items)
    scores = model.score(torch.tensor([0, 3, 7]))
    assert scores.shape == (3, tiny.n_items)
    for row in scores:
        np.testing.assert_array_equal(row.numpy(), counts)


def test_ease_model_fits_the_selection_rules_positives(tiny):
    model = EASE(l2=2.0).fit(tiny, "test")
    pos = tiny.train_positives
    x = np.zeros((tiny.n_users, tiny.n_items))
    x[pos.users, pos.items] = 1
    expected = x @ ease_weights(torch.as_tensor(x), 2.0).numpy()
    np.testing.assert_allclose(model.score(torch.arange(tiny.n_users)).numpy(), expected, atol=1e-4)


@pytest.mark.parametrize("system", list(SYSTEMS))
def test_every_baseline_is_a_recommender_with_full_score_rows(tiny, system):
    cls = baseline_class(system)
    params = {"epochs": 2} if "epochs" in cls.defaults else {}
    model = cls(seed=0, **params).fit(tiny, "validation")
    assert isinstance(model, Recommender)
    assert model.status == "ok"
    scores = model.score(torch.tensor([1, 2]))
    assert scores.shape == (2, tiny.n_items) and torch.isfinite(scores).all()
    assert list(model.curve.columns[:3]) == ["epoch", "model", "split"]


@pytest.mark.parametrize(("cls", "extra"), [
    (BPR, {}),
    (LambdaFM, {"sampler": "static"}),
    (LambdaFM, {"sampler": "dynamic"}),
    (LambdaFM, {"sampler": "weighted"}),
])
def test_pairwise_training_is_deterministic_and_learns(tiny, cls, extra):
    params = {"epochs": 15, "batch_size": 16, "dim": 4, "lr": 0.1, "init_scale": 0.1}
    first = cls(seed=3, **params, **extra).fit(tiny, "test")
    second = cls(seed=3, **params, **extra).fit(tiny, "test")
    users = torch.arange(tiny.n_users)
    torch.testing.assert_close(first.score(users), second.score(users), rtol=0, atol=0)
    assert first.train_loss == second.train_loss
    assert first.train_loss[-1] < first.train_loss[0]
    # Epoch selection keeps the best test P@5 of the curve (the paper's rule).
    curve = first.curve
    best = curve.loc[curve["P@5"].idxmax()]
    assert first.selected_epoch == best["epoch"]
    evaluator = Evaluator(tiny, "test")
    assert evaluator.means(first.score, cutoff_only=True)["P@5"] == pytest.approx(best["P@5"])


def test_huge_learning_rate_diverges_and_says_so(tiny):
    model = BPR(seed=0, epochs=5, lr=1e38, batch_size=8).fit(tiny, "validation")
    assert model.status == "diverged"
    assert "non-finite" in model.divergence["reason"] and model.divergence["phase"] == "fit"
    assert model.summary()["status"] == "diverged"


def test_unknown_hyper_parameter_is_named():
    with pytest.raises(ConfigError, match="bpr: unknown hyper-parameter.*learning_rate"):
        BPR(learning_rate=0.1)


def test_unknown_lambdafm_sampler_is_named(tiny):
    with pytest.raises(ConfigError, match="lambdafm.sampler: .adaptive. is not one of static, dynamic"):
        LambdaFM(sampler="adaptive", epochs=1).fit(tiny, "validation")


def test_unknown_selection_rule_is_refused(tiny):
    with pytest.raises(ConfigError, match="selection rule"):
        EASE().fit(tiny, "train")
