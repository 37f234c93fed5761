"""The paper's Theorem 7.3 network (method="pairwise") and its engine.

Three levels: a 1-D example worked by hand (every number compared with ``==``), the
paper's Lemmas H.2-H.3 on seeded random datasets in exact arithmetic, and agreement of the
pairwise engine with the generic exact and float engines, torch and ONNX.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memnets as mn
from _helpers import assert_close
from memnets._blocks.pair_layers import match_pairwise
from memnets._constructions.pairwise import paper_params, paper_params_dense
from memnets._engines import decide
from memnets._engines.pair_units import forward_pairwise, forward_pairwise_exact, pairwise_plan

F = Fraction


def _dataset(seed: int, *, n_max: int = 12, dims: int = 4, grid: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    N = int(rng.integers(3, n_max))
    n = int(rng.integers(1, dims + 1))
    X = rng.random((N, n))
    if grid:
        X = np.round(X * grid) / grid
    X = np.unique(X, axis=0)
    y = rng.integers(0, 2, X.shape[0])
    y[0], y[-1] = 0, 1
    return X, y


def _paper(X: np.ndarray, s: np.ndarray, x: np.ndarray) -> dict[str, object]:
    """The paper's quantities at ``x`` in Fractions, straight from Appendix H.3-H.4."""
    Xf = [[F(v) for v in row] for row in X]
    xf = [F(v) for v in x]

    def dot(a: list[Fraction], b: list[Fraction]) -> Fraction:
        return sum((p * q for p, q in zip(a, b, strict=True)), F(0))

    def sub(a: list[Fraction], b: list[Fraction]) -> list[Fraction]:
        return [p - q for p, q in zip(a, b, strict=True)]

    N = len(Xf)
    opp = [(i, j) for i in range(N) for j in range(N) if s[i] != s[j]]
    r = F(1, 100) * min(dot(sub(Xf[i], Xf[j]), sub(Xf[i], Xf[j])) for i, j in opp)
    S = {}
    for i, j in opp:
        mid = [F(51, 100) * a + F(49, 100) * b for a, b in zip(Xf[i], Xf[j], strict=True)]
        S[i, j] = dot(sub(Xf[i], Xf[j]), sub(xf, mid))
    u = [sum((max(F(0), -S[i, j]) for j in range(N) if s[j] != s[i]), F(0)) - r for i in range(N)]
    Fx = sum((s[i] * max(F(0), -u[i]) for i in range(N)), F(0))
    return {"r": r, "S": S, "u": u, "F": Fx}


# --------------------------------------------------------------------------- by hand
def test_paper_count_is_the_network_the_paper_builds() -> None:
    """Write the paper's three layers out as matrices (Appendix H.3: one unit per ordered
    opposite pair, W_2[i, (i, j)] = -1 only, W_3 = y) on a tiny dataset, check they compute
    the paper's F, and count them: the entries that exist in the paper's network, and every
    entry of the dense matrices."""
    X = np.array([[0.1, 0.7], [0.3, 0.2], [0.9, 0.4], [0.6, 0.8], [0.5, 0.55]])
    s = np.array([-1, -1, 1, 1, 1])
    N, n = X.shape
    pairs = [(i, j) for i in range(N) for j in range(N) if s[i] != s[j]]
    P = len(pairs)
    assert P == 2 * 2 * 3 == 12
    r = 0.01 * min(float(np.sum((X[i] - X[j]) ** 2)) for i, j in pairs)
    W1 = np.array([-(X[i] - X[j]) for i, j in pairs])  # sigma(-S_ij)
    b1 = np.array([float((X[i] - X[j]) @ (0.51 * X[i] + 0.49 * X[j])) for i, j in pairs])
    W2 = np.zeros((N, P))
    for k, (i, _) in enumerate(pairs):
        W2[i, k] = -1.0  # sigma(-u_i) = sigma(r - sum_j sigma(-S_ij))
    b2 = np.full(N, r)
    W3, b3 = s.astype(float), 0.0
    for x in [X[0], X[3], np.array([0.45, 0.5]), np.array([0.8, 0.1])]:
        F_net = W3 @ np.maximum(W2 @ np.maximum(W1 @ x + b1, 0) + b2, 0) + b3
        assert F_net == pytest.approx(float(_paper(X, s, x)["F"]), abs=1e-12)
    existing = W1.size + b1.size + np.count_nonzero(W2) + b2.size + W3.size + 1
    dense = W1.size + b1.size + W2.size + b2.size + W3.size + 1
    assert existing == P * (n + 1) + P + N + N + 1 == 12 * 3 + 12 + 5 + 6 == 59
    assert existing == paper_params(3, 2, n) and dense == paper_params_dense(3, 2, n) == 36 + 60 + 5 + 6
    res = mn.construct(X, s, method="pairwise", rng=0)
    assert res.stats["params_paper"] == 59 and res.stats["params_paper_dense"] == 107
    # the CIFAR figure of the module docstring: 3,000 images per label, n = 3072
    assert paper_params(3000, 3000, 3072) == 55_332_012_001
    assert paper_params_dense(3000, 3000, 3072) == 163_314_012_001


