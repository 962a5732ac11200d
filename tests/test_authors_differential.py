"""Differential test: every training step of the authors' TensorFlow code against this project's.

The authors' six files (patched by irgan/original/authors_code.py to run on Python 3 + tf.compat.v1) run
in the TensorFlow interpreter (``IRGAN_AUTHORS_PYTHON``) through tests/authors_harness.py, which
builds their GEN / DIS graphs from the parameters given here and runs their own ops, functions
and loops. The same parameters and the same random draws go into this project's steps: the
compiled numba kernels of irgan/train/kernels.py (what produced the study's numbers) and the readable
torch reference of irgan/train/irgan_pointwise.py and irgan/train/dns.py. The parameters after each step,
the rewards and the sampled items must agree to float32 rounding (tolerances below).

Identical draws: numpy's legacy ``np.random.choice(a, size, p=p)`` takes ``size`` uniforms from
``random_sample`` and returns ``searchsorted(cumsum(p) / cumsum(p)[-1], uniforms, side='right')``,
so the uniforms of the authors' seeded ``np.random`` are ``RandomState(seed).random_sample(n)``,
in the order of their loops; ``np.random.choice(list, 5)`` (no ``p``) takes
``randint(0, len(list), 5)`` instead, whose indices are handed to the project as the uniforms
``(index + 0.5) / len(list)``.

One process runs every job (TensorFlow starts in about 4 s); each test reads its own job's output.
Without a TensorFlow interpreter the module is skipped, unless IRGAN_REQUIRE_AUTHORS_CODE=1 (CI).
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from irgan.data.dataset import Pairs
from irgan.models.pickles import load_numpy_pickle
from irgan.original.authors_code import (
    CODE_FILES,
    PYTHON_ENV,
    RUN_ENV,
    authors_python,
    code_mirror_dir,
    tensorflow_env,
    write_patched,
)
from irgan.study.config import load_config
from irgan.study.variants import resolve_variant
from irgan.train import kernels
from irgan.train.components import MFParams, Positives
from irgan.train.dns import bpr_epoch, bpr_step, dns_negatives
from irgan.train.irgan_pointwise import (
    Triples,
    discriminator_epoch,
    discriminator_step,
    generator_epoch,
    generator_step,
    item_rewards,
    sample_for_discriminator,
    user_batches,
)
from irgan.train.sampling import sample_inverse_cdf
from tests.conftest import mirror_dir

REQUIRE_ENV = "IRGAN_REQUIRE_AUTHORS_CODE"
HARNESS = Path(__file__).with_name("authors_harness.py")
CONFIG = load_config()
SETTINGS = resolve_variant(CONFIG["irgan"], "code")  # the study's "code" variant: the authors' constants
DNS = CONFIG["pretraining"]["dns"]
N_USERS, N_ITEMS = 943, 1683  # cf_gan.py's USER_NUM, ITEM_NUM
USERS = (0, 1, 2, 3, 4)  # the users of the small work directory: 166 training positives
SEED = 2017

# slow: it starts the TensorFlow interpreter (about 10 s for the whole module on 2 busy cores)
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_torch_thread")]


# -- tolerances -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tolerance:
    """Parameters after the step(s): |got - want| <= atol + rtol |want|. Updates (after - before),
    the sharp check, since lr 0.001 moves parameters by only 1e-6..1e-4 (below atol): |Δgot - Δwant|
    <= ulps * spacing(float32 of the largest value the parameter passed through) + update_rtol |Δwant|."""

    rtol: float
    atol: float
    ulps: float
    update_rtol: float


# One SGD step (a D batch of 16 triples, one G user, one BPR triple) from identical float32
# parameters: both sides compute the same float32 gradients, summed in another order (TF's kernels
# vs numba / torch; numba may fuse a multiply-add), so the gradients agree to ~1e-6 relative and
# each stored parameter to its last rounding. Parameters: the usual rtol 1e-5 / atol 1e-6. Updates:
# 2 spacings (1 for the final rounding, 1 for margin; a row repeated in a batch is rewritten once
# per repetition by both codes, in the same order) plus 1e-5 of the update. Measured: bit-identical
# or 1 spacing everywhere.
STEP = Tolerance(rtol=1e-5, atol=1e-6, ulps=2, update_rtol=1e-5)
# A whole epoch (3 D batches, 5 G users, 30 BPR triples): each step reads what the previous one
# wrote, so rounding differences can carry over and add up (every G step rewrites every item): still
# float32 level, 8 spacings and 1e-4 of the update. Measured: at most 1 spacing.
EPOCH = Tolerance(rtol=1e-5, atol=1e-6, ulps=8, update_rtol=1e-4)
# D's rewards 2 * (sigmoid(f) - 0.5) in float32: the subtraction cancels, so the error is absolute:
# that of the sigmoid (in [0.3, 0.7], float32 spacing 2**-25..2**-24), doubled. TF's float32 sigmoid
# (Eigen's rational approximation) was measured 2.3e-7 off the exact reward, torch's 1.1e-7: eight
# spacings of 2**-24 (4.8e-7) bound both. Measured difference: 3.0e-7.
REWARD = {"rtol": 0.0, "atol": 8 * 2.0**-24}
# Scores f(u, i) = <p_u, q_i> + b_i in float32 (TF's reduce_sum of a product vs torch's matmul): a
# few roundings of values below 2 in magnitude.
SCORE = {"rtol": 1e-6, "atol": 1e-7}
# Sampled item ids must be identical; the only admissible difference is a uniform that falls within
# float32 rounding of a cdf boundary (the two codes' probabilities differ in their last bits: exp
# then a division by the float32 sum vs exp(f - max) and a float64 running sum), where two adjacent
# items can swap. A mismatch counts as explained only if the uniform lies within CDF_TIE of the
# authors' cdf between the two items (float32 probabilities: ~1e-7 relative); the tests print the
# count (0 with these seeds).
CDF_TIE = 1e-6
# DNS keeps the best-scored of 5 candidates: a different choice is admissible only when the two
# candidates' scores tie to float32 rounding (the tests print the count: 0).
SCORE_TIE = 1e-6


# -- the authors' side: one harness process for every job -----------------------------------------


def _required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


def _unavailable(reason: str):
    if _required():
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
    pytest.skip(reason)


def tensorflow_python() -> str:
    python = authors_python()
    try:
        found = subprocess.run([python, "-c", "import tensorflow"], capture_output=True, timeout=300,
                               env=tensorflow_env()).returncode == 0
    except (OSError, subprocess.SubprocessError):
        found = False
    if not found:
        _unavailable(f"{python} has no TensorFlow (set {PYTHON_ENV} to a python with tensorflow-cpu)")
    return python


def params_from(user: np.ndarray, item: np.ndarray, bias: np.ndarray) -> MFParams:
    """MFParams from the authors' layout [user (U, d), item (I, d), bias (I,)] (items transposed)."""
    return MFParams(torch.tensor(np.asarray(user, np.float32)),
                    torch.tensor(np.ascontiguousarray(np.asarray(item, np.float32).T)),
                    torch.tensor(np.asarray(bias, np.float32)))


