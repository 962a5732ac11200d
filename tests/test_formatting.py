"""The one set of words and number formats: table cells and sentences."""

from __future__ import annotations

import math

import pandas as pd

from irgan.formatting import (
    DOWN,
    UP,
    code_list,
    direction,
    epoch_text,
    mean_sd,
    number,
    number_text,
    p_is,
    p_text,
    p_value,
    protocol_name,
    protocol_title,
    signed,
    signed_text,
    the_protocol,
)
from irgan.report.render import markdown


def test_selection_rules_are_named_one_way_in_three_lengths():
    assert protocol_name("test") == "paper protocol" and protocol_name("validation") == "honest protocol"
    assert the_protocol("validation") == "the honest protocol"
    assert protocol_title("test") == "paper protocol (epoch chosen on the test set)"
    assert protocol_title("validation") == "honest protocol (epoch chosen on validation)"


def test_cells_show_a_dash_and_sentences_say_n_a_for_a_missing_value():
    for missing in (None, math.nan, math.inf):
        assert number(missing) == signed(missing) == p_value(missing) == "–"
        assert number_text(missing) == signed_text(missing) == p_text(missing) == "n/a"
    assert number(0.123456) == number_text(0.123456) == "0.1235" and number(0.5, 2) == "0.50"
    assert signed(0.01) == "+0.0100" and signed_text(-0.01) == "-0.0100"


def test_p_values_in_cells_and_in_sentences():
    assert p_value(0.04567) == "0.0457" and p_value(3e-5) == "<0.0001"
    assert p_text(3e-5) == "< 0.0001" and p_text(0.5) == "0.5000"
    assert p_is(0.0102) == "p = 0.0102" and p_is(1e-9) == "p < 0.0001" and p_is(math.nan) == "p n/a"


def test_means_epochs_and_markers():
    assert mean_sd(0.3, 0.01) == "0.3000 ± 0.0100"
    assert mean_sd(0.3, 0.0) == mean_sd(0.3, math.nan) == "0.3000"
    assert mean_sd(0.3, 0.01, deterministic=True) == "0.3000 (deterministic)"
    assert mean_sd(math.nan, 0.1) == "–"
    assert epoch_text(42.0) == "42" and epoch_text(41.5) == "41.5" and epoch_text(None) == "–"
    assert direction(0.1, True) == UP and direction(-0.1, True) == DOWN
    assert direction(0.1, False) == direction(0.0, True) == direction(math.nan, True) == ""
    assert code_list(["a", "b"]) == "`a`, `b`" and code_list([]) == "none"


def test_markdown_aligns_number_columns_right_unless_told():
    frame = pd.DataFrame({"system": ["`a`"], "P@5": ["0.3000"], "paper": [""]})
    assert markdown(frame).splitlines()[1] == "|---|---:|---:|"
    assert markdown(frame, align=["---", "---", "---:"]).splitlines()[1] == "|---|---|---:|"
    assert markdown(frame).splitlines()[2] == "| `a` | 0.3000 |  |"
