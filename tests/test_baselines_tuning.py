"""The grid search picks the best validation setting and never looks at the test set."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

import baselines.tuning as tuning
from baselines.ease import EASE
from baselines.tuning import TuningResult, grid_points, grid_search, tune_recommender
from irgan.data.ratings import Interactions
from irgan.errors import ConfigError
from irgan.models.evaluation import Evaluator
from tests.conftest import tiny_dataset


@pytest.fixture(scope="module")
def tiny():
    return tiny_dataset(n_users=40, n_items=50, seed=2)


class Oracle:
    """Scores 1 for the positives of one split (``which``), 0 elsewhere; records how it was fitted."""

    fitted_with: list[str] = []

    def __init__(self, which: str, status: str = "ok", poison: bool = False) -> None:
        self.which, self.status, self.poison = which, status, poison
        self.device = "cpu"

    def fit(self, dataset, selection="validation"):
        Oracle.fitted_with.append(selection)
        pairs = {"validation": dataset.validation_positives, "test": dataset.test_positives,
                 "none": dataset.fit_positives}[self.which]
        self.table = pairs.dense(dataset.n_users, dataset.n_items).float()
        return self

    def score(self, users):
        scores = self.table[users]
        return scores * float("nan") if self.poison else scores


def test_grid_points_are_the_cartesian_product_first_key_slowest():
    assert grid_points({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    assert grid_points({}) == [{}]
    with pytest.raises(ConfigError, match="grid key a"):
        grid_points({"a": []})
    with pytest.raises(ConfigError, match="grid key a"):
        grid_points({"a": 3})


def test_picks_the_validation_oracle_and_never_evaluates_test(tiny, monkeypatch):
    splits = []

    class SpyEvaluator(Evaluator):
        def __init__(self, dataset, split="test", *args, **kwargs):
            splits.append(split)
            super().__init__(dataset, split, *args, **kwargs)

    monkeypatch.setattr(tuning, "Evaluator", SpyEvaluator)
    Oracle.fitted_with = []
    # On the test split the "test" oracle would be perfect: choosing it would mean looking at test.
    result = tune_recommender(Oracle, tiny, {"which": ["test", "none", "validation"]}, metric="NDCG@5")
    assert result.best_params == {"which": "validation"}
    assert result.best.score == pytest.approx(1.0)  # a perfect ranking of the validation positives
    assert splits == ["validation"]
    assert Oracle.fitted_with == ["validation"] * 3
    scores = {t.params["which"]: t.score for t in result.trials}
    assert scores["test"] < 1.0


def test_tuning_is_unchanged_when_the_test_positives_are_poisoned(tiny):
    rng = np.random.default_rng(0)
    n = len(tiny.test)
    poisoned_test = Interactions.from_lists(rng.integers(0, tiny.n_users, n),
                                            rng.integers(0, tiny.n_items, n), np.full(n, 5.0))
    poisoned = dataclasses.replace(tiny, test=poisoned_test)
    grid = {"l2": [0.5, 5.0, 50.0, 500.0]}
    clean_result = tune_recommender(EASE, tiny, grid).to_record()
    poisoned_result = tune_recommender(EASE, poisoned, grid).to_record()
    assert clean_result == poisoned_result
    # ...while the test metrics of the candidates do change: the poison is real.
    clean = Evaluator(tiny, "test").means(EASE(l2=5.0).fit(tiny).score)["P@5"]
    dirty = Evaluator(poisoned, "test").means(EASE(l2=5.0).fit(poisoned).score)["P@5"]
    assert clean != dirty


def test_the_best_validation_setting_wins_for_a_real_model(tiny):
    grid = {"l2": [0.5, 5.0, 50.0, 500.0]}
    result = tune_recommender(EASE, tiny, grid)
    evaluator = Evaluator(tiny, "validation")
    direct = [evaluator.means(EASE(l2=v).fit(tiny, "validation").score)["P@5"] for v in grid["l2"]]
    assert [t.score for t in result.trials] == pytest.approx(direct)
    first_best = int(np.argmax(direct))  # argmax keeps the first on ties, as the tuning does
    assert result.best_params == {"l2": grid["l2"][first_best]}


def test_diverged_settings_are_never_chosen(tiny):
    def fit(params):
        return Oracle(params["which"], status=params["status"], poison=params["poison"]).fit(tiny)

    result = grid_search(fit, tiny, {"which": ["validation", "none"], "status": ["ok", "diverged"],
                                     "poison": [False, True]})
    by_params = {(t.params["which"], t.params["status"], t.params["poison"]): t for t in result.trials}
    assert by_params[("validation", "diverged", False)].status == "diverged"
    assert by_params[("validation", "ok", True)].status == "diverged"  # NaN scores
    assert by_params[("validation", "ok", True)].score is None
    assert result.best_params == {"which": "validation", "status": "ok", "poison": False}

    all_bad = grid_search(lambda p: Oracle("validation", status="diverged").fit(tiny), tiny, {"x": [1, 2]})
    assert all_bad.best is None and all_bad.best_params is None
    assert all_bad.to_record()["best_score"] is None


def test_fit_functions_of_other_trainers_are_tuned_through_their_result(tiny):
    """A recommender that keeps its outcome in ``result`` (as the pre-training ones do)."""

    class Outcome:
        def __init__(self, status):
            self.status, self.selected_epoch, self.divergence = status, 7, None

    class Wrapped:
        def __init__(self, which, status):
            self.inner = Oracle(which).fit(tiny)
            self.result = Outcome(status)

        def score(self, users):
            return self.inner.score(users)

    result = grid_search(lambda p: Wrapped(**p), tiny,
                         {"which": ["none", "validation"], "status": ["diverged", "ok"]})
    assert result.best_params == {"which": "validation", "status": "ok"}
    assert result.best.selected_epoch == 7


def test_fixed_values_merge_and_may_not_repeat_grid_keys(tiny):
    seen = []
    grid_search(lambda p: seen.append(p) or Oracle(p["which"]).fit(tiny), tiny,
                {"which": ["validation"]}, fixed={"extra": 1})
    assert seen == [{"extra": 1, "which": "validation"}]
    with pytest.raises(ConfigError, match="which"):
        grid_search(lambda p: None, tiny, {"which": ["validation"]}, fixed={"which": "test"})
    with pytest.raises(ConfigError, match="tuning metric"):
        grid_search(lambda p: None, tiny, {"which": ["validation"]}, metric="AUC")


def test_tuning_record_round_trips(tiny):
    result = tune_recommender(EASE, tiny, {"l2": [1.0, 10.0]}, metric="NDCG@5")
    again = TuningResult.from_record(result.to_record())
    assert again.to_record() == result.to_record()
    assert again.best_params == result.best_params


def test_iterative_model_selects_its_epoch_on_validation(tiny):
    from baselines.bpr import BPR

    result = tune_recommender(lambda **p: BPR(seed=0, **p), tiny, {"l2": [0.01]},
                              fixed={"epochs": 4, "batch_size": 16, "lr": 0.1})
    trial = result.best
    model = BPR(seed=0, epochs=4, batch_size=16, lr=0.1, l2=0.01).fit(tiny, "validation")
    curve = model.curve
    assert set(curve["split"]) == {"validation"}
    assert trial.selected_epoch == model.selected_epoch
    assert trial.score == pytest.approx(curve["P@5"].max())
    assert torch.isfinite(model.score(torch.arange(3))).all()
