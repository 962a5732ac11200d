"""Rule run_authors_code: the patched cf_gan.py for one seed (in the TensorFlow environment)."""

from pathlib import Path

from irgan.original.authors_code import Schedule, run_cf_gan


def main() -> None:
    data = {Path(path).name: path for path in snakemake.input.data}
    with open(snakemake.log[0], "w") as log:
        run_cf_gan(Path(snakemake.input.code[0]).parent, data, Schedule(**snakemake.params.schedule),
                   int(snakemake.wildcards.seed), Path(snakemake.output.record).parent,
                   threads=snakemake.threads, log=log)


try:
    main()
except Exception as error:  # noqa: BLE001  (one line for the user; this env has no torch for runtime)
    from irgan.errors import IrganError

    if not isinstance(error, IrganError):
        raise
    print(f"error: {error}", file=open(snakemake.log[0], "a"))
    raise SystemExit(f"error: {error}") from None
