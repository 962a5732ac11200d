"""Run single steps of the authors' patched TensorFlow code on given parameters (differential tests).

Not a test module: tests/test_authors_differential.py runs it in the TensorFlow interpreter
(``irgan.original.authors_code.authors_python()``), one process for a list of jobs::

    python tests/authors_harness.py PATCHED_DIR MODE IN.npz OUT.npz [MODE IN.npz OUT.npz ...]

``PATCHED_DIR`` holds the six files as ``irgan.original.authors_code.write_patched`` writes them; the
environment names the run settings (``IRGAN_AUTHORS_RUN``: the work directory with a small
``movielens-100k-train.txt`` / ``-test.txt``), which importing ``cf_gan`` / ``cf_dns`` reads.
Each job reads its inputs (parameters in the authors' layout ``[user_emb, item_emb, item_bias]``,
float32; batches; a numpy seed or given samples), builds the authors' own graph from
``gen_model.GEN`` / ``dis_model.DIS`` / ``dis_model_dns.DIS`` with ``param=`` those arrays and the
lamda / learning rate that cf_gan.py and cf_dns.py pass, runs the authors' ops and functions, and
writes ``OUT.npz``. A failing job writes ``OUT.npz.error.txt`` (its traceback) and the others still
run; the exit status is then 1.

Where the authors have a function it is called (``utils.get_batch_data`` / ``utils.file_len``,
``cf_gan.generate_for_d``, ``cf_dns.generate_dns``); where the loop is inline in their ``main()``
it is mirrored below line for line, each mirror naming the lines it copies.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import traceback
from pathlib import Path

import numpy as np


def authors(name: str):
    """One of the authors' patched modules (cf_gan / cf_dns load their data on first import)."""
    return importlib.import_module(name)


def tf():
    import tensorflow.compat.v1 as tf1  # cf_gan.py / cf_dns.py (patched) disable v2 behaviour

    return tf1


SESSIONS = []  # the job's sessions, closed after it


def params(inputs, prefix: str) -> list[np.ndarray]:
    """``param`` as GEN / DIS take it: [user_emb, item_emb, item_bias], float32."""
    return [np.ascontiguousarray(inputs[f"{prefix}_{key}"], dtype=np.float32)
            for key in ("user", "item", "bias")]


def session():
    # cf_gan.py lines 150-153 (cf_dns.py lines 163-166)
    t = tf()
    config = t.ConfigProto()
    config.gpu_options.allow_growth = True
    sess = t.Session(config=config)
    sess.run(t.global_variables_initializer())
    SESSIONS.append(sess)
    return sess


def saved(sess, model, prefix: str) -> dict[str, np.ndarray]:
    user, item, bias = sess.run([model.user_embeddings, model.item_embeddings, model.item_bias])
    return {f"{prefix}_user": user, f"{prefix}_item": item, f"{prefix}_bias": bias}


def generator(inputs):
    """cf_gan.py lines 145-146, with the given start (``param``) as there."""
    cf_gan = authors("cf_gan")
    return cf_gan.GEN(cf_gan.ITEM_NUM, cf_gan.USER_NUM, cf_gan.EMB_DIM, lamda=0.0 / cf_gan.BATCH_SIZE,
                      param=params(inputs, "g"), initdelta=cf_gan.INIT_DELTA, learning_rate=0.001)


def discriminator(inputs):
    """cf_gan.py lines 147-148, but ``param=`` the given arrays instead of a random init."""
    cf_gan = authors("cf_gan")
    return cf_gan.DIS(cf_gan.ITEM_NUM, cf_gan.USER_NUM, cf_gan.EMB_DIM, lamda=0.1 / cf_gan.BATCH_SIZE,
                      param=params(inputs, "d"), initdelta=cf_gan.INIT_DELTA, learning_rate=0.001)


def dns_discriminator(inputs):
    """cf_dns.py line 160, but ``param=`` the given arrays instead of None (random init)."""
    cf_dns = authors("cf_dns")
    return cf_dns.DIS(cf_dns.ITEM_NUM, cf_dns.USER_NUM, cf_dns.EMB_DIM, lamda=0.1, param=params(inputs, "d"),
                      initdelta=0.05, learning_rate=0.05)


def write_triples(path: Path, users, positives, negatives) -> None:
    """A D training file as generate_for_d / generate_dns write it (cf_gan.py lines 136-139)."""
    data = [str(u) + '\t' + str(i) + '\t' + str(j)
            for u, i, j in zip(users, positives, negatives, strict=True)]
    with open(path, 'w') as fout:
        fout.write('\n'.join(data))


