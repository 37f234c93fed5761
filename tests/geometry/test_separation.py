"""separation(X, y): exact minimum opposite-label distance against brute force."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

import memnets as mn
from _helpers import assert_close, needs_mnist
from memnets import InputError
from memnets._geometry.separation import exact_squared_distance


def brute_force_pair(X: np.ndarray, y: np.ndarray) -> tuple[Fraction, int, int]:
    """Smallest (exact squared distance, i, j) over pairs with different labels."""
    return min(
        (sum((Fraction(a) - Fraction(b)) ** 2 for a, b in zip(X[i], X[j], strict=True)), i, j)
        for i, j in itertools.combinations(range(len(X)), 2)
        if y[i] != y[j]
    )


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 40), st.integers(1, 6), st.integers(2, 4),
       st.sampled_from(["uniform", "grid", "tiny"]))
def test_pair_is_exactly_the_brute_force_minimum(seed, n, d, n_classes, layout):
    rng = np.random.default_rng(seed)
    if layout == "uniform":
        X = rng.random((n, d))
    elif layout == "grid":  # many exact ties and duplicates
        X = rng.integers(0, 4, size=(n, d)) / 4.0
    else:  # distances far below float32 resolution of the coordinates
        X = 0.5 + rng.integers(-3, 4, size=(n, d)) * 2.0**-40
    y = rng.integers(0, n_classes, size=n)
    y[0], y[-1] = 0, 1  # at least two classes
    pair = mn.closest_opposite_pair(X, y)
    sq, i, j = brute_force_pair(X, y)
    assert pair.squared == sq
    assert (pair.i, pair.j) == (i, j)  # ties broken towards the smallest (i, j)
    assert mn.separation(X, y) == math.sqrt(sq)
    # float64 brute force agrees to rounding
    D = cdist(X, X)
    opposite = y[:, None] != y[None, :]
    assert_close(mn.separation(X, y), D[opposite].min(), atol=1e-15)


@pytest.mark.parametrize("hair", [2.0**-45, -(2.0**-45)])
def test_near_tie_below_float32_resolution_is_resolved_exactly(hair):
    """b is at squared distance 1/4 from a; c at (1/2 + hair)^2: float32 cannot tell them apart."""
    a = [0.25, 0.5, 0.75]
    b = [0.75, 0.5, 0.75]
    c = [0.25, 0.5, 0.25 - hair]
    assert np.float32(c[2]) == np.float32(0.25)
    winner = 1 if hair > 0 else 2
    for order in itertools.permutations(range(3)):
        pts = np.array([a, b, c])[list(order)]
        labels = np.array([0, 1, 1])[list(order)]
        pair = mn.closest_opposite_pair(pts, labels)
        ia, iw = order.index(0), order.index(winner)
        assert (pair.i, pair.j) == (min(ia, iw), max(ia, iw))
        assert pair.squared == ((Fraction(1, 2) + Fraction(hair)) ** 2 if winner == 2 else Fraction(1, 4))


def test_conflicting_duplicate_gives_zero():
    X = np.array([[0.1, 0.2], [0.7, 0.7], [0.1, 0.2]])
    assert mn.separation(X, [0, 1, 1]) == 0.0
    pair = mn.closest_opposite_pair(X, [0, 1, 1])
    assert (pair.i, pair.j, pair.squared) == (0, 2, 0)
    # same-label duplicates do not count
    assert mn.separation(X, [0, 1, 0]) == pytest.approx(math.dist(X[0], X[1]))


def test_multiclass_uses_only_differently_labelled_pairs():
    X = np.array([[0.0], [0.01], [0.5], [0.52], [1.0]])
    y = ["a", "a", "b", "b", "c"]
    pair = mn.closest_opposite_pair(X, y)
    assert (pair.i, pair.j) == (3, 4) and pair.squared == (1 - Fraction(0.52)) ** 2
    assert mn.separation(X, ["a", "b", "b", "c", "c"]) == pytest.approx(0.01)


def test_documented_example_and_errors():
    assert mn.separation([[0.0, 0.0], [0.0, 0.5], [1.0, 1.0]], [0, 1, 1]) == 0.5
    with pytest.raises(InputError, match="at least two classes"):
        mn.separation([[0.0], [1.0]], [1, 1])
    with pytest.raises(InputError, match="X must be 2-D"):
        mn.separation([0.0, 1.0], [0, 1])
    # values outside [0, 1] are allowed here (separation is a plain geometric quantity)
    assert mn.separation([[-3.0], [5.0]], [0, 1]) == 8.0


def test_large_blocks_match_float64_brute_force():
    rng = np.random.default_rng(5)
    X = rng.random((1500, 20))
    y = rng.integers(0, 3, size=1500)
    got = mn.closest_opposite_pair(X, y)
    D = cdist(X, X, "sqeuclidean")
    D[y[:, None] == y[None, :]] = np.inf
    i, j = np.unravel_index(np.argmin(D), D.shape)
    assert {got.i, got.j} == {int(i), int(j)}
    assert_close(float(got.squared), D[i, j])


@needs_mnist
@pytest.mark.mnist
def test_mnist_subset_against_brute_force():
    X, y = mn.datasets.load("mnist", classes=(3, 5), split="train", n=4000, rng=0)
    got = mn.closest_opposite_pair(X, y)
    a, b = np.flatnonzero(y == y[0]), np.flatnonzero(y != y[0])
    D = cdist(X[a], X[b], "sqeuclidean")
    k = np.unravel_index(np.argmin(D), D.shape)
    assert {got.i, got.j} == {int(a[k[0]]), int(b[k[1]])}
    assert got.squared == exact_squared_distance(X[got.i], X[got.j])
    assert_close(got.distance, math.sqrt(D[k]))


def test_unsortable_labels():
    with pytest.raises(InputError, match="cannot be sorted"):
        mn.separation([[0.0], [1.0]], np.array([1, "a"], dtype=object))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [(0.0, 1e20, 1e20), (0.0, 1e-30, 1e-30), (5e-324, 0.0, 5e-324), (1e308, -1e308, math.inf),
     (1e-200, 3e-200, 2e-200)],
)
def test_extreme_scales_neither_overflow_nor_vanish(a, b, expected):
    """Tiny separations must not round to 0.0 (which would mean a conflicting duplicate)."""
    X = np.array([[a, 0.25], [b, 0.25], [a, 0.5]])  # constant column and same-label pair too
    y = [0, 1, 0]
    pair = mn.closest_opposite_pair(X, y)
    assert (pair.i, pair.j) == (0, 1) and pair.squared == (Fraction(a) - Fraction(b)) ** 2
    assert mn.separation(X, y) == pytest.approx(expected, rel=1e-15)
    assert mn.separation(X, y) > 0.0
