"""Exact, type-aware equality (:mod:`memnets._core.equality`, behind
``ConstructionResult.__eq__``), case by case (written to kill the survivors of
``benchmarks/mutate.py equality``; see benchmarks/README.md)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import memnets as mn
from memnets._core.equality import TIMING_STATS, same_network, same_value, untimed
from memnets._core.layers import AffineLayer, SparseWeight


def test_untimed_drops_seconds_and_every_key_ending_in_seconds_only():
    stats = {"seconds": 1.5, "verify_seconds": 0.25, "n": 3, "seconds_left": 2, 7: "x", "milliseconds": 4}
    assert untimed(stats) == {"n": 3, "seconds_left": 2, 7: "x", "milliseconds": 4}
    assert TIMING_STATS == ("seconds",)
    assert untimed({}) == {}


@pytest.mark.parametrize(("a", "b", "same"), [
    (1, 1, True), (1, 2, False), (1, 1.0, False), (1, Fraction(1), False), (True, 1, False),
    (Fraction(1, 2), Fraction(1, 2), True), (Fraction(1, 2), 0.5, False), (0.5, 0.5, True),
    (0.5, np.float64(0.5), False), (np.float64(0.5), np.float64(0.5), True), (np.int64(3), 3, False),
    ("a", "a", True), ("a", "b", False), (None, None, True), (None, 0, False),
    (float("nan"), float("nan"), True), (float("nan"), 1.0, False), (1.0, float("nan"), False),
    (np.float32("nan"), np.float32("nan"), True), (np.float32("nan"), np.float32(1), False),
])
def test_scalars_are_equal_only_with_the_same_type_and_value(a, b, same):
    assert same_value(a, b) is same


def test_containers_compare_type_length_keys_and_elements():
    assert same_value([1, Fraction(1, 2)], [1, Fraction(1, 2)]) is True
    assert same_value([1, 2], (1, 2)) is False
    assert same_value((1, 2), [1, 2]) is False
    assert same_value((1, 2), (1, 2)) is True
    assert same_value([1, 2], [1, 2, 3]) is False
    assert same_value([1, 2, 3], [1, 2]) is False
    assert same_value([1, 2], [1, 3]) is False
    assert same_value([1, 2], [1, 2.0]) is False
    assert same_value([], []) is True
    assert same_value({"a": [1]}, {"a": [1]}) is True
    assert same_value({"a": 1}, {"a": 1.0}) is False
    assert same_value({"a": 1}, {"b": 1}) is False
    assert same_value({"a": 1}, {"a": 1, "b": 2}) is False
    assert same_value({"a": 1}, [("a", 1)]) is False
    assert same_value({"a": {"b": float("nan")}}, {"a": {"b": float("nan")}}) is True
    assert same_value({}, {}) is True


def test_an_array_equals_only_an_array_of_the_same_shape_kind_and_entries():
    a = np.array([1, 2, 3])
    assert same_value(a, np.array([1, 2, 3])) is True
    assert same_value(a, np.array([1, 2, 3], dtype=np.int32)) is True  # the kind, not the width
    assert same_value(a, np.array([1.0, 2.0, 3.0])) is False
    assert same_value(a, [1, 2, 3]) is False
    assert same_value([1, 2, 3], a) is False
    assert same_value(a, 1) is False
    assert same_value(a, np.array([1, 2, 4])) is False
    assert same_value(a, np.array([[1, 2, 3]])) is False
    assert same_value(np.array([1, 1]), np.array([1])) is False
    assert same_value(np.array([], dtype=float), np.array([], dtype=float)) is True


def test_float_and_complex_arrays_treat_nan_as_equal():
    assert same_value(np.array([np.nan, 1.0]), np.array([np.nan, 1.0])) is True
    assert same_value(np.array([np.nan, 1.0]), np.array([1.0, 1.0])) is False
    assert same_value(np.array([complex(np.nan, 0), 1j]), np.array([complex(np.nan, 0), 1j])) is True
    assert same_value(np.array([1j]), np.array([2j])) is False


def test_object_arrays_compare_entries_by_type_and_shape():
    a = np.array([Fraction(1, 3), 2], dtype=object)
    assert same_value(a, np.array([Fraction(1, 3), 2], dtype=object)) is True
    assert same_value(a, np.array([Fraction(1, 3), Fraction(2)], dtype=object)) is False  # int vs Fraction
    assert same_value(a, np.array([Fraction(1, 3), 3], dtype=object)) is False
    col = np.array([[Fraction(1)], [Fraction(2)]], dtype=object)
    assert same_value(col, np.array([[Fraction(1), Fraction(2)]], dtype=object)) is False  # (2, 1) vs (1, 2)
    assert same_value(col, col.reshape(2, 1).copy()) is True
    nan = np.array([float("nan")], dtype=object)
    assert same_value(nan, np.array([float("nan")], dtype=object)) is True


def _sparse(data):
    return SparseWeight((2, 3), np.array([0, 1, 3]), np.array([2, 0, 1]), np.array(data, dtype=float))


def _net(w, b=(0.0, 0.0)):
    return mn.ReLUNetwork([AffineLayer(w, np.array(b)), (np.array([[1.0, -1.0]]), np.zeros(1))])


def test_networks_are_equal_layer_by_layer_dense_or_sparse():
    dense = np.array([[0.0, 0.0, 1.0], [2.0, 3.0, 0.0]])
    assert same_network(_net(dense), _net(dense.copy())) is True
    assert same_network(_net(_sparse([1, 2, 3])), _net(_sparse([1, 2, 3]))) is True
    assert same_network(_net(dense), _net(_sparse([1, 2, 3]))) is False  # same matrix, not the same storage
    assert same_network(_net(_sparse([1, 2, 3])), _net(dense)) is False
    assert same_network(_net(_sparse([1, 2, 3])), _net(_sparse([1, 2, 4]))) is False
    other_cols = SparseWeight((2, 3), np.array([0, 1, 3]), np.array([1, 0, 1]), np.array([1.0, 2.0, 3.0]))
    assert same_network(_net(_sparse([1, 2, 3])), _net(other_cols)) is False
    other_rows = SparseWeight((2, 3), np.array([0, 2, 3]), np.array([0, 2, 1]), np.array([1.0, 2.0, 3.0]))
    assert same_network(_net(_sparse([1, 2, 3])), _net(other_rows)) is False
    assert same_network(_net(dense), _net(dense + np.array([[0, 0, 0], [0, 0, 1.0]]))) is False
    assert same_network(_net(dense), _net(dense, b=(0.0, 1.0))) is False
    assert same_network(_net(_sparse([1, 2, 3])), _net(_sparse([1, 2, 3]), b=(1.0, 0.0))) is False


def test_networks_of_other_sizes_or_a_later_layer_differing_are_unequal():
    dense = np.array([[0.0, 0.0, 1.0], [2.0, 3.0, 0.0]])
    two = _net(dense)
    three = mn.ReLUNetwork([(dense, np.zeros(2)), (np.eye(2), np.zeros(2)), (np.array([[1.0, -1.0]]), np.zeros(1))])
    assert same_network(two, three) is False
    assert same_network(three, two) is False
    last = mn.ReLUNetwork([(dense, np.zeros(2)), (np.array([[1.0, 1.0]]), np.zeros(1))])
    assert same_network(two, last) is False
    last_bias = mn.ReLUNetwork([(dense, np.zeros(2)), (np.array([[1.0, -1.0]]), np.ones(1))])
    assert same_network(two, last_bias) is False


def test_construction_results_compare_by_value_ignoring_time():
    X, y = [[0.0], [0.5], [1.0]], [0, 1, 0]
    a = mn.construct(X, y, method="interval", rng=0)
    b = mn.construct(X, y, method="interval", rng=0)
    assert a.stats["seconds"] > 0 and a.stats["verify_seconds"] > 0  # measured, so unequal between runs
    assert a == b
    assert a != mn.construct(X, y, method="interval", rng=1)  # another recorded seed
    assert a != mn.construct(X, [1, 0, 1], method="interval", rng=0)
