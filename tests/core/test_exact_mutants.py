"""The exact engine (memnets._core.exact) at the points mutation testing found unguarded
(``make mutate MODULE=exact``; the table in benchmarks/README.md): lazy step pairs read next
to other units with the same or the opposite multiplier, units reduced to lowest terms,
all-zero outputs over a fractional denominator, small results of big intermediate values
stored as int64 again, a 1-D input, and the cache of compiled rows. Every value is checked
against the plain-Fraction reference or worked out by hand.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from memnets import ReLUNetwork
from memnets._core import exact as exact_module
from memnets._core.exact import compile_rows, exact_units, reference_forward_exact


def _obj(rows: list[list[int]]) -> np.ndarray:
    out = np.empty((len(rows), len(rows[0])), dtype=object)
    out[:] = rows
    return out


def _units(net: ReLUNetwork, X: np.ndarray) -> list[tuple[list[int], int, np.dtype]]:
    (_, units), = list(exact_units(net, X))
    return [(num.tolist(), den, num.dtype) for num, den in units]


def test_a_lazy_step_pair_is_paired_only_with_its_own_lower_unit() -> None:
    """Layer 1: ``a = s(t)`` and the step pair ``s(x + 1), s(x)`` with ``x = 2^70 t - 2^70``
    (big integers: the pair stays unevaluated). Output rows ``-a + s(x+1) - s(x)`` (``a``
    has the multiplier opposite to ``s(x + 1)`` and comes first), ``s(x + 1) + s(x)`` (same
    multipliers: not a step) and ``s(x + 1)`` alone, against the Fraction reference."""
    big = 2**70
    w1 = _obj([[1], [big], [big]])
    b1 = np.array([0, -big + 1, -big], dtype=object)
    w2 = _obj([[-1, 1, -1], [0, 1, 1], [0, 1, 0]])
    net = ReLUNetwork([(w1, b1), (w2, np.zeros(3, dtype=object))])
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    want = [[0, 0, 0], [0, 1, 1], [-1, 2 * big + 1, big + 1], [-2, 4 * big + 1, 2 * big + 1]]
    assert [[int(v) for v in reference_forward_exact(net, x)] for x in X] == want
    assert net.forward_exact(X).tolist() == want
    units = exact_module._apply_layer(exact_module._input_units(X), compile_rows(net.layers[0]), len(X), relu=True)
    assert units[1]._num is None and units[1].pair is units[2]  # the case under test: a lazy pair
    # the same-multiplier row first, while the pair is still unevaluated
    same = ReLUNetwork([(w1, b1), (_obj([[0, 1, 1]]), np.zeros(1, dtype=object))])
    assert same.forward_exact(X).tolist() == [row[1] for row in want]


def test_units_are_reduced_to_lowest_terms() -> None:
    """``4 x`` at ``x = 1/2, 1/4`` is ``2, 1`` over denominator 1; ``2 x`` at ``x = 3/4`` is
    ``3/2`` (gcd 2), at ``x = 1/2`` it is ``1/1`` (denominator 2 reduced)."""
    four = ReLUNetwork([(np.array([[4.0]]), np.zeros(1))])
    assert _units(four, np.array([[0.5], [0.25]])) == [([2, 1], 1, np.dtype(np.int64))]
    two = ReLUNetwork([(np.array([[2.0]]), np.zeros(1))])
    assert _units(two, np.array([[0.75]])) == [([3], 2, np.dtype(np.int64))]
    assert _units(two, np.array([[0.5]])) == [([1], 1, np.dtype(np.int64))]
    assert four.forward_exact(np.array([[0.75]])).tolist() == [3]


def test_an_all_zero_output_over_a_fractional_denominator_is_0_over_1() -> None:
    """``x_1 - x_2`` at ``(1/2, 1/2)`` and ``(1/4, 1/4)``: every numerator 0, as an int64
    unit over denominator 1 (never ``None``, never floats, never ``0/2``); ``forward_exact``
    returns the int 0."""
    diff = ReLUNetwork([(np.array([[1.0, -1.0]]), np.zeros(1))])
    X = np.array([[0.5, 0.5], [0.25, 0.25]])
    assert _units(diff, X) == [([0, 0], 1, np.dtype(np.int64))]
    out = diff.forward_exact(X).tolist()
    assert out == [0, 0] and all(type(v) is int for v in out)


def test_small_results_of_big_intermediate_values_are_int64_again() -> None:
    """``h = 2^70 x`` needs Python integers; ``y = h / 2^70 + h / 2^71`` is back below
    ``2^62`` and is stored as int64 (the fast path of every later layer)."""
    w1 = _obj([[2**70]])
    w2 = np.empty((1, 1), dtype=object)
    w2[0, 0] = Fraction(3, 2**71)
    net = ReLUNetwork([(w1, np.zeros(1, dtype=object)), (w2, np.zeros(1, dtype=object))])
    X = np.array([[1.0], [2.0], [0.5]])
    assert _units(net, X) == [([6, 12, 3], 4, np.dtype(np.int64))]
    assert net.forward_exact(X).tolist() == [Fraction(3, 2), 3, Fraction(3, 4)]


def test_one_sample_as_a_1d_array() -> None:
    net = ReLUNetwork([(np.array([[1.0, -1.0], [0.5, 0.5]]), np.array([0.0, 0.25]))])
    out = exact_module.forward_exact(net, np.array([0.75, 0.25]))
    assert out.shape == (1, 2) and out.tolist() == [[Fraction(1, 2), Fraction(3, 4)]]
    assert exact_module.forward_exact(net, [0.75, 0.25]).tolist() == out.tolist()


def test_compiled_rows_are_cached_on_the_layer() -> None:
    """Layers are immutable, so their row form is compiled once and kept on the layer."""
    layer = ReLUNetwork([(np.array([[1.0, 0.0], [0.5, 2.0]]), np.array([0.0, 1.0]))]).layers[0]
    rows = compile_rows(layer)
    assert compile_rows(layer) is rows
    assert [(keep, ps, qs, bp, bq) for _, keep, ps, qs, bp, bq in rows] == [
        ([0], [1], [1], 0, 1), ([0, 1], [1, 2], [2, 1], 1, 1)]


def test_numpy_integers_are_read_as_integers() -> None:
    assert exact_module._as_pq(np.int64(-7)) == (-7, 1)
    assert exact_module._as_pq(np.uint8(5)) == (5, 1)
    assert exact_module._as_pq(Fraction(3, 4)) == (3, 4) and exact_module._as_pq(0.375) == (3, 8)


def test_identity_rows_after_a_relu_reuse_the_unit_and_nothing_else() -> None:
    """Layer 2 reads ``h = s(x_1 - x_2)`` (non-negative) through rows ``s(h)`` (the unit
    itself), ``s(h + 1)``, ``s(2 h)``, ``s(h / 2)`` and ``s(x)``-like rows on the second unit:
    only the first is the unit unchanged; every output against the Fraction reference."""
    w1 = np.array([[1.0, -1.0], [0.0, 1.0]])
    w2 = np.array([[1.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.5, 0.0], [0.0, 1.0]])
    b2 = np.array([0.0, 1.0, 0.0, 0.0, 0.0])
    net = ReLUNetwork([(w1, np.zeros(2)), (w2, b2), (np.eye(5), np.zeros(5))])
    X = np.array([[0.75, 0.25], [0.25, 0.75], [0.5, 0.125]])
    want = [[Fraction(1, 2), Fraction(3, 2), 1, Fraction(1, 4), Fraction(1, 4)],
            [0, 1, 0, 0, Fraction(3, 4)],
            [Fraction(3, 8), Fraction(11, 8), Fraction(3, 4), Fraction(3, 16), Fraction(1, 8)]]
    assert [reference_forward_exact(net, x) for x in X] == want
    assert net.forward_exact(X).tolist() == want


def test_consecutive_rows_with_biases_b_and_b_minus_1_on_fractions_are_evaluated() -> None:
    """Rows ``s(x + 1), s(x)`` look like a step pair but ``x`` has a denominator (and in the
    output layer there is no ReLU): both are evaluated as they are, ``x = 1/2, -3/4, 5``."""
    net = ReLUNetwork([(np.array([[1.0], [1.0]]), np.array([1.0, 0.0])),
                       (np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), np.array([0.0, -1.0, 0.0]))])
    X = np.array([[0.5], [0.0], [1.0]])
    want = [[Fraction(3, 2), Fraction(1, 2), Fraction(1, 2)], [1, 0, 0], [2, 1, 1]]
    assert [reference_forward_exact(net, x) for x in X] == want
    assert net.forward_exact(X).tolist() == want


def test_a_bias_with_twice_the_denominator_of_the_linear_part() -> None:
    """``x + 1/2`` on integer ``x`` (linear part over 1, the row over 2: scale 2), in int64
    and with a big weight in Python integers (``2^70 x + 1/2``)."""
    half = ReLUNetwork([(np.array([[1.0]]), np.array([0.5]))])
    assert half.forward_exact(np.array([[1.0], [3.0]])).tolist() == [Fraction(3, 2), Fraction(7, 2)]
    w = _obj([[2**70]])
    b = np.array([Fraction(1, 2)], dtype=object)
    big = ReLUNetwork([(w, b)])
    assert big.forward_exact(np.array([[1.0], [0.0]])).tolist() == [Fraction(2**71 + 1, 2), Fraction(1, 2)]


def test_a_row_with_no_weights_and_a_bias_beyond_int64() -> None:
    w = _obj([[0], [1]])
    b = np.array([2**70, 0], dtype=object)
    net = ReLUNetwork([(w, b), (_obj([[1, 1]]), np.zeros(1, dtype=object))])
    assert net.forward_exact(np.array([[1.0], [0.0]])).tolist() == [2**70 + 1, 2**70]
