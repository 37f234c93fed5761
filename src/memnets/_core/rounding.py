"""Floating-point rounding constants and the error factor :math:`\\gamma_m`, in one place.

Every certified float evaluation in memnets bounds its rounding error with the standard
model of floating-point arithmetic (Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., §2.2 and Lemma 3.1): each operation returns ``x (1 + d)`` with
``|d| <= u``, the *unit roundoff* of the format, and a sum of ``m`` products computed in any
order (FMA included) is off by at most

.. math:: \\gamma_m \\sum_j |a_j b_j|, \\qquad \\gamma_m = \\frac{m u}{1 - m u}\\quad (m u < 1).

>>> U64 == 2.0**-53, U32 == 2.0**-24, unit_roundoff("float32") == U32
(True, True, True)
>>> from fractions import Fraction
>>> exact = Fraction(2 * U64) / (1 - Fraction(2 * U64))
>>> Fraction(gamma(2, U64)) >= exact > Fraction(np.nextafter(gamma(2, U64), 0))
True
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["U32", "U64", "dyadic_parts", "gamma", "gammas", "unit_roundoff"]

#: unit roundoff of IEEE float64 (round to nearest): half the machine epsilon
U64 = 2.0**-53
#: unit roundoff of IEEE float32
U32 = 2.0**-24


def unit_roundoff(dtype: Any) -> float:
    """Unit roundoff ``u = eps / 2`` of a NumPy floating dtype."""
    return float(np.finfo(dtype).eps) / 2.0


def gamma(m: float, u: float = U64) -> float:
    """:math:`\\gamma_m = m u / (1 - m u)`: the error factor of ``m`` rounded operations.

    Rounded up: the smallest float64 at least the exact value of ``m u / (1 - m u)`` (the
    float quotient alone may fall half an ulp below it, and every certified bound multiplies
    by this factor). Raises ValueError when ``m u >= 1`` (no bound exists: the computation is
    too long for the format).
    """
    mu = Fraction(m) * Fraction(u)
    if not 0 <= mu < 1:
        raise ValueError(f"gamma_m needs 0 <= m u < 1, got m = {m}, u = {u}")
    exact = mu / (1 - mu)
    g = float(exact)
    return g if Fraction(g) >= exact else math.nextafter(g, math.inf)


def gammas(m: Any, u: float = U64) -> np.ndarray:
    """:func:`gamma` of every entry of the integer array ``m``, the same floats bit for bit.

    >>> gammas(np.array([[2, 3], [3, 0]])).tolist() == [[gamma(2), gamma(3)], [gamma(3), 0.0]]
    True
    """
    m = np.asarray(m)
    values, where = np.unique(m, return_inverse=True)
    return np.array([gamma(int(v), u) for v in values.tolist()], dtype=np.float64)[where].reshape(m.shape)


def dyadic_parts(values: Any, chunk: int = 1 << 20) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The non-zero float64 entries of ``values`` as ``|v| = odd * 2**e``, chunk by chunk.

    Read from the bit patterns (no rounding, subnormals included): ``|v| = m 2**e2`` with
    ``m`` the significand (implicit bit included, or the raw mantissa of a subnormal) and
    ``e2 = exponent - 1075`` (``-1074`` for subnormals); ``tz`` trailing zeros of ``m`` give
    ``odd = m >> tz`` and ``e = e2 + tz``. Yields ``(odd, e)`` int64 arrays per chunk of
    ``chunk`` entries, skipping chunks without non-zero entries.

    >>> [(o.tolist(), e.tolist()) for o, e in dyadic_parts(np.array([0.75, 0.0, -6.0, 5e-324]))]
    [([3, 3, 1], [-2, 1, -1074])]
    """
    flat = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
    for s in range(0, flat.size, chunk):
        b = flat[s : s + chunk].view(np.int64) & np.int64(0x7FFFFFFFFFFFFFFF)
        b = b[b != 0]
        if b.size == 0:
            continue
        ex = b >> 52
        normal = ex > 0
        m = np.where(normal, (b & ((1 << 52) - 1)) | (1 << 52), b)
        tz = np.bitwise_count((m & -m) - 1).astype(np.int64)
        yield m >> tz, np.where(normal, ex - 1075, -1074) + tz
