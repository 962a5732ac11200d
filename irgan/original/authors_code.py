"""The authors' original code as one more system of the study: fetch, pin, patch, run.

The six files of the authors' item-recommendation code (Python 2, TensorFlow 1) are
never part of this project. The workflow fetches them from the pinned commit (or the
folder named by ``IRGAN_CODE_MIRROR``), checks their sha256, and applies ``PATCH`` below:
the smallest set of line edits that runs them on Python 3 with ``tensorflow.compat.v1``
and lets the study set paths, schedule and seed and read a per-epoch log. Nothing that
changes behaviour is edited: linecache batching, ``np.random``, float32, the loops and the
constants stay. Every edit names the pinned line it replaces, so a changed upstream file
or an edit that no longer fits stops with one message naming the file and line.

Torch-free: the run itself happens in a TensorFlow environment (workflow/envs/authors_code.yaml,
or the interpreter named by ``IRGAN_AUTHORS_PYTHON``), and the patched code reads the released
start only through this project's numpy-only unpickler (irgan/models/pickles.py).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from irgan.contract.io import write_json
from irgan.errors import IrganError

CODE_MIRROR_ENV = "IRGAN_CODE_MIRROR"
# Unset, the tests' and the workflow's default mirror: beside the clone, as for the data.
DEFAULT_CODE_MIRROR = Path(__file__).resolve().parents[3] / "shared" / "data" / "irgan-code"
PYTHON_ENV = "IRGAN_AUTHORS_PYTHON"
RUN_ENV = "IRGAN_AUTHORS_RUN"
REPO = Path(__file__).resolve().parents[2]
# The study's name for the original code's runs (irgan/original/runs.py writes them).
SYSTEM = "irgan-authors-code"
DNS_SYSTEM = "dns-authors-code"
# The data files cf_gan.py reads from its work directory (names fixed by the code).
DATA_FILES = ("movielens-100k-train.txt", "movielens-100k-test.txt", "model_dns_ori.pkl")
SELECTED_PICKLE = "gan_generator.pkl"
# cf_dns.py reads only the ratings and saves its best model (by test P@5) as model_dns.pkl.
DNS_DATA_FILES = DATA_FILES[:2]
DNS_PICKLE = "model_dns.pkl"
EPOCH_LOG = "epochs.jsonl"
# The speed benchmark's short schedule, for both trainers: about 1.5 min of the original on 2 cores.
BENCHMARK_SCHEDULE = {"outer_epochs": 2, "d_epochs": 20, "g_epochs": 20}


class AuthorsCodeError(IrganError):
    """The authors' code could not be fetched, patched or run; the message names file or step."""


@dataclass(frozen=True)
class Edit:
    """Replace line ``line`` of a pinned ``file`` (its text must be ``old``) by ``new`` lines;
    ``old=None`` inserts ``new`` after line ``line`` instead."""

    file: str
    line: int
    old: str | None
    new: tuple[str, ...]
    why: str


def _edits(file: str, *rows: tuple[int, str | None, tuple[str, ...] | str, str]) -> list[Edit]:
    return [Edit(file, line, old, (new,) if isinstance(new, str) else tuple(new), why)
            for line, old, new, why in rows]


_TF = "TensorFlow 1's graph API through tensorflow.compat.v1 (TensorFlow 2 installed)"
_COMPAT = ("import tensorflow.compat.v1 as tf", "tf.disable_v2_behavior()")
_PRINT = "Python 3 print"
_ASFARRAY = "numpy 2 removed np.asfarray; the same float64 array"
_PY2_ORDER = ("Python 2 iterates a dict of these int keys in ascending order (hash(i) = i); "
              "Python 3 in insertion order")
_KEYS = "Python 3 keys() is a view: the list Python 2 returned"
_PICKLE = "Python 3 has no cPickle; the same pickle module"
_WB = "Python 3 pickles to a binary file"

