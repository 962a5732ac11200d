"""The matrix-factorisation scorer shared by IRGAN's generator and discriminator.

f(u, i) = <p_u, q_i> + b_i, embeddings initialised uniform(-init, init) and
biases at zero, as in the authors' gen_model.py / dis_model.py.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


class MatrixFactorization(nn.Module):
    """Biased matrix factorisation; also a :class:`~irgan.recommender.Recommender`."""

    def __init__(
        self,
        n_users: int,
        n_items: int,
        dim: int = 5,
        init_scale: float = 0.05,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        self.user_emb = nn.Parameter(
            torch.empty(n_users, dim).uniform_(-init_scale, init_scale, generator=generator)
        )
        self.item_emb = nn.Parameter(
            torch.empty(n_items, dim).uniform_(-init_scale, init_scale, generator=generator)
        )
        self.item_bias = nn.Parameter(torch.zeros(n_items))

    @property
    def device(self) -> torch.device:
        return self.user_emb.device

    @property
    def n_items(self) -> int:
        return self.item_emb.shape[0]

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """f(u, i) for aligned vectors of users and items."""
        return (self.user_emb[users] * self.item_emb[items]).sum(-1) + self.item_bias[items]

    def score(self, users: torch.Tensor) -> torch.Tensor:
        """f(u, .) for every item: shape (len(users), n_items)."""
        return self.user_emb[users] @ self.item_emb.T + self.item_bias

    def fit(self, dataset, selection: str = "validation") -> MatrixFactorization:  # noqa: ARG002
        raise NotImplementedError("train a MatrixFactorization with one of the irgan trainers")

    @classmethod
    def from_arrays(
        cls, user_emb: np.ndarray, item_emb: np.ndarray, item_bias: np.ndarray
    ) -> MatrixFactorization:
        """Wrap existing parameters (e.g. the authors' released checkpoints)."""
        if user_emb.ndim != 2 or item_emb.ndim != 2 or item_bias.ndim != 1:
            raise ValueError("expected 2-D user and item embeddings and a 1-D item bias")
        if user_emb.shape[1] != item_emb.shape[1] or item_emb.shape[0] != item_bias.shape[0]:
            raise ValueError(
                f"inconsistent shapes: user {user_emb.shape}, item {item_emb.shape}, bias {item_bias.shape}"
            )
        model = cls(user_emb.shape[0], item_emb.shape[0], user_emb.shape[1])
        with torch.no_grad():
            model.user_emb.copy_(torch.as_tensor(np.asarray(user_emb, dtype=np.float32)))
            model.item_emb.copy_(torch.as_tensor(np.asarray(item_emb, dtype=np.float32)))
            model.item_bias.copy_(torch.as_tensor(np.asarray(item_bias, dtype=np.float32)))
        return model
