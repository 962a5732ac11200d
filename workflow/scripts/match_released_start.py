"""Rule match_released_start: this project's DNS pre-training against the authors' released start."""

import json

from irgan.contract.io import write_json, write_text
from irgan.contract.runs import write_frame
from irgan.data.dataset import Dataset
from irgan.jobs.script import snakemake_step
from irgan.original.start_match import run_match, verdict_sentence
from irgan.train.components import set_threads


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