def authors_layout(params: MFParams, prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}_user": params.user.numpy().copy(), f"{prefix}_item": params.item_t.numpy().T.copy(),
            f"{prefix}_bias": params.bias.numpy().copy()}


def random_params(seed: int, scale: float, bias_scale: float) -> MFParams:
    rng = np.random.RandomState(seed)
    return params_from(rng.uniform(-scale, scale, (N_USERS, 5)), rng.uniform(-scale, scale, (N_ITEMS, 5)),
                       rng.uniform(-bias_scale, bias_scale, N_ITEMS))


def read_positives(path: Path) -> Positives:
    """Training positives as cf_gan.py reads them (rating > 3.99, users ascending, file order)."""
    rows = np.loadtxt(path, ndmin=2)
    keep = rows[:, 2] > 3.99
    return Positives.from_pairs(Pairs(rows[keep, 0].astype(np.int64), rows[keep, 1].astype(np.int64)),
                                N_USERS, N_ITEMS)


@dataclass
class Problem:
    positives: Positives
    start: MFParams  # the released DNS start (model_dns_ori.pkl): G's start in cf_gan.py
    critic: MFParams  # a D with logits of ~0.35 sd, so rewards and D's gradients are far from 0
    d_init: MFParams  # a D as the authors initialise it: uniform(-0.05, 0.05), biases 0
    inputs: dict[str, tuple[str, dict]]  # job -> (harness mode, inputs)


