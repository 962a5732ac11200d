"""The scale benchmark (irgan/bench/scale.py), the memory checks it meets (irgan/memory.py) and the
study plan's use of its figures (irgan/study/plan.py)."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import torch

from baselines.ease import EASE
from baselines.itemknn import ItemKNN, cosine_similarity, keep_top_neighbours, neighbour_weights
from irgan.bench.scale import COLUMNS, benchmark
from irgan.memory import MEMORY_ENV, InsufficientMemoryError, available_bytes, require
from irgan.report.scale import scale_figure
from irgan.study.plan import Costs, interpolate, load, plan, size_measure
from irgan.study.variants import resolve_variant


def test_interpolation_is_exact_on_a_power_law_and_extends_the_end_segments():
    sizes = [1e3, 1e4, 1e6]
    seconds = [2e-3 * s**1.3 for s in sizes]
    for size in (1e3, 5e3, 2e5, 1e6):  # inside: a power law is a line in log-log
        assert interpolate(sizes, seconds, size) == pytest.approx(2e-3 * size**1.3, rel=1e-9)
    # beyond the ends, the nearest segment's slope; one point: proportional to size
    bent = [1.0, 10.0, 1000.0]  # slope 1 then slope 2
    assert interpolate([1, 10, 100], bent, 1000) == pytest.approx(1e5)
    assert interpolate([1, 10, 100], bent, 0.1) == pytest.approx(0.1)
    assert interpolate([50], [3.0], 100) == pytest.approx(6.0)
    assert interpolate([], [], 10) == 0.0


def _table(rows: list[tuple]) -> pd.DataFrame:
    """A scale.csv of (dataset, users, items, positives, system, quantity, seconds) rows."""
    frame = pd.DataFrame(rows, columns=["dataset", "users", "items", "positives", "system", "quantity",
                                        "seconds"])
    return frame.assign(cells=frame["users"] * frame["items"], device="cpu", status="ok")


def test_the_irgan_estimate_is_the_measured_parts_times_the_schedule(tmp_path):
    config = load([], [f"results={tmp_path}"])
    small, large = ("a", 100, 200, 1_000), ("b", 1_000, 2_000, 100_000)
    measured = {"load": (0.1, 1.0), "setup": (0.5, 5.0), "d_epoch": (0.01, 1.0), "regeneration": (0.02, 2.0),
                "g_epoch": (0.03, 3.0), "outer_epoch": (0.04, 4.0)}
    table = _table([(*size, "irgan", quantity, pair[index]) for quantity, pair in measured.items()
                    for index, size in enumerate((small, large))])
    settings = resolve_variant(config["irgan"], "code")
    outer, d, g = settings["outer_epochs"], settings["discriminator"], settings["generator"]
    spec = {"kind": "synthetic-shaped", "n_users": 1_000, "n_items": 2_000, "users_fraction": 1.0,
            "n_ratings": 100_000 / 0.55 / 0.8, "positive_threshold": 4, "test_fraction": 0.2,
            "rating_shares": [0.06, 0.11, 0.28, 0.34, 0.21], "rating_scale": [1, 5]}
    costs = Costs.of(config, "b", spec, table)
    every = d["regenerate_every"]
    regenerations = 1 if d.get("reuse_first_sample") else outer * math.ceil(d["epochs"] / every)
    expected = (1.0 + 5.0 + outer * d["epochs"] * 1.0 + regenerations * 2.0 + outer * g["epochs"] * 3.0
                + outer * 4.0)
    assert costs.irgan(settings) == pytest.approx(expected, rel=1e-6)
    # a D-epoch grows with the positives, a G-epoch with users x items: half of each, between them
    assert size_measure("irgan", "d_epoch") == "positives" and size_measure("irgan", "g_epoch") == "cells"


def test_without_a_scale_table_the_plan_keeps_the_ml100k_benchmark_figures(tmp_path):
    config = load([], [f"results={tmp_path}"])
    before = plan(config)
    bench = tmp_path / "benchmarks"
    bench.mkdir()
    positives = 44_140
    rows = [("ml-100k-irgan", 943, 1683, positives, "irgan", q, s) for q, s in
            (("load", 0.0), ("setup", 0.0), ("d_epoch", 0.01), ("regeneration", 0.0), ("g_epoch", 0.02))]
    _table(rows).to_csv(bench / "scale.csv", index=False)
    after = plan(config)
    reference = [j for j in after if j.kind == "train_irgan" and j.name == "irgan-code"][0]
    old = [j for j in before if j.kind == "train_irgan" and j.name == "irgan-code"][0]
    settings = resolve_variant(config["irgan"], "code")
    d_epochs = settings["outer_epochs"] * settings["discriminator"]["epochs"]
    g_epochs = settings["outer_epochs"] * settings["generator"]["epochs"]
    from irgan.study.plan import CONTENTION, JOB_SECONDS

    assert reference.seconds == pytest.approx(JOB_SECONDS + CONTENTION * (d_epochs * 0.01 + g_epochs * 0.02))
    assert reference.seconds != pytest.approx(old.seconds)


def test_a_computation_larger_than_the_free_memory_is_one_error_naming_dataset_and_size(monkeypatch):
    monkeypatch.setenv(MEMORY_ENV, str(2**30))
    assert available_bytes() == 2**30
    require("tiny", "a small matrix", 2**20)  # fits: nothing happens
    with pytest.raises(InsufficientMemoryError, match=r"dataset big: an items x items matrix needs 4\.0 GiB "
                                                       r"of memory, and 1\.0 GiB is free\. Leave it out\."):
        require("big", "an items x items matrix", 4 * 2**30, "Leave it out.")


def test_ease_refuses_a_catalogue_it_cannot_invert_in_the_free_memory(monkeypatch, synthetic_small):
    monkeypatch.setenv(MEMORY_ENV, "100000")
    with pytest.raises(InsufficientMemoryError, match="dataset synthetic: EASE's interaction matrix"):
        EASE(seed=1).fit(synthetic_small, "test")
    with pytest.raises(InsufficientMemoryError, match="dataset synthetic: item-kNN"):
        ItemKNN(seed=1).fit(synthetic_small, "test")


def test_item_knn_in_blocks_of_items_gives_the_same_weights_as_in_one_piece():
    x = (torch.rand(120, 90, generator=torch.Generator().manual_seed(3)) < 0.15).double()
    one_piece = keep_top_neighbours(cosine_similarity(x, 1.0), 7).float()
    for block_bytes in (90 * 36 * 1, 90 * 36 * 8, 2**30):  # blocks of 1, 8 and all items
        assert torch.equal(neighbour_weights(x, 7, 1.0, block_bytes), one_piece)
    # and the plain definition: column j keeps its 7 largest cosines to other items
    norms = np.sqrt(x.numpy().sum(axis=0))
    cosine = (x.numpy().T @ x.numpy()) / (np.outer(norms, norms) + 1.0)
    np.fill_diagonal(cosine, 0)
    column = cosine[:, 5]
    kept = np.flatnonzero(one_piece[:, 5].numpy())
    assert len(kept) == 7 and set(kept) == set(np.argsort(-column, kind="stable")[:7])


@pytest.fixture(scope="module")
def tiny_scale(tmp_path_factory, synthetic_small):
    root = tmp_path_factory.mktemp("scale")
    path = root / "dataset.npz"
    synthetic_small.save(path)
    short = "irgan={defaults: {outer_epochs: 2, discriminator: {epochs: 3}, generator: {epochs: 2}}}"
    config = load([], [short])
    sections = {key: config[key] for key in ("pretraining", "irgan", "baselines")}
    frame = benchmark([str(path)], str(root / "scale.csv"), ["pop", "dns", "irgan", "evaluation"], sections,
                      threads=1, timeout=600, reference=str(path))
    return root, frame, config


def test_the_benchmark_times_each_system_in_its_own_process_and_writes_the_table(tiny_scale):
    root, frame, _ = tiny_scale
    written = pd.read_csv(root / "scale.csv")
    assert list(written.columns[: len(COLUMNS)]) == COLUMNS
    assert set(written["status"]) == {"ok"}
    quantities = {system: set(rows["quantity"]) for system, rows in written.groupby("system")
                  if system != "reference"}
    assert quantities == {"pop": {"load", "fit"}, "dns": {"load", "setup", "epoch"},
                          "irgan": {"load", "d_epoch", "regeneration", "g_epoch", "g_steps", "outer_epoch",
                                    "setup"},
                          "evaluation": {"load", "report"}}
    assert (written["seconds"] >= 0).all() and (written["peak_rss_mb"] >= written["loaded_rss_mb"]).all()
    assert (written["users"] == 150).all() and (written["cells"] == 150 * 200).all()
    irgan = written[written["system"] == "irgan"].set_index("quantity")
    # each epoch is timed over enough epochs to last about ten seconds (at most 100)
    assert 1 <= irgan.loc["d_epoch", "count"] <= 100 and 1 <= irgan.loc["g_epoch", "count"] <= 100
    assert (irgan["seconds"] > 0).all()


def test_a_system_that_cannot_run_is_a_row_with_its_error_and_the_figure_marks_it(tiny_scale, monkeypatch,
                                                                                 tmp_path):
    root, frame, _ = tiny_scale
    monkeypatch.setenv(MEMORY_ENV, "1000")  # inherited by the child process
    failed = benchmark([str(root / "dataset.npz")], str(tmp_path / "scale.csv"), ["ease"], threads=1,
                       timeout=600)
    row = failed.iloc[0]
    assert row["status"] == "error" and "dataset synthetic: EASE's interaction matrix" in row["error"]
    assert pd.isna(row["seconds"])
    both = pd.concat([frame, failed], ignore_index=True)
    scale_figure(both, tmp_path / "scale.png")
    assert (tmp_path / "scale.png").stat().st_size > 10_000


def test_non_positives_without_a_table_are_the_tables_items_in_order():
    from irgan.data.dataset import Pairs
    from irgan.train.components import Positives, draw_uniform_negatives, uniforms

    rng = np.random.default_rng(4)
    n_users, n_items = 40, 30
    pairs = [(u, i) for u in range(n_users) for i in rng.permutation(n_items)[: rng.integers(1, n_items)]]
    users, items = (np.asarray(column) for column in zip(*pairs, strict=True))  # items in file order
    positives = Positives.from_pairs(Pairs(users, items), n_users, n_items)
    table, counts = positives.non_positive_table()
    index, index_counts = positives.non_positives()
    assert torch.equal(counts, index_counts)
    rows = torch.arange(len(counts)).repeat_interleave(counts)
    nth = torch.cat([torch.arange(int(count)) for count in counts])
    assert torch.equal(index[rows, nth], table[rows, nth])
    # and each row holds exactly the items that are not the user's positives, ascending
    first = index[torch.zeros(int(counts[0]), dtype=torch.long), torch.arange(int(counts[0]))].numpy()
    assert list(first) == sorted(set(range(n_items)) - set(items[users == 0]))
    draws = uniforms(torch.Generator().manual_seed(0), len(positives), 5)
    row = torch.as_tensor(positives.row)
    assert torch.equal(draw_uniform_negatives(index, counts, row, draws),
                       draw_uniform_negatives(table, counts, row, draws))


def test_the_performance_table_and_the_reference_check_are_computed_from_the_measurements(tiny_scale):
    from irgan.bench.scale import plan_summary, reference_check
    from irgan.report.scale import performance_markdown

    root, frame, config = tiny_scale
    reference = frame[frame["system"] == "reference"].set_index("quantity")
    assert reference.loc["d_epochs", "count"] == 2 * 3 and reference.loc["g_epochs", "count"] == 2 * 2
    check = reference_check(frame, {**config, "results": str(root.parent / "none")})
    measured = reference.loc["run", "seconds"] + reference.loc["load", "seconds"]
    parts = frame[frame["system"] == "irgan"].set_index("quantity")["seconds"]
    # the plan's sum, by hand: load, set-up, 2 outer epochs of 3 D + 2 G, one regeneration
    by_hand = (parts["load"] + parts["setup"] + 6 * parts["d_epoch"] + 4 * parts["g_epoch"]
               + parts["regeneration"] + 2 * parts["outer_epoch"])
    assert check["measured"] == pytest.approx(measured)
    assert check["estimate"] == pytest.approx(by_hand, rel=1e-6)
    assert check["error"] == pytest.approx(by_hand / measured - 1, rel=1e-6)
    assert check["schedule"] == "2 x (3 D + 2 G)" and check["estimate_from_other_sizes"] is None
    summary = plan_summary(frame, {**config, "results": str(root.parent / "none")})
    assert summary["reference_check"] == check and list(summary["studies"]) == ["synthetic"]
    text = performance_markdown(frame, summary)
    assert "| IRGAN: one D-epoch |" in text and "synthetic (150 x 200" in text
    assert f"({check['error']:+.0%})" in text
    assert "One whole reference run (2 x (3 D + 2 G)) on synthetic" in text
    assert "- The default study on synthetic:" in text


def test_the_readme_performance_block_is_replaced_and_checked(tmp_path):
    from irgan.report.readme import PERFORMANCE_BEGIN, PERFORMANCE_END
    from irgan.report.readme import main as readme

    table = tmp_path / "scale.md"
    table.write_text("| what | a |\n|---|---|\n| x | 1 s |\n")
    page = tmp_path / "README.md"
    page.write_text(f"# t\n{PERFORMANCE_BEGIN}\nold\n{PERFORMANCE_END}\nrest\n")
    assert readme(["--readme", str(page), "--performance", str(table), "--check"]) == 1
    assert readme(["--readme", str(page), "--performance", str(table)]) == 0
    block = "| what | a |\n|---|---|\n| x | 1 s |\n"
    assert page.read_text() == f"# t\n{PERFORMANCE_BEGIN}\n{block}{PERFORMANCE_END}\nrest\n"
    assert readme(["--readme", str(page), "--performance", str(table), "--check"]) == 0
    page.write_text("# no block\n")
    assert readme(["--readme", str(page), "--performance", str(table)]) == 2


def test_snakemake_scale_prepares_each_size_then_runs_the_one_benchmark(dry_run):
    plan = dry_run("scale", "--config", "results=results-scale-plan")
    assert plan.returncode == 0, plan.stderr
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", plan.stdout, flags=re.M)}
    assert counts["benchmark_scale"] == 1 and counts["scale_report"] == 1
    assert counts["prepare_dataset"] == 3  # ml-100k, ML-1M and Netflix shape
    for output in ("benchmarks/scale.csv", "benchmarks/scale.png", "benchmarks/scale.md",
                   "synthetic-netflix/data/dataset.npz", "synthetic-ml-1m/data/dataset.npz"):
        assert f"results-scale-plan/{output}" in plan.stdout
    assert "train_irgan" not in counts  # the benchmark trains nothing of the study


def test_a_reference_run_outside_the_benchmarked_sizes_is_one_config_error():
    from irgan.errors import ConfigError

    with pytest.raises(ConfigError, match="key scale.reference_run names 'synthetic', which is not one of "
                                          "scale.datasets"):
        load([], ["scale={datasets: [ml-100k-irgan], systems: [pop], threads: 1, timeout_s: 10, "
                  "reference_run: synthetic}"])
    with pytest.raises(ConfigError, match="key scale.datasets names 'nowhere'"):
        load([], ["scale={datasets: [nowhere], systems: [pop], threads: 1, timeout_s: 10}"])


def test_the_training_dynamics_summarised_in_blocks_of_users_are_the_same_numbers(monkeypatch):
    from irgan.models.mf import MFParams
    from irgan.train import dynamics

    generator = torch.Generator().manual_seed(5)
    G = MFParams.random(60, 40, 4, 1.0, generator)
    D = MFParams.random(60, 40, 4, 1.0, generator)
    train = torch.rand(60, 40, generator=generator) < 0.2
    heldout = (torch.rand(60, 40, generator=generator) < 0.1) & ~train
    users, weights = torch.arange(60), train.sum(dim=1).clamp(min=1)
    for reward in (torch.sigmoid, None):
        whole = dynamics.distribution_stats(G, D, users, weights, train, heldout, 0.2, reward)
        monkeypatch.setattr(dynamics, "BLOCK_BYTES", 40 * dynamics.BYTES_PER_CELL * 7)  # blocks of 7 users
        blocks = dynamics.distribution_stats(G, D, users, weights, train, heldout, 0.2, reward)
        monkeypatch.undo()
        assert blocks == whole  # exactly: per-user values, reduced once
    # and against a direct computation of two columns
    log_p = torch.log_softmax(G.score(users).double(), dim=1)
    assert whole["g_perplexity"] == pytest.approx(float(torch.exp(-(log_p.exp() * log_p).sum(1)).mean()))
    accepted = (D.score(users).double()[heldout] > 0).double().mean()
    assert whole["d_accuracy_heldout"] == pytest.approx(float(accepted))
