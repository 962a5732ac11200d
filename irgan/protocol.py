"""The evaluation protocol's names: cut-offs, metric columns, selection metric and rules.

Torch-free on purpose: whatever writes or reads results (the run contract in
:mod:`irgan.contract.runs`, the statistics, tables, figures and paper, the Snakefile) names metrics
and selection rules from here, and only the code that scores models (:mod:`irgan.models.evaluation`)
needs torch.
"""

from __future__ import annotations

from collections.abc import Sequence

#: the paper's k of P@k and NDCG@k
CUTOFFS = (3, 5, 10)

#: the metric whose best value picks a run's epoch (and a baseline's hyper-parameters)
SELECTION_METRIC = "P@5"

#: the paper's protocol: fit on every training positive, keep the epoch with the best test P@5
PAPER_SELECTION = "test"
#: the honest rule: fit on training minus the validation carve, select on validation, report test
HONEST_SELECTION = "validation"
#: every selection rule, in the order runs, tables and figures list them
SELECTIONS = (PAPER_SELECTION, HONEST_SELECTION)
#: the selection rules as a regular expression (a Snakemake wildcard constraint)
SELECTION_PATTERN = "|".join(SELECTIONS)
#: the ``selection`` of a comparison of a system's paper-protocol runs with its honest runs
PROTOCOL_SELECTION = "test-vs-validation"


def metric_names(cutoffs: Sequence[int] = CUTOFFS) -> list[str]:
    """Column names in the order the paper's tables use."""
    return [f"P@{k}" for k in cutoffs] + ["MAP"] + [f"NDCG@{k}" for k in cutoffs] + ["MRR"]
