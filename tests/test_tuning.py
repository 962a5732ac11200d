"""Equal-budget tuning (irgan/jobs/tune.py): the seeded search, its config checks, divergence, the
choice against brute force, the statistics family, and the workflow's files."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pandas as pd
import pytest
import torch

from irgan.analysis.statistics import EqualBudget, holm_family_key, plan_comparisons
from irgan.errors import ConfigError
from irgan.jobs.tune import (
    Outcome,
    TuningSettings,
    best_settings,
    budgets_frame,
    run_tuning,
    search,
    train_tuned,
    tune_system,
    tuned_name,
)
from irgan.study.config import DEFAULT_CONFIG, read_yaml, validate_config
from tests.conftest import tiny_dataset
from tests.test_workflow import checkout, snakemake  # noqa: F401  (the fixture)

SPACE = {"x": {"type": "float", "low": 1e-3, "high": 1.0, "log": True},
         "n": {"type": "int", "low": 1, "high": 50},
         "c": {"type": "categorical", "choices": ["a", "b", "c"]}}


def quadratic(params: dict) -> Outcome:
    """A smooth objective with its maximum at x = 0.1, n = 20, c = b."""
    score = -(math.log10(params["x"]) + 1) ** 2 - ((params["n"] - 20) / 20) ** 2 + (params["c"] == "b")
    return Outcome("ok", score, 1)


def default_config() -> dict:
    return copy.deepcopy(read_yaml(DEFAULT_CONFIG))


# --------------------------------------------------------------------------- the search


def test_the_same_seed_gives_the_same_trials_and_another_seed_others():
    first = search(quadratic, SPACE, 15, seed=11)
    again = search(quadratic, SPACE, 15, seed=11)
    other = search(quadratic, SPACE, 15, seed=12)
    assert [t.params for t in first.trials] == [t.params for t in again.trials]
    assert [t.score for t in first.trials] == [t.score for t in again.trials]
    assert [t.params for t in first.trials] != [t.params for t in other.trials]
    assert len(first.trials) == 15 and all(t.cpu_seconds >= 0 for t in first.trials)
    for trial in first.trials:  # every value inside its space
        assert 1e-3 <= trial.params["x"] <= 1.0 and 1 <= trial.params["n"] <= 50
        assert isinstance(trial.params["n"], int) and trial.params["c"] in ("a", "b", "c")
    assert first.best.score == max(t.score for t in first.trials)


def test_a_diverging_trial_is_recorded_and_never_chosen():
    def objective(params):
        if params["x"] > 0.05:  # "diverges" where the score would be highest
            return Outcome("diverged", 99.0, None, {"phase": "G", "epoch": 3, "reason": "loss is nan"})
        if params["n"] > 40:
            return Outcome("ok", float("nan"), 1)  # a non-finite metric is a divergence too
        return Outcome("ok", -params["x"], 1)

    result = search(objective, SPACE, 20, seed=3)
    statuses = [t.status for t in result.trials]
    assert "diverged" in statuses and "ok" in statuses
    for trial in result.trials:
        if trial.params["x"] > 0.05 or trial.params["n"] > 40:
            assert trial.status == "diverged" and trial.score is None
    assert result.best.status == "ok" and result.best.params["x"] <= 0.05 and result.best.params["n"] <= 40
    assert result.best.score == max(t.score for t in result.trials if t.status == "ok")


def test_every_trial_diverged_makes_a_diverged_tuned_run(tmp_path):
    dataset = tiny_dataset()
    result = search(lambda p: Outcome("diverged", None, None, "nan"), {"l2": SPACE["x"]}, 3, seed=1)
    assert result.best is None
    settings = TuningSettings(seed=9, trials=3, systems=("ease",), spaces={"ease": {"l2": SPACE["x"]}})
    from irgan.jobs.tune import tuning_record

    record = tuning_record(result, "ease", dataset.name, {}, settings, 0.0, 0.0)
    assert record["best"] is None and record["budget"]["diverged"] == 3 and best_settings(record) is None
    run = train_tuned("ease", record, dataset, 1, "cpu", {}, tmp_path / "seed-1", {"config": {}})
    assert run["status"] == "diverged" and run["divergence"]["phase"] == "tuning"
    assert run["system"] == "ease-tuned"


# --------------------------------------------------------------------------- config checks


def test_a_tuning_seed_among_the_reporting_seeds_is_refused():
    config = default_config()
    config["tuning"]["seed"] = config["study"]["seeds"][1]
    with pytest.raises(ConfigError, match=r"key tuning\.seed: 2 is one of the reporting seeds study\.seeds"):
        validate_config(config, "my.yaml")


@pytest.mark.parametrize("space, expected", [
    ({"bpr": {"lrr": {"type": "float", "low": 0.01, "high": 0.1}}},
     r"^my\.yaml: key tuning\.spaces\.bpr\.lrr: unknown key \(did you mean lr\?\)"),
    ({"irgan": {"generator.positive_mix": {"type": "float", "low": 0.0, "high": 1.5}}},
     r"^my\.yaml: key tuning\.spaces\.irgan\.generator\.positive_mix: 1\.5 is not a valid value"),
    ({"irgan": {"reward": {"type": "categorical", "choices": ["2sigmoid-1", "adversarial"]}}},
     r"^my\.yaml: key tuning\.spaces\.irgan\.reward: 'adversarial' is not a valid value"),
    ({"ease": {"l2": {"type": "float", "low": 10.0, "high": 1.0}}},
     r"^my\.yaml: key tuning\.spaces\.ease\.l2: low \(10\.0\) must be below high \(1\.0\)"),
    ({"ease": {"l2": {"type": "float", "low": 1.0, "hi": 10.0}}},
     r"^my\.yaml: key tuning\.spaces\.ease\.l2: 'high' is a required property"),
    ({"itemknn": {"k": {"type": "int", "low": 0, "high": 10, "log": True}}},
     r"^my\.yaml: key tuning\.spaces\.itemknn\.k\.low: a log-scaled range needs low > 0"),
])
def test_a_space_outside_the_schema_is_one_error_naming_the_key(space, expected):
    config = default_config()
    for system, entries in space.items():
        config["tuning"]["spaces"][system] = entries
    with pytest.raises(ConfigError, match=expected):
        validate_config(config, "my.yaml")


def test_a_tuned_system_needs_a_space_and_the_default_config_is_valid():
    config = default_config()
    validate_config(copy.deepcopy(config), "config.yaml")
    del config["tuning"]["spaces"]["ease"]
    with pytest.raises(ConfigError, match=r"key tuning\.spaces\.ease: missing"):
        validate_config(config, "my.yaml")


def test_irgans_space_covers_what_the_comparison_needs():
    space = default_config()["tuning"]["spaces"]["irgan"]
    assert {"generator.lr", "discriminator.lr", "discriminator.temperature", "generator.positive_mix",
            "discriminator.epochs", "reward"} <= set(space)
    assert space["generator.lr"]["log"] and space["discriminator.lr"]["log"]
    assert {"2sigmoid-1", "softplus"} <= set(space["reward"]["choices"])


# --------------------------------------------------------------------------- end to end, small


def validation_p5_by_brute_force(dataset, scores: np.ndarray) -> float:
    """Validation P@5 computed independently: mask the fitted positives, rank (ties: higher item
    first, as the protocol), count hits among the top 5 of each user with validation positives."""
    fitted = dataset.training_positives("validation")
    held = dataset.validation_positives
    mask = np.zeros(scores.shape, dtype=bool)
    mask[fitted.users, fitted.items] = True
    relevant = {}
    for user, item in zip(held.users, held.items, strict=True):
        relevant.setdefault(int(user), set()).add(int(item))
    values = []
    for user, items in relevant.items():
        row = np.where(mask[user], -np.inf, scores[user])
        order = sorted(range(len(row)), key=lambda i: (-row[i], -i))[:5]
        values.append(sum(i in items for i in order) / 5)
    return float(np.mean(values))


def test_a_small_search_chooses_what_brute_force_says_is_best_on_validation():
    from baselines.ease import EASE

    dataset = tiny_dataset(n_users=60, n_items=50, seed=4)
    choices = [0.01, 3.0, 30.0, 3000.0]
    settings = TuningSettings(seed=5, trials=12, systems=("ease",),
                              spaces={"ease": {"l2": {"type": "categorical", "choices": choices}}})
    result = tune_system("ease", {}, dataset, settings, "cpu")
    assert {t.params["l2"] for t in result.trials} == set(choices)  # every choice was tried
    brute = {}
    for l2 in choices:
        model = EASE(l2=l2).fit(dataset, "validation")
        brute[l2] = validation_p5_by_brute_force(dataset, model.score(torch.arange(dataset.n_users)).numpy())
    assert len(set(brute.values())) > 1  # the space separates
    best = max(choices, key=lambda l2: (brute[l2], -choices.index(l2)))
    assert result.best.params["l2"] == best
    for trial in result.trials:
        assert trial.score == pytest.approx(brute[trial.params["l2"]], abs=1e-9)


def test_irgans_trials_score_their_selected_epoch_on_validation_and_never_read_test(synthetic_small):
    from irgan.train.dns import train_dns

    dataset = synthetic_small
    start = train_dns(dataset, "validation", {"epochs": 5, "lr": 0.05, "l2": 0.1, "candidates": 5,
                                              "model": {"dim": 5, "init_scale": 0.05}}, seed=9).selected
    base = copy.deepcopy(default_config()["irgan"]["defaults"])
    base |= {"generator_init": "dns", "outer_epochs": 2}
    base["discriminator"] |= {"epochs": 2}
    base["generator"] |= {"epochs": 3}
    space = {"generator.lr": {"type": "float", "low": 1e-3, "high": 0.05, "log": True},
             "reward": {"type": "categorical", "choices": ["2sigmoid-1", "softplus"]}}
    settings = TuningSettings(seed=9, trials=2, systems=("irgan",), spaces={"irgan": space})
    seen = []

    import irgan.train.irgan_pointwise as pointwise

    original = pointwise.train_irgan

    def spy(dataset, selection, settings, *args, **kwargs):
        seen.append((selection, list(settings["curve"]["splits"])))
        result = original(dataset, selection, settings, *args, **kwargs)
        seen[-1] += (result,)
        return result

    pointwise.train_irgan = spy
    try:
        result = tune_system("irgan", base, dataset, settings, "cpu", generator=start)
    finally:
        pointwise.train_irgan = original
    assert [(sel, splits) for sel, splits, _ in seen] == [("validation", ["validation"])] * 2
    for trial, (_, _, run) in zip(result.trials, seen, strict=True):
        assert trial.status == "ok" and trial.selected_epoch == run.selected_epoch
        curve = run.curve.frame()
        assert set(curve["split"]) == {"validation"}  # the test set is never evaluated
        best = curve[(curve["model"] == "G") & (curve["split"] == "validation")]["P@5"].max()
        assert trial.score == pytest.approx(best, abs=1e-6)


def test_run_tuning_writes_every_trial_and_the_best_with_its_budget(tmp_path):
    dataset = tiny_dataset(n_users=40, n_items=30, seed=2)
    settings = TuningSettings(seed=7, trials=4, systems=("itemknn",),
                              spaces={"itemknn": {"k": {"type": "int", "low": 2, "high": 20}}})
    outputs = {"trials_csv": tmp_path / "trials.csv", "trials_json": tmp_path / "trials.json",
               "best": tmp_path / "best.json"}
    record = run_tuning("itemknn", {"shrink": 0.0}, dataset, settings, "cpu", {}, outputs, {"config": {}})
    trials = pd.read_csv(outputs["trials_csv"])
    assert len(trials) == 4 and set(trials["status"]) == {"ok"}
    assert {"number", "score", "seconds", "cpu_seconds", "param.k"} <= set(trials.columns)
    best = json.loads(outputs["best"].read_text())
    assert best["budget"]["trials"] == 4 and best["budget"]["cpu_seconds"] > 0
    assert best["best"]["score"] == trials["score"].max()
    assert best["best"]["settings"] == {"shrink": 0.0, "k": best["best"]["params"]["k"]}
    assert json.loads(outputs["trials_json"].read_text())["trials"] == record["trials"]
    frame = budgets_frame([best])
    assert frame.loc[0, "tuned_system"] == "itemknn-tuned" and frame.loc[0, "trials"] == 4
    run = train_tuned("itemknn", best, dataset, 1, "cpu", {}, tmp_path / "run", {"config": {}})
    assert run["system"] == "itemknn-tuned" and run["selection"] == "validation"
    assert run["hyperparameters"]["k"] == best["best"]["params"]["k"]
    assert run["details"]["tuning"]["budget"]["trials"] == 4


# --------------------------------------------------------------------------- statistics


def test_the_equal_budget_family_is_separate_and_leaves_the_other_comparisons_as_they_were():
    spec = EqualBudget(system="irgan-tuned", systems=("*-tuned",), also=("irgan-code",))
    before = {"test": ["irgan-code", "irgan-fast", "bpr"], "validation": ["irgan-code", "irgan-fast", "bpr"]}
    after = {"test": before["test"], "validation": [*before["validation"], "irgan-tuned", "bpr-tuned",
                                                     "ease-tuned"]}
    families = {"schedule": {"systems": ["irgan-fast"]}}
    old = plan_comparisons(before, "irgan-code", families)
    new = plan_comparisons(after, "irgan-code", families, equal_budget=spec)
    assert [c for c in new if c.kind != "equal-budget"] == old
    budget = [(c.selection, c.system, c.reference) for c in new if c.kind == "equal-budget"]
    assert budget == [("validation", "irgan-tuned", "bpr-tuned"), ("validation", "irgan-tuned", "ease-tuned"),
                      ("validation", "irgan-tuned", "irgan-code")]
    assert holm_family_key("ds", "validation", "protocol", "equal-budget") == "ds/validation/equal-budget"
    assert holm_family_key("ds", "validation", "protocol", "ablation") == "ds/validation"
    assert holm_family_key("ds", "test", "dataset", "equal-budget") == "ds/equal-budget"
    assert tuned_name("bpr") == "bpr-tuned"


# --------------------------------------------------------------------------- the workflow


TINY = """
study: {datasets: [synthetic], seeds: [1, 2], variants: [code], baselines: [ease]}
results: results/tiny
datasets:
  synthetic: {kind: synthetic, seed: 3, n_users: 60, n_items: 50, density: 0.15, rank: 3,
              test_fraction: 0.2, rating_scale: [1, 5], positive_threshold: 4}
