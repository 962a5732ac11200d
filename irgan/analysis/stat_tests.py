"""The study's statistical tests as pure functions: arrays in, numbers out.

Nothing here knows the study's tables: :mod:`irgan.analysis.statistics` (seed means, paired comparisons,
Holm) and :mod:`irgan.analysis.fidelity` (the original code against the re-implementation) pick the
values out of the runs and call these. Each function names the reference implementation it
follows (scipy, statsmodels) or states its formula, so that a test can set it against an
independent computation.

- seed level: :func:`t_interval`, :func:`seed_interval`, :func:`welch_over_seeds`;
- user level: :func:`paired_tests` (paired t, Wilcoxon signed-rank, Cohen's d_z, bootstrap);
- multiplicity: :func:`holm_adjust`, :func:`bh_adjust`, :func:`family_level`;
- power: :func:`detectable_difference` (the smallest effect a t-test detects);
- one sample over seeds: :func:`one_sample_over_seeds` (a figure against a fixed value);
- equivalence: :func:`tost_independent`, :func:`tost_paired` (two one-sided tests);
- splits and seeds: :func:`variance_components` (one-way random-effects ANOVA),
  :func:`kendall_w` (concordance of rankings), :func:`order_agreement` (sign tests of pairs).
"""

from __future__ import annotations

import gc
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW, ttost_ind
from statsmodels.stats.weightstats import ttost_paired as _ttost_paired

from irgan.errors import IrganError

#: Wilcoxon's treatments of zero differences (scipy's ``zero_method``)
ZERO_METHODS = ("pratt", "zsplit", "wilcox")
#: fewer seeds than this get no t interval (the range of the seeds stands in)
MIN_SEEDS_FOR_INTERVAL = 3


# --------------------------------------------------------------------------- seed level


def t_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval of ``values`` (NaN interval for one value)."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def seed_interval(
    values: Sequence[float], confidence: float = 0.95, bounds: tuple[float, float] = (0.0, 1.0)
) -> tuple[float, float, float, str]:
    """Mean, interval and its kind for per-seed values.

    With at least :data:`MIN_SEEDS_FOR_INTERVAL` seeds that differ: the Student-t interval over
    seeds, truncated to the metric's range ``bounds`` (precision, NDCG and the optimism of test
    selection all live in [0, 1]). Truncation keeps the t interval's coverage while no bound can
    leave the range; a percentile bootstrap over 5 seeds would stay in range too but covers far
    less than its nominal level. With 2 seeds (t = 12.7) the t interval says nothing useful, so
    none is computed: ``range`` gives the two values. Other kinds: ``deterministic`` (every seed
    gives the same value), ``single`` (one seed), ``none``.
    """
    x = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if len(x) == 0:
        return math.nan, math.nan, math.nan, "none"
    mean = float(x.mean())
    if len(x) == 1:
        return mean, math.nan, math.nan, "single"
    if np.allclose(x, x[0], rtol=0, atol=5e-7):  # equal at the 6 decimals of seed_values
        return mean, mean, mean, "deterministic"
    if len(x) < MIN_SEEDS_FOR_INTERVAL:
        return mean, float(x.min()), float(x.max()), "range"
    _, low, high = t_interval(x, confidence)
    return mean, max(low, bounds[0]), min(high, bounds[1]), "t"


def interval_bounds(low: float, high: float, kind: str) -> tuple[float, float]:
    """The bounds to print as ``ci_low``/``ci_high``: only a t interval (3+ seeds) is a CI."""
    return (low, high) if kind == "t" else (math.nan, math.nan)


def sample_sd(values: np.ndarray) -> float:
    """Standard deviation with ddof 1; NaN for fewer than two values."""
    return float(values.std(ddof=1)) if len(values) > 1 else math.nan


