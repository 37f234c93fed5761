"""memnets._core.layers: the tests that kill mutmut's survivors (benchmarks/README.md,
"Mutation testing"): how entries are stored (exact ints and Fractions normalised, integers
from 2**53 on kept exact, float32 widened to float64), the CSR checks word for word,
small-integer coordinates, rounding of exact entries beyond float64's range to +-inf, the
bit sizes of empty arrays and of unnormalised Fractions, and the reprs."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from memnets import AffineLayer, InputError, ReLUNetwork, SparseWeight
from memnets._core.layers import _as_entries, _significand_bits, _to_float, entry_bits


def _kinds(arr: np.ndarray) -> list[tuple[object, type]]:
    return [(v, type(v)) for v in arr.ravel()]


def test_exact_entries_are_ints_or_fractions_in_lowest_terms() -> None:
    w = np.array([[True, np.bool_(False), 3.0, 0.5, np.float32(-0.25), Fraction(6, 3), np.int8(-7)]], dtype=object)
    layer = AffineLayer(w, np.array([np.float64(-1.5)], dtype=object))
    assert _kinds(layer.weight) == [(1, int), (0, int), (3, int), (Fraction(1, 2), Fraction),
                                    (Fraction(-1, 4), Fraction), (2, int), (-7, int)]
    assert _kinds(layer.bias) == [(Fraction(-3, 2), Fraction)]
    # the exact value of the layer at x = (1, ..., 1): 1 + 0 + 3 + 1/2 - 1/4 + 2 - 7 - 3/2
    net = ReLUNetwork([layer])
    assert net.forward_exact(np.ones((1, 7))).tolist() == [Fraction(-9, 4)]


def test_an_entry_that_is_no_number_is_refused_naming_its_type() -> None:
    with pytest.raises(InputError, match=r"^network entries must be int, Fraction or float, got str$"):
        AffineLayer(np.array([[1, "2"]], dtype=object), [0])


@pytest.mark.parametrize(("value", "exact"), [(2**53 - 1, False), (-(2**53 - 1), False), (2**53, True),
                                              (-(2**53), True), (2**53 + 1, True), (-(2**53 + 1), True)])
def test_integers_are_float64_below_2_to_53_and_exact_objects_from_there_on(value: int, exact: bool) -> None:
    layer = AffineLayer(np.array([[value, 1]], dtype=np.int64), np.array([0], dtype=np.int64))
    assert layer.is_exact is exact
    assert layer.weight.dtype == (object if exact else np.float64)
    assert int(layer.weight[0, 0]) == value                  # 2**53 + 1 is no float64: kept exact
    assert ReLUNetwork([layer]).forward_exact(np.array([[1, 0]])).tolist() == [value]


def test_narrow_floats_are_widened_to_float64_exactly() -> None:
    w32 = np.array([[0.1, -3.5]], dtype=np.float32)
    layer = AffineLayer(w32, np.array([0.1], dtype=np.float16))
    assert layer.weight.dtype == np.float64 and layer.bias.dtype == np.float64
    assert layer.weight.tolist() == [[float(np.float32(0.1)), -3.5]]
    assert layer.bias.tolist() == [float(np.float16(0.1))]
    sw = SparseWeight((1, 2), [0, 1], [1], np.array([0.1], dtype=np.float32))
    assert sw.data.dtype == np.float64 and sw.data.tolist() == [float(np.float32(0.1))]


def test_non_finite_float_entries_are_refused_word_for_word() -> None:
    with pytest.raises(InputError, match=r"^network entries must be finite$"):
        AffineLayer(np.array([[1.0, np.inf]]), [0.0])
    with pytest.raises(InputError, match=r"^network entries must be finite, got nan$"):
        AffineLayer(np.array([[1, float("nan")]], dtype=object), [0])


def test_entries_are_checked_against_an_expected_shape() -> None:
    assert _as_entries([1.0, 2.0], (2,)).tolist() == [1.0, 2.0]
    with pytest.raises(InputError, match=r"^expected entries of shape \(3,\), got \(2,\)$"):
        _as_entries([1.0, 2.0], (3,))


def test_csr_checks_word_for_word() -> None:
    with pytest.raises(InputError, match=r"^CSR indptr must have length 3 and start at 0$"):
        SparseWeight((2, 5), [0, 1], [0], [1.0])
    # ends past nnz although non-decreasing
    with pytest.raises(InputError, match=r"^CSR indptr must be non-decreasing and end at nnz$"):
        SparseWeight((1, 2), [0, 1], [0, 1], [1.0, 2.0])
    # decreasing although it ends at nnz
    with pytest.raises(InputError, match=r"^CSR indptr must be non-decreasing and end at nnz$"):
        SparseWeight((3, 3), [0, 2, 1, 3], [0, 1, 2], [1.0, 1.0, 1.0])
    with pytest.raises(InputError, match=r"^CSR data and indices must have the same length$"):
        SparseWeight((1, 2), [0, 1], [0], [1.0, 2.0])
    with pytest.raises(InputError, match=r"^SparseWeight\._prechecked: inconsistent CSR arrays$"):
        SparseWeight._prechecked((1, 2), np.array([0, 1]), np.array([0]), np.array([1], dtype=object))
    with pytest.raises(InputError, match=r"^duplicate \(row, column\) entries in sparse weight$"):
        SparseWeight.from_coo([0, 1, 0], [1, 0, 1], [1.0, 2.0, 3.0], (2, 2))
    with pytest.raises(InputError, match=r"^a weight matrix must be 2-D, got shape \(3,\)$"):
        SparseWeight.from_dense([1.0, 0.0, 2.0])


def test_coordinates_of_a_small_integer_type_count_rows_past_its_range() -> None:
    # uint8 rows: row 255 + 1 must not wrap to row 0 when the rows are counted
    rows, cols = np.array([255, 0, 255], dtype=np.uint8), np.array([1, 0, 0], dtype=np.uint8)
    sw = SparseWeight.from_coo(rows, cols, [2.0, 3.0, Fraction(1, 3)], (256, 2))
    assert sw.indptr[:2].tolist() == [0, 1] and sw.indptr[255:].tolist() == [1, 3]
    dense = sw.toarray()
    assert dense[0].tolist() == [3, 0] and dense[255].tolist() == [Fraction(1, 3), 2]
    assert not dense[1:255].any()


def test_reprs_name_shape_storage_and_kind() -> None:
    sw = SparseWeight.from_dense(np.array([[0.0, 1.5, 0.0], [2.0, 0.0, 0.0]]))
    assert repr(sw) == "SparseWeight(shape=(2, 3), nnz=2, float64)"
    exact = SparseWeight.from_rows([{2: Fraction(1, 3)}, {}], 3)
    assert repr(exact) == "SparseWeight(shape=(2, 3), nnz=1, exact)"
    assert repr(AffineLayer(sw.toarray(), [0.0, 1.0])) == "AffineLayer(3 -> 2, dense, float64)"
    assert repr(AffineLayer(exact, [0, 0])) == "AffineLayer(3 -> 2, sparse, exact)"
    assert repr(AffineLayer(sw, [0, Fraction(1, 2)])) == "AffineLayer(3 -> 2, sparse, exact)"


def test_exact_entries_beyond_float64_round_to_infinities_of_their_sign() -> None:
    big = [2**1024, -(2**1024), Fraction(3 * 2**1100, 7), Fraction(-(3 * 2**1100), 7), Fraction(1, 3), -5]
    assert _to_float(np.array(big, dtype=object)).tolist() == [math.inf, -math.inf, math.inf, -math.inf, 1 / 3, -5.0]
    layer = AffineLayer(np.array([[2**1024, Fraction(-(2**1100), 3)]], dtype=object), [-(2**1030)])
    assert layer.float_weight.tolist() == [[math.inf, -math.inf]]
    assert layer.float_bias.tolist() == [-math.inf]
    assert layer.abs_float_weight.tolist() == [[math.inf, math.inf]]


def test_entry_bits_of_no_entries_is_zero() -> None:
    assert entry_bits(np.array([])) == 0
    assert entry_bits(np.array([], dtype=object)) == 0
    assert entry_bits(np.zeros((0, 3))) == 0
    assert entry_bits(np.array([0.0])) == 0 and entry_bits(np.array([0], dtype=object)) == 0


def test_an_integer_written_as_a_fraction_is_dyadic() -> None:
    # the layers store integers as int, but the helper takes any Fraction: denominator 1 = 2**0
    assert _significand_bits(Fraction(3)) == 2
    assert _significand_bits(Fraction(-12, 4)) == 2
    assert _significand_bits(Fraction(24)) == 2
    assert _significand_bits(Fraction(5, 8)) == 3
    assert _significand_bits(Fraction(1, 3)) is None


def test_max_row_terms_counts_stored_terms_of_the_fullest_row() -> None:
    """The ``k`` of ``gamma_k`` in ``forward_certified`` (a cached property: mutated through
    ``UNDECORATE``): stored entries of the fullest sparse row, 0 for a sparse layer without
    rows or entries (not an error, not 1), every column for a dense layer."""
    no_rows = AffineLayer(SparseWeight.from_coo([], [], [], (0, 3)), np.zeros(0))
    assert no_rows.max_row_terms == 0 and no_rows.n_outputs == 0 and no_rows.n_inputs == 3
    assert AffineLayer(SparseWeight.from_coo([], [], [], (2, 3)), np.zeros(2)).max_row_terms == 0
    sparse = AffineLayer(SparseWeight.from_coo([0, 1, 1], [0, 0, 2], [1.0, 2.0, 3.0], (2, 3)), np.zeros(2))
    assert sparse.max_row_terms == 2
    assert AffineLayer(np.zeros((2, 5)), np.zeros(2)).max_row_terms == 5
