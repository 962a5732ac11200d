"""IRGAN pointwise: the policy gradient, rewards, sampling, both backends, schedule, runs."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
import torch

from irgan.contract.runs import read_run
from irgan.data.dataset import Pairs
from irgan.study.config import load_config
from irgan.study.variants import resolve_variant
from irgan.train import kernels
from irgan.train.components import MFParams, Positives, load_model, uniforms, write_training_run
from irgan.train.irgan_pointwise import (
    REWARDS,
    Triples,
    UserBatch,
    discriminator_epoch,
    generator_epoch,
    generator_step,
    item_rewards,
    new_baseline_state,
    policy_gradient_loss,
    sample_for_discriminator,
    train_irgan,
    user_batches,
)
from irgan.train.sampling import sample_inverse_cdf
from tests.conftest import tiny_dataset

needs_numba = pytest.mark.skipif(not kernels.AVAILABLE, reason="numba not installed")

CONFIG = load_config()
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def settings(variant: str = "code", **schedule) -> dict:
    """The authors' settings with a tiny schedule."""
    s = resolve_variant(CONFIG["irgan"], variant)
    s["outer_epochs"] = schedule.get("outer_epochs", 2)
    s["discriminator"]["epochs"] = schedule.get("d_epochs", 3)
    s["discriminator"]["regenerate_every"] = schedule.get("regenerate_every", 2)
    s["generator"]["epochs"] = schedule.get("g_epochs", 2)
    s["backend"] = schedule.get("backend", "auto")
    return s


def random_params(n_users, n_items, dim=3, seed=0, scale=0.5) -> MFParams:
    g = torch.Generator().manual_seed(seed)
    return MFParams(torch.empty(n_users, dim).uniform_(-scale, scale, generator=g),
                    torch.empty(dim, n_items).uniform_(-scale, scale, generator=g),
                    torch.empty(n_items).uniform_(-scale, scale, generator=g))


# ------------------------------------------------------------------ the policy gradient


