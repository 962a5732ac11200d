"""Rule match_released_start: this project's DNS pre-training against the authors' released start."""

import json

from irgan.data import Dataset
from irgan.io import write_json, write_text
from irgan.results import write_frame
from irgan.start_match import run_match, verdict_sentence
from irgan.steps import snakemake_step
from irgan.training import set_threads


def main() -> None:
    set_threads(snakemake.threads)
    frame, summary, text = run_match(Dataset.load(snakemake.input.dataset), snakemake.input.checkpoint,
                               dict(snakemake.params.grid), list(snakemake.params.grid_seeds),
                               list(snakemake.params.seeds))
    write_frame(frame, snakemake.output.csv)
    write_text(snakemake.output.markdown, text)
    # the findings' sentence, so that the paper rule reads a file instead of importing the trainer
    write_json(snakemake.output.verdict, {"sentence": verdict_sentence(frame),
                                          "settings": json.loads(summary.to_json(orient="records"))})


snakemake_step(snakemake, main)
