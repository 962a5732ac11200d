# The workflow's shared part: the validated config, wildcard constraints, path templates, input
# functions and the study's targets. The rules (workflow/rules/*.smk) and their scripts import the
# installed irgan package (`pip install -e .`, or workflow/envs/*.yaml under --sdm conda).
import copy
import os
import re

from irgan.study.config import planning_check
from irgan.protocol import PAPER_SELECTION, SELECTION_PATTERN, SELECTIONS

# The one validation (irgan.study.config, workflow/schemas/config.schema.yaml): a bad config stops
# planning with one line naming its file and the full key path.
planning_check(config, workflow)

RESULTS = config["results"]
# The registry and the re-splits the robustness section generates (<dataset>-resplit-<seed>,
# irgan/study/robustness.py): rules look every dataset up here.
from irgan.study import robustness

DATASETS = robustness.registry(config)

# The checkout the rule environments install in editable mode (`-e ${IRGAN_REPO}` in the pip
# section of workflow/envs/*.yaml; pip expands the variable when conda creates an environment),
# also passed to jobs, which create the environments themselves where no file system is shared.
os.environ["IRGAN_REPO"] = str(REPO)


envvars:
    "IRGAN_REPO",


# Every rule's wildcards of the same name mean the same thing: written once, here.
wildcard_constraints:
    dataset=r"[^/]+",
    selection=SELECTION_PATTERN,  # the selection rules of irgan.protocol
    seed=r"\d+",


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
    claims,
    paper,


# One dataset's canonical artifact (rule prepare_dataset), the input of every rule that reads it.
DATASET_ARTIFACT = f"{RESULTS}/{{dataset}}/data/dataset.npz"
# Where one dataset's statistics, tables and figures go (workflow/rules/report.smk).
STATISTICS_DIR = f"{RESULTS}/{{dataset}}/statistics"
TABLES_DIR = f"{RESULTS}/{{dataset}}/tables"
FIGURES_DIR = f"{RESULTS}/{{dataset}}/figures"


def dataset_spec(name):
    return DATASETS[name]


def downloaded(dataset, filename):
    return f"{RESULTS}/downloads/{dataset}/{filename}"


def dataset_files(wildcards):
    """Downloaded inputs of a dataset, by file name (none for synthetic data); a re-split reads
    its base dataset's downloads (no second download)."""
    spec = dataset_spec(wildcards.dataset)
    source, files = robustness.source_dataset(wildcards.dataset, spec), robustness.source_spec(spec)
    names = [files.get(key) for key in ("train_file", "test_file", "archive")]
    return {name: downloaded(source, name) for name in names if name}


def study_datasets(datasets=None):
    """``datasets``, or the study's (study.datasets) when None: every target function below takes
    the datasets it builds targets for, so that a dataset outside study.datasets (the `datasets`
    target's, workflow/rules/datasets.smk) gets the same study."""
    return list(config["study"]["datasets"] if datasets is None else datasets)


def audit_targets(datasets=None):
    return [
        f"{RESULTS}/{name}/audit/released_checkpoints.{ext}"
        for name in study_datasets(datasets)
        if DATASETS[name].get("released_checkpoints")
        for ext in ("csv", "md")
    ]


# The study's runs, each a RunKey (dataset, selection, system, seed) in the run contract of
# irgan/contract/runs.py: one list per kind of rule that writes them, and their files from the
# contract's path template. Statistics, tables, figures and the paper draft
# (workflow/rules/report.smk) read every run of their dataset.
from irgan.original.authors_code import DNS_SYSTEM as AUTHORS_DNS_SYSTEM, SYSTEM as AUTHORS_CODE_SYSTEM
from irgan.contract.runs import (CONTRACT_FILES, DYNAMICS, MODEL, RECORD, RunKey, parse_run_path,
                           run_dir_pattern, run_outputs)
from irgan.contract.outputs import FIGURE_NAMES, STATISTICS_FILES, TABLE_NAMES
from irgan.study.variants import RELEASED_START_SYSTEM


def run_targets(runs, names=CONTRACT_FILES):
    """The files ``names`` of every run in ``runs``."""
    return [f"{run_dir_pattern(RESULTS, *run)}/{name}" for run in runs for name in names]


