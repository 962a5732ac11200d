"""Compiled inner loops: the millions of tiny sequential SGD steps of the authors' schedule.

IRGAN's faithful schedule is about 4.1 M discriminator steps (batches of 16
triples) and 0.7 M generator steps (one user each) per run; every step reads
parameters the previous step wrote, so the steps cannot be batched without
changing the algorithm. Python-level overhead per step (a few microseconds
per torch call) would dominate, so each *epoch* of steps is one call into a
numba-compiled loop that updates the parameter arrays in place.

The math is exactly that of the readable torch steps in
:mod:`irgan.train.irgan_pointwise` and :mod:`irgan.train.dns` (tests check that both
backends agree): gradients are written in closed form and every gradient of
a step is computed from the parameters before that step, as TensorFlow's
``GradientDescentOptimizer`` does. All randomness comes in as pre-drawn
uniforms, so the kernels are deterministic.

Layout: user embeddings ``(n_users, dim)``, item embeddings TRANSPOSED
``(dim, n_items)`` (so the generator's loops over all items vectorise), item
biases ``(n_items,)``; all float32, C-contiguous, modified in place.
"""

from __future__ import annotations

import math

import numpy as np

try:  # numba is a declared dependency; without it the torch backend still works.
    import numba
    from llvmlite import ir
    from numba.core import types
    from numba.extending import intrinsic

    _njit = numba.njit(cache=True, nogil=True, fastmath={"reassoc", "contract", "arcp"})
    _inline = numba.njit(cache=True, inline="always", fastmath={"contract"})
    AVAILABLE = True

    @intrinsic
    def _float32_from_bits(typingctx, bits):
        """Reinterpret an int32 as a float32 (a free LLVM bitcast, so loops still vectorise)."""
        if isinstance(bits, types.Integer) and bits.bitwidth == 32:
            def codegen(context, builder, signature, args):
                return builder.bitcast(args[0], ir.FloatType())

            return types.float32(bits), codegen
        return None

except ImportError:  # pragma: no cover - exercised only where numba is missing
    numba = None
    AVAILABLE = False

    def _njit(function):
        return function

    _inline = _njit


# Reward codes shared with irgan.train.irgan_pointwise.REWARDS (a numba kernel cannot take strings cheaply).
REWARD_CODES = {"2sigmoid-1": 0, "sigmoid": 1, "log-sigmoid": 2, "softplus": 3, "label": 4}
BASELINE_CODES = {"none": 0, "mean": 1, "moving-average": 2}

_F32 = np.float32


@_inline
def _exp32(x):
    """exp(x) in float32 to about 1 ulp (Cephes' expf): the libm call does not vectorise, and
    the generator's softmax takes about 1.6 M exponentials per G-epoch. Inputs below -87 give
    exp(-87) instead of a denormal or zero."""
    x = min(max(x, _F32(-87.0)), _F32(88.0))
    n = math.floor(x * _F32(1.44269504088896341) + _F32(0.5))
    r = x - n * _F32(0.693359375) - n * _F32(-2.12194440e-4)
    p = _F32(1.9875691500e-4)
    p = p * r + _F32(1.3981999507e-3)
    p = p * r + _F32(8.3334519073e-3)
    p = p * r + _F32(4.1665795894e-2)
    p = p * r + _F32(1.6666665459e-1)
    p = p * r + _F32(5.0000001201e-1)
    p = p * r * r + r + _F32(1.0)
    return p * _float32_from_bits(np.int32((np.int32(n) + np.int32(127)) << np.int32(23)))


@_njit
def exp32_array(values, out):
    """Elementwise :func:`_exp32` (for tests)."""
    for i in range(values.shape[0]):
        out[i] = _exp32(values[i])