def welch_over_seeds(system: Sequence[float], reference: Sequence[float]) -> tuple[float, float]:
    """Welch's t and p on per-seed means; NaN without seed-to-seed variation to compare against."""
    a, b = np.asarray(system, dtype=float), np.asarray(reference, dtype=float)
    if len(a) == 0 or len(b) == 0 or (len(a) < 2 and len(b) < 2):
        return math.nan, math.nan
    var_a = a.var(ddof=1) if len(a) > 1 else 0.0
    var_b = b.var(ddof=1) if len(b) > 1 else 0.0
    se2 = var_a / len(a) + var_b / len(b)
    if se2 <= 0:
        return math.nan, math.nan
    t = (a.mean() - b.mean()) / math.sqrt(se2)
    # Welch-Satterthwaite degrees of freedom; a sample of one seed adds no variance term.
    terms = [(v / n) ** 2 / (n - 1) for v, n in ((var_a, len(a)), (var_b, len(b))) if n > 1]
    df = se2**2 / sum(terms)
    return float(t), float(2 * stats.t.sf(abs(t), df))


# --------------------------------------------------------------------------- paired over users


@dataclass(frozen=True)
class PairedTests:
    """Per column (metric) of a paired sample: the tests of ``system - reference``."""

    n_users: int
    mean_system: np.ndarray
    mean_reference: np.ndarray
    mean_diff: np.ndarray
    sd_diff: np.ndarray
    boot_low: np.ndarray
    boot_high: np.ndarray
    t: np.ndarray
    df: int
    p: np.ndarray
    wilcoxon: np.ndarray
    p_wilcoxon: np.ndarray
    zero_method: str
    n_zero_diff: np.ndarray
    d_z: np.ndarray

    def columns(self) -> dict[str, object]:
        """The fields in their order (the columns of the comparisons table)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def paired_tests(
    system: np.ndarray,
    reference: np.ndarray,
    zero_method: str = "pratt",
    resamples: int = 10_000,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedTests:
    """Paired tests of ``system - reference`` per column (users in rows, metrics in columns).

    Per column: mean difference, its percentile-bootstrap CI, the paired t-test
    (``scipy.stats.ttest_rel``), the Wilcoxon signed-rank test, the zero differences and Cohen's
    d_z. Constant differences have no t distribution: a difference of exactly zero gets p = 1, a
    non-zero constant gets p = 0 (the evidence is exact).
    """
    if zero_method not in ZERO_METHODS:
        raise IrganError(f"key statistics.wilcoxon_zero_method: {zero_method!r} not in {ZERO_METHODS}")
    x = np.atleast_2d(np.asarray(system, dtype=float).T).T
    y = np.atleast_2d(np.asarray(reference, dtype=float).T).T
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in shape: {x.shape} vs {y.shape}")
    n = x.shape[0]
    if n < 2:
        raise IrganError(f"paired tests need at least two users, got {n}")
    diff = x - y
    mean = diff.mean(axis=0)
    sd = diff.std(axis=0, ddof=1)
    constant = sd <= 1e-12 * np.maximum(1.0, np.abs(mean))
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        # Constant columns (handled just below) make scipy warn about a zero variance.
        warnings.simplefilter("ignore", RuntimeWarning)
        t_result = stats.ttest_rel(x, y, axis=0)
    d_z = np.where(constant, np.nan, mean / np.where(constant, 1.0, sd))
    t = np.where(constant, np.where(mean == 0, 0.0, np.copysign(np.inf, mean)), t_result.statistic)
    p = np.where(constant, np.where(mean == 0, 1.0, 0.0), t_result.pvalue)
    w_stat, w_p = np.empty(diff.shape[1]), np.empty(diff.shape[1])
    for j in range(diff.shape[1]):
        w_stat[j], w_p[j] = wilcoxon(diff[:, j], zero_method)
    low, high = bootstrap_mean_ci(diff, resamples, seed, confidence)
    return PairedTests(
        n_users=n,
        mean_system=x.mean(axis=0),
        mean_reference=y.mean(axis=0),
        mean_diff=mean,
        sd_diff=sd,
        boot_low=low,
        boot_high=high,
        t=t,
        df=n - 1,
        p=p,
        wilcoxon=w_stat,
        p_wilcoxon=w_p,
        zero_method=zero_method,
        n_zero_diff=(diff == 0).sum(axis=0),
        d_z=d_z,
    )


def wilcoxon(diff: np.ndarray, zero_method: str = "pratt") -> tuple[float, float]:
    """Wilcoxon signed-rank statistic and p of paired differences (``scipy.stats.wilcoxon``);
    all differences zero: (0, 1); one non-zero difference under ``wilcox``: NaN."""
    nonzero = np.count_nonzero(diff)
    if nonzero == 0:
        return 0.0, 1.0
    if zero_method == "wilcox" and nonzero < 2:
        return math.nan, math.nan
    result = stats.wilcoxon(diff, zero_method=zero_method, method="auto")
    return float(result.statistic), float(result.pvalue)


_BOOTSTRAP_WEIGHTS: dict[tuple[int, int, int], np.ndarray] = {}


def bootstrap_weights(n: int, resamples: int, seed: int) -> np.ndarray:
    """Multinomial resampling counts (resamples x n), seeded; shared by every comparison of n users.

    Sharing the draws (common random numbers) makes each comparison's interval
    reproducible on its own, whatever other comparisons the study holds.
    """
    key = (n, resamples, seed)
    if key not in _BOOTSTRAP_WEIGHTS:
        rng = np.random.default_rng(seed)
        _BOOTSTRAP_WEIGHTS.clear()
        _BOOTSTRAP_WEIGHTS[key] = rng.multinomial(n, np.full(n, 1.0 / n), size=resamples).astype(float)
    return _BOOTSTRAP_WEIGHTS[key]


def bootstrap_mean_ci(
    values: np.ndarray, resamples: int = 10_000, seed: int = 0, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap interval of each column's mean, resampling rows (users)."""
    values = np.atleast_2d(np.asarray(values, dtype=float).T).T
    if resamples < 1:
        raise IrganError(f"key statistics.bootstrap.resamples must be >= 1, got {resamples}")
    n = values.shape[0]
    means = bootstrap_weights(n, resamples, seed) @ values / n
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha], axis=0)
    return low, high


