# Does it transfer? `snakemake datasets`: the whole study on each dataset of transfer.datasets (the
# study's own targets, from this project's DNS start where a dataset publishes no released one),
# then the cross-dataset comparison (irgan/analysis/transfer.py, irgan/report/transfer.py) of the
# study's first dataset with them under results/transfer/. Its paths and input functions live in
# common.smk, whose target functions take the datasets they build targets for.
Q_TRANSFER = "9. Does it transfer to other datasets?"


rule transfer:
    """The study's findings on its first dataset beside the same findings on transfer.datasets."""
    input:
        **{kind: [f"{STATISTICS_DIR.format(dataset=name)}/{kind}.csv" for name in transfer_datasets()]
           for kind in TRANSFER_STATISTICS},
        claims=[f"{TABLES_DIR.format(dataset=name)}/claims.csv" for name in transfer_datasets()],
    output:
        csv=transfer_files()["csv"],
        md=transfer_files()["md"],
        tex=transfer_files()["tex"],
        html=report(transfer_files()["html"], caption="../report/transfer.rst", category=Q_TRANSFER),
        png=report(transfer_files()["png"], caption="../report/fig_transfer.rst", category=Q_TRANSFER),
        pdf=transfer_files()["pdf"],
        json=transfer_files()["json"],
    params:
        datasets=transfer_datasets(),
        statistics=config.get("statistics", {}),
    log:
        f"{RESULTS}/logs/transfer/transfer.log",
    conda:
        "../envs/stats.yaml"
    script:
        "../scripts/transfer.py"


rule datasets:
    """Target: the whole study on transfer.datasets, then the cross-dataset comparison."""
    input:
        study_targets(transfer_extra()),
        transfer_targets(),


# The comparison reads a few small CSV files, as tables, figures and claims do: in the main
# Snakemake process under a cluster executor too (workflow/profiles/slurm).
localrules:
    transfer,
