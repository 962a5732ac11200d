"""The claims ledger and the confirmatory design: the verdict rules on hand-made statistics, the
confirmatory Holm and exploratory Benjamini-Hochberg families against statsmodels and a hand-made
BH, the detectable effect against statsmodels' power classes and a simulation, the claims' tests
over seeds against scipy, the config's claims, and the files the ledger writes."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestPower

from irgan.analysis.claims import (
    INCONCLUSIVE,
    LEDGER_COLUMNS,
    NOT_REPRODUCED,
    ONLY_TEST_SELECTION,
    OUTCOMES,
    REPRODUCED,
    VERDICT_RULES,
    VERDICTS,
    ledger,
    outcome,
)
from irgan.analysis.stat_tests import bh_adjust, detectable_difference, family_level
from irgan.analysis.statistics import (
    STATISTICS_FILES,
    StatisticsSettings,
    claims_from_config,
    load_runs,
    per_user_means,
    run_statistics,
    seed_metrics,
    selection_optimism,
    write_statistics,
)
from irgan.errors import ConfigError
from irgan.published import METRICS, TABLE3_ML100K
from irgan.study.config import load_config
from tests.study_runs import STATISTICS, make_study
from tests.test_workflow import checkout, snakemake  # noqa: F401  (fixture and runner)

PUBLISHED = "ml-100k-irgan"
SYSTEMS = {"irgan-code": 0.40, "irgan-pretrain-none": 0.30, "irgan-reward-softplus": 0.395,
           "irgan-reward-sigmoid": 0.33, "irgan-frozen-d": 0.36, "mle": 0.30, "bpr": 0.31, "lambdafm": 0.36,
           "dns": 0.35}
CLAIMS = load_config()["statistics"]["claims"]
SETTINGS = StatisticsSettings.from_config({**STATISTICS, "claims": CLAIMS})


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A study on the paper's split (published figures apply), run with the config's claims."""
    runs = load_runs(make_study(tmp_path_factory.mktemp("claims"), SYSTEMS, dataset=PUBLISHED))
    return runs, run_statistics(runs, SETTINGS, PUBLISHED)


# --------------------------------------------------------------------------- the contract


def test_the_ledger_has_the_columns_the_paper_draft_reads():
    assert LEDGER_COLUMNS == [
        "claim_id", "claim", "source", "kind", "metric", "system", "comparator", "direction", "published",
        "effect_paper", "low_paper", "high_paper", "p_adjusted_paper", "detectable_paper",
        "effect_honest", "low_honest", "high_honest", "p_adjusted_honest", "detectable_honest",
        "test", "family", "verdict", "cause", "made_of", "reason"]


def test_every_pair_of_outcomes_has_one_verdict_of_the_vocabulary():
    assert set(VERDICT_RULES) == {(p, h) for p in OUTCOMES for h in OUTCOMES}
    assert set(VERDICT_RULES.values()) == set(VERDICTS)
    assert VERDICTS == (REPRODUCED, NOT_REPRODUCED, ONLY_TEST_SELECTION, INCONCLUSIVE)
    assert {p for (p, h), v in VERDICT_RULES.items() if h == "supported"} == set(OUTCOMES)  # honest decides
    assert VERDICT_RULES[("supported", "contradicted")] == ONLY_TEST_SELECTION
    assert VERDICT_RULES[("supported", "missing")] == ONLY_TEST_SELECTION
    assert VERDICT_RULES[("contradicted", "undecided")] == NOT_REPRODUCED
    assert VERDICT_RULES[("undecided", "undecided")] == INCONCLUSIVE


def _test(diff: float, p_adjusted: float, detectable: float, half_width: float = 0.004) -> pd.Series:
    return pd.Series({"mean_diff": diff, "p_adjusted": p_adjusted, "detectable_effect": detectable,
                      "boot_low": diff - half_width, "boot_high": diff + half_width})


