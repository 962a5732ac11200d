"""What a model is and how it is judged: ``MFParams`` (the one model type), the ``Recommender``
interface every system implements, the paper's evaluation protocol, and checkpoints read without
trusting them (the numpy-only unpickler)."""
