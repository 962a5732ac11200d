"""Check, from Slurm's accounting, what a workflow run through the SLURM profile asked for.

Reads the jobs a snakemake log says it submitted, asks ``sacct`` for their partition,
allocated resources and state, prints one line per job, and fails when a rule that the
profile gives a GPU ran without one, when another rule held a GPU, or when no job ran.

Usage: python tests/slurm/slurm_jobs.py SNAKEMAKE_LOG [--profile workflow/profiles/slurm]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import yaml

SUBMITTED = re.compile(r"submitted with SLURM jobid (\d+) \(log: .*?/rule_(\w+)/")


def gpu_rules(profile_dir: Path) -> set[str]:
    profile = yaml.safe_load((profile_dir / "config.yaml").read_text())
    return {
        rule for rule, resources in profile.get("set-resources", {}).items()
        if resources.get("gpu") or "gpu" in str(resources.get("gres", ""))
    }


def submitted_jobs(log_text: str) -> dict[str, str]:
    """Slurm job id -> rule name."""
    return {job: rule for job, rule in SUBMITTED.findall(log_text)}


def accounting(job_ids: list[str]) -> dict[str, dict[str, str]]:
    out = subprocess.run(
        ["sacct", "-X", "-n", "-P", "-j", ",".join(job_ids), "-o", "JobID,Partition,AllocTRES,State"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    rows = {}
    for line in out.splitlines():
        job, partition, tres, state = line.split("|")
        rows[job] = {"partition": partition, "tres": tres, "state": state}
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", type=Path)
    parser.add_argument("--profile", type=Path, default=Path("workflow/profiles/slurm"))
    args = parser.parse_args(argv)

    jobs = submitted_jobs(args.log.read_text())
    if not jobs:
        print(f"no job was submitted to Slurm ({args.log})")
        return 1
    wants_gpu = gpu_rules(args.profile)
    rows = accounting(sorted(jobs, key=int))
    problems = []
    for job, rule in sorted(jobs.items(), key=lambda item: int(item[0])):
        row = rows.get(job)
        if row is None:
            problems.append(f"job {job} ({rule}) is not in Slurm's accounting")
            continue
        has_gpu = re.search(r"gres/gpu(:\w+)?=[1-9]", row["tres"]) is not None
        print(f"job {job:>4}  {rule:<24} {row['partition']:<8} {row['state']:<10} {row['tres']}")
        if rule in wants_gpu and not has_gpu:
            problems.append(f"job {job} ({rule}) ran without the GPU the profile asks for")
        if rule not in wants_gpu and has_gpu:
            problems.append(f"job {job} ({rule}) held a GPU the profile does not ask for")
    gpu_jobs = sum(rule in wants_gpu for rule in jobs.values())
    print(f"{len(jobs)} jobs through Slurm, {gpu_jobs} of them with a GPU")
    for problem in problems:
        print(f"PROBLEM {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
