"""Fast certified evaluation of the paper's Theorem 7.3 network (:mod:`memnets._constructions.pairwise`).

The network stores ``100 F`` with one unit per ordered opposite pair ``(i, j)``:
``P = 2 N_+ N_-`` units (18 million for 3,000 + 3,000 CIFAR images), so the layer-by-layer
engines touch ``O(N^2)`` numbers per input. This engine evaluates it by what it computes.
With ``d_k = |x - x_k|^2`` and ``D_ij = |x_i - x_j|^2``,

.. math::

    100\\,(-S_{ij}(x)) = 50 (d_i - d_j) + D_{ij}, \\qquad 100\\, r = c^2 = \\min D_{ij},

    100\\, F(x) = \\sum_i s_i\\, \\sigma\\Big(c^2 - \\sum_{j:\\, s_j \\ne s_i}
    \\sigma\\big(50 (d_i - d_j) + D_{ij}\\big)\\Big).

Since ``D_ij >= c^2``, unit ``i`` can be active only if ``d_i < d_j`` for every opposite
``j``: it is dead as soon as one term reaches ``c^2``. Per block of inputs the engine

1. computes ``d`` to all ``N`` samples with one float64 GEMM (``|x|^2 + |x_k|^2 - 2 <x, x_k>``);
2. per class, takes the nearest opposite sample ``j*`` and drops every unit whose single
   term ``50 (d_i - d_{j*}) + D_{i j*}`` certainly exceeds ``c^2`` (a vectorised test on a
   ``B x N`` array: only the side of the nearest sample survives, usually a handful of units);
3. for each surviving unit sums its terms over the *window* of opposite samples that can
   give a positive term (``d_j <= d_i + (max_j D_ij + e_a) / 50``; all others are certainly
   ``<= 0``), reading ``D_ij`` from the plan's ``N_+ x N_-`` table. No ``N^2`` pair values
   per input, no pair-unit array at all.

**Error bound** (``u = 2**-53``, ``gamma_m = m u / (1 - m u)``; every bound below is
inflated by ``1 + 1e-9`` for its own float evaluation):

* distances: ``|d~_k - d_k| <= e_d = 1.25 (2n + 12) u (|x|^2 + max_k |x_k|^2)`` (norms and
  the dot product are sums of ``n`` products, ``gamma_n`` each, then two roundings);
* ``|D~_ij - D_ij| <= e_D = D_rel max D`` (``D~`` is the exact ``D`` rounded through its
  float64 pieces, ``D_rel = (pieces + 1.25) u``);
* a term ``a~ = fl(50 fl(d~_i - d~_j) + D~_ij)``: ``|a~ - a| <= e_a = 100 e_d + e_D +
  4u (100 max_k d~_k + max D)``;
* a unit: ``T~ = sum relu(a~)`` over the window; ``|T~ - T| <= k e_a + gamma_w T~`` with
  ``k`` the terms with ``a~ > -e_a`` (the others are exactly 0 in both); value
  ``v~ = relu(c~^2 - T~)`` within ``e = e_c + k e_a + gamma_w T~ + u |c~^2 - T~|`` of the
  exact one (ReLU is 1-Lipschitz; ``e_c`` the rounding of ``c^2``); it is *certainly
  dead* (exactly 0) when ``c~^2 - T~ < -e``;
* the output: each live unit lies in ``[max(0, v~ - e), v~ + e]``; the positive units'
  intervals minus the negative ones' give ``[F_lo, F_hi]``, returned as centre and
  half-width plus ``(2m + 16) u`` times the sum of the endpoints (``m`` live units). When
  every unit is certainly dead the output is exactly 0: value 0 with bound 0, which the
  decision path (:mod:`memnets._engines.decide`) takes as exact (``F = 0`` -> ``classes[0]``).

:func:`forward_pairwise_exact` evaluates the same sum in exact integer arithmetic on the
surviving units and windows (exact distances from :mod:`memnets._core.exactgram`), for
the few inputs the float bound cannot decide; together they form the ``"pairwise"``
engine, ``(float64, exact on candidates)``, before the generic exact engine.

The network is recognised once (:func:`pairwise_plan`): the construction registers the plan
it built the layers from; any other network (a loaded file, a hand-built one) is checked by
:func:`memnets._blocks.pair_layers.match_pairwise`, which rebuilds every array from the first
layer's samples and the output's signs and compares entry by entry; anything else raises
:class:`~memnets.InputError`.
"""

from __future__ import annotations

