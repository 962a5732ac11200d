"""The authors' original code inside the study: pinned files, the patch, the run and its contract."""

from __future__ import annotations

import json
import os
import py_compile
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from irgan.contract.runs import read_run
from irgan.data.download import DownloadError, fetch, sha256_of
from irgan.original.authors_code import (
    CODE_FILES,
    DATA_FILES,
    PATCH,
    PYTHON_ENV,
    AuthorsCodeError,
    Schedule,
    apply_patch,
    changed_lines,
    code_mirror_dir,
    epoch_times,
    read_epoch_log,
    run_cf_gan,
    selected_epoch,
    write_patched,
)
from irgan.original.runs import curve_from_log, write_authors_run
from tests.conftest import REPO

CONFIG = yaml.safe_load((REPO / "config/config.yaml").read_text())
PINNED = CONFIG["authors_code"]["files"]


@pytest.fixture(scope="module")
def upstream() -> Path:
    folder = code_mirror_dir()
    if not all((folder / name).is_file() for name in CODE_FILES):
        pytest.skip("offline mirror of the authors' code not found (set IRGAN_CODE_MIRROR)")
    return folder


def tensorflow_python() -> str | None:
    """The interpreter with TensorFlow that runs the original (IRGAN_AUTHORS_PYTHON or this one)."""
    python = os.environ.get(PYTHON_ENV) or sys.executable
    found = subprocess.run([python, "-c", "import tensorflow"], capture_output=True).returncode == 0
    if not found and os.environ.get("IRGAN_REQUIRE_AUTHORS_CODE") == "1":
        pytest.fail(f"IRGAN_REQUIRE_AUTHORS_CODE=1 but {python} has no TensorFlow (set {PYTHON_ENV})")
    return python if found else None


def test_the_mirror_holds_the_pinned_files(upstream):
    assert set(PINNED) == set(CODE_FILES)
    for name in CODE_FILES:
        assert sha256_of(upstream / name) == PINNED[name], name


def test_the_patch_applies_and_changes_only_the_listed_lines(upstream, tmp_path):
    patched = write_patched({name: upstream / name for name in CODE_FILES}, tmp_path / "patched")
    for name in CODE_FILES:
        original = (upstream / name).read_text()
        text = (patched / name).read_text()
        removed, added = changed_lines(original, text)
        edits = [edit for edit in PATCH if edit.file == name]
        assert sorted(removed) == sorted(edit.old for edit in edits if edit.old is not None), name
        assert sorted(added) == sorted(line for edit in edits for line in edit.new), name
        # Python 3 syntax throughout (the original is Python 2: print statements)
        py_compile.compile(str(patched / name), cfile=str(tmp_path / f"{name}c"), doraise=True)
    record = json.loads((patched / "patch.json").read_text())
    assert len(record["edits"]) == len(PATCH) and len(record["patch_sha256"]) == 64


def test_behaviour_stays_linecache_numpy_float32_and_the_constants(upstream, tmp_path):
    """The edits may not touch what decides the numbers."""
    text = apply_patch("cf_gan.py", (upstream / "cf_gan.py").read_text())
    for kept in ("BATCH_SIZE = 16", "INIT_DELTA = 0.05", "/ 0.2  # Temperature", "sample_lambda = 0.2",
                 "if d_epoch % 5 == 0:", "learning_rate=0.001)", "lamda=0.1 / BATCH_SIZE",
                 "np.random.choice(np.arange(ITEM_NUM), 2 * len(pos), p=pn)",
                 "reward = reward * prob[sample] / pn[sample]", "ut.get_batch_data(DIS_TRAIN_FILE, index"):
        assert kept in text, kept
    assert "linecache.getline(file, i)" in apply_patch("utils.py", (upstream / "utils.py").read_text())


def test_the_docs_list_every_patched_line():
    from irgan.original.authors_code import patch_markdown

    text = (REPO / "docs" / "original-code.md").read_text()
    block = text.split("<!-- authors-code-patch:start -->\n", 1)[1]
    block = block.split("<!-- authors-code-patch:end -->", 1)[0]
    assert block == patch_markdown(), \
        "docs/original-code.md's patch table is stale: paste `python -m irgan.original.authors_code`"