@pytest.mark.parametrize(("row", "direction", "expected"), [
    (_test(0.02, 0.01, 0.015), "greater", "supported"),
    (_test(-0.02, 0.01, 0.015), "greater", "contradicted"),  # significant the other way
    (_test(-0.02, 0.01, 0.015), "less", "supported"),
    (_test(0.004, 0.40, 0.008), "greater", "contradicted"),  # an effect of 0.01 would have shown
    (_test(0.004, 0.40, 0.030), "greater", "undecided"),  # the design cannot see 0.01
    (_test(0.004, math.nan, 0.030), "greater", "missing"),
    (None, "greater", "missing"),
    # equality: two one-sided tests on the interval, against +-0.01
    (_test(0.03, 0.001, 0.008), "equal", "contradicted"),  # [0.026, 0.034]: wholly beyond 0.01
    (_test(0.012, 0.001, 0.008), "equal", "undecided"),  # [0.008, 0.016]: significant, not wholly beyond
    (_test(0.005, 0.001, 0.004), "equal", "supported"),  # [0.001, 0.009]: differs, but by less than 0.01
    (_test(0.002, 0.70, 0.009), "equal", "supported"),  # [-0.002, 0.006]: within the band
    (_test(0.002, 0.70, 0.009, half_width=0.012), "equal", "undecided"),  # n.s. is no evidence of equality
    (_test(-0.004, 0.70, 0.020, half_width=0.008), "equal", "undecided"),  # [-0.012, 0.004]
    (_test(0.002, 0.70, 0.009, half_width=math.nan), "equal", "undecided"),
])
def test_what_one_protocol_says_of_a_claim(row, direction, expected):
    assert outcome(row, direction, 0.01, 0.05)[0] == expected


# --------------------------------------------------------------------------- the ledger, hand-made statistics


def _summary(rows):
    return pd.DataFrame([{"dataset": "d", "selection": sel, "system": system, "metric": "P@5", "mean": mean,
                          "sd": 0.01, "ci_low": mean - 0.01, "ci_high": mean + 0.01, "n_seeds": 3,
                          "n_runs": 3, "n_diverged": 0} for sel, system, mean in rows])


def _comparison(selection, system, reference, diff, p_adjusted, detectable=0.008, kind="irgan-vs-baseline",
                family=""):
    return {"dataset": "d", "kind": kind, "ablation_family": family, "selection": selection, "system": system,
            "reference": reference, "metric": "P@5", "mean_diff": diff, "boot_low": diff - 0.005,
            "boot_high": diff + 0.004, "p": p_adjusted / 3, "p_holm": p_adjusted, "p_adjusted": p_adjusted,
            "significant": p_adjusted < 0.05, "correction": "holm", "confirmatory": True,
            "family": f"d/{selection}/confirmatory", "family_size": 6, "detectable_effect": detectable,
            "d_z": diff * 10, "t": diff * 100}


HAND_CLAIMS = [
    {"id": "holds", "claim": "a beats b.", "source": "Table 3", "kind": "difference", "system": "irgan-a",
     "comparator": "b", "metric": "P@5", "direction": "greater"},
    {"id": "test-only", "claim": "a beats c.", "source": "Table 3", "kind": "difference", "system": "irgan-a",
     "comparator": "c", "metric": "P@5", "direction": "greater"},
    {"id": "fails", "claim": "a beats e.", "source": "Table 3", "kind": "difference", "system": "irgan-a",
     "comparator": "e", "metric": "P@5", "direction": "greater"},
    {"id": "weak", "claim": "a beats f.", "source": "this study", "kind": "difference", "system": "irgan-a",
     "comparator": "f", "metric": "P@5", "direction": "greater"},
    {"id": "flipped", "claim": "b beats a.", "source": "this study", "kind": "difference", "system": "b",
     "comparator": "irgan-a", "metric": "P@5", "direction": "less"},
    {"id": "start", "claim": "a beats its start.", "source": "Algorithm 1", "kind": "difference",
     "system": "irgan-a", "comparator": ["start-released", "start"], "metric": "P@5", "direction": "greater"},
    {"id": "absent", "claim": "a beats z.", "source": "this study", "kind": "difference", "system": "irgan-a",
     "comparator": "z", "metric": "P@5", "direction": "greater"},
    {"id": "published", "claim": "a's figure.", "source": "Table 3", "kind": "published", "system": "irgan-a",
     "metric": "P@5", "direction": "equal"},
]


