"""Rule download: fetch one pinned file (or its IRGAN_MIRROR copy) and verify its sha256."""


from irgan.data.download import fetch
from irgan.jobs.script import snakemake_step

snakemake_step(
    snakemake,
    lambda: fetch(snakemake.params.url, snakemake.output[0], snakemake.params.sha256),
)
