"""The one pairwise step of DNS, BPR and LambdaFM against autograd, finite differences and
Rendle's update by hand; its compiled fast path against the torch step."""

from __future__ import annotations

import math

import pytest
import torch

from irgan.train import kernels
from irgan.train.components import MFParams
from irgan.train.pairwise import ordered_epoch, pairwise_gradients, pairwise_loss, pairwise_step, sgd_step

# A batch with repeated users and items, so the per-example gradients must accumulate.
USERS = torch.tensor([0, 1, 1, 5, 0])
POSITIVES = torch.tensor([2, 2, 7, 8, 3])
NEGATIVES = torch.tensor([4, 3, 2, 0, 4])
WEIGHTS = torch.tensor([1.0, 0.5, 2.0, 1.0, 0.25], dtype=torch.float64)
L2 = 0.1


def double_model(seed: int = 0) -> MFParams:
    g = torch.Generator().manual_seed(seed)
    return MFParams(torch.empty(6, 3, dtype=torch.float64).uniform_(-0.5, 0.5, generator=g),
                    torch.empty(3, 9, dtype=torch.float64).uniform_(-0.5, 0.5, generator=g),
                    torch.empty(9, dtype=torch.float64).uniform_(-0.3, 0.3, generator=g))


def dense_gradients(model: MFParams, grads, users, positives, negatives):
    user = torch.zeros_like(model.user).index_add_(0, users, grads.user)
    item = torch.zeros_like(model.item_t).index_add_(1, positives, grads.positive.T)
    item.index_add_(1, negatives, grads.negative.T)
    bias = torch.zeros_like(model.bias).index_add_(0, positives, grads.positive_bias)
    bias.index_add_(0, negatives, grads.negative_bias)
    return user, item, bias


@pytest.mark.parametrize("batch", [slice(1, 2), slice(0, 5)], ids=["one triple", "weighted batch"])
def test_the_pairwise_gradient_matches_autograd(batch):
    users, positives, negatives, weights = USERS[batch], POSITIVES[batch], NEGATIVES[batch], WEIGHTS[batch]
    model = double_model()
    grads = pairwise_gradients(model, users, positives, negatives, weights, L2)
    for t in (model.user, model.item_t, model.bias):
        t.requires_grad_()
    loss = pairwise_loss(model, users, positives, negatives, weights, L2)
    loss.backward()
    assert float(grads.loss) == pytest.approx(float(loss.detach()), rel=1e-12)
    for mine, reference in zip(dense_gradients(model, grads, users, positives, negatives),
                               (model.user.grad, model.item_t.grad, model.bias.grad), strict=True):
        torch.testing.assert_close(mine, reference, rtol=1e-10, atol=1e-12)


def test_the_pairwise_gradient_matches_finite_differences():
    model = double_model(seed=3)
    grads = dense_gradients(model, pairwise_gradients(model, USERS, POSITIVES, NEGATIVES, WEIGHTS, L2),
                            USERS, POSITIVES, NEGATIVES)
    step = 1e-6
    for param, grad in zip((model.user, model.item_t, model.bias), grads, strict=True):
        for index in [(0, 0), (1, 2), (2, 8)] if param.dim() == 2 else [(2,), (4,), (8,)]:
            index = tuple(min(i, s - 1) for i, s in zip(index, param.shape, strict=True))
            original = param[index].item()
            param[index] = original + step
            up = float(pairwise_loss(model, USERS, POSITIVES, NEGATIVES, WEIGHTS, L2))
            param[index] = original - step
            down = float(pairwise_loss(model, USERS, POSITIVES, NEGATIVES, WEIGHTS, L2))
            param[index] = original
            assert grad[index].item() == pytest.approx((up - down) / (2 * step), rel=1e-6, abs=1e-9)


def test_a_step_of_one_example_is_rendles_update():
    model = double_model()
    u, i, j = 1, 7, 2
    p, qi, qj = (t.clone() for t in (model.user[u], model.item_t[:, i], model.item_t[:, j]))
    bi, bj = model.bias[i].item(), model.bias[j].item()
    x = float(p @ (qi - qj)) + bi - bj
    slope = 1 / (1 + math.exp(x))  # sigmoid(-x)
    lr = 0.05
    grads = pairwise_gradients(model, torch.tensor([u]), torch.tensor([i]), torch.tensor([j]),
                               torch.ones(1, dtype=torch.float64), L2)
    sgd_step(model, torch.tensor([u]), torch.tensor([i]), torch.tensor([j]), grads, lr)
    torch.testing.assert_close(model.user[u], p + lr * (slope * (qi - qj) - L2 * p))
    torch.testing.assert_close(model.item_t[:, i], qi + lr * (slope * p - L2 * qi))
    torch.testing.assert_close(model.item_t[:, j], qj + lr * (-slope * p - L2 * qj))
    assert model.bias[i].item() == pytest.approx(bi + lr * (slope - L2 * bi))
    assert model.bias[j].item() == pytest.approx(bj + lr * (-slope - L2 * bj))
    assert float(grads.ranking_loss) == pytest.approx(math.log1p(math.exp(-x)))


def test_a_batch_step_sums_the_examples_gradients_taken_before_the_step():
    model, reference = double_model(seed=5), double_model(seed=5)
    pairwise_step(model, USERS, POSITIVES, NEGATIVES, WEIGHTS, 0.05, L2)
    before = pairwise_gradients(reference, USERS, POSITIVES, NEGATIVES, WEIGHTS, L2)
    grads = dense_gradients(reference, before, USERS, POSITIVES, NEGATIVES)
    for after, before, grad in zip((model.user, model.item_t, model.bias),
                                   (reference.user, reference.item_t, reference.bias), grads, strict=True):
        torch.testing.assert_close(after, before - 0.05 * grad)


@pytest.mark.skipif(not kernels.AVAILABLE, reason="numba is not installed")
def test_the_compiled_fast_path_takes_the_same_steps():
    g = torch.Generator().manual_seed(2)
    model = MFParams(torch.empty(6, 4).uniform_(-0.5, 0.5, generator=g),
                     torch.empty(4, 9).uniform_(-0.5, 0.5, generator=g), torch.zeros(9))
    compiled = model.clone()
    users, positives = torch.randint(6, (40,), generator=g), torch.randint(9, (40,), generator=g)
    negatives = torch.randint(9, (40,), generator=g)
    loss = ordered_epoch(model, users, positives, negatives, 0.05, 0.1, "torch")
    fast = ordered_epoch(compiled, users, positives, negatives, 0.05, 0.1, "compiled")
    assert fast == pytest.approx(loss, rel=1e-5)
    for a, b in zip((model.user, model.item_t, model.bias), (compiled.user, compiled.item_t, compiled.bias),
                    strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
