"""Separation of a labelled dataset: the smallest distance between differently labelled samples.

.. math::

    c(X, y) = \\min_{i, j:\\ y_i \\ne y_j} \\lVert x_i - x_j \\rVert_2

Computed with chunked float32 matrix products (BLAS) to find candidate pairs, with a
rigorous bound on the float32 error, then the candidates are re-measured exactly in
rational arithmetic, so the minimising pair and its squared distance are exact.
Memory stays bounded: one block of rows against the other classes at a time, never an
``N x N`` matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._core.checks import check_labelled
from memnets._core.errors import InputError
from memnets._core.rounding import U32, U64

__all__ = ["SeparationPair", "closest_opposite_pair", "separation"]

_BLOCK_ELEMENTS = 2**25  # float32 entries per distance block (128 MiB)


@dataclass(frozen=True)
class SeparationPair:
    """The closest differently-labelled pair: indices ``i < j`` and exact squared distance."""

    i: int
    j: int
    squared: Fraction

    @property
    def distance(self) -> float:
        """sqrt(squared) as a float, without under/overflow of the square (0.0 only for 0)."""
        q = self.squared
        if q == 0:
            return 0.0
        k = (q.denominator.bit_length() - q.numerator.bit_length()) // 2  # q * 4**k ~ 1
        scaled = Fraction(q.numerator << 2 * k, q.denominator) if k >= 0 else Fraction(
            q.numerator, q.denominator << -2 * k
        )
        try:
            return math.ldexp(math.sqrt(scaled), -k)
        except OverflowError:
            return math.inf


def exact_squared_distance(a: np.ndarray, b: np.ndarray) -> Fraction:
    """Exact squared Euclidean distance of two float64 vectors (read as binary fractions)."""
    diff = [Fraction(float(u)) - Fraction(float(v)) for u, v in zip(a, b, strict=True) if u != v]
    return sum((d * d for d in diff), Fraction(0))


def closest_opposite_pair(X: Any, y: Any) -> SeparationPair:
    """Find the closest pair of samples with different labels, exactly.

    Parameters
    ----------
    X : array-like of shape (N, n)
        The samples.
    y : array-like of shape (N,)
        Their labels.

    Returns
    -------
    SeparationPair
        ``i < j`` (the pair's row indices), ``squared`` (the exact squared distance, a
        ``Fraction`` of the float64 inputs read as binary fractions) and ``distance``
        (its square root as a float); ``squared == 0`` for conflicting duplicates.

    Raises
    ------
    InputError
        Only one class.

    Examples
    --------
    >>> pair = closest_opposite_pair([[0.0, 0.0], [0.0, 0.5], [1.0, 1.0]], [0, 1, 1])
    >>> pair.i, pair.j, pair.squared, pair.distance
    (0, 1, Fraction(1, 4), 0.5)
    """
    Xa, _, classes, codes = check_labelled(X, y, unit_interval=False)
    if len(classes) < 2:
        raise InputError("separation needs at least two classes in y")
    order = np.argsort(codes, kind="stable")
    # Candidate search only (the winner is re-measured exactly on Xa): drop columns that are
    # constant (they add exactly 0 to every distance) and scale by a power of two so that
    # max |x| lies in [1/2, 1) (exact; float32 then neither overflows nor underflows).
    varying = np.flatnonzero(Xa.max(axis=0) != Xa.min(axis=0))
    Xs = Xa[order][:, varying] if varying.size else Xa[order][:, :1]
    amax = float(np.abs(Xs).max())
    if amax > 0.0:
        Xs = np.ldexp(Xs, -int(np.frexp(amax)[1]))
    cs = codes[order]
    bounds = np.searchsorted(cs, np.arange(len(classes) + 1))
    X32 = Xs.astype(np.float32)
    sq32 = np.einsum("ij,ij->i", X32, X32, dtype=np.float64).astype(np.float32)
    n = Xs.shape[1]
    # |computed d2 - true d2| <= tol_scale * (|x_i|^2 + |x_j|^2): float32 GEMM (gamma_n),
    # the three float32 operations of n_i + n_j - 2 g, and rounding X itself to float32.
    tol_scale = 1.25 * (n + 8) * U32
    max_sq = float(np.einsum("ij,ij->i", Xs, Xs).max())
    tol = tol_scale * 2.0 * max_sq + 1e-30
    best = math.inf
    cand_i: list[np.ndarray] = []
    cand_j: list[np.ndarray] = []
    cand_d: list[np.ndarray] = []
    for c in range(len(classes) - 1):
        lo, hi = int(bounds[c]), int(bounds[c + 1])
        cols = slice(hi, Xs.shape[0])
        Xc = X32[cols]
        if Xc.shape[0] == 0:
            continue
        step = max(1, _BLOCK_ELEMENTS // Xc.shape[0])
        for s in range(lo, hi, step):
            e = min(hi, s + step)
            d2 = X32[s:e] @ Xc.T
            d2 *= -2.0
            d2 += sq32[s:e, None]
            d2 += sq32[None, cols]
            block_min = float(d2.min())
            if block_min < best:
                best = block_min
            if block_min > best + 2.0 * tol:
                continue  # no candidate in this block
            rr, cc = np.nonzero(d2 <= best + 2.0 * tol)
            if rr.size:
                cand_i.append(rr + s)
                cand_j.append(cc + hi)
                cand_d.append(d2[rr, cc])
    ci = np.concatenate(cand_i)
    cj = np.concatenate(cand_j)
    cd = np.concatenate(cand_d)
    keep = cd <= best + 2.0 * tol
    ci, cj = ci[keep], cj[keep]
    # float64 re-measure (error ~1e-15 relative), then exact on the few that can still win
    d64 = np.einsum("ij,ij->i", Xs[ci] - Xs[cj], Xs[ci] - Xs[cj])
    tol64 = 4 * (n + 4) * U64 * (d64 + 4.0 * max_sq) + 1e-300
    finalists = np.flatnonzero(d64 - tol64 <= (d64 + tol64).min())
    winner: SeparationPair | None = None
    for k in finalists.tolist():
        a, b = int(order[ci[k]]), int(order[cj[k]])
        sq = exact_squared_distance(Xa[a], Xa[b])
        pair = SeparationPair(min(a, b), max(a, b), sq)
        if winner is None or (pair.squared, pair.i, pair.j) < (winner.squared, winner.i, winner.j):
            winner = pair
    assert winner is not None  # the global minimum is always a candidate
    return winner


def separation(X: Any, y: Any) -> float:
    r"""Minimum Euclidean distance between two samples with different labels.

    .. math::

        c(X, y) = \min_{i, j:\ y_i \ne y_j} \lVert x_i - x_j \rVert_2 .

    ``0.0`` means two identical samples carry different labels (no network can memorize
    such data). Exact up to the final square root: the minimising pair is certified in
    rational arithmetic (see :func:`closest_opposite_pair` for the pair itself).

    Parameters
    ----------
    X : array-like of shape (N, n)
        The samples.
    y : array-like of shape (N,)
        Their labels (at least two classes).

    Returns
    -------
    float
        The separation :math:`c(X, y)`.

    Examples
    --------
    >>> separation([[0.0, 0.0], [0.0, 0.5], [1.0, 1.0]], [0, 1, 1])
    0.5
    """
    return closest_opposite_pair(X, y).distance
