"""The statistical tests against independent computations: scipy and statsmodels called
directly, or the textbook formula written out."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from irgan.analysis.stat_tests import (
    bootstrap_mean_ci,
    holm_adjust,
    interval_bounds,
    paired_tests,
    sample_sd,
    seed_interval,
    t_interval,
    tost_independent,
    tost_paired,
    welch_over_seeds,
    wilcoxon,
)
from irgan.errors import IrganError

# --------------------------------------------------------------------------- seed level


def test_t_interval_matches_scipy():
    values = [0.31, 0.35, 0.29, 0.33, 0.36]
    mean, low, high = t_interval(values, 0.95)
    expected = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert mean == pytest.approx(np.mean(values))
    assert (low, high) == pytest.approx(expected)
    assert math.isnan(t_interval([0.3])[1]) and t_interval([0.3])[0] == 0.3


def test_seed_interval_stays_in_the_metric_range_and_needs_three_seeds():
    # two seeds near 0: a t interval (t = 12.7) would run far below 0
    low_t = t_interval([0.001, 0.03])[1]
    assert low_t < 0
    mean, low, high, kind = seed_interval([0.001, 0.03])
    assert kind == "range" and (low, high) == (0.001, 0.03) and mean == pytest.approx(0.0155)
    assert interval_bounds(low, high, kind) == (pytest.approx(math.nan, nan_ok=True),) * 2
    # five seeds near 0: the t interval, truncated at 0, its upper bound untouched
    values = [0.0, 0.0, 0.02, 0.0, 0.01]
    mean, low, high, kind = seed_interval(values)
    _, t_low, t_high = t_interval(values)
    assert kind == "t" and t_low < 0 and low == 0.0 and high == pytest.approx(t_high)
    # inside the range the interval is exactly Student's t
    values = [0.3734, 0.3781, 0.3724, 0.3732, 0.3732]
    assert seed_interval(values)[1:3] == pytest.approx(t_interval(values)[1:])
    assert seed_interval([0.1434] * 5)[3] == "deterministic"
    assert seed_interval([0.22223806, 0.22223828, 0.22223803])[3] == "deterministic"  # float32 noise
    assert seed_interval([0.3])[3] == "single"




# --------------------------------------------------------------------------- paired over users


def test_paired_tests_match_hand_computations():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 6, size=(120, 2)) / 5
    y = np.clip(x + rng.integers(-1, 2, size=x.shape) / 5 - 0.04, 0, 1)
    result = paired_tests(x, y, "pratt", resamples=500, seed=1)
    d = x - y
    for j in range(2):
        mean, sd, n = d[:, j].mean(), d[:, j].std(ddof=1), len(d)
        t = mean / (sd / math.sqrt(n))
        assert result.mean_diff[j] == pytest.approx(mean)
        assert result.t[j] == pytest.approx(t)
        assert result.p[j] == pytest.approx(2 * stats.t.sf(abs(t), n - 1))
        assert result.d_z[j] == pytest.approx(mean / sd)
        assert result.n_zero_diff[j] == np.sum(d[:, j] == 0) > 0
        expected = stats.wilcoxon(d[:, j], zero_method="pratt")
        assert result.p_wilcoxon[j] == pytest.approx(expected.pvalue)
        assert result.boot_low[j] < mean < result.boot_high[j]
    for p in (result.p, result.p_wilcoxon):
        assert ((0 <= p) & (p <= 1)).all()


def test_constant_differences_have_exact_p_values():
    x = np.array([[0.2, 0.4], [0.6, 0.8], [0.0, 1.0]])
    result = paired_tests(x, x - np.array([0.0, 0.2]), resamples=100)
    assert result.p[0] == 1.0 and result.t[0] == 0.0 and result.p_wilcoxon[0] == 1.0
    assert result.p[1] == 0.0 and result.t[1] == math.inf
    with pytest.raises(IrganError, match="zero_method"):
        paired_tests(x, x, zero_method="drop")
    with pytest.raises(IrganError, match="at least two users"):
        paired_tests(x[:1], x[:1])


def test_bootstrap_is_seeded_and_agrees_with_the_t_interval():
    values = np.random.default_rng(5).normal(0.02, 0.2, size=(400, 1))
    first = np.concatenate(bootstrap_mean_ci(values, 4000, seed=9))
    assert np.concatenate(bootstrap_mean_ci(values, 4000, seed=9)) == pytest.approx(first, abs=0)
    assert np.concatenate(bootstrap_mean_ci(values, 4000, seed=10)) != pytest.approx(first, abs=1e-9)
    low, high = stats.t.interval(0.95, 399, loc=values.mean(), scale=stats.sem(values[:, 0]))
    assert first == pytest.approx([low, high], abs=0.004)


def test_welch_over_seeds_matches_scipy():
    a, b = [0.31, 0.33, 0.30, 0.34], [0.28, 0.27, 0.30]
    t, p = welch_over_seeds(a, b)
    expected = stats.ttest_ind(a, b, equal_var=False)
    assert (t, p) == pytest.approx((expected.statistic, expected.pvalue))
    assert math.isnan(welch_over_seeds([0.3], [0.2])[1])
    assert math.isnan(welch_over_seeds([0.3, 0.3], [0.2, 0.2])[1])
    t_one, p_one = welch_over_seeds([0.3], [0.2, 0.25, 0.22])  # a deterministic system against seeds
    expected = stats.ttest_1samp([0.2, 0.25, 0.22], 0.3)
    assert (t_one, p_one) == pytest.approx((-expected.statistic, expected.pvalue))


def test_sample_sd_is_the_ddof_1_deviation_and_needs_two_values():
    assert sample_sd(np.array([0.1, 0.3, 0.2])) == pytest.approx(0.1)
    assert math.isnan(sample_sd(np.array([0.4])))


# --------------------------------------------------------------------------- Wilcoxon, Holm


def test_wilcoxon_follows_scipy_and_gives_exact_answers_without_differences():
    diff = np.array([0.0, 0.2, -0.1, 0.3, 0.0, 0.4, 0.1, -0.2, 0.5, 0.0])
    for method in ("pratt", "zsplit", "wilcox"):
        expected = stats.wilcoxon(diff, zero_method=method)
        assert wilcoxon(diff, method) == pytest.approx((expected.statistic, expected.pvalue))
    assert wilcoxon(np.zeros(5)) == (0.0, 1.0)
    assert all(math.isnan(v) for v in wilcoxon(np.array([0.0, 0.0, 0.1]), "wilcox"))


def test_holm_adjust_is_holms_step_down_by_hand_and_leaves_nan_out():
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.005, np.nan])
    adjusted, reject = holm_adjust(p, 0.05)
    valid = p[~np.isnan(p)]
    order = np.argsort(valid)
    # Holm: the k-th smallest p times (m - k + 1), made monotone, capped at 1
    by_hand = np.minimum(1, np.maximum.accumulate(valid[order] * (len(valid) - np.arange(len(valid)))))
    expected = np.empty(len(valid))
    expected[order] = by_hand
    assert adjusted[~np.isnan(p)] == pytest.approx(expected)
    assert np.isnan(adjusted[np.isnan(p)]).all() and not reject[np.isnan(p)].any()
    assert (reject[~np.isnan(p)] == (expected < 0.05)).all()
    assert reject[~np.isnan(p)].tolist() == multipletests(valid, 0.05, "holm")[0].tolist()
    empty_adjusted, empty_reject = holm_adjust([np.nan, np.nan], 0.05)
    assert np.isnan(empty_adjusted).all() and not empty_reject.any()


# --------------------------------------------------------------------------- equivalence


def _welch_interval(a, b, level):
    va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * math.sqrt(va + vb)
    diff = np.mean(a) - np.mean(b)
    return diff - half, diff + half


def test_tost_independent_is_two_one_sided_welch_tests():
    rng = np.random.default_rng(4)
    a, b = rng.normal(0.30, 0.004, 5), rng.normal(0.302, 0.003, 6)
    for margin in (0.001, 0.01):
        result = tost_independent(a, b, margin, alpha=0.05)
        lower = stats.ttest_ind(a + margin, b, equal_var=False, alternative="greater").pvalue
        upper = stats.ttest_ind(a - margin, b, equal_var=False, alternative="less").pvalue
        assert result.p == pytest.approx(max(lower, upper))
        assert (result.ci_low, result.ci_high) == pytest.approx(_welch_interval(a, b, 0.90))
        # TOST at alpha rejects exactly when the (1 - 2 alpha) interval lies within the margin
        assert (result.p < 0.05) == (-margin < result.ci_low and result.ci_high < margin)


def test_tost_without_spread_is_exact_and_with_one_value_undefined():
    same = tost_independent(np.array([0.3, 0.3]), np.array([0.295, 0.295, 0.295]), 0.01, 0.05)
    assert same.p == 0.0 and same.ci_low == same.ci_high == pytest.approx(0.005)
    far = tost_independent(np.array([0.3, 0.3]), np.array([0.2, 0.2]), 0.01, 0.05)
    assert far.p == 1.0
    one = tost_independent(np.array([0.3]), np.array([0.29, 0.31]), 0.01, 0.05)
    assert all(math.isnan(v) for v in (one.p, one.ci_low, one.ci_high))


def test_tost_paired_is_two_one_sided_t_tests_on_the_differences():
    rng = np.random.default_rng(7)
    a = rng.integers(0, 6, 80) / 5
    b = np.clip(a + rng.normal(0.004, 0.02, 80), 0, 1)
    diff = a - b
    margin = 0.01
    result = tost_paired(a, b, margin, alpha=0.05)
    lower = stats.ttest_1samp(diff, -margin, alternative="greater").pvalue
    upper = stats.ttest_1samp(diff, margin, alternative="less").pvalue
    assert result.p == pytest.approx(max(lower, upper))
    expected = stats.t.interval(0.90, len(diff) - 1, loc=diff.mean(), scale=stats.sem(diff))
    assert (result.ci_low, result.ci_high) == pytest.approx(expected)
    constant = tost_paired(a, a - 0.002, margin, 0.05)
    assert constant.p == 0.0 and constant.ci_low == constant.ci_high == pytest.approx(0.002)