def pretraining_runs(datasets=None):
    """The `dns` and `mle` rows (rule pretrain), under every selection rule."""
    from irgan.study.variants import selected_baselines

    return [
        RunKey(dataset, selection, method, seed)
        for dataset in study_datasets(datasets)
        for selection in SELECTIONS
        for method in ("dns", "mle")
        if method in selected_baselines(config)
        for seed in config["study"]["seeds"]
    ]


def irgan_runs(datasets=None):
    """Every IRGAN variant, seed and rule of the study (rule train_irgan)."""
    from irgan.study.variants import study_runs

    on = {**config, "study": {**config["study"], "datasets": study_datasets(datasets)}}
    return [RunKey(d, sel, f"irgan-{variant}", seed) for d, sel, variant, seed in study_runs(on)]


def released_start_runs(datasets=None):
    """The authors' released start, where the reference starts from it (rule released_start)."""
    from irgan.study.variants import publishes_start

    return [
        RunKey(dataset, PAPER_SELECTION, RELEASED_START_SYSTEM, seed)
        for dataset in study_datasets(datasets)
        if publishes_start(config["irgan"]["defaults"], DATASETS[dataset])
        for seed in config["study"]["seeds"]
    ]


def baseline_selections():
    return config.get("baselines", {}).get("selections", list(SELECTIONS))


def baseline_runs(dataset=None):
    """Every baseline, selection rule and seed (rule baseline)."""
    return [
        RunKey(name, selection, system, seed)
        for name in ([dataset] if dataset else config["study"]["datasets"])
        for system in chosen_baseline_systems()
        for selection in baseline_selections()
        for seed in config["study"]["seeds"]
    ]


def authors_code_runs(datasets=None):
    """irgan-authors-code for every `authors_code.seeds` (rule authors_code_run) and dns-authors-code
    for every `authors_code.dns_seeds` (rule authors_dns_run), the paper protocol only."""
    section = config.get("authors_code", {})
    runs = [(AUTHORS_CODE_SYSTEM, seed) for seed in section.get("seeds", [])]
    runs += [(AUTHORS_DNS_SYSTEM, seed) for seed in section.get("dns_seeds", [])]
    return [
        RunKey(dataset, PAPER_SELECTION, system, seed)
        for dataset in authors_code_datasets(datasets)
        for system, seed in runs
    ]


def robustness_runs():
    """Every run the robustness table reads (irgan/study/robustness.py): its systems on the base
    datasets and each re-split, for robustness.seeds and robustness.selections."""
    return [RunKey(*run) for run in robustness.runs(config)]


def study_run_files(dataset):
    """The run-contract files of every run of one dataset (for a re-split: its robustness runs;
    the base datasets' statistics keep the study's own runs)."""
    if dataset not in config["datasets"]:
        runs = robustness_runs()
    else:
        on = [dataset]
        runs = (pretraining_runs(on) + irgan_runs(on) + released_start_runs(on) + baseline_runs(dataset)
                + authors_code_runs(on) + tuned_runs(dataset))
    return sorted(run_targets(run for run in runs if run.dataset == dataset))


def report_run_files(wildcards):
    return study_run_files(wildcards.dataset)


WHAT_MOVED_FIGURES = ("gain_by_group", "popularity_shift", "training_dynamics")


def irgan_dynamics_files(dataset):
    """``dynamics.csv`` of every IRGAN run of this project's trainer on ``dataset`` (rule train_irgan)."""
    if dataset not in config["datasets"]:
        return []
    return sorted(run_targets((run for run in irgan_runs() if run.dataset == dataset), (DYNAMICS,)))


def statistics_files(dataset):
    directory = STATISTICS_DIR.format(dataset=dataset)
    return {name: f"{directory}/{file}" for name, file in STATISTICS_FILES.items()}


def statistics_inputs(wildcards):
    return statistics_files(wildcards.dataset)


def audit_files(dataset):
    """The released-checkpoint audit, for datasets whose authors released checkpoints."""
    if dataset_spec(dataset).get("released_checkpoints"):
        return {"audit": f"{RESULTS}/{dataset}/audit/released_checkpoints.csv"}
    return {}


