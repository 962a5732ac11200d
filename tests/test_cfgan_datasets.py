"""The CFGAN authors' Ciao and MovieLens-100k splits: their mirror, checksums, counts and errors."""

from __future__ import annotations

import copy
import hashlib
import shutil

import pytest

from irgan.data.download import CLONE, dataset_mirror, fetch
from irgan.data.registry import prepare_dataset
from irgan.errors import ConfigError, DownloadError, RatingsFormatError
from irgan.study.config import DEFAULT_CONFIG, read_yaml, validate_config
from tests.test_train_workflow import job_counts
from tests.test_workflow import checkout, snakemake  # noqa: F401  (fixture and runner)

CONFIG = read_yaml(DEFAULT_CONFIG)
NAMES = ("ciao-cfgan", "ml-100k-cfgan")
# the mirror's README.md (counted): training + test ratings, users, items
COUNTS = {"ciao-cfgan": (13_464, 3_357, 662, 1_347), "ml-100k-cfgan": (80_000, 19_963, 943, 1_653)}
VALIDATION = {"fraction": 0.1, "min_user_positives": 5, "seed": 2017}


def spec(name: str) -> dict:
    return copy.deepcopy(CONFIG["datasets"][name])


@pytest.fixture(scope="module")
def cfgan_mirror():
    folder, variable, _ = dataset_mirror(spec("ciao-cfgan"))
    if folder is None or not (folder / "Ciao.train").is_file():
        pytest.skip(f"offline mirror of the CFGAN splits not found (set {variable})")
    return folder


def local_files(name: str, folder) -> dict:
    return {filename: folder / filename for filename in spec(name)["files"]}


@pytest.mark.parametrize("name", NAMES)
def test_each_split_prepares_from_the_mirror_with_its_published_counts(name, cfgan_mirror, tmp_path,
                                                                       monkeypatch):
    monkeypatch.delenv("IRGAN_MIRROR", raising=False)  # the data mirror has nothing to do with these files
    entry = spec(name)
    folder, variable, _ = dataset_mirror(entry)
    assert variable == "IRGAN_CFGAN_MIRROR"
    files = {}
    for filename, sha in entry["files"].items():  # what the download rule does: mirror copy, sha256 checked
        files[filename] = fetch(entry["base_url"] + filename, tmp_path / filename, sha, mirror=folder,
                                mirror_env=variable)
    dataset = prepare_dataset(name, entry, VALIDATION, files)
    summary = dataset.summary()
    train, test, users, items = COUNTS[name]
    assert (summary["train_ratings"], summary["test_ratings"], summary["users"], summary["items"]) == (
        train, test, users, items)
    assert summary["positive_threshold"] == 4.0
    assert summary["train_positives"] < train  # ratings 1-3 are not positives under the IRGAN protocol


@pytest.mark.parametrize("name", NAMES)
def test_cfgan_protocol_variant_counts_every_rating_as_relevant(name, cfgan_mirror):
    implicit = spec(f"{name}-implicit")
    assert implicit["files"] == spec(name)["files"] and implicit["positive_threshold"] == 1
    summary = prepare_dataset(name, implicit, VALIDATION, local_files(name, cfgan_mirror)).summary()
    train, test, _, _ = COUNTS[name]
    assert (summary["train_positives"], summary["test_positives"]) == (train, test)


def test_the_mirror_variable_and_its_default(monkeypatch, tmp_path):
    entry = spec("ciao-cfgan")
    monkeypatch.setenv("IRGAN_CFGAN_MIRROR", str(tmp_path))
    assert dataset_mirror(entry)[0] == tmp_path
    monkeypatch.delenv("IRGAN_CFGAN_MIRROR")
    assert dataset_mirror(entry)[0] == (CLONE / entry["mirror_default"]).resolve()
    assert dataset_mirror(spec("ml-100k-irgan"))[:2] == (None, "IRGAN_MIRROR")  # the data mirror, as before


