"""What a study will run, and a rough estimate of how long: ``python -m irgan.study.plan``.

Reads the config as Snakemake does (``config/config.yaml``, then each ``--configfile`` merged
over it, then ``--config KEY=VALUE`` with YAML values, e.g. ``'study={variants: [code]}'``) and
prints the planned training jobs (pre-training, IRGAN runs, baselines), one line per kind, with
an estimate of their time. When ``snakemake scale`` has measured every system at several sizes
(``<results>/benchmarks/scale.csv``), each job's parts are those measurements interpolated to the
dataset's size (:class:`Costs`); otherwise the compiled trainer's seconds per D- and G-epoch on
MovieLens-100k (``<results>/benchmarks/train.csv`` when ``snakemake benchmark_train`` has written
it, else the figures measured in docs/training.md), scaled by the dataset's training positives.
Either way a fixed start-up cost per job is added (Python, torch, the compiled kernels' cache).
Nothing runs and nothing is written. The estimate is for idle cores; jobs already done are
counted too (``snakemake -n`` says which are left).

    python -m irgan.study.plan --configfile config/demo.yaml
    python -m irgan.study.plan --config 'study={variants: [code, frozen-d], seeds: [1]}' --cores 8
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from irgan.errors import ConfigError
from irgan.protocol import SELECTIONS
from irgan.study import robustness
from irgan.study.config import DEFAULT_CONFIG, deep_merge, read_yaml, validate_config
from irgan.study.variants import (
    is_tuned,
    publishes_start,
    resolve_variant,
    selected_baselines,
    selected_variants,
    study_runs,
)
from irgan.train.placement import interpolate

# Measured on the 2-core CI-type machine, idle, one faithful run on ml-100k-irgan (docs/training.md, "Speed"):
# seconds per D-epoch (2,759 steps of 16 triples) and per G-epoch with its evaluation.
BENCHMARK = {"d_epoch": 0.0032, "g_epoch": 0.0142}
BENCHMARK_POSITIVES = 44_140  # training positives of ml-100k-irgan, the benchmark's data
# Start-up of one job (Snakemake, Python, torch, numba's cache), measured: the demo's 61 jobs took
# 115 s on 2 idle cores.
JOB_SECONDS = 3.5
# Inside a study every core runs a job, so G's evaluation no longer overlaps its training: one
# reference run on ml-100k-irgan with one thread took 27.5 s alone and 27.7 s beside another (the
# two cores do not slow each other; measured 2026-12-06), against BENCHMARK's 15.5 s for a run.
CONTENTION = 1.8
# Seconds per epoch of the pre-trainings in the 2-core study on ml-100k-irgan (DNS 80 epochs in
# 2.0 s, MLE 60 in 1.7 s), and per (setting, seed) of the DNS-against-released-start grid
# (53 of them in about 7 min).
PRETRAIN_EPOCH = {"dns": 0.025, "mle": 0.028, "discriminator": 0.025}
START_MATCH_RUN = 8.0
# The authors' own cf_gan.py (irgan-authors-code), seconds per D- and G-epoch (with its evaluation)
# and its start-up, one run alone on the 2-core machine (docs/original-code.md, "The original code, run by the
# study": 0.73 s and 1.15 s); replaced by <results>/benchmarks/authors_code.json when
# `snakemake benchmark_train` has written it.
AUTHORS_BENCHMARK = {"d_epoch": 0.75, "g_epoch": 1.2, "process": 10.0}
# G-epochs of several users per step (batch-32, fast) run the torch step, not the compiled one:
# measured on ml-100k-irgan (one full run each, side by side on the loaded 2-core machine), a
# batch-32 G-epoch with its evaluation took 1.45 x the reference's (63 ms against 43 ms).
BATCHED_G_EPOCH = 1.45
AUTHORS_DNS_EPOCH = 12.0  # cf_dns.py: one epoch of single-triple steps and its evaluation
# Training positives of the registry's datasets whose size the config does not give.
KNOWN_POSITIVES = {"ml-100k-irgan": 44_140, "ml-100k": 44_140, "ml-1m": 460_000, "netflix": 1_200_000,
                   # the CFGAN authors' splits (counted): rating >= 4, and every rating (-implicit)
                   "ciao-cfgan": 10_042, "ml-100k-cfgan": 44_289,
                   "ciao-cfgan-implicit": 13_464, "ml-100k-cfgan-implicit": 80_000}
POSITIVE_SHARE = 0.55  # ratings >= 4 on MovieLens-like scales (irgan.data.synthetic's shares)
# Users and items of the registry's datasets (for the scale benchmark's users x items measure).
KNOWN_SHAPES = {"ml-100k-irgan": (943, 1683), "ml-100k": (943, 1682), "ml-1m": (6040, 3706),
                "netflix": (10_000, 17_770), "ciao-cfgan": (662, 1347), "ml-100k-cfgan": (943, 1682),
                "ciao-cfgan-implicit": (662, 1347), "ml-100k-cfgan-implicit": (943, 1682)}


@dataclass
class Job:
    # pretrain, pretrain_discriminator, train_irgan, baseline, tune, train_tuned, start_match,
    # authors_code, robustness
    kind: str
    dataset: str
    name: str
    seconds: float


#: what an epoch's cost grows with, per (system, quantity) of the scale benchmark (irgan/bench/scale.py):
#: training positives (one step per positive) or users x items (a softmax or a score for every item
#: of every user)
SIZE_MEASURE = {"dns": "positives", "mle": "cells", "discriminator": "positives", "bpr": "positives",
                "lambdafm": "positives", "irgan:d_epoch": "positives", "irgan:regeneration": "cells",
                "irgan:g_epoch": "cells", "irgan:g_steps": "cells", "irgan:outer_epoch": "cells",
                "pop": "cells", "itemknn": "cells", "ease": "cells", "evaluation": "cells"}


def size_measure(system: str, quantity: str) -> str:
    """``positives`` or ``cells``: what ``system``'s ``quantity`` is proportional to."""
    return SIZE_MEASURE.get(f"{system}:{quantity}", SIZE_MEASURE.get(system, "cells"))


