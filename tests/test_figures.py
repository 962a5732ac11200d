"""Figures: PNG and PDF files appear, axes are labelled, a system keeps its colour everywhere."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from scipy import stats

from irgan.figures import (
    FIGURE_NAMES,
    FORMATS,
    best_baselines,
    build_figures,
    curve_bands,
    figure_paths,
    learning_curves,
    save_figure,
    system_order,
    system_palette,
)
from irgan.statistics import STATISTICS_FILES, StatisticsSettings, load_runs, run_statistics, write_statistics
from irgan.tables import read_statistics
from tests.study_runs import DATASET, QUALITY, STATISTICS, audit_table, make_study

SETTINGS = StatisticsSettings.from_config(STATISTICS)


@pytest.fixture(scope="module")
def statistics(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    runs = load_runs(make_study(root / "runs", seeds=(1, 2)))
    paths = {name: root / "statistics" / file for name, file in STATISTICS_FILES.items()}
    write_statistics(run_statistics(runs, SETTINGS, DATASET), paths)
    return read_statistics(paths)


def test_every_figure_is_saved_as_png_and_pdf(statistics, tmp_path):
    assert matplotlib.get_backend().lower() == "agg"
    figures = build_figures(statistics, SETTINGS, audit_table())
    assert set(figures) == set(FIGURE_NAMES)
    for name, figure in figures.items():
        for axis in figure.axes:
            if axis.has_data():
                assert axis.get_xlabel(), f"{name}: an axis without an x label"
        save_figure(figure, figure_paths(tmp_path, name))
        for fmt in FORMATS:
            path = tmp_path / f"{name}.{fmt}"
            assert path.stat().st_size > 1000, path
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
    assert not plt.get_fignums(), "figures must be closed after saving"


def test_a_system_keeps_its_colour_whatever_the_order():
    systems = list(QUALITY)
    palette = system_palette(systems)
    assert palette == system_palette(list(reversed(systems)))
    assert len(set(palette.values())) == len(systems)
    assert system_order(systems)[0] == "irgan-code"
    assert system_order(systems)[-1] == "pop" and system_order(systems)[1].startswith("irgan-")
    assert len(set(system_palette([f"s{i}" for i in range(25)]).values())) == 25


def test_learning_curve_bands_are_t_intervals_over_seeds(statistics):
    curves = statistics["curves"].query("selection == 'validation'")
    point = "system == 'irgan-code' and model == 'G' and split == 'test' and epoch == 4"
    band = curve_bands(curves).query(point)
    values = curves.query(point)["value"]
    assert len(values) == 2
    low, high = stats.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values))
    assert band["mean"].item() == pytest.approx(values.mean())
    assert (band["low"].item(), band["high"].item()) == pytest.approx((low, high))


def test_learning_curves_have_one_panel_per_family_and_labelled_axes(statistics):
    figure = learning_curves(statistics["curves"], SETTINGS, system_palette(QUALITY))
    titles = {axis.get_title() for axis in figure.axes}
    assert {"pre-training", "reward", "generator-only", "baselines"} <= titles
    assert any("P@5" in axis.get_ylabel() for axis in figure.axes)
    plt.close(figure)
    empty = learning_curves(pd.DataFrame(columns=statistics["curves"].columns), SETTINGS, {})
    assert "No learning curves" in empty.axes[0].texts[0].get_text()
    plt.close(empty)


def test_best_baselines_follow_the_headline_metric(statistics):
    best = best_baselines(statistics["summary"], SETTINGS)
    p5 = statistics["summary"].query("metric == 'P@5'")
    for selection, system in best.items():
        candidates = p5[(p5["selection"] == selection) & p5["system"].isin(["mle", "bpr", "lambdafm"])]
        assert system == candidates.loc[candidates["mean"].idxmax(), "system"]