# --------------------------------------------------------------------------- multiplicity


def holm_adjust(p_values: Sequence[float], alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Holm's step-down adjusted p-values and rejections of one family (statsmodels
    ``multipletests``); NaN p-values stay out of the family (NaN, not rejected)."""
    p = np.asarray(p_values, dtype=float)
    adjusted, reject = np.full(len(p), np.nan), np.zeros(len(p), dtype=bool)
    valid = ~np.isnan(p)
    if valid.any():
        # statsmodels' Holm branch calls gc.collect(); freezing the live objects keeps that instant.
        gc.freeze()
        try:
            rej, p_adj, _, _ = multipletests(p[valid], alpha=alpha, method="holm")
        finally:
            gc.unfreeze()
        adjusted[valid], reject[valid] = p_adj, rej
    return adjusted, reject


def bh_adjust(p_values: Sequence[float], alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini-Hochberg (1995) adjusted p-values and rejections of one family (statsmodels
    ``multipletests(method="fdr_bh")``): the false discovery rate, not the family-wise error, is
    kept at ``alpha``. NaN p-values stay out of the family (NaN, not rejected)."""
    p = np.asarray(p_values, dtype=float)
    adjusted, reject = np.full(len(p), np.nan), np.zeros(len(p), dtype=bool)
    valid = ~np.isnan(p)
    if valid.any():
        rej, p_adj, _, _ = multipletests(p[valid], alpha=alpha, method="fdr_bh")
        adjusted[valid], reject[valid] = p_adj, rej
    return adjusted, reject


#: the corrections a family can have: Holm's step-down (family-wise error) and Benjamini-Hochberg (FDR)
CORRECTIONS = {"holm": holm_adjust, "bh": bh_adjust}


def family_level(correction: str, alpha: float, size: int, rejections: int = 0) -> float:
    """The two-sided level one test of a family must reach to be rejected, the level its power is
    computed at (:func:`detectable_difference`).

    Holm: ``alpha / size``, the level of Holm's first step and of Bonferroni, which every test the
    family rejects meets whatever the others do. Benjamini-Hochberg: ``alpha * max(R, 1) / size``
    with ``R`` the family's rejections, the threshold BH applied to this family (the plug-in level
    of Jung 2005's sample sizes under FDR control); with no rejection both are ``alpha / size``.
    """
    if correction not in CORRECTIONS:
        raise IrganError(f"unknown correction {correction!r}: one of {sorted(CORRECTIONS)}")
    if size < 1:
        return math.nan
    if correction == "holm":
        return alpha / size
    return min(alpha, alpha * max(rejections, 1) / size)


