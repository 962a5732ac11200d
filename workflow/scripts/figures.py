"""Rule figures: every figure of the study for one dataset, PNG for the report and PDF for the paper."""

from pathlib import Path

import pandas as pd

from irgan.analysis.statistics import STATISTICS_FILES, StatisticsSettings
from irgan.jobs.script import snakemake_step
from irgan.report.figures import build_figures, figure_paths, save_figure
from irgan.report.tables import read_statistics


def main() -> None:
    settings = StatisticsSettings.from_config(dict(snakemake.params.statistics))
    statistics = read_statistics({name: snakemake.input[name] for name in STATISTICS_FILES})
    audit = pd.read_csv(snakemake.input.audit) if "audit" in snakemake.input.keys() else None
    directory = Path(snakemake.output.learning_curves).parent
    for name, figure in build_figures(statistics, settings, audit).items():
        save_figure(figure, figure_paths(directory, name))


snakemake_step(snakemake, main)
