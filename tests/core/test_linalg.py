"""Exact linear algebra (memnets._core.linalg): RREF, rank, null vectors, all over Q."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from memnets._core.linalg import (
    _bareiss_solve,
    exact_null_vector,
    exact_rank,
    is_null,
    pivoted_null_vector,
    rational_rref,
)


def _obj(rows):
    a = np.empty((len(rows), len(rows[0])), dtype=object)
    a[:] = rows
    return a


# row 3 = row 1 + row 2: rank 2. By hand: R1 / (1/2) = (1, 2/3, 2); R2 - R1 = (0, 1/3, -1),
# times 3 = (0, 1, -3); R1 - (2/3) R2 = (1, 0, 4); R3 reduces to 0.
A = _obj([[F(1, 2), F(1, 3), F(1)], [F(1), F(1), F(1)], [F(3, 2), F(4, 3), F(2)]])


def test_rref_of_a_rank_two_rational_matrix_by_hand():
    rows, pivots = rational_rref(A)
    assert rows == [[F(1), F(0), F(4)], [F(0), F(1), F(-3)], [F(0), F(0), F(0)]]
    assert pivots == [0, 1]
    assert all(isinstance(x, F) for row in rows for x in row)
    assert exact_rank(A) == 2


def test_rref_of_a_full_rank_matrix_with_a_row_swap():
    # first column starts with 0: the pivot row is swapped up; det = 1/4 + 1 = 5/4
    B = _obj([[0, 1, F(1, 2)], [2, 0, 1], [F(1, 4), 1, 0]])
    rows, pivots = rational_rref(B)
    assert rows == [[1, 0, 0], [0, 1, 0], [0, 0, 1]] and pivots == [0, 1, 2]
    assert exact_rank(B) == 3 and exact_null_vector(B) is None


def test_null_vector_by_hand_is_exactly_null():
    v = exact_null_vector(A)  # 1 at the free column 2, minus its RREF column at the pivots
    assert v == (F(-4), F(3), F(1))
    assert is_null(A, v)
    for row in A.tolist():
        assert sum(a * b for a, b in zip(row, v, strict=True)) == 0
    assert not is_null(A, (F(1), F(0), F(0)))


def test_full_rank_returns_none():
    assert exact_null_vector(np.eye(3)) is None
    assert exact_null_vector(_obj([[1, 2], [3, 4], [5, 6]])) is None  # tall, rank 2 = n


def test_exact_rank_sees_what_float_rank_rounds_away():
    W = np.array([[1e-20, 0.0], [0.0, 1.0]])
    assert np.linalg.matrix_rank(W) == 1  # below float64's relative tolerance
    assert exact_rank(W) == 2
    assert exact_rank(np.zeros((2, 3))) == 0 and exact_null_vector(np.zeros((2, 3))) == (1, 0, 0)


def test_bareiss_solve_by_hand():
    # 2x + y = 5, x + 3y = 10  ->  x = 1, y = 3
    assert _bareiss_solve([[2, 1, 5], [1, 3, 10]]) == [F(1), F(3)]
    # 3x = 1, 2x + 6y = 0  ->  x = 1/3, y = -1/9
    assert _bareiss_solve([[3, 0, 1], [2, 6, 0]]) == [F(1, 3), F(-1, 9)]
    assert _bareiss_solve([[1, 2, 3], [2, 4, 6]]) is None  # singular


def test_pivoted_null_vector_by_hand():
    W = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])  # rank 1
    v = pivoted_null_vector(W, 1)
    assert v is not None and is_null(W, v) and any(x != 0 for x in v)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda w: st.integers(w + 1, 6).flatmap(
            lambda n: st.lists(st.lists(st.integers(-9, 9), min_size=n, max_size=n), min_size=w, max_size=w)
        )
    )
)
def test_exact_null_vector_is_exactly_null(rows):
    W = np.array(rows, dtype=object)
    v = exact_null_vector(W)
    assert v is not None and any(x != 0 for x in v)  # w < n: a null vector always exists
    for row in rows:
        assert sum(F(a) * b for a, b in zip(row, v, strict=True)) == 0


def test_exact_null_vector_of_float_weights_and_full_rank():
    W = np.array([[0.1, 0.7, -0.3]])  # float entries are exact dyadic rationals
    v = exact_null_vector(W)
    assert sum(F(a) * b for a, b in zip(W[0].tolist(), v, strict=True)) == 0
    assert exact_null_vector(np.eye(3)) is None


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_pivoted_exact_solve_agrees_with_rref(w, seed):
    """Independent path: float-pivoted Bareiss solve vs rational RREF, both exactly null."""
    gen = np.random.default_rng(seed)
    W = gen.normal(size=(w, w + int(gen.integers(1, 4))))
    v = pivoted_null_vector(W, w)
    assert v is not None and is_null(W, v) and is_null(W, exact_null_vector(W))
