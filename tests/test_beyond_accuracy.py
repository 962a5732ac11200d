"""Beyond-accuracy metrics of the top-10 lists, each against a plain computation on tiny hand-made
data, and the top-10 lists themselves against an independent ranking."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from irgan.contract.beyond_accuracy import (
    BeyondAccuracyError,
    gini,
    item_table,
    per_user_beyond,
    run_beyond,
    top_items_frame,
    user_table,
)
from irgan.models.evaluation import rank_metrics

POPULARITY = np.array([5, 0, 3, 3, 1, 8, 0, 2, 3, 1])  # 10 items
N_USERS = 12


def test_item_table_matches_plain_definitions():
    items = item_table(POPULARITY, N_USERS)
    n = len(POPULARITY)
    for i, p in enumerate(POPULARITY):
        less = sum(q < p for q in POPULARITY)
        same = sum(q == p for q in POPULARITY)
        assert items.loc[i, "percentile"] == pytest.approx(100 * (less + same / 2) / n)
        assert items.loc[i, "self_information"] == pytest.approx(-math.log2((p + 1) / (N_USERS + 1)))
    # the head: ceil(10 % of 10) = 1 item, the most popular (item 5, 8 positives)
    assert items.loc[items["head"], "item"].tolist() == [5]


def test_head_has_fixed_size_and_breaks_ties_by_lower_id():
    items = item_table(np.array([3] * 25), 5)  # every item equally popular: the 3 lowest ids
    assert items.loc[items["head"], "item"].tolist() == [0, 1, 2]


def test_per_user_metrics_match_a_loop_and_skip_empty_slots():
    items = item_table(POPULARITY, N_USERS)
    lists = np.array([[5, 0, 2, 3, 8, 9, 4, 7, 1, 6], [1, 6, 4, 9, 7, -1, -1, -1, -1, -1]])
    table = per_user_beyond(top_items_frame(np.array([3, 7]), lists), items)
    for user, user_list in zip((3, 7), lists, strict=True):
        chosen = [i for i in user_list if i >= 0]
        row = table.set_index("user").loc[user]
        assert row["popularity@10"] == pytest.approx(np.mean([POPULARITY[i] for i in chosen]))
        assert row["novelty@10"] == pytest.approx(
            np.mean([-math.log2((POPULARITY[i] + 1) / (N_USERS + 1)) for i in chosen]))
        assert row["head_share@10"] == pytest.approx(sum(i == 5 for i in chosen) / len(chosen))
        assert row["popularity_percentile@10"] == pytest.approx(
            np.mean([items.loc[i, "percentile"] for i in chosen]))


def test_gini_and_coverage_match_their_textbook_forms():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 20, size=30)
    pairwise = sum(abs(a - b) for a in counts for b in counts) / (2 * len(counts) ** 2 * counts.mean())
    assert gini(counts) == pytest.approx(pairwise)
    assert gini(np.full(7, 4)) == 0.0
    assert gini(np.zeros(5)) == 0.0
    assert gini(np.array([0, 0, 0, 10])) == pytest.approx(0.75)  # one of four items takes every slot
    lists = np.array([[0, 1, 2], [0, 1, 3], [0, 4, -1]])
    run = run_beyond(top_items_frame(np.arange(3), lists), n_items=10)
    assert run["coverage@10"] == pytest.approx(5 / 10)
    counts = np.bincount(lists[lists >= 0], minlength=10)
    assert run["gini@10"] == pytest.approx(
        sum(abs(a - b) for a in counts for b in counts) / (2 * 100 * counts.mean()))


def test_item_ids_of_another_catalogue_are_one_clear_error():
    items = item_table(POPULARITY, N_USERS)
    frame = top_items_frame(np.array([0]), np.array([[3, 12]]))
    with pytest.raises(BeyondAccuracyError, match=r"runs/x/top_items.csv: item ids outside 0..9"):
        per_user_beyond(frame, items, "runs/x/top_items.csv")


def test_user_table_groups_users_in_equal_quartiles():
    items = item_table(POPULARITY, N_USERS)
    train_users = np.repeat(np.arange(8), np.arange(1, 9))  # user u has u + 1 training positives
    test_users = np.arange(8)
    test_items = np.array([5, 1, 0, 6, 2, 3, 9, 8])
    users = user_table(train_users, test_users, test_items, 8, items)
    assert users["train_positives"].tolist() == list(range(1, 9))
    assert users["activity_quartile"].tolist() == ["Q1", "Q1", "Q2", "Q2", "Q3", "Q3", "Q4", "Q4"]
    assert users["test_popularity_percentile"].tolist() == pytest.approx(
        [items.loc[i, "percentile"] for i in test_items])
    assert users.groupby("test_popularity_quartile").size().tolist() == [2, 2, 2, 2]


def test_top_items_follow_the_protocol_ranking_and_ties():
    """The lists are the candidates (no known item) by score, the higher id first among equals;
    -1 once a user's candidates run out."""
    generator = torch.Generator().manual_seed(3)
    scores = torch.randint(0, 4, (6, 14), generator=generator).float()  # many ties
    known = torch.rand(6, 14, generator=generator) < 0.3
    known[5, :] = True
    known[5, :4] = False  # user 5 has 4 candidates only
    relevant = ~known & (torch.rand(6, 14, generator=generator) < 0.4)
    relevant[:, 0] = ~known[:, 0]
    top = rank_metrics(scores, known, relevant, top_k=10)["top_items"]
    for row in range(6):
        candidates = [i for i in range(14) if not known[row, i]]
        expected = sorted(candidates, key=lambda i: (-float(scores[row, i]), -i))[:10]
        expected += [-1] * (10 - len(expected))
        assert top[row].tolist() == expected


def test_write_run_refuses_lists_of_other_users(tmp_path):
    from irgan.contract.runs import RunContractError, make_record, write_run

    per_user = pd.DataFrame({"user": [1, 2], "n_relevant": [1, 1], "n_candidates": [5, 5], "P@5": [0.2, 0.0]})
    record = make_record(status="ok", system="pop", dataset="d", selection="test", seed=1, provenance={})
    with pytest.raises(RunContractError, match="top_items and per_user list different users"):
        write_run(tmp_path, per_user, pd.DataFrame(columns=["epoch", "model", "split"]), record,
                  top_items_frame(np.array([1, 3]), np.zeros((2, 10), dtype=int)))
    assert not any(tmp_path.iterdir())
