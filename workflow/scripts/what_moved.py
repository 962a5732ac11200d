"""Rule what_moved: beyond-accuracy metrics, what the adversarial phase and the ablations change,
the gain per user group and G's and D's distributions over training; its table and figures."""

import pandas as pd

from irgan.analysis.statistics import StatisticsSettings
from irgan.analysis.what_moved import what_moved
from irgan.contract.runs import write_frame
from irgan.jobs.script import snakemake_step
from irgan.report.figures import save_figure
from irgan.report.render import write_table
from irgan.report.what_moved import (
    gain_by_group_figure,
    popularity_shift_figure,
    training_dynamics_figure,
    what_moved_table,
)

STATISTICS = ("beyond_accuracy", "beyond_summary", "what_moved", "what_moved_groups", "dynamics")


def main() -> None:
    dataset = snakemake.wildcards.dataset
    settings = StatisticsSettings.from_config(dict(snakemake.params.statistics))
    tables = what_moved(
        list(snakemake.input.runs), pd.read_csv(snakemake.input.item_table),
        pd.read_csv(snakemake.input.user_table), dataset, settings.reference, settings.starting_point,
        settings.families or {},
        settings.bootstrap_resamples, settings.bootstrap_seed, settings.confidence, settings.alpha,
    )
    for name in STATISTICS:
        write_frame(tables[name], snakemake.output[name])
    write_table(what_moved_table(tables, settings.reference, dataset),
                {fmt: snakemake.output[fmt] for fmt in ("csv", "md", "tex", "html")})
    pdfs = {path.rsplit("/", 1)[-1].removesuffix(".pdf"): path for path in snakemake.output.pdf}
    figures = {
        "gain_by_group": gain_by_group_figure(tables["what_moved_groups"], settings.reference),
        "popularity_shift": popularity_shift_figure(tables["beyond_per_user"], tables["what_moved"],
                                                    settings.reference),
        "training_dynamics": training_dynamics_figure(tables["dynamics"], settings.reference,
                                                      settings.families or {}),
    }
    for name, figure in figures.items():
        save_figure(figure, {"png": snakemake.output[name], "pdf": pdfs[name]})


snakemake_step(snakemake, main)
