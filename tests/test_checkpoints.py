"""The released checkpoints load through a numpy-only unpickler; anything else is refused."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from irgan.errors import UnsafePickleError
from irgan.models.checkpoints import load_mf_checkpoint, load_numpy_pickle


class RunsCode:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_pickle_that_would_run_code_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps([RunsCode(), np.zeros(3)], protocol=2))
    with pytest.raises(UnsafePickleError, match=r"evil.pkl: refusing to load (posix|os)\.system"):
        load_numpy_pickle(path)
    assert not (tmp_path / "pwned").exists()


def test_arbitrary_class_is_refused(tmp_path):
    path = tmp_path / "obj.pkl"
    path.write_bytes(pickle.dumps({"when": __import__("datetime").date(2017, 8, 7)}))
    with pytest.raises(UnsafePickleError, match="datetime.date"):
        load_numpy_pickle(path)


def test_truncated_pickle_is_a_clear_error(tmp_path):
    path = tmp_path / "cut.pkl"
    path.write_bytes(pickle.dumps([np.ones((4, 5))], protocol=2)[:40])
    with pytest.raises(UnsafePickleError, match="not a readable checkpoint pickle"):
        load_numpy_pickle(path)


def test_numpy_arrays_round_trip_in_every_protocol(tmp_path):
    arrays = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(3, dtype=np.float64)]
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        path = tmp_path / f"p{protocol}.pkl"
        path.write_bytes(pickle.dumps(arrays, protocol=protocol))
        loaded = load_numpy_pickle(path)
        assert all(np.array_equal(a, b) for a, b in zip(arrays, loaded, strict=True))


def test_wrong_shapes_are_refused(tmp_path):
    path = tmp_path / "small.pkl"
    path.write_bytes(pickle.dumps([np.zeros((3, 5)), np.zeros((4, 5)), np.zeros(4)]))
    with pytest.raises(UnsafePickleError, match="do not fit 943 users and 1683 items"):
        load_mf_checkpoint(path, 943, 1683)


def test_authors_python2_checkpoints_load(mirror):
    for name in ("model_dns_ori.pkl", "gan_generator.pkl"):
        model = load_mf_checkpoint(mirror / name, 943, 1683)
        assert tuple(model.user.shape) == (943, 5)
        assert tuple(model.item_t.shape) == (5, 1683)
        assert tuple(model.bias.shape) == (1683,)