def test_a_changed_upstream_line_names_file_and_line(upstream):
    original = (upstream / "cf_gan.py").read_text().split("\n")
    original[162] = "    for epoch in range(20):"
    with pytest.raises(AuthorsCodeError, match=r"cf_gan.py, line 163: the patch expects .*no longer applies"):
        apply_patch("cf_gan.py", "\n".join(original))
    with pytest.raises(AuthorsCodeError, match=r"utils.py: the patch edits line 97, but the file has 50"):
        apply_patch("utils.py", "\n".join((upstream / "utils.py").read_text().split("\n")[:50]))


def test_a_changed_upstream_file_fails_its_checksum_and_leaves_nothing(upstream, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "cf_gan.py").write_text((upstream / "cf_gan.py").read_text().replace("range(15)", "range(16)"))
    destination = tmp_path / "out" / "cf_gan.py"
    with pytest.raises(DownloadError, match="checksum mismatch for cf_gan.py"):
        fetch("https://example.invalid/cf_gan.py", destination, PINNED["cf_gan.py"], mirror=mirror)
    assert not destination.exists() and list(destination.parent.iterdir()) == []
    fetched = fetch("https://example.invalid/utils.py", tmp_path / "out" / "utils.py", PINNED["utils.py"],
                    mirror=upstream)
    assert sha256_of(fetched) == PINNED["utils.py"]


def _data(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for name in DATA_FILES:
        (tmp_path / name).write_text("")
        paths[name] = tmp_path / name
    return paths


def _fake_code(tmp_path: Path, body: str) -> tuple[Path, str]:
    """A stand-in cf_gan.py and an interpreter that claims TensorFlow, to test failure handling."""
    code = tmp_path / "code"
    code.mkdir()
    for name in CODE_FILES:
        (code / name).write_text("")
    (code / "cf_gan.py").write_text(
        "import json, os\nRUN = json.load(open(os.environ['IRGAN_AUTHORS_RUN']))\n"
        "def log(**e):\n    open(RUN['log'], 'a').write(json.dumps(e) + '\\n')\n" + body)
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\nif [ "$1" = "-c" ]; then echo 2.21.0; exit 0; fi\n'
                      f'exec {sys.executable} "$@"\n')
    python.chmod(0o755)
    return code, str(python)


def test_a_diverging_original_is_reported_and_leaves_no_run(tmp_path):
    code, python = _fake_code(tmp_path, (
        "log(model='G', epoch=-1, step=-1, time=0.0, result=[0.3] * 6)\n"
        "log(model='D', epoch=0, step=0, time=1.0, result=None)\n"
        "log(model='G', epoch=0, step=0, time=2.0, result=[float('nan')] * 6)\n"))
    out = tmp_path / "runs" / "seed-1"
    (tmp_path / "runs" / ".seed-1.killed").mkdir(parents=True)  # the work folder of a killed run
    with pytest.raises(AuthorsCodeError, match=r"diverged: its evaluation is NaN at outer epoch 0, G-epoch"):
        run_cf_gan(code, _data(tmp_path), Schedule(1, 1, 1), 1, out, python=python)
    assert list((tmp_path / "runs").iterdir()) == []


def test_a_crashing_original_names_the_step_and_leaves_no_run(tmp_path):
    code, python = _fake_code(tmp_path, (
        "log(model='G', epoch=-1, step=-1, time=0.0, result=[0.3] * 6)\n"
        "log(model='D', epoch=0, step=3, time=1.0, result=None)\n"
        "raise ValueError('probabilities contain NaN')\n"))
    out = tmp_path / "runs" / "seed-1"
    with pytest.raises(AuthorsCodeError, match=r"(?s)failed at outer epoch 0, after D-epoch 3 .*contain NaN"):
        run_cf_gan(code, _data(tmp_path), Schedule(1, 5, 1), 1, out, python=python)
    assert list((tmp_path / "runs").iterdir()) == []


def test_missing_tensorflow_is_one_clear_error(tmp_path):
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec {sys.executable} -c "import tensorflow_is_not_here"\n')
    python.chmod(0o755)
    with pytest.raises(AuthorsCodeError, match=rf"TensorFlow is missing in {python}.*{PYTHON_ENV}"):
        run_cf_gan(tmp_path, _data(tmp_path), Schedule(1, 1, 1), 1, tmp_path / "out", python=str(python))
    assert not (tmp_path / "out").exists()


