"""Device choice and seeding (torch); the step wrapper of the workflow scripts is :mod:`irgan.jobs.script`."""

from __future__ import annotations

import random

import numpy as np
import torch

from irgan.errors import ConfigError


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` means CUDA when present, else CPU; an explicit CUDA request without CUDA is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"key device: {name!r} requested but CUDA is not available")
    return device


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; return a torch generator for explicit draws."""
    random.seed(seed)
    np.random.seed(seed % 2**32)  # noqa: NPY002  (libraries that draw from the global state)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
