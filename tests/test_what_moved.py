"""What moved: the pairs, the paired differences, the gain per user group and the generated
sentences against independent computations; G's and D's distributions against a plain computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from irgan.analysis.what_moved import (
    ADVERSARIAL,
    Pair,
    compare_pairs,
    gain_by_group,
    made_of,
    made_of_cell,
    plan_pairs,
    welch_interval,
)
from irgan.contract.beyond_accuracy import RUN_METRICS, USER_METRICS
from irgan.models.mf import MFParams
from irgan.train.dynamics import distribution_stats

FAMILIES = {"temperature": {"systems": ["irgan-temperature-*"]},
            "d-data-schedule": {"systems": ["irgan-redraw*"], "against": {"irgan-redraw-own": "irgan-own"}}}


def test_plan_pairs_takes_the_first_start_that_ran_and_each_family_comparator():
    ran = [("test", "irgan-code"), ("test", "dns-released"), ("test", "dns"), ("validation", "irgan-code"),
           ("validation", "dns"), ("validation", "irgan-temperature-1.0"), ("validation", "irgan-redraw-own"),
           ("validation", "irgan-own"), ("test", "irgan-temperature-1.0")]
    pairs = plan_pairs(ran, "irgan-code", ("dns-released", "dns"), FAMILIES)
    assert Pair(ADVERSARIAL, "test", "irgan-code", "dns-released") in pairs
    assert Pair(ADVERSARIAL, "validation", "irgan-code", "dns") in pairs
    assert Pair("temperature", "validation", "irgan-temperature-1.0", "irgan-code") in pairs
    assert Pair("d-data-schedule", "validation", "irgan-redraw-own", "irgan-own") in pairs
    assert not any(p.system == "dns" for p in pairs)  # not an ablation
    assert plan_pairs([("test", "dns")], "irgan-code", ("dns",), FAMILIES) == []


def _study(rng: np.random.Generator, n_users: int = 40, seeds=(1, 2, 3)):
    """Per-user and per-run tables of a reference and its start (deterministic) on one rule."""
    users = np.arange(n_users)
    rows, runs = [], []
    start = {m: rng.random(n_users) for m in ("P@5", *USER_METRICS)}
    for seed in seeds:
        for system, shift in (("irgan-code", 0.05), ("dns", 0.0)):
            values = {m: start[m] + shift + (0.02 * rng.standard_normal(n_users) if shift else 0)
                      for m in start}
            rows.append(pd.DataFrame({"dataset": "d", "selection": "validation", "system": system,
                                      "seed": seed, "user": users, **values}))
            runs.append({"dataset": "d", "selection": "validation", "system": system, "seed": seed,
                         **{m: float(np.mean(values[m])) for m in start},
                         "coverage@10": 0.3 + shift + (0.01 * seed if shift else 0),
                         "gini@10": 0.7 - shift})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(runs), start


def test_compare_pairs_against_plain_differences():
    rng = np.random.default_rng(1)
    per_user, per_run, _ = _study(rng)
    pair = Pair(ADVERSARIAL, "validation", "irgan-code", "dns")
    table = compare_pairs([pair], per_run, per_user, "d", resamples=2000, seed=0).set_index("metric")
    for metric in ("P@5", *USER_METRICS):
        a = per_user[per_user["system"] == "irgan-code"].groupby("user")[metric].mean()
        b = per_user[per_user["system"] == "dns"].groupby("user")[metric].mean()
        assert table.loc[metric, "diff"] == pytest.approx(float((a - b).mean()))
        assert table.loc[metric, "p"] == pytest.approx(float(stats.ttest_rel(a, b).pvalue))
        assert table.loc[metric, "ci_low"] < table.loc[metric, "diff"] < table.loc[metric, "ci_high"]
        assert table.loc[metric, "unit"] == "users"
    a = per_run.loc[per_run["system"] == "irgan-code", "coverage@10"].to_numpy()
    b = per_run.loc[per_run["system"] == "dns", "coverage@10"].to_numpy()
    assert table.loc["coverage@10", "diff"] == pytest.approx(a.mean() - b.mean())
    # the start is deterministic: Welch with one side's variance, which is the one-sample t on a
    half = stats.t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / math.sqrt(len(a))
    assert table.loc["coverage@10", "ci_high"] - table.loc["coverage@10", "diff"] == pytest.approx(half)
    assert table.loc["coverage@10", "p"] == pytest.approx(stats.ttest_1samp(a, b[0]).pvalue)
    assert math.isnan(table.loc["gini@10", "ci_low"])  # no spread on either side: no interval
    assert math.isnan(table.loc["gini@10", "p"]) and math.isnan(table.loc["gini@10", "p_adjusted"])
    # Benjamini-Hochberg over the table's p-values (a NaN stays out of the family)
    tested = table.dropna(subset=["p"])
    p = tested["p"].to_numpy()
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    expected = np.empty(len(p))
    expected[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1)
    assert tested["p_adjusted"].to_numpy() == pytest.approx(expected)
    assert set(table.index) == {"P@5", *USER_METRICS, *RUN_METRICS}


def test_welch_interval_matches_scipy():
    a, b = np.array([0.31, 0.35, 0.33, 0.36]), np.array([0.30, 0.29, 0.33])
    diff, low, high, p = welch_interval(a, b)
    result = stats.ttest_ind(a, b, equal_var=False)
    assert p == pytest.approx(result.pvalue)
    ci = result.confidence_interval(0.95)
    assert (low, high) == pytest.approx((ci.low, ci.high))
    assert diff == pytest.approx(a.mean() - b.mean())


def test_gain_by_group_against_a_groupby_and_kruskal():
    rng = np.random.default_rng(2)
    per_user, _, _ = _study(rng)
    users = pd.DataFrame({"user": np.arange(40), "train_positives": np.arange(40) + 1,
                          "test_popularity_percentile": rng.random(40) * 100,
                          "activity_quartile": np.repeat(["Q1", "Q2", "Q3", "Q4"], 10),
                          "test_popularity_quartile": np.tile(["Q1", "Q2", "Q3", "Q4"], 10)})
    pair = Pair(ADVERSARIAL, "validation", "irgan-code", "dns")
    groups = gain_by_group([pair], per_user, users, "d", resamples=2000)
    gain = (per_user[per_user["system"] == "irgan-code"].groupby("user")["P@5"].mean()
            - per_user[per_user["system"] == "dns"].groupby("user")["P@5"].mean())
    activity = groups[groups["grouping"] == "activity"].set_index("group")
    for label, members in users.groupby("activity_quartile")["user"]:
        assert activity.loc[label, "gain"] == pytest.approx(gain[members].mean())
        assert activity.loc[label, "n_users"] == 10
        assert (activity.loc[label, "low_value"], activity.loc[label, "high_value"]) == (
            members.min() + 1, members.max() + 1)
    expected = stats.kruskal(*(gain[m].to_numpy() for _, m in users.groupby("activity_quartile")["user"]))
    assert activity["p_kruskal"].iloc[0] == pytest.approx(expected.pvalue)


def _moved_table(percentile_diff: float, significant: bool) -> pd.DataFrame:
    base = {"dataset": "d", "question": ADVERSARIAL, "selection": "test", "system": "irgan-code",
            "comparator": "dns-released", "unit": "users", "n": 40, "p": 0.01, "p_adjusted": 0.02}
    rows = []
    for metric, before, diff in (("P@5", 0.347, 0.027), ("popularity@10", 150.0, 10.0),
                                 ("popularity_percentile@10", 80.0, percentile_diff),
                                 ("novelty@10", 3.0, -0.1), ("head_share@10", 0.4, 0.05),
                                 ("coverage@10", 0.2, -0.02), ("gini@10", 0.8, 0.01)):
        rows.append({**base, "metric": metric, "mean_comparator": before, "mean_system": before + diff,
                     "diff": diff, "ci_low": diff - 0.01, "ci_high": diff + 0.01, "significant": significant})
    return pd.DataFrame(rows)


def test_the_sentence_follows_the_numbers():
    groups = pd.DataFrame([
        {"question": ADVERSARIAL, "selection": "test", "system": "irgan-code", "comparator": "dns-released",
         "grouping": "activity", "group": g, "n_users": 10, "low_value": lo, "high_value": hi, "gain": gain,
         "ci_low": gain - 0.01, "ci_high": gain + 0.01, "p_kruskal": 0.003}
        for g, lo, hi, gain in (("Q1", 1, 9, 0.01), ("Q2", 10, 30, 0.02), ("Q3", 31, 80, 0.05),
                                ("Q4", 81, 300, 0.03))])
    towards = made_of(_moved_table(4.0, True), groups, "test")
    assert "moves towards popular items" in towards
    assert "80.0 → 84.0" in towards
    assert "largest in Q3 (31-80 training positives, +0.0500)" in towards
    assert "differs between activity quartiles" in towards
    away = made_of(_moved_table(-4.0, True), groups, "test")
    assert "moves away from popular items" in away
    unmoved = made_of(_moved_table(0.3, False), groups, "test")
    assert "does not move significantly" in unmoved
    assert made_of(_moved_table(4.0, True), groups, "validation") is None
    cell = made_of_cell(_moved_table(4.0, True), groups, "irgan-code", {"test": "dns-released",
                                                                          "validation": "dns"})
    assert cell.startswith("test: popularity percentile 80.0 → 84.0*")
    assert "gain largest in activity Q3 (+0.0500)" in cell
    assert made_of_cell(_moved_table(4.0, True), groups, "irgan-code", {"test": "dns"}) == ""
    # a claim oriented the other way round than the pair was compared: turned around
    turned = made_of_cell(_moved_table(4.0, True), groups, "dns-released", {"test": "irgan-code"})
    assert turned.startswith("test: popularity percentile 84.0 → 80.0*, head share 0.45 → 0.40*")
    assert "gain largest in activity Q1 (-0.0100)" in turned


def test_distribution_stats_against_plain_computation():
    generator = torch.Generator().manual_seed(0)
    G = MFParams.random(3, 6, 2, 1.0, generator, "cpu")
    D = MFParams.random(3, 6, 2, 1.0, generator, "cpu")
    train = torch.zeros(3, 6, dtype=torch.bool)
    train[0, [0, 1]] = train[1, 2] = train[2, [3, 4, 5]] = True
    heldout = torch.zeros(3, 6, dtype=torch.bool)
    heldout[0, 3] = heldout[1, 0] = heldout[2, 1] = True
    users, weights, temperature = torch.arange(3), train.sum(1), 0.2
    got = distribution_stats(G, D, users, weights, train, heldout, temperature,
                             lambda f: 2 * torch.sigmoid(f) - 1)
    f_g = (G.user @ G.item_t + G.bias).double().numpy()
    f_d = (D.user @ D.item_t + D.bias).double().numpy()
    w = weights.numpy() / weights.numpy().sum()

    def softmax(x):
        e = np.exp(x - x.max())
        return e / e.sum()

    def perplexity_of(row):
        return math.exp(-sum(p * math.log(p) for p in softmax(row)))

    perplexity = np.mean([perplexity_of(row) for row in f_g])
    perplexity_t = np.mean([perplexity_of(row / temperature) for row in f_g])
    share = sum(w[u] * softmax(f_g[u] / temperature)[train[u].numpy()].sum() for u in range(3))
    reward = sum(w[u] * (softmax(f_g[u]) * (2 / (1 + np.exp(-f_d[u])) - 1)).sum() for u in range(3))
    rejected = sum(w[u] * softmax(f_g[u] / temperature)[f_d[u] < 0].sum() for u in range(3))
    held = [f_d[u, i] > 0 for u in range(3) for i in range(6) if heldout[u, i]]
    assert got["g_perplexity"] == pytest.approx(perplexity)
    assert got["g_perplexity_sample"] == pytest.approx(perplexity_t)
    assert got["sample_positive_share"] == pytest.approx(share)
    assert got["mean_reward"] == pytest.approx(reward)
    assert got["d_accuracy_sample"] == pytest.approx(rejected)
    assert got["d_accuracy_heldout"] == pytest.approx(np.mean(held))
    assert got["g_logit_sd"] == pytest.approx(np.mean([row.std() for row in f_g]))
    label = distribution_stats(G, None, users, weights, train, heldout, temperature, None)
    assert math.isnan(label["d_accuracy_heldout"]) and math.isnan(label["d_accuracy_sample"])
    assert label["mean_reward"] == pytest.approx(sum(w[u] * softmax(f_g[u])[train[u].numpy()].sum()
                                                     for u in range(3)))