# --------------------------------------------------------------------------- power


def _t_power(d: float, n: int, level: float) -> float:
    """Power of the two-sided one-sample (paired) t-test of ``n`` values at ``level`` for a
    standardized effect ``d``: both tails of the noncentral t with ``n - 1`` degrees of freedom."""
    df, nc = n - 1, d * math.sqrt(n)
    critical = stats.t.isf(level / 2, df)
    upper = stats.nct.sf(critical, df, nc)
    lower = stats.nct.cdf(-critical, df, nc)  # the wrong tail: NaN in scipy far out, where it is ~0
    return float(upper + (0.0 if math.isnan(lower) else lower))


def detectable_difference(sd: float, n: int, level: float, power: float = 0.8) -> float:
    """The smallest ``|mean difference|`` that a two-sided one-sample (or paired) t-test of ``n``
    values with standard deviation ``sd`` detects at ``level`` with probability ``power``.

    ``d * sd``, where the standardized effect ``d`` solves the noncentral-t power equation
    (:func:`_t_power`, scipy's ``nct``; the equation statsmodels' ``TTestPower.solve_power``
    solves). ``sd`` 0 (constant values: any difference is exact evidence) gives 0; fewer than two
    values, or a level or power outside (0, 1), give NaN.
    """
    if not (n >= 2 and math.isfinite(sd) and 0 < level < 1 and 0 < power < 1):
        return math.nan
    if sd == 0:
        return 0.0
    high = 1.0
    while _t_power(high, n, level) < power:
        high *= 2
    d = optimize.brentq(lambda x: _t_power(x, n, level) - power, 0.0, high, xtol=1e-12)
    return float(d * sd)


# --------------------------------------------------------------------------- one sample over seeds


@dataclass(frozen=True)
class OneSample:
    """A figure's seed values against a fixed value ``mu`` (a published figure, or 0)."""

    n: int
    mean_diff: float
    sd: float
    low: float
    high: float
    interval: str
    t: float
    p: float


def one_sample_over_seeds(values: Sequence[float], mu: float, confidence: float = 0.95,
                          deterministic: bool = False) -> OneSample:
    """``mean(values) - mu`` over seeds with its :func:`seed_interval` (the seeds are the sample:
    a training run is the unit of replication) and the two-sided one-sample t-test
    (``scipy.stats.ttest_1samp``).

    Values that do not vary (every seed the same, or ``deterministic``: the run records say so)
    are exact: p 0 for a non-zero difference, 1 for none. One seed of a system that varies: no
    test (NaN).
    """
    x = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    nan = math.nan
    if len(x) == 0:
        return OneSample(0, nan, nan, nan, nan, "none", nan, nan)
    diff = x - mu
    mean, low, high, kind = seed_interval(diff, confidence, bounds=(-1.0, 1.0))
    sd = sample_sd(diff)
    if kind == "deterministic" or (deterministic and len(x) == 1):
        exact = abs(mean) > 5e-7
        return OneSample(len(x), mean, 0.0, mean, mean, "deterministic",
                         math.copysign(math.inf, mean) if exact else 0.0, 0.0 if exact else 1.0)
    if len(x) < 2:
        return OneSample(1, mean, nan, nan, nan, kind, nan, nan)
    result = stats.ttest_1samp(x, mu)
    return OneSample(len(x), mean, sd, low, high, kind, float(result.statistic), float(result.pvalue))


# --------------------------------------------------------------------------- equivalence


@dataclass(frozen=True)
class Equivalence:
    """Two one-sided tests within ``± margin`` and the (1 - 2 alpha) interval of the difference
    whose inclusion in the margin their decision corresponds to."""

    p: float
    ci_low: float
    ci_high: float


