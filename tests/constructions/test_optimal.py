"""M2 (optimal-parameter memorization): hand-worked layers, exactness properties, bad input."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import memnets as mn
from _helpers import needs_mnist
from memnets import ReLUNetwork
from memnets._blocks import compose_affine, exact_layer
from memnets._blocks.line_memorizer import line_memorizer
from memnets._blocks.line_plan import (
    _chain_params,
    _direct_widths,
    _partition,
    _plan_params,
    _stage1_widths,
    _stage2_widths,
    _unfold_widths,
)
from memnets._core.errors import ConstructionError, ExactnessError, InputError, OptionError
from memnets._core.exact import reference_forward_exact
from memnets._geometry.projection import exact_projection, label_runs


def _exact_eval(layers, values):
    """Plain Fraction evaluation of a one-input network at exact values (independent path)."""
    out = []
    last = len(layers) - 1
    dense = [(layer.dense_weight().tolist(), layer.bias.tolist()) for layer in layers]
    for v in values:
        a = [Fraction(v)]
        for k, (w, b) in enumerate(dense):
            z = [Fraction(bb) + sum((Fraction(x) * y for x, y in zip(row, a, strict=True) if x != 0), Fraction(0)) for row, bb in zip(w, b, strict=True)]
            a = [max(q, Fraction(0)) for q in z] if k < last else z
        out.append(a[0])
    return out


# --------------------------------------------------------------------------- line_memorizer
def test_line_memorizer_hand_worked_direct_mode():
    # sorted: 0+ 1+ | 3- | 7+ | 8-  -> gaps 2, 4, 1 -> scale 2**0, thresholds 2, 4, 8
    layers, d = line_memorizer([0, 3, 1, 7, 8], [1, -1, 1, 1, -1], rng=np.random.default_rng(0))
    assert [layer.dense_weight().tolist() for layer in layers] == [
        [[1]], [[1]] * 6, [[-2, 2, 2, -2, -2, 2]]
    ]
    assert [layer.bias.tolist() for layer in layers] == [[0], [-1, -2, -3, -4, -7, -8], [1]]
    assert d["mode"] == "direct" and d["runs"] == 4 and d["gap"] == 1 and d["scale_log2"] == 0
    assert _exact_eval(layers, [0, 1, 3, 7, 8]) == [1, 1, -1, 1, -1]


def test_line_memorizer_rationals_and_scale():
    # gap 1/3 in t: D = 3, z = 3t, gap 1 -> T = z - z_min, thresholds integers
    t = [Fraction(0), Fraction(1, 3), Fraction(5, 3), Fraction(2)]
    layers, d = line_memorizer(t, [-1, 1, 1, -1], rng=np.random.default_rng(0))
    assert d["denominator"] == 3 and d["gap"] == Fraction(1, 3)
    assert layers[0].dense_weight().tolist() == [[3]]
    assert _exact_eval(layers, t) == [-1, 1, 1, -1]


def test_line_memorizer_big_gaps_use_a_negative_scale():
    t = [0, 2**40, 2**41, 3 * 2**40]
    layers, d = line_memorizer(t, [1, -1, 1, -1], rng=np.random.default_rng(0))
    assert d["scale_log2"] < -35  # T = 2**s (t - t_min) keeps the thresholds small
    assert _exact_eval(layers, t) == [1, -1, 1, -1]


def test_partition_hand_worked():
    th = [1, 2, 3, 10, 11, 30, 31, 32]
    # cap 2**3: block 0 (from 0) takes 1, 2, 3; 10 opens block 1 which fits 11 only;
    # 30 opens block 2 which takes the rest
    assert _partition(th, 3, 3) == ([0, 10, 30], [3, 1, 2])
    assert _partition(th, 3, 2) == ([0, 10, 30], [3, 1, 2])  # gaps between blocks never count
    assert _partition(th, 3, 1) == ([0, 2, 10, 30, 32], [1, 1, 1, 1, 0])
    assert _partition(th, 1, 3) == ([0, 2, 10, 30, 32], [1, 1, 1, 1, 0])
    assert _partition([20, 21], 3, 3) == ([0, 20], [0, 1])  # a wide gap: an empty block
    assert _partition(th, 3, 1, max_blocks=3) is None
    signs = [(-1) ** k for k in range(9)]
    layers, _ = line_memorizer([0, *th], signs, rng=np.random.default_rng(0))
    assert _exact_eval(layers, [0, *th]) == signs


def _labels_for(values, rng):
    lab: dict = {}
    return [lab.setdefault(v, int(rng.choice([-1, 1]))) for v in values]


def test_layer_width_formulas_hand_worked():
    # direct: 7 steps, 3 per layer -> T + 6 | T, S + 6 | S + 2
    assert _direct_widths(7, 3) == [(7, 1), (8, 1), (3, 1)]
    assert _direct_widths(3, 5) == [(6, 1)]
    # stage 1: 4 block steps, 2 per layer -> Tf + 4 (P, S constants) | Tf, P, S + 4
    assert _stage1_widths(5, 2, False) == [(5, 1), (7, 1)]
    assert _stage1_widths(5, 2, True) == [(5, 1), (6, 1)]  # S folded into P
    assert _unfold_widths(5, 1) == [(4, 5)] and _unfold_widths(5, 2) == [(8, 3)]
    # stage 2, m = 3 slots of 4 bits, r = 1: per slot i < 2: P, V, cmp, digit | P, V, digit x 3
    # then the counter one bit per layer (P, V + 2; P, V, high bit + 2), compare (3), parity (4)
    assert _stage2_widths(3, 4, 1) == [(6, 1), (4, 3), (6, 1), (4, 3), (4, 1), (5, 1), (3, 1), (4, 1)]
    # params: sum w_l (w_{l-1} + 1); after a width-7 layer: 6*8 + 4*7 + 2*4*5 + 6*5 + ...
    p, last = _chain_params(_stage2_widths(3, 4, 1), 7)
    assert p == (6 * 8 + 4 * 7 + 2 * 4 * 5) + (6 * 5 + 4 * 7 + 2 * 4 * 5) + 4 * 5 + 5 * 5 + 3 * 6 + 4 * 4 == 293
    assert last == 4
    # whole line network: Tf (1 x 2) + stage 1 (5 x 2 + 7 x 6) + stage 2 + output (1 x 5)
    p_all, depth = _plan_params(_stage1_widths(5, 2, False) + _stage2_widths(3, 4, 1))
    assert p_all == 2 + 5 * 2 + 7 * 6 + p + 1 * 5 == 352 and depth == 1 + 2 + 12 + 1


def _widths_of(d):
    """The layer widths the module docstring's formulas give for the diagnostics ``d``."""
    if d["mode"] == "direct":
        return _direct_widths(d["boundaries"], d["steps_per_layer"])
    r, J, step = d["bits_per_layer"], d["blocks"], d["register_step"]
    return (_stage1_widths(J, d["steps_per_layer"], d["start_bits"] > 0, step)
            + _unfold_widths(d["start_bits"], r)
            + _stage2_widths(d["boundaries_per_block"], d["offset_bits"], r, const=step == J))


