"""Rule transfer: the study's findings on its first dataset beside the same findings on the others."""

from irgan.analysis.statistics import StatisticsSettings
from irgan.contract.provenance import run_record
from irgan.jobs.script import snakemake_step
from irgan.report.transfer import (
    STATISTICS,
    read_dataset,
    transfer_data,
    transfer_figure,
    transfer_table,
    write_transfer,
)


def main() -> None:
    settings = StatisticsSettings.from_config(dict(snakemake.params.statistics))
    views, ledgers = {}, {}
    for index, name in enumerate(snakemake.params.datasets):
        paths = {kind: snakemake.input[kind][index] for kind in STATISTICS}
        views[name], ledgers[name] = read_dataset(name, paths, snakemake.input.claims[index], settings)
    frame, verdicts = transfer_data(views, ledgers, settings)
    provenance = run_record({"statistics": dict(snakemake.params.statistics),
                             "datasets": list(snakemake.params.datasets)}, device="cpu")
    write_transfer(transfer_table(frame, verdicts, settings), transfer_figure(frame, settings),
                   {fmt: snakemake.output[fmt] for fmt in ("csv", "md", "tex", "html", "png", "pdf", "json")},
                   provenance)


snakemake_step(snakemake, main)