@_njit
def _sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@_njit
def _softplus(x):
    """log(1 + e^x), stable for large |x|."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


@_inline
def _sigmoid_and_exp(logit):
    """sigmoid(logit) and e = exp(-|logit|) from one exponential (log1p(e) gives the softplus)."""
    e = _exp32(-abs(logit))
    if logit >= 0:
        return _F32(1.0) / (_F32(1.0) + e), e
    return e / (_F32(1.0) + e), e


@_njit
def _reward(code, logit):
    """The generator's reward for D's logit (float32 math, as the authors' TensorFlow graph)."""
    if code == 0:
        sig, _ = _sigmoid_and_exp(_F32(logit))
        return _F32(2.0) * sig - _F32(1.0)
    if code == 1:
        sig, _ = _sigmoid_and_exp(_F32(logit))
        return sig
    if code == 2:
        return -_softplus(-logit)
    return _softplus(logit)


@_njit
def discriminator_epoch(user_emb, item_emb_t, item_bias, users, positives, negatives,
                        batch_triples, lr, l2, l2_per_example, with_loss):
    """One pass over (user, positive, negative) triples in batches: pointwise sigmoid cross-entropy.

    Each batch of ``b`` triples is ``2b`` examples (label 1 for the positive,
    0 for the negative). The loss of a batch is the SUM of the example losses
    plus ``l2 * (l2_loss of the gathered user, item and bias rows)``, where
    ``l2_loss(x) = sum(x**2) / 2`` and a row counts once per occurrence. With
    ``l2_per_example`` the l2 term is counted once per example (``2b`` times):
    TensorFlow 1 differentiates a non-scalar loss as its sum, and the authors'
    ``dis_model.py`` adds the scalar l2 term to the 2b-vector of
    cross-entropies. Returns the summed cross-entropy of the epoch with
    ``with_loss``, else the sum of the logits (finite unless D diverged; cheaper).
    """
    dim = user_emb.shape[1]
    n = users.shape[0]
    width = 2 * batch_triples
    grad_user = np.empty((width, dim), dtype=np.float32)
    grad_item = np.empty((width, dim), dtype=np.float32)
    grad_bias = np.empty(width, dtype=np.float32)
    example_item = np.empty(width, dtype=np.int64)
    example_user = np.empty(width, dtype=np.int64)
    lr32 = _F32(lr)
    total = 0.0
    for start in range(0, n, batch_triples):
        stop = min(start + batch_triples, n)
        n_examples = 2 * (stop - start)
        reg = _F32(l2 * n_examples if l2_per_example else l2)
        # gradients of every example from the parameters before this step
        for t in range(start, stop):
            u = users[t]
            for side in range(2):
                e = 2 * (t - start) + side
                i = positives[t] if side == 0 else negatives[t]
                label = _F32(1.0) if side == 0 else _F32(0.0)
                logit = item_bias[i]
                for d in range(dim):
                    logit += user_emb[u, d] * item_emb_t[d, i]
                sig, small = _sigmoid_and_exp(logit)
                if with_loss:
                    total += max(logit, 0.0) - label * logit + math.log1p(small)
                else:
                    total += logit
                c = sig - label
                for d in range(dim):
                    grad_user[e, d] = c * item_emb_t[d, i] + reg * user_emb[u, d]
                    grad_item[e, d] = c * user_emb[u, d] + reg * item_emb_t[d, i]
                grad_bias[e] = c + reg * item_bias[i]
                example_user[e] = u
                example_item[e] = i
        # one SGD update (repeated rows accumulate, as an IndexedSlices gradient does)
        for e in range(n_examples):
            u = example_user[e]
            i = example_item[e]
            for d in range(dim):
                user_emb[u, d] -= lr32 * grad_user[e, d]
                item_emb_t[d, i] -= lr32 * grad_item[e, d]
            item_bias[i] -= lr32 * grad_bias[e]
    return total


@_njit
def bpr_epoch(user_emb, item_emb_t, item_bias, users, positives, negatives, lr, l2):
    """DNS pre-training pass (cf_dns.py): one BPR step per (user, positive, negative) triple.

    loss = -log sigmoid(f(u,i) - f(u,j)) + l2 * l2_loss(p_u, q_i, q_j, b_i, b_j).
    Returns the summed BPR loss (without the l2 term).
    """
    dim = user_emb.shape[1]
    grad_user = np.empty(dim, dtype=np.float32)
    grad_pos = np.empty(dim, dtype=np.float32)
    grad_neg = np.empty(dim, dtype=np.float32)
    lr32, l2_32 = _F32(lr), _F32(l2)
    total = 0.0
    for t in range(users.shape[0]):
        u = users[t]
        i = positives[t]
        j = negatives[t]
        x = item_bias[i] - item_bias[j]
        for d in range(dim):
            x += user_emb[u, d] * (item_emb_t[d, i] - item_emb_t[d, j])
        sig, small = _sigmoid_and_exp(x)
        total += max(-x, 0.0) + math.log1p(small)  # -log sigmoid(x)
        c = sig - _F32(1.0)  # d(-log sigmoid(x))/dx
        for d in range(dim):
            grad_user[d] = c * (item_emb_t[d, i] - item_emb_t[d, j]) + l2_32 * user_emb[u, d]
            grad_pos[d] = c * user_emb[u, d] + l2_32 * item_emb_t[d, i]
            grad_neg[d] = -c * user_emb[u, d] + l2_32 * item_emb_t[d, j]
        grad_bias_pos = c + l2_32 * item_bias[i]
        grad_bias_neg = -c + l2_32 * item_bias[j]
        for d in range(dim):
            user_emb[u, d] -= lr32 * grad_user[d]
            item_emb_t[d, i] -= lr32 * grad_pos[d]
            item_emb_t[d, j] -= lr32 * grad_neg[d]
        item_bias[i] -= lr32 * grad_bias_pos
        item_bias[j] -= lr32 * grad_bias_neg
    return total


@_njit
def _softmax_row(user_row, item_t, bias, scale, out):
    """out = exp(scale * f(u, .) - max), returned with the max, the sum and whether every
    logit and the sum are finite (a NaN logit can vanish in max() and the clamped exponential,
    so the logits' own sum is checked: a diverged row must never reach an index)."""
    dim, n_items = item_t.shape
    for j in range(n_items):
        out[j] = bias[j]
    for d in range(dim):
        pd = user_row[d]
        for j in range(n_items):
            out[j] += pd * item_t[d, j]
    top = out[0] * scale
    check = _F32(0.0)
    for j in range(n_items):
        out[j] *= scale
        top = max(top, out[j])
        check += out[j]
    norm = _F32(0.0)
    for j in range(n_items):
        out[j] = _exp32(out[j] - top)
        norm += out[j]
    finite = math.isfinite(check) and math.isfinite(top) and math.isfinite(norm) and norm > 0
    return top, norm, finite


GUIDE_SIZE = 128


@_njit
def _guide_table(cdf, total, guide):
    """guide[m] = first j with cdf[j] > total * m / M: a search then starts next to its answer
    (the guide-table method of Chen and Asau), instead of a cache- and branch-hostile bisection."""
    n = cdf.shape[0]
    size = guide.shape[0]
    j = 0
    for m in range(size):
        threshold = total * (m / size)
        while j < n - 1 and cdf[j] <= threshold:
            j += 1
        guide[m] = j


@_njit
def _guided_search(cdf, guide, total, x):
    """First index j with cdf[j] > x (x in [0, total)), clamped into range; see _guide_table."""
    size = guide.shape[0]
    m = max(min(int(x / total * size), size - 1), 0)  # callers pass finite x < total (checked)
    j = guide[m]
    n = cdf.shape[0]
    while j < n - 1 and cdf[j] <= x:
        j += 1
    return j


@_njit
def _search(cdf, x):
    """First index j with cdf[j] > x (numpy's searchsorted side='right'), clamped into range."""
    lo = 0
    hi = cdf.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if cdf[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return min(lo, cdf.shape[0] - 1)


@_njit
def sample_from_generator(g_user, g_item_t, g_bias, user_ids, indptr, temperature, uniforms, out):
    """D's generated items: for training user k, ``indptr[k+1] - indptr[k]`` draws from
    softmax(f_G(u, .) / temperature) over all items, by inverse CDF with ``uniforms``.

    Returns -1, or the first user whose distribution is not finite (G diverged): the
    draws stop there, before a NaN could become an index."""
    n_items = g_item_t.shape[1]
    weights = np.empty(n_items, dtype=np.float32)
    cdf = np.empty(n_items, dtype=np.float64)
    scale = _F32(1.0 / temperature)
    for k in range(user_ids.shape[0]):
        _, _, finite = _softmax_row(g_user[user_ids[k]], g_item_t, g_bias, scale, weights)
        if not finite:
            return user_ids[k]
        running = 0.0
        for j in range(n_items):
            running += weights[j]
            cdf[j] = running
        for t in range(indptr[k], indptr[k + 1]):
            out[t] = _search(cdf, uniforms[t] * running)
    return -1


@_njit
def _mixture_cdf(weights, inv_norm, one_minus_mix, extra, prob, pn, cdf):
    """prob = weights * inv_norm; pn = (1 - mix) prob + extra; cdf = cumsum(pn) in float64.

    The cumulative sum runs as four interleaved chains (one per quarter of the
    items, then shifted), which is about four times faster than one dependent
    chain; it differs from a sequential sum only in the last bits. Returns the total.
    """
    n = weights.shape[0]
    quarter = n // 4
    r0 = r1 = r2 = r3 = 0.0
    for t in range(quarter):
        for q in range(4):
            j = q * quarter + t
            p = weights[j] * inv_norm
            prob[j] = p
            v = one_minus_mix * p + extra[j]
            pn[j] = v
            if q == 0:
                r0 += v
                cdf[j] = r0
            elif q == 1:
                r1 += v
                cdf[j] = r1
            elif q == 2:
                r2 += v
                cdf[j] = r2
            else:
                r3 += v
                cdf[j] = r3
    for j in range(4 * quarter, n):  # the tail continues the last chain
        p = weights[j] * inv_norm
        prob[j] = p
        v = one_minus_mix * p + extra[j]
        pn[j] = v
        r3 += v
        cdf[j] = r3
    shift1 = r0
    shift2 = r0 + r1
    shift3 = r0 + r1 + r2
    for j in range(quarter, 2 * quarter):
        cdf[j] += shift1
    for j in range(2 * quarter, 3 * quarter):
        cdf[j] += shift2
    for j in range(3 * quarter, n):
        cdf[j] += shift3
    return cdf[n - 1]


@_njit
def generator_epoch(g_user, g_item_t, g_bias, d_user, d_item_t, d_bias,
                    users, pos_indptr, pos_items, positive_mask, uniforms,
                    samples_per_positive, positive_mix, lr, l2, reward_code, baseline_code, decay,
                    baseline_state, with_loss):
    """One G-epoch: for each user in order, one policy-gradient SGD step (cf_gan.py).

    p = softmax(f_G(u, .)) over all items; pn = (1 - mix) p + mix * uniform(pos(u));
    ``samples_per_positive * |pos(u)|`` items drawn from pn by inverse CDF with
    the given uniforms (numpy's ``choice``: cumulative sum in float64,
    right-side search, uniform scaled by the total); reward r_k = R(f_D(u, s_k))
    (or 1 for a training positive and 0 otherwise with the ``label`` code),
    minus a baseline (``baseline_code`` of BASELINE_CODES: none; the user's mean reward;
    or the moving average ``baseline_state[0]``, which then moves to ``decay * b + (1 - decay) *``
    the user's mean reward, in place), times the importance
    weight p/pn; loss = -mean_k(reward_k * log p(s_k)) + l2 * l2_loss(p_u, q_s, b_s).

    ``pos_indptr`` indexes ``pos_items`` per entry of ``users``; the uniforms of
    entry ``idx`` are ``uniforms[samples_per_positive * pos_indptr[idx]:...]``.
    Returns (the summed loss over users with ``with_loss``, else a cheaper sentinel
    that is finite unless the step diverged; -1, or the first user whose sampling
    distribution is not finite: the epoch stops there, before a NaN reaches an index).
    """
    dim, n_items = g_item_t.shape
    weights = np.empty(n_items, dtype=np.float32)
    prob = np.empty(n_items, dtype=np.float32)
    pn = np.empty(n_items, dtype=np.float32)
    extra = np.zeros(n_items, dtype=np.float32)
    cdf = np.empty(n_items, dtype=np.float64)
    grad_logit = np.empty(n_items, dtype=np.float32)
    counts = np.zeros(n_items, dtype=np.float32)
    max_samples = 0
    for idx in range(users.shape[0]):
        max_samples = max(max_samples, samples_per_positive * (pos_indptr[idx + 1] - pos_indptr[idx]))
    samples = np.empty(max_samples, dtype=np.int64)
    rewards = np.empty(max_samples, dtype=np.float64)
    p_old = np.empty(dim, dtype=np.float32)
    grad_user = np.empty(dim, dtype=np.float32)
    guide = np.empty(GUIDE_SIZE, dtype=np.int64)
    one_minus_mix = _F32(1.0 - positive_mix)
    lr32, l2_32 = _F32(lr), _F32(l2)
    total = 0.0
    for idx in range(users.shape[0]):
        u = users[idx]
        first = pos_indptr[idx]
        n_pos = pos_indptr[idx + 1] - first
        n_samples = samples_per_positive * n_pos
        for d in range(dim):
            p_old[d] = g_user[u, d]
        # p = softmax(f_G(u, .)); pn mixes in the uniform distribution over u's positives
        top, norm, finite = _softmax_row(p_old, g_item_t, g_bias, _F32(1.0), weights)
        if not finite:
            return math.nan, u
        share = _F32(positive_mix / n_pos)
        for k in range(first, first + n_pos):
            extra[pos_items[k]] += share
        running = _mixture_cdf(weights, _F32(1.0) / norm, one_minus_mix, extra, prob, pn, cdf)
        for k in range(first, first + n_pos):
            extra[pos_items[k]] = 0.0
        if not (math.isfinite(running) and running > 0.0):
            return math.nan, u
        # draw from pn, score with D (or the label), importance-weight
        base = samples_per_positive * first
        _guide_table(cdf, running, guide)
        reward_sum = 0.0
        for k in range(n_samples):
            s = _guided_search(cdf, guide, running, uniforms[base + k] * running)
            samples[k] = s
            if reward_code == 4:
                r = 1.0 if positive_mask[u, s] else 0.0
            else:
                f = d_bias[s]
                for d in range(dim):
                    f += d_user[u, d] * d_item_t[d, s]
                r = _reward(reward_code, f)
            rewards[k] = r
            reward_sum += r
        baseline = 0.0
        if baseline_code == 1:
            baseline = reward_sum / n_samples
        elif baseline_code == 2:
            baseline = baseline_state[0]
            baseline_state[0] = decay * baseline + (1.0 - decay) * (reward_sum / n_samples)
        weighted_sum = 0.0
        loss = 0.0
        for k in range(n_samples):
            s = samples[k]
            w = (rewards[k] - baseline) * (prob[s] / pn[s])
            rewards[k] = w
            weighted_sum += w
            if with_loss:
                loss -= w * math.log(prob[s])
        if with_loss:
            total += loss / n_samples
            if l2 > 0:  # the l2 term of the loss (TF's l2_loss of the step's gathered rows)
                penalty = 0.0
                for d in range(dim):
                    penalty += p_old[d] * p_old[d]
                for k in range(n_samples):
                    s = samples[k]
                    penalty += g_bias[s] * g_bias[s]
                    for d in range(dim):
                        penalty += g_item_t[d, s] * g_item_t[d, s]
                total += 0.5 * l2 * penalty
        else:
            total += weighted_sum + top + norm
        # d loss / d logit_j = (sum_k w_k * p_j - sum_{k: s_k = j} w_k) / K
        scale = _F32(weighted_sum / n_samples)
        for j in range(n_items):
            grad_logit[j] = scale * prob[j]
        for k in range(n_samples):
            grad_logit[samples[k]] -= _F32(rewards[k] / n_samples)
        # one pass per embedding dimension: read q_dj for the user's gradient, then step it
        # (both from the parameters before the step, as TensorFlow's SGD)
        # Deliberately two loops: the l2 == 0 one (the authors' setting, the hot loop of the
        # whole study) skips the per-item sample counts of the l2 term.
        if l2 > 0:
            for k in range(n_samples):
                counts[samples[k]] += _F32(1.0)
            for d in range(dim):
                step = lr32 * p_old[d]
                acc = _F32(0.0)
                for j in range(n_items):
                    q = g_item_t[d, j]
                    acc += grad_logit[j] * q
                    g_item_t[d, j] = q - (step * grad_logit[j] + lr32 * l2_32 * counts[j] * q)
                grad_user[d] = acc + l2_32 * p_old[d]
            for j in range(n_items):
                g_bias[j] -= lr32 * (grad_logit[j] + l2_32 * counts[j] * g_bias[j])
            for k in range(n_samples):
                counts[samples[k]] = 0.0
        else:
            for d in range(dim):
                step = lr32 * p_old[d]
                acc = _F32(0.0)
                for j in range(n_items):
                    q = g_item_t[d, j]
                    acc += grad_logit[j] * q
                    g_item_t[d, j] = q - step * grad_logit[j]
                grad_user[d] = acc + l2_32 * p_old[d]
            for j in range(n_items):
                g_bias[j] -= lr32 * grad_logit[j]
        for d in range(dim):
            g_user[u, d] -= lr32 * grad_user[d]
    return total, -1


@_njit
def top_hits(scores, known, relevant, k):
    """Per row: relevance of the top ``k`` candidates (known items excluded; ranked by score,
    descending, ties to the higher item id, as irgan.models.evaluation ranks), and the number of
    relevant candidates. Returns (hits (rows, k) bool, n_relevant (rows,), all scores finite)."""
    rows, n = scores.shape
    hits = np.zeros((rows, k), dtype=np.bool_)
    n_relevant = np.zeros(rows, dtype=np.int64)
    top_score = np.empty(k, dtype=np.float32)
    top_item = np.empty(k, dtype=np.int64)
    finite = True
    for r in range(rows):
        filled = 0
        count = 0
        for j in range(n):
            s = scores[r, j]
            if not math.isfinite(s):
                finite = False
            if known[r, j]:
                continue
            if relevant[r, j]:
                count += 1
            if filled == k and (s < top_score[k - 1] or (s == top_score[k - 1] and j < top_item[k - 1])):
                continue
            # insert (s, j): later items win ties, so j goes before every equal score
            pos = filled if filled < k else k - 1
            while pos > 0 and top_score[pos - 1] <= s:
                if pos < k:
                    top_score[pos] = top_score[pos - 1]
                    top_item[pos] = top_item[pos - 1]
                pos -= 1
            top_score[pos] = s
            top_item[pos] = j
            if filled < k:
                filled += 1
        n_relevant[r] = count
        for p in range(filled):
            hits[r, p] = relevant[r, top_item[p]]
    return hits, n_relevant, finite
