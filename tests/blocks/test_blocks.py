"""The shared ReLU building blocks of ``memnets._blocks``: exact references worked by hand.

Every block is checked against values computed by hand (or by a plain-Python reference),
compared with ``==`` on the exact outputs of ``forward_exact`` (ints and Fractions), plus
the property tests that moved here from the construction test files. Sections follow
``_blocks.py``: generic layers, staircases (M3), max-trees (M1), parallel networks
(one-vs-rest), affine expressions and steps (M2), digit extraction (M2).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memnets as mn
from memnets import AffineLayer, InputError, ReLUNetwork
from memnets._blocks import (
    compose_affine,
    exact_layer,
    identity_rows,
    max_tree,
    side_by_side,
    staircase,
    staircase_index,
    step_rows,
)
from memnets._blocks.builder import LayerBuilder, Lin, digit_preacts, digit_value, step_preacts


def _assert_normalised_exact(layer: AffineLayer) -> None:
    """Every stored entry is an int or a Fraction that is not an integer (the exact storage)."""
    for v in [*layer.weight_values().tolist(), *layer.bias.tolist()]:
        assert type(v) is int or (type(v) is Fraction and v.denominator != 1), v


def _column(x: list[float]) -> np.ndarray:
    return np.array(x, dtype=np.float64).reshape(-1, 1)


# --------------------------------------------------------------------------- generic
def test_exact_layer_hand_worked() -> None:
    layer = exact_layer([{0: 2, 1: 0, 2: Fraction(1, 3)}, {}], [Fraction(-1, 2), 7], 3)
    assert layer.is_sparse and layer.is_exact
    assert layer.weight.nnz == 2  # the explicit 0 and the empty row store nothing
    assert layer.dense_weight().tolist() == [[2, 0, Fraction(1, 3)], [0, 0, 0]]
    assert layer.bias.tolist() == [Fraction(-1, 2), 7]
    _assert_normalised_exact(layer)
    # 2 * 1/2 + 3/3 - 1/2 = 3/2 (no ReLU after a last layer), and the constant row is 7
    out = ReLUNetwork([layer]).forward_exact([[0.5, 9.0, 3.0]])
    assert out.tolist() == [[Fraction(3, 2), 7]]


def test_exact_layer_errors() -> None:
    with pytest.raises(ValueError, match="2 rows but 1 biases"):
        exact_layer([{0: 1}, {0: 2}], [0], 1)
    with pytest.raises(InputError, match="column index out of range"):
        exact_layer([{3: 1}], [0], 2)


def test_identity_rows_carry_units_unchanged() -> None:
    assert identity_rows([2, 0]) == [{2: 1}, {0: 1}]
    assert identity_rows([]) == []
    # units s(x0), s(-x1), s(x0 + 1) are carried through a ReLU (in another order) exactly
    first = exact_layer([{0: 1}, {1: -1}, {0: 1}], [0, 0, 1], 2)
    carry = exact_layer(identity_rows([1, 2, 0]), [0, 0, 0], 3)
    out = exact_layer(identity_rows([0, 1, 2]), [0, 0, 0], 3)
    net = ReLUNetwork([first, carry, out])
    got = net.forward_exact([[0.75, -0.5], [-0.25, 0.125]]).tolist()
    assert got == [[Fraction(1, 2), Fraction(7, 4), Fraction(3, 4)], [0, Fraction(3, 4), 0]]


def test_compose_affine_exact_hand_worked() -> None:
    # first: (x0 + 2 x1 + 1, x1 - 1); second: 3 a - b + 1/2  ->  3 x0 + 5 x1 + 9/2
    first = exact_layer([{0: 1, 1: 2}, {1: 1}], [1, -1], 2)
    second = exact_layer([{0: 3, 1: -1}], [Fraction(1, 2)], 2)
    both = compose_affine(first, second)
    assert both.is_sparse and both.is_exact
    assert both.dense_weight().tolist() == [[3, 5]]
    assert both.bias.tolist() == [Fraction(9, 2)]
    _assert_normalised_exact(both)
    # a Fraction product that is an integer is stored as int, and exact zeros are dropped:
    # second' = (a/2 - b, 2 b): weights (1/2, 1 - 1) = (1/2, 0) and (0, 2), bias 1/2 + 1 = 3/2, -2
    other = exact_layer([{0: Fraction(1, 2), 1: -1}, {1: 2}], [0, 0], 2)
    both = compose_affine(first, other)
    assert both.dense_weight().tolist() == [[Fraction(1, 2), 0], [0, 2]]
    assert both.bias.tolist() == [Fraction(3, 2), -2]
    assert both.weight.nnz == 2
    _assert_normalised_exact(both)
    X = np.array([[0.25, 0.5], [1.0, -3.0]])
    assert ReLUNetwork([both]).forward_exact(X).tolist() == [
        [Fraction(1, 8) + Fraction(3, 2), -1], [Fraction(1, 2) + Fraction(3, 2), -8]
    ]


def test_compose_affine_float_and_shape_error() -> None:
    first = AffineLayer(np.array([[1.0, 2.0], [0.0, 1.0]]), np.array([1.0, -1.0]))
    second = AffineLayer(np.array([[3.0, -1.0]]), np.array([0.5]))
    both = compose_affine(first, second)
    assert not both.is_sparse and both.weight.dtype == np.float64
    assert both.weight.tolist() == [[3.0, 5.0]] and both.bias.tolist() == [4.5]
    with pytest.raises(ValueError, match="cannot compose"):
        compose_affine(second, first)


# --------------------------------------------------------------------------- staircases (M3)
def test_step_rows_hand_worked() -> None:
    rows, bias = step_rows(2, Fraction(1, 4), Fraction(1, 8))
    assert rows == [{2: 8}, {2: 8}]
    assert bias == [Fraction(-3, 2), Fraction(-5, 2)]
    rows, bias = step_rows(0, Fraction(3), Fraction(1, 2))
    assert rows == [{0: 2}, {0: 2}] and bias == [Fraction(-11, 2), Fraction(-13, 2)]


def test_step_rows_step_values_exact() -> None:
    """u+ - u- is 0 up to theta - w/2, 1 from theta + w/2, linear in between (1/2 at theta)."""
    rows, bias = step_rows(0, Fraction(1, 4), Fraction(1, 8))
    net = ReLUNetwork([exact_layer(rows, bias, 1), exact_layer([{0: 1, 1: -1}], [0], 2)])
    out = net.forward_exact(_column([-1.0, 0.0, 3 / 16, 7 / 32, 1 / 4, 9 / 32, 5 / 16, 1.0]))
    assert out.tolist() == [0, 0, 0, Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), 1, 1]
    # outside the ramp the 0/1 outputs come back at denominator 1, as ints
    assert [type(v) for v in out[[0, 1, 2, 6, 7]]] == [int] * 5
    with pytest.raises(ValueError, match="positive"):
        step_rows(0, Fraction(1, 4), 0)


def test_staircase_hand_worked_exact_values() -> None:
    th = [[Fraction(1, 4), Fraction(1, 2)], [], [Fraction(3, 4)]]
    hidden, readout = staircase(th, Fraction(1, 8))
    assert hidden.n_outputs == 6 and readout.n_outputs == 3
    assert hidden.dense_weight().tolist() == [[8, 0, 0], [8, 0, 0], [8, 0, 0], [8, 0, 0], [0, 0, 8], [0, 0, 8]]
    assert hidden.bias.tolist() == [Fraction(-3, 2), Fraction(-5, 2), Fraction(-7, 2), Fraction(-9, 2), Fraction(-11, 2), Fraction(-13, 2)]
    assert readout.dense_weight().tolist() == [[1, -1, 1, -1, 0, 0], [0] * 6, [0, 0, 0, 0, 1, -1]]
    net = mn.ReLUNetwork([hidden, readout])
    X = np.array([[0.0, 0.3, 0.9], [0.375, 1.0, 0.5], [0.75, 0.0, 0.8125], [0.1875, 0.5, 0.6875]])
    out = net.forward_exact(X)
    assert out.tolist() == [[0, 0, 1], [1, 0, 0], [2, 0, 1], [0, 0, 0]]
    assert out.tolist() == staircase_index(X, [[0.25, 0.5], [], [0.75]]).tolist()
    # inside the ramp (distance < width/2) the step is linear: x = theta gives 1/2
    assert net.forward_exact([[0.25, 0.0, 0.0]]).tolist() == [[Fraction(1, 2), 0, 0]]
    assert net.forward_exact([[0.5 + 1 / 32, 0.0, 0.0]]).tolist() == [[Fraction(7, 4), 0, 0]]


def test_staircase_index_hand_worked() -> None:
    # strict count: a coordinate equal to a threshold does not pass it; thresholds unsorted
    X = np.array([[0.25, 0.9], [0.3, 0.0], [1.0, 0.5]])
    idx = staircase_index(X, [[0.5, 0.25, 0.75], []])
    assert idx.dtype == np.int64
    assert idx.tolist() == [[0, 0], [1, 0], [3, 0]]


# --------------------------------------------------------------------------- max-trees (M1)
def _max_tree_net(sizes: list[int]) -> ReLUNetwork:
    layers, readout = max_tree(sizes)
    return ReLUNetwork([*layers, AffineLayer(readout, np.zeros(len(sizes)))])


def test_max_tree_layers_hand_worked() -> None:
    # [3]: level 1 pairs (a0, a1) -> s(a0 - a1), s(a1) and passes a2 -> s(a2); level 2
    # pairs the nodes u0 + u1 and u2 -> s(u0 + u1 - u2), s(u2); readout sums the pair
    layers, readout = max_tree([3])
    assert [layer.dense_weight().tolist() for layer in layers] == [
        [[1, -1, 0], [0, 1, 0], [0, 0, 1]],
        [[1, 1, -1], [0, 0, 1]],
    ]
    assert all(layer.bias.tolist() == [0] * layer.n_outputs for layer in layers)
    assert readout.toarray().tolist() == [[1, 1]]
    # [1]: no layer at all, the readout is the identity on the input
    layers, readout = max_tree([1])
    assert layers == [] and readout.toarray().tolist() == [[1]]


def test_max_tree_hand_input_equals_the_max_exactly() -> None:
    net = _max_tree_net([3, 2])
    X = np.array([
        [0.5, 2.0, 1.0, 0.25, 0.75],
        [0.0, 0.0, 0.0, 0.0, 0.0],
        [3.0, 3.0, 1.5, 0.125, 0.125],  # ties
        [0.0, 0.0, 2.0**-40, 2.0**30, 0.0],
    ])
    assert net.forward_exact(X).tolist() == [
        [2, Fraction(3, 4)], [0, 0], [3, Fraction(1, 8)], [Fraction(1, 2**40), 2**30]
    ]
    # non-dyadic values through an exact first layer (x / 3): the maxima stay exact
    third = exact_layer([{j: Fraction(1, 3)} for j in range(5)], [0] * 5, 5)
    out = ReLUNetwork([third, *net.layers]).forward_exact([[0.5, 2.0, 1.0, 0.25, 0.75]])
    assert out.tolist() == [[Fraction(2, 3), Fraction(1, 4)]]


def test_max_tree_refuses_bad_sizes() -> None:
    for bad in ([], [0], [2, -1], [[1, 2]]):
        with pytest.raises(ValueError, match="group sizes"):
            max_tree(bad)


@pytest.mark.parametrize("sizes", [[1], [2], [5], [7, 1, 3], [64, 65, 1, 2, 100]])
def test_max_tree_exact(sizes: list[int]) -> None:
    rng = np.random.default_rng(5)
    layers, readout = max_tree(sizes)
    assert len(layers) == math.ceil(math.log2(max(sizes)))
    first = mn.AffineLayer(np.eye(sum(sizes)), np.zeros(sum(sizes)))
    net = mn.ReLUNetwork([first, *layers, mn.AffineLayer(readout, np.zeros(len(sizes)))])
    X = rng.integers(0, 50, (20, sum(sizes))) / 8.0
    expect = np.stack([g.max(axis=1) for g in np.split(X, np.cumsum(sizes)[:-1], axis=1)], axis=1)
    exact = np.array(net.forward_exact(X), dtype=object).reshape(20, -1)
    assert (exact == expect).all()
    assert all(layer.is_sparse for layer in layers)
    nnz = sum(layer.weight.nnz for layer in layers)
    assert nnz < 4.5 * sum(sizes)


def test_max_tree_large_is_sparse() -> None:
    layers, readout = max_tree([30000, 30000])
    assert len(layers) == 15
    assert layers[0].weight.nnz == 3 * 30000  # two +-1 entries for s(a-b), one for s(b)
    assert sum(layer.weight.nnz for layer in layers) < 4.5 * 60000
    assert readout.shape == (2, layers[-1].n_outputs)


# --------------------------------------------------------------------------- parallel networks
def test_side_by_side_hand_worked() -> None:
    # a(x) = x0 - x1 + 1/2 (depth 1, padded as s(z) - s(-z)); b(x) = 1 - s(2 x0) (depth 2)
    a = ReLUNetwork([(np.array([[1.0, -1.0]]), np.array([0.5]))])
    b = ReLUNetwork([(np.array([[2.0, 0.0]]), np.array([0.0])), (np.array([[-1.0]]), np.array([1.0]))])
    layers = side_by_side([a, b])
    assert [layer.dense_weight().tolist() for layer in layers] == [
        [[1, -1], [-1, 1], [2, 0]],
        [[1, -1, 0], [0, 0, -1]],
    ]
    assert [layer.bias.tolist() for layer in layers] == [[0.5, -0.5, 0], [0, 1]]
    assert not any(layer.is_exact for layer in layers)  # float parts stay float64
    X = np.array([[0.25, 1.0], [1.0, 0.0], [0.0, 0.0]])
    got = ReLUNetwork(layers).forward_exact(X).tolist()
    assert got == [[Fraction(-1, 4), Fraction(1, 2)], [Fraction(3, 2), -1], [Fraction(1, 2), 1]]
    # each column is that network's own exact output
    assert [row[0] for row in got] == a.forward_exact(X).tolist()
    assert [row[1] for row in got] == b.forward_exact(X).tolist()


def test_side_by_side_exact_part_makes_every_layer_exact() -> None:
    a = ReLUNetwork([(np.array([[1.0, -1.0]]), np.array([0.5]))])
    c = ReLUNetwork([exact_layer([{1: Fraction(1, 3)}], [2**70], 2)])
    layers = side_by_side([a, c])
    assert len(layers) == 1 and layers[0].is_exact
    _assert_normalised_exact(layers[0])  # 0.5 -> Fraction(1, 2), 1.0 -> 1
    assert layers[0].dense_weight().tolist() == [[1, -1], [0, Fraction(1, 3)]]
    assert layers[0].bias.tolist() == [Fraction(1, 2), 2**70]
    out = ReLUNetwork(layers).forward_exact([[0.25, 0.75]]).tolist()
    assert out == [[0, 2**70 + Fraction(1, 4)]]


def _net(rng: np.random.Generator, n_in: int, depth: int, exact: bool) -> mn.ReLUNetwork:
    layers = []
    width = n_in
    for k in range(depth):
        out = 1 if k == depth - 1 else int(rng.integers(1, 4))
        w = rng.integers(-3, 4, (out, width))
        b = rng.integers(-2, 3, out)
        if exact:  # Fractions and a big integer: the combined network must stay exact
            wo = np.empty(w.shape, dtype=object)
            wo[:] = [[Fraction(int(v), 3) + (2**70 if (i, j) == (0, 0) else 0) for j, v in enumerate(row)]
                     for i, row in enumerate(w)]
            layers.append((wo, b.astype(object)))
        else:
            layers.append((w / 4.0, b / 2.0))
        width = out
    return mn.ReLUNetwork(layers)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), count=st.integers(1, 4), exact=st.booleans())
def test_side_by_side_equals_the_parts(seed: int, count: int, exact: bool) -> None:
    rng = np.random.default_rng(seed)
    nets = [_net(rng, 3, int(rng.integers(1, 5)), exact) for _ in range(count)]
    combined = mn.ReLUNetwork(side_by_side(nets))
    X = rng.integers(0, 5, (7, 3)) / 4.0
    got = np.array(combined.forward_exact(X), dtype=object).reshape(7, count)
    for k, net in enumerate(nets):
        part = np.array(net.forward_exact(X), dtype=object).reshape(7)
        assert (got[:, k] == part).all()
    assert combined.depth == max(net.depth for net in nets)
    if not exact:
        assert combined.float64_representable  # float parts stay exportable floats


def test_side_by_side_refuses_mismatched_inputs() -> None:
    a = mn.ReLUNetwork([(np.ones((1, 2)), np.zeros(1))])
    b = mn.ReLUNetwork([(np.ones((1, 3)), np.zeros(1))])
    with pytest.raises(ValueError, match="different input sizes"):
        side_by_side([a, b])
    with pytest.raises(ValueError, match="at least one"):
        side_by_side([])


# --------------------------------------------------------------------------- Lin, LayerBuilder, steps (M2)
def test_lin_arithmetic_hand_worked() -> None:
    a = Lin({0: 1, 1: 2}, 3)
    b = Lin({1: -2, 2: Fraction(1, 2)}, 1)
    s = a + b
    assert (s.terms, s.const) == ({0: 1, 2: Fraction(1, 2)}, 4)  # the cancelled term is dropped
    assert ((5 + a).terms, (5 + a).const) == ({0: 1, 1: 2}, 8)
    assert ((a - 5).terms, (a - 5).const) == ({0: 1, 1: 2}, -2)
    assert ((5 - a).terms, (5 - a).const) == ({0: -1, 1: -2}, 2)
    assert ((a - b).terms, (a - b).const) == ({0: 1, 1: 4, 2: Fraction(-1, 2)}, 2)
    assert ((-a).terms, (-a).const) == ({0: -1, 1: -2}, -3)
    assert ((3 * a).terms, (3 * a).const) == ({0: 3, 1: 6}, 9)
    assert ((a * Fraction(1, 2)).terms, (a * Fraction(1, 2)).const) == ({0: Fraction(1, 2), 1: 1}, Fraction(3, 2))
    assert (a * 0).is_const and (a * 0).terms == {} and (a * 0).const == 0
    assert Lin({0: 0}, 7).is_const and not a.is_const
    assert a.terms == {0: 1, 1: 2} and a.const == 3  # operators never mutate their operands


def test_layer_builder_hand_worked() -> None:
    b = LayerBuilder(2)
    x0, x1 = b.inputs()
    # max(x0, x1) = s(x0 - x1) + s(x1) for x1 >= 0; constants pass as max(c, 0) without a unit
    u = b.relu([x0 - x1, x1, Lin(const=-3), Lin(const=Fraction(5, 2))])
    assert [(e.terms, e.const) for e in u] == [({0: 1}, 0), ({1: 1}, 0), ({}, 0), ({}, Fraction(5, 2))]
    b.output([u[0] + u[1] + u[3], u[2] - u[1]])
    hidden, out = b.layers
    assert hidden.dense_weight().tolist() == [[1, -1], [0, 1]] and hidden.bias.tolist() == [0, 0]
    assert out.dense_weight().tolist() == [[1, 1], [0, -1]]
    assert out.bias.tolist() == [Fraction(5, 2), 0]
    got = ReLUNetwork(b.layers).forward_exact([[0.25, 0.75], [1.0, 0.5], [0.125, 0.0]]).tolist()
    assert got == [
        [Fraction(13, 4), Fraction(-3, 4)], [Fraction(7, 2), Fraction(-1, 2)], [Fraction(21, 8), 0]
    ]
    with pytest.raises(ValueError, match="before any layer"):
        b.inputs()


def test_layer_builder_refuses_a_layer_of_constants() -> None:
    b = LayerBuilder(1)
    b.inputs()
    with pytest.raises(ValueError, match="non-constant unit"):
        b.relu([Lin(const=1), Lin(const=-2)])


def test_step_preacts_hand_worked() -> None:
    x = Lin({0: 1})
    assert [(e.terms, e.const) for e in step_preacts(x, 5)] == [({0: 1}, -4), ({0: 1}, -5)]
    # theta may be an expression: [x >= y + 2] = s(x - y - 1) - s(x - y - 2)
    pre = step_preacts(x, Lin({1: 1}, 2))
    assert [(e.terms, e.const) for e in pre] == [({0: 1, 1: -1}, -1), ({0: 1, 1: -1}, -2)]
    b = LayerBuilder(2)
    bx, by = b.inputs()
    hi, lo = b.relu(step_preacts(bx, by + 2))
    b.output([hi - lo])
    pairs = np.array([[5.0, 3.0], [4.0, 3.0], [0.0, 0.0], [2.0, 0.0], [-1.0, -3.0], [-7.0, 2.0]])
    assert ReLUNetwork(b.layers).forward_exact(pairs).tolist() == [1, 0, 0, 1, 1, 0]


def test_integer_step_is_exact_outside_the_ramp():
    b = LayerBuilder(1)
    (x,) = b.inputs()
    hi, lo = b.relu(step_preacts(x * 2, 7))  # [2x >= 7]
    b.output([hi - lo])
    vals = ReLUNetwork(b.layers).forward_exact(np.array([[3.0], [3.5], [10.0], [-4.0]])).tolist()
    assert vals == [0, 1, 1, 0]


# --------------------------------------------------------------------------- digit extraction (M2)
def test_step_and_digit_rows_hand_worked():
    b = LayerBuilder(1)
    (p,) = b.inputs()
    units = b.relu(digit_preacts(p, 2, r=2))  # digit of P at 2**2, base 4
    b.output([digit_value(units)])
    hidden, out = b.layers
    assert hidden.dense_weight().tolist() == [[1]] * 6
    assert hidden.bias.tolist() == [-3, -4, -7, -8, -11, -12]
    assert out.dense_weight().tolist() == [[1, -1, 1, -1, 1, -1]]
    net = ReLUNetwork(b.layers)
    P = np.arange(16, dtype=np.float64).reshape(-1, 1)
    assert net.forward_exact(P).tolist() == [v // 4 for v in range(16)]
    assert [e.const for e in step_preacts(Lin({0: 1}), 5)] == [-4, -5]


def test_digit_preacts_and_value_hand_worked() -> None:
    p = Lin({0: 1})
    assert [e.const for e in digit_preacts(p, 3)] == [-7, -8]  # [P >= 8]
    assert [e.const for e in digit_preacts(p, 1, r=2)] == [-1, -2, -3, -4, -5, -6]  # [P >= 2, 4, 6]
    units = [Lin({j: 1}) for j in range(4)]
    d = digit_value(units)
    assert (d.terms, d.const) == ({0: 1, 1: -1, 2: 1, 3: -1}, 0)
    with pytest.raises(ValueError):
        digit_value(units[:3])  # units come in (hi, lo) pairs
    for k, r in ((0, 0), (-1, 1)):
        with pytest.raises(ValueError, match="r >= 1 and k >= 0"):
            digit_preacts(p, k, r)


def _unpack_network(bits: int, r: int) -> ReLUNetwork:
    """Digits of an integer ``0 <= P < 2**bits`` in base ``2**r``, most significant first.

    Layer by layer: carry the rest ``P`` (>= 0) and the digits read so far, read the top
    digit of the rest with :func:`digit_preacts`, subtract it (folded into the next rows).
    """
    b = LayerBuilder(1)
    (rest,) = b.inputs()
    digits: list[Lin] = []
    for k in range(bits - r, -1, -r):
        units = b.relu([rest, *digits, *digit_preacts(rest, k, r)])
        rest, digits = units[0], units[1 : 1 + len(digits)]
        d = digit_value(units[1 + len(digits) :])
        digits.append(d)
        rest = rest - d * 2**k
    b.output(digits)
    return ReLUNetwork(b.layers)


def test_binary_digits_of_a_known_integer() -> None:
    net = _unpack_network(7, 1)
    assert net.depth == 8 and net.n_outputs == 7
    assert net.forward_exact([[89.0]]).tolist() == [[1, 0, 1, 1, 0, 0, 1]]  # 89 = 0b1011001
    P = np.arange(128, dtype=np.float64).reshape(-1, 1)
    assert net.forward_exact(P).tolist() == [[(v >> k) & 1 for k in range(6, -1, -1)] for v in range(128)]


def test_base_four_digits_of_every_byte() -> None:
    net = _unpack_network(8, 2)
    assert net.forward_exact([[0b10_01_11_00]]).tolist() == [[2, 1, 3, 0]]
    P = np.arange(256, dtype=np.float64).reshape(-1, 1)
    assert net.forward_exact(P).tolist() == [[(v >> k) & 3 for k in (6, 4, 2, 0)] for v in range(256)]


def test_nearest_centre_network_hand_worked():
    # unit k before the max-tree: 2 <s_k, x> + C - |s_k|^2 = C + |x|^2 - |x - s_k|^2; at
    # x = (3/4, 1/4), C = 2: |x|^2 = 5/8 and |x - s_k|^2 = 5/8, 1/8, 9/8 -> 2, 5/2, 3/2
    from memnets._blocks.nearest import nearest_centre_network

    S = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    x = np.array([[0.75, 0.25]])
    assert nearest_centre_network(S, np.array([1, 1, 1]), 2.0).forward(x).tolist() == [[2.0, 2.5, 1.5]]
    # two groups {s_0, s_1} and {s_2}: one output, max of group 1 minus max of group 0
    assert nearest_centre_network(S, np.array([2, 1]), 2.0).forward(x).tolist() == [-1.0]
