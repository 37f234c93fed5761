"""Exact inner products by limb GEMMs (memnets._core.exactgram) against Python Fractions."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memnets import InputError
from memnets._core.exactgram import (
    CHUNK,
    Words,
    fixed_point_exponent,
    gram_ints,
    gram_words,
    limbs,
    sq_norm_ints,
    sq_norm_words,
)


def _ref_gram(A: np.ndarray, B: np.ndarray) -> list[list[Fraction]]:
    return [[sum((Fraction(a) * Fraction(b) for a, b in zip(r, c, strict=True)), Fraction(0)) for c in B] for r in A]


def _data(seed: int, kind: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    A, B = rng.random((int(rng.integers(1, 5)), n)), rng.random((int(rng.integers(1, 5)), n))
    if kind == 1:  # pixels k/255 (61-bit fixed point) with exact 0 and 1
        A, B = np.round(A * 255) / 255, np.round(B * 255) / 255
        A[0, 0], B[0, -1] = 1.0, 0.0
    elif kind == 2:  # signs and a wide dynamic range
        A = A * rng.choice([-1.0, 1.0], size=A.shape) * 2.0 ** rng.integers(-40, 3, size=A.shape)
    elif kind == 3:  # the largest significands
        A[:] = 1.0 - 2.0**-53
        B[:] = -(1.0 - 2.0**-53)
    return A, B


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.integers(0, 3))
def test_gram_and_norms_are_exact(seed: int, kind: int) -> None:
    A, B = _data(seed, kind)
    T = fixed_point_exponent(A, B)
    scale = Fraction(1, 2 ** (2 * T))
    Z = gram_words(A, B, T).to_ints()
    ref = _ref_gram(A, B)
    assert [[int(v) * scale for v in row] for row in Z.tolist()] == ref
    S = sq_norm_words(A, T).to_ints()
    assert [int(v) * scale for v in S.tolist()] == [ref_row for ref_row in (sum((Fraction(a) ** 2 for a in r), Fraction(0)) for r in A)]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.integers(0, 3), c=st.integers(-60, 60))
def test_float_terms_sum_exactly_and_are_disjoint(seed: int, kind: int, c: int) -> None:
    """``c <A, B> - 2 |a|^2`` (signed, carried) split into 52-bit float64 pieces."""
    A, B = _data(seed, kind)
    T = fixed_point_exponent(A, B)
    G = gram_words(A, B, T)
    S = sq_norm_words(A, T)
    V = G.combine([(c - 1, G), (-2, Words([w[:, None] for w in S.words], S.scale))])
    ref = _ref_gram(A, B)
    sq = [sum((Fraction(a) ** 2 for a in r), Fraction(0)) for r in A]
    k = max(1, -(-V.bits() // 52))
    terms = V.to_float_terms(k)
    for i in range(A.shape[0]):
        for j in range(B.shape[0]):
            pieces = [Fraction(float(t[i, j])) for t in terms]
            assert sum(pieces, Fraction(0)) == c * ref[i][j] - 2 * sq[i]
            # every piece is an integer below 2**52 times 2**(52 q - 2T): disjoint bit ranges
            for q, p in enumerate(pieces):
                unit = Fraction(2) ** (52 * q - 2 * T)
                assert (p / unit).denominator == 1 and abs(p / unit) < 2**52
    with pytest.raises(InputError, match="float64 terms"):
        Words([np.array([1 << 60], dtype=np.int64)], 0).carry().to_float_terms(1)


def test_chunk_boundary_worst_case_is_exact() -> None:
    """Inner products longer than one exact GEMM chunk, at the largest limb magnitudes."""
    n = 2 * CHUNK + 3
    A = np.full((2, n), 1.0 - 2.0**-53)
    B = np.full((2, n), 1.0 - 2.0**-52)
    B[1] = 2.0**-30 * (1 + 2.0**-52)
    T = fixed_point_exponent(A, B)
    Z = gram_words(A, B, T).to_ints()
    a, b0, b1 = Fraction(1.0 - 2.0**-53), Fraction(1.0 - 2.0**-52), Fraction(2.0**-30 * (1 + 2.0**-52))
    assert Fraction(int(Z[0, 0]), 2 ** (2 * T)) == n * a * b0
    assert Fraction(int(Z[1, 1]), 2 ** (2 * T)) == n * a * b1


def test_hand_cases() -> None:
    assert fixed_point_exponent(np.array([0.5, 0.75, 3.0])) == 2
    assert fixed_point_exponent(np.array([[0.0, 2.0]])) == 0
    assert fixed_point_exponent(np.array([2.0**-1074])) == 1074
    # balanced limbs of 2**21 + 3: 3 and 1 (no carry), of 2**20: -2**20 + 2**21
    assert [v.tolist() for v in limbs(np.array([[2.0**21 + 3]]), 0)] == [[[3.0]], [[1.0]]]
    assert [v.tolist() for v in limbs(np.array([[2.0**20]]), 0)] == [[[2.0**20]]]
    w = Words([np.array([-1], dtype=np.int64)], 0).carry()
    assert w.to_ints().tolist() == [-1] and w.bits() == 1
    with pytest.raises(InputError, match="not an integer"):
        limbs(np.array([[0.5]]), 0)


def test_python_fallback_for_subnormal_data() -> None:
    """Entries near 2**-1074 need T > 960: Python integers, same answer."""
    A = np.array([[2.0**-1070, 0.5], [0.25, 2.0**-1000]])
    B = np.array([[1.0, 2.0**-1073]])
    T = fixed_point_exponent(A, B)
    assert T == 1073
    Z = gram_ints(A, B, T)
    assert [[Fraction(int(v), 2 ** (2 * T)) for v in row] for row in Z.tolist()] == _ref_gram(A, B)
    S = sq_norm_ints(A, T)
    assert [Fraction(int(v), 2 ** (2 * T)) for v in S.tolist()] == [
        sum((Fraction(a) ** 2 for a in r), Fraction(0)) for r in A
    ]