EVENTS = [
    {"model": "G", "epoch": -1, "step": -1, "time": 0.0, "result": [0.38, 0.34, 0.29, 0.39, 0.37, 0.35]},
    {"model": "D", "epoch": -1, "step": -1, "time": 1.0, "result": [0.01] * 6},
    {"model": "D", "epoch": 0, "step": 0, "time": 3.0, "result": None},
    {"model": "D", "epoch": 0, "step": 1, "time": 4.0, "result": None},
    {"model": "G", "epoch": 0, "step": 0, "time": 7.0, "result": [0.4, 0.36, 0.3, 0.4, 0.38, 0.36]},
    {"model": "G", "epoch": 0, "step": 1, "time": 9.0, "result": [0.4, 0.36, 0.3, 0.4, 0.38, 0.36]},
    {"model": "D", "epoch": 1, "step": 0, "time": 10.0, "result": None},
    {"model": "D", "epoch": 1, "step": 1, "time": 11.0, "result": None},
    {"model": "G", "epoch": 1, "step": 0, "time": 14.0, "result": [0.4, 0.37, 0.3, 0.4, 0.38, 0.36]},
    {"model": "G", "epoch": 1, "step": 1, "time": 17.0, "result": [0.4, 0.35, 0.3, 0.4, 0.38, 0.36]},
]


def test_the_selected_epoch_is_the_codes_last_strict_improvement_of_test_p5():
    # cf_gan.py saves when p_5 > best (strictly): the tie at G-epoch 2 keeps G-epoch 1
    assert selected_epoch(EVENTS) == (3, 0.37)
    assert selected_epoch(EVENTS[:6]) == (1, 0.36)


def test_curve_and_epoch_times_from_the_log():
    curve = curve_from_log(EVENTS)
    g = curve[curve.model == "G"]
    assert g.epoch.tolist() == [0, 1, 2, 3, 4] and g["P@5"].tolist() == [0.34, 0.36, 0.36, 0.37, 0.35]
    assert curve[curve.model == "D"].epoch.tolist() == [0] and set(curve.split) == {"test"}
    assert curve["MAP"].isna().all()  # the code's simple_test has no MAP or MRR
    times = epoch_times(EVENTS)
    # D-epochs: 3-1, 4-3, 10-9, 11-10; G-epochs (with evaluation): 7-4, 9-7, 14-11, 17-14
    assert times == {"D_epoch_seconds": pytest.approx(5 / 4), "G_epoch_seconds": pytest.approx(11 / 4)}


@pytest.mark.slow
def test_a_short_original_run_end_to_end_is_deterministic_and_agrees_with_our_evaluation(
        upstream, ml100k, tmp_path):
    python = tensorflow_python()
    if python is None:
        pytest.skip(f"no TensorFlow (set {PYTHON_ENV} to a python with tensorflow-cpu)")
    code = write_patched({name: upstream / name for name in CODE_FILES}, tmp_path / "patched")
    from tests.conftest import mirror_dir

    data = {name: mirror_dir() / name for name in DATA_FILES}
    records = []
    for attempt in ("a", "b"):
        records.append(run_cf_gan(code, data, Schedule(1, 2, 2), 7, tmp_path / attempt / "seed-7",
                                  python=python))
    first, second = (read_epoch_log(tmp_path / a / "seed-7" / "epochs.jsonl") for a in ("a", "b"))
    assert [e["result"] for e in first] == [e["result"] for e in second]  # the same seed, the same numbers
    assert len([e for e in first if e["model"] == "D" and e["epoch"] == 0]) == 2
    assert first[0]["result"][1] == pytest.approx(0.3473684, abs=1e-6)  # the released start's P@5
    record = write_authors_run(tmp_path / "a" / "seed-7", ml100k, tmp_path / "run", {"seed": 7})
    details = record["details"]
    assert record["status"] == "ok" and details["authors_code"]["tensorflow"]
    # the code's own simple_test and this project's evaluation of the generator it saved
    assert abs(details["evaluation_agreement"]["difference"]) < 1e-9
    per_user = pd.read_csv(tmp_path / "run" / "per_user.csv")
    assert len(per_user) == 456 and per_user["P@5"].mean() == pytest.approx(details["selected_value"])
    assert read_run(tmp_path / "run")[2]["system"] == "irgan-authors-code"  # the contract's schema
