"""Every bad input the harness promises to handle, in one table: the file (or setting) a user or
a hostile copy supplies, the fragment of the one-line error they see, and the promise that
nothing is left behind (no new or half-written file) and nothing in the file ran.

Each case builds its bad input under a fresh directory and returns the action that must fail.
docs/reliability.md lists the same classes. The file-system faults (a read-only results folder,
a full disk, a folder that goes away) are made as tests/test_filesystem_faults.py makes them: real
mounts where permitted; that file also follows each through the rule's log and a re-run.
"""

from __future__ import annotations

import errno
import os
import pickle
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch

from irgan.contract.io import write_json
from irgan.data.dataset import Dataset
from irgan.data.download import MIRROR_ENV, fetch
from irgan.data.registry import prepare_dataset
from irgan.errors import IrganError
from irgan.models.checkpoints import load_mf_checkpoint
from irgan.study.config import load_config
from irgan.study.lock import acquire
from irgan.train.components import MFParams, load_model, save_model, write_training_run
from irgan.train.irgan_pointwise import initial_model, train_irgan
from tests.conftest import VALIDATION, tiny_dataset
from tests.test_filesystem_faults import CASES as FILESYSTEM_CASES
from tests.test_filesystem_faults import FAULT_KINDS, WRITERS, fault_action

MARKER = "ran-code.marker"


