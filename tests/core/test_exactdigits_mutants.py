"""memnets._core.exactdigits: the tests that kill mutmut's survivors (benchmarks/README.md,
"Mutation testing"). The exactness guards (row-norm bounds of the Cauchy-Schwarz test,
the remainder bound of the k/255 split, the limb count, the chunk limit) against exact
integers and at their edges; the grid Gram at small fixed-point exponents; the bit count
of the float pieces at its skip thresholds."""

from __future__ import annotations

import math
from fractions import Fraction

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
    n_limbs,
    pieces_bits,
)
from memnets._core.exactgram import CHUNK, fixed_point_exponent, limbs
from memnets._core.layers import entry_bits


def _max_sq(a: np.ndarray) -> int:
    """Largest squared row norm, in Python integers (the entries are float64 integers)."""
    return max((sum(int(v) ** 2 for v in row) for row in a.tolist()), default=0)


def _is_norm_bound(norm: float, exact_sq: int) -> bool:
    """``norm`` bounds the exact row norm from above, and by at most the documented 1e-6."""
    got = Fraction(norm) ** 2
    return got >= exact_sq and got <= exact_sq * Fraction(1 + 3e-6)


# --------------------------------------------------------------------------- limb sides
@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("kind", ["pixels", "floats", "signed"])
def test_side_norms_bound_the_exact_row_norms_of_every_karatsuba_operand(L: int, kind: str) -> None:
    rng = np.random.default_rng(L)
    if kind == "pixels":  # one limb; L > 1 pads with zero limbs
        X = rng.integers(0, 256, (4, 9)) / 256.0
    elif kind == "floats":
        X = rng.random((4, 9))
    else:
        X = rng.random((4, 9)) * rng.choice([-1.0, 1.0], (4, 9))
    T = fixed_point_exponent(X)
    parts = limbs(X, T)
    if len(parts) > L:
        with pytest.raises(ValueError, match=r"^more limbs than the digit path allows$"):
            GramParts.side(X, T, L)
        return
    side = GramParts.side(X, T, L)
    assert len(side.limbs) == L
    full = parts + [np.zeros_like(parts[0])] * (L - len(parts))
    assert all(np.array_equal(a, b) for a, b in zip(side.limbs, full, strict=True))
    assert sorted(side.norm) == [(k, m) for k in range(L) for m in range(k, L)]  # L (L + 1) / 2 GEMMs
    for (k, m), norm in side.norm.items():
        op = full[k] if k == m else full[k] + full[m]
        assert _is_norm_bound(norm, _max_sq(op)), (k, m)
        assert side.operand(k, m, 2, 7).tolist() == op[:, 2:7].tolist()


def test_an_empty_block_of_rows_has_zero_norms_and_an_empty_gram() -> None:
    B = np.random.default_rng(0).random((2, 5))
    T = fixed_point_exponent(B)
    parts = GramParts(np.zeros((0, 5)), B, T, 3)
    assert parts.shape == (0, 2)
    assert [d.shape for d in parts.digits(slice(None))] == [(0, 2)] * 3
    assert GramParts.side(np.zeros((0, 5)), T, 3).norm == dict.fromkeys([(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)], 0.0)


def test_n_limbs_at_the_edges_of_one_two_and_three_limbs() -> None:
    """A balanced limb holds |M| <= 2**20: M = 2**20 is one limb, 2**20 + 1 two, 2**41 two."""
    for M, want in [(1, 1), (2**20, 1), (2**20 + 1, 2), (2**21, 2), (3 * 2**20, 2), (2**41, 2),
                    (2**41 + 2**21, 3), (2**61, 3)]:
        X = np.array([[M * 2.0**-61, 0.0]])
        assert n_limbs(X, 61) == want, M
        assert len(limbs(X, 61)) == want, M
    assert n_limbs(np.array([[2.0**-30]]), 30) == 1  # M = 1
    assert n_limbs(np.zeros((2, 2)), 5) == 1
    assert n_limbs(np.zeros((0, 3)), 5) == 1


