"""File-system faults get the same one-line errors as bad input: a read-only results folder, a full
disk and a folder that goes away mid-write, met by the results root's lock, a download, the dataset
artifact and a training checkpoint. Each case checks the one line (naming the path and the
remedy), that it is also the last line of the rule's log, that nothing partial is left, and that a
run after the fault is fixed writes the same bytes as a run that never met it.

The faults are real where this machine allows: a read-only bind mount and a small tmpfs when the
tests run as root with mount permitted (root ignores permission bits, so ``chmod`` proves nothing
there); a folder without write permission when they run as another user. Elsewhere (root without
mount, as in many containers) the kernel's answer is simulated at the system call: ``EROFS`` from
the calls that create, rename or remove files, ``ENOSPC`` from the writer's last step. A folder
that goes away is always a real deletion, between the write and its rename into place.
``FAULTS`` says which was used.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
import torch

from irgan.contract import io as atomic_io
from irgan.data.dataset import Dataset, save_with_summary
from irgan.data.download import fetch
from irgan.data.registry import prepare_dataset
from irgan.errors import FileSystemError, FolderGoneError, NoSpaceError, NotWritableError
from irgan.jobs.script import run_step, subprocess_step
from irgan.models.checkpoints import load_tensors
from irgan.study.config import load_config
from irgan.study.lock import LOCK_NAME, TAKING, acquire, release
from irgan.train.components import MFParams, save_model
from irgan.train.irgan_pointwise import train_irgan
from tests.conftest import tiny_dataset
from tests.test_workflow import checkout, snakemake  # noqa: F401  (fixture)

KIB = 1024
REMEDY_RESULTS = "--config results=<folder>"


# ------------------------------------------------------------------------------------ the faults


@functools.cache
def mount_permitted() -> bool:
    """Whether this process may mount (root with CAP_SYS_ADMIN, outside a locked-down container)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(tempfile.mkdtemp(prefix="irgan-mount-probe-"))
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4k", "tmpfs", str(probe)],
                                 capture_output=True).returncode == 0
        if mounted:
            subprocess.run(["umount", str(probe)], check=True)
        return mounted
    finally:
        probe.rmdir()


def how() -> str:
    """How the faults are made on this machine (reported in failures)."""
    if mount_permitted():
        return "mounts"
    return "permissions" if os.geteuid() != 0 else "simulated system calls"


FAULTS = how()


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


