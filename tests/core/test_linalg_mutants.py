"""Mutation-testing survivors of memnets._core.linalg (benchmarks/mutate.py linalg), killed.

The first suite never had a column without a pivot *before* a pivot column, so ending the
elimination at the first such column (`continue` -> `break`) went unseen: the rank of
``[[0, 1]]`` came out 0. Ranks here are worked by hand, then checked through the two
callers that depend on them (``rank_first_layer`` and the audit's null direction).
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memnets import ReLUNetwork
from memnets._core.linalg import exact_null_vector, exact_rank, is_null, rational_rref
from memnets.theory.audit import null_direction


def test_a_zero_column_before_a_pivot_column_is_skipped_not_the_end():
    # column 0 is all zero, column 1 holds the pivot: rank 1, null vector e_0
    assert rational_rref(np.array([[0, 1]])) == ([[F(0), F(1)]], [1])
    assert exact_rank(np.array([[0.0, 1.0]])) == 1
    assert exact_null_vector(np.array([[0, 1]])) == (F(1), F(0))


def test_a_free_column_between_pivots_by_hand():
    # W = [[1, 2, 0], [0, 0, 3]]: column 1 = 2 column 0 has no pivot, column 2 does.
    # RREF: [[1, 2, 0], [0, 0, 1]], pivots (0, 2), free column 1 -> v = (-2, 1, 0)
    W = np.array([[1, 2, 0], [0, 0, 3]])
    rows, pivots = rational_rref(W)
    assert rows == [[F(1), F(2), F(0)], [F(0), F(0), F(1)]] and pivots == [0, 2]
    assert exact_rank(W) == 2
    v = exact_null_vector(W)
    assert v == (F(-2), F(1), F(0)) and is_null(W, v)


def test_rank_first_layer_and_null_direction_after_a_dependent_column():
    # exact entries, two non-zeros in a row: the exact RREF path of rank_first_layer
    W = np.array([[F(1, 3), F(2, 3), 0, 1], [0, 0, F(1, 2), 0]], dtype=object)
    net = ReLUNetwork([(W, [0, 0]), ([[1, 1]], [0])])
    assert net.rank_first_layer == 2 and net.bottleneck == 2
    v, ve, residual = null_direction(net)
    # free column 1 first: v = (-2, 1, 0, 0)
    assert ve == (F(-2), F(1), F(0), F(0)) and residual == 0.0
    assert v is not None and np.allclose(v, np.array([-2.0, 1.0, 0.0, 0.0]) / np.sqrt(5.0))


def test_an_empty_vector_has_no_rows_and_rank_zero():
    # a 1-D input takes n = 0 (no columns are read): an empty one is a system without rows
    assert rational_rref(np.zeros(0)) == ([], [])
    assert exact_rank(np.zeros(0)) == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_rank_with_zero_columns_equals_a_float_rank_of_small_integers(w, n, seed):
    """Integer matrices with random all-zero columns: the exact rank equals NumPy's SVD rank
    (small integers, so the float rank is unambiguous) and the null vector is exactly null."""
    gen = np.random.default_rng(seed)
    W = gen.integers(-3, 4, size=(w, n))
    W[:, gen.random(n) < 0.4] = 0
    assert exact_rank(W) == np.linalg.matrix_rank(W.astype(float))
    v = exact_null_vector(W)
    if exact_rank(W) == n:
        assert v is None
    else:
        assert v is not None and any(x != 0 for x in v) and is_null(W, v)


@pytest.mark.parametrize("rows", [[[0, 0, 5]], [[0, 2, 0], [0, 0, 0], [0, 0, 7]]])
def test_pivots_are_found_after_leading_zero_columns(rows):
    W = np.array(rows)
    nonzero_cols = [c for c in range(W.shape[1]) if W[:, c].any()]
    assert rational_rref(W)[1] == nonzero_cols  # each non-zero column here is independent
