"""Exact inner products and squared distances of float64 vectors, at BLAS speed.

A float64 array ``X`` is a matrix of binary fractions: with ``T`` = :func:`fixed_point_exponent`
every ``M = X * 2**T`` is an integer (up to ``~2**1100`` bits wide in principle, ``2**61``
for pixels ``k/255``). Inner products ``<a, b> = (M_a . M_b) / 2**(2T)`` are then integers
over one power of two, and this module computes those integers *exactly* with ordinary
float64 GEMMs (the Ozaki-style splitting of error-free matrix products):

1. split ``M`` into ``L`` balanced limbs of ``BETA = 21`` bits,
   ``M = sum_l A_l 2**(BETA l)``, ``|A_l| <= 2**(BETA - 1)`` (:func:`limbs`; exact float64
   operations: scaling by powers of two, rounding, and a subtraction whose result is
   representable);
2. multiply limbs: ``A_l B_m^T`` over inner chunks of ``CHUNK = 2**(53 - 2 BETA) = 2048``
   columns. Every term is an integer of magnitude ``<= 2**(2 BETA)`` (``2**BETA`` for a sum
   of two limbs), so every partial sum of a chunk stays ``<= 2**53``: the float64 GEMM is
   **exact** whatever the summation order (FMA included). Cross products use Karatsuba,
   ``A_l B_m + A_m B_l = (A_l + A_m)(B_l + B_m) - A_l B_l - A_m B_m``: ``L (L + 1) / 2``
   GEMMs instead of ``L**2`` (6 instead of 9 for 61-bit pixels);
3. accumulate the chunk results as int64 *words*: the exact integer is
   ``sum_s W_s 2**(BETA s)`` (:class:`Words`), carried so every word but the top one lies
   in ``[0, 2**BETA)``.

Words convert exactly to Python ints (:meth:`Words.to_ints`, for small blocks) or to
*float64 expansions* (:meth:`Words.to_float_terms`): ``Q`` float64 numbers with pairwise
disjoint bit ranges whose exact sum is the integer times ``2**-(2T)`` -- how the pairwise
network (:mod:`memnets._blocks.pair_layers`) stores constants that need ~140 bits as sums of
float64 entries.

>>> import numpy as np
>>> A = np.array([[1/3, 2/3], [0.1, 0.7]]); B = np.array([[0.2, 0.9]])
>>> T = fixed_point_exponent(A, B)
>>> Z = gram_words(A, B, T).to_ints()          # exact <a_i, b_j> * 2**(2T)
>>> from fractions import Fraction as Fr
>>> Fr(int(Z[0, 0]), 2**(2 * T)) == Fr(1/3) * Fr(0.2) + Fr(2/3) * Fr(0.9)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from memnets._core.errors import InputError
from memnets._core.rounding import dyadic_parts

__all__ = [
    "BETA",
    "CHUNK",
    "Split",
    "Words",
    "fixed_point_exponent",
    "fixed_point_ints",
    "gram_ints",
    "gram_words",
    "limbs",
    "sq_norm_ints",
    "sq_norm_words",
]

#: bits per limb and per word
BETA = 21
#: inner-dimension chunk of one exact GEMM: ``CHUNK * 2**(2 BETA) <= 2**53``
CHUNK = 2 ** (53 - 2 * BETA)
_MASK = (1 << BETA) - 1
#: largest T for which ``X * 2**T`` stays a finite float64 for ``|x| <= 1`` with room to spare
_MAX_SHIFT = 960
#: the fixed-point shortcut of :func:`fixed_point_exponent` (int64 integers ``|v| 2**61 < 2**62``)
_FAST_T = 61


def fixed_point_exponent(*arrays: np.ndarray, chunk: int = 1 << 20) -> int:
    """The smallest ``T >= 0`` such that every entry of every array times ``2**T`` is an integer.

    Read from the bit patterns (:func:`memnets._core.rounding.dyadic_parts`): the lowest set
    bit of ``|v| = odd * 2**e`` is ``2**e``. Arrays with ``|v| < 2`` whose entries times
    ``2**61`` are all integers (pixels ``k/255``, every ``T <= 61``) take a shortcut:
    ``M = v 2**61`` is then an exact int64 and ``T = max(0, 61 - tz)`` with ``tz`` the
    trailing zeros of the bitwise OR of all ``M`` (the smallest trailing-zero count of any
    entry; two's complement keeps it for negatives).

    >>> fixed_point_exponent(np.array([0.5, 0.75, 3.0]))
    2
    """
    T = 0
    for a in arrays:
        fast = _exponent_int64(a, chunk)
        if fast is not None:
            T = max(T, fast)
            continue
        for _, e in dyadic_parts(a, chunk):
            T = max(T, int(-e.min()))
    return T


def _exponent_int64(a: np.ndarray, chunk: int) -> int | None:
    """:func:`fixed_point_exponent` of one array when ``|a| < 2`` and ``a 2**61`` is integral, else None."""
    flat = np.ascontiguousarray(a, dtype=np.float64).reshape(-1)
    acc = 0
    for s in range(0, flat.size, chunk):
        q = flat[s : s + chunk] * 2.0**_FAST_T  # exact: a power of two, no overflow below 2**1023
        if not (np.abs(q) < 2.0**62).all():
            return None
        m = q.astype(np.int64)  # exact for |q| < 2**62 when q is an integer ...
        if not np.array_equal(m.astype(np.float64), q):  # ... which this checks
            return None
        acc |= int(np.bitwise_or.reduce(m))
    if acc == 0:
        return 0
    tz = (acc & -acc).bit_length() - 1
    return max(0, _FAST_T - tz)


def limbs(X: np.ndarray, T: int) -> list[np.ndarray]:
    """Balanced base-``2**BETA`` limbs of ``M = X * 2**T``: ``M = sum_l A_l 2**(BETA l)``.

    Every limb is a float64 array of integers with ``|A_l| <= 2**(BETA - 1)``; all
    operations are exact (powers of two, round-half-even, a representable difference).
    Raises :class:`InputError` when ``X * 2**T`` is not an integer array or overflows.
    """
    Xa = np.asarray(X, dtype=np.float64)
    if T > _MAX_SHIFT or (Xa.size and float(np.abs(Xa).max()) * 2.0 ** min(T, 1000) >= 2.0**1000):
        raise InputError(f"values too large for an exact fixed-point split at 2**{T}")
    q = Xa * 2.0**T  # scaling by powers of two is exact (ldexp's result, several times faster)
    if not np.array_equal(q, np.rint(q)):
        raise InputError(f"X * 2**{T} is not an integer array")
    out: list[np.ndarray] = []
    while True:
        nq = q * 2.0**-BETA  # exact: q is an integer below 2**1000, no underflow
        np.rint(nq, out=nq)  # round half to even, as np.round
        limb = nq * -(2.0**BETA)
        limb += q  # q - nq 2**BETA: |.| <= 2**(BETA-1), exact
        out.append(limb)
        q = nq
        if not q.any():
            return out


@dataclass
class Words:
    """An array of exact integers ``sum_s words[s] * 2**(BETA s)`` times ``2**-scale``.

    ``words`` are int64 arrays of one shape; after :meth:`carry` every word but the last
    lies in ``[0, 2**BETA)`` and the last carries the sign. ``scale`` is the power of two
    the integers are divided by (``2T`` for inner products of ``T``-fixed-point data).
    """

    words: list[np.ndarray]
    scale: int

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.words[0].shape)

    def carry(self) -> Words:
        """Propagate carries (in place): words ``0 .. top-1`` into ``[0, 2**BETA)``, the top
        word (signed) into ``[-2**BETA, 2**BETA)``, adding words as needed."""
        w = self.words
        for s in range(len(w) - 1):
            c = w[s] >> BETA  # floor division: the low part becomes [0, 2**BETA)
            if c.any():
                w[s] = w[s] - (c << BETA)
                w[s + 1] = w[s + 1] + c
        while ((w[-1] >= (1 << BETA)) | (w[-1] < -(1 << BETA))).any():
            c = w[-1] >> BETA
            w[-1] = w[-1] - (c << BETA)
            w.append(c)
        while len(w) > 1 and not w[-1].any():
            w.pop()  # a zero top word over non-negative lower words adds nothing
        return self

    def combine(self, terms: Sequence[tuple[int, Words]]) -> Words:
        """``self + sum_k c_k t_k`` for small integer ``c_k`` and carried ``t_k`` of equal scale
        (broadcasting shapes)."""
        count = max(len(self.words), *(len(t.words) for _, t in terms))
        out = []
        for s in range(count):
            acc = self.words[s] if s < len(self.words) else np.zeros((), dtype=np.int64)
            for c, t in terms:
                if s < len(t.words):
                    acc = acc + c * t.words[s]
            out.append(np.asarray(acc, dtype=np.int64))
        shape = np.broadcast_shapes(*(a.shape for a in out))
        return Words([np.broadcast_to(a, shape).copy() for a in out], self.scale).carry()

    def negative(self) -> np.ndarray:
        """Boolean mask of the negative entries (words must be carried)."""
        return self.words[-1] < 0

    def to_ints(self) -> np.ndarray:
        """The exact integers as an object array of Python ints (use on small blocks)."""
        acc = self.words[-1].astype(object)
        for w in reversed(self.words[:-1]):
            acc = (acc << BETA) + w.astype(object)
        return np.asarray(acc, dtype=object)

    def bits(self) -> int:
        """The largest bit length of ``|integer|`` over the array (words carried)."""
        neg = self.negative()
        mag = Words([np.where(neg, -w, w) for w in self.words], self.scale).carry()
        top = int(mag.words[-1].max(initial=0))
        if top == 0 and len(mag.words) == 1:
            return 0
        return BETA * (len(mag.words) - 1) + top.bit_length()

    def to_float_terms(self, n_terms: int) -> list[np.ndarray]:
        """Exact float64 expansions: ``n_terms`` arrays ``f_q`` whose exact sum is the value
        (``integer * 2**-scale``); ``f_q`` holds bits ``[52 q, 52 q + 52)`` of ``|integer|``
        (the top term everything above), with the sign applied, times ``2**-scale``.

        Every ``f_q`` is a float64 *exactly* (an integer below ``2**52`` times a power of
        two). Needs ``|integer| < 2**(52 n_terms)`` and ``scale <= 1074`` (so the lowest
        term is inside float64's range): :class:`InputError` otherwise.
        """
        if self.scale > 1074:
            raise InputError(f"2**-{self.scale} is below float64's range: no float64 expansion")
        neg = self.negative()
        mag = Words([np.where(neg, -w, w) for w in self.words], self.scale).carry()
        top = int(mag.words[-1].max(initial=0))
        bits = BETA * (len(mag.words) - 1) + top.bit_length()
        if bits > 52 * n_terms:
            raise InputError(f"integers of {bits} bits need more than {n_terms} float64 terms")
        sign = np.where(neg, -1.0, 1.0)
        out = []
        for q in range(n_terms):
            qlo, qhi = 52 * q, 52 * (q + 1)
            digit = np.zeros(self.shape, dtype=np.int64)
            for s, w in enumerate(mag.words):
                pos = BETA * s
                lo = max(0, qlo - pos)
                hi = min(BETA, qhi - pos)
                if hi <= lo:
                    continue
                digit += ((w >> lo) & ((1 << (hi - lo)) - 1)) << (pos + lo - qlo)
            out.append(np.ldexp(sign * digit.astype(np.float64), qlo - self.scale))
        return out


def _chunks(n: int) -> list[tuple[int, int]]:
    return [(k, min(k + CHUNK, n)) for k in range(0, n, CHUNK)] or [(0, 0)]


class Split:
    """The limbs of ``X * 2**T`` cut into contiguous column chunks, ready for :func:`gram_words`
    (split one side once when it meets many blocks of the other)."""

    def __init__(self, X: np.ndarray, T: int) -> None:
        parts = limbs(X, T)
        self.T = T
        self.rows = parts[0].shape[0]
        self.chunks = [[np.ascontiguousarray(p[:, c0:c1]) for p in parts] for c0, c1 in _chunks(parts[0].shape[1])]

    @property
    def n_limbs(self) -> int:
        return len(self.chunks[0])


def gram_words(A: np.ndarray | Split, B: np.ndarray | Split, T: int | None = None) -> Words:
    """Exact ``(A 2**T)(B 2**T)^T`` as carried :class:`Words` with ``scale = 2T``.

    ``A`` (p, n) and ``B`` (q, n) float64 with ``A 2**T``, ``B 2**T`` integer arrays
    (``T >= fixed_point_exponent(A, B)``), or :class:`Split` s of such arrays (same ``T``).
    Cost: ``L (L + 1) / 2`` float64 GEMMs of ``p x n x q`` (``L`` limbs of 21 bits), each
    exact (see the module docstring).
    """
    if not isinstance(A, Split) or not isinstance(B, Split):
        if T is None:
            T = A.T if isinstance(A, Split) else B.T if isinstance(B, Split) else fixed_point_exponent(A, B)
        A = A if isinstance(A, Split) else Split(A, T)
        B = B if isinstance(B, Split) else Split(B, T)
    if A.T != B.T or len(A.chunks) != len(B.chunks):
        raise InputError("gram_words: the two splits differ in T or columns")
    L = max(A.n_limbs, B.n_limbs)
    words = [np.zeros((A.rows, B.rows), dtype=np.int64) for _ in range(2 * L)]
    grown = 0  # word magnitudes are below grown * 2**53
    for ca, cb in zip(A.chunks, B.chunks, strict=True):
        za, zb = np.zeros_like(ca[0]), np.zeros_like(cb[0])
        ca = ca + [za] * (L - len(ca))
        cb = cb + [zb] * (L - len(cb))
        diag = [(ca[k] @ cb[k].T).astype(np.int64) for k in range(L)]
        for k in range(L):
            words[2 * k] += diag[k]
        for k in range(L):
            for m in range(k + 1, L):
                cross = ((ca[k] + ca[m]) @ (cb[k] + cb[m]).T).astype(np.int64)  # |sum| <= 2**BETA
                cross -= diag[k]
                cross -= diag[m]
                words[k + m] += cross
        # each word grows by <= 3 L 2**53 per chunk: carry before int64 could overflow
        grown += 3 * L
        if grown + 3 * L >= 2**9:
            Words(words, 2 * A.T).carry()
            grown = 1
    return Words(words, 2 * A.T).carry()


def sq_norm_words(X: np.ndarray, T: int) -> Words:
    """Exact squared norms ``|x_i 2**T|**2`` (shape (N,)) as :class:`Words`, ``scale = 2T``."""
    la = limbs(X, T)
    L = len(la)
    N = la[0].shape[0]
    words = [np.zeros(N, dtype=np.int64) for _ in range(2 * L)]
    for c0, c1 in _chunks(la[0].shape[1]):
        for k in range(L):
            for m in range(k, L):
                # |A_k A_m| <= 2**(2 BETA - 2): a chunk sum stays <= 2**53, exact
                s = np.einsum("ij,ij->i", la[k][:, c0:c1], la[m][:, c0:c1]).astype(np.int64)
                words[k + m] += s if k == m else 2 * s
        Words(words, 2 * T).carry()
    return Words(words, 2 * T).carry()


def fixed_point_ints(X: np.ndarray, T: int) -> np.ndarray:
    """``X * 2**T`` as an object array of Python ints (exact; for small arrays)."""
    Xa = np.asarray(X, dtype=np.float64)
    out = np.empty(Xa.shape, dtype=object)
    flat = out.reshape(-1)
    for k, v in enumerate(Xa.ravel().tolist()):
        p, q = float(v).as_integer_ratio()
        num = p << T
        if num % q:
            raise InputError(f"X * 2**{T} is not an integer array")
        flat[k] = num // q
    return out


def gram_ints(A: np.ndarray, B: np.ndarray, T: int) -> np.ndarray:
    """Exact ``(A 2**T)(B 2**T)^T`` as Python ints: limb GEMMs (:func:`gram_words`) when
    ``T <= 960``, plain Python integers otherwise (tiny or huge entries; small arrays)."""
    if T <= _MAX_SHIFT:
        try:
            return gram_words(A, B, T).to_ints()
        except InputError:
            pass  # |x| 2**T beyond float64: fall through to Python integers
    Ma, Mb = fixed_point_ints(A, T), fixed_point_ints(B, T)
    out = np.empty((Ma.shape[0], Mb.shape[0]), dtype=object)
    for i in range(Ma.shape[0]):
        row = Ma[i]
        for j in range(Mb.shape[0]):
            out[i, j] = int(sum(a * b for a, b in zip(row.tolist(), Mb[j].tolist(), strict=True)))
    return out


def sq_norm_ints(X: np.ndarray, T: int) -> np.ndarray:
    """Exact ``|x_i 2**T|**2`` as Python ints (limbs when ``T <= 960``, else Python)."""
    if T <= _MAX_SHIFT:
        try:
            return sq_norm_words(X, T).to_ints()
        except InputError:
            pass
    M = fixed_point_ints(X, T)
    return np.array([int(sum(v * v for v in row.tolist())) for row in M] or [], dtype=object)
