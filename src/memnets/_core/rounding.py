"""Floating-point rounding constants and the error factor :math:`\\gamma_m`, in one place.

Every certified float evaluation in memnets bounds its rounding error with the standard
model of floating-point arithmetic (Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., §2.2 and Lemma 3.1): each operation returns ``x (1 + d)`` with
``|d| <= u``, the *unit roundoff* of the format, and a sum of ``m`` products computed in any
order (FMA included) is off by at most

.. math:: \\gamma_m \\sum_j |a_j b_j|, \\qquad \\gamma_m = \\frac{m u}{1 - m u}\\quad (m u < 1).

>>> U64 == 2.0**-53, U32 == 2.0**-24, unit_roundoff("float32") == U32
(True, True, True)
>>> gamma(2, U64) == 2 * U64 / (1 - 2 * U64)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["U32", "U64", "gamma", "unit_roundoff"]

#: unit roundoff of IEEE float64 (round to nearest): half the machine epsilon
U64 = 2.0**-53
#: unit roundoff of IEEE float32
U32 = 2.0**-24


def unit_roundoff(dtype: Any) -> float:
    """Unit roundoff ``u = eps / 2`` of a NumPy floating dtype."""
    return float(np.finfo(dtype).eps) / 2.0


def gamma(m: float, u: float = U64) -> float:
    """:math:`\\gamma_m = m u / (1 - m u)`: the error factor of ``m`` rounded operations.

    Raises ValueError when ``m u >= 1`` (no bound exists: the computation is too long for
    the format).
    """
    mu = m * u
    if not 0.0 <= mu < 1.0:
        raise ValueError(f"gamma_m needs 0 <= m u < 1, got m = {m}, u = {u}")
    return mu / (1.0 - mu)
