"""The digit kernels of memnets._core.exactdigits (and the fast paths of exactgram) against
Python integers: grid Gram, limb Gram, carries, sign-magnitude, float64 pieces, entry bits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _helpers import digits_value, fixed_point_gram, fixed_point_ints
from memnets._core.errors import InputError
from memnets._core.exactdigits import (
    GramParts,
    GridGram,
    GridSide,
    carry52,
    float_pieces,
    int_digits,
    magnitude52,
    n_limbs,
    pieces_bits,
)
from memnets._core.exactgram import CHUNK, Words, fixed_point_exponent, limbs
from memnets._core.layers import entry_bits
from memnets._core.rounding import dyadic_parts


def _grid(rng: np.random.Generator, shape: tuple[int, int], signed: bool) -> np.ndarray:
    X = rng.integers(0, 256, size=shape) / 255.0
    X.flat[0] = 1.0
    if signed:
        X *= rng.choice([-1.0, 1.0], size=shape)
    return X


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), signed=st.booleans(), n=st.integers(1, 40))
def test_grid_gram_digits_are_the_exact_products(seed: int, signed: bool, n: int) -> None:
    rng = np.random.default_rng(seed)
    A, B = _grid(rng, (int(rng.integers(1, 6)), n), signed), _grid(rng, (int(rng.integers(1, 6)), n), signed)
    T = fixed_point_exponent(np.vstack([A, B]))
    sa, sb = GridSide.of(A, T), GridSide.of(B, T)
    assert sa is not None and sb is not None and sa.exact_with(sb)
    d = GridGram(sa, sb, T).digits(slice(None))
    ref = fixed_point_gram(A, B, T)
    for i in range(A.shape[0]):
        for j in range(B.shape[0]):
            assert digits_value(d, i, j) == ref[i][j]
    assert int(d[0].min()) >= 0 and int(d[0].max()) < 2**52 and int(d[1].max()) < 2**52  # carried
    assert sa.sq_norms(T) == [sum(v * v for v in r) for r in fixed_point_ints(A, T)]


def test_grid_side_refuses_data_off_the_grid() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((3, 5))
    side = GridSide.of(X, fixed_point_exponent(X))
    assert side is None or not side.exact_with(side)  # remainders of ~2**52: no exact GEMM
    X = rng.random((3, 5)) * 2.0**-8  # T = 61: remainders of ~2**60
    assert GridSide.of(X, fixed_point_exponent(X)) is None
    assert GridSide.of(np.full((1, 2), 0.5), 62) is None  # T beyond the int64 split
    assert GridSide.of(np.array([[3.0]]), 0) is None  # |x| >= 2


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.integers(0, 3), n=st.integers(1, 30))
def test_limb_gram_digits_are_the_exact_products(seed: int, kind: int, n: int) -> None:
    """One to three limbs: small dyadic grids, random floats, negatives, the 61-bit edge."""
    rng = np.random.default_rng(seed)
    shape_a, shape_b = (int(rng.integers(1, 5)), n), (int(rng.integers(1, 5)), n)
    if kind == 0:  # k / 256: one limb
        A, B = rng.integers(0, 257, shape_a) / 256.0, rng.integers(0, 257, shape_b) / 256.0
    elif kind == 1:  # random floats in [0, 1): T = 53..61 or so, three limbs
        A, B = rng.random(shape_a), rng.random(shape_b)
    elif kind == 2:  # signed, with the extremes 2**-61 and 1 - 2**-53
        A, B = rng.random(shape_a) * rng.choice([-1.0, 1.0], shape_a), rng.random(shape_b)
        A.flat[0], B.flat[-1] = 2.0**-61, -(1.0 - 2.0**-53)
    else:  # 2**-40 grid: two limbs
        A, B = rng.integers(-(2**40), 2**40, shape_a) * 2.0**-40, rng.integers(0, 2**40, shape_b) * 2.0**-40
    T = fixed_point_exponent(A, B)
    L = max(n_limbs(A, T), n_limbs(B, T))
    assert L <= 3
    assert len(limbs(np.vstack([A, B]), T)) <= L
    d = carry52(GramParts(A, B, T, L).digits(slice(None)))
    ref = fixed_point_gram(A, B, T)
    for i in range(A.shape[0]):
        for j in range(B.shape[0]):
            assert digits_value(d, i, j) == ref[i][j]


def test_gram_parts_chunks_when_cauchy_schwarz_fails() -> None:
    """Random 53-bit rows of 40,000 entries: the row norms exceed the 2**53 test, so the GEMMs
    run over CHUNK columns at a time, and the products are still exact."""
    n = 40_000
    rng = np.random.default_rng(3)
    A, B = rng.random((2, n)), rng.random((1, n))
    T = fixed_point_exponent(A, B)
    parts = GramParts(A, B, T, 3)
    assert len(parts.products[(0, 0)]) == -(-n // CHUNK)
    d = carry52(parts.digits(slice(None)))
    ref = fixed_point_gram(A, B, T)
    assert [digits_value(d, i, 0) for i in range(2)] == [ref[0][0], ref[1][0]]


@settings(max_examples=60, deadline=None)
@given(vals=st.lists(st.integers(-(2**155), 2**155), min_size=1, max_size=12),
       scale=st.integers(0, 1022))
def test_carry_magnitude_and_pieces_match_words(vals: list[int], scale: int) -> None:
    """Any integer below 2**155 as non-canonical digits (each digit pushed towards int64's
    limit): carried, split into sign and magnitude, and cut into float64 pieces exactly as
    Words.to_float_terms cuts the same integer."""
    raw = [np.array([(v >> (52 * q)) & ((1 << 52) - 1) if q < 2 else v >> 104 for v in vals], dtype=np.int64)
           for q in range(3)]
    # move 2**8 units of digit 1 into digit 0 (digit 0 near 2**60): the same integer
    raw[0] += np.int64(2**8) << 52
    raw[1] -= np.int64(2**8)
    v = carry52(raw)
    assert [sum(int(v[q][k]) << (52 * q) for q in range(3)) for k in range(len(vals))] == vals
    m, neg = magnitude52(v)
    assert neg.tolist() == [x < 0 for x in vals]
    assert [sum(int(m[q][k]) << (52 * q) for q in range(3)) for k in range(len(vals))] == [abs(x) for x in vals]
    n_terms = max(1, -(-max(abs(x) for x in vals).bit_length() // 52))
    words = Words([np.array([(x >> (21 * s)) & ((1 << 21) - 1) if s < 7 else x >> 147 for x in vals],
                            dtype=np.int64) for s in range(8)], scale).carry()
    ref = words.to_float_terms(n_terms) if scale <= 1074 else None
    got = float_pieces(m, neg, n_terms, scale) if scale <= 1022 else None
    assert got is not None and ref is not None
    for a, b in zip(got, ref, strict=True):
        assert np.array_equal(a.view(np.int64), b.view(np.int64))  # bit for bit, -0.0 included
    assert pieces_bits(m, n_terms, scale, 0) == max(entry_bits(t) for t in ref)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([0, 20, 60, 100, 112, 122, 150, 300, 1022]),
       n_terms=st.integers(1, 3), floor=st.sampled_from([0, 30, 120]))
def test_pieces_bits_is_entry_bits(seed: int, scale: int, n_terms: int, floor: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 30))
    m = [np.zeros(size, dtype=np.int64) for _ in range(3)]
    for q in range(n_terms):
        shift = rng.integers(0, 52, size)
        tz = (rng.random(size) * (shift + 1)).astype(np.int64)  # trailing zeros of every kind
        m[q] = (rng.integers(0, 2**52, size) >> shift) << tz  # below 2**52
        m[q][rng.random(size) < 0.2] = 0
    pieces = float_pieces(m, None, n_terms, scale)
    assert pieces_bits(m, n_terms, scale, floor) == max(floor, *(entry_bits(p) for p in pieces))


def test_int_digits_round_trip() -> None:
    vals = [0, 1, 2**52 - 1, 2**52, 2**104 + 5, 2**150 + 2**60 + 3]
    d = int_digits(vals)
    assert [sum(int(d[q][k]) << (52 * q) for q in range(3)) for k in range(len(vals))] == vals


def _exponent_ref(a: np.ndarray) -> int:
    T = 0
    for _, e in dyadic_parts(a):
        T = max(T, int(-e.min()))
    return T


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lo=st.integers(-70, 0))
def test_fixed_point_exponent_shortcut_agrees_with_the_bit_scan(seed: int, lo: int) -> None:
    """Exponents from 2**-70 to 1 (the int64 shortcut up to T = 61, the scan beyond), signs, zeros."""
    rng = np.random.default_rng(seed)
    a = rng.integers(-(2**20), 2**20, size=(3, 7)) * 2.0 ** rng.integers(lo, 1, size=(3, 7)) * 2.0**-20
    a[rng.random(a.shape) < 0.2] = 0.0
    assert fixed_point_exponent(a) == _exponent_ref(a)
    assert fixed_point_exponent(np.round(np.abs(a) * 255) / 255) == _exponent_ref(np.round(np.abs(a) * 255) / 255)


def test_fixed_point_exponent_edges() -> None:
    assert fixed_point_exponent(np.array([2.0**-61])) == 61  # the shortcut's edge
    assert fixed_point_exponent(np.array([2.0**-62, 1.5])) == 62  # beyond it: the scan
    assert fixed_point_exponent(np.zeros(4)) == 0
    assert fixed_point_exponent(np.array([-1.75, 1.0 - 2.0**-53])) == 53
    assert fixed_point_exponent(np.array([3.0, 1.5])) == 1  # |x| >= 2: the scan


def _limbs_ref(X: np.ndarray, T: int) -> list[np.ndarray]:
    """The limbs exactly as written before the speed-up (ldexp and np.round)."""
    q = np.ldexp(X, T)
    out = []
    while True:
        nq = np.round(np.ldexp(q, -21))
        out.append(q - np.ldexp(nq, 21))
        q = nq
        if not q.any():
            return out


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_limbs_equal_the_ldexp_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.random((3, 9)) * rng.choice([-1.0, 1.0], (3, 9))
    X[0, 0] = 2.0**20 * 2.0**-30  # a half-way limb: round half to even
    T = fixed_point_exponent(X)
    got, ref = limbs(X, T), _limbs_ref(X, T)
    assert len(got) == len(ref)
    for a, b in zip(got, ref, strict=True):
        assert np.array_equal(a, b)
    assert math.isfinite(float(sum(np.abs(g).sum() for g in got)))
    with pytest.raises(InputError, match="not an integer"):
        limbs(np.array([[0.5]]), 0)
