"""The evaluation protocol against hand computations and trec_eval (pytrec-eval-terrier)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import pytrec_eval
import torch

from irgan.data.dataset import Dataset, build_dataset
from irgan.data.ratings import Interactions
from irgan.models.evaluation import (
    Evaluator,
    NonFiniteScoresError,
    cutoff_metrics,
    evaluate_scores,
    metric_names,
    rank_by_score,
    rank_metrics,
)
from tests.conftest import VALIDATION, tiny_dataset

METRICS = metric_names()


def one_user(scores, known, relevant):
    to = lambda v, dt: torch.tensor([v], dtype=dt)  # noqa: E731
    out = rank_metrics(to(scores, torch.float32), to(known, torch.bool), to(relevant, torch.bool))
    return {k: float(v[0]) for k, v in out.items()}


def test_ties_rank_the_higher_item_id_first():
    order = rank_by_score(torch.tensor([[0.5, 0.9, 0.5, 0.9, 0.1]]))
    assert order.tolist() == [[3, 1, 2, 0, 4]]


def test_hand_computed_case():
    # items 0..5; item 1 is a known training positive (not a candidate).
    # ranking of candidates: 5 (0.9), 3 (0.8, tie with 2 -> higher id first), 2 (0.8), 0 (0.5), 4 (0.1)
    scores = [0.5, 1.0, 0.8, 0.8, 0.1, 0.9]
    known = [False, True, False, False, False, False]
    relevant = [False, True, True, False, True, False]  # item 1 is known, so only 2 and 4 count
    m = one_user(scores, known, relevant)
    # hits at candidate ranks 3 (item 2) and 5 (item 4)
    assert m["n_relevant"] == 2 and m["n_candidates"] == 5
    assert m["P@3"] == pytest.approx(1 / 3)
    assert m["P@5"] == pytest.approx(2 / 5)
    assert m["P@10"] == pytest.approx(2 / 10)  # fewer candidates than k: still divided by k
    assert m["MRR"] == pytest.approx(1 / 3)
    assert m["MAP"] == pytest.approx((1 / 3 + 2 / 5) / 2)
    ideal3 = 1 + 1 / math.log2(3)
    assert m["NDCG@3"] == pytest.approx((1 / math.log2(4)) / ideal3)
    assert m["NDCG@5"] == pytest.approx((1 / math.log2(4) + 1 / math.log2(6)) / ideal3)


def test_tie_breaking_changes_metrics_as_the_authors_code_does():
    # two items tie; only the lower id is relevant -> it ranks second
    m = one_user([0.3, 0.3], [False, False], [True, False])
    assert m["MRR"] == pytest.approx(0.5)
    m = one_user([0.3, 0.3], [False, False], [False, True])
    assert m["MRR"] == pytest.approx(1.0)


def test_user_without_relevant_candidate_gets_nan_and_is_not_evaluated():
    m = one_user([0.1, 0.2], [False, True], [False, True])
    assert all(math.isnan(m[name]) for name in METRICS)
    dataset = tiny_dataset()
    per_user = evaluate_scores(lambda u: torch.zeros(len(u), dataset.n_items), dataset)
    test_users = set(dataset.test_positives.users.tolist())
    assert set(per_user["user"]) <= test_users
    assert (per_user["n_relevant"] > 0).all()


def test_nan_scores_are_refused():
    with pytest.raises(NonFiniteScoresError):
        one_user([float("nan"), 0.0], [False, False], [True, False])


def authors_reference(scores: np.ndarray, train_pos: set, test_pos: set, n_items: int) -> dict:
    """A line-by-line transcription of the protocol as PROTOCOL.md states it (per user)."""
    candidates = [i for i in range(n_items) if i not in train_pos]
    ranked = sorted(((i, scores[i]) for i in candidates), key=lambda x: x[1])
    ranked.reverse()  # stable ascending sort reversed: ties -> higher id first
    r = [1 if i in test_pos else 0 for i, _ in ranked]
    out = {}
    for k in (3, 5, 10):
        out[f"P@{k}"] = sum(r[:k]) / k
        dcg = sum(x / math.log2(j + 2) for j, x in enumerate(r[:k]))
        ideal = sum(x / math.log2(j + 2) for j, x in enumerate(sorted(r, reverse=True)[:k]))
        out[f"NDCG@{k}"] = dcg / ideal
    hits = [j + 1 for j, x in enumerate(r) if x]
    out["MAP"] = sum((n + 1) / rank for n, rank in enumerate(hits)) / len(hits)
    out["MRR"] = 1 / hits[0]
    return out


def random_dataset_with_ties(seed: int) -> tuple[Dataset, torch.Tensor]:
    ds = tiny_dataset(n_users=40, n_items=60, seed=seed)
    gen = torch.Generator().manual_seed(seed)
    scores = torch.randint(0, 6, (ds.n_users, ds.n_items), generator=gen).float() / 5  # many ties
    return ds, scores


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_a_direct_transcription_of_the_protocol(seed):
    ds, scores = random_dataset_with_ties(seed)
    per_user = evaluate_scores(lambda u: scores[u], ds)
    train_pos, test_pos = {}, {}
    for u, i in zip(ds.train_positives.users, ds.train_positives.items, strict=True):
        train_pos.setdefault(int(u), set()).add(int(i))
    for u, i in zip(ds.test_positives.users, ds.test_positives.items, strict=True):
        test_pos.setdefault(int(u), set()).add(int(i))
    for row in per_user.itertuples(index=False):
        ref = authors_reference(
            scores[row.user].numpy(), train_pos.get(row.user, set()), test_pos[row.user], ds.n_items
        )
        got = per_user.set_index("user").loc[row.user]
        for name in METRICS:
            assert got[name] == pytest.approx(ref[name], abs=1e-12), (row.user, name)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_agrees_with_trec_eval_on_random_data_with_ties(seed):
    ds, scores = random_dataset_with_ties(seed)
    per_user = evaluate_scores(lambda u: scores[u], ds).set_index("user")
    known = ds.train_positives.dense(ds.n_users, ds.n_items)
    relevant = ds.test_positives.dense(ds.n_users, ds.n_items) & ~known
    width = len(str(ds.n_items))
    qrels, run = {}, {}
    for u in per_user.index:
        q = f"u{u}"
        # zero-padded ids: trec_eval breaks score ties by descending doc id, as the authors' code
        qrels[q] = {f"{i:0{width}d}": 1 for i in torch.nonzero(relevant[u]).flatten().tolist()}
        run[q] = {f"{i:0{width}d}": float(scores[u, i]) for i in torch.nonzero(~known[u]).flatten().tolist()}
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"P.3,5,10", "ndcg_cut.3,5,10", "map", "recip_rank"})
    results = evaluator.evaluate(run)
    names = {
        "P@3": "P_3",
        "P@5": "P_5",
        "P@10": "P_10",
        "NDCG@3": "ndcg_cut_3",
        "NDCG@5": "ndcg_cut_5",
        "NDCG@10": "ndcg_cut_10",
        "MAP": "map",
        "MRR": "recip_rank",
    }
    assert len(results) == len(per_user) > 10
    for u, row in per_user.iterrows():
        for ours, theirs in names.items():
            assert row[ours] == pytest.approx(results[f"u{u}"][theirs], abs=1e-4), (u, ours)


def test_fewer_candidates_than_k_agrees_with_trec_eval():
    # 4 candidates, k = 10: P@10 = hits / 10, NDCG@10 over the short list
    m = one_user(
        [0.1, 0.9, 0.4, 0.3, 0.8, 0.2],
        [True, False, False, True, False, False],
        [False, False, True, False, False, True],
    )
    evaluator = pytrec_eval.RelevanceEvaluator({"q": {"2": 1, "5": 1}}, {"P.10", "ndcg_cut.10"})
    ref = evaluator.evaluate({"q": {"1": 0.9, "2": 0.4, "4": 0.8, "5": 0.2}})["q"]
    assert m["P@10"] == pytest.approx(ref["P_10"])
    assert m["NDCG@10"] == pytest.approx(ref["ndcg_cut_10"])


def test_cutoff_fast_path_equals_full_ranking():
    for seed in range(3):
        ds, scores = random_dataset_with_ties(seed)
        known = ds.train_positives.dense(ds.n_users, ds.n_items)
        relevant = ds.test_positives.dense(ds.n_users, ds.n_items)
        full = rank_metrics(scores, known, relevant)
        fast = cutoff_metrics(scores, known, relevant)
        for name in fast:
            assert torch.allclose(full[name], fast[name], equal_nan=True), name
        continuous = scores + torch.rand(scores.shape, generator=torch.Generator().manual_seed(seed))
        full = rank_metrics(continuous, known, relevant)
        fast = cutoff_metrics(continuous, known, relevant)
        for name in fast:
            assert torch.allclose(full[name], fast[name], equal_nan=True), name


def test_validation_split_excludes_only_fit_positives():
    train = Interactions.from_lists([0] * 6, [0, 1, 2, 3, 4, 5], [5] * 6)
    test = Interactions.from_lists([0], [6], [5])
    ds = build_dataset(
        "one", train, test, 1, 8, 4.0, {**VALIDATION, "fraction": 0.5, "min_user_positives": 2}
    )
    held_out = set(ds.validation_positives.items.tolist())
    assert len(held_out) == 3
    ev = Evaluator(ds, "validation")
    per_user = ev.per_user(lambda u: torch.zeros(len(u), 8))
    assert per_user.loc[0, "n_relevant"] == 3
    assert per_user.loc[0, "n_candidates"] == 8 - 3  # 3 fit positives excluded; test item stays


def test_evaluator_means_match_per_user_mean():
    ds, scores = random_dataset_with_ties(4)
    ev = Evaluator(ds, "test")
    per_user = ev.per_user(lambda u: scores[u])
    means = ev.means(lambda u: scores[u])
    for name in METRICS:
        assert means[name] == pytest.approx(per_user[name].mean())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_matches_cpu():
    ds, scores = random_dataset_with_ties(5)
    cpu = evaluate_scores(lambda u: scores[u], ds)
    gpu = evaluate_scores(lambda u: scores.cuda()[u], ds, device="cuda")
    assert np.allclose(cpu[METRICS].to_numpy(), gpu[METRICS].to_numpy())
