"""Published figures of Wang et al. (SIGIR 2017), transcribed from the paper for comparison."""

from __future__ import annotations

from irgan.protocol import metric_names

#: the authors' released DNS start, evaluated as a system of its own (irgan/original/audit.py)
RELEASED_START_SYSTEM = "dns-released"

#: the columns of the published tables: the protocol's metrics at the paper's cut-offs
METRICS = tuple(metric_names())

TABLE3_ML100K: dict[str, tuple[float, ...]] = {
    "MLE": (0.3369, 0.3013, 0.2559, 0.2005, 0.3461, 0.3236, 0.3017, 0.5264),
    "BPR": (0.3289, 0.3044, 0.2656, 0.2009, 0.3410, 0.3245, 0.3076, 0.5290),
    "LambdaFM": (0.3845, 0.3474, 0.2967, 0.2222, 0.3986, 0.3749, 0.3518, 0.5797),
    "IRGAN-pointwise": (0.4072, 0.3750, 0.3140, 0.2418, 0.4222, 0.4009, 0.3723, 0.6082),
}

TABLE4_NETFLIX: dict[str, tuple[float, ...]] = {
    "MLE": (0.2941, 0.2945, 0.2777, 0.0957, 0.3032, 0.3011, 0.2878, 0.5085),
    "BPR": (0.3040, 0.2933, 0.2774, 0.0935, 0.3077, 0.2993, 0.2866, 0.5040),
    "LambdaFM": (0.3901, 0.3790, 0.3489, 0.1672, 0.3942, 0.3854, 0.3624, 0.5857),
    "IRGAN-pointwise": (0.4456, 0.4335, 0.3923, 0.1720, 0.4498, 0.4404, 0.4097, 0.6371),
}


def table(rows: dict[str, tuple[float, ...]]) -> dict[str, dict[str, float]]:
    """``{system: {metric: value}}``."""
    return {system: dict(zip(METRICS, values, strict=True)) for system, values in rows.items()}


def matching_metrics(values: dict[str, float], published: dict[str, float]) -> list[str]:
    """Metrics whose value rounds to the published figure at 4 decimals."""
    return [m for m in METRICS if round(values[m], 4) == round(published[m], 4)]


def closest_row(values: dict[str, float], published: dict[str, tuple[float, ...]] = TABLE3_ML100K) -> str:
    """The published row nearest to ``values`` (sum of absolute differences over :data:`METRICS`)."""
    return min(
        published,
        key=lambda r: sum(abs(values[m] - v) for m, v in zip(METRICS, published[r], strict=True)),
    )
