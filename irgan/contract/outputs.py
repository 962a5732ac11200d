"""File names of the statistics, tables and figures of a dataset.

Kept free of heavy imports: the Snakefile reads them to declare rule outputs.
"""

STATISTICS_FILES = {
    "runs": "runs.csv",
    "divergence": "divergence.csv",
    "seed_metrics": "seed_metrics.csv",
    "summary": "summary.csv",
    "per_user_means": "per_user_means.csv",
    "comparisons": "comparisons.csv",
    "optimism": "optimism.csv",
    "optimism_summary": "optimism_summary.csv",
    "curves": "curves.csv",
    "fidelity": "fidelity.csv",
    "fidelity_curves": "fidelity_curves.csv",
    "tuning": "tuning.csv",
}
TABLE_NAMES = (
    "table3",
    "systems_test",
    "systems_validation",
    "ablations",
    "ablation_answers",
    "model_selection",
    "comparisons",
    "divergence",
    "fidelity",
    "equal_budget",
)
TABLE_FORMATS = ("csv", "md", "tex", "html")
FIGURE_NAMES = (
    "learning_curves",
    "metric_points",
    "paper_vs_reproduced",
    "headline_differences",
    "selection_optimism",
    "fidelity_curves",
)
FIGURE_FORMATS = ("png", "pdf")
