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
from baselines.pairwise import pairwise_gradients, pairwise_loss, sgd_step
from baselines.popularity import Popularity
from irgan.errors import ConfigError
from irgan.evaluation import Evaluator
from irgan.models import MatrixFactorization
from irgan.recommender import Recommender
from tests.conftest import tiny_dataset


@pytest.fixture(scope="module")
def tiny():
    return tiny_dataset(n_users=30, n_items=40, seed=1)


def double_model(seed: int = 0) -> MatrixFactorization:
    model = MatrixFactorization(6, 9, dim=3, init_scale=0.5, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        model.item_bias.uniform_(-0.3, 0.3, generator=torch.Generator().manual_seed(seed + 1))
    return model.double()


# A batch with repeated users and items, so the per-example gradients must accumulate.
USERS = torch.tensor([0, 1, 1, 5, 0])
POSITIVES = torch.tensor([2, 2, 7, 8, 3])
NEGATIVES = torch.tensor([4, 3, 2, 0, 4])
WEIGHTS = torch.tensor([1.0, 0.5, 2.0, 1.0, 0.25], dtype=torch.float64)
L2 = 0.1


def dense_gradients(model, grads):
    user = torch.zeros_like(model.user_emb).index_add_(0, USERS, grads.user)
    item = torch.zeros_like(model.item_emb).index_add_(0, POSITIVES, grads.positive)
    item.index_add_(0, NEGATIVES, grads.negative)
    bias = torch.zeros_like(model.item_bias).index_add_(0, POSITIVES, grads.positive_bias)
    bias.index_add_(0, NEGATIVES, grads.negative_bias)
    return user, item, bias


def test_bpr_gradient_matches_autograd():
    model = double_model()
    grads = pairwise_gradients(model, USERS, POSITIVES, NEGATIVES, WEIGHTS, L2)
    loss = pairwise_loss(model, USERS, POSITIVES, NEGATIVES, WEIGHTS, L2)
    loss.backward()
    assert float(grads.loss) == pytest.approx(float(loss.detach()), rel=1e-12)
    for mine, reference in zip(dense_gradients(model, grads),
                               (model.user_emb.grad, model.item_emb.grad, model.item_bias.grad), strict=True):
        torch.testing.assert_close(mine, reference, rtol=1e-10, atol=1e-12)


def test_bpr_gradient_matches_finite_differences():
    model = double_model(seed=3)
    grads = dense_gradients(model, pairwise_gradients(model, USERS, POSITIVES, NEGATIVES, WEIGHTS, L2))
    step = 1e-6
    for param, grad in zip((model.user_emb, model.item_emb, model.item_bias), grads, strict=True):
        for index in [(0, 0), (1, 2), (5, 1)] if param.dim() == 2 else [(2,), (4,), (8,)]:
            index = tuple(min(i, s - 1) for i, s in zip(index, param.shape, strict=True))
            with torch.no_grad():
                original = param[index].item()
                param[index] = original + step
                up = float(pairwise_loss(model, USERS, POSITIVES, NEGATIVES, WEIGHTS, L2))
                param[index] = original - step
                down = float(pairwise_loss(model, USERS, POSITIVES, NEGATIVES, WEIGHTS, L2))
                param[index] = original
            assert grad[index].item() == pytest.approx((up - down) / (2 * step), rel=1e-6, abs=1e-9)


def test_sgd_step_of_one_example_is_rendles_update():
    model = double_model()
    u, i, j = 1, 7, 2
    p, qi, qj = (t.detach().clone() for t in (model.user_emb[u], model.item_emb[i], model.item_emb[j]))
    bi, bj = model.item_bias[i].item(), model.item_bias[j].item()
    x = float(p @ (qi - qj)) + bi - bj
    slope = 1 / (1 + math.exp(x))  # sigmoid(-x)
    lr = 0.05
    grads = pairwise_gradients(model, torch.tensor([u]), torch.tensor([i]), torch.tensor([j]),
                               torch.ones(1, dtype=torch.float64), L2)
    sgd_step(model, torch.tensor([u]), torch.tensor([i]), torch.tensor([j]), grads, lr)
    torch.testing.assert_close(model.user_emb[u], p + lr * (slope * (qi - qj) - L2 * p))
    torch.testing.assert_close(model.item_emb[i], qi + lr * (slope * p - L2 * qi))
    torch.testing.assert_close(model.item_emb[j], qj + lr * (-slope * p - L2 * qj))
    assert model.item_bias[i].item() == pytest.approx(bi + lr * (slope - L2 * bi))
    assert model.item_bias[j].item() == pytest.approx(bj + lr * (-slope - L2 * bj))


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
    with pytest.raises(ConfigError, match="sampler must be one of"):
        LambdaFM(sampler="adaptive", epochs=1).fit(tiny, "validation")


def test_unknown_selection_rule_is_refused(tiny):
    with pytest.raises(ConfigError, match="selection rule"):
        EASE().fit(tiny, "train")
