"""Robustness over splits: the re-split dataset kind, the config section and the statistics."""

from __future__ import annotations

import copy
import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from irgan.analysis.stat_tests import kendall_w, order_agreement, variance_components
from irgan.data.registry import prepare_dataset, read_train_test
from irgan.errors import ConfigError
from irgan.report.robustness import robustness_sentence, robustness_statistics, robustness_table, verdict
from irgan.study.config import load_config, validate_config
from irgan.study.robustness import datasets_of, registry, resplit_name, resplit_specs, runs
from irgan.study.variants import settings_for_run, start_of
from tests.conftest import VALIDATION


@pytest.fixture(scope="module")
def config() -> dict:
    return load_config()


def ml100k_files(mirror) -> dict:
    return {name: mirror / name for name in ("movielens-100k-train.txt", "movielens-100k-test.txt")}


def pairs_of(part) -> set[tuple[int, int]]:
    return set(zip(part.users.tolist(), part.items.tolist(), strict=True))


# --------------------------------------------------------------------------- the dataset kind


def test_the_authors_split_together_is_the_whole_of_movielens_100k(mirror, config):
    train, test, n_users, n_items, _ = read_train_test(
        "ml-100k-irgan", config["datasets"]["ml-100k-irgan"], ml100k_files(mirror)
    )
    assert len(train.users) + len(test.users) == 100_000
    assert len(pairs_of(train) | pairs_of(test)) == 100_000  # no (user, item) pair twice
    assert (n_users, n_items) == (943, 1683)


def test_a_resplit_is_disjoint_complete_and_per_user_proportional(mirror, config):
    spec = resplit_specs(config)["ml-100k-irgan-resplit-1"]
    base_train, base_test, *_ = read_train_test(
        "ml-100k-irgan", config["datasets"]["ml-100k-irgan"], ml100k_files(mirror)
    )
    dataset = prepare_dataset("ml-100k-irgan-resplit-1", spec, VALIDATION, ml100k_files(mirror))
    train, test = pairs_of(dataset.train), pairs_of(dataset.test)
    assert not train & test
    assert train | test == pairs_of(base_train) | pairs_of(base_test)
    assert len(dataset.train.users) == 80_000 and len(dataset.test.users) == 20_000
    # every rating keeps its value
    rating = {
        (u, i): r
        for part in (base_train, base_test)
        for u, i, r in zip(part.users.tolist(), part.items.tolist(), part.ratings.tolist(), strict=True)
    }
    assert all(
        rating[(u, i)] == r
        for u, i, r in zip(
            dataset.test.users.tolist(),
            dataset.test.items.tolist(),
            dataset.test.ratings.tolist(),
            strict=True,
        )
    )
    # per user, independently: round(0.2 * n_u) of the user's ratings in test
    per_user = pd.DataFrame(
        {
            "user": np.concatenate([dataset.train.users, dataset.test.users]),
            "test": np.r_[np.zeros(len(dataset.train.users)), np.ones(len(dataset.test.users))],
        }
    )
    counts = per_user.groupby("user")["test"].agg(["size", "sum"])
    assert (counts["sum"] == np.round(0.2 * counts["size"])).all()
    # positives at rating >= 4, the base's threshold; the validation carve as every dataset has it
    assert len(dataset.test_positives) == int((dataset.test.ratings >= 4).sum())
    assert dataset.meta["resplit_of"] == "ml-100k-irgan" and dataset.meta["split_seed"] == 1
    assert len(dataset.validation_positives) > 0
    assert (dataset.n_users, dataset.n_items) == (943, 1683)


def test_a_resplit_is_the_same_for_its_seed_and_differs_between_seeds(mirror, config):
    specs = resplit_specs(config)
    files = ml100k_files(mirror)
    first = prepare_dataset("a", specs["ml-100k-irgan-resplit-1"], VALIDATION, files)
    again = prepare_dataset("a", specs["ml-100k-irgan-resplit-1"], VALIDATION, files)
    other = prepare_dataset("b", specs["ml-100k-irgan-resplit-2"], VALIDATION, files)
    assert pairs_of(first.test) == pairs_of(again.test)
    assert np.array_equal(first.test.users, again.test.users) and np.array_equal(
        first.test.items, again.test.items
    )
    overlap = len(pairs_of(first.test) & pairs_of(other.test)) / 20_000
    assert overlap < 0.3  # independent 20 % draws share about 20 % of their test ratings
    authors_test = pairs_of(read_train_test("ml-100k-irgan", config["datasets"]["ml-100k-irgan"], files)[1])
    assert pairs_of(first.test) != authors_test


