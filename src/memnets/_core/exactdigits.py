"""Exact Gram matrices of fixed-point data as three base-``2**52`` digits: the fast path of
:mod:`memnets._core.exactgram` for data whose integers ``M = X 2**T`` have at most three
21-bit limbs (``|M| < ~2**62``: pixels ``k/255`` have ``T <= 61``).

:class:`GramParts` holds the float64 limb GEMMs of :func:`memnets._core.exactgram.gram_words`
(``L (L + 1) / 2`` of them, Karatsuba crosses) and turns a block of rows into three int64
*digits* ``g_0 + g_1 2**52 + g_2 2**104`` (not carried) of the exact integer
``<M_a, M_b>``. Integer combinations of such digits are carried by :func:`carry52`, split
into sign and magnitude by :func:`magnitude52` and written as float64 expansions by
:func:`float_pieces`, equal bit for bit to :meth:`memnets._core.exactgram.Words.to_float_terms`
(piece ``q`` = bits ``[52 q, 52 q + 52)`` of ``|integer|``, the sign applied, times
``2**-scale``). Every step is a handful of int64 passes over a block that fits a cache.

**Exactness of one GEMM.** Limb entries are integers; for rows ``a``, ``b`` every partial
sum of ``sum_k a_k b_k`` (any order, FMA included) is bounded by ``sum_k |a_k b_k| <=
|a|_2 |b|_2`` (Cauchy-Schwarz). When ``max_a |a|_2 max_b |b|_2 <= 2**53`` every partial
sum is an integer of at most 53 bits, so every rounding is exact and one GEMM over all
``n`` columns is exact; the squared row norms are summed in float64 (terms ``<= 2**42``,
exact; the sum within ``(1 + n u)``), so the test inflates them by ``1 + 1e-6`` (valid
for ``n < 10**9``). Otherwise the columns are cut into :data:`~memnets._core.exactgram.CHUNK`
wide pieces, exact term by term (``CHUNK 2**(2 BETA) <= 2**53``).

**Digits.** With ``c`` chunks every word ``w_s`` (the coefficient of ``2**(21 s)``, a sum of
GEMM results of magnitude ``<= 3 * 2**53`` per chunk) stays below ``3 c 2**53 < 2**62``
for ``c <= 64``; word ``s`` at bit ``p = 21 s = 52 d + o`` adds ``(w & (2**(52-o) - 1)) << o``
(below ``2**52``) to digit ``d`` and ``w >> (52 - o)`` (floor; ``|.| < 2**(10 + o)``) to
digit ``d + 1``, an exact split. Callers need the combined integers below ``2**156``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from memnets._core.errors import InputError
from memnets._core.exactgram import BETA, CHUNK, limbs
from memnets._core.layers import entry_bits

__all__ = ["DIGIT", "GRID", "GramParts", "GridGram", "GridSide", "carry52", "float_pieces", "int_digits", "magnitude52", "n_limbs", "pieces_bits"]

#: bits per digit (= per float64 piece)
DIGIT = 52
_M52 = (1 << DIGIT) - 1
#: most column chunks for which the digit words stay inside int64
_MAX_CHUNKS = 64
_EXACT_GEMM = 2.0**53


def _combos(L: int) -> list[tuple[int, int]]:
    return [(k, m) for k in range(L) for m in range(k, L)]


class _Side:
    """The limbs of one side, and the largest row norm of every GEMM operand."""

    def __init__(self, X: np.ndarray, T: int, L: int) -> None:
        parts = limbs(X, T)
        if len(parts) > L:
            raise ValueError("more limbs than the digit path allows")
        zero = np.zeros_like(parts[0])
        self.limbs = parts + [zero] * (L - len(parts))
        self.norm: dict[tuple[int, int], float] = {}
        for k, m in _combos(L):
            op = self.limbs[k] if k == m else self.limbs[k] + self.limbs[m]
            sq = np.einsum("ij,ij->i", op, op)
            self.norm[(k, m)] = float(np.sqrt(sq.max(initial=0.0) * (1 + 1e-6)))

    def operand(self, k: int, m: int, c0: int, c1: int) -> np.ndarray:
        if k == m:
            return self.limbs[k][:, c0:c1]
        return self.limbs[k][:, c0:c1] + self.limbs[m][:, c0:c1]


def n_limbs(X: np.ndarray, T: int) -> int:
    """Limbs of ``X 2**T`` (from its largest magnitude, without splitting)."""
    top = float(np.abs(X).max(initial=0.0)) * 2.0**T
    L = 1
    while top > 2.0 ** (BETA * L - 1):
        L += 1
    return L


class GramParts:
    """The exact limb GEMMs of ``(A 2**T)(B 2**T)^T`` for ``A`` (p, n), ``B`` (q, n), at most
    ``L`` limbs (``<= 3``); :meth:`digits` returns rows of the exact products as digits.

    Raises ValueError when the data need more than ``L`` limbs or more than 64 chunks
    (the caller takes the general :func:`~memnets._core.exactgram.gram_words` path).
    """

    def __init__(self, A: np.ndarray, B: np.ndarray | _Side, T: int, L: int) -> None:
        if L > 3:
            raise ValueError("the digit path takes at most 3 limbs")
        a = _Side(A, T, L)
        b = B if isinstance(B, _Side) else _Side(B, T, L)
        n = A.shape[1]
        one = all(a.norm[c] * b.norm[c] <= _EXACT_GEMM for c in a.norm)
        cuts = [(0, n)] if one or n <= CHUNK else [(k, min(k + CHUNK, n)) for k in range(0, n, CHUNK)]
        if len(cuts) > _MAX_CHUNKS:
            raise ValueError("too many chunks for the digit path")
        self.L = L
        self.shape = (A.shape[0], b.limbs[0].shape[0])
        self.products = {
            c: [a.operand(*c, c0, c1) @ b.operand(*c, c0, c1).T for c0, c1 in cuts] for c in _combos(L)
        }

    @staticmethod
    def side(X: np.ndarray, T: int, L: int) -> _Side:
        """Limbs of one side, to reuse against many blocks of the other."""
        return _Side(X, T, L)

    def _get(self, c: tuple[int, int], rows: slice | tuple[slice, slice]) -> np.ndarray:
        parts = self.products[c]
        out = parts[0][rows].astype(np.int64)
        for p in parts[1:]:
            out += p[rows].astype(np.int64)
        return out

    def digits(self, rows: slice | tuple[slice, slice]) -> list[np.ndarray]:
        """Digits ``[g_0, g_1, g_2]`` (int64, not carried; ``|g_0| < 3 * 2**52``,
        ``|g_1| < 2**55``) of the exact integers of ``rows`` (a slice, or a tile)."""
        L = self.L
        d = [self._get((k, k), rows) for k in range(L)]
        words = [d[0]]
        if L >= 2:
            x01 = self._get((0, 1), rows)
            words.append(x01 - d[0] - d[1])
        if L == 2:
            words.append(d[1])
        if L == 3:
            x02, x12 = self._get((0, 2), rows), self._get((1, 2), rows)
            x02 += d[1]
            x02 -= d[0]
            x02 -= d[2]
            x12 -= d[1]
            x12 -= d[2]
            words += [x02, x12, d[2]]
        return _words_to_digits(words)


def _words_to_digits(words: Sequence[np.ndarray]) -> list[np.ndarray]:
    g = [np.zeros_like(words[0]) for _ in range(3)]
    for s, w in enumerate(words):
        d, o = divmod(BETA * s, DIGIT)
        low = w & ((1 << (DIGIT - o)) - 1)
        if o:
            low <<= o
        g[d] += low
        g[d + 1] += w >> (DIGIT - o)
    return g


def int_digits(values: Sequence[int]) -> list[np.ndarray]:
    """Non-negative Python ints below ``2**(104 + 62)`` as three carried int64 digits."""
    vals = [int(v) for v in values]
    return [np.array([(v >> (DIGIT * q)) & _M52 if q < 2 else v >> (2 * DIGIT) for v in vals], dtype=np.int64)
            for q in range(3)]


def carry52(v: list[np.ndarray]) -> list[np.ndarray]:
    """Carry three digits in place: ``v_0, v_1`` into ``[0, 2**52)``, ``v_2`` signed (floor)."""
    for q in range(2):
        c = v[q] >> DIGIT
        v[q] &= _M52
        v[q + 1] += c
    return v


def magnitude52(v: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """Digits of ``|integer|`` and the mask of negative integers, for carried digits.

    Branch-free two's complement: with ``s = -1`` on negatives (``0`` elsewhere),
    ``|V| = (V xor s) - s`` digit by digit (``v_q xor (s & M52)`` is ``M52 - v_q``), carried.
    """
    s = v[2] >> 63
    m = [v[0] ^ (s & _M52), v[1] ^ (s & _M52), v[2] ^ s]
    m[0] -= s
    return carry52(m), s != 0


def float_pieces(m: list[np.ndarray], neg: np.ndarray | None, n_terms: int, scale: int) -> list[np.ndarray]:
    """:meth:`~memnets._core.exactgram.Words.to_float_terms` from magnitude digits: piece ``q``
    is ``(-1 if neg else 1) m_q 2**(52 q - scale)`` (``neg`` None: all non-negative).

    Raises :class:`InputError` as ``to_float_terms`` does when an integer needs more than
    ``n_terms`` pieces; ``scale <= 1022`` keeps every power of two normal (ValueError else).
    """
    if scale > 1022 or not 1 <= n_terms <= 3:
        raise ValueError("float_pieces: scale above 1022 or not 1 to 3 terms")
    if any(d.any() for d in m[n_terms:]) or (m[n_terms - 1] >> DIGIT).any():
        raise InputError(f"integers of more than {DIGIT * n_terms} bits need more than {n_terms} float64 terms")
    sign = None if neg is None else np.where(neg, -1.0, 1.0)
    out = []
    for q in range(n_terms):
        f = m[q].astype(np.float64)
        if sign is not None:
            f *= sign
        f *= 2.0 ** (DIGIT * q - scale)  # exact: the same value as ldexp, a normal power of two
        out.append(f)
    return out


def pieces_bits(m: list[np.ndarray], n_terms: int, scale: int, floor: int) -> int:
    """``max(floor, entry_bits(piece) for each piece)`` from the magnitude digits.

    A non-zero piece ``m 2**k`` (``k = 52 q - scale``, ``1 <= m < 2**52``, ``t`` trailing
    zeros of ``m``) needs ``bitlen(m) + k`` bits if ``t + k >= 0``, else
    ``max(bitlen(m) - t, 1 - k - t)`` (:func:`memnets._core.layers.entry_bits`). So
    ``k >= 0`` gives ``bitlen(max m) + k``; ``k <= -51`` gives ``1 - k - min t`` (``min t``
    from the bitwise OR of all digits) when ``min t < -k``; either way the piece is at most
    ``max(52 + k, 52, 1 - k)`` bits, so a piece below ``floor`` is skipped; anything else is
    read entry by entry (:func:`~memnets._core.layers.entry_bits`).
    """
    best = floor
    for q in range(n_terms):
        k = DIGIT * q - scale
        digits = m[q]
        if max(52 + k, 52, 1 - k) <= best:
            continue
        if k >= 0:
            top = int(digits.max(initial=0))
            if top:
                best = max(best, top.bit_length() + k)
            continue
        acc = int(np.bitwise_or.reduce(digits, axis=None)) if digits.size else 0
        if acc == 0:
            continue
        t = (acc & -acc).bit_length() - 1
        if k <= -51 and t < -k:
            best = max(best, 1 - k - t)
        else:
            best = max(best, entry_bits(digits.astype(np.float64) * 2.0**k))
    return best


# --------------------------------------------------------------------------- the k/255 grid
#: odd denominator of the data grid that :class:`GridGram` recognises (8-bit images ``k/255``)
GRID = 255
_GRID_INV = pow(GRID * GRID, -1, 1 << 64)
_GRID_CHUNK = 2**19  # entries per chunk of the split
_GRID_INV64 = np.int64(_GRID_INV - (1 << 64) if _GRID_INV >= 1 << 63 else _GRID_INV)


class GridSide:
    """``q M = K 2**T + R`` for one side (``q = 255``, ``M = X 2**T``): ``K = rint(q X)``
    and the int64 remainder ``R`` (both stored as float64 integers), with the largest row
    norms of ``K``, ``R`` and ``K + R``. Build with :meth:`of`, which returns None unless
    ``|R| < 2**52`` (data near the grid ``k/255``).

    ``R`` is computed in int64 arithmetic, which NumPy wraps modulo ``2**64``; its true value is
    ``2**T (q x - K)``, of magnitude ``<= 2**T (1/2 + q 2**-53) < 2**62`` for ``T <= 61``, so
    the wrapped result is the exact one.
    """

    def __init__(self, K: np.ndarray, R: np.ndarray, KR: np.ndarray, norm: dict[str, float] | None = None) -> None:
        self.K, self.R, self.KR = K, R, KR
        self.norm = norm if norm is not None else {
            name: float(np.sqrt(np.einsum("ij,ij->i", a, a).max(initial=0.0) * (1 + 1e-6)))
            for name, a in (("K", K), ("R", R), ("KR", KR))}

    @classmethod
    def of(cls, X: np.ndarray, T: int) -> GridSide | None:
        if T > 61 or X.size == 0 or not max(-float(X.min()), float(X.max())) < 2.0:
            return None
        K, Rf, KR = np.empty_like(X), np.empty_like(X), np.empty_like(X)

        def chunk(r: slice) -> dict[str, float] | None:
            M = (X[r] * 2.0**T).astype(np.int64)  # exact: an integer array (T is its fixed-point exponent) below 2**62
            k = np.multiply(X[r], GRID, out=K[r])
            np.rint(k, out=k)
            Ku = k.astype(np.int64)
            Ku *= 1 << T  # wraps modulo 2**64, as the remainder below needs
            M *= GRID
            M -= Ku  # R = q M - K 2**T modulo 2**64: the exact R (|R| < 2**62)
            if not (int(M.min()) > -(2**52) and int(M.max()) < 2**52):
                return None
            Rf[r] = M
            np.add(k, Rf[r], out=KR[r])
            return {name: float(np.einsum("ij,ij->i", a, a).max(initial=0.0))
                    for name, a in (("K", k), ("R", Rf[r]), ("KR", KR[r]))}

        step = max(1, _GRID_CHUNK // max(X.shape[1], 1))  # rows per in-cache chunk; two threads
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(chunk, [slice(r0, min(r0 + step, X.shape[0])) for r0 in range(0, X.shape[0], step)]))
        if any(p is None for p in parts):
            return None
        sq = {name: max(p[name] for p in parts if p is not None) for name in ("K", "R", "KR")}
        return cls(K, Rf, KR, {name: float(np.sqrt(v * (1 + 1e-6))) for name, v in sq.items()})

    def rows(self, rows: np.ndarray) -> GridSide:
        """The side of some rows (a view when they are consecutive); the norms stay valid bounds."""
        sel: Any = rows
        if rows.size and np.array_equal(rows, np.arange(rows[0], rows[0] + rows.size)):
            sel = slice(int(rows[0]), int(rows[0]) + rows.size)
        return GridSide(self.K[sel], self.R[sel], self.KR[sel], self.norm)

    def sq_norms(self, T: int) -> list[int]:
        """Exact ``|M_i|^2 2**0`` (the integers ``|x_i 2**T|^2``) of every row: ``q^2 |M|^2 =
        2**2T |K|^2 + 2**(T+1) <K, R> + |R|^2``, three float64 row sums exact when every
        row norm product is at most ``2**53`` (checked by :meth:`exact_with`), divided by ``q^2``."""
        kk, kr, rr = (np.einsum("ij,ij->i", a, b) for a, b in ((self.K, self.K), (self.K, self.R), (self.R, self.R)))
        out = []
        for a, b, c in zip(kk.tolist(), kr.tolist(), rr.tolist(), strict=True):
            z = (int(a) << (2 * T)) + (int(b) << (T + 1)) + int(c)
            s, rem = divmod(z, GRID * GRID)
            if rem:  # pragma: no cover - would contradict q M = K 2**T + R
                raise ArithmeticError("grid split: |q M|^2 not divisible by q^2")
            out.append(s)
        return out

    def exact_with(self, other: GridSide) -> bool:
        """Every GEMM of the two sides (and every row norm) has partial sums ``<= 2**53``."""
        sides = (self, other)
        return all(a.norm[k] * b.norm[k] <= _EXACT_GEMM for a in sides for b in sides for k in ("K", "R", "KR"))


class GridGram:
    """Exact ``(A 2**T)(B 2**T)^T`` for data near the grid ``k/255``, from three GEMMs
    (instead of six on limbs): ``q^2 <M_a, M_b> = 2**2T <K_a, K_b> + 2**T c + <R_a, R_b>``,
    ``c = <K_a + R_a, K_b + R_b> - <K_a, K_b> - <R_a, R_b>``, each GEMM exact by the
    Cauchy-Schwarz test of :meth:`GridSide.exact_with`. :meth:`digits` divides by ``q^2``
    exactly (Hensel, from the low digit up: ``w_0 = z_0 q^{-2} mod 2**52``, the exact carry
    ``(z_0 - q^2 w_0) / 2**52`` read from a float64 estimate within ``2**-36`` of an
    integer, and so on; the top digit by one float64 division of an integer below
    ``2**53`` that ``q^2`` divides, checked). Needs ``q^2 |<M_a, M_b>| < 2**156``.
    """

    def __init__(self, A: GridSide, B: GridSide, T: int) -> None:
        self.T = T
        self.KK = A.K @ B.K.T
        self.RR = A.R @ B.R.T
        self.EE = A.KR @ B.KR.T

    def digits(self, rows: slice | tuple[slice, slice]) -> list[np.ndarray]:
        """Carried digits ``[g_0, g_1, g_2]`` of the exact integers of ``rows`` (a slice, or a tile)."""
        kk, rr = self.KK[rows].astype(np.int64), self.RR[rows].astype(np.int64)
        cr = self.EE[rows].astype(np.int64)
        cr -= kk
        cr -= rr
        z = [np.zeros_like(kk) for _ in range(4)]
        for w, p in ((rr, 0), (cr, self.T), (kk, 2 * self.T)):
            d, o = divmod(p, DIGIT)
            low = w & ((1 << (DIGIT - o)) - 1)
            if o:
                low <<= o
            z[d] += low
            z[d + 1] += w >> (DIGIT - o)
        for q in range(3):
            c = z[q] >> DIGIT
            z[q] &= _M52
            z[q + 1] += c
        d2 = float(GRID * GRID)
        out = []
        carry = None
        for q in range(2):
            zq = z[q] if carry is None else z[q] + carry
            w = (zq * _GRID_INV64) & _M52  # int64 products wrap modulo 2**64: the low bits are exact
            est = zq.astype(np.float64)
            est -= w.astype(np.float64) * d2
            est *= 2.0**-DIGIT
            carry = np.rint(est).astype(np.int64)
            out.append(w)
        top = z[3] << DIGIT
        top += z[2]
        top += carry
        w2 = np.rint(top.astype(np.float64) / d2).astype(np.int64)
        if not np.array_equal(w2 * (GRID * GRID), top):  # pragma: no cover - a proof check
            raise ArithmeticError("grid Gram: exact division by q^2 failed")
        out.append(w2)
        return out
