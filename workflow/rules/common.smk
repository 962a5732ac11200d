# Helpers shared by the rules: paths, registry look-ups, the study's targets.
import sys

sys.path.insert(0, workflow.basedir)  # the irgan package of this checkout

from irgan.config import validate_config

validate_config(config, "snakemake config")

RESULTS = config["results"]
DATASETS = config["datasets"]


def dataset_spec(name):
    return DATASETS[name]


def downloaded(dataset, filename):
    return f"{RESULTS}/downloads/{dataset}/{filename}"


def dataset_files(wildcards):
    """Downloaded inputs of a dataset, by file name (none for synthetic data)."""
    spec = dataset_spec(wildcards.dataset)
    names = [spec.get(key) for key in ("train_file", "test_file", "archive")]
    return {name: downloaded(wildcards.dataset, name) for name in names if name}


def audit_targets():
    return [
        f"{RESULTS}/{name}/audit/released_checkpoints.{ext}"
        for name in config["study"]["datasets"]
        if DATASETS[name].get("released_checkpoints")
        for ext in ("csv", "md")
    ]


def study_targets():
    targets = [f"{RESULTS}/{name}/data/summary.json" for name in config["study"]["datasets"]]
    return targets + audit_targets()
