"""Exact linear algebra over the rationals: echelon forms, ranks and null vectors.

Matrices are NumPy arrays whose entries are read exactly: Python ``int``,
:class:`fractions.Fraction` (``object`` arrays) or float64, a float64 being the dyadic
rational it stores. The arithmetic is exact throughout: no tolerance, no rounding, so a
rank or a null vector is the true one of the matrix as stored. One function chooses
something in floating point: :func:`pivoted_null_vector` picks its pivots by a float QR, so
its vector is re-checked with :func:`is_null` by the caller (a wrong pivot costs a
fallback, never a wrong answer).

Used by :attr:`memnets.ReLUNetwork.rank_first_layer` (:func:`exact_rank`) and by the width
audit's null direction of W_1 (:func:`memnets.theory.audit.null_direction`).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

__all__ = ["exact_null_vector", "exact_rank", "is_null", "pivoted_null_vector", "rational_rref"]


def rational_rref(a: np.ndarray) -> tuple[list[list[Fraction]], list[int]]:
    """Reduced row echelon form over the rationals: ``(rows, pivot columns)``.

    Exact Gauss-Jordan elimination on the entries read as fractions (floats exactly); the
    rank is ``len(pivots)`` and the null space is read off the free columns.
    """
    rows = [[Fraction(v) for v in row] for row in a.tolist()]
    n = a.shape[1] if a.ndim == 2 else 0
    pivots: list[int] = []
    r = 0
    for col in range(n):
        if r == len(rows):
            break
        piv = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if piv is None:
            continue
        rows[r], rows[piv] = rows[piv], rows[r]
        inv = 1 / rows[r][col]
        rows[r] = [x * inv for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                f = rows[i][col]
                rows[i] = [x - f * y for x, y in zip(rows[i], rows[r], strict=True)]
        pivots.append(col)
        r += 1
    return rows, pivots


def exact_rank(a: np.ndarray) -> int:
    """Rank over the rationals."""
    return len(rational_rref(a)[1])


def exact_null_vector(w: np.ndarray) -> tuple[Fraction, ...] | None:
    """A non-zero rational v with W v = 0 (None if W has full column rank).

    Reduced row echelon form over the rationals; v has 1 at the first free column, 0 at the
    other free columns, and minus that column's RREF entries at the pivots.
    """
    rows, pivots = rational_rref(w)
    n = w.shape[1]
    free = [c for c in range(n) if c not in set(pivots)]
    if not free:
        return None
    j = free[0]
    v = [Fraction(0)] * n
    v[j] = Fraction(1)
    for i, c in enumerate(pivots):
        v[c] = -rows[i][j]
    return tuple(v)


def _bareiss_solve(M: list[list[int]]) -> list[Fraction] | None:
    """Solve the r x r integer system ``M[:, :r] x = M[:, r]`` exactly (None if singular).

    Fraction-free Bareiss elimination (every division is exact, entries stay integers of
    at most r (bits + log r) bits), then back substitution over the rationals.
    """
    r = len(M)
    prev = 1
    for k in range(r):
        p = next((i for i in range(k, r) if M[i][k] != 0), None)
        if p is None:
            return None
        M[k], M[p] = M[p], M[k]
        mk, mkk = M[k], M[k][k]
        for i in range(k + 1, r):
            mi, mik = M[i], M[i][k]
            for j in range(k + 1, r + 1):
                mi[j] = (mi[j] * mkk - mik * mk[j]) // prev
            mi[k] = 0
        prev = mkk
    x = [Fraction(0)] * r
    for i in reversed(range(r)):
        acc = Fraction(M[i][r]) - sum((M[i][c] * x[c] for c in range(i + 1, r)), Fraction(0))
        x[i] = acc / M[i][i]
    return x


def pivoted_null_vector(w: np.ndarray, rank: int) -> tuple[Fraction, ...] | None:
    """Exact null vector of a float64 W of the given rank: pivots chosen in floating point
    (QR with column pivoting), the r x r system solved exactly on the integer-scaled rows.
    The caller re-checks ``W v == 0`` exactly, so a misjudged pivot can only cost a fallback."""
    import scipy.linalg

    _, _, pcols = scipy.linalg.qr(w, pivoting=True, mode="economic")
    cols = sorted(int(c) for c in pcols[:rank])
    _, _, prows = scipy.linalg.qr(w[:, cols].T, pivoting=True, mode="economic")
    rows = sorted(int(r) for r in prows[:rank])
    free = next(c for c in range(w.shape[1]) if c not in set(cols))
    system = []
    for i in rows:
        fr = [Fraction(float(w[i, c])) for c in (*cols, free)]
        den = math.lcm(*(f.denominator for f in fr))
        ints = [int(f * den) for f in fr]
        system.append([*ints[:-1], -ints[-1]])
    x = _bareiss_solve(system)
    if x is None:
        return None
    v = [Fraction(0)] * w.shape[1]
    v[free] = Fraction(1)
    for c, xc in zip(cols, x, strict=True):
        v[c] = xc
    return tuple(v)


def is_null(w: np.ndarray, v: tuple[Fraction, ...]) -> bool:
    """``W v == 0`` exactly (entries of W read as rationals, only the support of v summed)."""
    support = [k for k, x in enumerate(v) if x != 0]
    return all(sum((Fraction(row[k]) * v[k] for k in support), Fraction(0)) == 0 for row in w.tolist())
