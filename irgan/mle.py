"""MLE training of the softmax generator: maximise the likelihood of the training positives.

IRGAN's generator is p_theta(i | u) = softmax_i f(u, i) over all items. Its
maximum-likelihood fit (the paper's "MLE" baseline and the generator
pre-training of its Algorithm 1) minimises

    -(1 / |S|) * sum_{(u, i) in S} log p_theta(i | u)

over the training positives S. The authors published no code for it, so this
is a plain, documented choice: mini-batches of users (seeded shuffle each
epoch), the full softmax over all items, Adam, optional weight decay; after
each epoch the model is evaluated and the epoch with the best P@5 on the
run's selection split is kept.
"""

from __future__ import annotations

import logging
import time

import torch

from irgan.data import Dataset
from irgan.errors import ConfigError
from irgan.progress import Progress
from irgan.training import (
    Curve,
    Evaluators,
    MFParams,
    Positives,
    Selector,
    TrainerRecommender,
    TrainingDiverged,
    TrainResult,
    check_finite,
    divergence_record,
    record_epoch,
    selected_result,
)

log = logging.getLogger("irgan.mle")

DEFAULTS = {"epochs": 60, "lr": 0.01, "batch_users": 64, "weight_decay": 0.0, "optimizer": "adam",
            "model": {"dim": 5, "init_scale": 0.05}, "curve_splits": ["validation", "test"]}


def softmax_nll(user_rows: torch.Tensor, item_t: torch.Tensor, bias: torch.Tensor,
                positive_mask: torch.Tensor) -> torch.Tensor:
    """Mean over the batch's positive pairs of -log softmax(f(u, .))[i]."""
    log_p = torch.log_softmax(user_rows @ item_t + bias, dim=1)
    return -(log_p * positive_mask).sum() / positive_mask.sum()


def train_mle(dataset: Dataset, selection: str, settings: dict | None = None, seed: int = 0,
              device: str | torch.device = "cpu") -> TrainResult:
    """Fit p_theta(i | u) by maximum likelihood; keep the epoch with the best selection P@5."""
    s = {**DEFAULTS, **(settings or {})}
    device = torch.device(device)
    positives = Positives.from_pairs(dataset.training_positives(selection),
                                     dataset.n_users, dataset.n_items)
    rng = torch.Generator().manual_seed(seed)
    model = MFParams.random(dataset.n_users, dataset.n_items, s["model"]["dim"],
                            s["model"]["init_scale"], rng, device)
    parameters = [model.user.requires_grad_(), model.item_t.requires_grad_(), model.bias.requires_grad_()]
    if s["optimizer"] == "adam":
        optimizer = torch.optim.Adam(parameters, lr=s["lr"], weight_decay=s["weight_decay"])
    elif s["optimizer"] == "sgd":
        optimizer = torch.optim.SGD(parameters, lr=s["lr"], weight_decay=s["weight_decay"])
    else:
        raise ConfigError(f"key pretraining.mle.optimizer: unknown optimizer {s['optimizer']!r}")
    mask = positives.mask(device)
    train_users = torch.as_tensor(positives.user_ids)
    evaluators = Evaluators(dataset, s["curve_splits"], device)
    selector = Selector(selection)
    curve = Curve()
    with torch.no_grad():
        for split, values in evaluators.means(model, "MLE", 0).items():
            curve.add(0, "MLE", split, values)
    status, divergence, epoch = "ok", None, 0
    started = time.perf_counter()
    bar = Progress(s["epochs"], f"MLE seed {seed} ({selection})")
    try:
        for epoch in range(1, s["epochs"] + 1):
            order = train_users[torch.randperm(len(train_users), generator=rng)].to(device)
            total = 0.0
            for batch in order.split(s["batch_users"]):
                loss = softmax_nll(model.user[batch], model.item_t, model.bias, mask[batch])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(batch)
            check_finite(total, "MLE", epoch, "the negative log-likelihood")
            means = record_epoch(evaluators, curve, selector, model, "MLE", epoch)
            log.info("MLE epoch %d/%d nll %.4f %s P@5 %.4f", epoch, s["epochs"],
                     total / len(train_users), selection, means[selection]["P@5"])
            bar.update()
    except TrainingDiverged as error:
        status, divergence = "diverged", divergence_record(error)
        log.warning("MLE run diverged: %s", error)
    finally:
        bar.close()
    for t in parameters:
        t.requires_grad_(False)
    result = selected_result(status, divergence, selector, curve, epoch, s, started, system="mle",
                             reported_model="MLE", selection=selection, seed=seed, dataset=dataset.name)
    if result.selected is not None:
        result.selected = MFParams(*(t.detach() for t in (result.selected.user, result.selected.item_t,
                                                          result.selected.bias)))
    return result


class MLERecommender(TrainerRecommender):
    """The MLE-trained softmax generator behind the Recommender interface (a baseline row)."""

    train = staticmethod(train_mle)
