"""Rule fetch_authors_code: one pinned file of the authors' code (or its IRGAN_CODE_MIRROR copy)."""


from irgan.data.download import fetch
from irgan.jobs.script import snakemake_step
from irgan.original.authors_code import code_mirror_dir

snakemake_step(
    snakemake,
    lambda: fetch(snakemake.params.url, snakemake.output[0], snakemake.params.sha256,
                  mirror=code_mirror_dir()),
)