pretraining: {dns: {epochs: 3}, mle: {epochs: 3}}
irgan:
  defaults:
    outer_epochs: 1
    discriminator: {epochs: 2, lr: 0.02}
    generator: {epochs: 2, lr: 0.01}
  variants: {code: {selections: [validation]}}
baselines: {systems: [ease], selections: [validation]}
authors_code: {seeds: [], dns_seeds: []}
robustness: {in_study: false, datasets: [synthetic], systems: [irgan-code, ease], selections: [validation]}
tuning:
  seed: 99
  trials: 2
  systems: [irgan, ease]
"""


def test_the_workflow_writes_the_searches_and_the_tuned_runs(checkout):  # noqa: F811
    (checkout / "tiny.yaml").write_text(TINY)
    # the searches and tuned runs (target `tuned`) and the equal-budget table built on them, in one
    # Snakemake run: one DAG, the two cores kept busy across both, and the time limit the two runs had
    table_path = "results/tiny/synthetic/tables/equal_budget.md"
    run = snakemake(checkout, "--cores", "2", "tuned", table_path, "--configfile", "tiny.yaml", timeout=1200)
    assert run.returncode == 0, run.stderr[-3000:]
    root = checkout / "results" / "tiny" / "synthetic"
    for system in ("irgan", "ease"):
        for name in ("trials.csv", "trials.json", "best.json"):
            assert (root / "tuning" / system / name).is_file()
        best = json.loads((root / "tuning" / system / "best.json").read_text())
        assert best["budget"]["trials"] == 2 and best["seed"] == 99
        for seed in (1, 2):
            record = json.loads((root / "runs" / "validation" / f"{system}-tuned" / f"seed-{seed}" /
                                 "record.json").read_text())
            assert record["status"] == "ok" and record["seed"] == seed
            assert record["details"]["tuning"]["best"]["params"] == best["best"]["params"]
    irgan = json.loads((root / "tuning" / "irgan" / "best.json").read_text())
    # IRGAN starts from our DNS of the tuning seed
    assert irgan["start"]["generator"].endswith("runs/validation/dns/seed-99/model.pt")
    record = json.loads((root / "runs/validation/irgan-tuned/seed-1/record.json").read_text())
    assert record["hyperparameters"]["generator_init"] == "dns"
    table = (checkout / table_path).read_text()
    assert "irgan-tuned" in table and "ease-tuned" in table and "irgan-code" in table
    comparisons = pd.read_csv(root / "statistics" / "comparisons.csv")
    tuned = comparisons[comparisons["kind"] == "equal-budget"]
    assert set(tuned["reference"]) == {"ease-tuned", "irgan-code"}
    assert set(tuned["holm_family"]) == {"synthetic/validation/equal-budget"}
    others = comparisons[comparisons["kind"] != "equal-budget"]
    assert not (others["system"].str.endswith("-tuned") | others["reference"].str.endswith("-tuned")).any()


def budget_record(system: str, trials: int, cpu: float, score: float, params: dict) -> dict:
    return {"system": system, "tuned_system": tuned_name(system), "dataset": "synthetic", "metric": "P@5",
            "seed": 2026, "sampler": "optuna.samplers.TPESampler",
            "budget": {"trials": trials, "converged": trials - 1, "diverged": 1, "cpu_seconds": cpu,
                       "seconds": cpu * 2},
            "best": {"number": 3, "params": params, "score": score}}


def test_the_equal_budget_table_and_sentence_come_from_the_statistics(tmp_path):
    from irgan.analysis.statistics import (
        STATISTICS_FILES,
        StatisticsSettings,
        load_runs,
        run_statistics,
        write_statistics,
    )
    from irgan.report.paper import equal_budget_sentence
    from irgan.report.tables import equal_budget_table, read_statistics
    from tests.study_runs import DATASET, STATISTICS, make_study

    systems = {"irgan-code": 0.40, "irgan-tuned": 0.44, "bpr-tuned": 0.30, "lambdafm-tuned": 0.52,
               "bpr": 0.31}
    runs = load_runs(make_study(tmp_path / "runs", systems))
    config = {**STATISTICS, "equal_budget": {"system": "irgan-tuned", "systems": ["*-tuned"],
                                             "also": ["irgan-code"]}}
    settings = StatisticsSettings.from_config(config)
    budgets = budgets_frame([budget_record("irgan", 20, 300.0, 0.11,
                                           {"generator.lr": 0.002, "reward": "softplus"}),
                             budget_record("bpr", 20, 100.0, 0.09, {"dim": 16}),
                             budget_record("lambdafm", 20, 150.0, 0.12, {"rho": 0.05})])
    paths = {name: tmp_path / "statistics" / file for name, file in STATISTICS_FILES.items()}
    write_statistics(run_statistics(runs, settings, DATASET, budgets), paths)
    statistics = read_statistics(paths)
    comparisons = statistics["comparisons"]
    budget = comparisons[comparisons["kind"] == "equal-budget"]
    assert set(budget["reference"]) == {"bpr-tuned", "lambdafm-tuned", "irgan-code"}
    assert set(budget["system"]) == {"irgan-tuned"}
    assert set(budget["holm_family"]) == {f"{DATASET}/{rule}/equal-budget" for rule in ("test", "validation")}
    # no other comparison names a tuned system; the untuned bpr is still compared as before
    others = comparisons[comparisons["kind"] != "equal-budget"]
    for column in ("system", "reference"):
        assert not others[column].str.endswith("-tuned").any()
    assert ((others["system"] == "irgan-code") & (others["reference"] == "bpr")).any()

    table = equal_budget_table(statistics["summary"], comparisons, statistics["tuning"], settings, DATASET)
    data = table.data.set_index("system")
    assert list(data.index) == ["irgan-tuned", "bpr-tuned", "lambdafm-tuned", "irgan-code"]
    assert data.loc["irgan-tuned", "trials"] == 20 and data.loc["lambdafm-tuned", "cpu_seconds"] == 150.0
    assert data.loc["bpr-tuned", "best_validation"] == 0.09 and not data.loc["irgan-code", "tuned"]
    # the difference is irgan-tuned minus the system, paired over users (each user's seed mean)
    users = statistics["per_user_means"]
    users = users[users["selection"] == "validation"].pivot_table(index="user", columns="system",
                                                                   values="P@5")
    expected = float((users["irgan-tuned"] - users["bpr-tuned"]).mean())
    assert data.loc["bpr-tuned", "diff_vs_tuned_irgan"] == pytest.approx(expected, abs=1e-9)
    diffs = data["diff_vs_tuned_irgan"]
    assert diffs["lambdafm-tuned"] < 0 < diffs["bpr-tuned"]
    shown = table.sections[0][1].set_index("system")
    assert shown.loc["irgan-tuned", "best configuration"] == "generator.lr=0.002, reward=softplus"
    assert shown.loc["irgan-code", "trials"] == "untuned (its own constants)"

    sentence = equal_budget_sentence(statistics["summary"], comparisons, statistics["tuning"], settings)
    assert "20 configurations" in sentence and "`irgan` 300 s" in sentence
    assert "The strongest tuned baseline, `lambdafm-tuned`" in sentence
    significant = budget[(budget["selection"] == "validation") & (budget["metric"] == "P@5")
                         & budget["reference"].str.endswith("-tuned")]
    better = int(((significant["mean_diff"] > 0) & significant["significant"]).sum())
    worse = int(((significant["mean_diff"] < 0) & significant["significant"]).sum())
    assert (f"significantly better than {better} and significantly worse than {worse}") in sentence
    assert "What tuning buys IRGAN: `irgan-tuned` minus `irgan-code`" in sentence
