"""The one training loop: divergence, resume, patience and the epoch-0 evaluation, for any method."""

from __future__ import annotations

import math

import pytest
import torch

from irgan.train.components import MFParams, TrainingDiverged
from irgan.train.dns import train_dns
from irgan.train.mle import train_mle
from irgan.train.trainer import Method, Trainer
from tests.conftest import tiny_dataset


@pytest.fixture(scope="module")
def tiny():
    return tiny_dataset(n_users=30, n_items=40, seed=2)


class RandomWalk(Method):
    """A toy method: each epoch moves the model by seeded noise; it can fail at a chosen epoch."""

    system, label = "walk", "W"

    def __init__(self, dataset, seed: int, epochs: int, fail_at: int | None = None, how: str = "raise"):
        self.rng = torch.Generator().manual_seed(seed)
        self.model = MFParams.random(dataset.n_users, dataset.n_items, 3, 0.1, self.rng)
        self.epochs, self.fail_at, self.how = epochs, fail_at, how
        self.hyperparameters = {"epochs": epochs}
        self.seen: list[int] = []

    def epoch(self, epoch: int) -> float:
        self.seen.append(epoch)
        if epoch == self.fail_at and self.how == "raise":
            raise TrainingDiverged("W", epoch, "the walk fell off")
        for t in (self.model.user, self.model.item_t, self.model.bias):
            t.add_(0.3 * torch.randn(t.shape, generator=self.rng))
        return math.nan if epoch == self.fail_at else float(epoch)


def test_a_method_that_diverges_at_epoch_k_ends_diverged_with_no_model(tiny):
    for how in ("raise", "nan"):
        result = Trainer(RandomWalk(tiny, 1, epochs=6, fail_at=4, how=how), tiny, "validation", 1).fit()
        assert result.status == "diverged" and result.selected is None and result.selected_epoch is None
        assert result.divergence["phase"] == "W" and result.divergence["epoch"] == 4
        assert result.final_epoch == 4
        assert sorted(set(result.curve.frame()["epoch"])) == [0, 1, 2, 3]  # the start and epochs 1..3
        with pytest.raises(Exception, match="diverged"):
            result.recommender()


def test_the_loop_selects_the_best_epoch_of_the_curve(tiny):
    result = Trainer(RandomWalk(tiny, 3, epochs=8), tiny, "validation", 3).fit()
    frame = result.curve.frame()
    assert result.status == "ok" and result.final_epoch == 8
    assert list(frame[frame["epoch"] == 0]["model"]) == ["W", "W"]  # epoch 0: the start, both splits
    trained = frame[(frame["split"] == "validation") & (frame["epoch"] > 0)]
    best = trained.loc[trained["P@5"].idxmax()]  # idxmax keeps the first of equal values, as the selector
    assert result.selected_epoch == int(best["epoch"])
    assert result.extra["selected_value"] == best["P@5"]


def test_patience_stops_and_no_start_evaluation_leaves_epoch_0_off_the_curve(tiny):
    method = RandomWalk(tiny, 4, epochs=40)
    result = Trainer(method, tiny, "validation", 4, splits=("validation",), evaluate_start=False,
                     patience=2).fit()
    assert 0 not in set(result.curve.frame()["epoch"])
    assert result.final_epoch == result.selected_epoch + 2 < 40
    assert method.seen == list(range(1, result.final_epoch + 1))


def test_a_killed_run_resumes_to_the_same_result(tiny, tmp_path):
    reference = Trainer(RandomWalk(tiny, 5, epochs=6), tiny, "validation", 5).fit()

    class Killed(Exception):
        pass

    def kill(rounds_done: int) -> None:
        if rounds_done == 3:
            raise Killed

    path = tmp_path / "resume.pt"
    with pytest.raises(Killed):
        Trainer(RandomWalk(tiny, 5, epochs=6), tiny, "validation", 5, resume_path=path, on_round=kill).fit()
    method = RandomWalk(tiny, 5, epochs=6)
    resumed = Trainer(method, tiny, "validation", 5, resume_path=path).fit()
    assert method.seen == [4, 5, 6]
    assert resumed.curve.frame().equals(reference.curve.frame())
    assert resumed.selected_epoch == reference.selected_epoch
    assert torch.equal(resumed.selected.item_t, reference.selected.item_t)
    # another method's settings do not resume from it
    other = RandomWalk(tiny, 5, epochs=7)
    Trainer(other, tiny, "validation", 5, resume_path=path).fit()
    assert other.seen == list(range(1, 8))


@pytest.mark.parametrize("train", [train_dns, train_mle], ids=["dns", "mle"])
def test_dns_and_mle_resume_to_the_same_numbers(tiny, tmp_path, train):
    settings = {"epochs": 4}
    reference = train(tiny, "validation", settings, seed=2)

    class Killed(Exception):
        pass

    path = tmp_path / "resume.pt"
    from irgan.train import trainer

    original = trainer.Trainer.end_round

    def end_round(self, rounds_done):
        original(self, rounds_done)
        if rounds_done == 2:
            raise Killed

    trainer.Trainer.end_round = end_round
    try:
        with pytest.raises(Killed):
            train(tiny, "validation", settings, seed=2, resume_path=path)
    finally:
        trainer.Trainer.end_round = original
    resumed = train(tiny, "validation", settings, seed=2, resume_path=path)
    assert resumed.curve.frame().equals(reference.curve.frame())
    assert torch.equal(resumed.selected.item_t, reference.selected.item_t)