def test_gram_parts_refuses_four_limbs_and_65_chunks_and_takes_64() -> None:
    X = np.array([[0.5]])
    with pytest.raises(ValueError, match=r"^the digit path takes at most 3 limbs$"):
        GramParts(X, X, 1, 4)
    rng = np.random.default_rng(1)
    A = rng.random((1, 64 * CHUNK))  # 53-bit rows: row norms far above the one-GEMM test
    T = fixed_point_exponent(A)
    parts = GramParts(A, A, T, 3)
    assert len(parts.products[(0, 0)]) == 64 and parts.shape == (1, 1)
    assert digits_value(carry52(parts.digits(slice(None))), 0, 0) == sum(v * v for v in fixed_point_ints(A, T)[0])
    B = rng.random((1, 64 * CHUNK + 1))
    with pytest.raises(ValueError, match=r"^too many chunks for the digit path$"):
        GramParts(B, B, fixed_point_exponent(B), 3)


def test_one_gemm_over_all_columns_when_cauchy_schwarz_allows() -> None:
    """Pixels k/256 (one limb of <= 2**8) over 3,000 columns: row norms ~2**14, products far
    below 2**53, so one exact GEMM, not two chunks; the digits are the exact products."""
    rng = np.random.default_rng(2)
    A, B = rng.integers(0, 257, (3, 3000)) / 256.0, rng.integers(0, 257, (2, 3000)) / 256.0
    T = fixed_point_exponent(A, B)
    parts = GramParts(A, B, T, 1)
    assert sorted(parts.products) == [(0, 0)] and len(parts.products[(0, 0)]) == 1
    assert parts.shape == (3, 2)
    d = parts.digits(slice(None))
    assert len(d) == 3
    ref = fixed_point_gram(A, B, T)
    assert [[digits_value(carry52(d), i, j) for j in range(2)] for i in range(3)] == ref


# --------------------------------------------------------------------------- digits and pieces
def test_int_digits_of_the_largest_integers_and_of_none() -> None:
    vals = [2**165 + 2**104 + 3, 2**104 * (2**62 - 1)]
    d = int_digits(vals)
    assert len(d) == 3 and all(x.dtype == np.int64 for x in d)
    assert [sum(int(d[q][k]) << (52 * q) for q in range(3)) for k in range(2)] == vals
    assert [x.dtype for x in int_digits([])] == [np.dtype(np.int64)] * 3


def test_float_pieces_refuses_bad_arguments_and_too_wide_integers() -> None:
    m = [np.array([5], dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)]
    for n_terms, scale in [(1, 1023), (0, 0), (4, 0), (3, 2000)]:
        with pytest.raises(ValueError, match=r"^float_pieces: scale above 1022 or not 1 to 3 terms$"):
            float_pieces(m, None, n_terms, scale)
    assert float_pieces(m, None, 1, 1022)[0].tolist() == [5 * 2.0**-1022]
    top = [np.array([2**52], dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64)]
    with pytest.raises(InputError, match=r"integers of more than 52 bits need more than 1 float64 terms"):
        float_pieces(top, None, 1, 0)  # digit 0 not carried: bit 52 set
    high = [np.array([1], dtype=np.int64), np.zeros(1, dtype=np.int64), np.array([1], dtype=np.int64)]
    with pytest.raises(InputError, match=r"integers of more than 104 bits need more than 2 float64 terms"):
        float_pieces(high, None, 2, 0)  # a digit beyond the pieces asked for
    got = float_pieces(high, np.array([True]), 3, 100)
    assert [g.tolist() for g in got] == [[-(2.0**-100)], [-0.0], [-(2.0**4)]]


def _pieces(digits: list[list[int]]) -> list[np.ndarray]:
    return [np.array(d, dtype=np.int64) for d in digits]


