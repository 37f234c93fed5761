"""memnets._core.rounding against exact rationals: the tests that kill mutmut's survivors
(benchmarks/README.md, "Mutation testing"): gamma_m's value and range, and dyadic_parts
against Fraction, chunk by chunk, for every kind of input."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memnets._core.rounding import U32, U64, dyadic_parts, gamma, gammas, unit_roundoff


def _odd_exp(v: float) -> tuple[int, int]:
    """``|v| = odd * 2**e`` from the exact rational value of ``v``."""
    f = abs(Fraction(v))
    n, d = f.numerator, f.denominator
    e = d.bit_length() - 1  # d is a power of two
    assert d == 1 << e
    t = (n & -n).bit_length() - 1
    return n >> t, t - e


def _parts(values: object, chunk: int = 1 << 20) -> list[list[tuple[int, int]]]:
    return [list(zip(o.tolist(), e.tolist(), strict=True)) for o, e in dyadic_parts(values, chunk)]


def _is_ceil(g: float, exact: Fraction) -> bool:
    """``g`` is the smallest float64 at least ``exact``."""
    return Fraction(g) >= exact > Fraction(float(np.nextafter(g, -np.inf)))


def test_gamma_is_rounded_up_where_the_float_quotient_falls_below() -> None:
    # 3 u / (1 - 3 u) in float64 rounds to nearest, here below the exact value: gamma must not
    q = 3 * U64 / (1 - 3 * U64)
    exact = 3 * Fraction(U64) / (1 - 3 * Fraction(U64))
    assert Fraction(q) < exact
    assert gamma(3, U64) == float(np.nextafter(q, np.inf)) and _is_ceil(gamma(3, U64), exact)
    for m in range(1, 2000):
        mu = m * Fraction(U64)
        assert _is_ceil(gamma(m, U64), mu / (1 - mu))


def test_gamma_values_are_m_u_over_1_minus_m_u() -> None:
    assert gamma(2, 0.25) == 1.0  # 0.5 / 0.5
    assert _is_ceil(gamma(1, 0.5 - 2.0**-4), Fraction(7, 9))  # (1/2 - 1/16) / (1/2 + 1/16)
    mu = 3 * Fraction(U32)
    assert _is_ceil(gamma(3, U32), mu / (1 - mu))
    assert gamma(0, U64) == 0.0  # m u = 0 is allowed: no operation, no error
    assert gamma(0.0, 0.5) == 0.0
    assert unit_roundoff(np.float64) == U64 and unit_roundoff(np.float32) == U32
    # gamma_m bounds m u from above (the model's error factor), here with room to spare
    for m in (1, 5, 1000, 10**9):
        assert Fraction(gamma(m, U64)) >= m * Fraction(U64)


def test_gammas_is_gamma_entry_by_entry_in_shape_and_rounded_up() -> None:
    """The array form the pairwise engine's vectorised block uses: every entry the rounded-up
    ``gamma`` of its count (the shape kept, repeated counts in any order, the format's ``u``
    passed on), so the block stays bit-identical to the row-by-row one."""
    m = np.array([[3, 0, 7], [3, 1999, 1], [7, 7, 0]])
    g = gammas(m)
    assert g.shape == m.shape and g.dtype == np.float64
    assert g.tolist() == [[gamma(int(v)) for v in row] for row in m.tolist()]
    assert all(_is_ceil(x, int(v) * Fraction(U64) / (1 - int(v) * Fraction(U64)))
               for x, v in zip(g.ravel().tolist(), m.ravel().tolist(), strict=True))
    assert gammas(np.array([2, 5]), U32).tolist() == [gamma(2, U32), gamma(5, U32)]
    assert gammas(np.array([2, 1]), 0.25).tolist() == [1.0, float(np.nextafter(1 / 3, 1))]  # u passed on; 1/3 rounded up
    assert gammas(np.zeros((0, 2), dtype=np.int64)).shape == (0, 2)
    with pytest.raises(ValueError, match="gamma_m needs"):
        gammas(np.array([1, 2**60]), 2.0**-53)


@pytest.mark.parametrize(("m", "u"), [(1, 1.0), (2, 0.5), (3, 0.5), (1, 2.0), (-1, U64), (2**60, 2.0**-53)])
def test_gamma_refuses_m_u_of_1_or_more_and_negative(m: float, u: float) -> None:
    with pytest.raises(ValueError, match=r"gamma_m needs 0 <= m u < 1, got m = "):
        gamma(m, u)


def test_dyadic_parts_hand_worked() -> None:
    x = np.array([0.75, 0.0, -6.0, 5e-324, 2.0**-1022, 2.0**-1022 * 1.5, 2.0**-1023, 3.0 * 2.0**1000])
    assert _parts(x) == [[(3, -2), (3, 1), (1, -1074), (1, -1022), (3, -1023), (1, -1023), (3, 1000)]]
    assert _parts(np.zeros(5)) == []
    assert _parts(0.5) == [[(1, -1)]]  # a scalar
    assert _parts([3, 0, -6]) == [[(3, 0), (3, 1)]]  # integers are read as their float64 values
    assert _parts(np.array([[0.75, 12.0]], dtype=np.float32)) == [[(3, -2), (3, 2)]]
    assert _parts(np.array([[1.0, 0.5], [0.25, 0.0]], order="F")) == [[(1, 0), (1, -1), (1, -2)]]  # C order


def test_dyadic_parts_chunks_cover_every_entry_once_and_skip_zero_chunks() -> None:
    x = np.array([[0.0, 0.0, 0.0], [0.0, 1.5, 0.0], [0.0, 0.0, 0.5]])  # flat: five zeros, 1.5, two zeros, 0.5
    assert _parts(x, chunk=2) == [[(3, -1)], [(1, -1)]]  # chunks [0,0] [0,0] [0,1.5] [0,0] [0.5]
    assert _parts(x, chunk=4) == [[(3, -1)], [(1, -1)]]
    assert _parts(np.ones((2, 3)), chunk=2) == [[(1, 0)] * 2] * 3  # three chunks of two, not rows


@settings(max_examples=60, deadline=None)
@given(vals=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=30),
       chunk=st.integers(1, 8))
def test_dyadic_parts_equal_the_exact_rationals(vals: list[float], chunk: int) -> None:
    want = [_odd_exp(v) for v in vals if v != 0.0]
    got = [p for part in _parts(np.array(vals), chunk) for p in part]
    assert got == want
    for part in _parts(np.array(vals), chunk):
        assert 0 < len(part) <= chunk
