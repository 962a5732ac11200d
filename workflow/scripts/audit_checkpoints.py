"""Rule audit_checkpoints: evaluate the authors' released checkpoints under the paper protocol."""


from irgan.contract.io import write_json
from irgan.contract.provenance import run_record
from irgan.data.dataset import Dataset
from irgan.jobs.script import snakemake_step
from irgan.original.audit import audit_checkpoints, write_audit


def main() -> None:
    dataset = Dataset.load(snakemake.input.dataset)
    results = audit_checkpoints(dataset, list(snakemake.input.checkpoints))
    write_audit(results, snakemake.output.csv, snakemake.output.markdown)
    write_json(
        snakemake.output.record,
        run_record(
            {"dataset": snakemake.wildcards.dataset, "checkpoints": list(snakemake.input.checkpoints)},
            device="cpu",
        ),
    )


snakemake_step(snakemake, main)
