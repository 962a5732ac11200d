"""The run contract (irgan/contract/runs.py): its path template, its one record schema, and no torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from irgan.contract.runs import (
    CONTRACT_FILES,
    RECORD_FIELDS,
    RunContractError,
    RunKey,
    divergence_entry,
    load_runs,
    make_record,
    parse_run_path,
    read_run,
    results_root,
    run_dir,
    run_dir_pattern,
    run_outputs,
    write_run,
)
from irgan.protocol import SELECTION_PATTERN, SELECTIONS, metric_names
from tests.conftest import REPO
from tests.study_runs import per_user_table, run_record

KEY = RunKey("ds", "validation", "irgan-code", 3)


def _curve() -> pd.DataFrame:
    return pd.DataFrame([{"epoch": 1, "model": "G", "split": "test", **dict.fromkeys(metric_names(), 0.1)}])


def _write(root: Path, record: dict | None = None, key: RunKey = KEY) -> Path:
    directory = run_dir(root, *key)
    per_user = per_user_table(0.3, np.zeros(4), np.random.default_rng(0))
    write_run(directory, per_user, _curve(), record or run_record(*key, selected_epoch=1, final_epoch=1))
    return directory


def test_one_template_for_the_directory_the_rules_and_the_parser():
    root = "results/demo"
    assert run_dir(root, *KEY) == Path("results/demo/ds/runs/validation/irgan-code/seed-3")
    assert str(run_dir(root, *KEY)) == run_dir_pattern(root, *KEY)
    assert run_dir_pattern(root, system="irgan-{variant}") == (
        "results/demo/{dataset}/runs/{selection}/irgan-{variant}/seed-{seed}")
    assert parse_run_path(run_dir(root, *KEY) / "curve.csv") == (KEY, run_dir(root, *KEY))
    assert results_root(run_dir(root, *KEY) / "record.json") == Path(root)  # where its benchmarks are
    outputs = run_outputs(run_dir_pattern(root), model=True)
    assert [Path(p).name for p in outputs.values()] == [*CONTRACT_FILES, "model.pt"]
    assert set(SELECTION_PATTERN.split("|")) == set(SELECTIONS)


def test_every_record_has_the_same_keys(tmp_path):
    directory = _write(tmp_path)
    _, _, record = read_run(directory)
    assert set(record) == set(RECORD_FIELDS)
    mean = pd.read_csv(directory / "per_user.csv")["P@5"].mean()
    assert record["test_metrics"]["P@5"] == pytest.approx(mean)
    diverged = run_record(*KEY, status="diverged", final_epoch=2,
                          divergence=divergence_entry("D", 2, "loss is nan"))
    write_run(directory, None, _curve().iloc[:0], diverged)
    per_user, _, record = read_run(directory)
    assert per_user.empty and set(record) == set(RECORD_FIELDS)
    assert record["divergence"] == {"phase": "D", "epoch": 2, "reason": "loss is nan"}
    assert record["test_metrics"] is None and record["details"] == {} and record["hyperparameters"] == {}


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r.pop("hyperparameters"), "key hyperparameters is missing"),
    (lambda r: r.update(seed="3"), "key seed must be an integer"),
    (lambda r: r.update(deterministic=1), "key deterministic must be true or false"),
    (lambda r: r.update(selected_epoch=True), "key selected_epoch must be an integer or null"),
    (lambda r: r.update(divergence="epoch 2: NaN"), "key divergence must be an object or null"),
    (lambda r: r.update(params={}), "key params is not part of the run record"),
    (lambda r: r.update(selection="train"), "key selection must be one of"),
    (lambda r: r.update(status="diverged"), "key divergence must be null exactly when status is 'ok'"),
])
def test_a_record_off_the_schema_is_refused_on_writing_and_on_reading(tmp_path, change, message):
    record = run_record(*KEY, selected_epoch=1, final_epoch=1)
    change(record)
    with pytest.raises(RunContractError, match=message) as refused:
        _write(tmp_path, record)
    assert "record.json" in str(refused.value)
    assert not run_dir(tmp_path, *KEY).exists()  # nothing written
    directory = _write(tmp_path)
    stored = json.loads((directory / "record.json").read_text())
    change(stored)
    (directory / "record.json").write_text(json.dumps(stored))
    with pytest.raises(RunContractError, match=message) as refused:
        read_run(directory)
    assert str(directory / "record.json") in str(refused.value)
    with pytest.raises(RunContractError, match=message):
        load_runs([directory])


def test_a_divergence_holds_its_phase_epoch_and_reason(tmp_path):
    record = run_record(*KEY, status="diverged", divergence={"epoch": 3, "reason": "NaN"})
    with pytest.raises(RunContractError, match=r"key divergence must hold exactly phase, epoch, reason"):
        write_run(run_dir(tmp_path, *KEY), None, _curve(), record)


def test_a_record_must_name_the_run_its_directory_names(tmp_path):
    _write(tmp_path, run_record(*KEY._replace(system="irgan-frozen-d"), selected_epoch=1))
    directory = run_dir(tmp_path, *KEY)
    with pytest.raises(RunContractError, match=r"key system is 'irgan-frozen-d' but the run's directory says "
                                               r"'irgan-code'"):
        load_runs([directory])


def test_make_record_gives_every_key_but_the_test_metrics_write_run_adds():
    record = make_record(status="ok", system="pop", dataset="ds", selection="test", seed=1, provenance={})
    assert set(record) == set(RECORD_FIELDS) and record["test_metrics"] is None


def test_the_contract_and_everything_the_statistics_env_runs_import_without_torch():
    """The statistics' conda env has no torch: importing must not need it (a test of the real imports
    beside tests/test_envs.py's static scan)."""
    code = (
        "import sys\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'numba'):\n"
        "            raise ImportError(f'{name} is not in the statistics env')\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "import irgan.protocol, irgan.contract.runs, irgan.jobs.script\n"
        "import irgan.analysis.statistics, irgan.analysis.fidelity\n"
        "import irgan.report.tables, irgan.report.figures, irgan.report.paper\n"
        "import irgan.contract.provenance, irgan.contract.io\n"
        "import irgan.analysis.stat_tests, irgan.analysis.study_view, irgan.formatting, irgan.report.render\n"
        "import irgan.report.answers, irgan.report.robustness, irgan.study.config, irgan.study.families\n"
    )
    env = dict(os.environ, MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
