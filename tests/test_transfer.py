"""Does it transfer? The cross-dataset table's numbers, outcomes and sentences from hand-made statistics."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from irgan.analysis.statistics import StatisticsSettings
from irgan.analysis.study_view import StudyView
from irgan.analysis.transfer import (
    HIGHER,
    LOWER,
    NO_DIFFERENCE,
    NOT_TESTED,
    TransferError,
    findings,
    holds_sentences,
    ledger_sentences,
    ledger_verdicts,
    transfer_frame,
)
from irgan.report.transfer import (
    NOT_RUN,
    display_rows,
    read_dataset,
    transfer_figure,
    transfer_table,
    transfer_values,
    write_transfer,
)

SETTINGS = StatisticsSettings.from_config({
    "reference": "irgan-code",
    "headline": {"metric": "P@5"},
    "starting_point": ["dns-released", "dns"],
    "equal_budget": {"system": "irgan-tuned", "systems": ["*-tuned"], "also": ["irgan-code"]},
    "families": {"pre-training": {"question": "q", "systems": ["irgan-pretrain-*"]},
                 "generator-only": {"question": "q", "systems": ["irgan-frozen-d"]}},
})

# (selection, system) -> seed mean of P@5 on the first dataset; the second shifts some of them
MEANS = {
    ("test", "irgan-code"): 0.374, ("validation", "irgan-code"): 0.347,
    ("test", "dns-released"): 0.347, ("test", "dns"): 0.351, ("validation", "dns"): 0.332,
    ("test", "bpr"): 0.382, ("validation", "bpr"): 0.355,
    ("test", "lambdafm"): 0.418, ("validation", "lambdafm"): 0.395,
    ("test", "pop"): 0.234, ("validation", "pop"): 0.232,
    ("validation", "irgan-tuned"): 0.346, ("validation", "ease-tuned"): 0.398,
    ("validation", "bpr-tuned"): 0.364,
    ("test", "irgan-pretrain-none"): 0.211, ("validation", "irgan-pretrain-none"): 0.200,
    ("test", "irgan-pretrain-both"): 0.368, ("validation", "irgan-pretrain-both"): 0.348,
    ("validation", "irgan-frozen-d"): 0.337,
}


def summary(dataset: str, means: dict) -> pd.DataFrame:
    rows = [{"dataset": dataset, "selection": sel, "system": system, "metric": "P@5", "mean": mean,
             "sd": 0.01, "ci_low": mean - 0.01, "ci_high": mean + 0.01, "n_seeds": 5, "n_runs": 5,
             "n_diverged": 0, "seed_values": "", "interval": "t", "seed_min": mean - 0.02,
             "seed_max": mean + 0.02, "deterministic": False} for (sel, system), mean in means.items()]
    return pd.DataFrame(rows)


def comparison(dataset, kind, family, selection, system, reference, diff, significant, width=0.01,
               p=None, detectable=0.02) -> dict:
    return {"dataset": dataset, "kind": kind, "ablation_family": family, "selection": selection,
            "system": system, "reference": reference, "metric": "P@5", "mean_diff": diff,
            "boot_low": diff - width, "boot_high": diff + width, "significant": significant,
            "p_adjusted": p if p is not None else (0.001 if significant else 0.4), "family": f"{dataset}/x",
            "confirmatory": False, "correction": "bh", "detectable_effect": detectable}


def comparisons(dataset: str, means: dict, significant: dict | None = None) -> pd.DataFrame:
    """The comparisons the statistics make, their differences from ``means``; ``significant``
    overrides the default (|difference| > 0.005) per (kind, selection, system, reference)."""
    significant = significant or {}
    rows = []

    def add(kind, family, sel, system, reference):
        diff = means[(sel, system)] - means[(sel, reference)]
        flag = significant.get((kind, sel, system, reference), abs(diff) > 0.005)
        rows.append(comparison(dataset, kind, family, sel, system, reference, diff, flag))

    for sel in ("test", "validation"):
        for base in ("dns", "bpr", "lambdafm", "pop") + (("dns-released",) if sel == "test" else ()):
            add("irgan-vs-baseline", "", sel, "irgan-code", base)
        for member in ("irgan-pretrain-none", "irgan-pretrain-both"):
            add("ablation", "pre-training", sel, member, "irgan-code")
    add("ablation", "generator-only", "validation", "irgan-frozen-d", "irgan-code")
    for other in ("ease-tuned", "bpr-tuned", "irgan-code"):
        add("equal-budget", "equal-budget", "validation", "irgan-tuned", other)
    rows.append(comparison(dataset, "optimism", "", "validation", "irgan-code", "irgan-code", 0.008,
                           significant.get(("optimism",), False), width=0.007))
    return pd.DataFrame(rows)


def view(dataset: str, means: dict, significant: dict | None = None) -> StudyView:
    return StudyView(summary(dataset, means), comparisons(dataset, means, significant), None, "irgan-code",
                     dataset)


def frame_of(second_means: dict | None = None, significant: dict | None = None) -> pd.DataFrame:
    views = {"first": view("first", MEANS), "second": view("second", second_means or MEANS, significant)}
    return transfer_frame({name: findings(v, SETTINGS, name) for name, v in views.items()})


def row(frame, dataset, question, selection, system=None):
    rows = frame[(frame["dataset"] == dataset) & (frame["question"] == question)
                 & (frame["selection"] == selection)]
    if system is not None:
        rows = rows[rows["system"] == system]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_each_question_takes_its_numbers_from_the_right_comparison():
    frame = frame_of()
    # the start: the released file where it ran (paper protocol), this project's DNS otherwise
    start = row(frame, "first", "gain-over-start", "test")
    assert start["comparator"] == "dns-released"
    assert start["estimate"] == pytest.approx(0.374 - 0.347)
    assert row(frame, "first", "gain-over-start", "validation")["comparator"] == "dns"
    # the strongest baseline by seed mean among those compared (an independent max over MEANS)
    for sel in ("test", "validation"):
        compared = ["dns", "bpr", "lambdafm", "pop"]
        best = max(compared, key=lambda s: MEANS[(sel, s)])
        found = row(frame, "first", "strongest-baseline", sel)
        assert found["comparator"] == best == "lambdafm"
        assert found["estimate"] == pytest.approx(MEANS[(sel, "irgan-code")] - MEANS[(sel, best)])
        assert (found["low"], found["high"]) == pytest.approx((found["estimate"] - 0.01,
                                                                found["estimate"] + 0.01))
        assert found["outcome"] == LOWER
    # equal budget: the strongest tuned system, not the untuned reference of `also`
    budget = row(frame, "first", "equal-budget", "validation")
    assert (budget["system"], budget["comparator"]) == ("irgan-tuned", "ease-tuned")
    assert budget["estimate"] == pytest.approx(0.346 - 0.398)
    optimism = row(frame, "first", "optimism", "validation")
    assert (optimism["estimate"], optimism["outcome"]) == (pytest.approx(0.008), NO_DIFFERENCE)
    level = row(frame, "first", "reference", "test")
    assert (level["estimate"], level["low"], level["high"]) == pytest.approx((0.374, 0.364, 0.384))
    members = frame[(frame["dataset"] == "first") & (frame["question"] == "ablation")]
    expected = {("pre-training", member, sel) for member in ("irgan-pretrain-none", "irgan-pretrain-both")
                for sel in ("test", "validation")} | {("generator-only", "irgan-frozen-d", "validation")}
    assert set(zip(members["family"], members["system"], members["selection"], strict=True)) == expected


def test_a_comparison_stored_the_other_way_round_is_read_as_system_minus_comparator():
    data = comparisons("first", MEANS)
    mask = ((data["system"] == "irgan-code") & (data["reference"] == "dns")
            & (data["selection"] == "validation"))
    stored = data[mask].iloc[0]
    data.loc[mask, ["system", "reference", "mean_diff", "boot_low", "boot_high"]] = [
        "dns", "irgan-code", -stored["mean_diff"], -stored["boot_high"], -stored["boot_low"]]
    reversed_view = StudyView(summary("first", MEANS), data, None, "irgan-code", "first")
    found = next(f for f in findings(reversed_view, SETTINGS, "first")
                 if f.question == "gain-over-start" and f.selection == "validation")
    assert (found.estimate, found.low, found.high) == pytest.approx(
        (stored["mean_diff"], stored["boot_low"], stored["boot_high"]))


def test_holds_and_the_sentences_follow_the_numbers():
    same = frame_of()
    assert set(same.loc[same["dataset"] == "second", "holds"]) <= {"yes", ""}
    honest_gain = "The reference's gain over its start (P@5, the honest protocol)"
    sentence = next(s for s in holds_sentences(same, 0.95) if s.startswith(honest_gain))
    assert "it holds on `second` (+0.0150, 95% CI [+0.0050, +0.0250])" in sentence
    assert "on `first` significantly above 0 (+0.0150" in sentence

    # on the second dataset the adversarial phase no longer beats its start, and pretrain-none
    # no longer loses: the same questions now fail to transfer, and the sentences say so
    moved = dict(MEANS) | {("validation", "irgan-code"): 0.333, ("validation", "irgan-pretrain-none"): 0.333,
                           ("validation", "irgan-pretrain-both"): 0.334}
    frame = frame_of(moved)
    start = row(frame, "second", "gain-over-start", "validation")
    assert start["estimate"] == pytest.approx(0.333 - 0.332)
    assert (start["outcome"], start["holds"]) == (NO_DIFFERENCE, "no")
    sentences = holds_sentences(frame, 0.95)
    gain = next(s for s in sentences if s.startswith("The reference's gain over its start (P@5, the honest"))
    assert "it does not hold on `second` (no difference (+0.0010, 95% CI [-0.0090, +0.0110]; n.s., " \
           "detectable |Δ| ≥ 0.0200))" in gain
    family = next(s for s in sentences if s.startswith("Ablation family `pre-training` (P@5, the honest"))
    assert ("on `first` 1 of its 2 members tested differs from their comparator (`irgan-pretrain-none` "
            "lower)") in family
    assert ("on `second` it holds for `irgan-pretrain-both` but not for `irgan-pretrain-none` (no difference)"
            in family)
    assert sentences != holds_sentences(same, 0.95)


def test_significance_alone_changes_the_outcome():
    """The same difference, significant on one dataset and not on the other (its family's correction)."""
    frame = frame_of(significant={("irgan-vs-baseline", "test", "irgan-code", "lambdafm"): False})
    found = row(frame, "second", "strongest-baseline", "test")
    assert found["estimate"] == pytest.approx(row(frame, "first", "strongest-baseline", "test")["estimate"])
    assert (found["outcome"], found["holds"]) == (NO_DIFFERENCE, "no")


def test_a_question_not_tested_on_a_dataset_is_neither_held_nor_failed():
    means = {key: value for key, value in MEANS.items() if not key[1].endswith("-tuned")}
    data = comparisons("second", MEANS)
    data = data[data["kind"] != "equal-budget"]
    views = {"first": view("first", MEANS), "second": StudyView(summary("second", means), data, None,
                                                                 "irgan-code", "second")}
    frame = transfer_frame({name: findings(v, SETTINGS, name) for name, v in views.items()})
    found = row(frame, "second", "equal-budget", "validation")
    assert (found["outcome"], found["holds"]) == (NOT_TESTED, "n/a")
    sentence = next(s for s in holds_sentences(frame, 0.95) if s.startswith("The tuned IRGAN"))
    assert sentence.endswith("it was not tested on `second`.")


def test_the_table_cells_and_the_ledgers_side_by_side():
    frame = frame_of()
    first = pd.DataFrame({"claim_id": ["irgan-beats-bpr", "test-selection-inflates", "irgan-published-P@5"],
                          "claim": ["IRGAN beats BPR.", "Test selection inflates.", "Published figure."],
                          "verdict": ["not reproduced", "inconclusive at this power", "reproduced"]})
    second = first.iloc[:2].assign(verdict=["not reproduced", "reproduced"])
    verdicts = ledger_verdicts({"first": first, "second": second})
    assert list(verdicts.columns) == ["claim_id", "claim", "first", "second"]
    assert verdicts.set_index("claim_id").loc["irgan-published-P@5", "second"] == ""
    [sentence] = ledger_sentences(verdicts)
    assert sentence.startswith("The claims ledger on `second`: 1 of the 2 claims judged on both keep `first`")
    assert "`test-selection-inflates` inconclusive at this power → reproduced" in sentence
    assert "1 of `first`'s claims could not be judged there" in sentence

    rows = display_rows(frame, ["first", "second"]).set_index(["question", "protocol"])
    cell = rows.loc[("the reference against the strongest baseline (irgan-code − the strongest baseline)",
                     "honest protocol"), "first"]
    diff = MEANS[("validation", "irgan-code")] - MEANS[("validation", "lambdafm")]
    assert cell == f"{diff:+.4f} [{diff - 0.01:+.4f}, {diff + 0.01:+.4f}] ↓"
    assert rows.loc[("the reference's P@5", "paper protocol"), "second"] == "0.3740 [0.3640, 0.3840]"
    family = rows.loc[("ablation: pre-training", "honest protocol")]
    none = MEANS[("validation", "irgan-pretrain-none")] - MEANS[("validation", "irgan-code")]
    assert family["first"] == (f"1 of 2 differ; largest irgan-pretrain-none {none:+.4f} "
                               f"[{none - 0.01:+.4f}, {none + 0.01:+.4f}] ↓")
    assert family["holds"] == "second: yes"

    table = transfer_table(frame, verdicts, SETTINGS)
    ledger = table.sections[1][1].set_index("question")
    assert ledger.loc["test-selection-inflates", "holds"] == "second: no"
    assert ledger.loc["irgan-published-P@5", "second"] == "–"
    assert table.notes[:-1] == holds_sentences(frame, 0.95) + ledger_sentences(verdicts)


def test_the_rule_writes_table_figure_and_the_papers_section(tmp_path):
    frame = frame_of()
    ledger = pd.DataFrame({"claim_id": ["a"], "claim": ["A."], "verdict": ["reproduced"]})
    verdicts = ledger_verdicts({"first": ledger, "second": ledger})
    table = transfer_table(frame, verdicts, SETTINGS)
    paths = {fmt: tmp_path / "transfer" / name for fmt, name in
             {"csv": "tables/transfer.csv", "md": "tables/transfer.md", "tex": "tables/transfer.tex",
              "html": "tables/transfer.html", "png": "figures/transfer.png", "pdf": "figures/transfer.pdf",
              "json": "transfer.json"}.items()}
    write_transfer(table, transfer_figure(frame, SETTINGS), paths, {"config": {}})
    assert all(path.is_file() and path.stat().st_size > 0 for path in paths.values())
    written = pd.read_csv(paths["csv"], keep_default_na=False)
    assert set(written["question"]) == {"reference", "gain-over-start", "strongest-baseline", "equal-budget",
                                        "optimism", "ablation", "ledger"}
    budget = written[(written["question"] == "equal-budget") & (written["dataset"] == "second")].iloc[0]
    assert float(budget["estimate"]) == pytest.approx(0.346 - 0.398)
    record = json.loads(paths["json"].read_text())
    assert record["datasets"] == ["first", "second"] and record["sentences"] == table.notes[:-1]

    assert transfer_values({}, tmp_path / "paper" / "paper.md") == {"transfer_section": NOT_RUN}
    given = {f"transfer_{fmt}": paths[fmt] for fmt in ("json", "md", "png", "pdf")}
    section = transfer_values(given, tmp_path / "paper" / "paper.md")["transfer_section"]
    assert section.startswith(f"- {record['sentences'][0]}")
    assert "](../transfer/figures/transfer.png)" in section
    assert "| question | protocol | first | second | holds |" in section


def test_one_dataset_or_a_missing_file_is_one_clear_error(tmp_path):
    with pytest.raises(TransferError, match="at least two datasets"):
        transfer_frame({"first": findings(view("first", MEANS), SETTINGS, "first")})
    paths = {name: tmp_path / f"{name}.csv" for name in ("summary", "comparisons", "optimism_summary")}
    with pytest.raises(TransferError, match=r"summary.csv: missing; run the statistics rule of ciao-cfgan"):
        read_dataset("ciao-cfgan", paths, tmp_path / "claims.csv", SETTINGS)
    with pytest.raises(TransferError, match="the claims ledger of second has no column verdict"):
        ledger = pd.DataFrame({"claim_id": ["a"], "claim": ["A."], "verdict": ["reproduced"]})
        ledger_verdicts({"first": ledger, "second": ledger.drop(columns="verdict")})


def test_outcomes_are_the_three_words_and_untested():
    frame = frame_of()
    assert set(frame["outcome"]) <= {HIGHER, LOWER, NO_DIFFERENCE, NOT_TESTED, ""}