class RunsCode:
    """A pickle payload that would create the marker file if anything unpickled it unsafely."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@dataclass(frozen=True)
class Case:
    """A bad input: ``build(tmp)`` writes it and returns the action that must refuse it."""

    build: Callable[[Path], Callable[[], object]]
    fragment: str  # regex the error's one line must match (the file's name is checked separately)
    names: str | None = None  # a name the message must contain, relative to tmp ("" = none)


TINY = tiny_dataset()


def _params(dim: int = 3, n_items: int | None = None) -> MFParams:
    g = torch.Generator().manual_seed(0)
    return MFParams.random(TINY.n_users, n_items or TINY.n_items, dim, 0.1, g)


# ----------------------------------------------------------------- files that would run code


def _evil_raw_pickle(name: str, action: Callable[[Path], object]):
    def build(tmp: Path):
        path = tmp / name
        path.write_bytes(pickle.dumps({"models": RunsCode(tmp / MARKER)}, protocol=2))
        return lambda: action(path)
    return build


def _evil_torch_zip(name: str, action: Callable[[Path], object]):
    def build(tmp: Path):
        path = tmp / name
        torch.save({"models": {"selected": RunsCode(tmp / MARKER)}, "meta": {}}, path)
        return lambda: action(path)
    return build


def _resume_reader(path: Path):
    from tests.test_irgan_pointwise import settings
    return train_irgan(TINY, "validation", settings("code", outer_epochs=1, d_epochs=1, g_epochs=1), seed=1,
                       resume_path=path)


def _evil_npz(tmp: Path):
    path = tmp / "dataset.npz"
    np.savez(path, format_version=np.array([RunsCode(tmp / MARKER)], dtype=object))
    return lambda: Dataset.load(path)


def _evil_released(tmp: Path):
    path = tmp / "model_dns_ori.pkl"
    path.write_bytes(pickle.dumps([RunsCode(tmp / MARKER), np.zeros(3)], protocol=2))
    return lambda: load_mf_checkpoint(path, TINY.n_users, TINY.n_items)


# ----------------------------------------------------------------- checkpoints that do not fit


def _model_file(tmp: Path, params: MFParams) -> Path:
    path = tmp / "model.pt"
    save_model(path, {"selected": params}, {"status": "ok"})
    return path


def _wrong_embedding_size(tmp: Path):
    params = _params()
    params.item_t = torch.zeros(7, TINY.n_items)  # embedding size 7 against users' 3
    path = _model_file(tmp, params)
    return lambda: initial_model(path, "dns", TINY)


def _wrong_item_count(tmp: Path):
    path = _model_file(tmp, _params(n_items=TINY.n_items + 5))
    return lambda: initial_model(path, "dns", TINY)


def _all_nan_checkpoint(tmp: Path):
    params = _params()
    params.user.fill_(float("nan"))
    path = _model_file(tmp, params)
    return lambda: load_model(path, n_users=TINY.n_users, n_items=TINY.n_items)


def _all_nan_released(tmp: Path):
    path = tmp / "gan_generator.pkl"
    path.write_bytes(pickle.dumps([np.full((TINY.n_users, 5), np.nan), np.zeros((TINY.n_items, 5)),
                                   np.zeros(TINY.n_items)], protocol=2))
    return lambda: load_mf_checkpoint(path, TINY.n_users, TINY.n_items)


def _released_inconsistent(tmp: Path):
    path = tmp / "model_dns_ori.pkl"
    path.write_bytes(pickle.dumps([np.zeros((TINY.n_users, 5)), np.zeros((TINY.n_items, 7)),
                                   np.zeros(TINY.n_items)], protocol=2))
    return lambda: load_mf_checkpoint(path, TINY.n_users, TINY.n_items)


def _truncated_model(tmp: Path):
    path = _model_file(tmp, _params())
    path.write_bytes(path.read_bytes()[:200])
    return lambda: load_model(path)


def _diverged_model(tmp: Path):
    path = tmp / "model.pt"
    save_model(path, {}, {"status": "diverged"})
    return lambda: load_model(path)


# ----------------------------------------------------------------- ratings files


def _split(train: str, test: str, **spec):
    """A ratings-split dataset of two files; ``spec`` overrides the registry entry."""
    def build(tmp: Path):
        (tmp / "train.txt").write_text(train)
        (tmp / "test.txt").write_text(test)
        entry = {"kind": "ratings-split", "train_file": "train.txt", "test_file": "test.txt",
                 "rating_scale": [1, 5], "positive_threshold": 4, **spec}
        files = {"train.txt": tmp / "train.txt", "test.txt": tmp / "test.txt"}
        return lambda: prepare_dataset("bad", entry, VALIDATION, files)
    return build


def _archive(tmp: Path, members: dict[str, str]) -> Path:
    path = tmp / "ml-100k.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def _archive_split(members: dict[str, str], corrupt: bool = False):
    def build(tmp: Path):
        path = _archive(tmp, members)
        if corrupt:
            path.write_bytes(path.read_bytes()[:30])
        entry = {"kind": "archive-split", "archive": "ml-100k.zip", "train_member": "u{fold}.base",
                 "test_member": "u{fold}.test", "rating_scale": [1, 5], "positive_threshold": 4}
        return lambda: prepare_dataset("bad", entry, VALIDATION, {"ml-100k.zip": path})
    return build


# ----------------------------------------------------------------- downloads


def _fetch_from_mirror(payload: bytes | None, sha256: str = "0" * 64):
    """Fetch through IRGAN_MIRROR (``payload`` None: the mirror lacks the file, the URL is missing)."""
    def build(tmp: Path):
        mirror = tmp / "mirror"
        mirror.mkdir()
        if payload is not None:
            (mirror / "ratings.txt").write_bytes(payload)
        url = f"file://{tmp}/nowhere/ratings.txt"

        def action():
            with mock.patch.dict(os.environ, {MIRROR_ENV: str(mirror)}):
                return fetch(url, tmp / "downloads" / "ratings.txt", sha256)
        return action
    return build


# ----------------------------------------------------------------- a full disk


def _disk_full(write: Callable[[Path], object]):
    """Every file write fails half-way with ENOSPC, as on a full disk."""
    def build(tmp: Path):
        def fail_half_way(self: Path, data, *args, **kwargs):
            with open(self, "wb") as handle:
                handle.write(b"half")
            raise OSError(errno.ENOSPC, "No space left on device", str(self))

        def action():
            with mock.patch.object(Path, "write_bytes", fail_half_way), \
                    mock.patch.object(Path, "write_text", fail_half_way):
                return write(tmp)
        return action
    return build


def _filesystem_fault(fault: str, writer: str):
    """A writer of the results folder ``tmp/results`` meeting a fault of the file system."""
    def build(tmp: Path):
        WRITERS[writer].prepare(tmp)
        (tmp / "results").mkdir()
        return fault_action(fault, writer, tmp / "results")
    return build


def _write_run(tmp: Path):
    from tests.test_irgan_pointwise import settings
    result = train_irgan(TINY, "validation", settings("code", outer_epochs=1, d_epochs=1, g_epochs=1), seed=1)
    return write_training_run(tmp / "run", result, TINY, {})


# ----------------------------------------------------------------- config files and the results lock


def _config(text: str):
    def build(tmp: Path):
        (tmp / "my.yaml").write_text(text)
        return lambda: load_config(tmp / "my.yaml")
    return build


def _locked(tmp: Path):
    (tmp / ".irgan-lock").write_text('{"pid": 1, "host": "other-host", "started": "2026-01-01 10:00:00"}')
    return lambda: acquire(tmp)


TRAIN = "0 0 5\n0 1 4\n1 1 5\n1 2 2\n2 0 4\n2 2 5\n"
TEST = "0 2 5\n1 0 4\n2 1 3\n"


CASES: dict[str, Case] = {
    # config: one line naming the file and the full key path
    "config: wrong type": Case(_config("study: {seeds: [a]}\n"), r"key study\.seeds\.0: 'a' is not of type",
                               "my.yaml"),
    "config: out-of-range value": Case(_config("validation: {fraction: 1.5}\n"),
                                       r"key validation\.fraction: 1\.5 is greater than", "my.yaml"),
    "config: unknown top-level key": Case(_config("seeds: [1]\n"), r"key seeds: unknown key", "my.yaml"),
    "config: unknown key in a variant": Case(
        _config("irgan: {variants: {fast: {generator: {lrr: 0.1}}}}\n"),
        r"key irgan\.variants\.fast\.generator\.lrr: unknown key \(did you mean lr\?\)", "my.yaml"),
    "config: bad choice": Case(_config("irgan: {variants: {fast: {reward: tanh}}}\n"),
                               r"key irgan\.variants\.fast\.reward: 'tanh' is not one of", "my.yaml"),
    "config: removed key evaluation.cutoffs": Case(_config("evaluation: {cutoffs: [3, 10]}\n"),
                                                  r"key evaluation: removed", "my.yaml"),
    "config: study names an unknown dataset": Case(_config("study: {datasets: [ml-1b]}\n"),
                                                  r"key study\.datasets names 'ml-1b'", "my.yaml"),
    "config: YAML syntax error": Case(_config("study:\n  seeds: [1, 2\n  datasets: x\n"),
                                      r"my\.yaml, line 3, column 11: YAML syntax error", "my.yaml"),
    # the results root's lock
    "results root locked by another workflow": Case(
        _locked, r"another workflow is writing this results folder \(process 1 on other-host", ".irgan-lock"),
    # a full disk while writing results: one line naming the path, no partial file
    "full disk while writing a JSON result": Case(
        _disk_full(lambda tmp: write_json(tmp / "out" / "record.json", {"a": 1})),
        r"record\.json: no space left on the device while writing it", "out/record.json"),
    "full disk while writing model.pt": Case(
        _disk_full(lambda tmp: save_model(tmp / "model.pt", {"selected": _params()}, {})),
        r"model\.pt: no space left on the device", "model.pt"),
    "full disk while writing a run": Case(_disk_full(_write_run), r"no space left on the device", "run/"),
    # the file system's faults where the results folder is written: the lock, a download, the
    # dataset artifact, a checkpoint; one line naming the file and the remedy
    **{f"{fault}: {writer}": Case(_filesystem_fault(fault, writer),
                                  FAULT_KINDS[fault][2].format(doing=re.escape(WRITERS[writer].doing)),
                                  f"results/{WRITERS[writer].target}")
       for fault, writer in FILESYSTEM_CASES},
    # downloads: one message, no retry of what cannot change, no file left
    "download whose checksum does not match": Case(
        _fetch_from_mirror(b"0 0 5\n"), r"checksum mismatch for ratings\.txt .*expected sha256 0{64}, got",
        "mirror/ratings.txt"),
    "download that fails": Case(_fetch_from_mirror(None), r"could not download ratings\.txt from file://"),
    # ratings files that would mislead without a word and the parser's own checks
    "duplicated (user, item) pair with a conflicting rating": Case(
        _split(TRAIN + "0 1 1\n", TEST), r"train\.txt, line 7: user 0 item 1 was already rated on line 2",
        "train.txt"),
    "test row repeating a training pair": Case(
        _split(TRAIN, TEST + "1 2 5\n"), r"test\.txt, line 4: user 1 item 2 is also in the training data",
        "test.txt"),
    "test item id beyond the training items, no n_items declared": Case(
        _split(TRAIN, TEST + "1 5000 5\n"),
        r"test\.txt, line 4: item id 5000 lies beyond the item ids of the training file .*no n_items",
        "test.txt"),
    "test user id beyond the training users, no n_users declared": Case(
        _split(TRAIN, TEST + "7 1 5\n", n_items=3), r"test\.txt, line 4: user id 7 lies beyond", "test.txt"),
    "item id beyond the declared n_items": Case(
        _split(TRAIN, TEST + "1 5 5\n", n_users=3, n_items=4),
        r"test\.txt, line 4: item id 5 >= n_items \(4\)", "test.txt"),
    "malformed line": Case(_split(TRAIN + "0 3\n", TEST), r"train\.txt, line 7: expected 3 or 4 fields",
                           "train.txt"),
    "non-numeric id": Case(_split("x 1 4\n", TEST), r"line 1: non-numeric user id 'x'", "train.txt"),
    "negative id": Case(_split(TRAIN, "-1 1 4\n"), r"test\.txt, line 1: negative user id -1", "test.txt"),
    "rating outside the scale": Case(_split(TRAIN + "3 3 9\n", TEST), r"line 7: rating 9 outside the scale",
                                     "train.txt"),
    "empty ratings file": Case(_split(TRAIN, "\n"), r"test\.txt: no ratings found", "test.txt"),
    "test split without a positive": Case(_split(TRAIN, "0 2 1\n"), r"the test split has no positive"),
    "archive without the expected member": Case(
        _archive_split({"u1.base": TRAIN}), r"ml-100k\.zip: no member 'u1\.test'", "ml-100k.zip"),
    "corrupt archive": Case(_archive_split({"u1.base": TRAIN}, corrupt=True), r"not a readable zip archive",
                            "ml-100k.zip"),
    "archive test member repeating a training pair": Case(
        _archive_split({"u1.base": TRAIN, "u1.test": "2 2 4\n"}), r"u1\.test, line 1: user 2 item 2 is also",
        "ml-100k.zip"),
    # nothing in a results folder executes
    "model.pt with an os.system reducer (raw pickle)": Case(
        _evil_raw_pickle("model.pt", load_model), r"refusing to load model checkpoint", "model.pt"),
    "model.pt with an os.system reducer (torch zip)": Case(
        _evil_torch_zip("model.pt", load_model), r"refusing to load model checkpoint.*system", "model.pt"),
    "initial G checkpoint with an os.system reducer": Case(
        _evil_torch_zip("model.pt", lambda p: initial_model(p, "dns", TINY)), r"refusing to load",
        "model.pt"),
    "resume.pt with an os.system reducer": Case(
        _evil_torch_zip("resume.pt", _resume_reader), r"refusing to load resume state.*Delete it",
        "resume.pt"),
    "resume.pt as a raw pickle with an os.system reducer": Case(
        _evil_raw_pickle("resume.pt", _resume_reader), r"refusing to load resume state", "resume.pt"),
    "dataset.npz holding a pickled object": Case(
        _evil_npz, r"not a readable dataset artifact", "dataset.npz"),
    "released checkpoint with an os.system reducer": Case(
        _evil_released, r"refusing to load (posix|os)\.system", "model_dns_ori.pkl"),
    # checkpoints that do not fit
    "checkpoint with embedding size 7 against 3": Case(
        _wrong_embedding_size, r"inconsistent shapes \(user_emb \(30, 3\), item_emb \(40, 7\)", "model.pt"),
    "checkpoint for another item count": Case(
        _wrong_item_count, r"do not fit 30 users and 40 items", "model.pt"),
    "released checkpoint with inconsistent shapes": Case(
        _released_inconsistent, r"inconsistent shapes", "model_dns_ori.pkl"),
    "all-NaN checkpoint": Case(_all_nan_checkpoint, r"NaN or infinite values \(user_emb\)", "model.pt"),
    "all-NaN released checkpoint": Case(_all_nan_released, r"NaN or infinite values", "gan_generator.pkl"),
    "truncated model.pt": Case(_truncated_model, r"not a readable model checkpoint", "model.pt"),
    "model.pt of a diverged run": Case(_diverged_model, r"the run diverged, so it has no", "model.pt"),
}


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_clear_error_and_leaves_nothing_behind(name, tmp_path):
    case = CASES[name]
    action = case.build(tmp_path)
    before = _files(tmp_path)
    with pytest.raises(IrganError) as caught:
        action()
    message = str(caught.value)
    assert "\n" not in message, message
    assert re.search(case.fragment, message), message
    if case.names:
        assert str(tmp_path / case.names) in message, message
    assert not (tmp_path / MARKER).exists(), "the file's code ran"
    assert _files(tmp_path) == before, "a file was created, changed or left half-written"