def start_match_files(dataset):
    """Our DNS against the released start, for datasets that publish it (workflow/rules/audit.smk)."""
    from irgan.study.variants import publishes_start

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
    return [f"{TABLES_DIR.format(dataset=dataset)}/{name}.{fmt}" for name in TABLE_NAMES]


def figure_files(dataset, fmt):
    return [f"{FIGURES_DIR.format(dataset=dataset)}/{name}.{fmt}" for name in FIGURE_NAMES]


def report_targets(datasets=None):
    """Statistics, tables and figures of every study dataset with runs, and the paper draft (when
    the study's first dataset is among them)."""
    datasets = [name for name in study_datasets(datasets) if study_run_files(name)]
    targets = [
        f"{RESULTS}/{name}/{kind}/{stem}"
        for name in datasets
        for kind, stem in (
            ("statistics", "statistics.json"),
            ("tables", "table3.html"),
            ("tables", "claims.html"),
            ("tables", "what_moved.html"),
            ("figures", "learning_curves.png"),
        )
    ]
    if config["study"]["datasets"][0] in datasets:
        targets.append(f"{RESULTS}/paper/paper.md")
    return targets


def irgan_run_targets(datasets=None):
    """Run files and checkpoints of the pre-training rows (dns, mle) and of every IRGAN variant,
    seed and rule; the run files of the released start (nothing is trained: no checkpoint)."""
    return (run_targets(pretraining_runs(datasets) + irgan_runs(datasets), (*CONTRACT_FILES, MODEL))
            + run_targets(released_start_runs(datasets)))


def chosen_baseline_systems():
    """`baselines.systems`, narrowed by `study.baselines` when it is set."""
    from irgan.study.variants import selected_baselines

    chosen = selected_baselines(config)
    return [system for system in config.get("baselines", {}).get("systems", []) if system in chosen]


def baseline_rule_systems():
    """The baselines a baseline job may fit (its wildcard constraint): the study's and robustness.systems'."""
    robust = robustness.section(config).get("systems", [])
    return [system for system in config.get("baselines", {}).get("systems", [])
            if system in chosen_baseline_systems() or system in robust]


def baseline_config(wildcards):
    """What a baseline run reads of the config (baselines.study.run_seed): the baselines section,
    the device, the validation carve and the spec of its own dataset."""
    return {
        "baselines": config.get("baselines", {}),
        "device": config["device"],
        "validation": config["validation"],
        "datasets": {wildcards.dataset: dataset_spec(wildcards.dataset)},
    }


def results_root(path):
    """The results root a run file lies under, for code that finds runs by key (baselines.study):
    taken from the rule's own files, which a storage plugin may have moved."""
    _, directory = parse_run_path(path)
    return str(directory.parents[4])


def baseline_run_targets(dataset=None):
    """Run records of every baseline, selection rule and seed (workflow/rules/baselines.smk)."""
    return run_targets(baseline_runs(dataset), (RECORD,))


def baseline_run_files(name):
    """One file of each selection rule's run, with {dataset}, {system} and {seed} wildcards."""
    return [f"{run_dir_pattern(RESULTS, selection=selection)}/{name}" for selection in baseline_selections()]


def baseline_targets(datasets=None):
    """The baseline summary of every study dataset (it needs every baseline run)."""
    if not chosen_baseline_systems():
        return []
    return [f"{RESULTS}/{name}/baselines/summary.md" for name in study_datasets(datasets)]


def start_match_targets(datasets=None):
    """The DNS-against-released-start comparison, on datasets that publish the authors' start."""
    from irgan.study.variants import publishes_start

    return [
        f"{RESULTS}/{name}/audit/start_match.md"
        for name in study_datasets(datasets)
        if publishes_start(config["irgan"]["defaults"], DATASETS[name])
    ]


# Robustness over splits (workflow/rules/robustness.smk): per base dataset, under
# results/robustness/<dataset>/.
ROBUSTNESS_DIR = f"{RESULTS}/robustness/{{dataset}}"


def robustness_files(dataset):
    """The robustness outputs of one base dataset, by name."""
    directory = ROBUSTNESS_DIR.format(dataset=dataset)
    return {"robustness_sentence": f"{directory}/robustness.json",
            "robustness_table": f"{directory}/tables/robustness.md",
            "robustness_figure": f"{directory}/figures/robustness.png",
            "robustness_figure_pdf": f"{directory}/figures/robustness.pdf"}


