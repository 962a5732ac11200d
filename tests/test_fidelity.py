"""The fidelity statistics (the reference against the authors' own code), checked against scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from irgan.analysis.fidelity import FidelitySettings, fidelity, fidelity_curves, fidelity_sentence
from irgan.analysis.statistics import load_runs
from irgan.contract.runs import run_dir, write_run
from irgan.protocol import metric_names
from tests.study_runs import run_record

N_USERS = 80


def _study(tmp_path, shift: float, seeds_original=(1, 2, 3), seeds_reference=(1, 2, 3, 4, 5),
           noise: float = 0.003, pair=("irgan-authors-code", "irgan-code"), model: str = "G"):
    """Two test-rule systems whose per-user P@5 differ by ``shift`` plus a small seed effect."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 6, N_USERS) / 5
    paths = []
    for system, seeds, offset in ((pair[0], seeds_original, shift), (pair[1], seeds_reference, 0.0)):
        for seed in seeds:
            seed_effect = rng.normal(0, noise)
            values = np.clip(base + offset + seed_effect + rng.normal(0, 0.01, N_USERS), 0, 1)
            per_user = pd.DataFrame({"user": np.arange(N_USERS), "n_relevant": 5, "n_candidates": 100,
                                     **{m: values for m in metric_names()}})
            curve = pd.DataFrame([{"epoch": e, "model": model, "split": "test",
                                   **{m: values.mean() - 0.01 * (3 - e) for m in metric_names()}}
                                  for e in range(4)])
            directory = run_dir(tmp_path, "d", "test", system, seed)
            write_run(directory, per_user, curve,
                      run_record("d", "test", system, seed, selected_epoch=3, final_epoch=3,
                                 reported_model=model))
            paths.append(directory)
    return load_runs(paths)


def _tost_by_hand(a, b, margin):
    """Two one-sided Welch tests: H0 diff <= -margin and H0 diff >= +margin; p = the larger."""
    lower = stats.ttest_ind(a + margin, b, equal_var=False, alternative="greater").pvalue
    upper = stats.ttest_ind(a - margin, b, equal_var=False, alternative="less").pvalue
    return max(lower, upper)


def test_seed_views_match_scipys_welch_and_two_one_sided_tests(tmp_path):
    study = _study(tmp_path, shift=0.002)
    table = fidelity(study, FidelitySettings(margin=0.02), 0.05, "d").set_index("view")
    a = study.per_user[study.per_user.system == "irgan-authors-code"].groupby("seed")["P@5"].mean().to_numpy()
    b = study.per_user[study.per_user.system == "irgan-code"].groupby("seed")["P@5"].mean().to_numpy()
    row = table.loc["selected model, per seed"]
    assert row["diff"] == pytest.approx(a.mean() - b.mean())
    assert row["p_difference"] == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert row["p_equivalence"] == pytest.approx(_tost_by_hand(a, b, 0.02))
    assert row["verdict"] == "equivalent within ±0.02"
    assert (row["n_original"], row["n_reference"]) == (3, 5)
    # the final G-epoch comes from the curves: the last epoch's value per seed
    # (curves are written with 8 significant digits)
    assert table.loc["final epoch, per seed", "diff"] == pytest.approx(a.mean() - b.mean(), abs=1e-7)


def test_the_per_user_view_is_paired_over_users_seed_means(tmp_path):
    study = _study(tmp_path, shift=0.05)
    table = fidelity(study, FidelitySettings(margin=0.01), 0.05, "d").set_index("view")
    users = study.per_user.groupby(["system", "user"])["P@5"].mean().unstack(0)
    row = table.loc["per user (seed means), paired"]
    assert row["n_original"] == N_USERS
    assert row["p_difference"] == pytest.approx(
        stats.ttest_rel(users["irgan-authors-code"], users["irgan-code"]).pvalue)
    assert row["verdict"] == "different"
    assert table.loc["selected model, per seed", "verdict"] == "different"
    assert "different" in fidelity_sentence(table.reset_index())


def test_two_noisy_seeds_cannot_tell(tmp_path):
    study = _study(tmp_path, shift=0.004, seeds_original=(1, 2), seeds_reference=(1, 2), noise=0.02)
    row = fidelity(study, FidelitySettings(margin=0.005), 0.05, "d").iloc[0]
    assert row["verdict"] == "inconclusive"


def test_no_original_runs_give_an_empty_table_and_no_sentence(tmp_path):
    study = _study(tmp_path, shift=0.0)
    table = fidelity(study, FidelitySettings(pairs=(("not-run", "irgan-code"),)), 0.05, "d")
    assert table.empty and fidelity_sentence(table) == ""
    assert fidelity_curves(study, FidelitySettings(pairs=(("not-run", "irgan-code"),)), "d").empty


def test_curves_give_mean_and_range_over_seeds_per_epoch(tmp_path):
    study = _study(tmp_path, shift=0.01)
    curves = fidelity_curves(study, FidelitySettings(), "d")
    assert set(curves.system) == {"irgan-authors-code", "irgan-code"} and len(curves) == 8
    raw = study.curves[(study.curves.system == "irgan-code") & (study.curves.epoch == 2)]["P@5"]
    row = curves[(curves.system == "irgan-code") & (curves.epoch == 2)].iloc[0]
    assert (row["n_seeds"], row["mean"], row["low"], row["high"]) == (5, pytest.approx(raw.mean()),
                                                                       raw.min(), raw.max())


def test_systems_without_spread_are_identical_or_exactly_different(tmp_path):
    """A short schedule leaves both at the released start: the same value for every seed."""
    study = _study(tmp_path, shift=0.0, noise=0.0)
    study.per_user["P@5"] = 0.3  # every seed and user the same, for both systems
    study.curves["P@5"] = 0.3
    table = fidelity(study, FidelitySettings(), 0.05, "d").set_index("view")
    assert set(table["verdict"]) == {"identical"}
    study.per_user.loc[study.per_user.system == "irgan-authors-code", "P@5"] = 0.32
    row = fidelity(study, FidelitySettings(), 0.05, "d").iloc[0]
    assert (row["p_difference"], row["p_equivalence"], row["verdict"]) == (0.0, 1.0, "different")


def test_the_dns_pair_reads_the_curve_of_the_model_its_runs_report(tmp_path):
    study = _study(tmp_path, shift=0.02, pair=("dns-authors-code", "dns"), model="DNS")
    table = fidelity(study, FidelitySettings(), 0.05, "d")
    assert set(table["original"]) == {"dns-authors-code"} and len(table) == 3  # the IRGAN pair did not run
    assert table.set_index("view").loc["final epoch, per seed", "diff"] == pytest.approx(0.02, abs=0.01)
    curves = fidelity_curves(study, FidelitySettings(), "d")
    assert set(curves["system"]) == {"dns-authors-code", "dns"} and set(curves["reference"]) == {"dns"}