def dataset_shape(name: str, spec: dict) -> tuple[float, float, float]:
    """(users, items, training positives) of a registry entry, as far as the config tells."""
    positives = training_positives(name, spec)
    if spec.get("kind") in ("synthetic", "synthetic-shaped"):
        fraction = float(spec.get("users_fraction", 1.0))
        return round(spec["n_users"] * fraction), spec["n_items"], positives
    users, items = KNOWN_SHAPES.get(name, KNOWN_SHAPES["ml-100k-irgan"])
    return users, items, positives


def scale_measurements(results: str) -> pd.DataFrame | None:
    """The scale benchmark's table (``<results>/benchmarks/scale.csv``, ``snakemake scale``), or None."""
    path = Path(results) / "benchmarks" / "scale.csv"
    if not path.is_file():
        return None
    frame = pd.read_csv(path)
    return frame[(frame["status"] == "ok") & (frame["device"] == "cpu")]


def measured_costs(table: pd.DataFrame | None, shape: tuple[float, float, float]) -> dict[str, float]:
    """Seconds of each (system, quantity) of the scale benchmark at a dataset of ``shape``,
    interpolated in what that quantity grows with (:func:`size_measure`)."""
    if table is None or table.empty:
        return {}
    users, items, positives = shape
    at = {"positives": positives, "cells": users * items}
    costs = {}
    for (system, quantity), rows in table.groupby(["system", "quantity"]):
        measure = size_measure(system, quantity)
        costs[f"{system}:{quantity}"] = interpolate(rows[measure], rows["seconds"], at[measure])
    return costs


def training_positives(name: str, spec: dict) -> float:
    if spec.get("kind") == "synthetic":
        ratings = spec["n_users"] * spec["n_items"] * spec["density"]
        return ratings * POSITIVE_SHARE * (1 - spec["test_fraction"])
    if spec.get("kind") == "synthetic-shaped":
        shares, low = spec["rating_shares"], spec["rating_scale"][0]
        positive = sum(share for rating, share in enumerate(shares, start=low)
                       if rating >= spec["positive_threshold"]) / sum(shares)
        return spec["n_ratings"] * spec.get("users_fraction", 1.0) * positive * (1 - spec["test_fraction"])
    return KNOWN_POSITIVES.get(name, BENCHMARK_POSITIVES)


