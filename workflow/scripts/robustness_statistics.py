"""Rule robustness_statistics: the splits side by side - variance components, ranks, concordance."""

import json
from pathlib import Path

from irgan.analysis.statistics import load_runs, seed_metrics
from irgan.contract.io import write_json
from irgan.contract.provenance import run_record
from irgan.contract.runs import write_frame
from irgan.jobs.script import snakemake_step
from irgan.report.render import write_table
from irgan.report.robustness import (
    original_name,
    robustness_figure,
    robustness_sentence,
    robustness_statistics,
    robustness_table,
)


def main() -> None:
    section = dict(snakemake.params.robustness)
    base = snakemake.wildcards.dataset
    statistics = robustness_statistics(
        seed_metrics(load_runs(list(snakemake.input.runs))),
        {base: list(snakemake.params.resplits)},
        section["systems"],
        section["selections"],
        section.get("metrics", ["P@5", "NDCG@5"]),
        snakemake.params.alpha,
    )
    for name, frame in statistics.items():
        write_frame(frame, snakemake.output[name])
    original = original_name(snakemake.params.base_spec)
    summaries = [json.loads(Path(path).read_text()) for path in snakemake.input.summaries]
    test_users = {summary["dataset"]: summary["test_users"] for summary in summaries}
    table = robustness_table(statistics, section["seeds"], original, test_users)
    write_table(table, {fmt: snakemake.output[fmt] for fmt in ("csv", "md", "tex", "html")})
    robustness_figure(
        statistics["split_means"],
        snakemake.params.reference,
        {"png": snakemake.output.png, "pdf": snakemake.output.pdf},
    )
    sentence = robustness_sentence(
        statistics, snakemake.params.reference, snakemake.params.alpha, section["seeds"], original
    )
    write_json(
        snakemake.output.sentence,
        {
            "dataset": base,
            "resplits": list(snakemake.params.resplits),
            "sentence": sentence,
            "provenance": run_record({"robustness": section}, seed=None, device="cpu"),
        },
    )


snakemake_step(snakemake, main)
