"""The study's baselines, each a :class:`irgan.models.recommender.Recommender`.

Systems (the names runs and tables use):

- ``pop``: most-popular items (:mod:`baselines.popularity`)
- ``itemknn``: item-based k-nearest neighbours, cosine (:mod:`baselines.itemknn`)
- ``ease``: EASE, a closed-form linear item-item model (:mod:`baselines.ease`)
- ``bpr``: BPR on biased matrix factorisation (:mod:`baselines.bpr`)
- ``lambdafm``: LambdaFM's lambda surrogates on the same scorer, dynamic sampler by
  default (:mod:`baselines.lambdafm`)

The MLE and DNS rows of the comparison come from IRGAN's own pre-training code
(:mod:`irgan.train.mle`, :mod:`irgan.train.dns`, rule ``pretrain``), not from a second
implementation here. Their recommenders can be tuned with the same grid search,
e.g. ``tune_recommender(lambda **p: DNSRecommender(settings=p, seed=s), dataset,
grid, fixed)``: :func:`baselines.tuning.grid_search` only needs a fit function that
trains on ``dataset.training_positives("validation")`` and returns something with
``score(users)`` (and, optionally, a ``status`` / ``result.status``).

How a baseline run is made (:mod:`baselines.study`, rule ``baseline`` in
``workflow/rules/baselines.smk``, one job per dataset, system and seed):

1. tuning: every point of the system's ``grid`` (merged over its ``fixed`` values
   and the class defaults) is fitted on training minus the validation carve and
   scored on the validation split; iterative models pick their epoch on validation
   too. The test set is never read. Written to
   ``results/{dataset}/tuning/{system}/seed-{seed}.json``.
2. per selection rule, the chosen setting is fitted again and written in the run
   contract (:mod:`irgan.contract.runs`) to ``results/{dataset}/runs/{selection}/{system}/seed-{seed}/``:
   ``validation`` (fit without the carve, epoch by validation P@5, the test curve
   recorded beside it) and ``test`` (the paper's protocol: fit on every training
   positive, epoch by test P@5).
3. rule ``baselines_summary``: mean and standard deviation over seeds of each
   system's test metrics, beside the paper's Table 3
   (``results/{dataset}/baselines/summary.{csv,md}``).

``snakemake --cores 2 baselines`` runs them all; the config section is
``baselines:`` (systems, selection rules, metric, and per system ``grid`` and
``fixed``), validated by ``config/config.schema.yaml``.

Classes are imported on demand, so reading the registry (e.g. while Snakemake
parses its rules) does not import torch.
"""

from __future__ import annotations

import importlib

SYSTEMS: dict[str, str] = {
    "pop": "baselines.popularity:Popularity",
    "itemknn": "baselines.itemknn:ItemKNN",
    "ease": "baselines.ease:EASE",
    "bpr": "baselines.bpr:BPR",
    "lambdafm": "baselines.lambdafm:LambdaFM",
}


def baseline_class(system: str) -> type:
    """The class implementing ``system`` (a key of :data:`SYSTEMS`)."""
    from irgan.errors import ConfigError

    try:
        module, name = SYSTEMS[system].split(":")
    except KeyError:
        raise ConfigError(f"unknown baseline {system!r} (known: {', '.join(SYSTEMS)})") from None
    return getattr(importlib.import_module(module), name)
