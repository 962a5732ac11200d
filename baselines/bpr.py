"""BPR: Bayesian personalised ranking (Rendle et al., UAI 2009) on biased matrix factorisation.

Each fitted positive (u, i) is paired with one negative j drawn uniformly from the
items u has no fitted positive for, and the scorer is trained on the pairwise
logistic loss -log sigmoid(f(u, i) - f(u, j)) with L2 regularisation: the step of
:mod:`irgan.train.pairwise` that IRGAN's DNS pre-training takes, here on shuffled mini-batches
(:mod:`baselines.pairwise`). The scorer is the paper's biased MF f(u, i) = <p_u, q_i> + b_i,
so BPR differs from DNS in how the negative is chosen (uniform here, the best of several
candidates there) and in the stated settings (batch size and order, lr, l2, epochs).
"""

from __future__ import annotations

import torch

from baselines.pairwise import PairwiseMF
from baselines.sampling import uniform_negatives
from irgan.train.settings import PairwiseSettings


class BPR(PairwiseMF):
    """Biased-MF BPR with uniform negative sampling."""

    name = "bpr"
    settings_type = PairwiseSettings
    defaults = PairwiseSettings().as_dict()

    def negatives(self, users: torch.Tensor, positives: torch.Tensor,
                  generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        negatives = uniform_negatives(self.known, users, 1, generator)[:, 0]
        return negatives, torch.ones(len(users), device=self.device)