def build_problem(data: Path) -> Problem:
    positives = read_positives(data)
    start = params_from(*load_numpy_pickle(mirror_dir() / "model_dns_ori.pkl"))
    critic = random_params(1, 0.5, 0.5)
    d_init = random_params(2, 0.05, 0.0)
    rng = np.random.RandomState(3)
    pairs_u, pairs_i = positives.users, positives.items
    jobs: dict[str, tuple[str, dict]] = {}

    # (a) one D batch: 16 triples across users 2 and 3; a repeated negative and a negative that
    # is also a positive of the batch (rows updated twice in one step)
    first = int(positives.indptr[2]) + 3
    users, pos = pairs_u[first:first + 16], pairs_i[first:first + 16]
    neg = rng.randint(0, N_ITEMS, 16)
    neg[5], neg[9] = neg[2], pos[11]
    jobs["d_step"] = ("d_step", {**authors_layout(critic, "d"), "users": np.repeat(users, 2),
                                 "items": np.stack([pos, neg], 1).ravel(),
                                 "labels": np.tile([1.0, 0.0], 16)})
    # (b) a D-epoch over 37 triples (users 1 and 2): batches of 16, 16 and the last partial 5
    first = int(positives.indptr[1])
    neg = rng.randint(0, N_ITEMS, 37)
    neg[3], neg[20] = neg[1], pairs_i[first + 22]
    jobs["d_epoch"] = ("d_epoch", {**authors_layout(d_init, "d"), "users": pairs_u[first:first + 37],
                                   "positives": pairs_i[first:first + 37], "negatives": neg})
    # (c) one G-step for user 2 with given samples: positives (one twice) and other items (one twice)
    user = 2
    own = pairs_i[positives.indptr[user]:positives.indptr[user + 1]]
    others = rng.choice(np.setdiff1d(np.arange(N_ITEMS), own), 9, replace=False)
    sample = np.concatenate([own[:8], own[:1], others, others[:2]])
    rng.shuffle(sample)
    jobs["g_step"] = ("g_step", {**authors_layout(start, "g"), **authors_layout(critic, "d"),
                                 "user": np.array(user), "pos": own, "sample": sample})
    # (d) a G-epoch over the 5 users, np.random seeded
    jobs["g_epoch"] = ("g_epoch", {**authors_layout(start, "g"), **authors_layout(critic, "d"),
                                   "seed": np.array(SEED)})
    # (e) D's data from the start at temperature 0.2, np.random seeded
    jobs["d_sample"] = ("d_sample", {**authors_layout(start, "g"), "seed": np.array(SEED + 1)})
    # (f) DNS: candidates chosen by the released DNS model; one BPR step; a short BPR pass
    jobs["dns_choice"] = ("dns_choice", {**authors_layout(start, "d"), "seed": np.array(SEED + 2)})
    jobs["bpr_step"] = ("bpr", {**authors_layout(start, "d"), "users": pairs_u[100:101],
                                "positives": pairs_i[100:101], "negatives": np.array([17])})
    first = int(positives.indptr[3])
    neg = rng.randint(0, N_ITEMS, 30)
    jobs["bpr_pass"] = ("bpr", {**authors_layout(start, "d"), "users": pairs_u[first:first + 30],
                                "positives": pairs_i[first:first + 30], "negatives": neg})
    return Problem(positives, start, critic, d_init, jobs)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Run every job of the authors' side once; returns (problem, job -> outputs or error text)."""
    code = code_mirror_dir()
    if not all((code / name).is_file() for name in CODE_FILES):
        _unavailable(f"the authors' code is not in {code} (set IRGAN_CODE_MIRROR)")
    data = mirror_dir()
    if data is None or not (data / "model_dns_ori.pkl").is_file():
        _unavailable("the offline mirror of the authors' data is missing (set IRGAN_MIRROR)")
    python = tensorflow_python()
    root = tmp_path_factory.mktemp("authors")
    patched = write_patched({name: code / name for name in CODE_FILES}, root / "patched")
    work = root / "work"
    work.mkdir()
    for name in ("movielens-100k-train.txt", "movielens-100k-test.txt"):  # the 5 users' lines only
        lines = (data / name).read_text().splitlines()
        (work / name).write_text("".join(f"{line}\n" for line in lines if int(line.split()[0]) in USERS))
    settings = {"workdir": f"{work}/", "seed": SEED, "log": str(root / "epochs.jsonl"),
                "outer_epochs": 1, "d_epochs": 1, "g_epochs": 1, "epochs": 1}
    (root / "run.json").write_text(json.dumps(settings))
    problem = build_problem(work / "movielens-100k-train.txt")
    args = []
    for job, (mode, inputs) in problem.inputs.items():
        np.savez(root / f"{job}.in.npz", **inputs)
        args += [mode, str(root / f"{job}.in.npz"), str(root / f"{job}.out.npz")]
    env = {**tensorflow_env(threads=1), RUN_ENV: str(root / "run.json")}
    done = subprocess.run([python, str(HARNESS), str(patched), *args], capture_output=True, text=True,
                          env=env, cwd=root, timeout=600)
    outputs = {}
    for job in problem.inputs:
        out, error = root / f"{job}.out.npz", root / f"{job}.out.npz.error.txt"
        if out.is_file():
            with np.load(out) as saved:
                outputs[job] = {key: saved[key] for key in saved.files}
        else:
            outputs[job] = (error.read_text() if error.is_file() else f"the harness exited with "
                            f"{done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return problem, outputs


def authors_output(run, job: str) -> dict[str, np.ndarray]:
    out = run[1][job]
    if isinstance(out, str):
        pytest.fail(f"the authors' side of {job} failed:\n{out}")
    return out


# -- comparisons --------------------------------------------------------------------------------


def compare_params(what: str, got: MFParams, want: dict, prefix: str, before: MFParams,
                   tol: Tolerance) -> dict[str, float]:
    """Assert parameters and updates agree within ``tol``; returns the largest differences seen."""
    report = {}
    mine = {"user": got.user.numpy(), "item": got.item_t.numpy().T, "bias": got.bias.numpy()}
    start = {"user": before.user.numpy(), "item": before.item_t.numpy().T, "bias": before.bias.numpy()}
    for key in ("user", "item", "bias"):
        theirs = want[f"{prefix}_{key}"]
        assert theirs.dtype == np.float32 and theirs.shape == mine[key].shape
        np.testing.assert_allclose(mine[key], theirs, rtol=tol.rtol, atol=tol.atol,
                                   err_msg=f"{what}: {key} after the step(s)")
        update_mine = mine[key].astype(np.float64) - start[key]
        update_theirs = theirs.astype(np.float64) - start[key]
        assert np.abs(update_theirs).max() > 0, f"{what}: the authors' step left {key} unchanged"
        # the rounding of a stored value is one spacing of the largest value it passed through:
        # at most about |before| or |after| plus the largest update (a bias that starts at 0 and
        # goes up and back down again in one epoch keeps the rounding of its larger middle value)
        largest = np.maximum(np.abs(theirs), np.abs(start[key])) + np.abs(update_theirs).max()
        spacing = np.spacing(largest.astype(np.float32))
        excess = np.abs(update_mine - update_theirs) - (tol.ulps * spacing.astype(np.float64)
                                                       + tol.update_rtol * np.abs(update_theirs))
        worst = np.unravel_index(np.argmax(excess), excess.shape)
        assert excess.max() <= 0, (
            f"{what}: {key} update differs beyond float32 rounding at {worst}: project "
            f"{update_mine[worst]:.9g}, authors {update_theirs[worst]:.9g} (max |update| "
            f"{np.abs(update_theirs).max():.3g})")
        report[f"{key} abs"] = float(np.abs(mine[key].astype(np.float64) - theirs).max())
        report[f"{key} update ulps"] = float((np.abs(update_mine - update_theirs) / spacing).max())
        report[f"{key} update rel"] = float(np.abs(update_mine - update_theirs).max()
                                            / np.abs(update_theirs).max())
        report[f"{key} max update"] = float(np.abs(update_theirs).max())
    print(f"\n{what}: " + ", ".join(f"{k} {v:.3g}" for k, v in report.items()))
    return report


def cdf_boundary_distance(prob: np.ndarray, uniform: float, a: int, b: int) -> float:
    """How far ``uniform`` lies from the authors' cdf boundary between items ``a`` and ``b``."""
    cdf = np.cumsum(prob.astype(np.float64))
    cdf /= cdf[-1]
    return float(np.abs(cdf[min(a, b):max(a, b)] - uniform).min())


def count_sample_mismatches(what: str, got: np.ndarray, want: np.ndarray, probs: list[np.ndarray],
                            draws: np.ndarray) -> int:
    """Sampled ids must be equal except at explained cdf ties (see CDF_TIE); returns the count."""
    assert got.shape == want.shape
    bad = np.flatnonzero(got != want)
    unexplained = [k for k in bad
                   if cdf_boundary_distance(probs[k], draws[k], int(got[k]), int(want[k])) > CDF_TIE]
    print(f"\n{what}: {len(bad)} of {len(want)} sampled ids differ ({len(unexplained)} unexplained)")
    assert not unexplained, (f"{what}: sampled ids differ beyond a cdf tie at draws {unexplained[:10]}: "
                             f"project {got[unexplained[:10]]}, authors {want[unexplained[:10]]}")
    return len(bad)


def backends() -> list[str]:
    return ["compiled", "torch"] if kernels.AVAILABLE else ["torch"]


def d_settings() -> dict:
    d = SETTINGS["discriminator"]
    # what cf_gan.py passes: DIS(lamda=0.1 / BATCH_SIZE, learning_rate=0.001), batches of 16 triples
    assert (d["lr"], d["l2"], d["batch_triples"], d["l2_per_example"]) == (0.001, 0.1 / 16, 16, True)
    return SETTINGS


def g_settings() -> dict:
    g = SETTINGS["generator"]
    # GEN(lamda=0.0 / BATCH_SIZE, learning_rate=0.001); sample_lambda 0.2; 2 * len(pos) samples
    assert (g["lr"], g["l2"], g["positive_mix"], g["samples_per_positive"]) == (0.001, 0.0, 0.2, 2)
    assert (SETTINGS["reward"], SETTINGS["reward_baseline"], g["batch_users"]) == ("2sigmoid-1", "none", 1)
    return SETTINGS


# -- (a) one D-step -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", backends())
def test_one_discriminator_step(run, backend):
    problem, want = run[0], authors_output(run, "d_step")
    inputs = problem.inputs["d_step"][1]
    s = d_settings()
    D = problem.critic.clone()
    users, items = torch.as_tensor(inputs["users"]), torch.as_tensor(inputs["items"])
    if backend == "torch":
        d = s["discriminator"]
        discriminator_step(D, users, items, torch.as_tensor(inputs["labels"], dtype=torch.float32),
                           d["lr"], d["l2"], d["l2_per_example"])
    else:  # one batch of 16 triples = one step of the kernel
        data = Triples(users[0::2], items[0::2], items[1::2])
        assert discriminator_epoch(D, data, s, "compiled")[1] == 1
    compare_params(f"D-step ({backend})", D, want, "d", problem.critic, STEP)


# -- (b) a D-epoch with the last partial batch ----------------------------------------------------


@pytest.mark.parametrize("backend", backends())
def test_one_discriminator_epoch_with_the_last_partial_batch(run, backend):
    problem, want = run[0], authors_output(run, "d_epoch")
    inputs = problem.inputs["d_epoch"][1]
    D = problem.d_init.clone()
    data = Triples(*(torch.as_tensor(inputs[k]) for k in ("users", "positives", "negatives")))
    _, steps = discriminator_epoch(D, data, d_settings(), backend)
    assert int(want["train_size"]) == 37 and steps == int(want["steps"]) == 3  # 16 + 16 + 5
    compare_params(f"D-epoch ({backend})", D, want, "d", problem.d_init, EPOCH)


# -- (c) one G-step ----------------------------------------------------------------------------


def midpoint_draws(G: MFParams, user: int, own: np.ndarray, sample: np.ndarray) -> torch.Tensor:
    """Uniforms at the middle of each sampled item's interval of pn's cdf (float64), so that
    the project's inverse-cdf draw returns exactly ``sample``: half an interval (>= 1e-4) is
    far from any float32 rounding."""
    logits = G.user[user].double() @ G.item_t.double() + G.bias.double()
    prob = torch.softmax(logits, 0).numpy()
    pn = 0.8 * prob
    np.add.at(pn, own, 0.2 / len(own))
    cdf = np.cumsum(pn) / pn.sum()
    draws = torch.tensor((cdf[sample] - pn[sample] / pn.sum() / 2)[None])
    assert torch.equal(sample_inverse_cdf(torch.tensor(pn[None]), draws)[0], torch.as_tensor(sample))
    return draws


@pytest.mark.parametrize("backend", backends())
def test_one_generator_step(run, backend):
    problem, want = run[0], authors_output(run, "g_step")
    inputs = problem.inputs["g_step"][1]
    s = g_settings()
    user, own, sample = int(inputs["user"]), inputs["pos"], inputs["sample"]
    assert np.array_equal(want["sample"], sample)
    one = Positives.from_pairs(Pairs(np.full(len(own), user), own), N_USERS, N_ITEMS)
    mask = problem.positives.mask()
    draws = midpoint_draws(problem.start, user, own, sample)
    # the reward before importance weighting: D's 2 * (sigmoid(f) - 0.5)
    reward = item_rewards(s["reward"], problem.critic, torch.tensor([user]), torch.as_tensor(sample)[None],
                          mask)[0].numpy()
    np.testing.assert_allclose(reward, want["raw_reward"], **REWARD)
    print(f"\nG-step rewards: max abs difference {np.abs(reward - want['raw_reward']).max():.3g}")
    G = problem.start.clone()
    if backend == "torch":
        batch = user_batches(one, 1, 2, torch.device("cpu"))[0]
        generator_step(G, problem.critic, batch, draws[0][batch.draw_index], s, mask)
    else:
        generator_epoch(G, problem.critic, one, [], draws[0], s, "compiled", mask)
    compare_params(f"G-step ({backend})", G, want, "g", problem.start, STEP)


# -- (d) a G-epoch: the authors' draws, importance weights and rewards ---------------------------


def authors_uniforms(seed: int, n: int) -> np.ndarray:
    """The uniforms np.random.choice(..., p=...) takes after np.random.seed(seed), in order."""
    return np.random.RandomState(seed).random_sample(n)


def test_the_authors_draws_are_inverse_cdf_of_these_uniforms(run):
    """np.random.choice(p=pn) in the authors' G-epoch = the project's sampler on the same uniforms."""
    problem, want = run[0], authors_output(run, "g_epoch")
    positives = problem.positives
    assert want["users"].tolist() == positives.user_ids.tolist()
    draws = authors_uniforms(SEED, 2 * len(positives))
    got = np.concatenate([
        sample_inverse_cdf(torch.tensor(want["pn"][k][None]),
                           torch.tensor(draws[2 * positives.indptr[k]:2 * positives.indptr[k + 1]][None]))[0]
        for k in range(len(positives.user_ids))])
    probs = [want["pn"][k] for k in positives.row for _ in range(2)]
    # the same float64 cdf of the same float32 pn as numpy's choice: no tie can differ here
    assert count_sample_mismatches("G-epoch draws", got, want["sample"], probs, draws) == 0


@pytest.mark.parametrize("backend", backends())
def test_one_generator_epoch(run, backend):
    problem, want = run[0], authors_output(run, "g_epoch")
    positives = problem.positives
    s = g_settings()
    draws = torch.from_numpy(authors_uniforms(SEED, 2 * len(positives)))
    G = problem.start.clone()
    batches = user_batches(positives, 1, 2, torch.device("cpu")) if backend == "torch" else []
    generator_epoch(G, problem.critic, positives, batches, draws, s, backend, positives.mask())
    compare_params(f"G-epoch ({backend})", G, want, "g", problem.start, EPOCH)


def test_the_generator_epochs_rewards(run):
    """D's rewards 2 * (sigmoid(f_D) - 0.5) of the items the authors' G-epoch drew."""
    problem, want = run[0], authors_output(run, "g_epoch")
    positives = problem.positives
    users = torch.as_tensor(np.repeat(positives.users, 2))
    raw = item_rewards("2sigmoid-1", problem.critic, users, torch.as_tensor(want["sample"])[:, None],
                       positives.mask())[:, 0]
    np.testing.assert_allclose(raw.numpy(), want["raw_reward"], **REWARD)
    print(f"\nG-epoch rewards: max abs difference {np.abs(raw.numpy() - want['raw_reward']).max():.3g}")


# -- (e) D's temperature-0.2 sample ----------------------------------------------------------------


@pytest.mark.parametrize("backend", backends())
def test_discriminator_sample_at_temperature_0_2(run, backend):
    problem, want = run[0], authors_output(run, "d_sample")
    positives = problem.positives
    assert want["users"].tolist() == positives.users.tolist()  # the authors' order: users ascending,
    assert want["positives"].tolist() == positives.items.tolist()  # each user's positives in file order
    assert want["prob_users"].tolist() == positives.user_ids.tolist()
    draws = authors_uniforms(SEED + 1, len(positives))
    got = sample_for_discriminator(problem.start, positives, SETTINGS["discriminator"]["temperature"],
                                   torch.from_numpy(draws), torch.device("cpu"), backend).numpy()
    probs = [want["prob"][k] for k in positives.row]
    count_sample_mismatches(f"D's sample ({backend})", got, want["negatives"], probs, draws)


# -- (f) DNS: the candidate choice and BPR steps ------------------------------------------------------


def test_dns_candidate_choice(run):
    problem, want = run[0], authors_output(run, "dns_choice")
    positives = problem.positives
    assert want["users"].tolist() == positives.users.tolist()
    assert want["positives"].tolist() == positives.items.tolist()
    model = problem.start
    scores = model.score(torch.as_tensor(positives.user_ids))
    assert want["score_users"].tolist() == positives.user_ids.tolist()
    np.testing.assert_allclose(scores.numpy(), want["scores"], **SCORE)
    print(f"\nDNS scores: max abs difference {np.abs(scores.numpy() - want['scores']).max():.3g}")
    table, counts = positives.non_positive_table()
    # np.random.choice(candidates, 5) draws randint(0, len(candidates), 5); candidates ascending
    rng = np.random.RandomState(SEED + 2)
    k = DNS["candidates"]
    index = np.stack([rng.randint(0, int(counts[row]), k) for row in positives.row])
    draws = torch.from_numpy((index + 0.5) / counts.numpy()[positives.row][:, None])
    rows = torch.as_tensor(positives.row)
    got = dns_negatives(scores, table, counts, rows, draws).numpy()
    candidates = table[rows[:, None], torch.from_numpy(index)].numpy()
    assert (candidates == got[:, None]).any(1).all()
    bad = np.flatnonzero(got != want["negatives"])
    ties = [t for t in bad if abs(float(scores[positives.row[t], got[t]])
                                  - float(scores[positives.row[t], want["negatives"][t]])) <= SCORE_TIE]
    print(f"\nDNS choice: {len(bad)} of {len(got)} negatives differ "
          f"({len(bad) - len(ties)} beyond a score tie)")
    assert len(bad) == len(ties), (f"DNS negatives differ at {bad[:10]}: project {got[bad[:10]]}, "
                                   f"authors {want['negatives'][bad[:10]]}")


@pytest.mark.parametrize("backend", backends())
def test_one_bpr_step(run, backend):
    problem, want = run[0], authors_output(run, "bpr_step")
    inputs = problem.inputs["bpr_step"][1]
    model = problem.start.clone()
    u, i, j = (torch.as_tensor(inputs[k]) for k in ("users", "positives", "negatives"))
    if backend == "torch":
        bpr_step(model, u, i, j, DNS["lr"], DNS["l2"])
    else:
        bpr_epoch(model, u, i, j, DNS["lr"], DNS["l2"], "compiled")
    assert int(want["steps"]) == 1 and (DNS["lr"], DNS["l2"]) == (0.05, 0.1)  # cf_dns.py's DIS(...)
    compare_params(f"BPR step ({backend})", model, want, "d", problem.start, STEP)


@pytest.mark.parametrize("backend", backends())
def test_a_bpr_pass_in_file_order(run, backend):
    problem, want = run[0], authors_output(run, "bpr_pass")
    inputs = problem.inputs["bpr_pass"][1]
    model = problem.start.clone()
    triples = (torch.as_tensor(inputs[k]) for k in ("users", "positives", "negatives"))
    bpr_epoch(model, *triples, DNS["lr"], DNS["l2"], backend)
    assert int(want["steps"]) == 30
    compare_params(f"BPR pass ({backend})", model, want, "d", problem.start, EPOCH)
