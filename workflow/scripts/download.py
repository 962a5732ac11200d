"""Rule download: fetch one pinned file (or its offline mirror's copy) and verify its sha256."""


from irgan.data.download import dataset_mirror, fetch
from irgan.jobs.script import snakemake_step


def main() -> None:
    # the dataset's mirror: IRGAN_MIRROR, or the variable its config entry names (mirror_env)
    mirror, mirror_env, mirror_default = dataset_mirror(dict(snakemake.params.mirror))
    fetch(snakemake.params.url, snakemake.output[0], snakemake.params.sha256, mirror=mirror,
          mirror_env=mirror_env, mirror_default=mirror_default)


snakemake_step(snakemake, main)
