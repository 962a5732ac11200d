"""The study view against frames written by hand, and against the statistics of a small study."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from irgan.analysis.statistics import (
    STATISTICS_FILES,
    StatisticsSettings,
    load_runs,
    run_statistics,
    write_statistics,
)
from irgan.analysis.study_view import StudyView, checked_interval, drawn_interval, is_deterministic
from irgan.protocol import PROTOCOL_SELECTION
from irgan.report.tables import read_statistics
from tests.study_runs import DATASET, STATISTICS, make_study

SETTINGS = StatisticsSettings.from_config(STATISTICS)


def _summary_row(selection, system, metric, mean, dataset="d", **extra):
    return {"dataset": dataset, "selection": selection, "system": system, "metric": metric, "mean": mean,
            "sd": 0.01, "ci_low": math.nan, "ci_high": math.nan, "n_seeds": 2, "n_runs": 2,
            "seed_values": "", "interval": "range", "seed_min": mean - 0.01, "seed_max": mean + 0.01,
            "deterministic": False} | extra


def _comparison_row(kind, selection, system, reference, metric, diff, significant=True, dataset="d"):
    return {"dataset": dataset, "kind": kind, "selection": selection, "system": system,
            "reference": reference, "metric": metric, "mean_diff": diff, "boot_low": diff - 0.01,
            "boot_high": diff + 0.02, "d_z": diff * 10, "t": diff * 100, "p_holm": 0.01,
            "significant": significant}


@pytest.fixture
def view() -> StudyView:
    summary = pd.DataFrame([
        _summary_row("test", "bpr", "P@5", 0.30),
        _summary_row("test", "lambdafm", "P@5", 0.34),
        _summary_row("test", "mle", "P@5", 0.34),  # a tie: the first row wins
        _summary_row("test", "irgan-code", "P@5", 0.36),
        _summary_row("test", "irgan-fast", "P@5", math.nan, n_seeds=0),  # every run diverged
        _summary_row("validation", "bpr", "P@5", 0.28),
        _summary_row("validation", "irgan-code", "P@5", 0.33),
        _summary_row("test", "bpr", "P@5", 0.99, dataset="other"),
    ])
    comparisons = pd.DataFrame([
        _comparison_row("irgan-vs-baseline", "test", "irgan-code", "bpr", "P@5", 0.06),
        _comparison_row("irgan-vs-baseline", "test", "irgan-code", "lambdafm", "P@5", 0.02, False),
        _comparison_row("ablation", "test", "irgan-fast", "irgan-code", "P@5", -0.01),
        _comparison_row("protocol", PROTOCOL_SELECTION, "bpr", "bpr", "P@5", 0.02),
        _comparison_row("irgan-vs-baseline", "test", "irgan-code", "bpr", "P@5", 0.5, dataset="other"),
    ])
    optimism = pd.DataFrame([
        {"dataset": "d", "selection": "validation", "system": "bpr", "optimism": 0.01},
        {"dataset": "d", "selection": "validation", "system": "irgan-code", "optimism": 0.03},
    ])
    return StudyView(summary, comparisons, optimism, reference="irgan-code", dataset="d")


def test_mean_and_row_tell_not_run_from_diverged(view):
    assert view.mean("bpr", "P@5", "test")["mean"] == 0.30  # the dataset's row, not the other one
    assert view.row("irgan-fast", "P@5", "test") is not None
    assert view.mean("irgan-fast", "P@5", "test") is None  # every run diverged
    assert view.row("pop", "P@5", "test") is None and view.mean("pop", "P@5", "test") is None
    assert view.systems("validation") == ["bpr", "irgan-code"]
    assert view.metrics() == ["P@5"]


def test_best_of_takes_the_highest_mean_and_the_first_on_a_tie(view):
    assert view.best_of(["bpr", "lambdafm", "mle"], "P@5", "test") == "lambdafm"
    assert view.best_of(["mle", "bpr"], "P@5", "test") == "mle"
    assert view.best_of(["irgan-fast"], "P@5", "test") is None  # diverged: no mean to compare
    assert view.best_of(["pop"], "P@5", "test") is None
    assert view.ordered_systems("test", "P@5") == ["irgan-code", "lambdafm", "mle", "bpr", "irgan-fast"]


def test_comparison_finds_the_pair_of_this_dataset(view):
    row = view.comparison("irgan-code", "bpr", "P@5", "test")
    assert row["mean_diff"] == 0.06
    assert view.comparison("irgan-code", "bpr", "P@5", "test", kind="ablation") is None
    assert view.comparison("bpr", "irgan-code", "P@5", "test") is None  # direction matters
    assert view.comparison("bpr", "bpr", "P@5", PROTOCOL_SELECTION, kind="protocol")["mean_diff"] == 0.02
    assert len(view.comparisons_of("irgan-vs-baseline", "test", "P@5")) == 2


def test_versus_reference_flips_the_baseline_comparisons(view):
    versus = view.versus_reference("test")
    assert set(versus) == {("bpr", "P@5"), ("lambdafm", "P@5"), ("irgan-fast", "P@5")}
    bpr = versus[("bpr", "P@5")]
    assert (bpr["system"], bpr["reference"]) == ("bpr", "irgan-code")
    assert bpr["mean_diff"] == -0.06 and bpr["t"] == pytest.approx(-6.0) and bpr["d_z"] == pytest.approx(-0.6)
    assert (bpr["boot_low"], bpr["boot_high"]) == pytest.approx((-0.08, -0.05))
    assert bool(bpr["significant"]) and versus[("irgan-fast", "P@5")]["mean_diff"] == -0.01
    assert view.versus_reference("validation") == {}


def test_optimism_rows(view):
    assert view.optimism("irgan-code", "validation")["optimism"] == 0.03
    assert view.optimism("irgan-code", "test") is None
    assert list(view.optimism_rows("validation")["system"]) == ["bpr", "irgan-code"]


def test_row_intervals_for_published_checks_and_for_figures():
    two_seeds = pd.Series(_summary_row("test", "bpr", "P@5", 0.30))
    assert checked_interval(two_seeds) == pytest.approx((0.29, 0.31))
    low, high, kind = drawn_interval(two_seeds)
    assert kind == "range" and (low, high) == pytest.approx((0.29, 0.31))
    t_row = pd.Series(_summary_row("test", "bpr", "P@5", 0.30, ci_low=0.27, ci_high=0.33, interval="t"))
    assert checked_interval(t_row) == (0.27, 0.33) and drawn_interval(t_row) == (0.27, 0.33, "t")
    same = _summary_row("test", "pop", "P@5", 0.2, seed_values="0.200000 0.200000", interval="")
    assert is_deterministic(same) and is_deterministic(pd.Series(same))
    assert checked_interval(pd.Series(same)) == (0.2, 0.2) and drawn_interval(same)[2] == "deterministic"
    flagged = pd.Series(_summary_row("test", "pop", "P@5", 0.2, deterministic="True"))
    assert is_deterministic(flagged)
    # an old summary without the interval column is read from its per-seed values
    old = {"mean": 0.3, "seed_values": "0.290000 0.310000 0.300000", "ci_low": np.nan, "ci_high": np.nan}
    low, high, kind = drawn_interval(old)
    assert kind == "t" and low < 0.3 < high


def test_the_view_of_a_study_agrees_with_filtering_the_frames(tmp_path):
    runs = load_runs(make_study(tmp_path / "runs", seeds=(1, 2, 3)))
    paths = {name: tmp_path / "statistics" / file for name, file in STATISTICS_FILES.items()}
    write_statistics(run_statistics(runs, SETTINGS, DATASET), paths)
    statistics = read_statistics(paths)
    view = StudyView.from_statistics(statistics, SETTINGS.reference, DATASET)
    summary, comparisons = statistics["summary"], statistics["comparisons"]
    for selection in ("test", "validation"):
        rows = summary[(summary["selection"] == selection) & (summary["metric"] == "P@5")
                       & summary["system"].isin(SETTINGS.headline_against)]
        best = rows.sort_values("mean", ascending=False).iloc[0]["system"]
        assert view.best_of(SETTINGS.headline_against, "P@5", selection) == best
        row = view.comparison(SETTINGS.reference, best, "P@5", selection)
        expected = comparisons[(comparisons["selection"] == selection)
                               & (comparisons["system"] == SETTINGS.reference)
                               & (comparisons["reference"] == best) & (comparisons["metric"] == "P@5")]
        assert row["p_holm"] == expected.iloc[0]["p_holm"] and row["kind"] == "irgan-vs-baseline"
        assert view.mean(best, "P@5", selection)["mean"] == rows.loc[rows["system"] == best, "mean"].item()