def read_triples(path: Path) -> dict[str, np.ndarray]:
    rows = np.array([[int(x) for x in line.split()] for line in Path(path).read_text().splitlines()])
    return {"users": rows[:, 0], "positives": rows[:, 1], "negatives": rows[:, 2]}


# -- the jobs ---------------------------------------------------------------------------------


def d_step(inputs, work: Path) -> dict:
    """One ``sess.run(discriminator.d_updates)`` (cf_gan.py lines 180-182) on the given batch."""
    D = discriminator(inputs)
    sess = session()
    input_user, input_item, input_label = (inputs[k].tolist() for k in ("users", "items", "labels"))
    _ = sess.run(D.d_updates, feed_dict={D.u: input_user, D.i: input_item, D.label: input_label})
    return saved(sess, D, "d")


def d_epoch(inputs, work: Path) -> dict:
    """One D-epoch over the given triples, read back by the authors' linecache batching."""
    ut = authors("cf_gan").ut
    BATCH_SIZE = authors("cf_gan").BATCH_SIZE
    D = discriminator(inputs)
    sess = session()
    DIS_TRAIN_FILE = str(work / "dis-train.txt")
    write_triples(DIS_TRAIN_FILE, inputs["users"], inputs["positives"], inputs["negatives"])
    steps = 0
    # cf_gan.py lines 168-182, line for line (the regeneration of line 167 is the file just written;
    # ``discriminator`` is ``D`` here, and the count of steps is added)
    train_size = ut.file_len(DIS_TRAIN_FILE)
    index = 1
    while True:
        if index > train_size:
            break
        if index + BATCH_SIZE <= train_size + 1:
            input_user, input_item, input_label = ut.get_batch_data(DIS_TRAIN_FILE, index, BATCH_SIZE)
        else:
            input_user, input_item, input_label = ut.get_batch_data(DIS_TRAIN_FILE, index,
                                                                    train_size - index + 1)
        index += BATCH_SIZE

        _ = sess.run(D.d_updates,
                     feed_dict={D.u: input_user, D.i: input_item,
                                D.label: input_label})
        steps += 1
    return {**saved(sess, D, "d"), "steps": np.array(steps), "train_size": np.array(train_size)}


def g_step_body(sess, generator, discriminator, u, pos, sample=None):
    """The body of cf_gan.py's G-epoch loop ``for u in user_pos_train:``, lines 187-208, line for
    line; a given ``sample`` replaces line 198's draw. Returns what the lines compute."""
    ITEM_NUM = authors("cf_gan").ITEM_NUM
    sample_lambda = 0.2
    # pos = user_pos_train[u]  (line 188: the caller passes it)

    rating = sess.run(generator.all_logits, {generator.u: u})
    exp_rating = np.exp(rating)
    prob = exp_rating / np.sum(exp_rating)  # prob is generator distribution p_\theta

    pn = (1 - sample_lambda) * prob
    pn[pos] += sample_lambda * 1.0 / len(pos)
    # Now, pn is the Pn in importance sampling, prob is generator distribution p_\theta

    if sample is None:
        sample = np.random.choice(np.arange(ITEM_NUM), 2 * len(pos), p=pn)  # noqa: NPY002  (the code's)
    ###########################################################################
    # Get reward and adapt it with importance sampling
    ###########################################################################
    reward = sess.run(discriminator.reward, {discriminator.u: u, discriminator.i: sample})
    raw_reward = reward
    reward = reward * prob[sample] / pn[sample]
    ###########################################################################
    # Update G
    ###########################################################################
    _ = sess.run(generator.gan_updates,
                 {generator.u: u, generator.i: sample, generator.reward: reward})
    return {"sample": np.asarray(sample), "raw_reward": raw_reward, "reward": reward, "prob": prob, "pn": pn}


def g_step(inputs, work: Path) -> dict:
    """One G-step for one user with the given samples; the reward from D, as the code computes it."""
    G, D = generator(inputs), discriminator(inputs)
    sess = session()
    u = int(inputs["user"])
    pos = inputs["pos"].tolist()
    out = g_step_body(sess, G, D, u, pos, sample=inputs["sample"])
    return {**saved(sess, G, "g"), **out}


