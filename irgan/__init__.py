"""irgan-repro: a reproducibility and ablation harness for IRGAN item recommendation."""

__version__ = "0.1.0"
