"""Rule patch_authors_code: the project's reviewed patch applied to the verified upstream files."""

from pathlib import Path

from irgan.authors_code import CODE_FILES, write_patched
from irgan.steps import snakemake_step


def main() -> None:
    write_patched({name: snakemake.input[name] for name in CODE_FILES},
                  Path(snakemake.output.patch).parent)


snakemake_step(snakemake, main)