def g_epoch(inputs, work: Path) -> dict:
    """One G-epoch (cf_gan.py lines 186-208) over the users of the work directory's train file."""
    cf_gan = authors("cf_gan")
    G, D = generator(inputs), discriminator(inputs)
    sess = session()
    np.random.seed(int(inputs["seed"]))  # noqa: NPY002  (the code draws from numpy's global state)
    parts = []
    for u in cf_gan.user_pos_train:  # line 186
        pos = cf_gan.user_pos_train[u]  # line 188
        parts.append(g_step_body(sess, G, D, u, pos))
    joined = {key: np.concatenate([p[key] for p in parts]) for key in ("sample", "raw_reward", "reward")}
    per_user = {key: np.stack([p[key] for p in parts]) for key in ("prob", "pn")}
    return {**saved(sess, G, "g"), **joined, **per_user, "users": np.array(list(cf_gan.user_pos_train))}


def d_sample(inputs, work: Path) -> dict:
    """D's training data, drawn by ``cf_gan.generate_for_d`` (temperature 0.2) after np.random.seed."""
    cf_gan = authors("cf_gan")
    G = generator(inputs)
    sess = session()
    np.random.seed(int(inputs["seed"]))  # noqa: NPY002  (the code draws from numpy's global state)
    filename = work / "dis-train.txt"
    cf_gan.generate_for_d(sess, G, str(filename))
    # the distribution each user's draws came from, recomputed as lines 129-132 do (deterministic)
    users = list(cf_gan.user_pos_train)
    prob = []
    for u in users:
        rating = sess.run(G.all_rating, {G.u: [u]})
        rating = np.array(rating[0]) / 0.2  # Temperature
        exp_rating = np.exp(rating)
        prob.append(exp_rating / np.sum(exp_rating))
    return {**read_triples(filename), "prob": np.array(prob), "prob_users": np.array(users)}


def dns_choice(inputs, work: Path) -> dict:
    """DNS's negatives, chosen by ``cf_dns.generate_dns`` (best of 5 candidates) after np.random.seed."""
    cf_dns = authors("cf_dns")
    D = dns_discriminator(inputs)
    sess = session()
    np.random.seed(int(inputs["seed"]))  # noqa: NPY002  (the code draws from numpy's global state)
    filename = work / "dis-train.txt"
    cf_dns.generate_dns(sess, D, str(filename))
    users = list(cf_dns.user_pos_train)
    scores = np.array([sess.run(D.dns_rating, {D.u: u}) for u in users])  # line 57, per user
    return {**read_triples(filename), "scores": scores, "score_users": np.array(users)}


def bpr(inputs, work: Path) -> dict:
    """BPR steps of cf_dns.py over the given triples, one ``d_updates`` per line (lines 175-183)."""
    D = dns_discriminator(inputs)
    sess = session()
    DIS_TRAIN_FILE = str(work / "dis-train.txt")
    write_triples(DIS_TRAIN_FILE, inputs["users"], inputs["positives"], inputs["negatives"])
    steps = 0
    # cf_dns.py lines 175-183, line for line (``discriminator`` is ``D``; the count of steps is added)
    with open(DIS_TRAIN_FILE) as fin:
        for line in fin:
            line = line.split()
            u = int(line[0])
            i = int(line[1])
            j = int(line[2])
            _ = sess.run(D.d_updates,
                         feed_dict={D.u: [u], D.pos: [i],
                                    D.neg: [j]})
            steps += 1
    return {**saved(sess, D, "d"), "steps": np.array(steps)}


MODES = {"d_step": d_step, "d_epoch": d_epoch, "g_step": g_step, "g_epoch": g_epoch,
         "d_sample": d_sample, "dns_choice": dns_choice, "bpr": bpr}


def run_job(mode: str, source: Path, target: Path) -> bool:
    try:
        with np.load(source) as data:
            inputs = {key: data[key] for key in data.files}
        with tf().Graph().as_default(), tempfile.TemporaryDirectory(dir=target.parent) as work:
            try:
                out = MODES[mode](inputs, Path(work))
            finally:
                while SESSIONS:
                    SESSIONS.pop().close()
        np.savez(target, **{key: np.asarray(value) for key, value in out.items()})
        return True
    except Exception:
        Path(f"{target}.error.txt").write_text(traceback.format_exc())
        return False


def main(argv: list[str]) -> int:
    if len(argv) < 5 or (len(argv) - 2) % 3:
        print(__doc__, file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(argv[1]).resolve()))  # the patched files import each other by name
    jobs = [argv[k:k + 3] for k in range(2, len(argv), 3)]
    unknown = [mode for mode, _, _ in jobs if mode not in MODES]
    if unknown:
        print(f"unknown mode(s) {unknown}; one of {sorted(MODES)}", file=sys.stderr)
        return 2
    tf().disable_v2_behavior()  # as the patched cf_gan.py / cf_dns.py do first (line 2)
    ok = [run_job(mode, Path(source), Path(target)) for mode, source, target in jobs]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
