"""DNS pre-training (cf_dns.py): negatives, the BPR step, both backends, selection, run files."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from irgan.contract.runs import read_run
from irgan.models.recommender import Recommender
from irgan.study.config import load_config
from irgan.train import kernels
from irgan.train.components import MFParams, Positives, load_model, uniforms, write_training_run
from irgan.train.dns import DNSRecommender, bpr_epoch, dns_negatives, train_dns
from tests.conftest import tiny_dataset

CONFIG = load_config()
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_dns_negatives_are_the_best_scored_uniform_non_positives():
    dataset = tiny_dataset(n_users=10, n_items=30, seed=2)
    pos = Positives.from_pairs(dataset.train_positives, dataset.n_users, dataset.n_items)
    table, counts = pos.non_positive_table()
    rows = torch.as_tensor(pos.row)
    scores = torch.randn(len(pos.user_ids), 30, generator=torch.Generator().manual_seed(0))
    draws = uniforms(torch.Generator().manual_seed(1), len(pos), 5)
    negatives = dns_negatives(scores, table, counts, rows, draws)
    mask = pos.mask()
    assert not mask[torch.as_tensor(pos.users), negatives].any()  # never a training positive
    for t in range(len(pos)):  # the candidates, recomputed independently
        k = int(rows[t])
        non_pos = [i for i in range(30) if not mask[pos.user_ids[k], i]]
        candidates = [non_pos[int(u * len(non_pos))] for u in draws[t].tolist()]
        best = max(candidates, key=lambda i: (float(scores[k, i]), -candidates.index(i)))
        assert int(negatives[t]) == best


def test_uniform_draws_cover_the_non_positives_evenly():
    dataset = tiny_dataset(n_users=3, n_items=12, seed=5)
    pos = Positives.from_pairs(dataset.train_positives, 3, 12)
    table, counts = pos.non_positive_table()
    from irgan.train.components import draw_uniform_negatives

    row = torch.zeros(60000, dtype=torch.long)
    drawn = draw_uniform_negatives(table, counts, row, uniforms(torch.Generator().manual_seed(0), 60000))
    freq = torch.bincount(drawn, minlength=12).double() / 60000
    user0 = int(pos.user_ids[0])
    non_pos = ~pos.mask()[user0]
    assert torch.all(freq[~non_pos] == 0)
    assert torch.allclose(freq[non_pos], torch.full((int(non_pos.sum()),), 1 / int(non_pos.sum()),
                                                    dtype=torch.float64), atol=0.01)


def test_one_bpr_step_by_hand():
    """-log sigmoid(x_ui - x_uj) + 0.1 * (sum of squares / 2) of p_u, q_i, q_j, b_i, b_j; lr 0.05."""
    g = torch.Generator().manual_seed(3)
    model = MFParams(torch.empty(2, 3).uniform_(-0.5, 0.5, generator=g),
                     torch.empty(3, 4).uniform_(-0.5, 0.5, generator=g),
                     torch.empty(4).uniform_(-0.5, 0.5, generator=g))
    p, q, b = model.user[1].double().numpy(), model.item_t.T.double().numpy(), model.bias.double().numpy()
    bpr_epoch(model, torch.tensor([1]), torch.tensor([0]), torch.tensor([3]), 0.05, 0.1, "torch")
    x = p @ (q[0] - q[3]) + b[0] - b[3]
    c = -1 / (1 + np.exp(x))
    np.testing.assert_allclose(model.user[1].numpy(), p - 0.05 * (c * (q[0] - q[3]) + 0.1 * p), rtol=1e-5)
    np.testing.assert_allclose(model.item_t[:, 0].numpy(), q[0] - 0.05 * (c * p + 0.1 * q[0]), rtol=1e-5)
    np.testing.assert_allclose(model.item_t[:, 3].numpy(), q[3] - 0.05 * (-c * p + 0.1 * q[3]), rtol=1e-5)
    assert float(model.bias[0]) == pytest.approx(b[0] - 0.05 * (c + 0.1 * b[0]), rel=1e-5)
    assert float(model.bias[3]) == pytest.approx(b[3] - 0.05 * (-c + 0.1 * b[3]), rel=1e-5)


@pytest.mark.skipif(not kernels.AVAILABLE, reason="numba not installed")
def test_compiled_bpr_epoch_equals_torch():
    dataset = tiny_dataset(n_users=8, n_items=20, seed=4)
    pos = Positives.from_pairs(dataset.train_positives, 8, 20)
    negatives = torch.randint(0, 20, (len(pos),), generator=torch.Generator().manual_seed(0))
    out = {}
    for backend in ("compiled", "torch"):
        model = MFParams.random(8, 20, 4, 0.3, torch.Generator().manual_seed(9))
        loss = bpr_epoch(model, torch.as_tensor(pos.users), torch.as_tensor(pos.items), negatives,
                         0.05, 0.1, backend)
        out[backend] = (model, loss)
    (a, la), (b, lb) = out["compiled"], out["torch"]
    assert la == pytest.approx(lb, rel=1e-5)
    for x, y in zip((a.user, a.item_t, a.bias), (b.user, b.item_t, b.bias), strict=True):
        torch.testing.assert_close(x, y, rtol=1e-5, atol=1e-6)


def test_dns_learns_selects_and_is_deterministic(synthetic_small, tmp_path):
    settings = {**CONFIG["pretraining"]["dns"], "epochs": 12}
    result = train_dns(synthetic_small, "validation", settings, seed=1)
    again = train_dns(synthetic_small, "validation", settings, seed=1)
    assert result.curve.frame().equals(again.curve.frame())
    curve = result.curve.frame()
    initial = float(curve.query("epoch == 0 and split == 'test'")["P@5"].iloc[0])
    validation = curve.query("split == 'validation' and epoch > 0")
    assert result.selected_epoch == int(validation.loc[validation["P@5"].idxmax(), "epoch"])
    selected = curve.query("split == 'test' and epoch == @result.selected_epoch")
    test_at_selected = float(selected["P@5"].iloc[0])
    assert test_at_selected > 3 * initial + 0.03
    record = write_training_run(tmp_path, result, synthetic_small, {"seed": 1})
    per_user, _, stored = read_run(tmp_path)
    assert stored["status"] == "ok" and stored["reported_model"] == "DNS" and record["system"] == "dns"
    assert per_user["P@5"].mean() == pytest.approx(test_at_selected)
    model = load_model(tmp_path / "model.pt")
    assert torch.allclose(model.score(torch.arange(4)), result.selected.score(torch.arange(4)))


def test_dns_recommender_interface(synthetic_small):
    recommender = DNSRecommender({**CONFIG["pretraining"]["dns"], "epochs": 2}, seed=3)
    assert isinstance(recommender, Recommender)
    scores = recommender.fit(synthetic_small, "test").score(torch.arange(5))
    assert scores.shape == (5, synthetic_small.n_items) and torch.isfinite(scores).all()


def test_dns_divergence_is_recorded(synthetic_small):
    result = train_dns(synthetic_small, "test", {**CONFIG["pretraining"]["dns"], "epochs": 3, "lr": 1e30},
                       seed=1)
    assert result.status == "diverged" and result.selected is None
    assert result.divergence["phase"] == "DNS" and result.divergence["epoch"] >= 1
