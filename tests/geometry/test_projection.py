"""The projection step shared by interval, optimal, vardi2022 and park2021: its option checks
and the exact projection itself (any sign, any exponent) against Fraction arithmetic."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memnets as mn
from memnets import OptionError
from memnets._geometry.projection import exact_projection, theorem_R

X = np.random.default_rng(0).random((12, 3))
Y = np.arange(12) % 2


@pytest.mark.parametrize("method", ["interval", "optimal", "vardi2022", "park2021"])
@pytest.mark.parametrize("bad", [0, -3])
def test_max_tries_below_one_is_refused_by_every_projection_method(method, bad):
    with pytest.raises(OptionError, match=rf"^{method}: max_tries must be an int >= 1, got {bad}$"):
        mn.construct(X, Y, method=method, rng=0, max_tries=bad)


@pytest.mark.parametrize("method", ["interval", "optimal", "vardi2022", "park2021"])
def test_one_try_is_enough_on_spread_out_data(method):
    res = mn.construct(X, Y, method=method, rng=0, max_tries=1)
    assert res.verified and res.stats["projection_tries"] == 1


# --------------------------------------------------------------------------- exact_projection
def test_exact_projection_hand_worked_negative_coordinates():
    # <(3, -1), x> = -1.5 - 0.25, -3 + 0.75, -9 + 0 ; E = 2 (quarters), so p = 4 <w, x>
    X = np.array([[-0.5, 0.25], [-1.0, -0.75], [-3.0, 0.0]])
    assert exact_projection(X, np.array([3, -1])) == ([-7, -9, -36], 2)


def test_exact_projection_mixed_signs_and_tiny_entries():
    # -2**-60 forces E = 60: -2 * 1.5 + 5 * -2**-60 = -3 - 5 * 2**-60 and
    # -2 * -2**-60 + 5 * -1 = 2 * 2**-60 - 5, each times 2**60
    X = np.array([[1.5, -(2.0**-60)], [-(2.0**-60), -1.0]])
    p, E = exact_projection(X, np.array([-2, 5]))
    assert E == 60
    assert p == [-3 * 2**60 - 5, 2 - 5 * 2**60]


_finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6, width=64)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.integers(1, 6).flatmap(
        lambda n: st.lists(st.lists(_finite, min_size=n, max_size=n), min_size=1, max_size=8)
    ),
    bits=st.integers(0, 30),
    data=st.data(),
)
def test_exact_projection_agrees_with_fraction_arithmetic(rows, bits, data):
    X = np.array(rows, dtype=np.float64)
    n = X.shape[1]
    w = np.array(data.draw(st.lists(st.integers(-(2**bits), 2**bits), min_size=n, max_size=n)), dtype=np.int64)
    p, E = exact_projection(X, w)
    ref = [sum(Fraction(int(a)) * Fraction(float(x)) for a, x in zip(w, row, strict=True)) * 2**E for row in X]
    assert [Fraction(v) for v in p] == ref
    # E is the smallest power of two that makes every entry an integer
    assert E == 0 or any((Fraction(float(x)) * 2 ** (E - 1)).denominator != 1 for x in X.ravel())


def test_theorem_R_hand_worked():
    # Vardi et al.'s R = 5 r N^2 eps^-1 sqrt(pi d) with 2 eps = c: samples (0, 0), (3, 4) and
    # (0, 1) labelled 0, 1, 0: c = |(3, 4) - (0, 1)| = sqrt(18), r = 5, N = 3, d = 2
    R, r, c = theorem_R(np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]]), np.array([0, 1, 0]))
    assert (r, c) == (5.0, math.sqrt(18.0))
    # R = 5 * 5 * 9 / (sqrt(18) / 2) * sqrt(2 pi) = 450 sqrt(2 pi / 18) = 150 sqrt(pi)
    assert math.isclose(R, 150 * math.sqrt(math.pi), rel_tol=1e-12)
