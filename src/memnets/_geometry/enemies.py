"""Distances from samples to the nearest sample of another label (the *enemies*), in
rigorously bounded float32 GEMM tiles.

Shared by the condensing rules (:mod:`memnets._geometry.condense`), ``efficient``'s construction and
certificate (:mod:`memnets._constructions.efficient`) and the estimators of
:mod:`memnets.theory`. No ``N x N`` matrix is ever held: samples are sorted by class
(:meth:`Geom.by_class`) and every ``TILE_ROWS x TILE_COLS`` tile is reduced while it is in
cache. Large jobs run their tiles on as many Python threads as BLAS has threads, each GEMM
then single-threaded (:func:`run_tiles`: scikit-learn's pairwise reductions do the same),
so the reductions between the GEMMs run in parallel too.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from memnets._core.checks import check_labelled
from memnets._core.errors import ConflictingLabelsError
from memnets._core.progress import track
from memnets._core.rounding import U32, U64
from memnets._geometry.separation import closest_opposite_pair

__all__ = [
    "BLOCK_ELEMENTS",
    "TILE_COLS",
    "TILE_ROWS",
    "ClassBlocks",
    "Geom",
    "check_codes",
    "nearest_enemy_bounds",
    "nearest_enemy_sq",
    "nearest_enemy_sq_geom",
    "run_tiles",
    "take_rows",
    "to_f32",
]

BLOCK_ELEMENTS = 2**24  # float32 entries per distance block (64 MiB)
#: GEMM tiles reduced while in cache: rows (samples) x columns (other samples or units)
TILE_ROWS = 4096
TILE_COLS = 1024  # 16 MiB of float32 per tile
#: below this many distances a job's tiles run on the calling thread
PARALLEL_PAIRS = 2**22
_COPY_ROWS = 2048  # rows per block of the copies
_SUB_ROWS = 256  # rows per elementwise pass over a GEMM tile (1 MiB: stays in L2)

T = TypeVar("T")
R = TypeVar("R")


def _tol_scale(n: int) -> float:
    """``|fl32 d2(x, z) - d2(x, z)| <= _tol_scale(n) * (|x|^2 + |z|^2)``.

    x, z rounded to float32 (relative ``u`` each), the dot product a float32 GEMM
    (``gamma_n``, any order / FMA), the squared norms rounded to float32 and three float32
    additions on magnitudes ``<= 2 (|x|^2 + |z|^2)``: at most ``(n + 11) u``; the factor
    1.25 covers ``O(u^2)`` terms and the float64 evaluation of the bound. The kernels here
    compute exactly this sequence (:meth:`Geom.d2`): the factor ``-2`` is applied to one
    GEMM operand instead of the product, which changes no rounded value (scaling by a
    power of two is exact and commutes with rounding, barring underflow), and where a row
    or column minimum is taken before the last addition of a norm ``s``, the result is
    the same float: ``t -> fl(t + s)`` is non-decreasing, so ``fl(min_j t_j + s) =
    min_j fl(t_j + s)``.
    """
    return 1.25 * (n + 12) * U32


def to_f32(v: np.ndarray, direction: float) -> np.ndarray:
    """float64 ``v`` rounded to float32 towards ``direction`` (``+inf`` or ``-inf``).

    Rounded up (``+inf``), it is the least float32 ``L >= v``, so for every float32 ``d``:
    ``d < v`` iff ``d < L`` (a float32 in ``[v, L)`` would contradict the choice of ``L``);
    rounded down, ``d > L`` iff ``d > v``.

    >>> to_f32(np.array([0.1]), np.inf)[0] >= 0.1, to_f32(np.array([0.1]), -np.inf)[0] <= 0.1
    (np.True_, np.True_)
    """
    out = v.astype(np.float32)
    fix = out.astype(np.float64) < v if direction > 0 else out.astype(np.float64) > v
    out[fix] = np.nextafter(out[fix], np.float32(direction))
    return out


def _workers(n_tasks: int, pairs: int) -> int:
    """Threads for a tiled job: BLAS's thread count (so a caller's limit is respected),
    1 for small jobs."""
    if n_tasks < 2 or pairs < PARALLEL_PAIRS:
        return 1
    from threadpoolctl import threadpool_info

    blas = [int(d.get("num_threads", 1)) for d in threadpool_info() if d.get("user_api") == "blas"]
    return max(1, min(n_tasks, min(blas) if blas else 1, os.cpu_count() or 1))


def run_tiles(fn: Callable[[T], R], tasks: Sequence[T], description: str | None, pairs: int) -> list[R]:
    """``[fn(t) for t in tasks]``, on several threads for a large job (``pairs`` distances).

    With ``w > 1`` threads (BLAS's thread count) BLAS is limited to one thread per call
    for the duration (threadpoolctl), so ``w`` tiles are in flight at once and every GEMM
    result is the one a single-threaded call gives. ``fn`` must only write to memory no
    other task writes (results come back in task order). A progress bar (when asked for)
    is titled ``description``; ``None`` for none (a job inside a tracked loop).
    """
    workers = _workers(len(tasks), pairs)
    if workers == 1:
        return [fn(t) for t in (tasks if description is None else track(tasks, description))]
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        done = pool.map(fn, tasks)
        return list(done if description is None else track(done, description, total=len(tasks)))


def take_rows(A: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``A[rows]`` (C-ordered), gathered in row blocks on BLAS's threads for a large copy.

    >>> take_rows(np.arange(6.0).reshape(3, 2), np.array([2, 0])).tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    """
    rows = np.asarray(rows, dtype=np.intp)
    if rows.size and (rows.min() < -A.shape[0] or rows.max() >= A.shape[0]):
        raise IndexError(f"row index out of range for {A.shape[0]} rows")
    out = np.empty((rows.size, *A.shape[1:]), dtype=A.dtype)
    run_tiles(lambda r0: np.take(A, rows[r0 : r0 + _COPY_ROWS], axis=0, out=out[r0 : r0 + _COPY_ROWS], mode="wrap"),
              range(0, rows.size, _COPY_ROWS), None, out.size)
    return out


@dataclass(frozen=True)
class ClassBlocks:
    """The rows of a :class:`Geom` sorted by class: class ``c`` is ``X32[ends[c]:ends[c+1]]``.

    ``perm[i]`` is the sample in sorted row ``i`` (ascending within a class, so a class's
    rows are in the order of ``numpy.flatnonzero(codes == c)``).
    """

    perm: np.ndarray
    X32: np.ndarray
    sq32: np.ndarray
    ends: np.ndarray  # (n_classes + 1,) int64, ends[0] = 0


class Geom:
    """float32 copy of ``X`` with squared norms and the error scale.

    Columns that are constant over all the samples add nothing to any distance
    (``x_k - z_k = 0``) and are left out of the copy, so every GEMM is shorter (MNIST:
    67 of 784 pixels are 0 in every training image). ``sq`` are the squared norms of the
    kept part, so ``d2`` computes ``|x'|^2 + |z'|^2 - 2 <x', z'> = |x - z|^2`` with the
    same error bound; the bound keeps ``n`` = all the columns (``gamma_{n'} <= gamma_n``:
    still rigorous, and the tolerances, hence every decision taken with them, stay as
    they were with every column in the GEMM).
    """

    def __init__(self, X: np.ndarray) -> None:
        N, n = X.shape
        blocks = range(0, N, _COPY_ROWS)
        # column ranges, then the float32 copy and the norms, in row blocks on BLAS's threads
        ranges = run_tiles(lambda r0: (X[r0 : r0 + _COPY_ROWS].min(axis=0), X[r0 : r0 + _COPY_ROWS].max(axis=0)),
                           blocks, None, N * n)
        lo = np.min([r[0] for r in ranges], axis=0) if N else np.zeros(n)
        hi = np.max([r[1] for r in ranges], axis=0) if N else np.ones(n)
        keep = np.flatnonzero(lo != hi) if N else np.arange(n)
        # left-out columns that are all 0 add exactly 0 to the norms: take them over the
        # whole row then (the same floats as with every column kept)
        whole = keep.size == n or not (lo[hi == lo] != 0).any()
        self.X32 = np.empty((N, keep.size), dtype=np.float32)
        self.sq = np.empty(N)

        def fill(r0: int) -> None:
            rows = X[r0 : r0 + _COPY_ROWS]
            part = rows if keep.size == n else rows[:, keep]
            self.X32[r0 : r0 + _COPY_ROWS] = part
            self.sq[r0 : r0 + _COPY_ROWS] = np.einsum("ij,ij->i", *((rows, rows) if whole else (part, part)))

        run_tiles(fill, blocks, None, N * n)
        self.sq32 = self.sq.astype(np.float32)
        self.scale = _tol_scale(n)
        self.smax = float(self.sq.max()) if N else 0.0
        self._blocks: tuple[np.ndarray, ClassBlocks] | None = None

    def d2(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """float32 squared distances, ``len(rows) x len(cols)``:
        ``fl(fl(-2 <x, z> + |x|^2) + |z|^2)`` (``x`` a row, ``z`` a column)."""
        d2 = self.X32[rows] @ self.X32[cols].T
        d2 *= -2.0
        d2 += self.sq32[rows, None]
        d2 += self.sq32[None, cols]
        return d2

    def tol(self, rows: np.ndarray) -> np.ndarray:
        """Bound on the error of ``d2(rows, z)`` for every sample ``z`` (float64)."""
        return self.scale * (self.sq[rows] + self.smax) * (1 + 1e-12)

    def by_class(self, codes: np.ndarray) -> ClassBlocks:
        """The rows sorted by class (one copy, kept for the next call with equal codes)."""
        if self._blocks is not None and np.array_equal(self._blocks[0], codes):
            return self._blocks[1]
        perm = np.argsort(codes, kind="stable")
        ends = np.zeros(int(codes.max()) + 2 if codes.size else 1, dtype=np.int64)
        np.cumsum(np.bincount(codes), out=ends[1:])
        blocks = ClassBlocks(perm=perm, X32=take_rows(self.X32, perm), sq32=self.sq32[perm], ends=ends)
        self._blocks = (codes.copy(), blocks)
        return blocks


def check_codes(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (any range) and the int64 class codes of ``y``, checked as
    :func:`~memnets._core.checks.check_labelled` checks every labelled sample."""
    Xa, _, _, codes = check_labelled(X, y, unit_interval=False)
    return Xa, codes


def _enemy_rows(cb: ClassBlocks, r0: int, r1: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted rows ``r0:r1`` (one class, ending at row ``hi``) against every later row:
    ``(row minima, column minima)`` of :meth:`Geom.d2`'s float32 values, bit for bit."""
    N = cb.X32.shape[0]
    xr = cb.X32[r0:r1] * np.float32(-2.0)  # exact: fl(<-2x, z>) = -2 fl(<x, z>)
    sr = cb.sq32[r0:r1, None]
    rows = np.full(r1 - r0, np.inf, dtype=np.float32)
    cols = np.empty(N - hi, dtype=np.float32)
    for c0 in range(hi, N, TILE_COLS):
        c1 = min(c0 + TILE_COLS, N)
        t = xr @ cb.X32[c0:c1].T
        sc = cb.sq32[None, c0:c1]
        low = np.full(c1 - c0, np.inf, dtype=np.float32)
        for a in range(0, r1 - r0, _SUB_ROWS):  # the elementwise passes on blocks in cache
            u = t[a : a + _SUB_ROWS]
            u += sr[a : a + _SUB_ROWS]  # fl(-2 <x, z> + |x|^2)
            np.minimum(low, u.min(axis=0), out=low)
            u += sc
            np.minimum(rows[a : a + _SUB_ROWS], u.min(axis=1), out=rows[a : a + _SUB_ROWS])
        # column minima before |z|^2 is added: fl(min_i t_i + s) = min_i fl(t_i + s)
        np.add(low, sc[0], out=cols[c0 - hi : c1 - hi])
    return rows, cols


def nearest_enemy_sq_geom(g: Geom, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`nearest_enemy_sq` on a :class:`Geom` and integer class codes (for callers that
    keep the :class:`Geom` for a later pass)."""
    N = g.X32.shape[0]
    best = np.full(N, np.inf, dtype=np.float32)
    if N:
        cb = g.by_class(codes)
        ends = cb.ends.tolist()
        # row tiles of every class against the later classes (the last class has no later
        # one), largest first so the threads finish together
        tasks = [(r0, min(r0 + TILE_ROWS, hi), hi)
                 for lo, hi in itertools.pairwise(ends[:-1]) for r0 in range(lo, hi, TILE_ROWS)]
        tasks.sort(key=lambda t: -(t[1] - t[0]) * (N - t[2]))
        pairs = sum((r1 - r0) * (N - hi) for r0, r1, hi in tasks)
        found = run_tiles(lambda t: _enemy_rows(cb, *t), tasks, "separation: nearest other-label samples", pairs)
        for (r0, r1, hi), (rows, cols) in zip(tasks, found, strict=True):
            np.minimum(best[r0:r1], rows, out=best[r0:r1])
            np.minimum(best[hi:], cols, out=best[hi:])
        best[cb.perm] = best.copy()
    computed = best.astype(np.float64)
    return computed, computed - g.tol(np.arange(N))


def nearest_enemy_sq(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Squared distance from every sample to its nearest differently-labelled sample.

    Returns ``(computed, lower)`` (float64, shape (N,)): float32-GEMM values and rigorous
    lower bounds ``lower_i <= c_i^2 = min_{j: y_j != y_i} |x_i - x_j|^2``
    (``computed - tau (|x_i|^2 + max_j |x_j|^2)``). Each differently-labelled pair is
    computed once, in 4096 x 1024 float32 tiles reduced in cache; with one class ``inf``.

    >>> c, lo = nearest_enemy_sq([[0.0], [0.5], [2.0]], [0, 0, 1])
    >>> c.tolist(), bool((lo <= c).all())
    ([4.0, 2.25, 2.25], True)
    """
    Xa, codes = check_codes(X, y)
    return nearest_enemy_sq_geom(Geom(Xa), codes)


def nearest_enemy_bounds(X: np.ndarray, codes: np.ndarray, *, geom: Geom | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: rigorous upper and (positive) lower bounds on the squared distance
    ``c_i^2`` to the nearest other-label sample (float32 GEMM values +- their tolerance).

    ``X`` (N, n) checked samples, ``codes`` (N,) integer class codes ``0..K-1``; ``geom``
    optionally the :class:`Geom` of ``X`` (shared with a later condensing pass).
    Raises :class:`~memnets.ConflictingLabelsError` when the separation is zero. Where
    float32 cannot certify a positive bound (samples closer than the float tolerance) the
    separation is computed exactly with :func:`memnets.closest_opposite_pair` and used as
    the bound. The arrays are read-only.

    >>> up, lo = nearest_enemy_bounds(np.array([[0.0], [0.5], [2.0]]), np.array([0, 0, 1]))
    >>> bool((lo <= [4.0, 2.25, 2.25]).all() and ([4.0, 2.25, 2.25] <= up).all())
    True
    """
    if geom is None:
        computed, lower = nearest_enemy_sq(X, codes)
    else:
        computed, lower = nearest_enemy_sq_geom(geom, np.asarray(codes, dtype=np.int64))
    upper = 2.0 * computed - lower  # computed + tolerance: a rigorous upper bound
    if float(lower.min()) <= 0.0:
        pair = closest_opposite_pair(X, codes)
        if pair.squared == 0:
            raise ConflictingLabelsError(pair.i, pair.j, int(codes[pair.i]), int(codes[pair.j]))
        lower = np.maximum(lower, float(pair.squared) * (1 - 4 * U64))
    upper.flags.writeable = False
    lower.flags.writeable = False
    return upper, lower
