"""The ``"mcs"`` rule: alternating per-class greedy set covers from a consistent start,
then Gates' reduced-nearest-neighbour pruning (the package docstring states it)."""

from __future__ import annotations

import math

import numpy as np

from memnets._core.rounding import U64
from memnets._geometry.condense._cover import _greedy_cover
from memnets._geometry.enemies import BLOCK_ELEMENTS, TILE_ROWS, Geom, to_f32

_MCS_CACHE_BYTES = 2**30  # hold every float32 distance (N^2 * 4 bytes) up to N ~ 16,000


class _CachedD2:
    """All float32 squared distances of ``g``, computed once (each within ``g.tol``)."""

    def __init__(self, g: Geom) -> None:
        n = g.X32.shape[0]
        self.D = np.empty((n, n), dtype=np.float32)
        everyone = np.arange(n)
        step = max(1, BLOCK_ELEMENTS // max(n, 1))
        for r0 in range(0, n, step):
            rows = everyone[r0 : r0 + step]
            self.D[rows] = g.d2(rows, everyone)

    def d2(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.D[np.ix_(rows, cols)]


def _nearest_d2(g: Geom | _CachedD2, codes: np.ndarray, rows: np.ndarray, cols: np.ndarray, *, same: bool) -> np.ndarray:
    """float32-GEMM ``min d2(x, s)`` over the ``s`` in ``cols`` with the same (``same``) or
    another label than each ``x`` in ``rows`` (float64; ``inf`` when there is none)."""
    out = np.full(rows.size, np.inf)
    if rows.size == 0 or cols.size == 0:
        return out
    cstep = max(1, BLOCK_ELEMENTS // 4 // TILE_ROWS)
    for r0 in range(0, rows.size, TILE_ROWS):
        rr = rows[r0 : r0 + TILE_ROWS]
        best = np.full(rr.size, np.inf, dtype=np.float32)
        for c0 in range(0, cols.size, cstep):
            cc = cols[c0 : c0 + cstep]
            d2 = g.d2(rr, cc)
            eq = codes[rr][:, None] == codes[cc][None, :]
            d2[~eq if same else eq] = np.inf
            np.minimum(best, d2.min(axis=1), out=best)
        out[r0 : r0 + rr.size] = best
    return out


def _far_enough(g: Geom | _CachedD2, cand: np.ndarray, others: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """Per candidate ``s``: proven ``d2(s, x) > thr_x`` for every ``x`` in ``others``
    (``thr`` already includes the float32 tolerance of ``d2``)."""
    ok = np.ones(cand.size, dtype=bool)
    thr32 = to_f32(thr, math.inf)
    cstep = max(1, BLOCK_ELEMENTS // 4 // TILE_ROWS)
    for r0 in range(0, cand.size, TILE_ROWS):
        pos = np.arange(r0, min(cand.size, r0 + TILE_ROWS))
        for c0 in range(0, others.size, cstep):
            pos = pos[ok[pos]]
            if pos.size == 0:
                break
            cc = others[c0 : c0 + cstep]
            d2 = g.d2(cand[pos], cc)
            ok[pos] &= (d2 > thr32[None, c0 : c0 + cc.size]).all(axis=1)
    return ok


def _cover_sets_of(g: Geom | _CachedD2, cand: np.ndarray, items: np.ndarray, lim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(ptr, xs)``: candidate ``cand[j]`` covers item position ``t`` iff
    ``d2(cand[j], items[t]) < lim[t]`` (float32 value; ``lim`` includes the tolerance)."""
    m = items.size
    step = max(1, (BLOCK_ELEMENTS // 4) // max(m, 1))
    dtype = np.uint16 if m <= 2**16 else np.int32
    parts: list[np.ndarray] = []
    counts = np.zeros(cand.size, dtype=np.int64)
    lim32 = to_f32(lim, -math.inf)
    for s0 in range(0, cand.size, step):
        rows = np.arange(s0, min(cand.size, s0 + step))
        hit = g.d2(cand[rows], items) < lim32[None, :]
        counts[rows] = np.count_nonzero(hit, axis=1)
        parts.append((np.flatnonzero(hit) % m).astype(dtype))
    ptr = np.zeros(cand.size + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, (np.concatenate(parts) if parts else np.zeros(0, dtype=dtype))


def _mcs(g: Geom, codes: np.ndarray, lam: float, start: np.ndarray, max_rounds: int) -> np.ndarray:
    """Alternating per-class greedy set covers from a consistent ``start`` (module docstring).

    Invariant (proven in float32 with the tolerances of :class:`Geom`): every sample ``x``
    has ``d_+(x) < lam d_-(x)`` w.r.t. the current set. Re-choosing the representatives of
    one class ``c`` with the others fixed keeps it when (a) every ``x`` of class ``c`` gets a
    new representative within ``lam`` times its distance to the nearest other-label
    representative, and (b) every candidate ``s`` is farther than ``d_+(x) / lam`` from every
    ``x`` of another class (so ``x``'s own representative stays ``lam``-nearer than ``s``).
    The old representatives of ``c`` satisfy both, so the problem is feasible; a smaller
    greedy cover replaces them, otherwise they stay.
    """
    S = np.sort(np.asarray(start, dtype=np.int64))
    tol = g.tol(np.arange(codes.size))
    dist: Geom | _CachedD2 = _CachedD2(g) if 4 * codes.size**2 <= _MCS_CACHE_BYTES else g
    lam2 = lam * lam
    stamp = 0  # version of S; stamps[c] = the version class c was last solved against
    stamps: dict[int, int] = {}
    for _ in range(max_rounds):
        improved = False
        for c in range(int(codes.max()) + 1):
            other = S[codes[S] != c]
            if stamps.get(c) == stamp:  # nothing changed since c was solved
                continue
            A = np.flatnonzero(codes == c)
            B = np.flatnonzero(codes != c)
            own = S[codes[S] == c]
            # (a) x in A needs a new representative s with d2(s, x) < lam^2 * (lower bound on d_-^2)
            d_minus_low = _nearest_d2(dist, codes, A, other, same=False) - tol[A]
            lim = lam2 * d_minus_low * (1 - 4 * U64) - tol[A]
            # (b) candidate s must have d2(s, x) > d_+(x)^2 / lam^2 for every x in B (upper bound)
            d_plus_up = _nearest_d2(dist, codes, B, other, same=True) + tol[B]
            thr = d_plus_up / lam2 * (1 + 4 * U64) + tol[B]
            allowed = A[_far_enough(dist, A, B, thr)]
            ptr, xs = _cover_sets_of(dist, allowed, A, lim)
            need = np.ones(A.size, dtype=np.int64)
            stamps[c] = stamp
            if np.count_nonzero(np.bincount(xs, minlength=A.size)) < A.size:
                continue  # float rounding left some x without a provable candidate: keep own
            chosen = _greedy_cover(ptr, xs, need)
            if len(chosen) < own.size:
                S = np.sort(np.concatenate([other, allowed[np.asarray(chosen, dtype=np.int64)]]))
                improved = True
                stamp += 1
                stamps[c] = stamp
        if not improved:
            break
    if 4 * codes.size * S.size <= _MCS_CACHE_BYTES:
        S = _prune(dist, codes, lam, S, tol)
    return S


def _prune(dist: Geom | _CachedD2, codes: np.ndarray, lam: float, S: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Drop representatives one at a time while every sample keeps a proven
    ``d_+ < lam d_-`` (Gates' reduced nearest neighbour rule, with the float32 tolerances
    of :class:`Geom`); candidates in descending order of their distance to the nearest
    other-label representative (interior ones first), passes until none can go."""
    n, R = codes.size, S.size
    if R < 2:
        return S
    everyone = np.arange(n)
    Dr = np.empty((n, R), dtype=np.float32)
    step = max(1, BLOCK_ELEMENTS // R)
    for r0 in range(0, n, step):
        Dr[r0 : r0 + step] = dist.d2(everyone[r0 : r0 + step], S)
    lam2 = lam * lam
    rep_code = codes[S]
    same = codes[:, None] == rep_code[None, :]
    active = np.ones(R, dtype=bool)

    def nearest(rows: np.ndarray, want_same: bool) -> tuple[np.ndarray, np.ndarray]:
        sub = Dr[rows]
        mask = (same[rows] if want_same else ~same[rows]) & active[None, :]
        vals = np.where(mask, sub, np.inf)
        j = np.argmin(vals, axis=1)
        return j, vals[np.arange(rows.size), j].astype(np.float64)

    jp, dp = nearest(everyone, True)
    jm, dm = nearest(everyone, False)
    changed = True
    while changed:
        changed = False
        for j in np.argsort(-dm[S], kind="stable"):
            if not active[j] or active.sum() <= 1:
                continue
            hit = np.flatnonzero(jp == j)
            active[j] = False
            if hit.size:
                njp, ndp = nearest(hit, True)
                ok = bool(np.all(ndp + tol[hit] < lam2 * (dm[hit] - tol[hit]) * (1 - 4 * U64)))
            else:
                njp, ndp, ok = hit, np.zeros(0), True
            if not ok:
                active[j] = True
                continue
            jp[hit], dp[hit] = njp, ndp
            foes = np.flatnonzero(jm == j)
            if foes.size:
                jm[foes], dm[foes] = nearest(foes, False)
            changed = True
    return np.sort(S[active])