def test_a_resplit_publishes_no_released_start_so_the_reference_starts_from_our_dns(config):
    spec = registry(config)["ml-100k-irgan-resplit-3"]
    assert "released_checkpoints" not in spec and "released_checkpoints" not in spec["base_spec"]
    assert spec["base"] == "ml-100k-irgan" and spec["split_seed"] == 3
    base = config["datasets"]["ml-100k-irgan"]
    assert base["released_checkpoints"]  # the base keeps its own
    code = settings_for_run(config["irgan"], "code", spec, "test")
    assert code["generator_init"] == "dns"
    assert (
        start_of({"generator_init": "authors", "released_checkpoint": "model_dns_ori.pkl"}, base, "test")
        == "released"
    )
    assert (
        start_of({"generator_init": "authors", "released_checkpoint": "model_dns_ori.pkl"}, spec, "test")
        == "dns"
    )


def test_a_resplit_of_synthetic_data_needs_no_file():
    demo = load_config("config/demo.yaml")
    spec = resplit_specs(demo)["synthetic-resplit-1"]
    dataset = prepare_dataset("synthetic-resplit-1", spec, VALIDATION)
    base = prepare_dataset("synthetic", demo["datasets"]["synthetic"], VALIDATION)
    assert pairs_of(dataset.train) | pairs_of(dataset.test) == pairs_of(base.train) | pairs_of(base.test)
    assert not pairs_of(dataset.train) & pairs_of(dataset.test)


# --------------------------------------------------------------------------- the config section


def test_names_are_generated_from_the_section(config):
    names = list(resplit_specs(config))
    assert names == [resplit_name("ml-100k-irgan", s) for s in config["robustness"]["splits"]]
    assert names[0] == "ml-100k-irgan-resplit-1"
    assert datasets_of(config)[0] == "ml-100k-irgan" and datasets_of(config)[1:] == names
    section = config["robustness"]
    # a tuned system runs under the honest rule only, every other system under each rule of the section
    per_seed = sum(1 if system.endswith("-tuned") else len(section["selections"])
                   for system in section["systems"])
    assert len(runs(config)) == (len(names) + 1) * per_seed * len(section["seeds"])


def _with(config: dict, **robustness) -> dict:
    changed = copy.deepcopy(config)
    changed["robustness"] |= robustness
    return changed


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"datasets": ["ml-100k-nope"]},
            "key robustness.datasets names 'ml-100k-nope', which is not in datasets",
        ),
        ({"systems": ["irgan-code", "irgan-nope"]}, "key robustness.systems: unknown system(s) irgan-nope"),
        ({"systems": ["irgan-code", "pop", "pop"]}, "key robustness.systems"),
        ({"splits": [1]}, "key robustness.splits"),
        ({"selections": ["best"]}, "key robustness.selections.0"),
    ],
)
def test_a_bad_section_is_one_error_naming_the_key(config, change, expected):
    with pytest.raises(ConfigError) as error:
        validate_config(_with(config, **change), "my.yaml")
    assert str(error.value).startswith("my.yaml: ") and expected in str(error.value)
    assert "\n" not in str(error.value)


def test_a_generated_name_may_not_hide_a_registered_dataset(config):
    changed = copy.deepcopy(config)
    changed["datasets"]["ml-100k-irgan-resplit-2"] = copy.deepcopy(changed["datasets"]["synthetic"])
    with pytest.raises(ConfigError, match="generated dataset 'ml-100k-irgan-resplit-2' is already a key"):
        validate_config(changed, "my.yaml")


def test_a_released_start_variant_cannot_run_on_a_resplit(config):
    changed = copy.deepcopy(config)
    changed["irgan"]["variants"]["from-file"] = {"generator_init": "released", "selections": ["test"]}
    with pytest.raises(ConfigError, match="irgan-from-file starts from the released checkpoint"):
        validate_config(_with(changed, systems=["irgan-code", "irgan-from-file"]), "my.yaml")


