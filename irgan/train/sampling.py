"""The one inverse-CDF sampler of the torch code (IRGAN's G-step and D's data, LambdaFM's
samplers): draws with replacement from unnormalised row weights, as numpy's ``choice(p=...)``.

The compiled kernels (irgan.train.kernels ``_search`` / ``_guided_search``, used by
``sample_from_generator`` and ``generator_epoch``) are the deliberate fast path of the same
draw, one user at a time; the tests check they pick the same items.
"""

from __future__ import annotations

import torch

from irgan.train.components import NonFiniteSampling


def require_finite_totals(totals: torch.Tensor, what: str) -> None:
    """Refuse a distribution whose total mass is NaN, inf or zero: a diverged model must end
    the run as diverged, never be sampled from (a NaN cdf would give a meaningless index)."""
    bad = ~(torch.isfinite(totals) & (totals > 0))
    if bool(bad.any()):
        raise NonFiniteSampling(f"{what} is not finite for {int(bad.sum())} of {len(totals)} users")


def sample_inverse_cdf(weights: torch.Tensor, draws: torch.Tensor, rows: torch.Tensor | None = None,
                       what: str = "the generator's sampling distribution") -> torch.Tensor:
    """Column indices drawn with probability proportional to each row's ``weights``.

    The normalised cumulative sum (float64) of a row; the draw is the first index whose cdf
    exceeds the uniform (zero-weight columns are never drawn). ``draws`` holds uniforms in
    [0, 1): one row of them per row of ``weights``, or, with ``rows``, one uniform per entry of
    ``rows`` (the row it draws from). Then the rows are laid end to end, row k's cdf shifted by
    k, so one sorted search serves every row; float64 keeps the shift exact to ~1e-13.
    """
    n = weights.shape[1]
    cdf = torch.cumsum(weights.double(), dim=1)
    require_finite_totals(cdf[:, -1], what)
    if rows is None:
        cdf = cdf / cdf[:, -1:]
        return torch.searchsorted(cdf, draws, right=True).clamp_(max=n - 1)
    cdf = cdf / cdf[:, -1:] + torch.arange(len(cdf), device=cdf.device, dtype=torch.float64)[:, None]
    flat = torch.searchsorted(cdf.flatten(), rows + draws, right=True)
    return (flat - rows * n).clamp_(0, n - 1)
