"""Rule paper: fill the manuscript template from the results of the study's first dataset."""

import json
from pathlib import Path

import pandas as pd

from irgan.analysis.statistics import STATISTICS_FILES, StatisticsSettings
from irgan.contract.io import write_text
from irgan.contract.provenance import code_version
from irgan.jobs.script import snakemake_step
from irgan.report.paper import paper_values, relative_path, render
from irgan.report.tables import read_statistics


def robustness_inputs(output: str) -> dict[str, str] | None:
    """The robustness sentence, table and figure links, where the rule was given them."""
    if "robustness_sentence" not in snakemake.input.keys():
        return None
    return {
        "sentence": json.loads(Path(snakemake.input.robustness_sentence).read_text())["sentence"],
        "table": Path(snakemake.input.robustness_table).read_text(),
        "figure": relative_path(snakemake.input.robustness_figure, output),
        "figure_pdf": relative_path(snakemake.input.robustness_figure_pdf, output),
    }


def main() -> None:
    settings = StatisticsSettings.from_config(dict(snakemake.params.statistics))
    statistics = read_statistics({name: snakemake.input[name] for name in STATISTICS_FILES})
    audit = pd.read_csv(snakemake.input.audit) if "audit" in snakemake.input.keys() else None
    start_match, start_match_table = "", ""
    if "start_match" in snakemake.input.keys():
        start_match = json.loads(Path(snakemake.input.start_match).read_text())["sentence"]
        start_match_table = Path(snakemake.input.start_match_table).read_text()
    authors_dns, authors_dns_table = "", ""
    if "authors_dns" in snakemake.input.keys():
        authors_dns = json.loads(Path(snakemake.input.authors_dns).read_text())["sentence"]
        authors_dns_table = Path(snakemake.input.authors_dns_table).read_text()
    output = snakemake.output.paper
    tables = {Path(path).stem: Path(path).read_text() for path in snakemake.input.tables_md}
    table3 = next(path for path in snakemake.input.tables_csv if Path(path).stem == "table3")
    # each figure linked as PNG (shown inline), its PDF beside it
    figures = {Path(path).stem: relative_path(path, output) for path in snakemake.input.figures}
    figures |= {f"{Path(path).stem}_pdf": relative_path(path, output) for path in snakemake.input.figures_pdf}
    values = paper_values(
        statistics,
        tables,
        pd.read_csv(table3),
        settings,
        snakemake.params.dataset,
        json.loads(Path(snakemake.input.dataset_summary).read_text()),
        dict(snakemake.params.study),
        figures,
        audit,
        code_version(),
        start_match,
        start_match_table,
        authors_dns,
        authors_dns_table,
        robustness_inputs(output),
    )
    for template, path in ((snakemake.input.template, output),
                           (snakemake.input.findings_template, snakemake.output.findings)):
        write_text(path, render(Path(template).read_text(), values, str(template)))


snakemake_step(snakemake, main)