@pytest.fixture(scope="module")
def hand_ledger():
    """Paper protocol (test) and honest protocol (validation) tests made by hand, one story per claim."""
    systems = ["irgan-a", "irgan-a-ablated", "b", "c", "e", "f", "start"]
    summary = _summary([(sel, s, 0.3) for sel in ("test", "validation") for s in systems]
                       + [("test", "start-released", 0.3)])
    rows = [
        _comparison("test", "irgan-a", "b", 0.03, 0.001),
        _comparison("validation", "irgan-a", "b", 0.02, 0.004),
        _comparison("test", "irgan-a", "c", 0.02, 0.003),
        _comparison("validation", "irgan-a", "c", 0.003, 0.6, detectable=0.02),
        _comparison("test", "irgan-a", "e", -0.01, 0.2, detectable=0.02),
        _comparison("validation", "irgan-a", "e", -0.02, 0.01),
        _comparison("test", "irgan-a", "f", 0.004, 0.5, detectable=0.02),
        _comparison("validation", "irgan-a", "f", 0.004, 0.5, detectable=0.03),
        _comparison("test", "irgan-a", "start-released", 0.02, 0.01),
        _comparison("validation", "irgan-a", "start", 0.001, 0.9, detectable=0.006),
        # an ablation of irgan-a: it does not beat b, so it removes the effect of the first claim
        _comparison("validation", "irgan-a-ablated", "irgan-a", -0.02, 0.01, kind="ablation", family="x"),
        _comparison("validation", "irgan-a-ablated", "b", 0.0, 0.9, detectable=0.006),
    ]
    settings = StatisticsSettings.from_config({"claims": HAND_CLAIMS, "reference": "irgan-a"})
    frame = ledger({"summary": summary, "comparisons": pd.DataFrame(rows)}, settings, "d")
    return frame.set_index("claim_id")


def test_the_verdicts_follow_the_rules(hand_ledger):
    verdicts = hand_ledger["verdict"].to_dict()
    assert verdicts == {"holds": REPRODUCED, "test-only": ONLY_TEST_SELECTION, "fails": NOT_REPRODUCED,
                        "weak": INCONCLUSIVE, "flipped": REPRODUCED, "start": ONLY_TEST_SELECTION,
                        "absent": INCONCLUSIVE}
    assert "published" not in hand_ledger.index  # no published figure for dataset d
    assert (hand_ledger["family"] == "confirmatory").all()


def test_a_claim_stated_the_other_way_round_reads_the_test_flipped(hand_ledger):
    row = hand_ledger.loc["flipped"]
    assert row["effect_honest"] == pytest.approx(-0.02)
    assert (row["low_honest"], row["high_honest"]) == pytest.approx((-0.024, -0.015))
    assert row["p_adjusted_honest"] == pytest.approx(0.004) and row["comparator"] == "irgan-a"


def test_a_comparator_list_takes_the_first_that_ran_under_each_rule(hand_ledger):
    row = hand_ledger.loc["start"]
    assert row["comparator"] == "start-released; start"
    assert row["effect_paper"] == pytest.approx(0.02) and row["effect_honest"] == pytest.approx(0.001)
    assert "`irgan-a` − `start-released` = +0.0200" in row["reason"]
    assert "`irgan-a` − `start` = +0.0010" in row["reason"]


def test_the_reason_and_the_cause_are_generated_from_the_tests(hand_ledger):
    holds = hand_ledger.loc["holds"]
    assert holds["reason"].startswith("Under the paper protocol `irgan-a` − `b` = +0.0300 (95% interval "
                                      "+0.0250 to +0.0340), Holm p = 0.0010 among 6 tests: significant in "
                                      "the claimed direction; under the honest protocol")
    assert holds["reason"].endswith("against the smallest difference that matters (0.0100): reproduced.")
    assert holds["cause"] == "irgan-a-ablated"  # without what it removes, irgan-a no longer beats b
    weak = hand_ledger.loc["weak"]["reason"]
    assert "not significant, and the design detects only 0.0300, more than 0.0100" in weak
    assert hand_ledger.loc["fails"]["cause"] == ""
    assert "`z` was not run" in hand_ledger.loc["absent"]["reason"]
    assert math.isnan(hand_ledger.loc["absent"]["effect_honest"])


