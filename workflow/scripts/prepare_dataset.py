"""Rule prepare_dataset: parse or generate a dataset, carve validation, write artifact + summary."""


from irgan.contract.provenance import run_record
from irgan.contract.runs import write_frame
from irgan.data.dataset import popularity_tables, save_with_summary
from irgan.data.registry import prepare_dataset
from irgan.jobs.script import snakemake_step


def main() -> None:
    spec = dict(snakemake.params.spec)
    dataset = prepare_dataset(
        snakemake.wildcards.dataset, spec, snakemake.params.validation, dict(snakemake.input.items())
    )
    record = run_record(
        {"dataset": spec, "validation": dict(snakemake.params.validation)},
        seed=spec.get("seed", spec.get("split_seed")),  # a re-split: its split seed
    )
    save_with_summary(dataset, snakemake.output.artifact, snakemake.output.summary, {"provenance": record})
    items, users = popularity_tables(dataset)
    write_frame(items, snakemake.output.item_table)
    write_frame(users, snakemake.output.user_table)


snakemake_step(snakemake, main)