def test_hand_worked_1d_example() -> None:
    """x_1 = 0, x_2 = 1/4 (label a, -1) and x_3 = 1 (label b, +1).

    r = 0.01 * (3/4)^2 = 9/1600. S_13 = 0.49 - x, S_31 = x - 0.51,
    S_23 = -3/4 (x - 0.6175), S_32 = 3/4 (x - 0.6325); 100 c_13 = -49, 100 c_31 = 51,
    100 c_23 = -46.3125, 100 c_32 = 47.4375. The network stores 100 F.
    """
    res = mn.construct([[0.0], [0.25], [1.0]], ["a", "a", "b"], method="pairwise", rng=0)
    net = res.network
    assert res.verified and res.engine == "pairwise"
    assert res.info["r"] == F(9, 1600)
    assert res.stats["n_pairs"] == 4 and res.stats["n_pos"] == 1 and res.stats["n_neg"] == 2
    # c = |0.25 - 1| = 3/4: Lemma H.3's guarantee 100 y F >= 100 r = c^2 = 9/16
    assert res.stats["separation"] == 0.75 and res.stats["margin_guarantee"] == 0.5625 <= res.min_margin
    # the paper's layers 1 -> 4 -> 3 -> 1: 4 pair units x (1 weight + bias), each feeding only its
    # own sample unit (4 weights), 3 sample biases, 3 output weights + bias
    assert res.stats["params_paper"] == 4 * 2 + 4 + 3 + 4 == 19 == paper_params(1, 2, 1)
    assert res.stats["params_paper_dense"] == 4 * 2 + 3 * 5 + 4 == 27 == paper_params_dense(1, 2, 1)
    assert net.layer_sizes[2] == 4 + (res.stats["r_terms"] - 1)
    # the pair constants, summed exactly from their float64 pieces (bias + constant-unit weights)
    l2 = net.layers[1]
    W2, b2 = l2.dense_weight(), l2.bias
    n_first = 2 * 3
    consts = [F(b2[row]) + sum((F(w) for w in W2[row, n_first:]), F(0)) for row in range(4)]
    # rows: sample 0 (a) vs 2; sample 1 (a) vs 2; sample 2 (b) vs 0, vs 1
    assert consts == [F(-49), F(-463125, 10000), F(51), F(474375, 10000)]
    # first four weights of each pair row: -100 on s(g_i), +100 on s(-g_i), +100 s(g_j), -100 s(-g_j)
    assert W2[0, [0, 3, 2, 5]].tolist() == [-100.0, 100.0, 100.0, -100.0]
    assert W2[2, [2, 5, 0, 3]].tolist() == [-100.0, 100.0, 100.0, -100.0]
    l3 = net.layers[2]
    assert F(l3.bias[0]) + sum((F(w) for w in l3.dense_weight()[0, 4:]), F(0)) == F(9, 16)  # 100 r
    # 100 F at chosen dyadic points: -2r, -2r, r at the samples; -r, 0 (the bisector), r, 75/25600
    xs = [[0.0], [0.25], [1.0], [0.5], [0.625], [0.75], [161 / 256]]
    expected = [F(-9, 8), F(-9, 8), F(9, 16), F(-9, 16), F(0), F(9, 16), F(75, 256)]
    assert net.forward_exact(np.array(xs)).tolist() == expected
    assert [100 * _paper(np.array([[0.0], [0.25], [1.0]]), np.array([-1, -1, 1]), np.array(x))["F"] for x in xs] == expected
    assert res.min_margin == float(F(9, 16))
    # F = 0 maps to classes[0] ("a"). At the bisector both live units sit exactly at their
    # threshold: float64 cannot tell, the exact pass on the candidates returns 0 with bound 0
    vals, bounds = forward_pairwise(net, np.array([[0.625]]))
    assert abs(vals[0]) <= bounds[0] < 1e-9
    vals, bounds = forward_pairwise_exact(net, np.array([[0.625]]))
    assert vals.tolist() == [0.0] and bounds.tolist() == [0.0]
    assert res.predict(np.array(xs)).tolist() == ["a", "a", "b", "a", "a", "b", "b"]