def test_policy_gradient_equals_importance_weighted_reinforce():
    """d loss / d theta = -(1/K) sum_k reward_k w_k grad log p(s_k), computed by hand."""
    rng = np.random.default_rng(3)
    p_u = rng.normal(size=3)
    q = rng.normal(size=(6, 3))
    b = rng.normal(size=6)
    samples = np.array([1, 4, 4, 0, 5])
    reward = rng.normal(size=5)
    weight = rng.uniform(0.5, 2.0, size=5)

    user = torch.tensor(p_u, requires_grad=True)
    items = torch.tensor(q, requires_grad=True)
    bias = torch.tensor(b, requires_grad=True)
    log_p = torch.log_softmax(items @ user + bias, dim=0)
    loss = policy_gradient_loss(log_p[samples][None], torch.tensor(reward)[None],
                                torch.tensor(weight)[None], torch.ones(1, 5, dtype=torch.float64))
    loss.backward()

    # independent: grad log p(s) w.r.t. logits is onehot(s) - p; chain rule by hand
    logits = q @ p_u + b
    p = np.exp(logits - logits.max())
    p /= p.sum()
    grad_user, grad_items, grad_bias = np.zeros(3), np.zeros((6, 3)), np.zeros(6)
    for s, r, w in zip(samples, reward, weight, strict=True):
        d_logits = -np.asarray(p)
        d_logits[s] += 1.0
        coef = -r * w / len(samples)
        grad_user += coef * (d_logits @ q)
        grad_items += coef * np.outer(d_logits, p_u)
        grad_bias += coef * d_logits
    np.testing.assert_allclose(user.grad.numpy(), grad_user, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(items.grad.numpy(), grad_items, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bias.grad.numpy(), grad_bias, rtol=1e-10, atol=1e-12)


def test_policy_gradient_ignores_padding_and_does_not_differentiate_the_reward():
    log_p = torch.tensor([[-1.0, -2.0, -3.0]], requires_grad=True)
    reward = torch.tensor([[1.0, 2.0, 100.0]], requires_grad=True)
    loss = policy_gradient_loss(log_p, reward, torch.ones(1, 3), torch.tensor([[1.0, 1.0, 0.0]]))
    assert float(loss.detach()) == pytest.approx(-(-1.0 * 1 + -2.0 * 2) / 2)
    loss.backward()
    assert reward.grad is None or torch.all(reward.grad == 0)
    assert log_p.grad.tolist() == [[-0.5, -1.0, 0.0]]


@pytest.mark.parametrize(("name", "formula"), [
    ("2sigmoid-1", lambda f: 2 / (1 + math.exp(-f)) - 1),
    ("sigmoid", lambda f: 1 / (1 + math.exp(-f))),
    ("log-sigmoid", lambda f: -math.log(1 + math.exp(-f))),
    ("softplus", lambda f: math.log(1 + math.exp(f))),
])
def test_reward_functions(name, formula):
    values = [-30.0, -2.0, 0.0, 0.7, 3.0, 30.0]
    torch_rewards = REWARDS[name](torch.tensor(values, dtype=torch.float64)).tolist()
    expected = [formula(f) for f in values]
    assert torch_rewards == pytest.approx(expected, rel=1e-9, abs=1e-12)
    if kernels.AVAILABLE:
        compiled = [kernels._reward(kernels.REWARD_CODES[name], f) for f in values]
        assert compiled == pytest.approx(expected, rel=1e-6, abs=1e-7)  # float32, as the authors


def test_code_reward_is_a_shifted_sigmoid_and_paper_reward_is_positive():
    f = torch.linspace(-5, 5, 11)
    assert torch.allclose(REWARDS["2sigmoid-1"](f), 2 * (torch.sigmoid(f) - 0.5))
    assert float(REWARDS["2sigmoid-1"](torch.tensor(0.0))) == 0.0
    assert bool((REWARDS["softplus"](f) > 0).all()) and bool((REWARDS["log-sigmoid"](f) < 0).all())


def test_label_reward_is_one_for_training_positives_only():
    mask = torch.zeros(2, 5, dtype=torch.bool)
    mask[0, [1, 3]] = True
    D = random_params(2, 5)
    r = item_rewards("label", D, torch.tensor([0]), torch.tensor([[1, 2, 3, 3]]), mask)
    assert r.tolist() == [[1.0, 0.0, 1.0, 1.0]]


def test_inverse_cdf_sampling_is_numpy_choice():
    rng = np.random.default_rng(0)
    weights = rng.random((3, 7)).astype(np.float32)
    weights[1, 2] = 0.0  # zero-probability items are never drawn
    draws = rng.random((3, 50))
    got = sample_inverse_cdf(torch.tensor(weights), torch.tensor(draws)).numpy()
    for row in range(3):
        cdf = np.cumsum(weights[row].astype(np.float64))
        cdf /= cdf[-1]
        np.testing.assert_array_equal(got[row], np.searchsorted(cdf, draws[row], side="right"))
    assert not (got[1] == 2).any()


@needs_numba
def test_fast_exponential_is_accurate_to_float32():
    x = np.linspace(-86, 80, 20001).astype(np.float32)
    out = np.empty_like(x)
    kernels.exp32_array(x, out)
    np.testing.assert_allclose(out, np.exp(x.astype(np.float64)), rtol=3e-7)
    below = np.array([-200.0, -90.0], dtype=np.float32)
    kernels.exp32_array(below, out[:2])
    assert (out[:2] > 0).all() and (out[:2] < 1e-37).all()


# ------------------------------------------------------------------ both backends agree


def tiny_problem(seed=0):
    dataset = tiny_dataset(n_users=12, n_items=25, seed=seed)
    positives = Positives.from_pairs(dataset.train_positives, dataset.n_users, dataset.n_items)
    return dataset, positives


@needs_numba
@pytest.mark.parametrize(("reward", "baseline", "l2"), [
    ("2sigmoid-1", "none", 0.0), ("sigmoid", "mean", 0.0), ("log-sigmoid", "none", 0.01),
    ("softplus", "none", 0.0), ("label", "mean", 0.0), ("2sigmoid-1", "moving-average", 0.0),
    ("softplus", "moving-average", 0.01),
])
def test_generator_epoch_compiled_equals_torch(reward, baseline, l2):
    _, positives = tiny_problem()
    s = settings()
    s.update(reward=reward, reward_baseline=baseline, reward_baseline_decay=0.8)
    s["generator"].update(lr=0.05, l2=l2)
    mask = positives.mask()
    draws = uniforms(torch.Generator().manual_seed(1), 2 * len(positives))
    results = {}
    for backend in ("compiled", "torch"):
        G, D = random_params(12, 25, seed=1), random_params(12, 25, seed=2)
        batches = user_batches(positives, 1, 2, torch.device("cpu"))
        state = new_baseline_state()  # carried across the epochs, as a run does
        for _ in range(3):
            loss = generator_epoch(G, D, positives, batches, draws, s, backend, mask,
                                   baseline_state=state)
        results[backend] = (G, loss, state[0])
    (g1, l1, b1), (g2, l2_, b2) = results["compiled"], results["torch"]
    for a, b in zip((g1.user, g1.item_t, g1.bias), (g2.user, g2.item_t, g2.bias), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert l1 == pytest.approx(l2_, rel=1e-4, abs=1e-6)
    assert b1 == pytest.approx(b2, rel=1e-6, abs=1e-9)
    assert (b1 != 0.0) == (baseline == "moving-average")


def per_user_reward_critic(n_users: int, n_items: int, logits: np.ndarray) -> MFParams:
    """A D whose logit depends on the user only: f_D(u, i) = logits[u] for every item."""
    user = torch.zeros(n_users, 3)
    user[:, 0] = torch.tensor(logits, dtype=torch.float32)
    item_t = torch.zeros(3, n_items)
    item_t[0] = 1.0
    return MFParams(user, item_t, torch.zeros(n_items))


@pytest.mark.parametrize("backend", ["torch", pytest.param("compiled", marks=needs_numba)])
def test_moving_average_baseline_equals_a_hand_computation(backend):
    """With a reward that is constant per user (r_u = log sigmoid(c_u)), the baseline after
    each user's step is b <- decay b + (1 - decay) r_u, from 0, users ascending, epoch after epoch;
    and the step uses the b before it: the gradient is that of the reward r_u - b."""
    _, positives = tiny_problem()
    logits = np.linspace(-3.0, 1.0, 12)
    D = per_user_reward_critic(12, 25, logits)
    s = settings()
    decay = 0.7
    s.update(reward="log-sigmoid", reward_baseline="moving-average", reward_baseline_decay=decay)
    s["generator"].update(lr=0.05)
    mask = positives.mask()
    draws = uniforms(torch.Generator().manual_seed(4), 2 * len(positives))
    batches = user_batches(positives, 1, 2, torch.device("cpu"))
    G = random_params(12, 25, seed=1)
    state = new_baseline_state()
    expected = 0.0
    rewards = -np.log1p(np.exp(-logits.astype(np.float32).astype(np.float64)))
    for _ in range(2):
        G_before = G.clone()
        b_before = float(state[0])
        generator_epoch(G, D, positives, batches, draws, s, backend, mask, baseline_state=state)
        for u in positives.user_ids:
            expected = decay * expected + (1 - decay) * rewards[u]
        assert state[0] == pytest.approx(expected, rel=1e-6)
    # the last epoch's first user, by hand: its step is the plain step with reward r_u - b
    first = int(positives.user_ids[0])
    shifted = per_user_reward_critic(12, 25, logits)
    target = rewards[first] - b_before  # < 0: log sigmoid(c) = r - b at c = t - log(1 - e^t)
    assert target < 0
    shifted.user[first, 0] = float(target - np.log(-np.expm1(target)))
    plain = settings()
    plain["reward"] = "log-sigmoid"
    plain["generator"].update(lr=0.05)
    one = G_before.clone()
    generator_step(one, shifted, batches[0], draws[batches[0].draw_index], plain, mask)
    reference = G_before.clone()
    generator_step(reference, D, batches[0], draws[batches[0].draw_index], s, mask,
                   np.array([b_before]))
    torch.testing.assert_close(one.user[first], reference.user[first], rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(one.item_t, reference.item_t, rtol=1e-5, atol=1e-7)


def test_moving_average_baseline_needs_a_decay_in_the_open_unit_interval():
    from irgan.errors import ConfigError
    from irgan.train.settings import IRGANSettings
    for bad in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(ConfigError, match="irgan.reward_baseline_decay"):
            IRGANSettings.from_dict({"reward_baseline_decay": bad})
    assert IRGANSettings.from_dict({"reward_baseline": "moving-average"}).reward_baseline_decay == 0.99


@needs_numba
@pytest.mark.parametrize("per_example", [True, False])
def test_discriminator_epoch_compiled_equals_torch(per_example):
    _, positives = tiny_problem()
    rng = torch.Generator().manual_seed(5)
    negatives = torch.randint(0, 25, (len(positives),), generator=rng)
    data = Triples(torch.as_tensor(positives.users), torch.as_tensor(positives.items), negatives)
    s = {"discriminator": {"batch_triples": 4, "lr": 0.05, "l2": 0.1 / 16, "l2_per_example": per_example}}
    out = {}
    for backend in ("compiled", "torch"):
        D = random_params(12, 25, seed=3)
        loss, steps = discriminator_epoch(D, data, s, backend)
        out[backend] = (D, loss, steps)
    (d1, l1, s1), (d2, l2, s2) = out["compiled"], out["torch"]
    assert s1 == s2 == math.ceil(len(positives) / 4)
    assert l1 == pytest.approx(l2, rel=1e-5)
    for a, b in zip((d1.user, d1.item_t, d1.bias), (d2.user, d2.item_t, d2.bias), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_discriminator_step_by_hand_with_the_tf1_summed_l2():
    """One batch: 2 triples of one user -> 4 examples; the l2 term counts 4 times."""
    D = random_params(1, 3, dim=2, seed=4, scale=0.3)
    before = D.clone()
    data = Triples(torch.tensor([0, 0]), torch.tensor([0, 1]), torch.tensor([2, 2]))
    s = {"discriminator": {"batch_triples": 16, "lr": 0.1, "l2": 0.01, "l2_per_example": True}}
    discriminator_epoch(D, data, s, "torch")
    p, q, b = (t.double().numpy() for t in (before.user[0], before.item_t.T, before.bias))
    reg = 0.01 * 4
    grad_p = np.zeros(2)
    grad_q = np.zeros((3, 2))
    grad_b = np.zeros(3)
    for item, label in ((0, 1), (2, 0), (1, 1), (2, 0)):
        c = 1 / (1 + np.exp(-(p @ q[item] + b[item]))) - label
        grad_p += c * q[item] + reg * p
        grad_q[item] += c * p + reg * q[item]
        grad_b[item] += c + reg * b[item]
    np.testing.assert_allclose(D.user[0].numpy(), p - 0.1 * grad_p, rtol=1e-5)
    np.testing.assert_allclose(D.item_t.T.numpy(), q - 0.1 * grad_q, rtol=1e-5)
    np.testing.assert_allclose(D.bias.numpy(), b - 0.1 * grad_b, rtol=1e-5, atol=1e-7)


@needs_numba
def test_discriminator_data_compiled_equals_torch_and_follows_the_tempered_softmax():
    _, positives = tiny_problem()
    G = random_params(12, 25, seed=6, scale=0.4)
    draws = uniforms(torch.Generator().manual_seed(2), len(positives))
    torch_draws = sample_for_discriminator(G, positives, 0.2, draws, torch.device("cpu"), "torch")
    compiled = sample_for_discriminator(G, positives, 0.2, draws, torch.device("cpu"), "compiled")
    assert torch.equal(torch_draws, compiled)
    # distribution: many draws for one user match softmax(f / 0.2)
    one = Positives.from_pairs(Pairs(np.zeros(20000, np.int64), np.zeros(20000, np.int64)), 12, 25)
    many = sample_for_discriminator(G, one, 0.2, uniforms(torch.Generator().manual_seed(3), 20000),
                                    torch.device("cpu"), "compiled")
    expected = torch.softmax(G.score(torch.tensor([0]))[0].double() / 0.2, 0)
    freq = torch.bincount(many, minlength=25).double() / 20000
    assert float((freq - expected).abs().max()) < 0.015


def test_user_batches_cover_users_in_order_with_their_draws():
    _, positives = tiny_problem()
    batches = user_batches(positives, 5, 2, torch.device("cpu"))
    assert torch.cat([b.users for b in batches]).tolist() == positives.user_ids.tolist()
    first: UserBatch = batches[0]
    n0 = positives.counts[0]
    assert first.mask[0].sum() == 2 * n0
    assert first.draw_index[0, : 2 * n0].tolist() == list(range(2 * n0))
    assert first.positive_share[0, :n0].sum().item() == pytest.approx(1.0)


def test_batched_generator_step_equals_two_single_steps_when_users_are_independent():
    """With lr 0 nothing moves; with one user per batch the loss is that user's loss."""
    _, positives = tiny_problem()
    s = settings()
    s["generator"]["lr"] = 0.0
    mask = positives.mask()
    draws = uniforms(torch.Generator().manual_seed(1), 2 * len(positives))
    G, D = random_params(12, 25, seed=1), random_params(12, 25, seed=2)
    singles = [generator_step(G, D, b, draws[b.draw_index], s, mask)
               for b in user_batches(positives, 1, 2, torch.device("cpu"))[:2]]
    pair = generator_step(G, D, user_batches(positives, 2, 2, torch.device("cpu"))[0],
                          draws[user_batches(positives, 2, 2, torch.device("cpu"))[0].draw_index], s, mask)
    assert float(pair) == pytest.approx(float(sum(singles)) / 2, rel=1e-5)


# ------------------------------------------------------------------ the schedule and the run


@pytest.fixture(scope="module")
def small():
    return tiny_dataset(n_users=40, n_items=60, seed=1)


def test_schedule_counts(small):
    s = settings("schedule-redraw-d-sample", outer_epochs=2, d_epochs=5, regenerate_every=2, g_epochs=3)
    s["discriminator"]["batch_triples"] = 7
    result = train_irgan(small, "test", s, seed=1)
    pos = Positives.from_pairs(small.train_positives, small.n_users, small.n_items)
    counts = result.extra["schedule"]
    assert counts == {"outer_epochs": 2, "d_epochs": 10, "regenerations": 2 * 3,
                      "d_steps": 10 * math.ceil(len(pos) / 7), "g_epochs": 6,
                      "g_steps": 6 * len(pos.user_ids)}
    frame = result.curve.frame()
    g_rows, d_rows = frame[frame.model == "G"], frame[frame.model == "D"]
    assert sorted(set(g_rows.epoch)) == list(range(7)) and len(g_rows) == 7 * 2
    assert sorted(set(d_rows.epoch)) == [0, 3, 6]
    assert result.final_epoch == 6 and 1 <= result.selected_epoch <= 6


def d_samples_seen(monkeypatch, small, reuse_first_sample: bool) -> list[torch.Tensor]:
    """The negatives D trains on in each D-epoch of a short run (3 x 6 D-epochs, redraw every 2)."""
    from irgan.train import irgan_pointwise

    seen = []
    real_epoch = irgan_pointwise.discriminator_epoch

    def recording_epoch(D, triples, *args, **kwargs):
        seen.append(triples.negatives.clone())
        return real_epoch(D, triples, *args, **kwargs)

    monkeypatch.setattr(irgan_pointwise, "discriminator_epoch", recording_epoch)
    s = settings(outer_epochs=3, d_epochs=6, regenerate_every=2, g_epochs=1)
    s["discriminator"]["reuse_first_sample"] = reuse_first_sample
    train_irgan(small, "test", s, seed=4)
    assert len(seen) == 3 * 6
    return seen


def test_the_default_keeps_d_on_its_first_sample_as_the_published_code_does(small, monkeypatch):
    """cf_gan.py rewrites D's file every 5th D-epoch, but reads it through linecache, which
    never rereads it: D's triples never change after the first draw."""
    assert CONFIG["irgan"]["defaults"]["discriminator"]["reuse_first_sample"] is True
    seen = d_samples_seen(monkeypatch, small, reuse_first_sample=True)
    assert all(torch.equal(negatives, seen[0]) for negatives in seen)


def test_redrawing_changes_d_data_every_regenerate_every_d_epochs(small, monkeypatch):
    seen = d_samples_seen(monkeypatch, small, reuse_first_sample=False)
    for k in range(1, len(seen)):
        d_epoch = k % 6  # D-epoch within its outer epoch; draws before D-epochs 0, 2, 4
        same = torch.equal(seen[k], seen[k - 1])
        assert same == (d_epoch % 2 != 0), f"D-epoch {k}: redrawn {not same}"


def test_schedule_variants(small):
    first = train_irgan(small, "test", settings(d_epochs=4), seed=1)
    assert first.extra["schedule"]["regenerations"] == 1
    redrawn = train_irgan(small, "test", settings("schedule-redraw-d-sample", d_epochs=4), seed=1)
    assert redrawn.extra["schedule"]["regenerations"] == 2 * 2
    frozen = train_irgan(small, "test", settings("frozen-d"), seed=1)
    assert frozen.extra["schedule"]["d_epochs"] == 0
    assert set(frozen.curve.frame().query("model == 'D'").epoch) == {0}
    label = train_irgan(small, "test", settings("label-reward"), seed=1)
    assert "D" not in set(label.curve.frame().model) and label.extra["schedule"]["d_steps"] == 0


def test_selection_rule_picks_the_best_epoch_on_its_split(small):
    for selection in ("test", "validation"):
        result = train_irgan(small, selection, settings(g_epochs=3), seed=2)
        g = result.curve.frame().query("model == 'G' and epoch > 0 and split == @selection")
        best = g.loc[g["P@5"].idxmax()]
        assert result.selected_epoch == best.epoch
        assert result.extra["selected_value"] == pytest.approx(best["P@5"])


def test_same_seed_gives_identical_numbers_and_another_seed_does_not(small):
    s = settings()
    a = train_irgan(small, "test", s, seed=7)
    b = train_irgan(small, "test", copy.deepcopy(s), seed=7)
    c = train_irgan(small, "test", s, seed=8)
    assert a.curve.frame().equals(b.curve.frame())
    for name in ("final_generator", "final_discriminator"):
        assert torch.equal(a.extra_models[name].item_t, b.extra_models[name].item_t)
    assert not torch.equal(a.extra_models["final_generator"].item_t, c.extra_models["final_generator"].item_t)


@pytest.mark.parametrize("variant", ["code", "schedule-redraw-d-sample"])
def test_a_killed_run_resumes_to_the_same_numbers(small, tmp_path, variant):
    s = settings(variant, outer_epochs=3)
    reference = train_irgan(small, "validation", s, seed=3, variant=variant)

    class Killed(Exception):
        pass

    def kill_after_first(outer_done: int) -> None:
        if outer_done == 1:
            raise Killed

    resume = tmp_path / "resume.pt"
    with pytest.raises(Killed):
        train_irgan(small, "validation", s, seed=3, variant=variant, resume_path=resume,
                    on_outer_epoch=kill_after_first)
    assert resume.is_file()
    resumed = train_irgan(small, "validation", s, seed=3, variant=variant, resume_path=resume)
    assert resumed.extra["schedule"] == reference.extra["schedule"]
    assert resumed.curve.frame().equals(reference.curve.frame())
    assert resumed.selected_epoch == reference.selected_epoch
    assert torch.equal(resumed.selected.item_t, reference.selected.item_t)
    # G's and D's distributions: the start and one row per outer epoch, the same after the resume
    assert resumed.dynamics.equals(reference.dynamics)
    assert reference.dynamics["outer_epoch"].tolist() == [0, 1, 2, 3]
    # a state written under other settings is ignored, not resumed
    other = settings(variant, outer_epochs=3)
    other["generator"]["lr"] = 0.002
    fresh = train_irgan(small, "validation", other, seed=3, variant=variant, resume_path=resume)
    assert fresh.extra["schedule"]["outer_epochs"] == 3


def test_training_beats_the_random_initialisation_on_synthetic_data(synthetic_small):
    s = settings("pretrain-none", outer_epochs=3, d_epochs=2, g_epochs=5)
    s["generator"]["lr"] = 0.05
    result = train_irgan(synthetic_small, "test", s, seed=1, variant="pretrain-none")
    frame = result.curve.frame().query("model == 'G' and split == 'test'")
    initial = float(frame.loc[frame.epoch == 0, "P@5"].iloc[0])
    assert result.extra["selected_value"] > 3 * initial + 0.03


def test_divergence_gives_a_diverged_record_and_no_numbers(small, tmp_path):
    s = settings()
    s["discriminator"]["lr"] = 1e30  # D's parameters overflow float32 in the first D-epoch
    result = train_irgan(small, "test", s, seed=4, variant="code")
    assert result.status == "diverged" and result.selected is None
    assert result.divergence == {"phase": "D", "epoch": 1, "reason": result.divergence["reason"]}
    assert result.divergence["reason"].endswith(("is nan", "is inf", "is -inf", "not finite"))
    write_training_run(tmp_path, result, small, {"seed": 4})
    per_user, curve, record = read_run(tmp_path)
    assert per_user.empty and record["status"] == "diverged" and record["test_metrics"] is None
    assert record["selected_epoch"] is None and record["divergence"] == result.divergence
    assert (record["system"], record["seed"]) == ("irgan-code", 4)

    g = settings()
    g["generator"]["lr"] = 1e30
    result = train_irgan(small, "test", g, seed=4, variant="code")
    assert result.status == "diverged" and result.divergence["phase"] == "G"


def test_run_files_and_checkpoint(small, tmp_path):
    result = train_irgan(small, "test", settings(), seed=1)
    record = write_training_run(tmp_path, result, small, {"seed": 1, "device": "cpu"})
    per_user, curve, stored = read_run(tmp_path)
    assert stored["status"] == "ok" and stored["selected_epoch"] == result.selected_epoch
    assert stored["final_epoch"] == 4 and stored["reported_model"] == "G"
    assert set(curve.split) == {"validation", "test"} and set(curve.model) == {"G", "D"}
    assert len(per_user) > 0 and stored["test_metrics"]["P@5"] == pytest.approx(per_user["P@5"].mean())
    # the selected test P@5 of the curve is the per-user mean of the written model
    at_selected = curve.query("model == 'G' and split == 'test' and epoch == @result.selected_epoch")
    assert at_selected["P@5"].iloc[0] == pytest.approx(per_user["P@5"].mean())
    model = load_model(tmp_path / "model.pt", n_users=small.n_users, n_items=small.n_items)
    assert torch.allclose(model.score(torch.arange(3)), result.selected.score(torch.arange(3)))
    assert record["hyperparameters"]["outer_epochs"] == 2
    # the top-10 lists of the same users, the selected model's best candidates first
    top = pd.read_csv(tmp_path / "top_items.csv")
    assert top["user"].tolist() == per_user["user"].tolist()
    user = int(top["user"].iloc[0])
    scores = result.selected.score(torch.tensor([user]))[0].clone()
    known = small.train_positives
    scores[torch.as_tensor(known.items[known.users == user])] = float("-inf")
    assert top.iloc[0, 1:].tolist() == torch.topk(scores, 10).indices.tolist()
    # G's and D's distributions before training and after each of the 2 outer epochs
    dynamics = pd.read_csv(tmp_path / "dynamics.csv")
    assert dynamics["outer_epoch"].tolist() == [0, 1, 2] and dynamics["g_epoch"].tolist() == [0, 2, 4]
    assert dynamics[["g_perplexity", "d_accuracy_heldout", "mean_reward"]].notna().all().all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_torch_backend_agrees_with_the_cpu(small):
    """The plain-torch steps on the GPU follow the CPU run (same random stream, float32 rounding)."""
    cpu = train_irgan(small, "test", settings(backend="auto"), seed=1)
    gpu = train_irgan(small, "test", settings(backend="torch"), seed=1, device="cuda")
    assert gpu.hyperparameters["backend"] == "torch" and gpu.extra["schedule"] == cpu.extra["schedule"]
    for name in ("final_generator", "final_discriminator"):
        a, b = cpu.extra_models[name], gpu.extra_models[name].to("cpu")
        torch.testing.assert_close(b.item_t, a.item_t, rtol=1e-3, atol=1e-5)
        torch.testing.assert_close(b.user, a.user, rtol=1e-3, atol=1e-5)
    # evaluation on the GPU with the compiled steps on the CPU gives the CPU's numbers
    mixed = train_irgan(small, "test", settings(backend="auto"), seed=1, device="cuda")
    assert mixed.curve.frame()["P@5"].tolist() == pytest.approx(cpu.curve.frame()["P@5"].tolist())
