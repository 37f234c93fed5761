"""The Theta(N) interval reference: hand-worked layers, exactness, float export, params."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import memnets as mn
from _helpers import assert_close
from memnets import ReLUNetwork
from memnets._blocks import step_rows
from memnets._constructions.interval import interval_layers, sweep_outputs


def test_interval_layers_hand_worked():
    # x = p / 8 for p = 1, 2 (+), 5 (-), 9 (+); direction w = (1,), E = 3
    # lo = floor(1/8) - 1 = -1 so u = x + 1; boundary 0: a = 2/8, gap 3/8 -> delta 1/8,
    # F = floor((2/8 + 1) * 8) = 10; boundary 1: a = 5/8, gap 4/8 -> delta 1/4, F = 6
    layers = interval_layers(np.array([1]), 3, [1, 5, 9], [2, 5, 9], [1, -1, 1], 1)
    assert layers[0].dense_weight().tolist() == [[1.0]] and layers[0].bias.tolist() == [1.0]
    assert layers[1].dense_weight().ravel().tolist() == [8.0, 8.0, 4.0, 4.0]
    assert layers[1].bias.tolist() == [-11.0, -12.0, -7.0, -8.0]
    assert layers[2].dense_weight().tolist() == [[-2.0, 2.0, 2.0, -2.0]]
    assert layers[2].bias.tolist() == [1.0]
    net = ReLUNetwork(layers)
    X = np.array([[1 / 8], [2 / 8], [5 / 8], [9 / 8]])
    assert net.forward_exact(X).tolist() == [1, 1, -1, 1]
    # each step is the shared step_rows block with ramp delta at theta = (F + 3/2) delta
    for k, (F, delta) in enumerate([(10, Fraction(1, 8)), (6, Fraction(1, 4))]):
        rows, bias = step_rows(0, (F + Fraction(3, 2)) * delta, delta)
        assert [r[0] for r in rows] == layers[1].dense_weight()[2 * k : 2 * k + 2, 0].tolist()
        assert bias == layers[1].bias[2 * k : 2 * k + 2].tolist()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(N=st.integers(2, 500), n=st.integers(1, 16), seed=st.integers(0, 2**31))
def test_interval_memorizes_and_exports(N, n, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((N, n))
    y = rng.integers(0, 2, N)
    y[0], y[-1] = 0, 1
    res = mn.construct(X, y, method="interval", rng=seed)
    net = res.network
    assert res.verified and res.min_margin == 1.0
    K = res.stats["runs"]
    assert net.num_params() == n + 6 * K - 4 and net.width == 2 * (K - 1) and net.depth == 3
    assert res.stats["float64_exact"]
    exact = net.forward_exact(X)
    signs = np.where(y == 1, 1, -1)
    assert exact.tolist() == signs.tolist()  # exactly +-1
    assert np.array_equal(res.predict(X), y)
    torch = pytest.importorskip("torch")
    out = net.to_torch()(torch.from_numpy(X)).detach().numpy().ravel()
    # torch sums in another order: both float paths lie within the certified bound of the
    # exact values (which are exactly +-1 here)
    vals, err = net.forward_certified(X)
    assert np.all(np.abs(out - signs) <= err) and np.all(np.abs(vals - signs) <= err)
    assert np.all(err < 0.5) and np.array_equal(np.sign(out), signs)
    assert_close(out, vals, rtol=0.0, atol=float(err.max()))


def test_interval_and_optimal_share_the_projection():
    rng = np.random.default_rng(2)
    X = rng.random((300, 6))
    y = rng.integers(0, 2, 300)
    a = mn.construct(X, y, method="interval", rng=4)
    b = mn.construct(X, y, method="optimal", rng=4)
    assert np.array_equal(a.info["direction"], b.info["direction"])
    assert a.stats["runs"] == b.stats["runs"]
    assert np.array_equal(a.predict(X), b.predict(X))


def test_interval_goes_one_vs_rest_on_multiclass():
    X = np.random.default_rng(0).random((9, 2))
    res = mn.construct(X, np.arange(9) % 3, method="interval", rng=0)
    assert res.network.n_outputs == 3 and len(res.stats["one_vs_rest"]) == 3
    assert (res.predict(X) == np.arange(9) % 3).all()


def test_sweep_agrees_with_the_exact_engine():
    rng = np.random.default_rng(21)
    X = rng.random((250, 7))
    y = rng.integers(0, 2, 250)
    res = mn.construct(X, y, method="interval", rng=3)
    assert res.stats["verifier"] == "exact sweep" and res.stats["margin_error_bound"] == 0.0
    assert res.stats["verification"] == "exact"
    Xt = rng.random((60, 7))  # off the data: outputs may be anything, still exact
    for Z in (X, Xt):
        assert sweep_outputs(res.network, Z) == res.network.forward_exact(Z).tolist()
    generic = mn.construct(X, y, method="interval", rng=3, verify="generic")
    assert generic.stats["verifier"] == "generic certified float"
    assert generic.stats["verification"] == "certified"
    assert generic.min_margin == res.min_margin == 1.0


def test_sweep_handles_negative_and_zero_slopes():
    # F(u) = 1 + 2 s(u - 1) - 3 s(2 - u) + 5 s(0 u + 1) - s(-u - 4), u = s(x0 - x1 + 1/2)
    net = ReLUNetwork([
        (np.array([[1.0, -1.0]]), np.array([0.5])),
        (np.array([[1.0], [-1.0], [0.0], [-1.0]]), np.array([-1.0, 2.0, 1.0, -4.0])),
        (np.array([[2.0, -3.0, 5.0, -1.0]]), np.array([1.0])),
    ])
    X = np.array([[0.0, 1.0], [0.25, 0.0], [1.0, 0.0], [1.0, 0.5], [0.5, 0.5]])
    assert sweep_outputs(net, X) == net.forward_exact(X).tolist()
