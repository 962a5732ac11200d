"""Does our DNS give a start like the authors' released file? Statistics, verdicts, the run."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from irgan.contract.runs import read_run
from irgan.original.audit import RELEASED_START_SYSTEM, write_released_start_run
from irgan.original.start_match import (
    released_statistics,
    run_match,
    start_statistics,
    verdict_sentence,
    within,
)
from irgan.train.components import MFParams, Positives
from tests.conftest import tiny_dataset

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def authors_pickle(path, n_users: int, n_items: int, dim: int = 3, scale: float = 0.3, seed: int = 0):
    """A checkpoint in the authors' layout: a pickled list [user_emb, item_emb, item_bias]."""
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-scale, scale, (n_users, dim)).astype(np.float32),
              rng.uniform(-scale, scale, (n_items, dim)).astype(np.float32),
              rng.uniform(-scale, scale, n_items).astype(np.float32)]
    path.write_bytes(pickle.dumps(arrays, protocol=2))
    return arrays


def test_start_statistics_against_numpy():
    dataset = tiny_dataset(n_users=12, n_items=20, seed=3)
    positives = Positives.from_pairs(dataset.training_positives("test"), dataset.n_users, dataset.n_items)
    rng = np.random.default_rng(1)
    user, item, bias = (rng.normal(size=(12, 4)), rng.normal(size=(20, 4)), rng.normal(size=20))
    params = MFParams.from_state({"user_emb": user, "item_emb": item, "item_bias": bias})
    stats = start_statistics(params, positives, temperature=0.2)
    logits = (user @ item.T + bias)[positives.user_ids].astype(np.float32).astype(np.float64)
    z = logits / 0.2
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    entropy = -(p * np.log(p)).sum(1)
    positive = np.zeros_like(p, dtype=bool)
    for k, u in enumerate(positives.user_ids):
        positive[k, positives.items[positives.users == u]] = True
    assert stats["logit_sd"] == pytest.approx(logits.std(axis=1, ddof=1).mean(), rel=1e-5)
    assert stats["perplexity"] == pytest.approx(np.exp(entropy).mean(), rel=1e-5)
    assert stats["positive_mass"] == pytest.approx((p * positive).sum(1).mean(), rel=1e-5)


def test_the_tolerances_are_the_issue_targets():
    target = {"P@5": 0.3474, "logit_sd": 0.135, "perplexity": 536.0}
    assert all(within({"P@5": 0.3520, "logit_sd": 0.17, "perplexity": 400.0}, target).values())
    verdict = within({"P@5": 0.3530, "logit_sd": 0.37, "perplexity": 56.0}, target)
    assert verdict == {"P@5": False, "logit_sd": False, "perplexity": False}


def test_released_statistics_of_the_authors_file(ml100k, mirror):
    stats = released_statistics(ml100k, mirror / "model_dns_ori.pkl")
    # PROTOCOL.md, measured independently: P@5 0.3474, logit sd 0.135, perplexity 536
    assert stats["P@5"] == pytest.approx(0.3474, abs=5e-5)
    assert stats["logit_sd"] == pytest.approx(0.135, abs=5e-4)
    assert stats["perplexity"] == pytest.approx(536, abs=1)


def test_a_small_match_writes_every_epoch_and_a_verdict(tmp_path):
    dataset = tiny_dataset(n_users=20, n_items=30, seed=2)
    authors_pickle(tmp_path / "start.pkl", dataset.n_users, dataset.n_items)
    frame, summary, text = run_match(dataset, tmp_path / "start.pkl", {"l2": [0.1, 0.5]}, [1], [1, 2])
    assert set(frame["setting"]) == {json.dumps({"l2": 0.1}), json.dumps({"l2": 0.5})}
    published = frame[frame["setting"] == json.dumps({"l2": 0.1})]
    assert sorted(set(published["seed"])) == [1, 2] and set(published["epoch"]) == set(range(81))
    assert (published.groupby("seed")["selected"].sum() == 1).all()
    assert len(summary) == 2 and "(published)" in text and "meet all three targets" in text
    sentence = verdict_sentence(frame)
    assert "over 2 seeds" in sentence and "of 2 settings" in sentence


def test_the_released_start_as_a_run(ml100k, mirror, tmp_path):
    directory = tmp_path / "runs" / "test" / RELEASED_START_SYSTEM / "seed-3"
    write_released_start_run(directory, ml100k, mirror / "model_dns_ori.pkl", 3, {"note": "test"})
    per_user, curve, record = read_run(directory)
    assert len(per_user) == 456 and per_user["P@5"].mean() == pytest.approx(0.3474, abs=5e-5)
    assert record["status"] == "ok" and record["deterministic"] is True and record["seed"] == 3
    assert record["selection"] == "test" and record["system"] == RELEASED_START_SYSTEM
    assert curve["P@5"].iloc[0] == pytest.approx(per_user["P@5"].mean())
    assert isinstance(per_user, pd.DataFrame)


def test_the_authors_own_dns_against_the_released_start(ml100k, mirror, tmp_path):
    """The released file itself matches; the same file with its logits doubled (twice the scale,
    the same ranking and P@5) does not: the audit looks at scale, not only at P@5."""
    from irgan.original.start_match import authors_dns_match

    user, item, bias = pickle.load(open(mirror / "model_dns_ori.pkl", "rb"), encoding="latin1")
    doubled = tmp_path / "model_dns.pkl"
    doubled.write_bytes(pickle.dumps([user * 2, item, bias * 2], protocol=2))
    frame, table, sentence = authors_dns_match(ml100k, mirror / "model_dns_ori.pkl",
                                               {1: mirror / "model_dns_ori.pkl", 2: doubled})
    assert frame["matches"].tolist() == [True, False]
    assert frame.loc[1, "P@5"] == pytest.approx(frame.loc[0, "P@5"])
    assert frame.loc[1, "logit_sd"] == pytest.approx(2 * frame.loc[0, "logit_sd"], rel=1e-4)
    assert "their `cf_dns.py`, seed 2" in table and "1 of 2 meet all three targets" in sentence
