"""Config validation: every out-of-range value gives one error naming its key."""

from __future__ import annotations

import copy

import pytest

from irgan.config import load_config, validate_config
from irgan.errors import ConfigError
from tests.conftest import REPO


@pytest.fixture(scope="module")
def config():
    return load_config()


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (("validation", "fraction"), 1.5, "validation.fraction"),
        (("validation", "seed"), -1, "validation.seed"),
        (("device",), "tpu", "device"),
        (("study", "seeds"), [], "study.seeds"),
        (("evaluation", "cutoffs"), [0, 5], "evaluation.cutoffs.0"),
        (("datasets", "synthetic", "density"), 0, "datasets.synthetic.density"),
        (("datasets", "synthetic", "n_users"), "many", "datasets.synthetic.n_users"),
        (
            ("datasets", "ml-100k-irgan", "files", "movielens-100k-test.txt"),
            "abc",
            "datasets.ml-100k-irgan.files.movielens-100k-test.txt",
        ),
        (("datasets", "synthetic", "positive_threshold"), 9, "datasets.synthetic.positive_threshold"),
        (("study", "datasets"), ["ml-1b"], "study.datasets"),
    ],
)
def test_bad_value_names_its_key(config, path, value, key):
    bad = copy.deepcopy(config)
    node = bad
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match=f"key {key}"):
        validate_config(bad)


def test_checkpoint_without_checksum_is_refused(config):
    bad = copy.deepcopy(config)
    bad["datasets"]["ml-100k-irgan"]["released_checkpoints"].append("other.pkl")
    with pytest.raises(ConfigError, match="'other.pkl', which has no sha256"):
        validate_config(bad)


def test_demo_config_merges_over_the_default(tmp_path):
    demo = load_config(REPO / "config" / "demo.yaml")
    assert demo["study"]["datasets"] == ["synthetic"]
    assert "ml-100k-irgan" in demo["datasets"]  # the registry is kept, so `audit` still works


def test_unreadable_config_file_is_reported(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("study: [unclosed\n")
    with pytest.raises(ConfigError, match="broken.yaml: cannot read config"):
        load_config(path)