def test_layer3_reads_each_samples_own_pairs() -> None:
    res = mn.construct([[0.0], [0.25], [1.0]], [0, 0, 1], method="pairwise")
    W3 = res.network.layers[2].dense_weight()
    assert W3[:, :4].tolist() == [[-1.0, 0.0, 0.0, 0.0], [0.0, -1.0, 0.0, 0.0], [0.0, 0.0, -1.0, -1.0]]


# --------------------------------------------------------------------------- the lemmas
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), grid=st.sampled_from([None, 255, 8]))
def test_lemmas_H2_H3_exactly(seed: int, grid: int | None) -> None:
    """u_i(x_i) = -r; S_ji(x_i) <= -0.02 |x_i - x_j|^2 and u_j(x_i) > 0 for opposite j;
    read from the network's own exact units and checked against the paper's formulas."""
    X, y = _dataset(seed, grid=grid)
    res = mn.construct(X, y, method="pairwise")
    s = np.where(y == 1, 1, -1)
    net = res.network
    pre2 = mn.ReLUNetwork(net.layers[:2]).forward_exact(X)  # 100 (-S_ij(x)) per pair row
    pre3 = mn.ReLUNetwork(net.layers[:3]).forward_exact(X)  # -100 u_i(x)
    rowptr = np.concatenate([[0], np.cumsum(np.where(s > 0, (s < 0).sum(), (s > 0).sum()))])
    for a in range(X.shape[0]):
        ref = _paper(X, s, X[a])
        r = ref["r"]
        assert res.info["r"] == r
        assert pre3[a][a] == 100 * r  # u_a(x_a) = -r
        for i in range(X.shape[0]):
            assert pre3[a][i] == -100 * ref["u"][i]
            opp = [j for j in range(X.shape[0]) if s[j] != s[i]]
            for k, j in enumerate(opp):
                assert pre2[a][rowptr[i] + k] == -100 * ref["S"][i, j]
        for j in range(X.shape[0]):
            if s[j] != s[a]:
                d2 = sum((F(p) - F(q)) ** 2 for p, q in zip(X[a], X[j], strict=True))
                assert ref["S"][j, a] <= F(-2, 100) * d2
                assert ref["u"][j] > 0 and pre3[a][j] < 0
        assert s[a] * net.forward_exact(X[a : a + 1])[0] >= 100 * r


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_nonzero_outputs_have_the_1nn_label(seed: int) -> None:
    """-S_ij = (d_i - d_j)/2 + 0.01 D_ij: only the nearest sample's class has live units."""
    X, y = _dataset(seed, n_max=20, dims=3)
    res = mn.construct(X, y, method="pairwise")
    Q = np.random.default_rng(seed).random((60, X.shape[1]))
    out = res.network.forward_exact(Q)
    d = ((Q[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    nn = y[np.argmin(d, axis=1)]
    for v, label, row in zip(out, nn, d, strict=True):
        if v != 0 and np.sort(row)[1] - row.min() > 1e-9:  # ties of the float distances aside
            assert (v > 0) == (label == 1)


# --------------------------------------------------------------------------- engines agree
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), grid=st.sampled_from([None, 4, 255]))
def test_engine_matches_exact(seed: int, grid: int | None) -> None:
    X, y = _dataset(seed, n_max=25, grid=grid)
    res = mn.construct(X, y, method="pairwise")
    net = res.network
    rng = np.random.default_rng(seed)
    Q = np.vstack([X, rng.random((80, X.shape[1])), np.round(rng.random((40, X.shape[1])) * 4) / 4,
                   rng.normal(size=(5, X.shape[1])) * 3])
    exact = net.forward_exact(Q)
    vals, bounds = forward_pairwise(net, Q)
    assert all(abs(F(float(v)) - e) <= F(float(b)) for v, b, e in zip(vals, bounds, exact, strict=True))
    assert all(e == 0 for v, b, e in zip(vals, bounds, exact, strict=True) if b == 0 and v == 0)
    ev, eb = forward_pairwise_exact(net, Q)
    assert ev.tolist() == [float(e) for e in exact]  # the exact value, correctly rounded
    assert [b == 0 for b in eb] == [F(float(v)) == e for v, e in zip(ev, exact, strict=True)]
    assert all(abs(F(float(v)) - e) <= F(float(b)) for v, b, e in zip(ev, eb, exact, strict=True))
    codes = [int(e > 0) for e in exact]
    assert decide.predict_codes(net, Q, "pairwise").tolist() == codes
    assert decide.predict_codes(net, Q, "float").tolist() == codes
    assert_close(vals, net.forward(Q), rtol=1e-9, atol=1e-9 * max(1.0, float(np.abs(vals).max())))


def test_zero_bound_means_exact_and_skips_the_exact_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    res = mn.construct([[0.0], [0.25], [1.0]], [0, 0, 1], method="pairwise")

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("the generic exact engine should not run")

    monkeypatch.setattr(decide, "predict_codes_exact", boom)
    assert res.predict_codes(np.array([[0.625], [0.5], [0.9]])).tolist() == [0, 0, 1]


def test_a_margin_below_lemma_h3_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # the engine's margins scaled by 3/4 (a construction bug that keeps every sign): some
    # sample is then below c^2 = 9/16 (see the hand-worked example) and must be refused
    from memnets._constructions import pairwise as M

    real = M.forward_pairwise_samples
    monkeypatch.setattr(M, "forward_pairwise_samples", lambda net: (0.75 * real(net)[0], real(net)[1]))
    with pytest.raises(mn.VerificationError, match=r"Lemma H\.3"):
        mn.construct([[0.0], [0.25], [1.0]], ["a", "a", "b"], method="pairwise", rng=0)


# --------------------------------------------------------------------------- export, files
def test_export_matches_forward() -> None:
    pytest.importorskip("torch")
    import torch

    X, y = _dataset(7, n_max=10, grid=255)
    res = mn.construct(X, y, method="pairwise")
    net = res.network
    assert net.float64_representable
    Q = np.random.default_rng(1).random((30, X.shape[1]))
    with torch.no_grad():
        out = net.to_torch()(torch.as_tensor(Q)).numpy().ravel()
    assert_close(out, net.forward(Q))


def test_onnx_matches_forward(tmp_path: object) -> None:
    ort = pytest.importorskip("onnxruntime")
    X, y = _dataset(3, n_max=10)
    net = mn.construct(X, y, method="pairwise").network
    path = f"{tmp_path}/pw.onnx"
    net.to_onnx(path)
    sess = ort.InferenceSession(path)
    Q = np.random.default_rng(2).random((20, X.shape[1]))
    out = sess.run(None, {sess.get_inputs()[0].name: Q})[0].ravel()
    assert_close(out, net.forward(Q))


def test_data_below_float64_range_get_exact_biases() -> None:
    """Entries near 2**-1000 put the low pieces of c_ij under 2**-1074: Fraction biases."""
    X = np.array([[2.0**-1000, 0.5], [0.25, 0.75], [1.0, 0.0]])
    res = mn.construct(X, [0, 1, 1], method="pairwise", verify="generic")
    assert res.verified and res.stats["constant_terms"] == 0
    assert not res.network.float64_representable
    with pytest.raises(mn.ExactnessError):
        res.network.to_torch()
    assert res.predict(X).tolist() == [0, 1, 1]
    for x in X:
        assert res.network.forward_exact(x[None])[0] == 100 * _paper(X, np.array([-1, 1, 1]), x)["F"]


def test_saved_network_is_recognised_entry_by_entry(tmp_path: object) -> None:
    X, y = _dataset(11, n_max=15, grid=255)
    res = mn.construct(X, y, method="pairwise")
    path = f"{tmp_path}/pw.memnet"
    mn.save(res, path)
    back = mn.load(path)
    assert back.engine == "pairwise"
    Q = np.random.default_rng(0).random((40, X.shape[1]))
    assert back.predict(Q).tolist() == res.predict(Q).tolist()
    plan = pairwise_plan(back.network)  # rebuilt and compared, not registered
    assert plan.c2 == pairwise_plan(res.network).c2


def test_other_networks_are_refused() -> None:
    X, y = _dataset(5, n_max=10, grid=255)
    net = mn.construct(X, y, method="pairwise").network
    layers = list(net.layers)
    l2 = layers[1]
    bias = l2.bias.copy()
    bias[0] = np.nextafter(bias[0], np.inf)  # one pair constant off by one ulp
    tampered = mn.ReLUNetwork([layers[0], mn.AffineLayer(l2.weight, bias), *layers[2:]])
    assert match_pairwise(tampered.layers) is None
    with pytest.raises(mn.InputError, match=r"Theorem 7\.3 network"):
        forward_pairwise(tampered, X)
    m1 = mn.construct(X, y, method="efficient").network
    with pytest.raises(mn.InputError, match=r"Theorem 7\.3 network"):
        forward_pairwise(m1, X)


# --------------------------------------------------------------------------- options, errors
def test_memory_budget_is_named() -> None:
    X, y = _dataset(2, n_max=12)
    with pytest.raises(mn.InputError, match=r"memory budget of 1e-06 GiB \(option memory_limit_gib\)"):
        mn.construct(X, y, method="pairwise", memory_limit_gib=1e-6)
    with pytest.raises(mn.OptionError, match="memory_limit_gib"):
        mn.construct(X, y, method="pairwise", memory_limit_gib=-1.0)
    with pytest.raises(mn.OptionError, match="verify"):
        mn.construct(X, y, method="pairwise", verify="network")


def test_conflicting_duplicates_are_refused() -> None:
    with pytest.raises(mn.ConflictingLabelsError):
        mn.construct([[0.5, 0.5], [0.5, 0.5], [0.0, 1.0]], [0, 1, 1], method="pairwise")


def test_exact_verification_agrees() -> None:
    X, y = _dataset(9, n_max=10)
    a = mn.construct(X, y, method="pairwise", verify="generic")
    b = mn.construct(X, y, method="pairwise")
    assert a.stats["verification"] == "exact" and b.stats["verification"] == "certified"
    assert abs(float(a.min_margin) - float(b.min_margin)) <= b.stats["margin_error_bound"]


def test_multiclass_runs_one_vs_rest() -> None:
    rng = np.random.default_rng(4)
    X = rng.random((18, 3))
    y = np.arange(18) % 3
    res = mn.construct(X, y, method="pairwise")
    assert res.verified and res.network.n_outputs == 3 and res.engine == "float"
    assert res.predict(X).tolist() == y.tolist()


def test_band_between_the_classes_is_exactly_zero() -> None:
    """On the mid-line every unit has two terms of 0.01 D >= r each: all dead, F = 0 exactly,
    certified by the float pass alone (bound 0), predicted as classes[0]."""
    X = np.array([[0.0, 0.0], [0.0, 0.125], [1.0, 0.0], [1.0, 0.125]])
    res = mn.construct(X, ["left", "left", "right", "right"], method="pairwise")
    mid = np.array([[0.5, 0.0625], [0.5, 0.03125]])
    vals, bounds = forward_pairwise(res.network, mid)
    assert vals.tolist() == [0.0, 0.0] and bounds.tolist() == [0.0, 0.0]
    assert res.network.forward_exact(mid).tolist() == [0, 0]
    assert res.predict(mid).tolist() == ["left", "left"]


def test_decision_function_uses_the_engine() -> None:
    X, y = _dataset(13, n_max=14)
    res = mn.construct(X, y, method="pairwise")
    Q = np.random.default_rng(3).random((25, X.shape[1]))
    vals, _ = forward_pairwise(res.network, Q)
    assert res.decision_function(Q).tolist() == vals.tolist()
    assert_close(res.decision_function(Q), res.network.forward(Q), rtol=1e-9, atol=1e-12)
