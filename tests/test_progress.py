"""Progress bars: drawn on a terminal (or when forced), never off one, and never change a number."""

from __future__ import annotations

import io

import pytest

from irgan import progress
from irgan.train.dns import train_dns
from irgan.train.irgan_pointwise import pretrain_discriminator, train_irgan
from irgan.train.mle import train_mle
from tests.conftest import tiny_dataset
from tests.test_irgan_pointwise import settings


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_follows_the_terminal_unless_forced(monkeypatch):
    monkeypatch.delenv(progress.ENV, raising=False)
    assert progress.enabled(Terminal()) and not progress.enabled(io.StringIO())
    monkeypatch.setenv(progress.ENV, "0")
    assert not progress.enabled(Terminal())
    monkeypatch.setenv(progress.ENV, "1")
    assert progress.enabled(io.StringIO())


def run_all(dataset):
    return {
        "irgan": train_irgan(dataset, "validation", settings(outer_epochs=2), seed=3),
        "dns": train_dns(dataset, "validation", {"epochs": 3}, seed=3),
        "mle": train_mle(dataset, "validation", {"epochs": 3}, seed=3),
        "d": pretrain_discriminator(dataset, "validation", {"epochs": 3}, seed=3),
    }


@pytest.mark.usefixtures("one_torch_thread")
def test_training_draws_a_bar_with_the_time_left_and_the_same_numbers(monkeypatch, capsys):
    dataset = tiny_dataset()
    monkeypatch.setenv(progress.ENV, "0")
    quiet = run_all(dataset)
    assert capsys.readouterr().err == ""
    monkeypatch.setenv(progress.ENV, "1")
    shown = run_all(dataset)
    err = capsys.readouterr().err
    for label in ("IRGAN code seed 3 (validation)", "DNS seed 3", "MLE seed 3", "D pre-training seed 3"):
        assert label in err, label
    assert "<" in err and "epoch/s" in err or "s/epoch" in err  # tqdm's elapsed<remaining and rate
    for name in quiet:
        assert quiet[name].selected_epoch == shown[name].selected_epoch
        assert quiet[name].curve.rows == shown[name].curve.rows, name
