"""The study's baselines, each a :class:`irgan.recommender.Recommender`.

- ``popularity``: most-popular items (:mod:`baselines.popularity`)
- ``itemknn``: item-based k-nearest neighbours, cosine (:mod:`baselines.itemknn`)
- ``ease``: EASE, a closed-form linear item-item model (:mod:`baselines.ease`)
- ``bpr``: BPR on biased matrix factorisation (:mod:`baselines.bpr`)
- ``lambdafm``: LambdaFM's rank-aware samplers on the same scorer (:mod:`baselines.lambdafm`)

The MLE and DNS rows of the comparison come from IRGAN's own pre-training code
(``irgan.mle``, ``irgan.dns``), not from a second implementation here; their fit
functions can be tuned with :func:`baselines.tuning.grid_search` all the same.

Classes are imported on demand, so reading the registry (e.g. while Snakemake
parses its rules) does not import torch.
"""

from __future__ import annotations

import importlib

SYSTEMS: dict[str, str] = {
    "popularity": "baselines.popularity:Popularity",
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
