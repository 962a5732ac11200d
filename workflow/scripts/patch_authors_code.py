"""Rule patch_authors_code: the project's reviewed patch applied to the verified upstream files."""

from pathlib import Path

from irgan.jobs.script import snakemake_step
from irgan.original.authors_code import CODE_FILES, write_patched


def main() -> None:
    write_patched({name: snakemake.input[name] for name in CODE_FILES},
                  Path(snakemake.output.patch).parent)


snakemake_step(snakemake, main)
