"""Each ablation family's generated answer, on hand-made statistics: significant up and down,
nothing significant (with the effect the test could detect), diverged members, members not run, a
member with its own comparator, and the correction each family's tests had."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from irgan.analysis.statistics import StatisticsSettings
from irgan.analysis.study_view import StudyView
from irgan.report.answers import NOT_RUN, answers, family_answer

REF = "irgan-code"


def summary(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """(selection, system, P@5 seed mean; NaN: every run diverged)."""
    return pd.DataFrame([{"dataset": "d", "selection": sel, "system": system, "metric": "P@5",
                          "mean": mean, "sd": 0.01, "ci_low": mean - 0.01, "ci_high": mean + 0.01,
                          "n_seeds": 0 if math.isnan(mean) else 3, "n_runs": 3,
                          "n_diverged": 3 if math.isnan(mean) else 0}
                         for sel, system, mean in rows])


def comparison(selection: str, system: str, diff: float, p_adjusted: float, against: str = REF,
               correction: str = "bh", detectable: float = 0.0123) -> dict:
    """An exploratory ablation test (Benjamini-Hochberg within its family) unless told otherwise."""
    return {"dataset": "d", "kind": "ablation", "ablation_family": "f", "selection": selection,
            "system": system, "reference": against, "metric": "P@5", "mean_diff": diff,
            "boot_low": diff - 0.002, "boot_high": diff + 0.002, "p": p_adjusted / 2, "p_holm": p_adjusted,
            "significant": p_adjusted < 0.05, "p_adjusted": p_adjusted, "correction": correction,
            "confirmatory": correction == "holm", "family": f"d/{selection}/" + (
                "confirmatory" if correction == "holm" else "ablation/f"), "detectable_effect": detectable}


def view(summary_rows, comparison_rows) -> StudyView:
    return StudyView(summary(summary_rows), pd.DataFrame(comparison_rows), reference=REF, dataset="d")


def test_a_significant_rise_names_the_direction_the_largest_difference_and_its_interval():
    v = view([("validation", REF, 0.3), ("validation", "irgan-a", 0.33), ("validation", "irgan-b", 0.31)],
             [comparison("validation", "irgan-a", 0.03, 0.001),
              comparison("validation", "irgan-b", 0.01, 0.2)])
    text = family_answer(v, ["irgan-a", "irgan-b"], "P@5", 0.95)
    assert text == ("On P@5, under the honest protocol, 1 of 2 compared differs significantly from their "
                    "comparator after Benjamini-Hochberg within the family (exploratory) (1 higher); the "
                    "largest: `irgan-a` − `irgan-code` +0.0300 (95% CI [+0.0280, +0.0320]); the other 1 "
                    "n.s., detectable |Δ| ≥ 0.0123.")


def test_significant_falls_and_rises_are_counted_and_the_largest_in_size_is_named():
    v = view([("test", REF, 0.3), ("test", "irgan-a", 0.25), ("test", "irgan-b", 0.32)],
             [comparison("test", "irgan-a", -0.05, 0.0001), comparison("test", "irgan-b", 0.02, 0.01)])
    text = family_answer(v, ["irgan-a", "irgan-b"], "P@5", 0.95)
    assert "under the paper protocol, 2 of 2 compared differ significantly" in text
    assert "(1 higher and 1 lower)" in text
    assert "the largest: `irgan-a` − `irgan-code` -0.0500" in text


def test_nothing_significant_says_none_differs_with_the_largest_difference_per_protocol():
    v = view([(sel, s, 0.3) for sel in ("test", "validation") for s in (REF, "irgan-a", "irgan-b")],
             [comparison("test", "irgan-a", 0.004, 0.6), comparison("test", "irgan-b", -0.009, 0.3),
              comparison("validation", "irgan-a", 0.001, 0.9)])
    text = family_answer(v, ["irgan-a", "irgan-b"], "P@5", 0.95)
    head, tail = text.split("; under the honest protocol, ")
    assert head == ("On P@5, under the paper protocol, none of the 2 compared differs significantly from "
                    "their comparator after Benjamini-Hochberg within the family (exploratory) (the largest "
                    "difference: `irgan-b` − `irgan-code` -0.0090 (95% CI [-0.0110, -0.0070]; n.s., "
                    "detectable |Δ| ≥ 0.0123))")
    # irgan-b has no honest comparison (its comparator did not run there): one member compared
    assert tail.startswith("the one member compared does not differ significantly from its comparator")


def test_diverged_members_are_named_and_a_family_that_did_not_run_says_so():
    v = view([("validation", REF, 0.3), ("validation", "irgan-a", math.nan), ("validation", "irgan-b", 0.3)],
             [comparison("validation", "irgan-b", 0.0, 1.0)])
    text = family_answer(v, ["irgan-a", "irgan-b"], "P@5", 0.95)
    assert text.endswith("; every run of `irgan-a` diverged.")
    only_diverged = family_answer(v, ["irgan-a"], "P@5", 0.95)
    assert only_diverged == ("On P@5, under the honest protocol, no member could be tested (diverged, or its "
                             "comparator did not run); every run of `irgan-a` diverged.")
    assert family_answer(v, [], "P@5", 0.95) == NOT_RUN
    assert family_answer(v, ["irgan-never-ran"], "P@5", 0.95) == NOT_RUN


def test_a_member_is_judged_against_its_own_comparator():
    v = view([("validation", REF, 0.3), ("validation", "irgan-own", 0.25), ("validation", "irgan-x", 0.2)],
             [comparison("validation", "irgan-x", -0.05, 0.001, against="irgan-own")])
    assert "`irgan-x` − `irgan-own` -0.0500" in family_answer(v, ["irgan-x"], "P@5", 0.95)


def test_the_answers_table_has_one_row_per_family_and_other():
    settings = StatisticsSettings.from_config({"families": {
        "up": {"question": "Does a   help?", "systems": ["irgan-a"]},
        "absent": {"question": "Never run?", "systems": ["irgan-z*"]}}})
    v = view([("validation", REF, 0.3), ("validation", "irgan-a", 0.33), ("validation", "irgan-q", 0.3)],
             [comparison("validation", "irgan-a", 0.03, 0.001),
              comparison("validation", "irgan-q", 0.0, 1.0)])
    table = answers(v, settings).set_index("family")
    assert list(table.index) == ["up", "absent", "other"]
    assert table.loc["up", "question"] == "Does a help?"
    assert "1 of 1 compared differs significantly" in table.loc["up", "answer"]
    assert table.loc["absent", "answer"] == NOT_RUN
    assert table.loc["other", "members"] == "irgan-q"
    assert "does not differ" in table.loc["other", "answer"]


@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_the_interval_states_its_level(confidence):
    v = view([("validation", REF, 0.3), ("validation", "irgan-a", 0.33)],
             [comparison("validation", "irgan-a", 0.03, 0.001)])
    assert f"({confidence:.0%} CI [" in family_answer(v, ["irgan-a"], "P@5", confidence)


def test_every_n_s_says_how_large_a_difference_the_test_could_detect():
    v = view([("validation", REF, 0.3), ("validation", "irgan-a", 0.33), ("validation", "irgan-b", 0.31),
              ("validation", "irgan-c", 0.30)],
             [comparison("validation", "irgan-a", 0.03, 0.001),
              comparison("validation", "irgan-b", 0.01, 0.2, detectable=0.0151),
              comparison("validation", "irgan-c", 0.0, 0.9, detectable=0.0102)])
    assert "; the other 2 n.s., detectable |Δ| ≥ 0.0102 to 0.0151." in family_answer(
        v, ["irgan-a", "irgan-b", "irgan-c"], "P@5", 0.95)
    alone = family_answer(v, ["irgan-b"], "P@5", 0.95)
    assert "n.s., detectable |Δ| ≥ 0.0151)" in alone


def test_the_answer_names_the_correction_its_tests_had():
    rows = [("validation", REF, 0.3), ("validation", "irgan-a", 0.33), ("validation", "irgan-b", 0.3)]
    confirmatory = view(rows, [comparison("validation", "irgan-a", 0.03, 0.001, correction="holm")])
    text = family_answer(confirmatory, ["irgan-a"], "P@5", 0.95)
    assert "after Holm (the ledger's confirmatory claims)" in text
    mixed = view(rows, [comparison("validation", "irgan-a", 0.03, 0.001, correction="holm"),
                        comparison("validation", "irgan-b", 0.0, 0.9)])
    assert "after correction (Holm for the ledger's confirmatory claims, Benjamini-Hochberg within the " \
        "family otherwise)" in family_answer(mixed, ["irgan-a", "irgan-b"], "P@5", 0.95)
    design = ("p_adjusted", "correction", "confirmatory", "family", "detectable_effect")
    row = comparison("validation", "irgan-b", 0.0, 0.9)
    old = view(rows, [{k: v for k, v in row.items() if k not in design}])
    text = family_answer(old, ["irgan-b"], "P@5", 0.95)  # statistics from before the design: all-tests Holm
    assert "after Holm (the largest difference" in text and "no detectable effect computable" in text
