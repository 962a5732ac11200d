"""Make this checkout's packages (irgan, baselines) importable from a rule's script in any env.

Snakemake puts this directory on ``sys.path`` for scripts; the per-rule conda
envs carry only third-party dependencies, so the scripts import this first.
"""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
