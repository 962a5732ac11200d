"""Figures: PNG and PDF files appear, axes are labelled, a system keeps its colour everywhere."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from PIL import Image

from irgan.analysis.statistics import (
    STATISTICS_FILES,
    StatisticsSettings,
    load_runs,
    run_statistics,
    write_statistics,
)
from irgan.report.figures import (
    FIGURE_NAMES,
    FORMATS,
    best_baselines,
    build_figures,
    curve_bands,
    figure_paths,
    learning_curves,
    metric_points,
    paper_vs_reproduced,
    save_figure,
    selection_optimism,
    system_order,
    system_palette,
)
from irgan.report.tables import read_statistics
from tests.study_runs import DATASET, QUALITY, STATISTICS, audit_table, make_study

SETTINGS = StatisticsSettings.from_config(STATISTICS)


@pytest.fixture(scope="module")
def statistics(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    runs = load_runs(make_study(root / "runs", seeds=(1, 2), deterministic=("pop",)))
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
        width, height = Image.open(tmp_path / f"{name}.png").size
        assert 900 <= width <= 1400 and 150 <= height <= 4000, (name, width, height)  # the report's width
    assert not plt.get_fignums(), "figures must be closed after saving"


def test_a_system_keeps_its_colour_whatever_the_order():
    systems = list(QUALITY)
    palette = system_palette(systems)
    assert palette == system_palette(list(reversed(systems)))
    assert len(set(palette.values())) == len(systems)
    assert system_order(systems)[0] == "irgan-code"
    assert system_order(systems)[-1] == "pop" and system_order(systems)[1].startswith("irgan-")
    assert palette["irgan-code"] == (0.0, 0.0, 0.0)  # the reference is black in every figure
    assert len(set(system_palette([f"s{i}" for i in range(25)]).values())) == 25


def test_learning_curve_bands_are_the_range_over_seeds(statistics):
    curves = statistics["curves"].query("selection == 'validation'")
    point = "system == 'irgan-code' and model == 'G' and split == 'test' and epoch == 4"
    band = curve_bands(curves).query(point)
    values = curves.query(point)["value"]
    assert len(values) == 2
    assert band["mean"].item() == pytest.approx(values.mean())
    assert (band["low"].item(), band["high"].item()) == pytest.approx((values.min(), values.max()))
    bands = curve_bands(curves)
    assert (bands["low"].dropna() >= 0).all() and (bands["high"].dropna() <= 1).all()


def test_learning_curves_split_irgan_families_from_the_baselines(statistics):
    figure = learning_curves(statistics["curves"], SETTINGS, system_palette(QUALITY))
    titles = " ".join(axis.get_title(loc="left") for axis in figure.axes)
    for family in ("pre-training", "reward", "generator-only", "baselines"):
        assert family in titles
    for axis in figure.axes:
        if not axis.has_data():
            continue
        baseline = axis.get_title(loc="left").startswith("baselines")
        assert axis.get_xlabel() == ("epoch (baseline training)" if baseline else "G-epoch (IRGAN)")
    figure.canvas.draw()
    legends = [axis for axis in figure.axes if axis.get_legend()]
    assert len(legends) == 4  # one per row: three families and the baselines
    for axis in legends:  # outside the data: right of the axes
        assert axis.get_legend().get_window_extent().x0 >= axis.get_window_extent().x1
    width, _ = figure.get_size_inches()
    assert width <= 8.5  # the report's width at 150 dpi: text keeps its size
    plt.close(figure)
    empty = learning_curves(pd.DataFrame(columns=statistics["curves"].columns), SETTINGS, {})
    assert "No learning curves" in empty.axes[0].texts[0].get_text()
    plt.close(empty)


def test_two_seed_bars_stay_inside_the_metric_range(statistics):
    """With 2 seeds the bars are the seeds' range: no bar below 0 or above 1."""
    palette = system_palette(QUALITY)
    figure = metric_points(statistics["seed_metrics"], statistics["summary"], SETTINGS, palette)
    bars = 0
    for axis in figure.axes:
        for collection in axis.collections:
            for segment in getattr(collection, "get_segments", lambda: [])():
                xs = [x for x, _ in segment]
                assert min(xs) >= 0 and max(xs) <= 1
                bars += 1
    assert bars
    labels = [t.get_text() for legend in figure.legends for t in legend.get_texts()]
    assert any("range of 2 seeds" in label for label in labels)
    assert any("same value for every seed" in label for label in labels)  # pop is deterministic
    for axis in figure.axes:  # no empty rows: every listed system has a point
        ticks = [t.get_text() for t in axis.get_yticklabels() if t.get_text()]
        if ticks:
            assert len(ticks) == len(set(statistics["seed_metrics"]["system"]))
    plt.close(figure)


def test_paper_vs_reproduced_only_on_movielens(statistics):
    palette = system_palette(QUALITY)
    note = paper_vs_reproduced(statistics["summary"], SETTINGS, palette, audit_table())
    text = " ".join(t.get_text() for axis in note.axes for t in axis.texts)
    assert "No published figures for dataset 'synthetic'" in text
    assert not any(axis.collections for axis in note.axes)
    plt.close(note)
    summary = statistics["summary"].assign(dataset="ml-100k-irgan")
    figure = paper_vs_reproduced(summary, SETTINGS, palette, audit_table())
    assert len(figure.axes) == 8 and figure.legends
    plt.close(figure)


def test_selection_optimism_has_a_legend_for_each_panel(statistics):
    figure = selection_optimism(
        statistics["optimism"], statistics["summary"], SETTINGS, system_palette(QUALITY)
    )
    legends = [axis.get_legend() for axis in figure.axes if axis.get_legend()]
    assert len(legends) == 2
    texts = [t.get_text() for t in legends[1].get_texts()]
    assert any("paper protocol" in t for t in texts) and any("honest protocol" in t for t in texts)
    plt.close(figure)


def test_best_baselines_follow_the_headline_metric(statistics):
    best = best_baselines(statistics["summary"], SETTINGS)
    p5 = statistics["summary"].query("metric == 'P@5'")
    for selection, system in best.items():
        candidates = p5[(p5["selection"] == selection) & p5["system"].isin(["mle", "bpr", "lambdafm"])]
        assert system == candidates.loc[candidates["mean"].idxmax(), "system"]


def test_a_learning_curve_panel_shows_a_members_own_comparator():
    from irgan.analysis.statistics import StatisticsSettings
    from irgan.report.figures import _curve_panels

    settings = StatisticsSettings.from_config({"families": {
        "schedule": {"systems": ["irgan-redraw*"], "against": {"irgan-redraw-own": "irgan-own"}},
        "start": {"systems": ["irgan-own"]}}})
    panels = _curve_panels(["irgan-code", "irgan-own", "irgan-redraw", "irgan-redraw-own", "dns"], settings)
    assert panels == {"schedule": ["irgan-redraw", "irgan-redraw-own", "irgan-own"],
                      "start": ["irgan-own"], "baselines": ["dns"]}