import math
import weakref
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._blocks.pair_constants import PairwisePlan
from memnets._blocks.pair_layers import match_pairwise
from memnets._core.checks import check_scalar, check_X
from memnets._core.errors import InputError
from memnets._core.exactgram import fixed_point_exponent, gram_ints, sq_norm_ints
from memnets._core.network import ReLUNetwork
from memnets._core.progress import track
from memnets._core.rounding import U64, gamma, gammas

__all__ = ["forward_pairwise", "forward_pairwise_exact", "forward_pairwise_samples", "pairwise_plan", "register_plan"]

_BLOCK_ENTRIES = 2**21  # distances per block of inputs (16 MiB of float64)
_INFLATE = 1.0 + 1e-9


class _Eval:
    """Float views of a plan, derived once per network."""

    def __init__(self, plan: PairwisePlan) -> None:
        self.plan = plan
        X = plan.X
        self.X = X
        self.sq = np.einsum("ij,ij->i", X, X)
        self.sq_max = float(self.sq.max())
        n = X.shape[1]
        self.kappa = 1.25 * (2 * n + 12) * U64
        self.c2 = float(plan.c2)
        self.e_c = 1.01 * U64 * self.c2 + 1e-300
        D = plan.D
        DT = np.ascontiguousarray(D.T)
        self.D_max = float(D.max())
        self.e_D = plan.D_rel * self.D_max * _INFLATE
        # side 0: units of positive samples against negative ones; side 1 the reverse.
        # (own, opp, D[own, opp], D[opp, own] (row gathers are contiguous), max_j D[own, j], sign)
        self.sides = (
            (plan.pos, plan.neg, D, DT, D.max(axis=1), 1.0),
            (plan.neg, plan.pos, DT, D, D.max(axis=0), -1.0),
        )
        # column selectors of each side: a slice (views, no copies) when the samples are consecutive
        self.cols = ((_selector(plan.pos), _selector(plan.neg)), (_selector(plan.neg), _selector(plan.pos)))


def _selector(idx: np.ndarray) -> slice | np.ndarray:
    if idx.size and np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size)):
        return slice(int(idx[0]), int(idx[0]) + idx.size)
    return idx


_PLANS: weakref.WeakKeyDictionary[ReLUNetwork, _Eval] = weakref.WeakKeyDictionary()


def register_plan(network: ReLUNetwork, plan: PairwisePlan) -> None:
    """Attach ``plan`` to ``network`` (the construction, which built the layers from it)."""
    _PLANS[network] = _Eval(plan)


def _eval_for(network: ReLUNetwork) -> _Eval:
    ev = _PLANS.get(network)
    if ev is None:
        plan = match_pairwise(network.layers)
        if plan is None:
            raise InputError(
                "the pairwise engine needs the paper's Theorem 7.3 network as built by "
                "construct(method='pairwise') (layers n -> 2N+K -> P+K' -> N -> 1, rebuilt "
                "and compared entry by entry); use ReLUNetwork.forward_certified otherwise"
            )
        ev = _Eval(plan)
        _PLANS[network] = ev
    return ev


def pairwise_plan(network: ReLUNetwork) -> PairwisePlan:
    """The :class:`~memnets._blocks.pair_constants.PairwisePlan` of a pairwise network, or InputError."""
    return _eval_for(network).plan


