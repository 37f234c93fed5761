"""Table 4's other methods: vardi2022 (Vardi, Yehudai & Shamir 2022) and park2021 (Park et al.
2021, reconstructed): hand-worked layers, their theorems' width/depth/bit bounds on seeded
random data, exactness, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import memnets as mn
from _helpers import needs_mnist
from memnets import ReLUNetwork
from memnets._blocks.group_lookup import group_lookup_memorizer
from memnets._constructions.park2021 import park_group_size
from memnets._constructions.vardi2022 import vardi_group_size
from memnets._core.errors import ConstructionError, ExactnessError, InputError, OptionError


# --------------------------------------------------------------------------- hand-worked
def test_group_lookup_hand_worked():
    # values 0+ | 4- 9- | 13+  (labels 1, 2, 2, 1): gaps 4, 4 -> 2**s * 4 >= 2 at s = -1, so
    # U = t (fine), coarse T = t / 2, floors 0, 2, 4, 6 (rho = 3 bits), labels 2 bits;
    # groups of 2: w = (0, 2) -> 0 * 8 + 2 = 2, (4, 6) -> 4 * 8 + 6 = 38;
    # u = (1, 2) -> 1 * 4 + 2 = 6, (2, 1) -> 2 * 4 + 1 = 9; group 1 starts at U = 4 * 2 = 8
    layers, d = group_lookup_memorizer([0, 4, 9, 13], [1, 2, 2, 1], 2, lambda M: 2)
    assert (d["rho"], d["label_bits"], d["fine_log2"], d["groups"], d["group_size"]) == (3, 2, 1, 2, 2)
    assert layers[0].dense_weight().tolist() == [[1]] and layers[0].bias.tolist() == [0]
    # the lookup: one step [U >= 8], registers still constants in this layer
    assert layers[1].dense_weight().tolist() == [[1], [1], [1]]
    assert layers[1].bias.tolist() == [0, -7, -8]
    # next layer carries U, w = 2 + 36 [U >= 8], u = 6 + 3 [U >= 8] and reads the top bit of w
    # (2**5) and of u (2**3)
    w2 = layers[2].dense_weight().tolist()
    assert w2[1] == [0, 36, -36] and layers[2].bias.tolist()[1:3] == [2, 6]
    assert len(layers) == 1 + 1 + 2 * (3 + 1) + 2
    net = ReLUNetwork(layers)
    assert net.forward_exact([[0.0], [4.0], [9.0], [13.0]]).tolist() == [-1, 1, 1, -1]
    # off the data: t = 5 has floor 2 (a stored value, label 2): +1; t = 7 has floor 3: F = 0
    assert net.forward_exact([[5.0], [7.0]]).tolist() == [1, -3]


def test_group_lookup_multiclass_scores_hand_worked():
    layers, _ = group_lookup_memorizer([0, 3, 6], [3, 1, 2], 3, lambda M: 3)
    out = ReLUNetwork(layers).forward_exact([[0.0], [3.0], [6.0]]).tolist()
    # score_c = 2 c F - c**2 with F the label: F = 3 -> (5, 8, 9); F = 1 -> (1, 0, -3); F = 2 -> (3, 4, 3)
    assert out == [[5, 8, 9], [1, 0, -3], [3, 4, 3]]


def test_group_sizes():
    assert [vardi_group_size(M) for M in (2, 16, 100, 10**4)] == [2, 2, 4, 28]
    assert [park_group_size(M) for M in (2, 8, 9, 27, 28, 1000, 1001)] == [2, 2, 3, 3, 4, 10, 11]
    # a group_size above the M = 20 values is one group of 20 (not 100 slots, 80 of them padding)
    X, y = np.random.default_rng(0).random((20, 3)), np.arange(20) % 2
    for B, groups in ((100, 1), (20, 1), (7, 3)):
        res = mn.construct(X, y, method="vardi2022", rng=0, group_size=B)
        assert (res.stats["group_size"], res.stats["groups"]) == (min(B, 20), groups)
        assert res.stats["options"]["group_size"] == B


def test_group_lookup_errors():
    with pytest.raises(InputError, match=r"t\[0\] == t\[2\]"):
        group_lookup_memorizer([1, 2, 1], [1, 1, 2], 2, vardi_group_size)
    with pytest.raises(InputError, match=r"labels\[1\] is 3"):
        group_lookup_memorizer([1, 2], [1, 3], 2, vardi_group_size)
    layers, d = group_lookup_memorizer([5, 6], [2, 2], 2, vardi_group_size)
    assert d["mode"] == "constant" and ReLUNetwork(layers).forward_exact([[0.0]]).tolist() == [1]


# --------------------------------------------------------------------------- their bounds
def _data(N, n, C, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((N, n))
    y = rng.integers(0, C, N)
    y[:C] = np.arange(C)
    return X, y


def _check_bounds(res, X, y):
    """Width, depth and bits of the built network against the theorem's terms, explicitly."""
    s, net = res.stats, res.network
    N, n = X.shape
    C = len(np.unique(y))
    M, A, B, rho, kappa = s["distinct"], s["groups"], s["group_size"], s["rho"], s["label_bits"]
    assert res.verified and res.engine == "exact" and res.min_margin == 1
    assert np.array_equal(res.predict(X), y)
    assert M <= N and A == -(-M // B) and kappa == C.bit_length()
    assert net.width <= 12  # their width
    L = max(rho, kappa)
    assert net.depth == 1 + (A - 1) + B * (L + 1) + 2
    assert s["within_R"] and rho <= math.log2(s["R"]) + 1  # stage 1: values in [0, R]
    assert net.num_params() <= (n + 1) + 110 * (net.depth - 1) + 11 * max(C, 1)
    assert sum(s["stage_params"].values()) == net.num_params()
    # bits: the registers hold B values and B labels; comparisons add the fine scale 2**h
    assert s["register_bits"] == B * L
    assert max(ReLUNetwork(net.layers[1:]).max_weight_bits, 0) <= B * L + s["fine_log2"] + 2
    return M, A, B, L


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(N=st.integers(8, 400), n=st.integers(1, 10), C=st.integers(2, 5), seed=st.integers(0, 2**31))
def test_vardi2022_memorizes_within_their_bounds(N, n, C, seed):
    X, y = _data(N, n, C, seed)
    res = mn.construct(X, y, method="vardi2022", rng=seed)
    M, _, B, _ = _check_bounds(res, X, y)
    assert vardi_group_size(M) == B
    lg = math.log2(max(M, 2))
    # depth O(sqrt(N log N) + sqrt(N / log N) max(log R, log C)) with explicit constants
    logs = max(math.log2(res.stats["R"]), math.log2(C)) + 2
    assert res.network.depth <= 3 + math.sqrt(M * lg) + (math.sqrt(M / lg) + 1) * logs
    # bits O(sqrt(N / log N) max(log R, log C)) for the registers
    assert res.stats["register_bits"] <= (math.sqrt(M / lg) + 1) * (logs - 1)
    assert res.network.n_outputs == (1 if C == 2 else C) and "one_vs_rest" not in res.stats


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(N=st.integers(8, 400), n=st.integers(1, 10), C=st.integers(2, 4), seed=st.integers(0, 2**31))
def test_park2021_memorizes_with_n_two_thirds_groups(N, n, C, seed):
    X, y = _data(N, n, C, seed)
    res = mn.construct(X, y, method="park2021", rng=seed)
    M, A, B, _ = _check_bounds(res, X, y)
    assert park_group_size(M) == B and B**3 >= M > (B - 1) ** 3
    assert A <= M ** (2 / 3) + 1  # ~ N^(2/3) lookup steps
    assert res.stats["reconstruction"] is True


def test_lookup_dominates_park2021_and_decoding_dominates_vardi2022():
    X, y = _data(3000, 20, 2, 4)
    p = mn.construct(X, y, method="park2021", rng=0).stats
    v = mn.construct(X, y, method="vardi2022", rng=0).stats
    # same projection (same seed): Park's split has more groups and shorter registers
    assert p["groups"] > v["groups"] and p["register_bits"] < v["register_bits"]
    assert p["stage_params"]["lookup"] > v["stage_params"]["lookup"]
    assert p["stage_params"]["decode"] < v["stage_params"]["decode"]


# --------------------------------------------------------------------------- options, bad input
def _unseparable():
    X = np.array([[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75], [0.25, 0.5], [0.75, 0.0]])
    return X, np.array([1, 0, 0, 0, 1, 0])


@pytest.mark.parametrize("method", ["vardi2022", "park2021"])
def test_no_separating_projection_names_the_closest_pair(method):
    X, y = _unseparable()
    with pytest.raises(ConstructionError, match=r"closest opposite-label pair of the data is samples 2 and 4 at distance 0.25\."):
        mn.construct(X, y, method=method, rng=0, direction_bits=0, max_tries=6)
    assert mn.construct(X, y, method=method, rng=0).verified


@pytest.mark.parametrize("method", ["vardi2022", "park2021"])
def test_bad_input_and_options(method):
    X, y = _data(50, 3, 2, 0)
    with pytest.raises(InputError, match="nan"):
        mn.construct(np.where(np.eye(50, 3) > 0, np.nan, X), y, method=method)
    with pytest.raises(InputError, match=r"samples 0 and 50 are identical but labelled 0 and 1"):
        mn.construct(np.vstack([X, X[:1]]), np.append(y, 1 - y[0]), method=method)
    with pytest.raises(OptionError, match="max_tries"):
        mn.construct(X, y, method=method, max_tries=0)
    with pytest.raises(OptionError, match="direction_bits"):
        mn.construct(X, y, method=method, direction_bits=60)
    with pytest.raises(OptionError, match="has no option"):
        mn.construct(X, y, method=method, width=6)


def test_vardi2022_group_size_option_and_seed():
    X, y = _data(200, 4, 3, 1)
    a = mn.construct(X, y, method="vardi2022", rng=5, group_size=3)
    b = mn.construct(X, y, method="vardi2022", rng=5, group_size=3)
    assert a.stats["group_size"] == 3 and a.stats["options"]["group_size"] == 3
    assert np.array_equal(a.info["direction"], b.info["direction"]) and a.stats["params"] == b.stats["params"]
    with pytest.raises(OptionError, match="group_size"):
        mn.construct(X, y, method="vardi2022", group_size=0)
    with pytest.raises(ExactnessError, match="bits"):
        a.network.to_torch()


@needs_mnist
@pytest.mark.parametrize("method", ["vardi2022", "park2021"])
def test_on_an_mnist_pair(method):
    X, y = mn.datasets.load("mnist", classes=(1, 7), split="train", n=300, rng=0)
    res = mn.construct(X, y, method=method, rng=0)
    assert res.verified and res.network.width <= 12 and res.stats["within_R"]
    assert np.array_equal(res.predict(X), y)