def test_baselines_need_the_section_selections(config):
    changed = copy.deepcopy(config)
    changed["baselines"]["selections"] = ["validation"]
    with pytest.raises(
        ConfigError, match="key robustness.selections: test is not among baselines.selections"
    ):
        validate_config(changed, "my.yaml")


# --------------------------------------------------------------------------- the statistics


def test_variance_components_match_an_ols_anova_and_the_moment_formulas():
    rng = np.random.default_rng(3)
    groups = [rng.normal(0.35 + 0.01 * rng.normal(), 0.005, size=n) for n in (3, 3, 2, 3, 4)]
    vc = variance_components(groups)
    frame = pd.DataFrame(
        {"y": np.concatenate(groups), "g": np.repeat(np.arange(5), [len(g) for g in groups])}
    )
    anova = sm.stats.anova_lm(smf.ols("y ~ C(g)", frame).fit())
    assert vc.ms_between == pytest.approx(anova.loc["C(g)", "mean_sq"])
    assert vc.ms_within == pytest.approx(anova.loc["Residual", "mean_sq"])
    assert vc.f == pytest.approx(anova.loc["C(g)", "F"]) and vc.p == pytest.approx(
        anova.loc["C(g)", "PR(>F)"]
    )
    n = np.array([3, 3, 2, 3, 4])
    n0 = (n.sum() - (n**2).sum() / n.sum()) / 4
    assert vc.var_between == pytest.approx(max(0, (vc.ms_between - vc.ms_within) / n0))
    assert vc.sd_within == pytest.approx(math.sqrt(vc.ms_within))


def test_variance_components_by_hand_balanced():
    # groups (1, 3), (5, 7): means 2, 6; grand 4; SSB = 2*(4 + 4) = 16 (df 1); SSW = 2 + 2 = 4 (df 2)
    vc = variance_components([[1, 3], [5, 7]])
    assert (vc.ms_between, vc.ms_within, vc.n0) == (16.0, 2.0, 2.0)
    assert vc.var_between == 7.0 and vc.var_within == 2.0 and vc.icc == pytest.approx(7 / 9)
    assert vc.f == 8.0 and vc.p == pytest.approx(stats.f.sf(8.0, 1, 2))
    # between-split variance below the within-split one is floored at 0
    assert variance_components([[1, 5], [2, 4]]).var_between == 0.0


def test_variance_components_of_a_deterministic_system():
    vc = variance_components([[0.3, 0.3], [0.32, 0.32], [0.31, 0.31]])
    assert vc.var_within == 0 and vc.f == math.inf and vc.p == 0.0
    assert vc.sd_between == pytest.approx(0.01)
    assert variance_components([[0.3, 0.3], [0.3, 0.3]]).p == 1.0


def test_kendall_w_by_hand_and_as_friedman():
    # 3 raters agree perfectly on 4 objects: W = 1, chi2 = m (n - 1) = 9
    perfect = kendall_w(np.array([[1, 2, 3, 4]] * 3))
    assert perfect.w == pytest.approx(1.0) and perfect.chi2 == pytest.approx(9.0) and perfect.df == 3
    # two raters in opposite order: rank sums all 5, W = 0
    assert kendall_w(np.array([[1, 2, 3, 4], [4, 3, 2, 1]])).w == pytest.approx(0.0)
    rng = np.random.default_rng(0)
    values = rng.normal(size=(5, 6)).round(1)  # ties within raters
    ranks = np.array([stats.rankdata(-row) for row in values])
    w = kendall_w(ranks)
    friedman = stats.friedmanchisquare(*ranks.T)
    assert w.chi2 == pytest.approx(friedman.statistic) and w.p == pytest.approx(friedman.pvalue)
    # without ties W is the mean Spearman correlation, rescaled: (m - 1) r + 1 = m W
    ranks = np.array([rng.permutation(6) + 1 for _ in range(4)])
    rho = np.mean([stats.spearmanr(a, b).statistic for a, b in itertools.combinations(ranks, 2)])
    assert kendall_w(ranks).w == pytest.approx(((4 - 1) * rho + 1) / 4)