def test_a_corrupt_file_is_refused_and_nothing_is_kept(cfgan_mirror, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = (cfgan_mirror / "Ciao.test").read_bytes()
    (mirror / "Ciao.test").write_bytes(data.replace(b"5.0", b"4.0", 1))
    entry, out = spec("ciao-cfgan"), tmp_path / "out"
    with pytest.raises(DownloadError) as error:
        fetch(entry["base_url"] + "Ciao.test", out / "Ciao.test", entry["files"]["Ciao.test"], mirror=mirror,
              mirror_env="IRGAN_CFGAN_MIRROR")
    assert f"checksum mismatch for Ciao.test (from {mirror / 'Ciao.test'})" in str(error.value)
    assert f"expected sha256 {entry['files']['Ciao.test']}" in str(error.value)
    assert not out.exists() or list(out.iterdir()) == []


def test_without_network_or_mirror_the_error_names_the_datasets_variable(tmp_path):
    entry = spec("ml-100k-cfgan")
    with pytest.raises(DownloadError) as error:
        fetch(f"file://{tmp_path}/gone/ML100K.test", tmp_path / "out" / "ML100K.test",
              entry["files"]["ML100K.test"], mirror=None, mirror_env="IRGAN_CFGAN_MIRROR",
              mirror_default=tmp_path / "cfgan-splits")
    message = str(error.value)
    assert "could not download ML100K.test" in message
    default = tmp_path / "cfgan-splits"
    assert f"set IRGAN_CFGAN_MIRROR to a directory holding ML100K.test (unset, {default}" in message


@pytest.mark.parametrize("line, problem", [
    (b"5 x 4.0\n", "non-numeric item id 'x'"),
    (b"5 7 6.0\n", "rating 6.0 outside the scale [1, 5]"),
    (b"5 1347 4.0\n", "item id 1347 >= n_items (1347)"),
    (b"5 7\n", "expected 3 or 4 fields"),
])
def test_a_bad_line_is_one_error_naming_file_and_line(cfgan_mirror, tmp_path, line, problem):
    lines = (cfgan_mirror / "Ciao.train").read_bytes().splitlines(keepends=True)
    broken = tmp_path / "Ciao.train"
    broken.write_bytes(b"".join(lines[:41] + [line] + lines[41:]))
    shutil.copy(cfgan_mirror / "Ciao.test", tmp_path / "Ciao.test")
    files = {"Ciao.train": broken, "Ciao.test": tmp_path / "Ciao.test"}
    with pytest.raises(RatingsFormatError) as error:
        prepare_dataset("ciao-cfgan", spec("ciao-cfgan"), VALIDATION, files)
    assert str(error.value).startswith(f"{broken}, line 42: ")
    assert problem in str(error.value)


def test_the_config_keys_are_checked():
    # without the sections whose cross-checks take long (tuning, robustness), which do not read these keys
    base = {key: value for key, value in CONFIG.items() if key not in ("tuning", "robustness")}
    implicit = {"ciao-cfgan": spec("ciao-cfgan-implicit")}  # the scale's low end: every rating a positive
    validate_config(copy.deepcopy(base) | {"datasets": base["datasets"] | implicit})
    config = copy.deepcopy(base)
    config["datasets"]["ciao-cfgan"]["mirror_env"] = "cfgan mirror"
    with pytest.raises(ConfigError, match=r"key datasets.ciao-cfgan.mirror_env: 'cfgan mirror' does not"):
        validate_config(config)
    config = copy.deepcopy(base)
    config["transfer"]["datasets"] = ["ciao-cfgan", "ciao"]
    with pytest.raises(ConfigError, match=r"key transfer.datasets names 'ciao', which is not in datasets"):
        validate_config(config)
    config = copy.deepcopy(base)
    config["datasets"]["ciao-cfgan"]["positive_threshold"] = 0.5
    with pytest.raises(ConfigError, match=r"positive_threshold 0.5 lies outside the rating scale \[1, 5\]"):
        validate_config(config)


def test_the_pinned_checksums_are_the_mirrors(cfgan_mirror):
    sums = dict(reversed(line.split()) for line in (cfgan_mirror / "SHA256SUMS").read_text().splitlines())
    for name in NAMES:
        for filename, sha in spec(name)["files"].items():
            assert sums[filename] == sha == hashlib.sha256((cfgan_mirror / filename).read_bytes()).hexdigest()


def test_the_datasets_target_runs_the_study_on_both_from_this_projects_start(checkout):  # noqa: F811
    """`snakemake datasets`: the study on transfer.datasets (the released start, the authors' code and
    their audits skipped: neither dataset publishes them) and the comparison (the default target
    keeps its one dataset: tests/test_robustness_workflow.py)."""
    narrow = "study={variants: [code, frozen-d], seeds: [1]}"
    dry = snakemake(checkout, "-n", "datasets", "--config", narrow)
    assert dry.returncode == 0, dry.stderr
    counts = job_counts(dry.stdout)
    assert counts["transfer"] == 1 and counts["statistics"] == 3 and counts["claims"] == 3
    assert counts["prepare_dataset"] == 3 and counts["train_irgan"] == 3 * 2 * 2
    for name in ("ciao-cfgan", "ml-100k-cfgan"):
        assert f"results/{name}/runs/test/irgan-code/seed-1/per_user.csv" in dry.stdout
        assert f"results/{name}/runs/validation/irgan-tuned/seed-1" in dry.stdout
        for skipped in ("runs/test/dns-released", "runs/test/irgan-authors-code", "audit/"):
            assert f"results/{name}/{skipped}" not in dry.stdout