def robustness_targets():
    """The robustness table of every base dataset, and the statistics of every re-split."""
    bases = robustness.section(config).get("datasets", [])
    resplits = [name for name in robustness.datasets_of(config) if name not in bases]
    return ([path for base in bases for path in robustness_files(base).values()]
            + [f"{STATISTICS_DIR.format(dataset=name)}/statistics.json" for name in resplits])


def robustness_split_datasets(wildcards):
    """One base dataset and its re-splits."""
    return [wildcards.dataset] + [name for name in robustness.datasets_of(config)
                                  if DATASETS.get(name, {}).get("base") == wildcards.dataset]


def robustness_run_files(wildcards):
    """The contract files of the robustness runs of one base dataset and its re-splits."""
    datasets = robustness_split_datasets(wildcards)
    return run_targets(run for run in robustness_runs() if run.dataset in datasets)


def robustness_summaries(wildcards):
    """The data summaries of one base dataset and its re-splits (their evaluated users)."""
    return [f"{RESULTS}/{name}/data/summary.json" for name in robustness_split_datasets(wildcards)]


def paper_robustness_inputs(dataset):
    """The robustness outputs the paper draft shows: where the study runs them (robustness.in_study)
    or where they exist already (after `snakemake robustness`); else none (the draft says so)."""
    if dataset not in robustness.section(config).get("datasets", []):
        return {}
    files = robustness_files(dataset)
    if robustness.section(config).get("in_study") or all(os.path.exists(p) for p in files.values()):
        return files
    return {}


def study_targets(datasets=None):
    """The study on ``datasets`` (None: the default target, study.datasets, with the robustness
    outputs where robustness.in_study says so)."""
    targets = [f"{RESULTS}/{name}/data/summary.json" for name in study_datasets(datasets)]
    in_study = robustness_targets() if datasets is None and robustness.section(config).get("in_study") else []
    return (targets + audit_targets(datasets) + start_match_targets(datasets) + irgan_run_targets(datasets)
            + authors_code_run_targets(datasets) + baseline_targets(datasets) + tuned_targets(datasets)
            + report_targets(datasets) + in_study)


# Training rules (workflow/rules/train.smk): run paths, variant settings, initial checkpoints.
from irgan.study.variants import resolve_variant, settings_for_run, variant_names

# D's pre-training writes the run files too, outside the study's runs (no system of its own).
D_PRETRAINING_DIR = f"{RESULTS}/{{dataset}}/pretraining/{{selection}}/discriminator/seed-{{seed}}"


def irgan_resume_file(wildcards):
    """The state after the last outer epoch, beside the run's files until it ends."""
    run = run_dir_pattern(RESULTS, wildcards.dataset, wildcards.selection, f"irgan-{wildcards.variant}",
                          wildcards.seed)
    return f"{run}/resume.pt"


def irgan_settings(wildcards):
    """A variant's settings for one run, `generator_init: authors` resolved for its dataset and rule."""
    return settings_for_run(config["irgan"], wildcards.variant, dataset_spec(wildcards.dataset),
                            wildcards.selection)


def irgan_init_inputs(wildcards):
    """The checkpoints a variant starts from: pre-trained runs of the same seed and selection rule."""
    settings = irgan_settings(wildcards)
    inputs = {"dataset": DATASET_ARTIFACT.format(dataset=wildcards.dataset)}
    if settings["generator_init"] in ("dns", "mle"):
        start = run_dir_pattern(RESULTS, wildcards.dataset, wildcards.selection, settings["generator_init"],
                                wildcards.seed)
        inputs["generator"] = f"{start}/{MODEL}"
    elif settings["generator_init"] == "released":
        inputs["generator"] = downloaded(wildcards.dataset, settings["released_checkpoint"])
    if settings["discriminator_init"] == "pretrained":
        start = D_PRETRAINING_DIR.format(dataset=wildcards.dataset, selection=wildcards.selection,
                                         seed=wildcards.seed)
        inputs["discriminator"] = f"{start}/{MODEL}"
    return inputs


