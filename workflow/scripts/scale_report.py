"""Rule scale_report: the scale benchmark's figure and the README's performance table."""

import json
from pathlib import Path

import pandas as pd

from irgan.contract.io import write_text
from irgan.jobs.script import snakemake_step
from irgan.report.scale import performance_markdown, scale_figure


def main() -> None:
    frame = pd.read_csv(snakemake.input.csv)
    scale_figure(frame, snakemake.output.png)
    plan = json.loads(Path(snakemake.input.plan).read_text())
    write_text(snakemake.output.md, performance_markdown(frame, plan))


snakemake_step(snakemake, main)
