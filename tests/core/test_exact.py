"""The exact engine against the plain-Python reference, and the certified float bound."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _hand_networks import popcount_network, random_inputs, random_network
from memnets import ExactnessError, InputError, ReLUNetwork
from memnets._core import exact as exact_module
from memnets._core.exact import exact_units, reference_forward_exact

seeds = st.integers(min_value=0, max_value=2**32 - 1)


def as_fraction_rows(out: np.ndarray) -> list[list[Fraction]]:
    rows = out.reshape(len(out), -1).tolist()
    return [[Fraction(v) for v in r] for r in rows]


@settings(max_examples=120, deadline=None)
@given(seeds)
def test_forward_exact_equals_reference_on_random_networks(seed):
    net = random_network(seed)
    X = random_inputs(seed, 6, net.n_inputs)
    got = net.forward_exact(X)
    assert got.shape == ((6,) if net.n_outputs == 1 else (6, net.n_outputs))
    for row, x in zip(as_fraction_rows(got), X, strict=True):
        assert row == reference_forward_exact(net, x)
    # integral results are ints, others Fractions in lowest terms (Fraction normalises)
    for v in got.ravel():
        assert type(v) is int or (type(v) is Fraction and v.denominator > 1)


@settings(max_examples=40, deadline=None)
@given(seeds, st.integers(min_value=1, max_value=7))
def test_forward_exact_chunking_invariant(seed, chunk):
    net = random_network(seed)
    X = random_inputs(seed, 11, net.n_inputs)
    assert net.forward_exact(X, chunk_size=chunk).tolist() == net.forward_exact(X).tolist()


def check_certified(net: ReLUNetwork, X: np.ndarray) -> np.ndarray:
    """Assert |exact - float| <= err for every output; return err / (|value| + 1) for tightness checks."""
    vals, err = net.forward_certified(X)
    exact = net.forward_exact(X)
    assert vals.shape == err.shape == exact.shape
    assert np.array_equal(vals, net.forward(X))
    for v, e, ex in zip(vals.ravel().tolist(), err.ravel().tolist(), exact.ravel().tolist(), strict=True):
        assert abs(Fraction(ex) - Fraction(v)) <= Fraction(e), (v, e, ex)
    return err / (np.abs(vals) + 1.0)


@settings(max_examples=100, deadline=None)
@given(seeds)
def test_certified_bound_holds_on_random_networks(seed):
    net = random_network(seed, max_depth=5, max_width=6)
    check_certified(net, random_inputs(seed, 8, net.n_inputs))


@settings(max_examples=10, deadline=None)
@given(seeds)
def test_certified_bound_holds_on_deep_float_networks(seed):
    rng = np.random.default_rng(seed)
    width, depth = 6, 24
    layers = [(rng.normal(size=(width, 3)), rng.normal(size=width))]
    for _ in range(depth - 2):
        layers.append((rng.normal(size=(width, width)) / np.sqrt(width) * 1.3, rng.normal(size=width) * 0.1))
    layers.append((rng.normal(size=(2, width)), rng.normal(size=2)))
    net = ReLUNetwork(layers)
    rel = check_certified(net, rng.random((6, 3)))
    # |W|-propagation is loose for deep dense layers, but it stays far from vacuous
    assert np.isfinite(rel).all() and rel.max() < 1e-3


def test_zero_units_with_huge_denominators():
    """A unit that is 0 on the whole batch but carries a > 64-bit denominator (regression)."""
    w = np.empty((2, 1), dtype=object)
    w[:, 0] = [Fraction(1, 3**50), Fraction(-1, 3**50)]
    net = ReLUNetwork([(w, [0, 0]), ([[1, 1]], [0])])
    X = np.array([[0.0], [0.0]])
    assert net.forward_exact(X).tolist() == [0, 0]
    assert net.forward_exact(np.array([[0.5]])).tolist() == [Fraction(1, 2 * 3**50)]


@pytest.mark.parametrize("big", [2.0**52, 1e16, 2.0**60, 3.0**40])
def test_certified_bound_under_catastrophic_cancellation(big):
    """relu(B x + 1) - relu(B x) is 1 exactly, but float64 loses the 1 for large B x."""
    net = ReLUNetwork([([[big], [big]], [1.0, 0.0]), ([[1.0, -1.0]], [0.0])])
    X = np.linspace(0.0, 1.0, 33).reshape(-1, 1)
    assert set(net.forward_exact(X).tolist()) == {1}
    check_certified(net, X)
    vals, err = net.forward_certified(X)
    if big >= 2.0**53:
        assert (vals[1:] != 1.0).any()  # float really is wrong here, and the bound covers it
    assert err.max() <= 16 * 2.0**-53 * big + 1e-12  # a few roundings of |B x|, no more


def test_certified_bound_big_bias_does_not_cancel_propagated_error():
    """Propagated error must not be computed as (|W| err + |b|) - |b| (it would vanish)."""
    third = 1.0 / 3.0
    net = ReLUNetwork([([[third]], [0.0]), ([[3.0]], [1e20]), ([[1.0]], [-1e20])])
    _vals, err = net.forward_certified(np.array([[0.7]]))
    check_certified(net, np.array([[0.7], [0.1], [1.0]]))
    assert err[0] >= 2.0**-53 * 1e20  # the 1e20 bias rounding is accounted for


def test_certified_bound_with_exact_entries_rounded_to_float():
    w = np.empty((3, 2), dtype=object)
    w[:] = [[Fraction(1, 3), Fraction(-2, 7)], [Fraction(10**20 + 1, 3), 1], [0, Fraction(1, 10)]]
    b = np.empty(3, dtype=object)
    b[:] = [Fraction(1, 11), -(10**19), Fraction(5, 3)]
    net = ReLUNetwork([(w, b), (np.array([[1.0, 1e-19, -1.0]]), [0.0])])
    check_certified(net, np.random.default_rng(0).random((50, 2)))


def test_certified_bound_is_infinite_on_float_overflow():
    w = np.empty((1, 1), dtype=object)
    w[0, 0] = 2**1100
    net = ReLUNetwork([(w, [0])])
    _vals, err = net.forward_certified(np.array([[0.5], [0.0]]))
    assert np.isinf(err[0])
    assert net.forward_exact(np.array([[0.5]]))[0] == 2**1099


def test_popcount_of_300_bit_register_exact():
    rng = np.random.default_rng(7)
    constant = int(rng.integers(0, 2**62)) << 238  # a 300-bit constant with 238 low zero bits
    net = popcount_network(300, 40, constant)
    assert (net.depth, net.width, net.max_weight_bits) == (301, 4, 300)
    ks = [0, 1, 2**40 - 1, *rng.integers(0, 2**40, size=197).tolist()]
    X = np.array([[k / 2**40] for k in ks])
    got = net.forward_exact(X).tolist()
    assert got == [bin(constant + k).count("1") for k in ks]
    assert [reference_forward_exact(net, X[i])[0] for i in range(2)] == [Fraction(v) for v in got[:2]]
    with pytest.raises(ExactnessError, match="significand bits"):
        net.check_float64_representable()


def test_int64_to_object_transitions():
    """Values crossing 2**62 in the middle of the network are promoted to Python ints and back."""
    up = 2**40
    w1 = np.empty((2, 1), dtype=object)
    w1[:, 0] = [up, -up]
    w2 = np.empty((1, 2), dtype=object)
    w2[0] = [up, up]  # |x| * 2**80: beyond int64
    w3 = np.empty((1, 1), dtype=object)
    w3[0, 0] = Fraction(1, 2**79)
    net = ReLUNetwork([(w1, [0, 0]), (w2, [0]), (w3, [0])])
    X = np.array([[1.0], [-0.75], [2.0**-50], [0.0], [1e-300]])
    want = [2 * abs(Fraction(x)) for x in X[:, 0].tolist()]
    assert net.forward_exact(X).tolist() == want
    assert [reference_forward_exact(net, x)[0] for x in X] == want


def test_inputs_are_read_as_exact_binary_fractions():
    net = ReLUNetwork([([[1, 1]], [0])])
    got = net.forward_exact(np.array([[0.1, 0.2]]))[0]
    assert got == Fraction(0.1) + Fraction(0.2) != Fraction(3, 10)
    assert net.forward_exact(np.array([[0.5, 0.5]]))[0] == 1 and type(net.forward_exact(np.array([[0.5, 0.5]]))[0]) is int


def test_exact_units_numerators_over_common_denominator():
    net = random_network(3, max_depth=3)
    X = random_inputs(3, 9, net.n_inputs)
    exact = net.forward_exact(X).reshape(9, -1)
    seen = 0
    for s, units in exact_units(net, X, chunk_size=4):
        assert len(units) == net.n_outputs
        for o, (num, den) in enumerate(units):
            assert den >= 1
            for b, v in enumerate(num.tolist()):
                assert Fraction(int(v), den) == exact[s + b, o]
        seen += len(units[0][0])
    assert seen == 9


def test_forward_exact_input_errors():
    net = ReLUNetwork([([[1, 1]], [0])])
    with pytest.raises(InputError, match="finite"):
        net.forward_exact(np.array([[np.inf, 0.0]]))
    with pytest.raises(InputError, match="3 features, expected 2"):
        net.forward_exact(np.zeros((1, 3)))
    with pytest.raises(InputError, match="no samples"):
        net.forward_exact(np.zeros((0, 2)))


def test_step_pair_units_read_alone_are_relus_of_negative_inputs_too():
    """A step pair ``s(x + 1), s(x)`` on big integers (weights above 2**63) is kept
    unevaluated; a row that reads one half *on its own* (not as ``c (s(x + 1) - s(x))``) gets
    its value on demand, and that value is a ReLU: 0 where ``x < -1``, not ``|x|``.

    ``x = 2**70 t - 2**69`` on integer inputs ``t``: ``x = -2**69`` at ``t = 0`` and
    ``2**69`` at ``t = 1``. The output reads the step ``[x >= 0]`` (weights 1, -1) and both
    halves alone (weights 3 and 5), checked against the plain-Fraction reference.
    """
    big = 2**70
    w1 = np.empty((2, 1), dtype=object)
    w1[:, 0] = [big, big]
    b1 = np.array([-(2**69) + 1, -(2**69)], dtype=object)
    w2 = np.empty((3, 2), dtype=object)
    w2[:] = [[1, -1], [3, 0], [0, 5]]
    net = ReLUNetwork([(w1, b1), (w2, np.zeros(3, dtype=object))])
    X = np.array([[0.0], [1.0], [0.0], [2.0]])
    want = [[0, 0, 0], [1, 3 * (2**69 + 1), 5 * 2**69], [0, 0, 0], [1, 3 * (3 * 2**69 + 1), 15 * 2**69]]
    assert net.forward_exact(X).tolist() == want
    assert [[int(v) for v in reference_forward_exact(net, x)] for x in X] == want
    # the pair really is lazy here (the case this test is for): the units of layer 1 carry
    # no values until the output row reads them
    units = exact_module._apply_layer(exact_module._input_units(X), exact_module.compile_rows(net.layers[0]), len(X), relu=True)
    assert units[0]._num is None and units[1]._num is None and units[0].pair is units[1]


def test_sums_of_step_pairs_too_big_for_int64_are_exact():
    """Three step pairs ``s(x_i + 1) - s(x_i) = [x_i >= 0]`` on big integers, read with the
    same multiplier ``c = 3 * 2**60`` (each below int64's safe range, their sum ``9 * 2**60``
    above ``2**63``): the bound of the sum must count every pair, or int64 arithmetic
    overflows and the exact output silently wraps."""
    big, c = 2**70, 3 * 2**60
    w1 = np.zeros((6, 3), dtype=object)
    b1 = np.empty(6, dtype=object)
    for i in range(3):
        w1[2 * i, i] = w1[2 * i + 1, i] = big
        b1[2 * i], b1[2 * i + 1] = -(2**69) + 1, -(2**69)
    w2 = np.empty((1, 6), dtype=object)
    w2[0] = [c, -c, c, -c, c, -c]
    net = ReLUNetwork([(w1, b1), (w2, np.zeros(1, dtype=object))])
    X = np.array([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    want = [3 * c, 2 * c, 0]
    assert net.forward_exact(X).tolist() == want
    assert [reference_forward_exact(net, x)[0] for x in X] == want


def test_object_layers_with_numpy_integer_entries_are_read_as_integers():
    """Entries of an object-dtype layer may be NumPy integers (not ``int``/``Fraction``/
    float): each is read as itself over denominator 1, as the reference does."""
    w = np.empty((2, 2), dtype=object)
    w[:] = [[np.int64(3), np.int32(-2)], [np.uint8(5), 1]]
    b = np.array([np.int64(-1), Fraction(1, 3)], dtype=object)
    net = ReLUNetwork([(w, b)])
    X = np.array([[0.5, 0.25], [1.0, 0.0]])
    want = [[0, Fraction(37, 12)], [2, Fraction(16, 3)]]
    assert net.forward_exact(X).tolist() == want
    assert [reference_forward_exact(net, x) for x in X] == want


@pytest.mark.parametrize("chunk", [0, -1, -5, 1.5, True])
def test_a_chunk_size_below_one_is_refused_not_evaluated(chunk):
    """Regression: ``chunk_size=-1`` made ``range(0, N, -1)`` empty and ``forward_exact``
    returned ``None`` for every sample; ``0`` silently meant the default. Both are now refused
    as by ``forward`` and ``forward_certified`` (one ``check_scalar``: no float, no bool)."""
    net = ReLUNetwork([([[1.0], [-1.0]], [0.0, 0.0]), ([[1, 1]], [0])])
    X = np.array([[0.25], [0.5], [0.75]])
    with pytest.raises(InputError, match=f"chunk_size must be an int >= 1, got {chunk}"):
        net.forward_exact(X, chunk_size=chunk)
    with pytest.raises(InputError, match="chunk_size must be an int >= 1"):
        list(exact_units(net, X, chunk_size=chunk))
    assert net.forward_exact(X, chunk_size=1).tolist() == [Fraction(1, 4), Fraction(1, 2), Fraction(3, 4)]