def _unmount(folder: Path) -> None:
    if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _under(path, folder: Path) -> bool:
    try:
        return Path(os.fsdecode(path)).absolute().is_relative_to(folder)
    except TypeError:  # a file descriptor
        return False


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` (which exists) cannot be written: a read-only bind mount, a folder without write
    permission, or ``EROFS`` from the system calls that create files and folders in it."""
    folder = folder.absolute()
    if mount_permitted():
        _mount("--bind", str(folder), str(folder))
        try:
            _mount("-o", "remount,ro,bind", str(folder))
            yield
        finally:
            _unmount(folder)
    elif os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in [folder, *folder.rglob("*")] if path.is_dir()}
        for path in modes:
            path.chmod(0o555)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
    else:
        real_open, real_mkdir = os.open, os.mkdir
        writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT

        def no_open(path, flags, *args, **kwargs):
            if flags & writes and _under(path, folder):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
            return real_open(path, flags, *args, **kwargs)

        def no_mkdir(path, *args, **kwargs):
            if _under(path, folder) and not os.path.lexists(path):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
            return real_mkdir(path, *args, **kwargs)

        def no_change(real):
            def change(path, *args, **kwargs):
                if _under(path, folder):
                    raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))
                return real(path, *args, **kwargs)
            return change

        with mock.patch.object(os, "open", no_open), mock.patch.object(os, "mkdir", no_mkdir), \
                mock.patch.object(os, "unlink", no_change(os.unlink)), \
                mock.patch.object(os, "replace", no_change(os.replace)), \
                mock.patch.object(os, "rename", no_change(os.rename)):
            yield


class _FullFile:
    """A file on a full disk: the first write lands half, then ENOSPC (as the kernel does)."""

    def __init__(self, handle) -> None:
        self.handle = handle

    def write(self, text):
        self.handle.write(text[: len(text) // 2])
        self.handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()


@contextmanager
def full_disk(folder: Path, room: int = 4 * KIB) -> Iterator[None]:
    """``folder`` (empty) on a disk with only ``room`` bytes free: a small tmpfs filled up to
    ``room`` (in 4 kB pages), or ENOSPC from the writer's last step (the atomic writer after the
    data is in its temporary file; the lock's write)."""
    folder = folder.absolute()
    if mount_permitted():
        _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder))
        try:
            stats = os.statvfs(folder)
            (folder / ".filler").write_bytes(b"\0" * (stats.f_bavail * stats.f_frsize - room))
            yield
        finally:
            _unmount(folder)
    else:
        real_follow, real_fdopen = atomic_io.follow_umask, os.fdopen

        def no_space(path):
            if _under(path, folder):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real_follow(path)

        with mock.patch.object(atomic_io, "follow_umask", no_space), \
                mock.patch.object(os, "fdopen", lambda *a, **k: _FullFile(real_fdopen(*a, **k))):
            yield


@contextmanager
def folder_gone(folder: Path) -> Iterator[None]:
    """``folder`` is deleted (with what it holds) after a result's bytes are written and before
    they are renamed into place: the results folder going away in the middle of a run."""
    folder = folder.absolute()
    real_follow = atomic_io.follow_umask

    def delete_first(path):
        if _under(path, folder) and folder.exists():
            shutil.rmtree(folder)
        real_follow(path)

    with mock.patch.object(atomic_io, "follow_umask", delete_first):
        yield


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (a filler of the full disk aside), with its bytes."""
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".filler"}


# ----------------------------------------------------------------------------------- the writers


@dataclass(frozen=True)
class Writer:
    """One of the places a results folder is written: ``write(folder)`` writes its file (``target``,
    relative to the folder) and returns it; ``prepare(tmp)`` makes its inputs outside the folder;
    ``content(path)``: what a re-run must reproduce exactly (the file's bytes unless it records
    timings)."""

    write: Callable[[Path], Path]
    target: str
    doing: str  # what the message says was under way
    prepare: Callable[[Path], None] = lambda tmp: None
    content: Callable[[Path], bytes] = Path.read_bytes
    room: int = 4 * KIB  # the space a full disk leaves: less than the file, more than nothing


PAYLOAD = b"".join(f"{u}\t{i}\t{(u * i) % 5 + 1}\n".encode() for u in range(200) for i in range(200))
SHA = hashlib.sha256(PAYLOAD).hexdigest()
RUN = "runs/validation/irgan/seed-1"


def _mirror(tmp: Path) -> None:
    (tmp / "mirror").mkdir(exist_ok=True)
    (tmp / "mirror" / "ratings.txt").write_bytes(PAYLOAD)


def _lock(folder: Path) -> Path:
    path = acquire(folder)
    release(folder)  # taken and given back: the lock is only ever this process's
    return path


def _download(folder: Path) -> Path:
    return fetch("https://example.invalid/irgan/ratings.txt", folder / "downloads" / "ratings.txt", SHA,
                 mirror=folder.parent / "mirror")


def _dataset(folder: Path) -> Path:
    data = folder / "tiny" / "data"
    dataset = tiny_dataset(n_users=300, n_items=300, seed=3)  # about 40 kB compressed
    save_with_summary(dataset, data / "dataset.npz", data / "summary.json")
    return data / "dataset.npz"


def _model(folder: Path) -> Path:
    params = MFParams.random(2000, 1000, 5, 0.1, torch.Generator().manual_seed(0))  # about 60 kB
    save_model(folder / RUN / "model.pt", {"selected": params}, {"status": "ok", "selected_epoch": 3})
    return folder / RUN / "model.pt"


def _resume(folder: Path) -> Path:
    """The trainer's resume state, written after the first outer epoch of a short IRGAN run."""
    from tests.test_irgan_pointwise import settings
    path = folder / RUN / "resume.pt"
    train_irgan(TINY, "validation", settings("code", outer_epochs=1, d_epochs=1, g_epochs=1), seed=1,
                resume_path=path)
    return path


def _trained_models(path: Path) -> bytes:
    """The resume state's parameters (the state also records timings, which no re-run repeats)."""
    models = load_tensors(path, "resume state")["models"]
    return b"".join(models[name][key].numpy().tobytes()
                    for name in sorted(models) for key in sorted(models[name]))


TINY = tiny_dataset()
WRITERS: dict[str, Writer] = {
    "the results folder's lock": Writer(_lock, LOCK_NAME, "taking the results folder's lock",
                                        content=lambda path: b"", room=0),  # the lock is 80 bytes
    "a download": Writer(_download, "downloads/ratings.txt", "downloading it", prepare=_mirror),
    "the dataset artifact": Writer(_dataset, "tiny/data/dataset.npz", "writing it"),
    "a model checkpoint": Writer(_model, f"{RUN}/model.pt", "writing the checkpoint"),
    "the trainer's resume checkpoint": Writer(_resume, f"{RUN}/resume.pt", "writing the checkpoint",
                                              content=_trained_models),
}
FAULT_KINDS: dict[str, tuple[Callable[[Path], object], type[FileSystemError], str]] = {
    # fault, error class, the message's fragment after the path (the remedy included)
    "read-only": (read_only, NotWritableError,
                  r"the folder .* is not writable while {doing} \(.*\); nothing was written there: make it "
                  r"writable, or choose another results folder with --config results=<folder>$"),
    "full disk": (full_disk, NoSpaceError,
                  r"no space left on the device while {doing} \(No space left on device\); nothing was "
                  r"written there: free some space and run again, or choose another results folder with "
                  r"--config results=<folder>$"),
    "folder gone": (folder_gone, FolderGoneError,
                    r"its folder went away or cannot be reached while {doing} \(.*\); nothing was written "
                    r"there: restore the results folder \(remount or recreate it\) and run again "
                    r"\(only what is missing is redone\)$"),
}
# the lock is taken before a results folder holds anything: its folder cannot go away mid-write
CASES = [(fault, writer) for fault in FAULT_KINDS for writer in WRITERS
         if not (fault == "folder gone" and writer == "the results folder's lock")]


def fault_action(fault: str, writer: str, folder: Path) -> Callable[[], Path]:
    """The write under the fault; it asserts, while the fault still holds (a tmpfs hides what it
    holds once unmounted), that the folder holds exactly what it held before."""
    make_fault, write = FAULT_KINDS[fault][0], WRITERS[writer].write
    room = {"room": WRITERS[writer].room} if make_fault is full_disk else {}

    def action() -> Path:
        with make_fault(folder, **room):
            before = files(folder)
            try:
                return write(folder)
            finally:
                assert files(folder) == before, f"a partial file was left behind ({FAULTS})"
    return action


# ----------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("fault, writer", CASES)
def test_a_file_system_fault_is_one_line_in_the_log_leaves_nothing_and_a_rerun_is_identical(
        fault, writer, tmp_path, capsys):
    spec, (_, error_class, fragment) = WRITERS[writer], FAULT_KINDS[fault]
    spec.prepare(tmp_path)
    folder, reference = tmp_path / "results", tmp_path / "reference"
    folder.mkdir()
    expected = spec.content(spec.write(reference))  # a run that never met the fault
    log_file = tmp_path / "logs" / "rule.log"
    log_file.parent.mkdir()
    caught: list[BaseException] = []

    def main() -> None:
        try:
            fault_action(fault, writer, folder)()
        except BaseException as exc:
            caught.append(exc)
            raise

    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        run_step(main, str(log_file))
    logging.shutdown()
    assert stop.value.code == 1
    error = caught[0]
    assert isinstance(error, error_class), f"{type(error).__name__}: {error} ({FAULTS})"
    message = str(error)
    assert "\n" not in message
    assert message.startswith(f"{folder / spec.target}: "), message
    assert re.search(fragment.format(doing=re.escape(spec.doing)), message), message
    terminal = capsys.readouterr().err.strip().splitlines()
    log_lines = log_file.read_text().strip().splitlines()
    assert terminal[-1] == log_lines[-1] and terminal[-1].endswith(f"irgan error: {message}"), terminal
    assert files(folder) == {}

    folder.mkdir(exist_ok=True)  # the fault fixed (a folder gone: recreated)
    assert spec.content(spec.write(folder)) == expected


def test_a_log_on_a_full_disk_still_leaves_the_error_on_the_terminal_with_one_warning(tmp_path, capsys):
    """/dev/full answers every write with ENOSPC: the error stays one line, followed by one line
    saying that the log could not hold it, and no logging traceback."""
    def fails() -> None:
        raise NoSpaceError(f"{tmp_path}/record.json: no space left on the device while writing it")

    with pytest.raises(SystemExit):
        run_step(fails, "/dev/full")
    logging.shutdown()
    terminal = capsys.readouterr().err.strip().splitlines()
    assert len(terminal) == 2, terminal
    assert terminal[0].endswith(f"irgan error: {tmp_path}/record.json: no space left on the device "
                                "while writing it")
    assert terminal[1].startswith("warning: /dev/full: the error above could not be written to the "
                                  "rule's log (No space left on device)")


def test_an_unexpected_failure_ends_the_log_with_the_terminal_s_last_line(tmp_path, capsys):
    """Not a user error: the traceback, in the log too, whose last line is the terminal's."""
    log_file = tmp_path / "rule.log"

    def bug() -> None:
        raise ValueError("an unexpected state")

    with pytest.raises(SystemExit) as stop:
        run_step(bug, str(log_file))
    logging.shutdown()
    assert stop.value.code == 1
    terminal = capsys.readouterr().err.strip().splitlines()
    assert "Traceback (most recent call last):" in terminal
    assert terminal[-1] == log_file.read_text().strip().splitlines()[-1] == "ValueError: an unexpected state"


def test_a_read_error_of_an_input_is_not_called_a_file_system_fault(tmp_path):
    """A missing input beside the result is the input's error, not "the folder went away"."""
    target = tmp_path / "out.txt"
    with pytest.raises(FileNotFoundError), atomic_io.atomic_path(target) as tmp:
        tmp.write_bytes((tmp_path / "input.txt").read_bytes())
    assert list(tmp_path.iterdir()) == []


def test_the_reliability_page_quotes_each_fault_s_message_as_the_code_writes_it(tmp_path, monkeypatch):
    """docs/reliability.md shows one example line per fault: each is what filesystem_error says."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "reliability.md").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    Path("results/ml-100k-irgan/data").mkdir(parents=True)
    examples = [
        (errno.ENOSPC, None, "results/downloads/ml-100k-irgan/movielens-100k-train.txt", "downloading it"),
        (errno.EROFS, f"results/{LOCK_NAME}", f"results/{LOCK_NAME}", TAKING),
        (errno.ENOENT, "results/ml-100k-irgan/data/.dataset.npz.k2x9.npz",
         "results/ml-100k-irgan/data/dataset.npz", "writing it"),
    ]
    for code, filename, path, doing in examples:
        error = atomic_io.filesystem_error(OSError(code, os.strerror(code), filename), path, doing)
        assert error is not None and str(error) in page, error


def test_every_rule_script_ends_its_log_with_its_error():
    """Each rule's script runs inside the wrapper that writes the error to the rule's log, or, for
    a step whose log is the output of a program it runs (the authors' code), inside the wrapper that
    appends that line to the log; every rule has a log."""
    scripts = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
    for script in sorted(scripts.glob("*.py")):
        text = script.read_text()
        wrapped = re.search(r"snakemake_step\(\s*snakemake,", text)
        assert wrapped or re.search(r"subprocess_step\(\s*main,\s*snakemake\.log\[0\]\)", text), script.name
    rules = Path(__file__).resolve().parents[1] / "workflow" / "rules"
    for smk in sorted(rules.glob("*.smk")):
        for block in re.split(r"\n(?=rule |checkpoint )", smk.read_text())[1:]:
            name = block.split(":", 1)[0].split()[1]
            if not re.search(r"\n    (script|shell|run):", block):
                continue  # a target: nothing runs
            assert "\n    log:" in block, f"{smk.name}: rule {name} has no log"


# ------------------------------------------------------------------ the workflow, as a user runs it


def test_a_read_only_results_root_stops_the_workflow_with_one_line(checkout, tmp_path):  # noqa: F811
    if not mount_permitted() and os.geteuid() == 0:
        pytest.skip("a read-only folder for another process needs mount (root ignores permissions)")
    root = tmp_path / "root"
    root.mkdir()
    (root / "kept.txt").write_text("an earlier result\n")
    with read_only(root):
        run = snakemake(checkout, f"{root}/ml-100k-irgan/data/dataset.npz", "--cores", "2",
                        "--config", f"results={root}")
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if "error" in line.lower()]
    reason = os.strerror(errno.EROFS if mount_permitted() else errno.EACCES)
    assert errors == [f"error: {root}/{LOCK_NAME}: the folder {root} is not writable while taking the "
                      f"results folder's lock ({reason}); "
                      "nothing was written there: make it writable, or choose another results folder with "
                      f"{REMEDY_RESULTS}"], run.stderr
    assert "Traceback" not in run.stderr
    assert files(root) == {"kept.txt": b"an earlier result\n"}


def test_a_full_disk_during_a_download_is_one_line_in_the_rule_log_and_a_rerun_is_identical(
        checkout, mirror, tmp_path):  # noqa: F811
    """The issue's probe: the default config's dataset on a 300 kB results root."""
    if not mount_permitted():
        pytest.skip("a small disk for another process needs mount")
    root = tmp_path / "root"
    root.mkdir()
    target = f"{root}/ml-100k-irgan/data/dataset.npz"
    _mount("-t", "tmpfs", "-o", "size=300k", "tmpfs", str(root))
    try:
        run = snakemake(checkout, target, "--cores", "2", "--config", f"results={root}", mirror=mirror)
        assert run.returncode == 1
        logs = sorted((root / "logs" / "download" / "ml-100k-irgan").glob("*.log"))
        failed = [log for log in logs if log.read_text().strip()]
        assert failed, run.stderr
        for log in failed:
            name = log.name.removesuffix(".log")
            last = log.read_text().strip().splitlines()[-1]
            assert re.fullmatch(
                rf".* irgan error: {re.escape(str(root))}/downloads/ml-100k-irgan/{re.escape(name)}: "
                r"no space left on the device while downloading it \(No space left on device\); "
                r"nothing was written there: free some space and run again, or choose another results "
                r"folder with --config results=<folder>", last), last
            assert last in run.stderr.splitlines()
            assert not (root / "downloads" / "ml-100k-irgan" / name).exists()
        assert "Traceback" not in run.stderr
        assert not [p for p in (root / "downloads" / "ml-100k-irgan").iterdir() if p.name.startswith(".")]
        assert not (root / LOCK_NAME).exists() and not (root / "ml-100k-irgan" / "data").exists()

        _mount("-o", "remount,size=20m", str(root))  # space freed
        run = snakemake(checkout, target, "--cores", "2", "--config", f"results={root}", mirror=mirror)
        assert run.returncode == 0, run.stderr
        downloads = {p.name: p.read_bytes() for p in (root / "downloads" / "ml-100k-irgan").iterdir()}
        assert downloads == {name: (mirror / name).read_bytes() for name in downloads} and len(downloads) == 2
        config = load_config()
        dataset = prepare_dataset("ml-100k-irgan", config["datasets"]["ml-100k-irgan"], config["validation"],
                                  {name: mirror / name for name in downloads})
        dataset.save(tmp_path / "reference.npz")
        artifact = root / "ml-100k-irgan/data/dataset.npz"
        assert artifact.read_bytes() == (tmp_path / "reference.npz").read_bytes()
        assert Dataset.load(artifact).n_users == 943
    finally:
        _unmount(root)


def test_a_subprocess_step_appends_its_error_to_the_program_s_log(tmp_path):
    """The authors' code writes its own log; a harness error or a full disk still ends that log and
    the terminal with the same one line, and a bug keeps its traceback."""
    log_file = tmp_path / "run.log"
    log_file.write_text("the program's own output\n")

    def full_disk() -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "record.json"))

    with pytest.raises(SystemExit) as stopped:
        subprocess_step(full_disk, str(log_file))
    lines = log_file.read_text().splitlines()
    assert lines[0] == "the program's own output"
    assert lines[-1] == str(stopped.value.code)
    assert lines[-1].startswith(f"error: {tmp_path / 'record.json'}: no space left on the device")

    def bug() -> None:
        raise ValueError("an unexpected state")

    with pytest.raises(ValueError, match="an unexpected state"):
        subprocess_step(bug, str(log_file))
