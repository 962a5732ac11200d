"""What every baseline shares: hyper-parameters with defaults, the selection rule, the curve.

A baseline is a :class:`irgan.models.recommender.Recommender`: ``fit(dataset, selection)``
trains on ``dataset.training_positives(selection)`` and ``score(users)`` returns a
``(len(users), n_items)`` tensor on the baseline's device.

The selection rule decides which positives the model fits and which split picks
the epoch of an iterative model: ``validation`` (honest: fit on training minus the
validation carve, select on validation) or ``test`` (the paper's protocol: fit on
every training positive, keep the epoch with the best test P@5). Closed-form
baselines have no epoch to pick; for them the rule only decides the positives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
import torch

from irgan.contract.runs import divergence_entry
from irgan.errors import ConfigError
from irgan.models.evaluation import Evaluator, NonFiniteScoresError
from irgan.protocol import CUTOFFS, SELECTION_METRIC, metric_names
from irgan.train.components import Curve
from irgan.train.runtime import resolve_device

if TYPE_CHECKING:
    from irgan.data.dataset import Dataset, Pairs


class Baseline:
    """Common bookkeeping; subclasses implement :meth:`_fit` and :meth:`score`."""

    name: ClassVar[str]
    defaults: ClassVar[dict[str, Any]]
    #: the fitted model does not depend on the seed (closed-form baselines)
    deterministic: ClassVar[bool] = True

    def __init__(
        self,
        seed: int = 0,
        device: str | torch.device = "cpu",
        selection_metric: str = SELECTION_METRIC,
        record_test_curve: bool = False,
        cutoffs: Sequence[int] = CUTOFFS,
        **params: Any,
    ) -> None:
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise ConfigError(f"{self.name}: unknown hyper-parameter(s) {', '.join(unknown)} "
                              f"(known: {', '.join(self.defaults)})")
        self.params: dict[str, Any] = {**self.defaults, **params}
        self.seed = int(seed)
        self.device = resolve_device(device) if isinstance(device, str) else torch.device(device)
        self.cutoffs = tuple(cutoffs)
        if selection_metric not in metric_names(self.cutoffs):
            raise ConfigError(f"selection metric {selection_metric!r} is not one of "
                              f"{', '.join(metric_names(self.cutoffs))}")
        self.selection_metric = selection_metric
        self.record_test_curve = record_test_curve
        self.status = "ok"
        self.divergence: dict | None = None  # the run record's: {phase, epoch, reason}
        self.selected_epoch: int | None = None
        self.final_epoch: int | None = None
        self.train_loss: list[float] = []
        self._curve = Curve(self.cutoffs)
        self._best = float("-inf")

    # -- the Recommender interface -------------------------------------------------

    def fit(self, dataset: Dataset, selection: str = "validation") -> Baseline:
        """Train on ``dataset.training_positives(selection)``; pick epochs on the ``selection`` split."""
        positives = dataset.training_positives(selection)  # refuses an unknown rule
        self.n_items = dataset.n_items
        self._monitors = {selection: Evaluator(dataset, selection, self.cutoffs, self.device)}
        if self.record_test_curve and selection != "test":
            self._monitors["test"] = Evaluator(dataset, "test", self.cutoffs, self.device)
        self._selection = selection
        try:
            self._fit(dataset, positives)
        except NonFiniteScoresError as exc:
            self._diverged(self.final_epoch or 0, str(exc))
        return self

    def score(self, users: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    # -- for subclasses --------------------------------------------------------------

    def _fit(self, dataset: Dataset, positives: Pairs) -> None:
        raise NotImplementedError

    def _observe(self, epoch: int) -> bool:
        """Evaluate the current model on every monitored split; True when the selection metric improved.

        Uses the exact top-k path of the evaluator (P@k and NDCG@k) when the
        selection metric is one of those; MAP and MRR then stay empty in the curve.
        """
        improved = False
        cutoff_only = self.selection_metric.startswith(("P@", "NDCG@"))
        for split, evaluator in self._monitors.items():
            means = evaluator.means(self.score, cutoff_only=cutoff_only)
            self._curve.add(epoch, self.name, split, means)
            if split == self._selection:
                value = means[self.selection_metric]
                if value > self._best:  # ties keep the earlier epoch
                    self._best, improved = value, True
        return improved

    def _diverged(self, epoch: int, what: str) -> None:
        self.status = "diverged"
        self.divergence = divergence_entry("fit", epoch, what)
        self.final_epoch = epoch

    @property
    def curve(self) -> pd.DataFrame:
        """One row per evaluation: ``epoch, model, split`` and the metrics of the run contract."""
        return self._curve.frame()

    def summary(self) -> dict[str, Any]:
        """What a run record keeps of the fit (``train_loss`` goes under its details)."""
        return {
            "status": self.status,
            "divergence": self.divergence,
            "hyperparameters": dict(self.params),
            "selected_epoch": self.selected_epoch,
            "final_epoch": self.final_epoch,
            "train_loss": list(self.train_loss),
            "deterministic": self.deterministic,
        }


def interaction_matrix(positives: Pairs, n_users: int, n_items: int,
                       device: torch.device, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The binary users x items matrix X of the closed-form models."""
    return positives.dense(n_users, n_items, device).to(dtype)


def gram_counts(interactions: torch.Tensor) -> torch.Tensor:
    """X^T X (items x items, float64) of a binary users x items matrix X: co-occurrence counts.

    On the CPU through a sparse product (scipy), whose cost grows with the interactions rather
    than with users x items^2 (at Netflix size the dense product is some 30 TFLOP); the counts are
    integers, so it gives the same numbers as the dense product, which runs on a GPU."""
    if interactions.device.type != "cpu":
        return (interactions.T @ interactions).double()
    import numpy as np
    import scipy.sparse

    users, items = torch.nonzero(interactions, as_tuple=True)
    x = scipy.sparse.csr_matrix((np.ones(len(users)), (users.numpy(), items.numpy())),
                                shape=tuple(interactions.shape))
    return torch.from_numpy((x.T @ x).toarray())
