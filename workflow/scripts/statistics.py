"""Rule statistics: seed means, paired per-user tests with Holm, seed view, selection optimism."""


from irgan.analysis.statistics import (
    StatisticsSettings,
    headline_comparison,
    load_runs,
    methods,
    run_statistics,
    write_statistics,
)
from irgan.contract.io import write_json
from irgan.contract.provenance import run_record
from irgan.jobs.script import snakemake_step
from irgan.study.tuned import read_budgets


def main() -> None:
    dataset = snakemake.wildcards.dataset
    settings = StatisticsSettings.from_config(dict(snakemake.params.statistics))
    study = load_runs(list(snakemake.input.runs))
    budgets = read_budgets(list(snakemake.input.tuning), dataset)  # each equal-budget search's
    tables = run_statistics(study, settings, dataset, budgets)
    write_statistics(tables, {name: snakemake.output[name] for name in tables})
    summary = {
        "dataset": dataset,
        "methods": methods(settings),
        "headline": headline_comparison(tables["summary"], tables["comparisons"], settings, dataset),
        "runs": len(study.runs),
        "diverged_runs": int((study.runs["status"] == "diverged").sum()),
        "holm_families": tables["comparisons"].groupby("holm_family")["holm_family_size"].first().to_dict(),
        "provenance": run_record(
            {"statistics": dict(snakemake.params.statistics)}, seed=settings.bootstrap_seed, device="cpu"
        ),
    }
    write_json(snakemake.output.methods, summary)


snakemake_step(snakemake, main)
