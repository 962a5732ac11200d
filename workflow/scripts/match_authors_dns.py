"""Rule match_authors_dns: the authors' own cf_dns.py (dns-authors-code) against their released start."""


from irgan.contract.io import write_json, write_text
from irgan.contract.runs import write_frame
from irgan.data.dataset import Dataset
from irgan.jobs.script import snakemake_step
from irgan.original.start_match import authors_dns_match


def main() -> None:
    models = dict(zip(snakemake.params.seeds, snakemake.input.models, strict=True))
    frame, table, sentence = authors_dns_match(Dataset.load(snakemake.input.dataset),
                                               snakemake.input.checkpoint, models)
    write_frame(frame, snakemake.output.csv)
    write_text(snakemake.output.markdown, table)
    write_json(snakemake.output.verdict, {"sentence": sentence})


snakemake_step(snakemake, main)
