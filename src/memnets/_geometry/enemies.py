"""Distances from samples to the nearest sample of another label (the *enemies*), in
rigorously bounded float32 GEMM tiles.

Shared by the condensing rules (:mod:`memnets._geometry.condense`), ``efficient``'s construction and
certificate (:mod:`memnets._constructions.efficient`) and the estimators of
:mod:`memnets.theory`. No ``N x N`` matrix is ever held: samples are sorted by class and
every ``TILE_ROWS x TILE_COLS`` tile is reduced while it is in cache.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memnets._core.checks import check_X
from memnets._core.errors import ConflictingLabelsError, InputError
from memnets._core.progress import track
from memnets._core.rounding import U32, U64
from memnets._geometry.separation import closest_opposite_pair

__all__ = ["BLOCK_ELEMENTS", "TILE_COLS", "TILE_ROWS", "Geom", "check_codes", "nearest_enemy_bounds", "nearest_enemy_sq"]

BLOCK_ELEMENTS = 2**24  # float32 entries per distance block (64 MiB)
#: GEMM tiles reduced while in cache: rows (samples) x columns (other samples or units)
TILE_ROWS = 4096
TILE_COLS = 1024  # 16 MiB of float32 per tile


def _tol_scale(n: int) -> float:
    """``|fl32 d2(x, z) - d2(x, z)| <= _tol_scale(n) * (|x|^2 + |z|^2)``.

    x, z rounded to float32 (relative ``u`` each), the dot product a float32 GEMM
    (``gamma_n``, any order / FMA), the squared norms rounded to float32 and three float32
    additions on magnitudes ``<= 2 (|x|^2 + |z|^2)``: at most ``(n + 11) u``; the factor
    1.25 covers ``O(u^2)`` terms and the float64 evaluation of the bound.
    """
    return 1.25 * (n + 12) * U32


class Geom:
    """float32 copy of ``X`` with squared norms and the error scale."""

    def __init__(self, X: np.ndarray) -> None:
        self.X32 = np.ascontiguousarray(X, dtype=np.float32)
        self.sq = np.einsum("ij,ij->i", X, X)
        self.sq32 = self.sq.astype(np.float32)
        self.scale = _tol_scale(X.shape[1])
        self.smax = float(self.sq.max()) if X.shape[0] else 0.0

    def d2(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """float32 squared distances, ``len(rows) x len(cols)``."""
        d2 = self.X32[rows] @ self.X32[cols].T
        d2 *= -2.0
        d2 += self.sq32[rows, None]
        d2 += self.sq32[None, cols]
        return d2

    def tol(self, rows: np.ndarray) -> np.ndarray:
        """Bound on the error of ``d2(rows, z)`` for every sample ``z`` (float64)."""
        return self.scale * (self.sq[rows] + self.smax) * (1 + 1e-12)


def check_codes(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    Xa = check_X(X, unit_interval=False)
    ya = np.asarray(y).ravel()
    if ya.shape[0] != Xa.shape[0]:
        raise InputError(f"X has {Xa.shape[0]} samples but y has {ya.shape[0]}")
    codes = np.unique(ya, return_inverse=True)[1].astype(np.int64)
    return Xa, codes


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
    g = Geom(Xa)
    N = Xa.shape[0]
    best = np.full(N, np.inf, dtype=np.float32)
    # samples sorted by class: every tile is a pair of contiguous slices (no copies), reduced
    # while it is in cache (FAISS's exact search uses the same blocking)
    perm = np.argsort(codes, kind="stable")
    X32, sq32 = g.X32[perm], g.sq32[perm]
    ends = np.cumsum(np.bincount(codes)).tolist() if N else []
    # row tiles of every class against the later classes (the last class has no later one)
    tiles = [(r0, min(r0 + TILE_ROWS, hi), hi)
             for lo, hi in list(zip([0, *ends[:-1]], ends, strict=True))[:-1] for r0 in range(lo, hi, TILE_ROWS)]
    for r0, r1, hi in track(tiles, "separation: nearest other-label samples"):
        xr, rows_best = X32[r0:r1], best[r0:r1]
        for c0 in range(hi, N, TILE_COLS):
            c1 = min(c0 + TILE_COLS, N)
            d2 = xr @ X32[c0:c1].T
            d2 *= -2.0
            d2 += sq32[r0:r1, None]
            d2 += sq32[None, c0:c1]
            np.minimum(rows_best, d2.min(axis=1), out=rows_best)
            np.minimum(best[c0:c1], d2.min(axis=0), out=best[c0:c1])
    best[perm] = best.copy()
    computed = best.astype(np.float64)
    return computed, computed - g.tol(np.arange(Xa.shape[0]))


def nearest_enemy_bounds(X: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: rigorous upper and (positive) lower bounds on the squared distance
    ``c_i^2`` to the nearest other-label sample (float32 GEMM values +- their tolerance).

    Raises :class:`~memnets.ConflictingLabelsError` when the separation is zero. Where
    float32 cannot certify a positive bound (samples closer than the float tolerance) the
    separation is computed exactly with :func:`memnets.closest_opposite_pair` and used as
    the bound. The arrays are read-only.

    >>> up, lo = nearest_enemy_bounds(np.array([[0.0], [0.5], [2.0]]), np.array([0, 0, 1]))
    >>> bool((lo <= [4.0, 2.25, 2.25]).all() and ([4.0, 2.25, 2.25] <= up).all())
    True
    """
    computed, lower = nearest_enemy_sq(X, codes)
    upper = 2.0 * computed - lower  # computed + tolerance: a rigorous upper bound
    if float(lower.min()) <= 0.0:
        pair = closest_opposite_pair(X, codes)
        if pair.squared == 0:
            raise ConflictingLabelsError(pair.i, pair.j, int(codes[pair.i]), int(codes[pair.j]))
        lower = np.maximum(lower, float(pair.squared) * (1 - 4 * U64))
    upper.flags.writeable = False
    lower.flags.writeable = False
    return upper, lower
