"""The results root's own lock: one workflow per results folder, across clones."""

from __future__ import annotations

import json
import os
import socket
import subprocess

import pytest

from irgan.errors import IrganError
from irgan.study.lock import LOCK_NAME, ResultsLocked, acquire, release
from tests.test_workflow import SNAKEMAKE, checkout  # noqa: F401  (fixture)


def holder(pid: int, host: str | None = None) -> str:
    return json.dumps({"pid": pid, "host": host or socket.gethostname(), "started": "2026-01-01 10:00:00"})


def test_a_lock_is_taken_refused_to_others_and_released_only_by_its_holder(tmp_path):
    path = acquire(tmp_path)
    assert json.loads(path.read_text())["pid"] == os.getpid()
    assert acquire(tmp_path) == path  # the holder may take it again
    path.write_text(holder(1, "other-host"))  # another machine's workflow: cannot be checked
    with pytest.raises(ResultsLocked, match=r"another workflow .*\(process 1 on other-host, started 2026"):
        acquire(tmp_path)
    release(tmp_path)  # not ours: left alone
    assert path.is_file()
    path.write_text(holder(os.getpid()))
    release(tmp_path)
    assert not path.exists()


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / LOCK_NAME).write_text(holder(dead.pid))
    acquire(tmp_path)
    assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()


def test_two_workflows_on_one_results_root_refuse_to_run_together(checkout, tmp_path):  # noqa: F811
    """A second clone writing the same absolute results folder stops before any job, naming the holder;
    once the holder is gone its stale lock is taken over and released at the end."""
    results = tmp_path / "shared-results"
    results.mkdir()
    live = subprocess.Popen(["sleep", "60"])  # stands for the other workflow's Snakemake
    try:
        (results / LOCK_NAME).write_text(holder(live.pid))
        target = str(results / "synthetic/data/summary.json")
        args = [*SNAKEMAKE, "--cores", "1", target, "--configfile", "config/demo.yaml", "--config",
                f"results={results}"]
        run = subprocess.run(args, cwd=checkout, capture_output=True, text=True, timeout=600)
        assert run.returncode != 0
        assert f"{results / LOCK_NAME}: another workflow is writing this results folder (process {live.pid}" \
            in run.stderr
        assert not (results / "synthetic").exists()
    finally:
        live.kill()
        live.wait()
    run = subprocess.run(args, cwd=checkout, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert (results / "synthetic/data/summary.json").is_file() and not (results / LOCK_NAME).exists()


def test_a_lock_that_cannot_be_removed_says_so_and_is_taken_over_next_time(tmp_path):
    """The results folder turned read-only during the run: releasing is one line (the Snakefile
    prints it as a warning), and the next run on this host takes the dead process's lock over."""
    from tests.test_filesystem_faults import read_only

    path = acquire(tmp_path)
    with read_only(tmp_path), pytest.raises(IrganError) as error:
        release(tmp_path)
    assert str(error.value).startswith(f"{path}: could not remove the lock (")
    assert "the next run on this host takes it over" in str(error.value) and "\n" not in str(error.value)
    dead = subprocess.Popen(["true"])
    dead.wait()
    path.write_text(holder(dead.pid))  # this workflow has ended since
    acquire(tmp_path)
    assert json.loads(path.read_text())["pid"] == os.getpid()
    release(tmp_path)
    assert not path.exists()