# --------------------------------------------------------------------------- the design on a study


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg by hand: p_(i) m / i, made monotone from the largest down, at most 1."""
    m = len(p)
    order = np.argsort(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def test_the_claims_on_the_primary_metric_are_one_holm_family_per_rule(study):
    _, statistics = study
    comparisons = statistics["comparisons"]
    confirmatory = comparisons[comparisons["confirmatory"]]
    assert set(confirmatory["metric"]) == {"P@5"}
    rules = ("test", "validation")
    assert set(confirmatory["family"]) == {f"{PUBLISHED}/{rule}/confirmatory" for rule in rules}
    honest = confirmatory[confirmatory["selection"] == "validation"]
    assert set(zip(honest["kind"], honest["system"], honest["reference"], strict=True)) == {
        ("irgan-vs-baseline", "irgan-code", "mle"), ("irgan-vs-baseline", "irgan-code", "bpr"),
        ("irgan-vs-baseline", "irgan-code", "lambdafm"),
        ("irgan-vs-baseline", "irgan-code", "dns"),  # the reference's start (dns-released did not run)
        ("ablation", "irgan-reward-softplus", "irgan-code"),
        ("ablation", "irgan-pretrain-none", "irgan-code"),
        ("published", "irgan-code", "published"), ("published", "mle", "published"),
        ("published", "bpr", "published"), ("published", "lambdafm", "published"),
        ("optimism", "irgan-code", "irgan-code")}
    for _, family in confirmatory.groupby("family"):
        reject, adjusted, _, _ = multipletests(family["p"], alpha=0.05, method="holm")
        assert family["p_adjusted"].to_numpy() == pytest.approx(adjusted)
        assert (family["significant"].to_numpy() == reject).all()
        assert (family["correction"] == "holm").all() and (family["family_size"] == len(family)).all()


def test_every_other_test_is_exploratory_with_bh_within_its_family(study):
    _, statistics = study
    comparisons = statistics["comparisons"]
    exploratory = comparisons[~comparisons["confirmatory"]]
    assert (exploratory["correction"] == "bh").all()
    assert f"{PUBLISHED}/validation/ablation/reward" in set(exploratory["family"])
    assert f"{PUBLISHED}/test-vs-validation/protocol" in set(exploratory["family"])
    for name, family in exploratory.groupby("family"):
        assert family["p_adjusted"].to_numpy() == pytest.approx(_bh(family["p"].to_numpy())), name
        assert (family["significant"] == (family["p_adjusted"] <= 0.05)).all()
        kinds = set(family["kind"])
        assert len(kinds) == 1 and (len(set(family["ablation_family"])) == 1), name
    ours, _ = bh_adjust([0.01, 0.04, 0.03, np.nan], 0.05)
    assert ours[:3] == pytest.approx(_bh(np.array([0.01, 0.04, 0.03]))) and math.isnan(ours[3])


def test_the_detectable_effect_matches_statsmodels_power():
    for n, level in ((10, 0.05), (60, 0.05 / 12), (456, 0.005)):
        d = TTestPower().solve_power(effect_size=None, nobs=n, alpha=level, power=0.8)
        assert detectable_difference(0.2, n, level) == pytest.approx(0.2 * d, rel=1e-4)
    # a few seeds: statsmodels' two-sided solver fails there (scipy's far lower tail is NaN); the
    # upper tail alone, which is all the power there is, gives it
    d = detectable_difference(1.0, 3, 0.01)
    assert TTestPower().power(d, 3, 0.005, alternative="larger") == pytest.approx(0.8, abs=1e-6)
    assert detectable_difference(0.0, 5, 0.05) == 0.0 and math.isnan(detectable_difference(0.1, 1, 0.05))
    assert family_level("holm", 0.05, 10, 4) == pytest.approx(0.005)
    assert family_level("bh", 0.05, 10, 4) == pytest.approx(0.02)
    assert family_level("bh", 0.05, 10, 0) == pytest.approx(0.005)


def test_the_detectable_effect_has_the_power_it_claims_in_a_simulation():
    n, level, sd = 20, 0.01, 0.3
    delta = detectable_difference(sd, n, level)
    x = np.random.default_rng(5).normal(delta, sd, (40_000, n))
    p = stats.ttest_1samp(x, 0.0, axis=1).pvalue
    assert (p < level).mean() == pytest.approx(0.8, abs=0.01)


def test_a_comparisons_detectable_effect_adds_the_seed_variance_to_the_users(study):
    runs, statistics = study
    comparisons = statistics["comparisons"]
    row = comparisons.query("selection == 'validation' and kind == 'irgan-vs-baseline' and "
                            "system == 'irgan-code' and reference == 'bpr' and metric == 'P@5'").iloc[0]
    means = per_user_means(runs).query("selection == 'validation'")
    users = (means[means["system"] == "irgan-code"].set_index("user")["P@5"]
             - means[means["system"] == "bpr"].set_index("user")["P@5"])
    seeds = seed_metrics(runs).query("selection == 'validation' and metric == 'P@5'")
    seed_var = sum(seeds[seeds["system"] == s]["value"].var(ddof=1) / 3 for s in ("irgan-code", "bpr"))
    n = len(users)
    sd = math.sqrt(users.std(ddof=1) ** 2 + n * seed_var)
    level = 0.05 / row["family_size"]  # Holm: the claim is confirmatory
    expected = TTestPower().solve_power(effect_size=None, nobs=n, alpha=level, power=0.8) * sd
    assert row["detectable_effect"] == pytest.approx(expected, rel=1e-4)
    bh = comparisons.query("selection == 'validation' and kind == 'ablation' and ablation_family == 'reward' "
                           "and system == 'irgan-reward-sigmoid' and metric == 'NDCG@5'").iloc[0]
    family = comparisons[comparisons["family"] == bh["family"]]
    level = 0.05 * max(int(family["significant"].sum()), 1) / len(family)
    assert bh["detectable_effect"] > 0 and bh["correction"] == "bh"
    ratio = bh["detectable_effect"] / TTestPower().solve_power(None, nobs=n, alpha=level, power=0.8)
    assert ratio >= bh["sd_diff"] - 1e-12  # the seed variance only adds


def test_the_claims_tests_over_seeds_are_one_sample_t_tests(study):
    runs, statistics = study
    comparisons = statistics["comparisons"]
    seeds = seed_metrics(runs)
    published = TABLE3_ML100K["IRGAN-pointwise"][METRICS.index("P@3")]
    row = comparisons.query("kind == 'published' and selection == 'test' and metric == 'P@3'").iloc[0]
    values = seeds.query("selection == 'test' and system == 'irgan-code' and metric == 'P@3'")["value"]
    assert row["mean_reference"] == published and row["mean_diff"] == pytest.approx(values.mean() - published)
    assert row["p"] == pytest.approx(stats.ttest_1samp(values, published).pvalue)
    assert not row["confirmatory"] and row["family"] == f"{PUBLISHED}/test/published"  # not P@5
    optimism = selection_optimism(runs).query("selection == 'validation' and system == 'irgan-code'")
    optimism = optimism["optimism"]
    row = comparisons.query("kind == 'optimism'").iloc[0]
    assert row["mean_diff"] == pytest.approx(optimism.mean())
    assert row["p"] == pytest.approx(stats.ttest_1samp(optimism, 0.0).pvalue)
    assert comparisons.query("kind == 'optimism' and selection == 'test'").empty  # 0 by construction


def test_the_ledger_of_the_papers_data_sets_each_published_figure_beside_ours(study):
    _, statistics = study
    frame = ledger(statistics, SETTINGS, PUBLISHED).set_index("claim_id")
    assert list(frame.index) == [claim.id for claim in SETTINGS.claims]
    assert set(frame["verdict"]) <= set(VERDICTS)
    assert frame.loc["irgan-published-P@5", "published"] == TABLE3_ML100K["IRGAN-pointwise"][1]
    assert frame.loc["irgan-beats-mle", "published"] == pytest.approx(
        TABLE3_ML100K["IRGAN-pointwise"][1] - TABLE3_ML100K["MLE"][1])
    assert math.isnan(frame.loc["pre-training-needed", "published"])
    assert frame.loc["irgan-published-NDCG@5", "family"] == "exploratory"
    comparisons = statistics["comparisons"]
    mle = comparisons.query("selection == 'test' and kind == 'irgan-vs-baseline' and system == 'irgan-code' "
                            "and reference == 'mle' and metric == 'P@5'").iloc[0]
    assert frame.loc["irgan-beats-mle", "p_adjusted_paper"] == mle["p_adjusted"]
    assert frame.loc["irgan-beats-mle", "detectable_paper"] == mle["detectable_effect"]
    assert math.isnan(frame.loc["tuned-baseline-beats-irgan", "effect_honest"])  # not run here
    elsewhere = ledger(statistics, SETTINGS, "synthetic")  # no published figure: those claims drop out
    assert not (elsewhere["kind"] == "published").any() and len(elsewhere) == 8


# --------------------------------------------------------------------------- the config's claims


def test_the_configs_claims_cover_the_papers_and_the_studys():
    claims = {c.id: c for c in SETTINGS.claims}
    for baseline in ("mle", "bpr", "lambdafm"):
        assert claims[f"irgan-beats-{baseline}"].comparator == (baseline,)
    metrics = ("P@3", "P@5", "P@10", "NDCG@3", "NDCG@5", "NDCG@10")
    assert {f"irgan-published-{m}" for m in metrics} <= set(claims)
    assert claims["adversarial-phase-improves-start"].comparator == SETTINGS.starting_point
    assert claims["paper-reward-is-trained"].system == "irgan-reward-softplus"
    assert claims["test-selection-inflates"].kind == "optimism"
    assert SETTINGS.correction == "confirmatory"
    demo = StatisticsSettings.from_config(load_config("config/demo.yaml")["statistics"])
    assert demo.claims == StatisticsSettings.from_config(load_config()["statistics"]).claims


@pytest.mark.parametrize(("section", "message"), [
    ({"claims": [CLAIMS[0], CLAIMS[0]]}, r"claims\[1\].id: 'irgan-beats-mle' is the id of another"),
    ({"claims": [{**CLAIMS[0], "direction": "up"}]}, r"claims\[0\].direction: a difference claim states"),
    ({"claims": [{**CLAIMS[0], "comparator": None}]}, r"claims\[0\].comparator: a difference claim names"),
    ({"claims": [{**CLAIMS[0], "metric": "P@7"}]}, r"claims\[0\].metric: 'P@7' is not a metric"),
    ({"claims": [{k: v for k, v in CLAIMS[0].items() if k != "source"}]}, r"claims\[0\]: missing source"),
    ({"claims": [{"id": "o", "claim": "c", "source": "s", "kind": "optimism", "system": "irgan-code",
                  "metric": "NDCG@5", "direction": "greater"}]}, r"optimism of test selection is measured"),
    ({"correction": "bonferroni"}, r"statistics.correction: 'bonferroni' is not one of confirmatory"),
])
def test_a_bad_claim_is_one_error_naming_its_key(section, message):
    with pytest.raises(ConfigError, match=message):
        StatisticsSettings.from_config(section)


def test_a_claim_over_several_metrics_is_one_claim_per_metric():
    claims = claims_from_config([{**CLAIMS[0], "metric": ["P@3", "NDCG@3"]}])
    assert [c.id for c in claims] == ["irgan-beats-mle-P@3", "irgan-beats-mle-NDCG@3"]
    assert [c.metric for c in claims] == ["P@3", "NDCG@3"]


# --------------------------------------------------------------------------- the files


def test_the_rule_writes_the_ledger_and_its_figure_and_the_report_opens_on_them(checkout, study):  # noqa: F811
    """Rule claims, as the workflow runs it, on statistics written where the statistics rule puts
    them: every format of the table and the figure, the CSV with the paper draft's columns, and the
    report's first category and first page naming the ledger."""
    _, statistics = study
    directory = checkout / "results" / PUBLISHED
    write_statistics({k: statistics[k] for k in ("summary", "comparisons")},
                     {k: directory / "statistics" / STATISTICS_FILES[k] for k in ("summary", "comparisons")})
    for name in ("what_moved", "what_moved_groups"):  # the rule what_moved's, here without a pair
        header = "dataset,question,selection,system,comparator\n"
        (directory / "statistics" / f"{name}.csv").write_text(header)
    targets = [f"results/{PUBLISHED}/tables/claims.html", f"results/{PUBLISHED}/figures/claims.png"]
    run = snakemake(checkout, *targets, "--cores", "1", "--allowed-rules", "claims")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    for path in [*(directory / "tables" / f"claims.{f}" for f in ("csv", "md", "tex", "html")),
                 *(directory / "figures" / f"claims.{f}" for f in ("png", "pdf"))]:
        assert path.is_file() and path.stat().st_size > 500, path
    written = pd.read_csv(directory / "tables" / "claims.csv")
    assert list(written.columns) == LEDGER_COLUMNS and len(written) == len(SETTINGS.claims)
    assert set(written["verdict"]) <= set(VERDICTS)
    assert (directory / "figures" / "claims.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r"[^\x00-\x7f]", (directory / "tables" / "claims.tex").read_text())
    report = snakemake(checkout, *targets, "--allowed-rules", "claims", "--report", "report.html")
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    html = (checkout / "report.html").read_text()
    categories = json.loads(re.search(r"var categories = (\{.*?\});", html).group(1))
    assert sorted(categories, key=str.lower)[0] == "0. Which of the paper's claims hold?"
    assert "Start with the claims ledger" in html and "claims.html" in html