# The authors' original code (workflow/rules/authors_code.smk).
from irgan.original.authors_code import BENCHMARK_SCHEDULE  # the speed benchmark's, for both trainers
from irgan.original.authors_code import CODE_FILES as AUTHORS_CODE_FILES, DATA_FILES as AUTHORS_CODE_DATA
from irgan.original.authors_code import DNS_DATA_FILES as AUTHORS_DNS_DATA


def authors_code_datasets(datasets=None):
    """Study datasets the original can run on: those that publish the released start."""
    from irgan.study.variants import publishes_start

    return [name for name in study_datasets(datasets)
            if publishes_start(config["irgan"]["defaults"], DATASETS[name])]


# The pinned files of the authors' code, after the project's patch (rule patch_authors_code).
PATCHED_AUTHORS_CODE = [f"{RESULTS}/authors-code/patched/{name}" for name in AUTHORS_CODE_FILES]


def authors_code_pin():
    """The pinned upstream of the authors' code, for the provenance of the runs made from it."""
    return {key: config["authors_code"][key] for key in ("commit", "base_url", "files")}


def authors_code_schedule(wildcards):
    """cf_gan.py's three loops, from irgan.defaults: the same schedule as the reference."""
    defaults = config["irgan"]["defaults"]
    return {"outer_epochs": defaults["outer_epochs"], "d_epochs": defaults["discriminator"]["epochs"],
            "g_epochs": defaults["generator"]["epochs"]}


def authors_code_run_targets(datasets=None):
    """Run files of irgan-authors-code for every `authors_code.seeds` and of dns-authors-code (the
    authors' cf_dns.py) for every `authors_code.dns_seeds` (the paper protocol only)."""
    return run_targets(authors_code_runs(datasets))


# Equal-budget tuning (workflow/rules/tuning.smk, irgan/jobs/tune.py): one search per dataset and
# system of `tuning.systems`, then <system>-tuned trained on every study seed under the honest rule.
from irgan.study.tuned import IRGAN as TUNED_IRGAN, PRETRAINING as TUNABLE_PRETRAINING, TUNING_SELECTION
from irgan.study.tuned import tuned_name
from irgan.study.variants import start_of

TUNING_DIR = f"{RESULTS}/{{dataset}}/tuning/{{system}}"
TUNING_FILES = {"trials_csv": "trials.csv", "trials_json": "trials.json", "best": "best.json"}


def tuning_section():
    return config.get("tuning") or {}


def tuning_slice(system):
    """What one system's search reads of `tuning:` (its own space only: editing another system's
    space does not redo this search)."""
    section = tuning_section()
    return {"seed": section["seed"], "trials": section["trials"], "systems": [system],
            "spaces": {system: section["spaces"][system]}}


def tuned_systems():
    """The systems of `tuning.systems` (irgan, baselines, dns/mle), in the config's order."""
    return list(tuning_section().get("systems", []))


def tuning_files(dataset, system, names=tuple(TUNING_FILES)):
    return [f"{TUNING_DIR.format(dataset=dataset, system=system)}/{TUNING_FILES[name]}" for name in names]


def tuned_runs(dataset=None):
    """Every <system>-tuned run: each tuned system, study dataset and seed, the honest rule only."""
    return [
        RunKey(name, TUNING_SELECTION, tuned_name(system), seed)
        for name in ([dataset] if dataset else config["study"]["datasets"])
        for system in tuned_systems()
        for seed in config["study"]["seeds"]
    ]


def tuned_irgan_settings(dataset):
    """The settings IRGAN's trials and irgan-tuned start from: the reference (irgan.defaults) under
    the honest rule, its start resolved (`authors` -> this project's DNS)."""
    settings = copy.deepcopy(config["irgan"]["defaults"])
    settings["generator_init"] = start_of(settings, dataset_spec(dataset), TUNING_SELECTION)
    return settings


def tuning_base(dataset, system):
    """A system's settings before a trial's values: IRGAN's reference settings, `pretraining.<system>`
    for dns and mle, a baseline's `fixed` values (without the keys its space tunes)."""
    if system == TUNED_IRGAN:
        return tuned_irgan_settings(dataset)
    if system in TUNABLE_PRETRAINING:
        return copy.deepcopy(config["pretraining"][system])
    space = tuning_section().get("spaces", {}).get(system, {})
    fixed = (config.get("baselines", {}).get(system) or {}).get("fixed") or {}
    return {key: value for key, value in fixed.items() if key not in space}


