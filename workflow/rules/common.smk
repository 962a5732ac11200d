# Helpers shared by the rules: paths, registry look-ups, the study's targets.
import re
import sys
from pathlib import Path

sys.path.insert(0, workflow.basedir)  # the irgan package of this checkout

from irgan.config import planning_check

# One validation (irgan.config): a bad config stops planning with one line naming its file and key.
planning_check(config, workflow)

RESULTS = config["results"]
DATASETS = config["datasets"]

# Rules that run in the main Snakemake process even under a cluster executor
# (workflow/profiles/slurm): downloads (data and the authors' code) need the network, which
# compute nodes often lack; the others only read small CSV files and are quicker than a queued job.
localrules:
    download,
    fetch_authors_code,
    patch_authors_code,
    baselines_summary,
    tables,
    figures,
    paper,


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


# Statistics, tables, figures and the paper draft (workflow/rules/report.smk) read the runs
# that the training and baseline rules declare through these target functions.
from irgan.study_outputs import FIGURE_NAMES, STATISTICS_FILES, TABLE_NAMES

RUN_TARGET_FUNCTIONS = ("irgan_run_targets", "baseline_run_targets", "authors_code_run_targets")


def study_run_files(dataset):
    """Run-contract files of one dataset, from every run-target function the rules define."""
    files = set()
    for name in RUN_TARGET_FUNCTIONS:
        function = globals().get(name)
        if callable(function):
            files.update(str(path) for path in function())
    prefix = f"{RESULTS}/{dataset}/runs/"
    contract = {"record.json", "per_user.csv", "curve.csv"}
    return sorted(path for path in files if path.startswith(prefix) and Path(path).name in contract)


def report_run_files(wildcards):
    return study_run_files(wildcards.dataset)


def statistics_files(dataset):
    return {name: f"{RESULTS}/{dataset}/statistics/{file}" for name, file in STATISTICS_FILES.items()}


def statistics_inputs(wildcards):
    return statistics_files(wildcards.dataset)


def audit_files(dataset):
    """The released-checkpoint audit, for datasets whose authors released checkpoints."""
    if dataset_spec(dataset).get("released_checkpoints"):
        return {"audit": f"{RESULTS}/{dataset}/audit/released_checkpoints.csv"}
    return {}


def start_match_files(dataset):
    """Our DNS against the released start, for datasets that publish it (workflow/rules/audit.smk)."""
    from irgan.variants import publishes_start

    if publishes_start(config["irgan"]["defaults"], dataset_spec(dataset)):
        files = {"start_match": f"{RESULTS}/{dataset}/audit/start_match.json",
                 "start_match_table": f"{RESULTS}/{dataset}/audit/start_match.md"}
        if config.get("authors_code", {}).get("dns_seeds"):  # the authors' own cf_dns.py, too
            files |= {"authors_dns": f"{RESULTS}/{dataset}/audit/authors_dns_start.json",
                      "authors_dns_table": f"{RESULTS}/{dataset}/audit/authors_dns_start.md"}
        return files
    return {}


def audit_input(wildcards):
    return audit_files(wildcards.dataset)


def table_files(dataset, fmt):
    return [f"{RESULTS}/{dataset}/tables/{name}.{fmt}" for name in TABLE_NAMES]


def figure_files(dataset, fmt):
    return [f"{RESULTS}/{dataset}/figures/{name}.{fmt}" for name in FIGURE_NAMES]


def report_targets():
    """Statistics, tables and figures of every study dataset with runs, and the paper draft."""
    datasets = [name for name in config["study"]["datasets"] if study_run_files(name)]
    targets = [
        f"{RESULTS}/{name}/{kind}/{stem}"
        for name in datasets
        for kind, stem in (
            ("statistics", "statistics.json"),
            ("tables", "table3.html"),
            ("figures", "learning_curves.png"),
        )
    ]
    if config["study"]["datasets"][0] in datasets:
        targets.append(f"{RESULTS}/paper/paper.md")
    return targets


def irgan_run_targets():
    """Run files of the pre-training rows (dns, mle) and of every IRGAN variant, seed and rule."""
    from irgan.variants import publishes_start, selected_baselines, study_runs

    files = ("per_user.csv", "curve.csv", "record.json", "model.pt")
    runs = [
        (dataset, selection, method, seed)
        for dataset in config["study"]["datasets"]
        for selection in ("test", "validation")
        for method in ("dns", "mle")
        if method in selected_baselines(config)
        for seed in config["study"]["seeds"]
    ]
    runs += [(d, sel, f"irgan-{variant}", seed) for d, sel, variant, seed in study_runs(config)]
    # the authors' released start, where the reference starts from it (workflow/rules/audit.smk)
    released = [
        (dataset, "test", "dns-released", seed)
        for dataset in config["study"]["datasets"]
        if publishes_start(config["irgan"]["defaults"], DATASETS[dataset])
        for seed in config["study"]["seeds"]
    ]
    return [
        f"{RESULTS}/{dataset}/runs/{selection}/{system}/seed-{seed}/{name}"
        for dataset, selection, system, seed in runs + released
        for name in files
        if not (system == "dns-released" and name == "model.pt")  # nothing is trained
    ]


def chosen_baseline_systems():
    """`baselines.systems`, narrowed by `study.baselines` when it is set."""
    from irgan.variants import selected_baselines

    chosen = selected_baselines(config)
    return [system for system in config.get("baselines", {}).get("systems", []) if system in chosen]