@pytest.mark.parametrize(("digits", "n_terms", "scale", "floor"), [
    ([[2**52 - 1]], 1, 20, 40),  # k = -20: a 52-bit numerator, read although 52 + k = 32 <= floor
    ([[2**52 - 1]], 1, 0, 0),  # k = 0
    ([[], [], []], 3, 200, 0),  # no entries
    ([[], [], []], 3, 0, 0),
    ([[0, 0], [3, 5], [0, 0]], 3, 200, 0),  # an all-zero digit at k = -200
    ([[1], [1]], 2, 120, 0),  # digits of 1 at k = -120 and -68: 121 bits
    ([[2**51]], 1, 51, 0),  # 2**51 * 2**-51 = 1: one bit
    ([[6], [12]], 2, 103, 0),  # k = -103, -51
    ([[7 * 2**40]], 1, 0, 60),
])
def test_pieces_bits_at_the_skip_and_branch_edges(digits: list[list[int]], n_terms: int, scale: int, floor: int) -> None:
    m = _pieces(digits) + [np.zeros(len(digits[0]), dtype=np.int64)] * (3 - len(digits))
    pieces = float_pieces(m, None, n_terms, scale)
    want = max(floor, *(entry_bits(p) for p in pieces))
    assert pieces_bits(m, n_terms, scale, floor) == want


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.integers(0, 200), n_terms=st.integers(1, 3),
       floor=st.integers(0, 160))
def test_pieces_bits_is_entry_bits_for_every_scale_and_floor(seed: int, scale: int, n_terms: int, floor: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 6))
    m = [np.zeros(size, dtype=np.int64) for _ in range(3)]
    for q in range(n_terms):
        shift, tz = rng.integers(0, 52, size), rng.integers(0, 52, size)
        m[q] = ((rng.integers(0, 2**52, size) >> shift) << tz) & ((1 << 52) - 1)
        if rng.random() < 0.3:
            m[q][:] = 0
    pieces = float_pieces(m, None, n_terms, scale)
    assert pieces_bits(m, n_terms, scale, floor) == max(floor, *(entry_bits(p) for p in pieces))


# --------------------------------------------------------------------------- the k/255 grid
def _side_ref_ok(side: GridSide, X: np.ndarray, T: int, tight: bool = True) -> None:
    K = np.rint(X * 255.0)
    assert np.array_equal(side.K, K)
    R = [[255 * m - int(k) * 2**T for m, k in zip(rm, rk, strict=True)] for rm, rk in zip(fixed_point_ints(X, T), K.tolist(), strict=True)]
    assert side.R.tolist() == [[float(r) for r in row] for row in R]
    assert np.array_equal(side.KR, side.K + side.R)
    for name, a in (("K", side.K), ("R", side.R), ("KR", side.KR)):
        exact = _max_sq(a)
        assert _is_norm_bound(side.norm[name], exact) if tight else Fraction(side.norm[name]) ** 2 >= exact, name


def test_grid_side_guards_its_range_and_its_remainder_bound_exactly() -> None:
    X = np.array([[0.0, 1.0]])
    assert GridSide.of(X, 61) is not None and GridSide.of(X, 62) is None  # T <= 61 only
    assert GridSide.of(np.array([[-3.0, 0.5]]), 1) is None  # |x| < 2 on both sides
    assert GridSide.of(np.array([[2.0]]), 0) is None
    assert GridSide.of(np.array([[-2.0]]), 0) is None
    # 0.5 at T = 53: 255 x = 127.5 rounds to 128, R = -2**52 exactly: refused (|R| < 2**52)
    assert GridSide.of(np.array([[0.5]]), 53) is None
    # 1.5 at T = 53: 382.5 rounds to 382, R = +2**52 exactly: refused
    assert GridSide.of(np.array([[1.5]]), 53) is None
    ok = GridSide.of(np.array([[0.5]]), 52)  # R = -2**51: accepted
    assert ok is not None and ok.R.tolist() == [[-(2.0**51)]]
    Y = np.array([[1 / 255, 1.0], [0.0, 0.0]])  # on the grid at T = 61, the largest T accepted
    side = GridSide.of(Y, 61)
    assert side is not None
    _side_ref_ok(side, Y, 61)
    assert side.norm["K"] > 0 and GridSide.of(np.zeros((2, 3)), 4).norm == {"K": 0.0, "R": 0.0, "KR": 0.0}