# The prelude cf_gan.py and cf_dns.py gain after their imports: the run's settings (paths,
# schedule, seed) from the file named by IRGAN_AUTHORS_RUN, and a per-epoch JSON-lines log.
_PRELUDE = (
    "import json, os, time  # irgan-repro: run settings and per-epoch log",
    f"RUN = json.load(open(os.environ['{RUN_ENV}']))  # irgan-repro: paths, schedule, seed",
    "def log_event(model, epoch, step, result=None):  # irgan-repro: one JSON line per epoch",
    "    with open(RUN['log'], 'a') as out:",
    "        out.write(json.dumps({'model': model, 'epoch': epoch, 'step': step, "
    "'time': time.perf_counter(),",
    "                              'result': None if result is None else [float(x) for x in result]}) "
    "+ '\\n')",
    "    return result",
)
_PRELUDE_WHY = "the study's paths, schedule and seed, and a per-epoch log with times (added lines only)"

PATCH: tuple[Edit, ...] = tuple(
    _edits(
        "cf_gan.py",
        (1, "import tensorflow as tf", _COMPAT, _TF),
        (4, "import cPickle", "from irgan.models.pickles import load_numpy_pickle",
         "the released Python 2 pickle is read only through the project's numpy-only unpickler"),
        (7, None, _PRELUDE, _PRELUDE_WHY),
        (21, "workdir = 'ml-100k/'", "workdir = RUN['workdir']", "the run's own work directory"),
        (51, None, ("user_pos_train = dict(sorted(user_pos_train.items()))",
                    "user_pos_test = dict(sorted(user_pos_test.items()))"), _PY2_ORDER),
        (53, "all_users = user_pos_train.keys()", "all_users = list(user_pos_train.keys())", _KEYS),
        (58, "    r = np.asfarray(r)[:k]", "    r = np.asarray(r, dtype=float)[:k]", _ASFARRAY),
        (103, "    test_users = user_pos_test.keys()", "    test_users = list(user_pos_test.keys())", _KEYS),
        (142, None, ("    np.random.seed(RUN['seed'])", "    tf.set_random_seed(RUN['seed'])"),
         "the seed from the config: numpy's draws and TensorFlow's initialisation of D (the code sets none)"),
        (143, '    print "load model..."', '    print("load model...")', _PRINT),
        (144, '    param = cPickle.load(open(workdir + "model_dns_ori.pkl"))',
         '    param = load_numpy_pickle(workdir + "model_dns_ori.pkl")',
         "the released Python 2 pickle through the numpy-only unpickler"),
        (155, '    print "gen ", simple_test(sess, generator)',
         "    print(\"gen \", log_event('G', -1, -1, simple_test(sess, generator)))",
         "Python 3 print; the start's evaluation also goes to the log"),
        (156, '    print "dis ", simple_test(sess, discriminator)',
         "    print(\"dis \", log_event('D', -1, -1, simple_test(sess, discriminator)))",
         "Python 3 print; the start's evaluation also goes to the log"),
        (163, "    for epoch in range(15):", "    for epoch in range(RUN['outer_epochs']):",
         "the schedule from the config (15 in the code)"),
        (165, "            for d_epoch in range(100):", "            for d_epoch in range(RUN['d_epochs']):",
         "the schedule from the config (100 in the code)"),
        (182, None, "                log_event('D', epoch, d_epoch)",
         "the end of each D-epoch goes to the log"),
        (185, "            for g_epoch in range(50):  # 50",
         "            for g_epoch in range(RUN['g_epochs']):  # 50",
         "the schedule from the config (50 in the code)"),
        (211, '                print "epoch ", epoch, "gen: ", result',
         "                print(\"epoch \", epoch, \"gen: \", log_event('G', epoch, g_epoch, result))",
         "Python 3 print; each G-epoch's test evaluation also goes to the log"),
        (218, "                    print 'best: ', result", "                    print('best: ', result)",
         _PRINT),
        (220, '                    generator.save_model(sess, "ml-100k/gan_generator.pkl")',
         '                    generator.save_model(sess, workdir + "gan_generator.pkl")',
         "the run's own work directory"),
    )
    + _edits(
        "cf_dns.py",
        (1, "import tensorflow as tf", _COMPAT, _TF),
        (3, "import cPickle", "import pickle as cPickle", _PICKLE),
        (5, None, _PRELUDE, _PRELUDE_WHY),
        (17, "workdir = 'ml-100k/'", "workdir = RUN['workdir']", "the run's own work directory"),
        (47, None, ("user_pos_train = dict(sorted(user_pos_train.items()))",
                    "user_pos_test = dict(sorted(user_pos_test.items()))"), _PY2_ORDER),
        (49, "all_users = user_pos_train.keys()", "all_users = list(user_pos_train.keys())", _KEYS),
        (75, "    r = np.asfarray(r)[:k]", "    r = np.asarray(r, dtype=float)[:k]", _ASFARRAY),
        (120, "    test_users = user_pos_test.keys()", "    test_users = list(user_pos_test.keys())", _KEYS),
        (143, "    print 'uniform negative sampling...'", "    print('uniform negative sampling...')",
         _PRINT),
        (158, "    np.random.seed(70)",
         ("    np.random.seed(RUN['seed'])", "    tf.set_random_seed(RUN['seed'])"),
         "the seed from the config (the code fixes numpy's at 70 and sets none for TensorFlow)"),
        (168, '    print "dis ", simple_test(sess, discriminator)',
         "    print(\"dis \", log_event('D', -1, -1, simple_test(sess, discriminator)))",
         "Python 3 print; the start's evaluation also goes to the log"),
        (173, "    for epoch in range(80):", "    for epoch in range(RUN['epochs']):",
         "the schedule from the config (80 in the code)"),
        (186, '        print "epoch ", epoch, "dis: ", result',
         "        print(\"epoch \", epoch, \"dis: \", log_event('D', epoch, 0, result))",
         "Python 3 print; each epoch's test evaluation also goes to the log"),
        (190, '            print "best P@5: ", best_p5', '            print("best P@5: ", best_p5)', _PRINT),
    )
    + [edit for name in ("gen_model.py", "dis_model.py", "dis_model_dns.py") for edit in _edits(
        name,
        (1, "import tensorflow as tf", "import tensorflow.compat.v1 as tf", _TF),
        (2, "import cPickle", "import pickle as cPickle", _PICKLE),
        (57 if name == "gen_model.py" else 67, "        cPickle.dump(param, open(filename, 'w'))",
         "        cPickle.dump(param, open(filename, 'wb'))", _WB),
    )]
    + _edits(
        "utils.py",
        (72, "    r = np.asfarray(r)[:k]", "    r = np.asarray(r, dtype=float)[:k]", _ASFARRAY),
        (97, "    r = np.asfarray(r)[:k]", "    r = np.asarray(r, dtype=float)[:k]", _ASFARRAY),
    )
)
CODE_FILES = ("cf_gan.py", "gen_model.py", "dis_model.py", "utils.py", "cf_dns.py", "dis_model_dns.py")