def benchmark(results: str) -> dict[str, float]:
    """Seconds per D- and G-epoch: the study's own benchmark when it exists, else docs/training.md's."""
    path = Path(results) / "benchmarks" / "train.csv"
    figures = dict(BENCHMARK)
    if path.is_file():
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("quantity") in figures and row.get("seconds"):
                    figures[row["quantity"]] = float(row["seconds"])
    return figures


def authors_benchmark(results: str) -> dict[str, float]:
    """The authors' code's seconds per D- and G-epoch: its own benchmark, else docs/original-code.md's."""
    path = Path(results) / "benchmarks" / "authors_code.json"
    figures = dict(AUTHORS_BENCHMARK)
    if path.is_file():
        measured = json.loads(path.read_text())
        figures |= {key: float(measured[key]) for key in figures if measured.get(key) is not None}
    return figures


def authors_seconds(settings: dict, bench: dict[str, float]) -> float:
    """One run of the original on ``settings``' schedule (it runs on ml-100k-irgan only)."""
    outer = settings["outer_epochs"]
    return (bench["process"] + outer * settings["discriminator"]["epochs"] * bench["d_epoch"]
            + outer * settings["generator"]["epochs"] * bench["g_epoch"])


@dataclass
class Costs:
    """Seconds of the training parts on one dataset: the scale benchmark's measurements at that
    dataset's shape when ``snakemake scale`` has run (``measured``), else the ML-100k benchmark's
    figures scaled by training positives (``scale``, ``bench``)."""

    scale: float
    bench: dict[str, float]
    measured: dict[str, float]

    @classmethod
    def of(cls, config: dict, dataset: str, spec: dict, table: pd.DataFrame | None = None) -> Costs:
        scale = training_positives(dataset, spec) / BENCHMARK_POSITIVES
        return cls(scale, benchmark(config["results"]), measured_costs(table, dataset_shape(dataset, spec)))

    def _has(self, system: str) -> bool:
        return any(key.startswith(f"{system}:") for key in self.measured)

    def irgan(self, settings: dict) -> float:
        """One IRGAN run alone on idle cores (start-up excluded)."""
        d, g = settings["discriminator"], settings["generator"]
        d_epochs = settings["outer_epochs"] * d["epochs"] if settings["train_discriminator"] else 0
        g_epochs = settings["outer_epochs"] * g["epochs"]
        batched = BATCHED_G_EPOCH if g.get("batch_users", 1) != 1 else 1.0
        if not self._has("irgan"):
            bench = self.bench
            return self.scale * (d_epochs * bench["d_epoch"] + g_epochs * bench["g_epoch"] * batched)
        m = self.measured
        if d.get("reuse_first_sample", False):
            regenerations = 1 if d_epochs else 0
        else:
            regenerations = settings["outer_epochs"] * -(-d["epochs"] // d.get("regenerate_every", 1))
        return (m.get("irgan:load", 0.0) + m.get("irgan:setup", 0.0) + d_epochs * m["irgan:d_epoch"]
                + regenerations * m.get("irgan:regeneration", 0.0) + g_epochs * m["irgan:g_epoch"] * batched
                + settings["outer_epochs"] * m.get("irgan:outer_epoch", 0.0))

    def pretrain(self, method: str, epochs: int) -> float:
        """A DNS, MLE or D pre-training of ``epochs`` epochs, each with its evaluation."""
        if not self._has(method):
            return self.scale * epochs * PRETRAIN_EPOCH[method]
        m = self.measured
        return m.get(f"{method}:load", 0.0) + m.get(f"{method}:setup", 0.0) + epochs * m[f"{method}:epoch"]

    def baseline_fit(self, system: str, epochs: int) -> float:
        """One fit of a baseline (an iterative one of ``epochs`` epochs; a closed-form one's solve)."""
        if not self._has(system):  # an epoch costs about a DNS epoch's
            return self.scale * epochs * PRETRAIN_EPOCH["dns"]
        m = self.measured
        if f"{system}:fit" in m:
            return m[f"{system}:fit"]
        return m.get(f"{system}:setup", 0.0) + epochs * m.get(f"{system}:epoch", 0.0)


def irgan_seconds(settings: dict, costs: Costs) -> float:
    """One IRGAN job inside a study: start-up, and the run slowed by the other cores' jobs."""
    return JOB_SECONDS + CONTENTION * costs.irgan(settings)


def baseline_seconds(config: dict, system: str, costs: Costs) -> float:
    """One baseline job: tuning (every grid point) and one fit per selection rule."""
    spec = config["baselines"].get(system) or {}
    grid = 1
    for values in (spec.get("grid") or {}).values():
        grid *= len(values)
    epochs = (spec.get("fixed") or {}).get("epochs", 0)
    fits = grid + len(config["baselines"].get("selections", list(SELECTIONS)))
    return JOB_SECONDS + fits * costs.baseline_fit(system, epochs)


def robustness_jobs(config: dict) -> list[Job]:
    """The training jobs of the robustness runs (irgan/study/robustness.py) that the study does not
    already run: every job on a re-split, and on a base dataset the systems or seeds it adds.
    Kind ``robustness``; the name says what trains (pretrain dns, irgan-code, baseline pop, ...)."""
    registry = robustness.registry(config)
    table = scale_measurements(config["results"])
    study = {(d, sel, f"irgan-{name}", seed) for d, sel, name, seed in study_runs(config)}
    study |= {(d, sel, system, seed) for d in config["study"]["datasets"] for sel in SELECTIONS
              for system in selected_baselines(config) for seed in config["study"]["seeds"]}
    tuned = [f"{system}-tuned" for system in (config.get("tuning") or {}).get("systems", [])]
    study |= {(d, "validation", system, seed) for d in config["study"]["datasets"] for system in tuned
              for seed in config["study"]["seeds"]}
    baselines = config.get("baselines", {}).get("systems", [])
    jobs: list[Job] = []
    # the study's own searches (and the tuning seed's DNS they start from) are not robustness jobs
    seen: set[tuple] = {(d, "search", system.removesuffix("-tuned")) for d in config["study"]["datasets"]
                        for system in tuned}
    for dataset, selection, system, seed in robustness.runs(config):
        if (dataset, selection, system, seed) in study:
            continue
        costs = Costs.of(config, dataset, robustness.source_spec(registry[dataset]), table)
        if is_tuned(system):  # a search on each split's own validation carve, then its runs
            base = system.removesuffix("-tuned")
            settings = resolve_variant(config["irgan"], "code") if base == "irgan" else None
            seconds = irgan_seconds(settings, costs) if settings else JOB_SECONDS
            jobs.append(Job("robustness", dataset, system, seconds))
            if (dataset, "search", base) not in seen:  # tuning.trials runs of the reference's cost
                seen.add((dataset, "search", base))
                trials = int((config.get("tuning") or {}).get("trials", 0))
                jobs.append(Job("robustness", dataset, f"search {base}", trials * seconds))
                if base == "irgan":  # the search starts from the DNS of the tuning seed on this split
                    epochs = config["pretraining"]["dns"]["epochs"]
                    jobs.append(Job("robustness", dataset, "pretrain dns (tuning seed)",
                                    JOB_SECONDS + costs.pretrain("dns", epochs)))
            starts = ["dns"] if base == "irgan" else []
        elif system.startswith("irgan-"):
            settings = resolve_variant(config["irgan"], system.removeprefix("irgan-"))
            start = {"authors": "dns"}.get(settings["generator_init"], settings["generator_init"])
            jobs.append(Job("robustness", dataset, system, irgan_seconds(settings, costs)))
            starts = [start] if start in ("dns", "mle") else []
        elif system in baselines:  # one job fits every selection rule
            if (dataset, system, seed) not in seen:
                seen.add((dataset, system, seed))
                seconds = baseline_seconds(config, system, costs)
                jobs.append(Job("robustness", dataset, f"baseline {system}", seconds))
            starts = []
        else:
            starts = [system]
        for method in starts:  # the pre-training runs (dns, mle), once each
            key = (dataset, selection, method, seed)
            if key not in seen and key not in study:
                seen.add(key)
                epochs = config["pretraining"][method]["epochs"]
                seconds = JOB_SECONDS + costs.pretrain(method, epochs)
                jobs.append(Job("robustness", dataset, f"pretrain {method}", seconds))
    return jobs


def plan(config: dict) -> list[Job]:
    """Every training job of the study with its estimated seconds (and the robustness runs',
    kind ``robustness``, whether or not the default target runs them)."""
    results = config["results"]
    table = scale_measurements(results)
    jobs: list[Job] = []
    seeds = config["study"]["seeds"]
    baselines = selected_baselines(config)
    chosen = selected_variants(config)
    pre = config["pretraining"]
    for dataset in config["study"]["datasets"]:
        costs = Costs.of(config, dataset, config["datasets"][dataset], table)
        needed = {"dns", "mle"} & set(baselines)
        for name in chosen:  # the pre-trained starts the chosen variants read
            start = resolve_variant(config["irgan"], name)["generator_init"]
            needed |= {"dns"} if start in ("authors", "dns") else {start} & {"mle"}
        for method in sorted(needed):
            seconds = JOB_SECONDS + costs.pretrain(method, pre[method]["epochs"])
            jobs += [Job("pretrain", dataset, method, seconds) for _ in SELECTIONS for _ in seeds]
        d_pretrained = {
            selection
            for d, selection, name, _ in study_runs(config)
            if d == dataset and resolve_variant(config["irgan"], name)["discriminator_init"] == "pretrained"
        }
        seconds = JOB_SECONDS + costs.pretrain("discriminator", pre["discriminator"]["epochs"])
        jobs += [Job("pretrain_discriminator", dataset, "d", seconds) for _ in d_pretrained for _ in seeds]
        for d, _, name, _ in study_runs(config):
            if d == dataset:
                jobs.append(Job("train_irgan", dataset, f"irgan-{name}",
                                irgan_seconds(resolve_variant(config["irgan"], name), costs)))
        for system in config.get("baselines", {}).get("systems", []):
            if system not in baselines:
                continue
            seconds = baseline_seconds(config, system, costs)
            jobs += [Job("baseline", dataset, system, seconds) for _ in seeds]
        jobs += tuning_jobs(config, dataset, costs)
        if publishes_start(config["irgan"]["defaults"], config["datasets"][dataset]):
            grid, match = 1, config.get("start_match", {})
            for values in (match.get("grid") or {}).values():
                grid *= len(values)
            runs = grid * len(match.get("grid_seeds", [])) + len(seeds)
            seconds = JOB_SECONDS + costs.scale * runs * START_MATCH_RUN
            jobs.append(Job("start_match", dataset, "dns grid", seconds))
            seconds = authors_seconds(config["irgan"]["defaults"], authors_benchmark(results))
            jobs += [Job("authors_code", dataset, "irgan-authors-code", seconds)
                     for _ in config.get("authors_code", {}).get("seeds", [])]
            seconds = AUTHORS_BENCHMARK["process"] + pre["dns"]["epochs"] * AUTHORS_DNS_EPOCH
            jobs += [Job("authors_code", dataset, "dns-authors-code", seconds)
                     for _ in config.get("authors_code", {}).get("dns_seeds", [])]
    return jobs + robustness_jobs(config)


def tuning_jobs(config: dict, dataset: str, costs: Costs) -> list[Job]:
    """The equal-budget searches (rule tune: ``tuning.trials`` fits each) and the ``-tuned`` runs
    (rule train_tuned: one fit per seed). A fit is costed at the system's untuned settings (IRGAN:
    the reference's schedule; its searched D-epochs, log-uniform over [10, 200] by default, average
    about 63 per outer epoch against the reference's 100, so this errs high); IRGAN's search also
    needs the DNS pre-training of the tuning seed."""
    section = config.get("tuning") or {}
    trials, seeds = int(section.get("trials", 0)), config["study"]["seeds"]
    jobs: list[Job] = []
    for system in section.get("systems", []):
        if system == "irgan":
            settings = dict(config["irgan"]["defaults"])
            fit = irgan_seconds(settings, costs) - JOB_SECONDS
            seconds = JOB_SECONDS + costs.pretrain("dns", config["pretraining"]["dns"]["epochs"])
            jobs.append(Job("pretrain", dataset, "dns", seconds))  # the tuning seed's, the honest rule
        elif system in ("dns", "mle"):
            fit = costs.pretrain(system, config["pretraining"][system]["epochs"])
        else:  # a baseline: an epoch costs about a D-epoch's (as in plan's baseline jobs)
            fixed = (config.get("baselines", {}).get(system) or {}).get("fixed") or {}
            fit = costs.baseline_fit(system, fixed.get("epochs", 0))
        jobs.append(Job("tune", dataset, system, JOB_SECONDS + trials * fit))
        jobs += [Job("train_tuned", dataset, f"{system}-tuned", JOB_SECONDS + fit) for _ in seeds]
    return jobs


def summary(jobs: list[Job], cores: int, robustness_in_study: bool = True,
            source: str = "the benchmark figures") -> str:
    """One line per kind of job, then the total of the default target; the robustness runs in a
    line of their own when they are a separate target (``robustness.in_study: false``)."""
    lines = [f"{'jobs':>5}  {'kind':<23}  {'systems':<40}  {'est. CPU s':>10}"]
    kinds = ("pretrain", "pretrain_discriminator", "train_irgan", "baseline", "tune", "train_tuned",
             "start_match", "authors_code", "robustness")
    for kind in kinds:
        group = [job for job in jobs if job.kind == kind]
        if not group:
            continue
        names = Counter(job.name for job in group)
        listed = ", ".join(names)
        listed = listed if len(listed) <= 40 else listed[:37] + "..."
        lines.append(f"{len(group):>5}  {kind:<23}  {listed:<40}  {sum(j.seconds for j in group):>10.0f}")
    default = [job for job in jobs if robustness_in_study or job.kind != "robustness"]
    lines.append(_total(default, cores, "training jobs", source))
    separate = [job for job in jobs if job.kind == "robustness" and not robustness_in_study]
    if separate:
        lines.append(_total(separate, cores, "more in the separate target `snakemake robustness`", source))
    return "\n".join(lines)


def _total(jobs: list[Job], cores: int, what: str, source: str = "the benchmark figures") -> str:
    total = sum(job.seconds for job in jobs)
    # data preparation, statistics, tables, figures, paper: a few jobs per dataset
    extra = 5 * len({job.dataset for job in jobs}) * JOB_SECONDS
    wall = (total + extra) / max(cores, 1)
    return (f"{len(jobs):>5}  {what}; with data, statistics, tables, figures and paper about "
            f"{(total + extra) / 60:.1f} CPU min, about {wall / 60:.1f} min on {cores} idle cores "
            f"(a rough estimate from {source})")


def parse_overrides(items: list[str]) -> dict:
    """``--config KEY=VALUE`` as Snakemake reads it, VALUE in YAML with a config file's types."""
    overrides: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--config {item!r}: expected KEY=VALUE")
        overrides = deep_merge(overrides, {key: yaml.safe_load(value)})
    return overrides


def load(configfiles: list[str], overrides: list[str]) -> dict:
    files = [(str(DEFAULT_CONFIG), read_yaml(DEFAULT_CONFIG))]
    files += [(path, read_yaml(path)) for path in configfiles]
    if overrides:
        files.append(("--config", parse_overrides(overrides)))
    config: dict = {}
    for _, contents in files:
        config = deep_merge(config, contents)
    return validate_config(config, " + ".join(name for name, _ in files[1:]) or str(DEFAULT_CONFIG), files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m irgan.study.plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", action="append", default=[], help="merged over config/config.yaml")
    parser.add_argument("--config", nargs="+", action="extend", default=[], metavar="KEY=VALUE",
                        help="as Snakemake's --config, e.g. 'study={seeds: [1]}'")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        config = load(args.configfile, args.config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"datasets {', '.join(config['study']['datasets'])}; seeds "
          f"{', '.join(map(str, config['study']['seeds']))}; results in {config['results']}/")
    measured = scale_measurements(config["results"]) is not None
    source = (f"the scale benchmark's measurements, {config['results']}/benchmarks/scale.csv" if measured
              else "the benchmark figures; `snakemake scale` measures them at other sizes")
    print(summary(plan(config), args.cores, bool(robustness.section(config).get("in_study")), source))
    return 0


if __name__ == "__main__":
    sys.exit(main())
