"""The sweep along a one-unit first layer (memnets._engines.sweep) against the generic exact
engine (memnets._core.exact), sample by sample, on the 1-D memorizers and on random and
adversarial networks: kinks exactly at samples, weights far above 2**63, negative inputs to
steps, rational entries, duplicate samples, a first unit that is zero on some samples."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import memnets as mn
from _helpers import generic_columns, swept_columns
from memnets._engines.sweep import applies


def _entry(rng: np.random.Generator, big: bool) -> int | Fraction:
    kind = rng.integers(0, 4)
    if kind == 0 and big:
        return int(rng.choice([-1, 1])) * (1 << int(rng.integers(63, 200))) + int(rng.integers(-3, 4))
    if kind == 1:
        return Fraction(int(rng.integers(-7, 8)), int(rng.choice([1, 2, 3, 4, 8])))
    return int(rng.integers(-4, 5))


def _random_chain(rng: np.random.Generator, n: int, big: bool) -> mn.ReLUNetwork:
    """A network ``n -> 1 -> w_1 -> ... -> outputs`` with exact int/Fraction entries."""
    first = np.empty((1, n), dtype=object)
    first[0] = [int(v) for v in rng.integers(-3, 4, n)]
    layers = [(first, np.array([Fraction(int(rng.integers(-4, 5)), 4)], dtype=object))]
    prev = 1
    for _ in range(int(rng.integers(1, 5))):
        w = int(rng.integers(1, 6))
        W = np.empty((w, prev), dtype=object)
        for i in range(w):
            for j in range(prev):
                W[i, j] = _entry(rng, big) if rng.random() < 0.8 else 0
        b = np.empty(w, dtype=object)
        b[:] = [_entry(rng, big) for _ in range(w)]
        layers.append((W, b))
        prev = w
    outs = int(rng.integers(1, 3))
    W = np.empty((outs, prev), dtype=object)
    for i in range(outs):
        for j in range(prev):
            W[i, j] = _entry(rng, big)
    b = np.empty(outs, dtype=object)
    b[:] = [_entry(rng, big) for _ in range(outs)]
    layers.append((W, b))
    return mn.ReLUNetwork(layers)


def test_hand_network() -> None:
    # s = x1 + x2 - 1, u = s(s); F = s(u) - 2 s(u - 1): kinks at s = 0 and s = 1, both samples
    net = mn.ReLUNetwork([(np.array([[1.0, 1.0]]), np.array([-1.0])),
                          (np.array([[1.0], [1.0]]), np.array([0.0, -1.0])),
                          (np.array([[1.0, -2.0]]), np.array([0.0]))])
    X = np.array([[0.25, 0.5], [1.0, 1.0], [0.5, 0.5], [1.0, 0.75], [0.0, 0.0]])
    # s = -1/4, 1, 0, 3/4, -1  ->  u = 0, 1, 0, 3/4, 0  ->  F = 0, 1, 0, 3/4, 0
    assert swept_columns(net, X) == [[0, 1, 0, Fraction(3, 4), 0]]
    assert swept_columns(net, X) == generic_columns(net, X)


@pytest.mark.parametrize("seed", range(40))
def test_random_networks_with_ties_and_big_weights(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 4))
    # inputs on a quarter grid: first-layer values and kinks coincide with samples (ties)
    X = rng.integers(0, 5, size=(int(rng.integers(1, 60)), n)) / 4.0
    net = _random_chain(rng, n, big=seed % 2 == 0)
    assert applies(net)
    assert swept_columns(net, X) == generic_columns(net, X)


def test_step_pairs_on_big_registers() -> None:
    """``s(P - c + 1) - s(P - c)`` on registers above 2**63, with the input negative for some
    samples (the step reads 0) and exactly at the threshold for others (it reads 1)."""
    c = (1 << 130) + 5
    first = (np.array([[1.0]]), np.array([0.0]))  # t = x
    # P = c t (big), then the step [P >= c] and P itself
    layer2 = (np.array([[c], [c], [c]], dtype=object), np.array([-c + 1, -c, 0], dtype=object))
    out = (np.array([[1, -1, 0], [0, 0, 1]], dtype=object), np.array([0, -(1 << 200)], dtype=object))
    net = mn.ReLUNetwork([first, layer2, out])
    X = np.array([[0.0], [1.0], [0.5], [1.0 - 2.0**-52], [1.0]])
    got = swept_columns(net, X)
    assert got[0] == [0, 1, 0, Fraction(0), 1]
    assert got == generic_columns(net, X)


def test_negative_first_unit_and_duplicates() -> None:
    net = mn.ReLUNetwork([(np.array([[2.0, -1.0]]), np.array([0.0])),
                          (np.array([[1.0], [-1.0]]), np.array([0.0, 3.0])),
                          (np.array([[1.0, 1.0]]), np.array([-1.0]))])
    X = np.array([[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.5, 1.0], [1.0, 0.0], [0.25, 0.75]])
    assert swept_columns(net, X) == generic_columns(net, X)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_samples=st.integers(2, 40),
    n_features=st.integers(1, 4),
    method=st.sampled_from(["optimal", "vardi2022", "park2021", "interval"]),
    seed=st.integers(0, 10_000),
)
def test_memorizers_agree_with_generic(n_samples: int, n_features: int, method: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, n_features))
    y = np.arange(n_samples) % 2
    rng.shuffle(y)
    res = mn.construct(X, y, method=method, rng=seed)
    assert applies(res.network) == (method != "interval" or res.network.width <= 32)
    probe = np.vstack([X, rng.random((10, n_features))])  # training samples and new points
    assert swept_columns(res.network, probe) == generic_columns(res.network, probe)


@pytest.mark.parametrize("method", ["optimal", "vardi2022", "park2021"])
def test_margins_on_a_random_subset_equal_generic(method: str) -> None:
    rng = np.random.default_rng(7)
    X = rng.random((3000, 20))
    y = rng.integers(0, 2, 3000)
    res = mn.construct(X, y, method=method, rng=0)
    sub = rng.choice(3000, 300, replace=False)
    signs = np.where(y == res.classes[1], 1, -1)
    swept = swept_columns(res.network, X)[0]
    generic = generic_columns(res.network, X[sub])[0]
    assert [swept[i] for i in sub.tolist()] == generic
    assert all(f * s > 0 for f, s in zip(swept, signs.tolist(), strict=True))
    assert min(f * s for f, s in zip(swept, signs.tolist(), strict=True)) == res.min_margin


def test_decision_path_uses_the_sweep(row_counts) -> None:
    rng = np.random.default_rng(3)
    X = rng.random((200, 5))
    y = rng.integers(0, 2, 200)
    res = mn.construct(X, y, method="optimal", rng=0)
    called = row_counts("scalar_outputs")
    assert res.predict(X).tolist() == y.tolist()
    assert called == [200]
    called.clear()
    assert res.predict(X[:5]).tolist() == y[:5].tolist()  # a handful: the generic engine
    assert called == []


def test_first_layer_beyond_int64_and_negative_inputs() -> None:
    """A first-layer direction of 2**70-sized integers (the generic engine computes the
    scalar) and inputs of both signs (outside [0, 1]: the exact projection reads signs)."""
    first = (np.array([[(1 << 70) + 1, -3, Fraction(1, 3)]], dtype=object), np.array([Fraction(-1, 7)], dtype=object))
    hidden = (np.array([[1], [1], [-1]], dtype=object), np.array([0, -(1 << 69), 5], dtype=object))
    out = (np.array([[1, -2, 3]], dtype=object), np.array([-1], dtype=object))
    net = mn.ReLUNetwork([first, hidden, out])
    rng = np.random.default_rng(5)
    X = np.vstack([rng.normal(size=(40, 3)), [[0.0, 0.0, 0.0], [0.5, -0.25, 3.0], [0.5, -0.25, 3.0]]])
    assert swept_columns(net, X) == generic_columns(net, X)
    small = mn.ReLUNetwork([(np.array([[2.0, -1.0, 0.5]]), np.array([0.25])), hidden, out])
    assert swept_columns(small, X) == generic_columns(small, X)