def patch_hash() -> str:
    """sha256 of the patch itself: recorded by every run, so a result names the exact edits."""
    text = json.dumps([asdict(edit) for edit in PATCH], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def code_mirror_dir() -> Path:
    """The folder ``IRGAN_CODE_MIRROR`` names, else ``DEFAULT_CODE_MIRROR`` (which may not exist)."""
    given = os.environ.get(CODE_MIRROR_ENV)
    return Path(given) if given else DEFAULT_CODE_MIRROR


def apply_patch(name: str, text: str, edits: Sequence[Edit] = PATCH) -> str:
    """``text`` (pinned file ``name``) with its edits applied; a line that is not what an edit
    expects raises AuthorsCodeError naming the file and line."""
    lines = text.split("\n")
    mine = sorted((e for e in edits if e.file == name), key=lambda e: e.line, reverse=True)
    for edit in mine:  # bottom-up, so earlier line numbers stay valid
        index = edit.line - 1
        if not 0 <= index < len(lines):
            raise AuthorsCodeError(f"{name}: the patch edits line {edit.line}, but the file has "
                                   f"{len(lines)} lines: the upstream file changed")
        if edit.old is None:
            lines[index + 1:index + 1] = list(edit.new)
        elif lines[index].rstrip() != edit.old:
            raise AuthorsCodeError(
                f"{name}, line {edit.line}: the patch expects {edit.old!r} but found "
                f"{lines[index].rstrip()!r}: the patch no longer applies to this file")
        else:
            lines[index:index + 1] = list(edit.new)
    return "\n".join(lines)


def changed_lines(original: str, patched: str) -> tuple[list[str], list[str]]:
    """The lines a patch removed and added (difflib), to check it edits nothing else."""
    removed, added = [], []
    for line in difflib.ndiff(original.split("\n"), patched.split("\n")):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def write_patched(sources: dict[str, str | os.PathLike], destination: str | os.PathLike) -> Path:
    """Patch the six verified upstream files into ``destination`` (replaced as a whole) and write
    ``patch.json`` beside them: the edits, their reasons and the patch hash."""
    destination = Path(destination)
    missing = [name for name in CODE_FILES if name not in sources]
    if missing:
        raise AuthorsCodeError(f"the authors' code is incomplete: missing {', '.join(missing)}")
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    try:
        for name in CODE_FILES:
            text = Path(sources[name]).read_text(encoding="latin-1")
            (staging / name).write_text(apply_patch(name, text), encoding="latin-1")
        write_json(staging / "patch.json", {"patch_sha256": patch_hash(),
                                            "edits": [asdict(edit) for edit in PATCH]})
        _follow_umask(staging)
        if destination.exists():
            shutil.rmtree(destination)
        staging.rename(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return destination


# -- running the patched code -------------------------------------------------------------


def authors_python() -> str:
    """The interpreter that runs the authors' code: ``IRGAN_AUTHORS_PYTHON`` when set (a separate
    TensorFlow environment), else this one (the rule's own conda env under ``--sdm conda``)."""
    return os.environ.get(PYTHON_ENV) or sys.executable


def tensorflow_version(python: str) -> str:
    """TensorFlow's version in ``python``; one clear error when it has none."""
    try:
        out = subprocess.run([python, "-c", "import tensorflow as tf; print(tf.__version__)"],
                             capture_output=True, text=True, timeout=300, env=tensorflow_env())
    except (OSError, subprocess.SubprocessError) as exc:
        raise AuthorsCodeError(f"cannot start the authors' code interpreter {python}: {exc}") from exc
    if out.returncode != 0:
        raise AuthorsCodeError(
            f"TensorFlow is missing in {python}: the authors' code needs it. Run with --sdm conda "
            f"(workflow/envs/authors_code.yaml), or make a separate environment with "
            f"`pip install tensorflow-cpu==2.21.0` and set {PYTHON_ENV} to its python.")
    return out.stdout.strip().splitlines()[-1]


def tensorflow_env(threads: int | None = None) -> dict[str, str]:
    """The environment the original runs in: quiet TensorFlow, no oneDNN, threads, this checkout."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # oneDNN's fused kernels round differently from the plain float32 kernels of TensorFlow 1
    env["TF_ENABLE_ONEDNN_OPTS"] = "0"
    if threads:
        for name in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
            env[name] = str(threads)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    return env


@dataclass(frozen=True)
class Schedule:
    """cf_gan.py's loops: outer epochs, D-epochs and G-epochs per outer epoch (15, 100, 50)."""

    outer_epochs: int
    d_epochs: int
    g_epochs: int


def read_epoch_log(path: str | os.PathLike) -> list[dict]:
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run_cf_gan(code_dir: str | os.PathLike, data: dict[str, str | os.PathLike], schedule: Schedule,
               seed: int, output_dir: str | os.PathLike, threads: int = 1, python: str | None = None,
               log=None) -> dict:
    """Run the patched ``cf_gan.py`` once; on success ``output_dir`` holds ``epochs.jsonl``, the
    selected generator ``gan_generator.pkl`` and ``run.json``, and nothing is left otherwise."""
    want = {"D": schedule.outer_epochs * schedule.d_epochs, "G": schedule.outer_epochs * schedule.g_epochs}
    return _run_script("cf_gan.py", SYSTEM, code_dir, {n: data.get(n) for n in DATA_FILES},
                       asdict(schedule), want, SELECTED_PICKLE, seed, output_dir, threads, python, log)


def run_cf_dns(code_dir: str | os.PathLike, data: dict[str, str | os.PathLike], epochs: int, seed: int,
               output_dir: str | os.PathLike, threads: int = 1, python: str | None = None,
               log=None) -> dict:
    """Run the patched ``cf_dns.py`` (the authors' DNS pre-training, 80 epochs in the code) once;
    on success ``output_dir`` holds ``epochs.jsonl``, the model it saved at its best test P@5
    (``model_dns.pkl``) and ``run.json``."""
    return _run_script("cf_dns.py", DNS_SYSTEM, code_dir, {n: data.get(n) for n in DNS_DATA_FILES},
                       {"epochs": epochs}, {"D": epochs, "G": 0}, DNS_PICKLE, seed, output_dir, threads,
                       python, log)


def _run_script(script: str, system: str, code_dir, data: dict, schedule: dict, want: dict[str, int],
                saved: str, seed: int, output_dir, threads: int, python: str | None, log) -> dict:
    python = python or authors_python()
    code_dir = Path(code_dir).resolve()
    output_dir = Path(output_dir)
    for name, path in data.items():
        if path is None:
            raise AuthorsCodeError(f"the authors' {script} needs {name} in its work directory")
    tf_version = tensorflow_version(python)
    output_dir.parent.mkdir(parents=True, exist_ok=True)
    for stale in output_dir.parent.glob(f".{output_dir.name}.*"):  # a killed run's work folders
        shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.", dir=output_dir.parent)).resolve()
    try:
        for name, path in data.items():
            shutil.copyfile(path, work / name)
        settings = {"workdir": f"{work}/", "seed": int(seed), "log": str(work / EPOCH_LOG), **schedule}
        write_json(work / "run_settings.json", settings)
        env = tensorflow_env(threads)
        env[RUN_ENV] = str(work / "run_settings.json")
        started = time.perf_counter()
        stdout = open(work / "stdout.txt", "w")  # noqa: SIM115  (closed below, read on failure)
        try:
            process = subprocess.run([python, str(code_dir / script)], cwd=work, env=env,
                                     stdout=stdout, stderr=subprocess.STDOUT, check=False)
        finally:
            stdout.close()
        seconds = time.perf_counter() - started
        events = read_epoch_log(work / EPOCH_LOG)
        if process.returncode != 0:
            tail = "\n".join((work / "stdout.txt").read_text(errors="replace").splitlines()[-15:])
            raise AuthorsCodeError(
                f"the authors' {script} (seed {seed}) failed at {_last_step(events)} with exit "
                f"code {process.returncode}:\n{tail}")
        _check_finished(script, events, want, seed)
        if not (work / saved).exists():
            raise AuthorsCodeError(f"the authors' {script} (seed {seed}) finished without saving "
                                   f"a model: no epoch had a test P@5 above 0")
        if log is not None:
            log.write((work / "stdout.txt").read_text(errors="replace"))
        record = {"system": system, "seed": int(seed), "schedule": schedule,
                  "tensorflow": tf_version, "python": python, "patch_sha256": patch_hash(),
                  "code_sha256": {name: _sha256(code_dir / name) for name in CODE_FILES},
                  "wall_seconds": seconds, "threads": threads}
        staging = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}.out.", dir=output_dir.parent))
        for name in (EPOCH_LOG, saved):
            shutil.move(str(work / name), staging / name)
        write_json(staging / "run.json", record)
        _follow_umask(staging)
        if output_dir.exists():
            shutil.rmtree(output_dir)
        staging.rename(output_dir)
        return record
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for leftover in output_dir.parent.glob(f".{output_dir.name}.out.*"):
            shutil.rmtree(leftover, ignore_errors=True)


def _follow_umask(directory: Path) -> None:
    """mkdtemp makes a private (0700) folder; the folder it becomes follows the umask."""
    mask = os.umask(0)
    os.umask(mask)
    directory.chmod(0o777 & ~mask)
    for path in directory.iterdir():
        path.chmod(0o666 & ~mask)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _last_step(events: list[dict]) -> str:
    if not events:
        return "start-up (before its first evaluation)"
    last = events[-1]
    if last["epoch"] == -1:
        return f"the start (after evaluating {last['model']})"
    return f"outer epoch {last['epoch']}, after {last['model']}-epoch {last['step']}"


def _check_finished(script: str, events: list[dict], want: dict[str, int], seed: int) -> None:
    """Every scheduled epoch logged, and no evaluation NaN (a diverged run is reported, not kept)."""
    for event in events:
        result = event.get("result")
        if result is not None and not all(value == value for value in result):  # NaN != NaN
            raise AuthorsCodeError(
                f"the authors' {script} (seed {seed}) diverged: its evaluation is NaN at outer "
                f"epoch {event['epoch']}, {event['model']}-epoch {event['step']}")
    logged = {model: sum(1 for e in events if e["model"] == model and e["epoch"] >= 0) for model in want}
    if logged != want:
        raise AuthorsCodeError(
            f"the authors' {script} (seed {seed}) logged {logged} epochs, not the scheduled {want}")


def epoch_times(events: list[dict]) -> dict[str, float]:
    """Mean seconds per D-epoch (with its share of generate_for_d) and per G-epoch (with its test
    evaluation), from the log's timestamps."""
    spans: dict[str, list[float]] = {"D": [], "G": []}
    for previous, event in zip(events, events[1:], strict=False):
        if event["epoch"] >= 0:
            spans[event["model"]].append(event["time"] - previous["time"])
    return {f"{model}_epoch_seconds": (sum(v) / len(v) if v else float("nan")) for model, v in spans.items()}


def selected_epoch(events: list[dict], metric_index: int = 1, model: str = "G") -> tuple[int, float]:
    """The epoch (1-based, over the whole run) whose model the code saved: the last strict
    improvement of test P@5 over the best so far, starting from 0 (``best = 0.`` in cf_gan.py,
    ``best_p5 = 0.`` in cf_dns.py); ``model`` G for cf_gan.py's generator, D for cf_dns.py."""
    best, chosen = 0.0, 0
    evaluated = [e for e in events if e["model"] == model and e["epoch"] >= 0 and e["result"] is not None]
    for number, event in enumerate(evaluated, start=1):
        if event["result"][metric_index] > best:
            best, chosen = event["result"][metric_index], number
    return chosen, best


def benchmark_authors(code_dir: str | os.PathLike, data: dict[str, str | os.PathLike], schedule: Schedule,
                      out_json: str | os.PathLike, seed: int = 1, threads: int = 2,
                      python: str | None = None) -> dict:
    """Time the original on ``schedule``: seconds per D-epoch (with its share of generate_for_d),
    per G-epoch (with the test evaluation the code runs after each) and for the whole process
    (interpreter start, TensorFlow import, data, graph, both start evaluations and the loops)."""
    import platform

    out_json = Path(out_json)
    out_json.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".authors-benchmark.", dir=out_json.parent))
    try:
        load_before = os.getloadavg()[0]
        record = run_cf_gan(code_dir, data, schedule, seed, scratch / "run", threads=threads, python=python)
        events = read_epoch_log(scratch / "run" / EPOCH_LOG)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    times = epoch_times(events)
    result = {"d_epoch": times["D_epoch_seconds"], "g_epoch": times["G_epoch_seconds"],
              "process": record["wall_seconds"], "schedule": asdict(schedule), "seed": seed,
              "threads": threads, "tensorflow": record["tensorflow"], "patch_sha256": record["patch_sha256"],
              "host": platform.node(), "cpu": platform.processor() or platform.machine(),
              "cpu_count": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg()[0]}
    write_json(out_json, result)
    return result


__all__ = ["BENCHMARK_SCHEDULE", "CODE_FILES", "DATA_FILES", "PATCH", "PYTHON_ENV", "RUN_ENV",
           "AuthorsCodeError", "Edit", "Schedule", "apply_patch", "authors_python", "benchmark_authors",
           "changed_lines", "code_mirror_dir", "epoch_times", "patch_hash", "patch_markdown",
           "read_epoch_log", "run_cf_dns", "run_cf_gan", "selected_epoch", "tensorflow_env", "write_patched"]


def patch_markdown() -> str:
    """docs/original-code.md's table of the patched lines (``python -m irgan.original.authors_code``)."""
    rows = ["| file | line | upstream | patched | why |", "|---|---:|---|---|---|"]

    def cell(text: str | None) -> str:
        return "(inserted after this line)" if text is None else f"`{text.strip()}`".replace("|", "\\|")

    for edit in PATCH:
        new = "<br>".join(cell(line) for line in edit.new)
        rows.append(f"| `{edit.file}` | {edit.line} | {cell(edit.old)} | {new} | {edit.why} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(patch_markdown(), end="")
    print(f"\npatch sha256: `{patch_hash()}`")
