"""Baseline runs in the run contract, their records, the summary, and config errors that name the key."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest

from baselines import SYSTEMS
from baselines.study import baseline_settings, run_seed, summarise, summary_markdown, write_summary
from irgan.contract.runs import SELECTIONS, read_run, run_dir
from irgan.errors import ConfigError
from irgan.models.evaluation import metric_names
from irgan.study.config import load_config, validate_config
from tests.conftest import REPO, tiny_dataset

METRICS = metric_names()
FAST = {"epochs": 3, "batch_size": 16, "lr": 0.1}


@pytest.fixture(scope="module")
def config():
    config = load_config()
    config["device"] = "cpu"
    config["baselines"] = {
        "systems": list(SYSTEMS),
        "selections": ["test", "validation"],
        "metric": "P@5",
        "pop": {},
        "itemknn": {"grid": {"k": [3, 10]}},
        "ease": {"grid": {"l2": [1.0, 10.0]}},
        "bpr": {"fixed": FAST, "grid": {"dim": [2, 4]}},
        "lambdafm": {"fixed": {**FAST, "sampler": "dynamic", "m": 4}, "grid": {"rho": [0.2, 1.0]}},
    }
    return validate_config(config)


@pytest.fixture(scope="module")
def tiny():
    return tiny_dataset(n_users=30, n_items=40, seed=3)


@pytest.fixture(scope="module")
def study(tmp_path_factory, config, tiny):
    """Every baseline, both selection rules, two seeds, on a tiny dataset."""
    results = tmp_path_factory.mktemp("results")
    for system in SYSTEMS:
        for seed in (1, 2):
            dirs = [run_dir(results, tiny.name, s, system, seed) for s in SELECTIONS]
            run_seed(config, tiny, system, seed, SELECTIONS, results / f"tuning-{system}-{seed}.json", dirs)
    return results


@pytest.mark.parametrize("system", list(SYSTEMS))
@pytest.mark.parametrize("selection", list(SELECTIONS))
def test_run_files_follow_the_contract(study, tiny, system, selection):
    per_user, curve, record = read_run(run_dir(study, tiny.name, selection, system, 1))
    assert list(per_user.columns) == ["user", "n_relevant", "n_candidates", *METRICS]
    assert len(per_user) > 0 and per_user["user"].is_unique
    assert list(curve.columns) == ["epoch", "model", "split", *METRICS]
    assert set(curve["split"]) == ({"validation", "test"} if selection == "validation" else {"test"})
    assert record["status"] == "ok"
    assert record["system"] == system and record["selection"] == selection and record["seed"] == 1
    assert record["test_metrics"]["P@5"] == pytest.approx(per_user["P@5"].mean())
    details = record["details"]
    assert details["grid"] == (config_grid := details["tuning"]["grid"])
    assert details["tuning"]["split"] == "validation"
    chosen = details["tuning"]["best_params"]
    assert all(record["hyperparameters"][k] == v for k, v in chosen.items())
    for key in config_grid:
        assert record["hyperparameters"][key] in config_grid[key]
    provenance = record["provenance"]
    assert {"config", "seed", "code_version", "libraries", "device"} <= set(provenance)
    assert provenance["seed"] == 1 and provenance["device"] == "cpu"
    assert provenance["config"]["baselines"][system] is not None
    if system in ("bpr", "lambdafm"):
        assert record["selected_epoch"] in set(curve["epoch"])
        assert len(details["train_loss"]) == record["final_epoch"] == 3


def test_tuning_is_shared_by_both_selection_rules(study, tiny):
    tuning = json.loads((study / "tuning-bpr-1.json").read_text())
    for selection in SELECTIONS:
        _, _, record = read_run(run_dir(study, tiny.name, selection, "bpr", 1))
        assert record["details"]["tuning"]["best_params"] == tuning["best_params"]
    assert len(tuning["trials"]) == 2 and all(t["score"] is not None for t in tuning["trials"])


def test_selection_rules_fit_different_positives(study, tiny):
    """Popularity under `test` counts every training positive, under `validation` not the carve."""
    test_run = read_run(run_dir(study, tiny.name, "test", "pop", 1))[0]
    honest_run = read_run(run_dir(study, tiny.name, "validation", "pop", 1))[0]
    assert not test_run[METRICS].equals(honest_run[METRICS])


def test_paper_rule_picks_the_epoch_with_the_best_test_p5(study, tiny):
    _, curve, record = read_run(run_dir(study, tiny.name, "test", "lambdafm", 2))
    test_curve = curve[curve["split"] == "test"]
    assert record["selected_epoch"] == int(test_curve.loc[test_curve["P@5"].idxmax(), "epoch"])
    assert record["test_metrics"]["P@5"] == pytest.approx(test_curve["P@5"].max())


def test_same_seed_same_numbers(config, tiny, tmp_path, study):
    dirs = [run_dir(tmp_path, tiny.name, s, "lambdafm", 2) for s in SELECTIONS]
    run_seed(config, tiny, "lambdafm", 2, SELECTIONS, tmp_path / "t.json", dirs)
    for selection in SELECTIONS:
        again = read_run(run_dir(tmp_path, tiny.name, selection, "lambdafm", 2))[0]
        first = read_run(run_dir(study, tiny.name, selection, "lambdafm", 2))[0]
        pd.testing.assert_frame_equal(again, first)


def test_summary_and_markdown(study, tiny, tmp_path):
    summary = write_summary(study, tiny.name, list(SYSTEMS), list(SELECTIONS), [1, 2],
                            tmp_path / "s.csv", tmp_path / "s.md")
    assert len(summary) == len(SYSTEMS) * len(SELECTIONS)
    row = summary[(summary.system == "ease") & (summary.selection == "test")].iloc[0]
    records = [read_run(run_dir(study, tiny.name, "test", "ease", s))[2] for s in (1, 2)]
    values = [r["test_metrics"]["P@5"] for r in records]
    assert row["P@5 mean"] == pytest.approx(sum(values) / 2) and row["runs"] == 2
    assert (tmp_path / "s.csv").is_file()
    text = (tmp_path / "s.md").read_text()
    assert "| lambdafm | validation | 2 |" in text
    assert "LambdaFM | 0.3845" in summary_markdown(summary, "ml-100k-irgan")
    assert "0.3845" not in text  # the published figures only beside MovieLens-100k
    assert "± is the standard deviation over seeds" in text
    for system in ("pop", "itemknn", "ease"):  # deterministic: marked, no ±
        assert summary[summary.system == system]["deterministic"].all()
        line = next(x for x in text.splitlines() if x.startswith(f"| {system} | test |"))
        assert "(deterministic)" in line and "±" not in line, line
    line = next(x for x in text.splitlines() if x.startswith("| bpr | test |"))
    assert "±" in line and "deterministic" not in line


def test_diverged_run_is_recorded_and_left_out_of_the_summary(config, tiny, tmp_path):
    bad = copy.deepcopy(config)
    bad["baselines"]["bpr"] = {"fixed": {**FAST, "lr": 1e38}, "grid": {"dim": [2]}}
    for seed in (1, 2):
        dirs = [run_dir(tmp_path, tiny.name, s, "bpr", seed) for s in SELECTIONS]
        run_seed(bad, tiny, "bpr", seed, SELECTIONS, tmp_path / f"t{seed}.json", dirs)
    per_user, _, record = read_run(run_dir(tmp_path, tiny.name, "test", "bpr", 1))
    assert record["status"] == "diverged" and record["test_metrics"] is None
    assert per_user.empty and list(per_user.columns) == ["user", "n_relevant", "n_candidates", *METRICS]
    assert record["divergence"]["phase"] == "tuning" and record["divergence"]["epoch"] is None
    assert "every grid point diverged" in record["divergence"]["reason"]
    summary = summarise(tmp_path, tiny.name, ["bpr"], ["test"], [1, 2])
    assert summary.iloc[0]["runs"] == 0 and summary.iloc[0]["diverged"] == 2


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (("baselines", "systems"), ["pop", "svd"], "baselines.systems.1"),
        (("baselines", "selections"), ["paper"], "baselines.selections.0"),
        (("baselines", "metric"), "AUC", "baselines.metric"),
        (("baselines", "bpr", "grid", "lr"), [0.1, -1], "baselines.bpr.grid.lr.1"),
        (("baselines", "bpr", "grid", "dim"), [], "baselines.bpr.grid.dim"),
        (("baselines", "bpr", "fixed", "epochs"), 0, "baselines.bpr.fixed.epochs"),
        (("baselines", "bpr", "fixed", "momentum"), 0.9, "baselines.bpr.fixed"),
        (("baselines", "lambdafm", "fixed", "sampler"), "adaptive", "baselines.lambdafm.fixed.sampler"),
        (("baselines", "lambdafm", "grid", "rho"), [0.3, 1.5], "baselines.lambdafm.grid.rho.1"),
        (("baselines", "itemknn", "grid", "k"), [0], "baselines.itemknn.grid.k.0"),
        (("baselines", "ease", "grid", "l2"), [0.0], "baselines.ease.grid.l2.0"),
        (("baselines", "ease", "grid", "k"), [5], "baselines.ease.grid"),
    ],
)
def test_bad_baseline_config_names_its_key(config, path, value, key):
    bad = copy.deepcopy(config)
    node = bad
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    with pytest.raises(ConfigError, match=f"key {key}"):
        validate_config(bad)


def test_settings_refuse_a_key_in_both_grid_and_fixed(config):
    bad = copy.deepcopy(config)
    bad["baselines"]["bpr"] = {"fixed": {"dim": 4}, "grid": {"dim": [2, 4]}}
    validate_config(bad)  # the schema cannot see this
    with pytest.raises(ConfigError, match="key baselines.bpr.grid.dim is also in baselines.bpr.fixed"):
        baseline_settings(bad, "bpr")
    with pytest.raises(ConfigError, match="baselines.systems does not list 'svd'"):
        baseline_settings(config, "svd")


def test_shipped_configs_run_every_baseline():
    for files in ((), (REPO / "config" / "demo.yaml",)):
        section = load_config(*files)["baselines"]
        assert section["systems"] == list(SYSTEMS)
        for system in SYSTEMS:
            baseline_settings({"baselines": section}, system)