@pytest.mark.parametrize(("bits_per_layer", "max_width"), [(None, 6), (1, 6), (None, 8), (1, 12), (2, 12)])
def test_line_memorizer_block_mode_exact_and_formulas(bits_per_layer, max_width):
    rng = np.random.default_rng(7)
    t = [int(v) for v in rng.integers(-(2**40), 2**40, 1500)]
    s = _labels_for(t, rng)
    layers, d = line_memorizer(t, s, rng=rng, bits_per_layer=bits_per_layer, max_width=max_width)
    net = ReLUNetwork(layers)
    assert d["mode"] == "blocks"
    J, m, rho_o, r, q, sb = (d["blocks"], d["boundaries_per_block"], d["offset_bits"],
                             d["bits_per_layer"], d["steps_per_layer"], d["start_bits"])
    assert r == (bits_per_layer or 1)  # r = 1 has fewer params when the planner may choose
    assert rho_o % r == 0 and d["boundaries"] / (m + 1) <= J
    # the network is exactly the documented layout
    sizes = [w for w, c in _widths_of(d) for _ in range(c)]
    assert list(net.layer_sizes) == [1, 1, *sizes, 1]
    assert net.depth == d["depth"] == d["planned_depth"]
    assert net.depth == 1 + math.ceil((J - 1) / q) + math.ceil(sb / r) + (m - 1) * rho_o // r + 5
    assert net.num_params() == d["planned_params"] == sum(d["stage_params"].values())
    assert d["stage_params"]["stage1"] == _chain_params(_stage1_widths(J, q, sb > 0), 1)[0]
    assert net.width <= max_width and d["width"] == net.width
    # every stage's layers have the widths of its formula, each within the cap
    assert all(w <= max_width for w, c in _widths_of(d) if c)
    K, rho = d["runs"], d["rho"]
    if bits_per_layer != 2:  # the bound's plan reads one bit per layer
        assert net.num_params() <= 40 * math.sqrt(K * rho) + 18 * math.sqrt(K / rho) + 54
    assert net.max_weight_bits <= m * rho_o + sb - d["scale_log2"] + 4
    out = net.forward_exact(np.array(t, dtype=np.float64).reshape(-1, 1))
    assert out.tolist() == s  # F(t_i) = signs[i] exactly
    # independent path on a few points
    idx = [0, 1, 2, 500, 1499]
    assert _exact_eval(layers, [t[i] for i in idx]) == [s[i] for i in idx]


