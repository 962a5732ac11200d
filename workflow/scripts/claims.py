"""Rule claims: the claims ledger of one dataset, as a table (CSV, Markdown, LaTeX, HTML) and a figure."""

from irgan.analysis.claims import ledger
from irgan.analysis.statistics import StatisticsSettings
from irgan.jobs.script import snakemake_step
from irgan.report.figures import claims_figure, save_figure
from irgan.report.tables import claims_table, read_statistics, write_table


def main() -> None:
    dataset = snakemake.wildcards.dataset
    settings = StatisticsSettings.from_config(dict(snakemake.params.statistics))
    statistics = read_statistics({name: snakemake.input[name] for name in
                                  ("summary", "comparisons", "what_moved", "what_moved_groups")})
    claims = ledger(statistics, settings, dataset)
    write_table(claims_table(claims, settings, dataset),
                {fmt: snakemake.output[fmt] for fmt in ("csv", "md", "tex", "html")})
    save_figure(claims_figure(claims, settings), {fmt: snakemake.output[fmt] for fmt in ("png", "pdf")})


snakemake_step(snakemake, main)