def tuned_start_inputs(dataset, system, seed):
    """The models IRGAN starts from (its trials: the tuning seed's; irgan-tuned: each seed's), made by
    the pre-training rules under the honest rule; nothing for the other systems."""
    if system != TUNED_IRGAN:
        return {}
    settings = tuned_irgan_settings(dataset)
    inputs = {}
    if settings["generator_init"] in ("dns", "mle"):
        start = run_dir_pattern(RESULTS, dataset, TUNING_SELECTION, settings["generator_init"], seed)
        inputs["generator"] = f"{start}/{MODEL}"
    if settings["discriminator_init"] == "pretrained":
        start = D_PRETRAINING_DIR.format(dataset=dataset, selection=TUNING_SELECTION, seed=seed)
        inputs["discriminator"] = f"{start}/{MODEL}"
    return inputs


def tuning_inputs(wildcards):
    return {"dataset": DATASET_ARTIFACT.format(dataset=wildcards.dataset),
            **tuned_start_inputs(wildcards.dataset, wildcards.system, tuning_section()["seed"])}


def train_tuned_inputs(wildcards):
    best = tuning_files(wildcards.dataset, wildcards.system, ("best",))[0]
    return {"dataset": DATASET_ARTIFACT.format(dataset=wildcards.dataset), "best": best,
            **tuned_start_inputs(wildcards.dataset, wildcards.system, int(wildcards.seed))}


def tuning_best_files(dataset):
    """The best.json of each tuned system with runs on ``dataset`` (the statistics' record of every
    budget): on a study dataset every system of `tuning.systems`, on a re-split those of
    `robustness.systems`."""
    systems = {parse_run_path(path)[0].system for path in study_run_files(dataset)}
    return [tuning_files(dataset, system, ("best",))[0] for system in tuned_systems()
            if tuned_name(system) in systems]


def tuned_targets(datasets=None):
    """Every search's files and every <system>-tuned run of the study."""
    return [path for dataset in study_datasets(datasets) for system in tuned_systems()
            for path in tuning_files(dataset, system)] + [
        path for dataset in study_datasets(datasets) for path in run_targets(tuned_runs(dataset))]


# Does it transfer? (workflow/rules/datasets.smk, `snakemake datasets`): the study on transfer.datasets
# too, then the cross-dataset comparison under results/transfer/.
TRANSFER_DIR = f"{RESULTS}/transfer"
TRANSFER_STATISTICS = ("summary", "comparisons", "optimism_summary")
TRANSFER_FILES = {"csv": "tables/transfer.csv", "md": "tables/transfer.md", "tex": "tables/transfer.tex",
                  "html": "tables/transfer.html", "png": "figures/transfer.png", "pdf": "figures/transfer.pdf",
                  "json": "transfer.json"}


def transfer_extra():
    """transfer.datasets: the datasets the `datasets` target adds to the study."""
    return list((config.get("transfer") or {}).get("datasets", []))


def transfer_datasets():
    """The datasets set side by side: the study's first (whose findings are tested), then transfer.datasets."""
    return list(dict.fromkeys([config["study"]["datasets"][0], *transfer_extra()]))


def transfer_files():
    """The transfer rule's outputs, by format."""
    return {fmt: f"{TRANSFER_DIR}/{name}" for fmt, name in TRANSFER_FILES.items()}


def transfer_targets():
    """The comparison's files, where there is more than one dataset to compare."""
    return list(transfer_files().values()) if len(transfer_datasets()) > 1 else []


def transfer_paper_inputs():
    """What the paper draft shows of the comparison (its `transfer_section`): the files, once
    `snakemake datasets` has written them; else none (the draft says how to run it)."""
    files = transfer_files()
    if not transfer_targets() or not all(os.path.exists(files[fmt]) for fmt in ("json", "md", "png", "pdf")):
        return {}
    return {f"transfer_{fmt}": files[fmt] for fmt in ("json", "md", "png", "pdf")}
