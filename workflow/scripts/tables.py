"""Rule tables: every table of the study for one dataset, as CSV, Markdown, LaTeX and HTML."""

from pathlib import Path

import pandas as pd

from irgan.analysis.statistics import STATISTICS_FILES, StatisticsSettings
from irgan.jobs.script import snakemake_step
from irgan.report.tables import build_tables, read_statistics, table_paths, write_table


def main() -> None:
    dataset = snakemake.wildcards.dataset
    settings = StatisticsSettings.from_config(dict(snakemake.params.statistics))
    statistics = read_statistics({name: snakemake.input[name] for name in STATISTICS_FILES})
    audit = pd.read_csv(snakemake.input.audit) if "audit" in snakemake.input.keys() else None
    directory = Path(snakemake.output.table3).parent
    for name, table in build_tables(statistics, settings, dataset, audit).items():
        write_table(table, table_paths(directory, name))


snakemake_step(snakemake, main)
