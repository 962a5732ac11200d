"""The one model of the study: biased matrix factorisation, f(u, i) = <p_u, q_i> + b_i.

IRGAN's generator and discriminator, DNS, MLE, BPR and LambdaFM all train an :class:`MFParams`
(embeddings initialised uniform(-init, init) and biases at zero, as in the authors'
gen_model.py / dis_model.py); checkpoints load into it and every trained model scores through
it. Its layout is the one the compiled kernels update in place: item embeddings transposed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class MFParams:
    """f(u, i) = <user[u], item_t[:, i]> + bias[i]; float32, contiguous, updated in place."""

    user: torch.Tensor  # (n_users, dim)
    item_t: torch.Tensor  # (dim, n_items)
    bias: torch.Tensor  # (n_items,)

    @classmethod
    def random(cls, n_users: int, n_items: int, dim: int, init_scale: float,
               generator: torch.Generator, device: str | torch.device = "cpu") -> MFParams:
        """The authors' init: embeddings uniform(-init_scale, init_scale) (users, then items, from
        ``generator``), biases zero."""
        user = torch.empty(n_users, dim).uniform_(-init_scale, init_scale, generator=generator)
        item = torch.empty(n_items, dim).uniform_(-init_scale, init_scale, generator=generator)
        return cls.from_state({"user_emb": user, "item_emb": item, "item_bias": torch.zeros(n_items)}, device)

    @property
    def device(self) -> torch.device:
        return self.user.device

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.user.shape[0], self.item_t.shape[1], self.user.shape[1]

    def score(self, users: torch.Tensor) -> torch.Tensor:
        """f(u, .) for every item: (len(users), n_items)."""
        return self.user[users.to(self.device)] @ self.item_t + self.bias

    def clone(self) -> MFParams:
        return MFParams(self.user.clone(), self.item_t.clone(), self.bias.clone())

    def to(self, device: str | torch.device) -> MFParams:
        if torch.device(device) == self.device:
            return self
        return MFParams(self.user.to(device), self.item_t.to(device), self.bias.to(device))

    def copy_(self, other: MFParams) -> None:
        self.user.copy_(other.user)
        self.item_t.copy_(other.item_t)
        self.bias.copy_(other.bias)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """numpy views sharing memory (CPU only): what the compiled kernels update."""
        return self.user.numpy(), self.item_t.numpy(), self.bias.numpy()

    def is_finite(self) -> bool:
        return bool(torch.isfinite(self.user).all() and torch.isfinite(self.item_t).all()
                    and torch.isfinite(self.bias).all())

    def state(self) -> dict[str, np.ndarray]:
        """The checkpoint layout of the authors' pickles: user (U, d), item (I, d), bias (I,)."""
        return {
            "user_emb": self.user.detach().cpu().numpy().copy(),
            "item_emb": self.item_t.detach().cpu().numpy().T.copy(),
            "item_bias": self.bias.detach().cpu().numpy().copy(),
        }

    def tensors(self) -> dict[str, torch.Tensor]:
        """:meth:`state` as CPU tensors: what ``model.pt`` and ``resume.pt`` store (weights only)."""
        return {name: torch.from_numpy(array) for name, array in self.state().items()}

    @classmethod
    def from_state(cls, state: dict, device: str | torch.device = "cpu") -> MFParams:
        """Parameters in the checkpoint layout (:meth:`state`), as float32 on ``device``."""
        def prepare(a) -> torch.Tensor:
            return torch.as_tensor(np.ascontiguousarray(a, dtype=np.float32)).to(device).contiguous()

        return cls(prepare(state["user_emb"]), prepare(np.asarray(state["item_emb"]).T),
                   prepare(state["item_bias"]))