def _distances(ev: _Eval, xb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float64 squared distances of a block of inputs to every sample, and their bounds."""
    sqx = np.einsum("ij,ij->i", xb, xb)
    d = xb @ ev.X.T
    d *= -2.0
    d += sqx[:, None]
    d += ev.sq[None, :]
    e_d = ev.kappa * (sqx + ev.sq_max) * _INFLATE
    return d, e_d


def _up(t: np.ndarray | float) -> Any:
    return t + 4 * U64 * np.abs(t) + 1e-300


def _block(
    ev: _Eval, d: np.ndarray, e_d: np.ndarray, want_sets: bool
) -> tuple[np.ndarray, np.ndarray, list[dict[int, tuple[np.ndarray, np.ndarray]]]]:
    """Certified ``(values, bounds)`` for one block of distance rows (see the module docstring),
    and with ``want_sets`` the candidate units and windows of every row, row by row (the
    exact evaluation's input; :func:`_block_values` computes the same values vectorised)."""
    B = d.shape[0]
    e_a, alive, views = _alive(ev, d, e_d)
    vals = np.zeros(B)
    errs = np.zeros(B)
    sets: list[dict[int, tuple[np.ndarray, np.ndarray]]] = [{} for _ in range(B)]
    rows = np.flatnonzero(alive[0].any(axis=1) | alive[1].any(axis=1))
    for r in rows.tolist():
        lo_sum = [0.0, 0.0]
        hi_sum = [0.0, 0.0]
        live = 0
        for side, (_, _, Dside, _, Dmax_own, _) in enumerate(ev.sides):
            C = np.flatnonzero(alive[side][r])
            if C.size == 0:
                continue
            d_own, d_opp = views[side]
            dC = d_own[r, C]
            ea = float(e_a[r])
            theta = float(_up(dC + (Dmax_own[C] + ea) / 50.0).max())
            W = np.flatnonzero(d_opp[r] <= theta)
            if want_sets:
                sets[r][side] = (C, W)
            if W.size:
                A = 50.0 * (dC[:, None] - d_opp[r, W][None, :])
                A += Dside[np.ix_(C, W)]
                T = np.maximum(A, 0.0).sum(axis=1)
                k = (-ea < A).sum(axis=1)
                e_T = k * ea + gamma(W.size + 1) * T
            else:
                T = np.zeros(C.size)
                e_T = np.zeros(C.size)
            keep, v, ek = _live_units(ev, T, e_T)
            if not keep.any():
                continue
            lo_sum[side] += float(np.maximum(v - ek, 0.0).sum())
            hi_sum[side] += float((v + ek).sum())
            live += int(keep.sum())
        if live == 0:
            continue  # every unit certainly dead: F = 0 exactly
        f_lo = lo_sum[0] - hi_sum[1]
        f_hi = hi_sum[0] - lo_sum[1]
        total = lo_sum[0] + hi_sum[0] + lo_sum[1] + hi_sum[1]
        vals[r] = 0.5 * (f_lo + f_hi)
        errs[r] = (0.5 * (f_hi - f_lo) + (2 * live + 16) * U64 * total) * _INFLATE + 1e-300
    return vals, errs, sets


def _live_units(ev: _Eval, T: np.ndarray, e_T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units ``u = c^2 - T`` (error ``e``) not certainly dead, their values ``max(u, 0)`` and
    errors: ``(keep, v, e[keep])``. One rule for the row-by-row and the vectorised block."""
    u = ev.c2 - T
    e = (ev.e_c + e_T + U64 * np.abs(u)) * _INFLATE + 1e-300
    keep = ~(u < -e)
    return keep, np.maximum(u[keep], 0.0), e[keep]


def _alive(ev: _Eval, d: np.ndarray, e_d: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[Any]]:
    """Per-row term error ``e_a``, the units not certainly dead (one test against the nearest
    opposite sample) and the distance views of each side."""
    B = d.shape[0]
    e_a = (100.0 * e_d + ev.e_D + 4 * U64 * (100.0 * (d.max(axis=1) + e_d) + ev.D_max)) * _INFLATE
    c2_hi = ev.c2 + ev.e_c
    alive = []
    views = []
    for (_, _, _, Dopp, _, _), (own, opp) in zip(ev.sides, ev.cols, strict=True):
        d_own, d_opp = d[:, own], d[:, opp]
        jstar = np.argmin(d_opp, axis=1)
        m = d_opp[np.arange(B), jstar]
        bound = 50.0 * (d_own - m[:, None])
        bound += Dopp[jstar]
        alive.append(bound - e_a[:, None] <= c2_hi)
        views.append((d_own, d_opp))
    return e_a, alive, views


def _segment_sums(x: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``x[s : s + c].sum()`` for every segment (0 when empty), bit for bit: segments of one
    length are gathered into the rows of a matrix and summed with ``.sum(axis=1)``, which runs
    NumPy's summation over each contiguous row exactly as over the segment alone."""
    out = np.zeros(counts.size)
    order = np.argsort(counts, kind="stable")
    sc = counts[order]
    cuts = np.flatnonzero(np.diff(sc)) + 1
    for b0, b1 in zip([0, *cuts.tolist()], [*cuts.tolist(), sc.size], strict=True):
        L = int(sc[b0])
        if L == 0:
            continue
        idx = order[b0:b1]
        out[idx] = x[starts[idx, None] + np.arange(L)].sum(axis=1)
    return out


def _block_values(ev: _Eval, d: np.ndarray, e_d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_block`'s ``(values, bounds)`` with every elementwise operation vectorised over the
    block's candidate units and every sum taken over the same contiguous terms in the same
    order (:func:`_segment_sums`): equal bit for bit, without a Python loop over the rows."""
    B = d.shape[0]
    e_a, alive, views = _alive(ev, d, e_d)
    lo = np.zeros((2, B))
    hi = np.zeros((2, B))
    live = np.zeros(B, dtype=np.int64)
    for side, (_, _, Dside, _, Dmax_own, _) in enumerate(ev.sides):
        rr, cc = np.nonzero(alive[side])  # candidate units, row by row, ascending
        if rr.size == 0:
            continue
        d_own, d_opp = views[side]
        dC = d_own[rr, cc]
        ea = e_a[rr]
        urows, first = np.unique(rr, return_index=True)
        theta = np.maximum.reduceat(_up(dC + (Dmax_own[cc] + ea) / 50.0), first)
        wrow, wj = np.nonzero(d_opp[urows] <= theta[:, None])  # the windows, row by row
        wcount = np.bincount(wrow, minlength=urows.size)
        wstart = np.cumsum(wcount) - wcount
        upos = np.repeat(np.arange(urows.size), np.diff(np.append(first, rr.size)))
        nW = wcount[upos]
        seg = np.cumsum(nW) - nW
        unit = np.repeat(np.arange(rr.size), nW)
        j = wj[np.repeat(wstart[upos] - seg, nW) + np.arange(unit.size)]
        A = 50.0 * (dC[unit] - d_opp[rr[unit], j])
        A += Dside[cc[unit], j]
        T = _segment_sums(np.maximum(A, 0.0), seg, nW)
        k = np.bincount(unit[-ea[unit] < A], minlength=rr.size)
        e_T = np.where(nW > 0, k * ea + gammas(nW + 1) * T, 0.0)
        keep, v, ek = _live_units(ev, T, e_T)
        if not keep.any():
            continue
        kr = rr[keep]
        rows_k, first_k, count_k = np.unique(kr, return_index=True, return_counts=True)
        lo[side, rows_k] += _segment_sums(np.maximum(v - ek, 0.0), first_k, count_k)
        hi[side, rows_k] += _segment_sums(v + ek, first_k, count_k)
        live[rows_k] += count_k
    f_lo = lo[0] - hi[1]
    f_hi = hi[0] - lo[1]
    total = lo[0] + hi[0] + lo[1] + hi[1]
    on = live > 0  # else every unit is certainly dead: F = 0 exactly
    vals = np.where(on, 0.5 * (f_lo + f_hi), 0.0)
    errs = np.where(on, (0.5 * (f_hi - f_lo) + (2 * live + 16) * U64 * total) * _INFLATE + 1e-300, 0.0)
    return vals, errs


def _rows(X: Any, network: ReLUNetwork) -> np.ndarray:
    return check_X(X, n_features=network.n_inputs, unit_interval=False)


def _step(ev: _Eval, chunk_size: int | None) -> int:
    if chunk_size is not None:
        return check_scalar("chunk_size", chunk_size, int, ge=1)
    return max(1, _BLOCK_ENTRIES // ev.plan.n_samples)


def forward_pairwise(network: ReLUNetwork, X: Any, *, chunk_size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Certified float64 outputs of a pairwise network: ``(values, bounds)``, shape (N,) each,
    with ``|F_exact(x) - value| <= bound`` (the network's output, ``100 F``).

    A bound of exactly 0 means the value is exact (every unit certainly dead: ``F = 0``).
    Inputs that are exactly the network's own samples, in order, take
    :func:`forward_pairwise_samples` (the same guarantee from the plan's distance table, a
    third of the GEMM). Raises :class:`~memnets.InputError` for a network that is not a
    pairwise network or inputs of the wrong width.
    """
    ev = _eval_for(network)
    Xa = _rows(X, network)
    if chunk_size is None and Xa.shape == ev.X.shape and np.array_equal(Xa, ev.X):
        return forward_pairwise_samples(network)
    step = _step(ev, chunk_size)
    vals = np.empty(Xa.shape[0])
    errs = np.empty(Xa.shape[0])
    with ThreadPoolExecutor(max_workers=1) as pool:  # a block's units beside the next block's GEMM
        jobs = []
        for s in range(0, Xa.shape[0], step):
            d, e_d = _distances(ev, Xa[s : s + step])
            jobs.append((s, pool.submit(_block_values, ev, d, e_d)))
            if len(jobs) > 1:
                _collect(jobs.pop(0), step, vals, errs)
        for job in jobs:
            _collect(job, step, vals, errs)
    return vals, errs


def _collect(job: tuple[int, Any], step: int, vals: np.ndarray, errs: np.ndarray) -> None:
    s, fut = job
    vals[s : s + step], errs[s : s + step] = fut.result()


def forward_pairwise_samples(network: ReLUNetwork) -> tuple[np.ndarray, np.ndarray]:
    """:func:`forward_pairwise` at the network's own samples ``x_1 .. x_N`` (sample order).

    Same bound, cheaper distances: the opposite-class ones are the plan's table ``D``
    (error ``<= e_D``), the same-class ones one symmetric GEMM per class (BLAS ``syrk``,
    half a product), so verifying memorization costs about one ``N/2 x n x N/2`` GEMM
    instead of ``N x n x N``.
    """
    ev = _eval_for(network)
    plan = ev.plan
    vals = np.empty(plan.n_samples)
    errs = np.empty(plan.n_samples)
    step = _step(ev, None)
    with ThreadPoolExecutor(max_workers=1) as pool:  # a block's units beside the next block's distances
        jobs: list[tuple[np.ndarray, Any]] = []
        for (own, _, Dside, _, _, _), (own_c, opp_c) in zip(ev.sides, ev.cols, strict=True):
            Xo = np.ascontiguousarray(ev.X[own_c])
            G = Xo @ Xo.T
            sq_o = ev.sq[own]
            for s in track(range(0, own.size, step), "pairwise engine: verifying"):
                rows = slice(s, min(s + step, own.size))
                d = np.empty((rows.stop - s, plan.n_samples))
                same = G[rows] * -2.0
                same += sq_o[rows, None]
                same += sq_o[None, :]
                d[:, own_c] = same
                d[:, opp_c] = Dside[rows]
                e_d = np.maximum(ev.kappa * (sq_o[rows] + ev.sq_max) * _INFLATE, ev.e_D)
                jobs.append((own[rows], pool.submit(_block_values, ev, d, e_d)))
                while len(jobs) > 1:  # at most two blocks of distances alive
                    idx, fut = jobs.pop(0)
                    vals[idx], errs[idx] = fut.result()
        for idx, fut in jobs:
            vals[idx], errs[idx] = fut.result()
    return vals, errs


def forward_pairwise_exact(network: ReLUNetwork, X: Any) -> tuple[np.ndarray, np.ndarray]:
    """Exact outputs of a pairwise network, returned as ``(float values, bounds)``.

    The float pass of :func:`forward_pairwise` certifies which units are dead and which
    terms are ``<= 0``; the rest is summed in integer arithmetic at scale ``2**(2T)``
    (exact distances from :func:`memnets._core.exactgram.gram_ints`). ``bound`` is 0
    where the float64 value equals the exact output, else the rounding (nonzero outputs keep
    their sign; only an output below ``2**-1074`` in magnitude rounds to 0 with a positive
    bound). Meant for the few inputs the float bound leaves undecided.
    """
    ev = _eval_for(network)
    Xa = _rows(X, network)
    vals = np.empty(Xa.shape[0])
    errs = np.empty(Xa.shape[0])
    for s in range(Xa.shape[0]):
        x = Xa[s : s + 1]
        d, e_d = _distances(ev, x)
        _, _, sets = _block(ev, d, e_d, True)
        exact = _exact_value(ev, x, sets[0])
        v = float(exact)
        vals[s] = v
        gap = abs(exact - Fraction(v))
        errs[s] = 0.0 if gap == 0 else math.nextafter(float(gap), math.inf)
    return vals, errs


def _exact_value(ev: _Eval, x: np.ndarray, sets: dict[int, tuple[np.ndarray, np.ndarray]]) -> Fraction:
    """``100 F(x)`` exactly, summing only the units and terms the float pass left possible."""
    plan = ev.plan
    if not sets:
        return Fraction(0)
    T = max(plan.T, fixed_point_exponent(x))
    scale = 1 << (2 * T)
    c2 = plan.c2.numerator * (scale // plan.c2.denominator)
    total = 0
    S_x = int(sq_norm_ints(x, T)[0])
    for side, (C, W) in sets.items():
        own, opp, _, _, _, sign = ev.sides[side]
        iC, jW = own[C], opp[W]
        XC, XW = plan.X[iC], plan.X[jW]
        S_C, S_W = sq_norm_ints(XC, T), sq_norm_ints(XW, T)
        dC = S_x + S_C - 2 * gram_ints(x, XC, T)[0]
        dW = S_x + S_W - 2 * gram_ints(x, XW, T)[0] if W.size else np.zeros(0, dtype=object)
        if W.size:
            D = S_C[:, None] + S_W[None, :] - 2 * gram_ints(XC, XW, T)
            A = 50 * (dC[:, None] - dW[None, :]) + D
            terms = [sum(max(0, int(a)) for a in row) for row in A.tolist()]
        else:
            terms = [0] * int(C.size)
        for t in terms:
            v = c2 - t
            if v > 0:
                total += v if sign > 0 else -v
    return Fraction(total, scale)