def test_folded_and_unfolded_layouts_both_memorize():
    # a wide spread (2**50) with few points favours carrying S; many points favour folding
    rng = np.random.default_rng(3)
    seen = set()
    for n, spread in ((60, 50), (3000, 30)):
        t = [int(v) for v in rng.integers(0, 2**spread, n)]
        s = _labels_for(t, rng)
        layers, d = line_memorizer(t, s, rng=rng)
        seen.add((d["mode"], d["start_bits"] > 0))
        assert [w for w, c in _widths_of(d) for _ in range(c)] == list(ReLUNetwork(layers).layer_sizes[2:-1])
        assert ReLUNetwork(layers).forward_exact(np.array(t, dtype=np.float64).reshape(-1, 1)).tolist() == s
    assert ("blocks", True) in seen


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 400),
    spread=st.integers(1, 52),  # |t| < 2**52: the float inputs below are the exact t
    den_bits=st.integers(0, 6),
    seed=st.integers(0, 2**31),
)
def test_line_memorizer_memorizes_random_lines(n, spread, den_bits, seed):
    rng = np.random.default_rng(seed)
    t = [Fraction(int(v), 2**den_bits) for v in rng.integers(-(2**spread), 2**spread, n)]
    s = _labels_for(t, rng)
    layers, d = line_memorizer(t, s, rng=rng)
    net = ReLUNetwork(layers)
    assert net.width <= 6 and d["depth"] == net.depth
    if d["mode"] != "constant":
        assert net.num_params() == d["planned_params"]
        assert [w for w, c in _widths_of(d) for _ in range(c)] == list(net.layer_sizes[2:-1])
        K, rho = d["runs"], d["rho"]
        assert net.num_params() <= 40 * math.sqrt(K * rho) + 18 * math.sqrt(K / rho) + 54
    X = np.array([float(v) for v in t]).reshape(-1, 1)  # dyadic: exact floats
    assert net.forward_exact(X).tolist() == s


def test_line_memorizer_first_layer_composes_with_an_affine_map():
    codes = [4, 9, 13, 20, 31, 40]
    s = [1, -1, -1, 1, -1, 1]
    layers, _ = line_memorizer(codes, s, rng=np.random.default_rng(0))
    # caller's affine map: code = 4 u + 1 on inputs u (dyadic, so the inputs are exact)
    pre = exact_layer([{0: 4}], [1], 1)
    net = ReLUNetwork([compose_affine(pre, layers[0]), *layers[1:]])
    u = np.array([[(c - 1) / 4] for c in codes])
    assert [reference_forward_exact(net, row)[0] for row in u] == s


def test_line_memorizer_errors_name_the_samples():
    with pytest.raises(InputError, match=r"t\[0\] == t\[2\]"):
        line_memorizer([1, 2, 1], [1, 1, -1], rng=np.random.default_rng(0))
    with pytest.raises(InputError, match=r"signs\[1\]"):
        line_memorizer([1, 2], [1, 0], rng=np.random.default_rng(0))
    with pytest.raises(OptionError, match="bits_per_layer"):
        line_memorizer([1, 2], [1, -1], rng=np.random.default_rng(0), bits_per_layer=3)
    with pytest.raises(OptionError, match="needs max_width=12"):
        line_memorizer([1, 2], [1, -1], rng=np.random.default_rng(0), bits_per_layer=2)
    with pytest.raises(OptionError, match="max_width must be 6, 8 or 12"):
        line_memorizer([1, 2], [1, -1], rng=np.random.default_rng(0), max_width=7)
    layers, d = line_memorizer([5, 6], [1, 1], rng=np.random.default_rng(0))
    assert d["mode"] == "constant" and _exact_eval(layers, [5, 100]) == [1, 1]


