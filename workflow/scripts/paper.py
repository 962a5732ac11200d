"""Rule paper: fill the manuscript and the README's findings from the results of the study's first dataset."""

import json
from pathlib import Path

import pandas as pd

from irgan.analysis.statistics import STATISTICS_FILES, StatisticsSettings
from irgan.analysis.what_moved import answers
from irgan.contract.io import write_text
from irgan.contract.provenance import code_version
from irgan.jobs.script import snakemake_step
from irgan.report.paper import Ledger, paper_values, read_claims, relative_path, render
from irgan.report.tables import read_statistics
from irgan.report.transfer import transfer_values


def robustness_inputs(output: str) -> dict | None:
    """The robustness sentence, table, statistics and figure links, where the rule was given them."""
    if "robustness_sentence" not in snakemake.input.keys():
        return None
    robustness = {
        "sentence": json.loads(Path(snakemake.input.robustness_sentence).read_text())["sentence"],
        "table": Path(snakemake.input.robustness_table).read_text(),
        "table_link": relative_path(snakemake.input.robustness_table, output),
        "figure": relative_path(snakemake.input.robustness_figure, output),
        "figure_pdf": relative_path(snakemake.input.robustness_figure_pdf, output),
    }
    if "robustness_concordance" in snakemake.input.keys():
        robustness["concordance"] = pd.read_csv(snakemake.input.robustness_concordance)
        robustness["systems"] = pd.read_csv(snakemake.input.robustness_systems)
    return robustness


def what_moved_inputs(output: str, reference: str) -> dict:
    """The generated answers of the rule what_moved, its table and figure links."""
    tables = read_statistics({"what_moved": snakemake.input.what_moved,
                              "what_moved_groups": snakemake.input.what_moved_groups,
                              "dynamics": snakemake.input.what_moved_dynamics})
    figures = {Path(path).stem: relative_path(path, output) for path in snakemake.input.what_moved_figures}
    figures |= {f"{Path(path).stem}_pdf": relative_path(path, output)
                for path in snakemake.input.what_moved_figures_pdf}
    return {"sentences": answers(tables, reference), "table": Path(snakemake.input.what_moved_md).read_text(),
            "figures": figures}


def main() -> None:
    settings = StatisticsSettings.from_config(dict(snakemake.params.statistics))
    statistics = read_statistics({name: snakemake.input[name] for name in STATISTICS_FILES})
    audit = pd.read_csv(snakemake.input.audit) if "audit" in snakemake.input.keys() else None
    start_match = authors_dns = ""
    if "start_match" in snakemake.input.keys():
        start_match = json.loads(Path(snakemake.input.start_match).read_text())["sentence"]
    if "authors_dns" in snakemake.input.keys():
        authors_dns = json.loads(Path(snakemake.input.authors_dns).read_text())["sentence"]
    output = snakemake.output.paper
    tables = {Path(path).stem: Path(path).read_text() for path in snakemake.input.tables_md}
    table3 = next(path for path in snakemake.input.tables_csv if Path(path).stem == "table3")
    # each figure linked as PNG (shown inline), its PDF beside it; each table's Markdown linked
    figures = {Path(path).stem: relative_path(path, output) for path in snakemake.input.figures}
    figures |= {f"{Path(path).stem}_pdf": relative_path(path, output) for path in snakemake.input.figures_pdf}
    links = {Path(path).stem: relative_path(path, output) for path in snakemake.input.tables_md}
    for name in ("start_match_table", "authors_dns_table"):
        if name in snakemake.input.keys():
            links[name.removesuffix("_table")] = relative_path(snakemake.input[name], output)
    ledger = Ledger(read_claims(snakemake.input.claims), Path(snakemake.input.claims_md).read_text(),
                    relative_path(snakemake.input.claims_figure, output),
                    relative_path(snakemake.input.claims_figure_pdf, output),
                    table_source=str(snakemake.input.claims_md),
                    table_link=relative_path(snakemake.input.claims_md, output))
    values = paper_values(
        statistics,
        tables,
        pd.read_csv(table3),
        settings,
        snakemake.params.dataset,
        json.loads(Path(snakemake.input.dataset_summary).read_text()),
        dict(snakemake.params.study),
        figures,
        ledger,
        audit,
        code_version(),
        start_match,
        authors_dns,
        robustness_inputs(output),
        links,
        what_moved_inputs(output, settings.reference),
    )
    # the cross-dataset comparison (`transfer_section`), where `snakemake datasets` has written it
    transfer = {key: snakemake.input[key] for key in snakemake.input.keys() if key.startswith("transfer_")}
    values |= transfer_values(transfer, output)
    pages = [(snakemake.input.template, output),
             (snakemake.input.findings_template, snakemake.output.findings)]
    texts = [(path, render(Path(template).read_text(), values, str(template))) for template, path in pages]
    for path, text in texts:  # both rendered before either is written: no half-written pair
        write_text(path, text)


snakemake_step(snakemake, main)