def test_grid_side_built_directly_computes_its_norms() -> None:
    K = np.array([[3.0, 4.0], [0.0, 1.0]])
    R = np.array([[1.0, -2.0], [0.0, 0.0]])
    side = GridSide(K, R, K + R)
    assert side.norm == {name: math.sqrt(v * (1 + 1e-6)) for name, v in (("K", 25.0), ("R", 5.0), ("KR", 20.0))}
    assert GridSide(K, R, K + R, {"K": 1.0, "R": 2.0, "KR": 3.0}).norm == {"K": 1.0, "R": 2.0, "KR": 3.0}
    for z in (np.zeros((1, 2)), np.zeros((0, 2))):
        assert GridSide(z, z, z).norm == {"K": 0.0, "R": 0.0, "KR": 0.0}


def test_grid_side_rows_are_views_for_runs_and_keep_the_parent_norms() -> None:
    X = np.random.default_rng(3).integers(0, 256, (6, 4)) / 255.0
    side = GridSide.of(X, fixed_point_exponent(X))
    assert side is not None
    for rows, view in [(np.arange(1, 4), True), (np.arange(0, 2), True), (np.array([4, 1]), False),
                       (np.array([2, 3, 5]), False)]:
        sub = side.rows(rows)
        assert sub.K.tolist() == side.K[rows].tolist() and sub.R.tolist() == side.R[rows].tolist()
        assert sub.KR.tolist() == side.KR[rows].tolist()
        assert np.shares_memory(sub.K, side.K) == view
        assert sub.norm == side.norm


def test_grid_side_of_a_large_block_covers_every_row() -> None:
    """1,700 x 1,024 pixels: the split runs in chunks of 512 rows; every row is split."""
    rng = np.random.default_rng(4)
    X = rng.integers(0, 256, (1700, 1024)) / 255.0
    T = fixed_point_exponent(X)
    side = GridSide.of(X, T)
    assert side is not None
    assert np.array_equal(side.K, np.rint(X * 255.0))
    rows = [0, 511, 512, 1023, 1535, 1536, 1699]
    want = [sum(m * m for m in row) for row in fixed_point_ints(X[rows], T)]
    assert [side.sq_norms(T)[r] for r in rows] == want
    _side_ref_ok(side.rows(np.array(rows)), X[rows], T, tight=False)
    Ri = side.R.astype(np.int64)
    assert int(np.abs(Ri).max()) < 2**20  # squares and row sums exact in int64
    for name, a in (("K", side.K.astype(np.int64)), ("R", Ri), ("KR", side.KR.astype(np.int64))):
        assert _is_norm_bound(side.norm[name], int(np.einsum("ij,ij->i", a, a).max())), name


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), T=st.integers(0, 24), n=st.integers(1, 16), signed=st.booleans())
def test_grid_gram_of_dyadic_data_at_small_exponents(seed: int, T: int, n: int, signed: bool) -> None:
    """Data j / 2**T (T <= 24): the three GEMM results land in digit 0 at bit offsets T and
    2 T below 52, where their high parts carry into digit 1."""
    rng = np.random.default_rng(seed)
    A = rng.integers(0, 2**T + 1, (int(rng.integers(1, 5)), n)) / 2.0**T
    B = rng.integers(0, 2**T + 1, (int(rng.integers(1, 5)), n)) / 2.0**T
    if signed:
        A *= rng.choice([-1.0, 1.0], A.shape)
    A.flat[0] = 1.0
    sa, sb = GridSide.of(A, T), GridSide.of(B, T)
    assert sa is not None and sb is not None and sa.exact_with(sb)
    _side_ref_ok(sa, A, T)
    d = GridGram(sa, sb, T).digits(slice(None))
    assert len(d) == 3
    ref = fixed_point_gram(A, B, T)
    assert [[digits_value(d, i, j) for j in range(B.shape[0])] for i in range(A.shape[0])] == ref
    assert sa.sq_norms(T) == [sum(v * v for v in r) for r in fixed_point_ints(A, T)]
