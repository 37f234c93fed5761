"""The cover rules ``"cover"`` and ``"mss"``: greedy same-label (multi-)cover with local
radii (the package docstring states them), and the lazy-greedy maximum coverage that
``"mcs"`` reuses."""

from __future__ import annotations

import contextvars
import heapq
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from memnets._core.checks import check_scalar
from memnets._core.errors import OptionError
from memnets._core.progress import track
from memnets._geometry.condense._common import (
    DEFAULT_ALPHA,
    DEFAULT_K,
    _check_c2,
)
from memnets._geometry.enemies import (
    BLOCK_ELEMENTS,
    TILE_COLS,
    ClassBlocks,
    Geom,
    check_codes,
    nearest_enemy_sq_geom,
    run_tiles,
    to_f32,
)

#: classes of up to this many samples get their cover sets from one ``m x m`` boolean
#: matrix filled by symmetric tiles (each same-label pair's GEMM entry computed once)
SYMMETRIC_MAX = 2**14


def _cover_sets(g: Geom, idx: np.ndarray, lim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(ptr, xs)`` of ``cov(s) = {x : d2(s, x) + tol_x < thr_x}`` over one class.

    Positions are within ``idx``; ``lim = thr - tol`` per position. Every ``s`` covers
    itself (``|s - s| = 0``). Built in row blocks of ``<= 2^22`` distances; the index
    arrays hold one uint16 (classes up to 65536 samples) or int32 per covered pair.
    """
    m = idx.size
    step = max(1, (BLOCK_ELEMENTS // 4) // max(m, 1))  # <= 2^22 pairs: <= 32 MiB of flat indices
    dtype = np.uint16 if m <= 2**16 else np.int32  # 2 bytes per covered pair when it fits
    parts: list[np.ndarray] = []
    counts = np.zeros(m, dtype=np.int64)
    for s0 in track(range(0, m, step), "cover: neighbourhoods"):
        rows = np.arange(s0, min(m, s0 + step))
        hit = g.d2(idx[rows], idx) < lim[None, :]
        hit[np.arange(rows.size), rows] = True
        counts[rows] = np.count_nonzero(hit, axis=1)
        parts.append((np.flatnonzero(hit) % m).astype(dtype))  # row-major: grouped by s
    ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, np.concatenate(parts)


def _cover_sets_symmetric(cb: ClassBlocks, lo: int, hi: int, lim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_cover_sets` for the class in sorted rows ``lo:hi``, bit for bit, from half the GEMMs.

    ``hit[s, x] = fl(fl(-2 <s, x> + |s|^2) + |x|^2) < lim_x`` (:meth:`Geom.d2`'s value) is
    filled tile by tile for tiles ``A x B``, ``A <= B``: one GEMM ``-2 X_A X_B^T`` gives
    ``hit[A, B]`` and, adding the norms in the other order, ``hit[B, A]``. The comparison
    runs in float32 against ``lim`` rounded up (:func:`to_f32`: the same outcome as in
    float64). Every entry is within the tolerance of :func:`_tol_scale` whatever the
    GEMM's summation order; with this BLAS ``<a, b>`` and ``<b, a>`` are the same float
    (the tests check the sets against :func:`_cover_sets`).
    """
    m = hi - lo
    hit = np.empty((m, m), dtype=bool)
    lim32 = to_f32(lim, np.inf)
    X, sq = cb.X32[lo:hi], cb.sq32[lo:hi]
    starts = range(0, m, TILE_COLS)
    tasks = [(a, b) for a in starts for b in starts if b >= a]

    def tile(ab: tuple[int, int]) -> None:
        a0, b0 = ab
        a1, b1 = min(a0 + TILE_COLS, m), min(b0 + TILE_COLS, m)
        t = (X[a0:a1] * np.float32(-2.0)) @ X[b0:b1].T  # exact: -2 fl(<s, x>)
        if a0 != b0:  # sources in B, covered samples in A: |s|^2 = sq[B] first
            u = t + sq[None, b0:b1]
            u += sq[a0:a1, None]
            np.less(u, lim32[a0:a1, None], out=hit[b0:b1, a0:a1].T)
        t += sq[a0:a1, None]
        t += sq[None, b0:b1]
        np.less(t, lim32[None, b0:b1], out=hit[a0:a1, b0:b1])

    run_tiles(tile, tasks, "cover: neighbourhoods", (m * m) // 2)
    np.fill_diagonal(hit, True)
    ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.count_nonzero(hit, axis=1), out=ptr[1:])
    return ptr, (np.flatnonzero(hit) % m).astype(np.uint16 if m <= 2**16 else np.int32)


def _greedy_cover(ptr: np.ndarray, xs: np.ndarray, need: np.ndarray) -> list[int]:
    """Lazy-greedy maximum coverage: candidate ``s`` serves ``xs[ptr[s]:ptr[s+1]]``; take the
    candidate serving the most unmet demands (``need > 0``, decremented in place) until
    none is left (ties: lowest index). Demands no candidate serves are left unmet."""
    left = int(np.count_nonzero(need))
    heap = list(zip((ptr[:-1] - ptr[1:]).tolist(), range(ptr.size - 1), strict=True))
    heapq.heapify(heap)
    bounds = ptr.tolist()
    pop, replace, count = heapq.heappop, heapq.heapreplace, np.count_nonzero
    chosen: list[int] = []
    while left and heap:
        s = heap[0][1]
        members = xs[bounds[s] : bounds[s + 1]]
        gain = int(count(need[members] > 0))
        if gain == 0:
            pop(heap)
            continue
        entry = (-gain, s)
        if entry != heap[0]:  # stale bound: re-insert with its true gain (keys are unique,
            replace(heap, entry)  # so it is taken now iff it is still the smallest)
            if heap[0] is not entry:
                continue
        pop(heap)
        chosen.append(s)
        need[members] -= 1
        left -= gain - int(count(need[members] > 0))
    return chosen


def cover_geom(
    g: Geom, codes: np.ndarray, c2_lower: np.ndarray, alpha: float, k: int, mss: bool
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`cover` on a :class:`Geom` (shared with the separation pass), integer class
    codes and checked options: greedy (multi-)cover per class with local radii; returns
    ``(reps, assign)``, ``assign[x]`` the first chosen ``s`` with ``x in cov(s)``."""
    thr = alpha * alpha * c2_lower  # x in cov(s) iff d2(x, s) + tol_x < thr_x (proven)
    reps: list[np.ndarray] = []
    assign = np.full(codes.size, -1, dtype=np.int64)
    cb = g.by_class(codes)
    n_classes = int(codes.max()) + 1

    def sets_of(c: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = int(cb.ends[c]), int(cb.ends[c + 1])
        idx = cb.perm[lo:hi]  # = flatnonzero(codes == c)
        lim = thr[idx] - g.tol(idx)
        return _cover_sets_symmetric(cb, lo, hi, lim) if idx.size <= SYMMETRIC_MAX else _cover_sets(g, idx, lim)

    # the next class's cover sets (GEMM tiles, no GIL) are computed while this one's
    # greedy loop (Python) runs: a pipeline of two stages, the same results
    with ThreadPoolExecutor(1) as ahead:
        pending = ahead.submit(contextvars.copy_context().run, sets_of, 0)
        for c in range(n_classes):
            ptr, xs = pending.result()
            if c + 1 < n_classes:
                pending = ahead.submit(contextvars.copy_context().run, sets_of, c + 1)
            idx = cb.perm[int(cb.ends[c]) : int(cb.ends[c + 1])]
            m = idx.size
            # demand: k covers, or as many as exist (>= 1: x covers itself)
            need = np.minimum(np.bincount(xs, minlength=m), k)
            chosen: list[int] = []
            if mss:  # Barandela et al.: boundary candidates first (ascending c_s), take if useful
                for s in np.argsort(c2_lower[idx], kind="stable"):
                    members = xs[ptr[s] : ptr[s + 1]]
                    if (need[members] > 0).any():
                        chosen.append(int(s))
                        need[members] -= 1
                        free = members[assign[idx[members]] < 0]
                        assign[idx[free]] = idx[s]
            else:  # lazy greedy: the largest remaining gain first (ties: lowest index)
                chosen = _greedy_cover(ptr, xs, need)
                x, s = _first_cover(ptr, xs, np.asarray(chosen, dtype=np.int64))
                assign[idx[x]] = idx[s]
            reps.append(idx[np.asarray(chosen, dtype=np.int64)])
    return np.sort(np.concatenate(reps)), assign


def _first_cover(ptr: np.ndarray, xs: np.ndarray, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(x, s)``: every ``x`` in a chosen set with the first chosen ``s`` (in ``chosen``'s
    order) whose set holds it."""
    starts, lens = ptr[chosen], ptr[chosen + 1] - ptr[chosen]
    # positions of the chosen sets' members, set after set, and whose set each one is
    pos = np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(int(lens.sum()))
    x, first = np.unique(xs[pos], return_index=True)  # first occurrence of each x
    return x, np.repeat(chosen, lens)[first]


def cover(
    X: Any,
    y: Any,
    *,
    alpha: float = DEFAULT_ALPHA,
    k: int = DEFAULT_K,
    c2_lower: Any = None,
    order: str = "greedy",
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy same-label (multi-)cover with local radii: ``(reps, assign)``.

    ``x`` is covered by ``s`` iff ``y(s) = y(x)`` and ``|x - s| < alpha c_x`` (proven:
    ``fl32 d2 + tol < alpha^2 c2_lower_x``); every ``x`` gets ``min(k, deg x)`` covers
    (``deg x >= 1``: ``x`` covers itself). ``order="greedy"``: lazy-greedy maximum
    coverage (ties: lowest index); ``order="boundary"``: candidates by ascending ``c_s``
    (MSS [8]). ``assign[x]`` is the first chosen representative covering ``x``:
    ``|x - assign[x]| < alpha c_x``, so ``efficient``'s margin on ``x`` is
    ``>= (1 - alpha^2) c_x^2 >= (1 - alpha^2) c^2`` (Theorem 7.3's ``c^2 - r^2`` at
    ``r = alpha c``).

    Parameters: ``X`` (N, n), ``y`` (N,), ``alpha`` in (0, 1], ``k >= 1``, ``c2_lower``
    optional (N,) lower bounds on ``c_x^2`` (computed by :func:`nearest_enemy_sq` if
    absent). Returns sorted int64 representative indices and ``assign`` (N,) int64.

    >>> reps, assign = cover([[0.0], [0.2], [0.4], [1.0]], [0, 0, 0, 1], alpha=0.5, k=1)
    >>> reps.tolist(), assign.tolist()
    ([1, 3], [1, 1, 1, 3])
    """
    a = check_scalar("alpha", alpha, float, gt=0, le=1)
    kk = check_scalar("k (covers demanded per sample)", k, int, ge=1)
    if order not in ("greedy", "boundary"):
        raise OptionError(f"order must be 'greedy' or 'boundary', got {order!r}")
    Xa, codes = check_codes(X, y)
    if Xa.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low = _check_c2(c2_lower, Xa.shape[0])
    g = Geom(Xa)
    if low is None:
        low = nearest_enemy_sq_geom(g, codes)[1]
    return cover_geom(g, codes, low, a, kk, mss=order == "boundary")

