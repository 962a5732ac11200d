"""Training: the one loop (``Trainer``), what every trainer shares, typed settings, the samplers,
the pairwise step, the compiled kernels, device and seeding, and one file per method (DNS, MLE,
IRGAN), each readable top to bottom."""