def tost_independent(a: np.ndarray, b: np.ndarray, margin: float, alpha: float) -> Equivalence:
    """TOST of ``mean(a) - mean(b)`` with unequal variances (statsmodels ``ttost_ind``, Welch's
    interval from ``CompareMeans.tconfint_diff``). Neither sample varying: the evidence is exact
    (p 0 inside the margin, 1 outside; the interval is the difference); fewer than two values on a
    side: NaN."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) and len(b) and a.var() == 0 and b.var() == 0:
        diff = float(a.mean()) - float(b.mean())
        return Equivalence(0.0 if abs(diff) < margin else 1.0, diff, diff)
    if len(a) >= 2 and len(b) >= 2:
        p = float(ttost_ind(a, b, -margin, margin, usevar="unequal")[0])
        compare = CompareMeans(DescrStatsW(a), DescrStatsW(b))
        low, high = compare.tconfint_diff(alpha=2 * alpha, usevar="unequal")
        return Equivalence(p, float(low), float(high))
    return Equivalence(math.nan, math.nan, math.nan)


def tost_paired(a: np.ndarray, b: np.ndarray, margin: float, alpha: float) -> Equivalence:
    """TOST of the mean paired difference ``a - b`` (statsmodels ``ttost_paired``; the interval
    from ``DescrStatsW.tconfint_mean``). A constant difference: exact evidence, as above."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = a - b
    if diff.std() == 0:
        mean = float(diff.mean())
        return Equivalence(0.0 if abs(diff.mean()) < margin else 1.0, mean, mean)
    low, high = DescrStatsW(diff).tconfint_mean(alpha=2 * alpha)
    return Equivalence(float(_ttost_paired(a, b, -margin, margin)[0]), float(low), float(high))


# --------------------------------------------------------------------------- splits and seeds


@dataclass(frozen=True)
class VarianceComponents:
    """One-way random-effects decomposition of values grouped by split: ``value = mu + b_split +
    e_seed``, with var(b) the split-to-split and var(e) the seed-to-seed variance."""

    n_groups: int
    n_values: int
    mean_of_means: float
    ms_between: float
    ms_within: float
    df_between: int
    df_within: int
    n0: float
    var_between: float
    var_within: float
    f: float
    p: float

    @property
    def sd_between(self) -> float:
        return math.sqrt(self.var_between) if math.isfinite(self.var_between) else math.nan

    @property
    def sd_within(self) -> float:
        return math.sqrt(self.var_within) if math.isfinite(self.var_within) else math.nan

    @property
    def icc(self) -> float:
        """The share of the total variance that lies between splits."""
        total = self.var_between + self.var_within
        return self.var_between / total if total > 0 else math.nan


def variance_components(groups: Sequence[Sequence[float]]) -> VarianceComponents:
    """Between- and within-group variance by the one-way ANOVA method of moments (Searle, Casella
    and McCulloch 1992, ch. 3): ``var_within = MSW``, ``var_between = max(0, (MSB - MSW) / n0)``
    with ``n0 = (N - sum n_i^2 / N) / (k - 1)`` (the group size when groups are balanced); the F
    test of ``var_between = 0`` is the ANOVA's ``MSB / MSW`` on (k - 1, N - k) degrees of freedom.

    Chosen over a REML fit (statsmodels MixedLM) because it is closed-form: with 3 seeds x 5
    splits the REML optimiser often stops at the boundary with a convergence warning, while the
    moment estimator is unbiased and always defined. No seed-to-seed variation (a deterministic
    system): a between-split difference is exact evidence (F inf, p 0), none at all gives p 1.
    """
    values = [np.asarray([v for v in g if v is not None and math.isfinite(v)], dtype=float) for g in groups]
    values = [g for g in values if len(g)]
    k, sizes = len(values), np.array([len(g) for g in values])
    n = int(sizes.sum())
    nan = math.nan
    if k == 0:
        return VarianceComponents(0, 0, nan, nan, nan, 0, 0, nan, nan, nan, nan, nan)
    means = np.array([g.mean() for g in values])
    grand = float(np.concatenate(values).mean())
    df_b, df_w = k - 1, n - k
    ss_b = float((sizes * (means - grand) ** 2).sum())
    ss_w = float(sum(((g - g.mean()) ** 2).sum() for g in values))
    ms_b = ss_b / df_b if df_b > 0 else nan
    ms_w = ss_w / df_w if df_w > 0 else nan
    n0 = (n - float((sizes**2).sum()) / n) / df_b if df_b > 0 else nan
    var_w = ms_w
    var_b = max(0.0, (ms_b - ms_w) / n0) if df_b > 0 and df_w > 0 else nan
    f, p = nan, nan
    if df_b > 0 and df_w > 0:
        if ms_w > 1e-30:
            f = ms_b / ms_w
            p = float(stats.f.sf(f, df_b, df_w))
        else:  # every split's seeds agree: the splits' spread is exact evidence
            exact = ms_b > 1e-30
            f, p = (math.inf, 0.0) if exact else (nan, 1.0)
            var_b = float(means.var(ddof=1)) if exact else 0.0
    return VarianceComponents(k, n, float(means.mean()), ms_b, ms_w, df_b, df_w, n0, var_b, var_w, f, p)


