"""Loading checkpoints without trusting them: the authors' released ``.pkl`` files (through the
numpy-only unpickler of irgan/models/pickles.py) and our own ``model.pt`` / ``resume.pt`` (tensors only),
which :func:`save_tensors` writes."""

from __future__ import annotations

import io
import os
import pickle
from typing import Any

import numpy as np
import torch

from irgan.contract.io import write_bytes
from irgan.errors import IrganError, UnsafePickleError
from irgan.models.mf import MFParams
from irgan.models.pickles import NumpyOnlyUnpickler, load_numpy_pickle  # noqa: F401  (re-exported)


class CheckpointReadError(IrganError):
    """A checkpoint the study wrote is truncated or corrupt (not unsafe: just unreadable)."""


class CheckpointShapeError(UnsafePickleError):
    """A checkpoint's arrays do not fit each other or the dataset, or hold NaN/inf."""


def save_tensors(path: str | os.PathLike, payload: Any) -> None:
    """``torch.save`` atomically. Serialised in memory first: torch's own file writer reports a
    full disk as a bare RuntimeError, Python's as OSError ENOSPC, which the atomic writer turns,
    like a read-only or vanished folder, into one line naming ``path`` and the remedy."""
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_bytes(path, buffer.getvalue(), doing="writing the checkpoint")


def load_tensors(path: str | os.PathLike, what: str) -> object:
    """``torch.load`` of a file the study wrote itself (``model.pt``, ``resume.pt``), with
    ``weights_only=True``: tensors and plain containers only, so a file copied into a results
    folder can never run code. A refused or unreadable file is one error naming it."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        detail = next((line.strip() for line in str(exc).splitlines() if "global" in line.lower()),
                      "not tensors and plain containers")
        raise UnsafePickleError(f"{path}: refusing to load {what}: it holds something other than tensors "
                                f"({detail}); nothing in a results folder may run code") from None
    except (OSError, RuntimeError, EOFError, ValueError, KeyError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointReadError(f"{path}: not a readable {what} ({first})") from None


def load_mf_checkpoint(path: str | os.PathLike, n_users: int, n_items: int) -> MFParams:
    """Load ``[user_emb, item_emb, item_bias]`` as an :class:`~irgan.models.mf.MFParams`."""
    arrays = load_numpy_pickle(path)
    if not (
        isinstance(arrays, list | tuple)
        and len(arrays) == 3
        and all(isinstance(a, np.ndarray) for a in arrays)
    ):
        raise UnsafePickleError(f"{path}: expected a list of three arrays [user_emb, item_emb, item_bias]")
    return mf_from_arrays(path, *arrays, n_users=n_users, n_items=n_items)


def mf_from_arrays(path: str | os.PathLike, user_emb, item_emb, item_bias, n_users: int | None = None,
                   n_items: int | None = None) -> MFParams:
    """A checkpoint's arrays as a model, or one error naming the file: shapes that do not fit
    each other or the dataset, and NaN/inf values (which would only surface later as a
    "diverged" model far from the file that caused it)."""
    user_emb, item_emb, item_bias = (np.asarray(a) for a in (user_emb, item_emb, item_bias))
    shapes = f"user_emb {user_emb.shape}, item_emb {item_emb.shape}, item_bias {item_bias.shape}"
    if (user_emb.ndim != 2 or item_emb.ndim != 2 or item_bias.ndim != 1
            or user_emb.shape[1] != item_emb.shape[1] or item_emb.shape[0] != item_bias.shape[0]):
        raise CheckpointShapeError(
            f"{path}: inconsistent shapes ({shapes}); user and item embeddings need one size "
            "and the item bias one entry per item")
    if (n_users is not None and user_emb.shape[0] != n_users) or (
            n_items is not None and item_emb.shape[0] != n_items):
        raise CheckpointShapeError(
            f"{path}: embeddings of shape {user_emb.shape} / {item_emb.shape} do not fit "
            f"{n_users} users and {n_items} items")
    bad = [name for name, a in (("user_emb", user_emb), ("item_emb", item_emb), ("item_bias", item_bias))
           if not np.isfinite(a).all()]
    if bad:
        raise CheckpointShapeError(f"{path}: the checkpoint holds NaN or infinite values ({', '.join(bad)}); "
                                   "it cannot be evaluated or trained from")
    return MFParams.from_state({"user_emb": user_emb, "item_emb": item_emb, "item_bias": item_bias})