def baseline_run_targets(dataset=None):
    """Run records of every baseline, selection rule and seed (workflow/rules/baselines.smk)."""
    section = config.get("baselines", {})
    return [
        f"{RESULTS}/{name}/runs/{selection}/{system}/seed-{seed}/record.json"
        for name in ([dataset] if dataset else config["study"]["datasets"])
        for system in chosen_baseline_systems()
        for selection in section.get("selections", ["test", "validation"])
        for seed in config["study"]["seeds"]
    ]


def baseline_run_files(name):
    """One file of each selection rule's run, with {dataset}, {system} and {seed} wildcards."""
    return [
        f"{RESULTS}/{{dataset}}/runs/{selection}/{{system}}/seed-{{seed}}/{name}"
        for selection in config.get("baselines", {}).get("selections", ["test", "validation"])
    ]


def baseline_targets():
    """The baseline summary of every study dataset (it needs every baseline run)."""
    if not chosen_baseline_systems():
        return []
    return [f"{RESULTS}/{name}/baselines/summary.md" for name in config["study"]["datasets"]]


def start_match_targets():
    """The DNS-against-released-start comparison, on datasets that publish the authors' start."""
    from irgan.variants import publishes_start

    return [
        f"{RESULTS}/{name}/audit/start_match.md"
        for name in config["study"]["datasets"]
        if publishes_start(config["irgan"]["defaults"], DATASETS[name])
    ]


def study_targets():
    targets = [f"{RESULTS}/{name}/data/summary.json" for name in config["study"]["datasets"]]
    return (targets + audit_targets() + start_match_targets() + irgan_run_targets()
            + authors_code_run_targets() + baseline_targets()
            + report_targets())


# Training rules (workflow/rules/train.smk): run paths, variant settings, initial checkpoints.
from irgan.variants import resolve_variant, settings_for_run, variant_names

RUN_DIR = f"{RESULTS}/{{dataset}}/runs/{{selection}}/{{system}}/seed-{{seed}}"
D_PRETRAINING_DIR = f"{RESULTS}/{{dataset}}/pretraining/{{selection}}/discriminator/seed-{{seed}}"
RUN_FILES = {
    "per_user": "per_user.csv",
    "curve": "curve.csv",
    "record": "record.json",
    "model": "model.pt",
}


def run_files(directory):
    return {key: f"{directory}/{name}" for key, name in RUN_FILES.items()}


def irgan_settings(wildcards):
    """A variant's settings for one run, `generator_init: authors` resolved for its dataset and rule."""
    return settings_for_run(config["irgan"], wildcards.variant, dataset_spec(wildcards.dataset),
                            wildcards.selection)


def irgan_init_inputs(wildcards):
    """The checkpoints a variant starts from: pre-trained runs of the same seed and selection rule."""
    settings = irgan_settings(wildcards)
    run = f"{RESULTS}/{wildcards.dataset}/runs/{wildcards.selection}/{{}}/seed-{wildcards.seed}/model.pt"
    inputs = {"dataset": f"{RESULTS}/{wildcards.dataset}/data/dataset.npz"}
    if settings["generator_init"] in ("dns", "mle"):
        inputs["generator"] = run.format(settings["generator_init"])
    elif settings["generator_init"] == "released":
        inputs["generator"] = downloaded(wildcards.dataset, settings["released_checkpoint"])
    if settings["discriminator_init"] == "pretrained":
        inputs["discriminator"] = (
            f"{RESULTS}/{wildcards.dataset}/pretraining/{wildcards.selection}/discriminator/"
            f"seed-{wildcards.seed}/model.pt"
        )
    return inputs


# The authors' original code (workflow/rules/authors_code.smk).
from irgan.authors_code import BENCHMARK_SCHEDULE  # the speed benchmark's, for both trainers
from irgan.authors_code import CODE_FILES as AUTHORS_CODE_FILES, DATA_FILES as AUTHORS_CODE_DATA
from irgan.authors_code import DNS_DATA_FILES as AUTHORS_DNS_DATA


def authors_code_datasets():
    """Study datasets the original can run on: those that publish the released start."""
    from irgan.variants import publishes_start

    return [name for name in config["study"]["datasets"]
            if publishes_start(config["irgan"]["defaults"], DATASETS[name])]


def authors_code_schedule(wildcards):
    """cf_gan.py's three loops, from irgan.defaults: the same schedule as the reference."""
    defaults = config["irgan"]["defaults"]
    return {"outer_epochs": defaults["outer_epochs"], "d_epochs": defaults["discriminator"]["epochs"],
            "g_epochs": defaults["generator"]["epochs"]}


def authors_code_run_targets():
    """Run files of irgan-authors-code for every `authors_code.seeds` and of dns-authors-code (the
    authors' cf_dns.py) for every `authors_code.dns_seeds` (the paper protocol only)."""
    section = config.get("authors_code", {})
    runs = [("irgan-authors-code", seed) for seed in section.get("seeds", [])]
    runs += [("dns-authors-code", seed) for seed in section.get("dns_seeds", [])]
    return [
        f"{RESULTS}/{dataset}/runs/test/{system}/seed-{seed}/{name}"
        for dataset in authors_code_datasets()
        for system, seed in runs
        for name in ("per_user.csv", "curve.csv", "record.json")
    ]