def descending_ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks with 1 for the highest value, ties sharing their average rank."""
    return stats.rankdata(-np.asarray(values, dtype=float), method="average")


@dataclass(frozen=True)
class Concordance:
    """Kendall's coefficient of concordance of ``m`` rankings (raters) of ``n`` objects."""

    w: float
    chi2: float
    df: int
    p: float
    m: int
    n: int


def kendall_w(ranks: np.ndarray) -> Concordance:
    """Kendall's W of a ``raters x objects`` matrix of ranks (1 = best; tied objects share their
    average rank), corrected for ties: ``W = 12 S / (m^2 (n^3 - n) - m sum T)``, ``S`` the sum of
    squared deviations of the objects' rank sums from their mean and ``T = sum (t^3 - t)`` over each
    rater's groups of ties (Kendall and Babington Smith 1939). The test of no agreement:
    ``chi2 = m (n - 1) W`` on ``n - 1`` degrees of freedom, which is Friedman's statistic.
    """
    r = np.asarray(ranks, dtype=float)
    if r.ndim != 2:
        raise ValueError(f"kendall_w needs a raters x objects matrix, got shape {r.shape}")
    m, n = r.shape
    if m < 2 or n < 2:
        return Concordance(math.nan, math.nan, max(n - 1, 0), math.nan, m, n)
    totals = r.sum(axis=0)
    s = float(((totals - totals.mean()) ** 2).sum())
    ties = 0.0
    for row in r:
        _, counts = np.unique(row, return_counts=True)
        ties += float((counts**3 - counts).sum())
    denominator = m**2 * (n**3 - n) - m * ties
    if denominator <= 0:  # every rater ties every object: nothing to agree on
        return Concordance(math.nan, math.nan, n - 1, math.nan, m, n)
    w = 12 * s / denominator
    chi2 = m * (n - 1) * w
    return Concordance(float(w), float(chi2), n - 1, float(stats.chi2.sf(chi2, n - 1)), m, n)


@dataclass(frozen=True)
class OrderAgreement:
    """For every pair of objects ordered by a reference (``first`` above ``second`` there): in how
    many of the other rankings the pair keeps that order, and the one-sided sign test of it."""

    first: np.ndarray
    second: np.ndarray
    kept: np.ndarray
    n: int
    p: np.ndarray

    @property
    def fraction(self) -> np.ndarray:
        return self.kept / self.n if self.n else np.full(len(self.kept), np.nan)


def order_agreement(reference: Sequence[float], values: np.ndarray) -> OrderAgreement:
    """Pairs ``(i, j)`` with ``reference[i] > reference[j]`` (reference ties left out), and in how
    many rows of ``values`` (splits x objects) ``values[:, i] > values[:, j]`` still holds (a tie
    does not keep the order). ``p`` is the exact one-sided sign test ``P(X >= kept)`` for
    ``X ~ Binomial(n, 1/2)``: that the order is kept more often than a coin would keep it."""
    ref = np.asarray(reference, dtype=float)
    v = np.atleast_2d(np.asarray(values, dtype=float))
    if v.shape[1] != len(ref):
        raise ValueError(f"{len(ref)} reference values against rows of {v.shape[1]}")
    first, second, kept = [], [], []
    for i in range(len(ref)):
        for j in range(len(ref)):
            if ref[i] > ref[j]:
                first.append(i)
                second.append(j)
                kept.append(int((v[:, i] > v[:, j]).sum()))
    n = v.shape[0]
    kept_arr = np.asarray(kept, dtype=int)
    p = stats.binom.sf(kept_arr - 1, n, 0.5) if n else np.full(len(kept_arr), np.nan)
    return OrderAgreement(np.asarray(first, dtype=int), np.asarray(second, dtype=int), kept_arr, n,
                          np.asarray(p, dtype=float))