def test_order_agreement_counts_pairs_and_sign_tests():
    reference = [0.3, 0.2, 0.1]
    splits = np.array([[0.3, 0.2, 0.1], [0.3, 0.1, 0.2], [0.2, 0.2, 0.1], [0.25, 0.2, 0.21]])
    result = order_agreement(reference, splits)
    kept = {
        (int(a), int(b)): int(k) for a, b, k in zip(result.first, result.second, result.kept, strict=True)
    }
    assert kept == {(0, 1): 3, (0, 2): 4, (1, 2): 2}  # a tie (split 3, pair 0-1) does not keep the order
    pairs = zip(result.first.tolist(), result.second.tolist(), strict=True)
    p = dict(zip(pairs, result.p, strict=True))
    assert p[(0, 2)] == pytest.approx(1 / 16) and p[(0, 1)] == pytest.approx(5 / 16)
    assert p[(1, 2)] == pytest.approx(stats.binomtest(2, 4, 0.5, alternative="greater").pvalue)


def synthetic_seed_metrics() -> pd.DataFrame:
    """Seed means of 3 systems on the authors' split and 3 re-splits, 3 seeds each: `a` best
    everywhere, `b` and `c` swap on one re-split; `c` deterministic."""
    rows = []
    level = {"a": 0.40, "b": 0.35, "c": 0.34}
    shift = {"base": 0.0, "base-resplit-1": 0.01, "base-resplit-2": -0.01, "base-resplit-3": 0.0}
    swap = {"base-resplit-3": {"b": 0.33}}
    for dataset, s in shift.items():
        for system, value in level.items():
            value = swap.get(dataset, {}).get(system, value) + s
            for seed, noise in zip((1, 2, 3), (-0.002, 0.0, 0.002), strict=True):
                rows.append(
                    {
                        "dataset": dataset,
                        "selection": "validation",
                        "system": system,
                        "seed": seed,
                        "metric": "P@5",
                        "value": value + (0 if system == "c" else noise),
                    }
                )
    return pd.DataFrame(rows)


def test_robustness_statistics_on_hand_made_splits():
    splits = ["base-resplit-1", "base-resplit-2", "base-resplit-3"]
    result = robustness_statistics(
        synthetic_seed_metrics(), {"base": splits}, ["a", "b", "c"], ["validation"], ["P@5"]
    )
    systems = result["systems"].set_index("system")
    assert systems.loc["a", "mean"] == pytest.approx(0.40) and systems.loc[
        "a", "authors_split"
    ] == pytest.approx(0.40)
    assert systems.loc["a", "split_ranks"] == "1 1 1" and systems.loc["b", "split_ranks"] == "2 2 3"
    assert systems.loc["c", "authors_rank"] == 3 and systems.loc["c", "sd_within"] == 0
    # `a`: split means 0.41, 0.39, 0.40 (SD 0.01); seeds +-0.002 around them (SD 0.002)
    assert systems.loc["a", "sd_within"] == pytest.approx(0.002)
    assert systems.loc["a", "var_between"] == pytest.approx(0.01**2 - 0.002**2 / 3)
    concordance = result["concordance"].iloc[0]
    expected = kendall_w(np.array([[1, 2, 3], [1, 2, 3], [1, 3, 2]]))
    assert concordance["w"] == pytest.approx(expected.w) and concordance["n_pairs"] == 3
    assert concordance["pairs_kept_always"] == 2
    pairs = result["pairs"].set_index(["higher", "lower"])
    assert pairs.loc[("b", "c"), "kept"] == 2 and pairs.loc[("a", "c"), "kept"] == 3
    users = {"base": 456, "base-resplit-1": 929, "base-resplit-2": 931, "base-resplit-3": 929}
    table = robustness_table(result, [1, 2, 3], "the authors' split", users)
    assert table.name == "robustness" and len(table.sections) == 1
    assert list(table.sections[0][1]["system"]) == ["`a`", "`b`", "`c`"]
    assert "authors' split" in table.sections[0][1].columns
    assert "(456 users are evaluated on it, 929 to 931 on the re-splits)" in table.notes[0]
    sentence = robustness_sentence(result, "a", 0.05, [1, 2, 3], "the authors' split")
    assert f"Kendall's W over the 3 re-splits = {expected.w:.2f}" in sentence
    assert "`a` ranks 1st on the authors' split" in sentence and "1st on the re-splits" in sentence
    assert "2 of 3 pairs of systems keep their order on the authors' split on every re-split" in sentence
    # 3 re-splits: a sign test cannot go below 1/8, and says so instead of testing
    assert "cannot go below p = 0.125" in sentence
    assert "The 1 system that gives the same value for every seed (`c`)" in sentence


