"""MLE training of the softmax generator: the likelihood, learning, selection, run files."""

from __future__ import annotations

import math

import pytest
import torch

from irgan.contract.runs import read_run
from irgan.errors import ConfigError
from irgan.models.recommender import Recommender
from irgan.study.config import load_config
from irgan.train.components import load_model, write_training_run
from irgan.train.mle import MLERecommender, softmax_nll, train_mle

CONFIG = load_config()
pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_softmax_nll_by_hand():
    user_rows = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    item_t = torch.tensor([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    bias = torch.tensor([0.0, 0.5, 0.0])
    mask = torch.tensor([[True, False, False], [False, True, True]])
    logits = [[1.0, 0.5, -1.0], [0.0, 2.5, 0.0]]

    def log_p(row, i):
        return logits[row][i] - math.log(sum(math.exp(v) for v in logits[row]))

    expected = -(log_p(0, 0) + log_p(1, 1) + log_p(1, 2)) / 3
    assert float(softmax_nll(user_rows, item_t, bias, mask)) == pytest.approx(expected, rel=1e-6)


def test_mle_learns_selects_and_is_deterministic(synthetic_small, tmp_path):
    settings = {**CONFIG["pretraining"]["mle"], "epochs": 15}
    result = train_mle(synthetic_small, "validation", settings, seed=2)
    again = train_mle(synthetic_small, "validation", settings, seed=2)
    assert result.curve.frame().equals(again.curve.frame())
    curve = result.curve.frame()
    initial = float(curve.query("epoch == 0 and split == 'test'")["P@5"].iloc[0])
    validation = curve.query("split == 'validation' and epoch > 0")
    assert result.selected_epoch == int(validation.loc[validation["P@5"].idxmax(), "epoch"])
    at_selected = float(curve.query("split == 'test' and epoch == @result.selected_epoch")["P@5"].iloc[0])
    assert at_selected > 3 * initial + 0.03
    write_training_run(tmp_path, result, synthetic_small, {"seed": 2})
    per_user, _, record = read_run(tmp_path)
    assert record["system"] == "mle" and record["reported_model"] == "MLE"
    assert per_user["P@5"].mean() == pytest.approx(at_selected)
    model = load_model(tmp_path / "model.pt", n_users=synthetic_small.n_users)
    with torch.no_grad():
        assert torch.allclose(model.score(torch.arange(4)), result.selected.score(torch.arange(4)))


def test_mle_fits_training_positives_better_than_its_start(synthetic_small):
    result = train_mle(synthetic_small, "test", {**CONFIG["pretraining"]["mle"], "epochs": 5}, seed=1)
    pos = synthetic_small.train_positives
    users = torch.as_tensor(pos.users)
    mask = torch.zeros(synthetic_small.n_users, synthetic_small.n_items)
    mask[users, torch.as_tensor(pos.items)] = 1
    rows = torch.unique(users)
    selected = result.selected
    nll = softmax_nll(selected.user[rows], selected.item_t, selected.bias, mask[rows])
    assert float(nll) < math.log(synthetic_small.n_items) - 0.1  # uniform guessing gives log(n_items)


def test_mle_recommender_and_bad_optimizer(synthetic_small):
    recommender = MLERecommender({**CONFIG["pretraining"]["mle"], "epochs": 1}, seed=0)
    assert isinstance(recommender, Recommender)
    scores = recommender.fit(synthetic_small, "test").score(torch.arange(3))
    assert scores.shape == (3, synthetic_small.n_items)
    with pytest.raises(ConfigError, match="optimizer"):
        train_mle(synthetic_small, "test", {"optimizer": "lbfgs", "epochs": 1})
