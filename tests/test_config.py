"""Config validation: every out-of-range value gives one error naming its key."""

from __future__ import annotations

import copy

import pytest

from irgan.errors import ConfigError
from irgan.study.config import load_config, validate_config
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
        (("evaluation",), {"cutoffs": [3, 10]}, "evaluation: removed"),
        (("seeds",), [1], "seeds: unknown key"),
        (("irgan", "variants", "fast", "generator", "lrr"), 0.1,
         r"irgan.variants.fast.generator.lrr: unknown key \(did you mean lr\?\)"),
        (("irgan", "variants", "fast", "reward"), "tanh", "irgan.variants.fast.reward: 'tanh' is not one of"),
        (("irgan", "defaults", "generator", "lr"), "fast", "irgan.defaults.generator.lr: 'fast' is not of"),
        (("datasets", "synthetic", "density"), 0, "datasets.synthetic.density"),
        (("datasets", "synthetic", "n_users"), "many", "datasets.synthetic.n_users"),
        (
            ("datasets", "ml-100k-irgan", "files", "movielens-100k-test.txt"),
            "abc",
            "datasets.ml-100k-irgan.files.movielens-100k-test.txt",
        ),
        (("datasets", "synthetic", "positive_threshold"), 9, "datasets.synthetic.positive_threshold"),
        (("study", "datasets"), ["ml-1b"], "study.datasets"),
        (("irgan", "variants", "reward-moving-baseline", "reward_baseline_decay"), 1.0,
         "irgan.variants.reward-moving-baseline.reward_baseline_decay"),
        (("irgan", "defaults", "reward_baseline_decay"), 0, "irgan.defaults.reward_baseline_decay"),
        (("irgan", "variants", "reward-moving-baseline", "reward_baseline"), "ema",
         "irgan.variants.reward-moving-baseline.reward_baseline: 'ema' is not one of"),
        (("statistics", "families", "d-data-schedule", "against"), {"irgan-schedule-redraw-d-sample": "nope"},
         "statistics.families.d-data-schedule.against.irgan-schedule-redraw-d-sample: the comparator"),
        (("irgan", "variants", "temperature-.5"), {}, "irgan.variants"),
    ],
)
def test_bad_value_names_its_key(config, path, value, key):
    bad = copy.deepcopy(config)
    node = bad
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    with pytest.raises(ConfigError, match=f"key {key}") as error:
        validate_config(bad)
    assert "\n" not in str(error.value)


def test_checkpoint_without_checksum_is_refused(config):
    bad = copy.deepcopy(config)
    bad["datasets"]["ml-100k-irgan"]["released_checkpoints"].append("other.pkl")
    with pytest.raises(ConfigError, match="'other.pkl', which has no sha256"):
        validate_config(bad)


def test_demo_config_merges_over_the_default(tmp_path):
    demo = load_config(REPO / "config" / "demo.yaml")
    assert demo["study"]["datasets"] == ["synthetic"]
    assert "ml-100k-irgan" in demo["datasets"]  # the registry is kept, so `audit` still works


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("study:\n  seeds: [1, 2\n  datasets: x\n")
    with pytest.raises(ConfigError, match=r"broken.yaml, line 3, column 11: YAML syntax error"):
        load_config(path)


def test_the_error_names_the_file_that_sets_the_key(tmp_path):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    first.write_text("validation: {fraction: 1.5}\n")
    second.write_text("study: {seeds: [1]}\n")
    with pytest.raises(ConfigError, match=r"first.yaml: key validation.fraction"):
        load_config(second, first)


def test_cuda_without_cuda_fails_with_one_line(monkeypatch):
    from irgan.study.config import check_device

    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(ConfigError, match=r"^my.yaml: key device: 'cuda:1' requested but CUDA is not"):
        check_device("cuda:1", "my.yaml")
    check_device("auto", "my.yaml")


def test_nested_command_line_values_get_the_types_a_config_file_gives():
    """snakemake --config 'study={seeds: [1, 2, 3]}' hands every nested scalar over as a string
    (YAML's BaseLoader); the study must see integers, as from a file, and plain strings stay."""
    from irgan.study.config import retype_command_line

    config = {"study": {"datasets": ["ml-100k-irgan"], "seeds": ["1", "2", "3"]},
              "irgan": {"defaults": {"generator": {"lr": "0.002"}, "train_discriminator": "false",
                                     "reward": "softplus"}}}
    overrides = {"study": {"seeds": ["1", "2", "3"]},
                 "irgan": {"defaults": {"generator": {"lr": "0.002"}, "train_discriminator": "false",
                                        "reward": "softplus"}}}
    retype_command_line(config, overrides)
    assert config["study"] == {"datasets": ["ml-100k-irgan"], "seeds": [1, 2, 3]}
    defaults = config["irgan"]["defaults"]
    assert defaults["generator"]["lr"] == 0.002 and defaults["train_discriminator"] is False
    assert defaults["reward"] == "softplus"