def test_the_verdict_follows_w_and_its_test():
    assert verdict(0.9, 0.001, 0.05) == "holds"
    assert verdict(0.6, 0.001, 0.05) == "holds in part"
    assert verdict(0.9, 0.2, 0.05) == "agrees, but too few splits to show it"
    assert verdict(0.6, 0.2, 0.05) == "does not hold"
    assert verdict(math.nan, math.nan, 0.05) == "does not hold"


def test_the_sentence_says_when_nothing_ran():
    empty = {"systems": pd.DataFrame(), "concordance": pd.DataFrame(), "pairs": pd.DataFrame()}
    assert robustness_sentence(empty, "a", 0.05, [1]) == "The robustness over splits did not run."
    assert json.dumps(robustness_sentence(empty, "a", 0.05, [1]))


def test_a_tuned_system_is_known_through_tuning_and_runs_under_the_honest_rule_only(config):
    from irgan.study.robustness import check
    from irgan.study.variants import known_systems

    changed = _with(config, systems=["irgan-code", "irgan-tuned", "pop"])
    changed["tuning"] = {**(changed.get("tuning") or {}), "systems": []}  # no search defines it
    with pytest.raises(ConfigError, match=r"unknown system\(s\) irgan-tuned"):
        check(changed, "my.yaml")  # no search defines it
    changed["tuning"] = {"systems": ["irgan", "ease"]}
    assert {"irgan-tuned", "ease-tuned"} <= set(known_systems(changed))
    check(changed, "my.yaml")
    planned = runs(changed)
    tuned = {(selection, dataset) for dataset, selection, system, _ in planned if system == "irgan-tuned"}
    assert {selection for selection, _ in tuned} == {"validation"} and len(tuned) == 6
    assert {selection for _, selection, system, _ in planned if system == "irgan-code"} == {
        "test",
        "validation",
    }


def test_the_draft_shows_the_robustness_once_it_has_run():
    from irgan.report.paper import NO_ROBUSTNESS, robustness_values

    assert robustness_values(None) == {
        "robustness_sentence": NO_ROBUSTNESS,
        "robustness_section": NO_ROBUSTNESS,
    }
    values = robustness_values(
        {
            "sentence": "It holds.",
            "table": "### Robustness\n\n| a |\n|---|\n| 1 |\n",
            "figure": "../robustness/x/figures/robustness.png",
            "figure_pdf": "../robustness/x/figures/robustness.pdf",
        }
    )
    assert values["robustness_sentence"] == "It holds."
    section = values["robustness_section"]
    assert (
        section.startswith("It holds.\n\n### Robustness")
        and "(../robustness/x/figures/robustness.png)" in section
    )
    assert "[PDF](../robustness/x/figures/robustness.pdf)" in section


def test_the_plan_counts_a_tuned_systems_search_on_each_split(config):
    from irgan.study.plan import robustness_jobs

    changed = _with(config, systems=["irgan-code", "irgan-tuned", "pop"])
    changed["tuning"] = {"systems": ["irgan"], "trials": 20}
    jobs = robustness_jobs(changed)
    searches = [job for job in jobs if job.name == "search irgan"]
    tuned = [job for job in jobs if job.name == "irgan-tuned"]
    # the base dataset's search and tuned runs are the study's own jobs: only the 5 re-splits add
    # theirs, each with the DNS of the tuning seed that its search starts from
    assert {job.dataset for job in searches} == set(datasets_of(changed)[1:]) and len(searches) == 5
    assert len(tuned) == 5 * 3  # honest rule only, 3 seeds, the 5 re-splits
    assert len([job for job in jobs if job.name == "pretrain dns (tuning seed)"]) == 5
    assert searches[0].seconds == pytest.approx(20 * tuned[0].seconds)