# --------------------------------------------------------------------------- projection
def test_exact_projection_matches_fractions(rng):
    X = rng.random((40, 6))
    X[rng.random(X.shape) < 0.3] = 0.0
    X[0, 0] = 2.0**-70
    w = rng.integers(-(2**30), 2**30, 6)
    p, E = exact_projection(X, w)
    ref = [sum(Fraction(int(a)) * Fraction(float(x)) for a, x in zip(w, row, strict=True)) * 2**E for row in X]
    assert [Fraction(v) for v in p] == ref
    # E is the finest binary exponent among the entries: 2**-70 (rng.random draws are multiples
    # of 2**-53), not more (p == ref above holds for any larger E too)
    assert E == 70


def test_label_runs_hand_worked():
    r = label_runs([5, 1, 3, 3, 9], [1, -1, 1, 1, -1])
    assert (r.first, r.last, r.labels, r.gaps(), r.min_gap()) == ([1, 3, 9], [1, 5, 9], [-1, 1, -1], [2, 4], (2, 0))


# --------------------------------------------------------------------------- construct
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(N=st.integers(2, 400), n=st.integers(1, 12), seed=st.integers(0, 2**31))
def test_optimal_memorizes_random_datasets(N, n, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((N, n))
    y = rng.integers(0, 2, N)
    if len(np.unique(y)) < 2:
        y[0] = 1 - y[1] if N > 1 else y[0]
    res = mn.construct(X, y, method="optimal", rng=seed)
    assert res.verified and res.engine == "exact" and res.min_margin == 1
    assert res.network.width <= 6  # the paper's Theorem 4.1
    assert np.array_equal(res.predict(X), y)
    assert res.stats["runs"] <= N


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(N=st.integers(150, 1500), n=st.integers(2, 20), seed=st.integers(0, 2**31))
def test_params_over_sqrt_K_rho_stays_in_the_documented_band(N, n, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((N, n))
    y = rng.integers(0, 2, N)
    y[0], y[1] = 0, 1
    res = mn.construct(X, y, method="optimal", rng=seed)
    s = res.stats
    K, rho = s["runs"], s["rho"]
    assert s["params"] <= 40 * math.sqrt(K * rho) + 18 * math.sqrt(K / rho) + n + 53
    assert 25 <= s["params_over_sqrt_K_rho"] <= 40
    assert s["params"] == sum(s["stage_params"].values())


def test_optimal_stats_and_torch_refusal():
    rng = np.random.default_rng(3)
    X = rng.random((3000, 20))
    y = rng.integers(0, 2, 3000)
    res = mn.construct(X, y, method="optimal", rng=1)
    s = res.stats
    assert s["mode"] == "blocks" and s["width"] == 6
    assert 25 <= s["params_over_sqrt_K_rho"] <= 40  # the documented band
    assert sum(s["stage_params"].values()) == s["params"]
    assert s["stage_params"]["first"] == 20 + 1  # the projection n -> 1
    assert s["max_weight_bits"] >= s["packed_bits"]  # the packed register is a weight
    assert s["params_nonzero"] < 6 * s["runs"]  # non-zeros already below the interval network
    with pytest.raises(ExactnessError, match="bits"):
        res.network.to_torch()


def test_optimal_is_seeded():
    rng = np.random.default_rng(5)
    X = rng.random((200, 5))
    y = rng.integers(0, 2, 200)
    a = mn.construct(X, y, method="optimal", rng=11)
    b = mn.construct(X, y, method="optimal", rng=11)
    assert np.array_equal(a.info["direction"], b.info["direction"])
    assert a.stats["params"] == b.stats["params"] and a.stats["seed"] == 11


def test_projected_gap_is_in_input_units():
    # 1-D: <w, x> = w x, the closest opposite-label projections are w * 0.25 and w * 1.0
    res = mn.construct([[0.0], [0.25], [1.0]], [0, 0, 1], method="optimal", rng=0)
    w = int(res.info["direction"][0])
    assert res.stats["input_scale_log2"] == 2 and res.stats["projected_gap"] == abs(w) * 0.75


def test_optimal_goes_one_vs_rest_on_multiclass():
    X = np.random.default_rng(0).random((9, 2))
    res = mn.construct(X, np.arange(9) % 3, method="optimal", rng=0)
    assert res.network.n_outputs == 3 and len(res.stats["one_vs_rest"]) == 3
    assert (res.predict(X) == np.arange(9) % 3).all()


def _unseparable():
    # with direction entries in {-1, 0, 1}^2 every direction maps some opposite pair together:
    # differences (1,0), (0,1), (1,1), (1,-1) (times 1/2) cover w1 = 0, w2 = 0, w1 = -w2, w1 = w2
    X = np.array([[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75],
                  [0.25, 0.5], [0.75, 0.0]])
    y = np.array([1, 0, 0, 0, 1, 0])
    return X, y


@pytest.mark.parametrize("method", ["optimal", "interval"])
def test_no_separating_projection_names_the_closest_pair(method):
    X, y = _unseparable()
    from memnets._geometry.separation import closest_opposite_pair

    cp = closest_opposite_pair(X, y)
    assert (cp.i, cp.j, cp.squared) == (2, 4, Fraction(1, 16))
    with pytest.raises(ConstructionError, match=r"closest opposite-label pair of the data is samples 2 and 4 at distance 0.25\."):
        mn.construct(X, y, method=method, rng=0, direction_bits=0, max_tries=6)
    # with the default (large) direction bits the same data is fine
    assert mn.construct(X, y, method=method, rng=0).verified


@needs_mnist
def test_optimal_on_an_mnist_pair():
    X, y = mn.datasets.load("mnist", classes=(3, 5), split="train", n=600, rng=0)
    Xt, yt = mn.datasets.load("mnist", classes=(3, 5), split="test", n=300, rng=0)
    res = mn.construct(X, y, method="optimal", rng=0)
    assert res.verified and res.min_margin == 1 and res.network.width <= 6
    assert np.array_equal(res.predict(X), y)
    acc = res.score(Xt, yt)
    assert 0.0 <= acc <= 1.0  # recorded by the scaling experiment; theory predicts ~chance


def test_scaling_experiment_tiny(tmp_path):
    from memnets.experiments import scaling

    out = scaling.run(tmp_path, profile="tiny", progress=False)
    assert (tmp_path / "scaling.json").exists() and (tmp_path / "scaling.png").exists()
    d = out["summary"]["synthetic"]
    assert d["N"] == [100, 300] and d["max_width_optimal"] <= 12
    assert 0.85 < d["slope_interval_params"] < 1.1  # Theta(N)
    assert 25 <= d["params_over_sqrt_K_rho_band"][0] <= d["params_over_sqrt_K_rho_band"][1] <= 40
    assert 0.5 < d["slope_sqrt_K_rho"] < 0.7  # 1/2 plus the growth of rho ~ log N
    assert "Parameter scaling" in out["markdown"]
    assert round(scaling.fit_slope([1, 10, 100], [5, 50, 500]), 9) == 1.0


def test_optimal_options_and_structure(tmp_path):
    rng = np.random.default_rng(8)
    X = rng.random((300, 5))
    y = rng.integers(0, 2, 300)
    res = mn.construct(X, y, method="optimal", rng=0, bits_per_layer=1, max_tries=2)
    net = res.network
    assert net.layer_sizes[:2] == (5, 1) and net.bottleneck == 1  # projection then the line
    assert res.stats["options"] == {"direction_bits": None, "max_tries": 2, "bits_per_layer": 1, "max_width": 6}
    assert res.stats["direction_bits"] == 2 * 9 + 8  # default 2 ceil(log2 N) + 8
    with pytest.raises(ExactnessError, match=r"need \d+ significand bits"):
        net.to_onnx(tmp_path / "m2.onnx")
    with pytest.raises(OptionError, match="direction_bits"):
        mn.construct(X, y, method="optimal", rng=0, direction_bits=60)


def test_max_width_trades_depth_for_width():
    """Width 6 (the paper's Theorem 4.1) is the default; 8 and 12 admit wider layouts that
    are never worse in params (the planner's candidates only grow), at most slightly better."""
    rng = np.random.default_rng(2)
    X = rng.random((120, 6))
    y = rng.integers(0, 2, 120)
    res = {w: mn.construct(X, y, method="optimal", rng=0, max_width=w) for w in (6, 8, 12)}
    for w, r in res.items():
        assert r.verified and r.network.width <= w and r.stats["options"]["max_width"] == w
    assert res[6].network.width == 6 or res[6].stats["mode"] == "direct"
    assert res[12].stats["params"] <= res[8].stats["params"] <= res[6].stats["params"] <= 1.1 * res[12].stats["params"]
    with pytest.raises(OptionError, match="max_width"):
        mn.construct(X, y, method="optimal", max_width=7)
    with pytest.raises(OptionError, match="needs max_width=12"):
        mn.construct(X, y, method="optimal", bits_per_layer=2)
