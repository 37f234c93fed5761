"""The independent check of every rule: is a representative set consistent (every sample's
nearest representative has its label, proven despite float error)?"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from memnets._core.errors import InputError
from memnets._core.rounding import U64
from memnets._geometry.enemies import BLOCK_ELEMENTS, Geom, check_codes


def consistent_margins(X: Any, y: Any, reps: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: ``(d_+^2, d_-^2)``, squared distances to the nearest same-label and
    other-label representative, in float64 (direct differences, no cancellation), by
    chunks. ``reps`` is consistent iff ``d_+^2 < d_-^2`` everywhere (``inf`` when a
    label has no representative). An independent check of :func:`condense`.

    >>> p, m = consistent_margins([[0.0], [1.0], [3.0]], [0, 0, 1], [0, 2])
    >>> p.tolist(), m.tolist()
    ([0.0, 1.0, 0.0], [9.0, 4.0, 9.0])
    """
    Xa, codes = check_codes(X, y)
    r = np.asarray(reps, dtype=np.int64).ravel()
    if r.size and (r.min() < 0 or r.max() >= Xa.shape[0]):
        raise InputError(f"representative indices must lie in [0, {Xa.shape[0]}), got {r.min()}..{r.max()}")
    return _margins_rows(Xa, codes, r, np.arange(Xa.shape[0]))


def is_consistent(X: Any, y: Any, reps: Any) -> np.ndarray:
    """Per sample, ``True`` iff its nearest representative provably has its label
    (``d_+^2 < d_-^2``; a tie is ``False``). Exact, at float32 GEMM speed.

    float32 GEMM minima decide every sample whose gap exceeds the error bound
    (:func:`_tol_scale`); the rest are redone in float64 by direct differences
    (:func:`consistent_margins`, relative error ``<= gamma_{n+2}``), and the few still
    within that error in exact rational arithmetic. ``O(N R n)`` flops.

    >>> is_consistent([[0.0], [0.5], [1.0]], [0, 0, 1], [0, 2]).tolist()
    [True, False, True]
    """
    Xa, codes = check_codes(X, y)
    r = np.asarray(reps, dtype=np.int64).ravel()
    if r.size and (r.min() < 0 or r.max() >= Xa.shape[0]):
        raise InputError(f"representative indices must lie in [0, {Xa.shape[0]}), got {r.min()}..{r.max()}")
    g = Geom(Xa)
    n = Xa.shape[0]
    plus = np.full(n, np.inf, dtype=np.float32)
    minus = np.full(n, np.inf, dtype=np.float32)
    step = max(1, min(n, 4096))
    cstep = max(1, BLOCK_ELEMENTS // step)
    for s in range(0, n, step):
        rows = np.arange(s, min(n, s + step))
        for c0 in range(0, r.size, cstep):
            part = r[c0 : c0 + cstep]
            d2 = g.d2(rows, part)
            eq = codes[rows][:, None] == codes[part][None, :]
            plus[rows] = np.minimum(plus[rows], np.where(eq, d2, np.inf).min(axis=1))
            minus[rows] = np.minimum(minus[rows], np.where(eq, np.inf, d2).min(axis=1))
    tol = g.tol(np.arange(n))
    ok = plus.astype(np.float64) + tol < minus.astype(np.float64) - tol
    ok &= np.isfinite(plus)
    unsure = np.flatnonzero(~ok & np.isfinite(plus))
    if unsure.size:
        p64, m64 = _margins_rows(Xa, codes, r, unsure)
        gam = (Xa.shape[1] + 2) * U64 * 1.01
        sure = p64 * (1 + gam) < m64 * (1 - gam)
        ok[unsure[sure]] = True
        for i in unsure[~sure & (p64 <= m64 * (1 + 2 * gam))]:
            ok[i] = _exact_consistent(Xa, codes, r, int(i))
    return ok


def _margins_rows(X: np.ndarray, codes: np.ndarray, r: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float64 ``(d_+^2, d_-^2)`` of the samples ``rows`` (direct differences)."""
    plus = np.full(rows.size, np.inf)
    minus = np.full(rows.size, np.inf)
    step = max(1, 2**22 // max(r.size * max(X.shape[1], 1), 1))
    for s in range(0, rows.size, step):
        sel = rows[s : s + step]
        diff = X[sel, None, :] - X[r][None, :, :]
        d2 = np.einsum("ijk,ijk->ij", diff, diff)
        eq = codes[sel, None] == codes[r][None, :]
        plus[s : s + step] = np.where(eq, d2, np.inf).min(axis=1, initial=math.inf)
        minus[s : s + step] = np.where(eq, np.inf, d2).min(axis=1, initial=math.inf)
    return plus, minus


def _exact_consistent(X: np.ndarray, codes: np.ndarray, r: np.ndarray, i: int) -> bool:
    from fractions import Fraction

    xi = [Fraction(v) for v in X[i]]

    def d2(j: int) -> Fraction:
        return sum(((a - Fraction(b)) ** 2 for a, b in zip(xi, X[j], strict=True)), Fraction(0))

    same = [d2(int(j)) for j in r if codes[j] == codes[i]]
    other = [d2(int(j)) for j in r if codes[j] != codes[i]]
    return bool(same) and (not other or min(same) < min(other))
