"""memnets._engines.pair_units: the tests that kill mutmut's survivors (benchmarks/README.md,
"Mutation testing"). Near-tie inputs of a 1-D network, where a unit's one term sits within
the float error of 0 or of c^2 (a wrong window, alive test or dead-unit rule shows up as
a value outside its bound); the float bound against its documented formula, recomputed
here unit by unit; the exact pass against the generic exact engine; blocks and options."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import memnets as mn
from _helpers import pair_blocks_agree
from memnets._core.rounding import U64, gamma
from memnets._engines import pair_units
from memnets._engines.pair_units import (
    forward_pairwise,
    forward_pairwise_exact,
    forward_pairwise_samples,
)

INF = 1.0 + 1e-9


def _net(X: list[list[float]], y: list[int]) -> mn.ReLUNetwork:
    res = mn.construct(X, y, method="pairwise")
    assert res.engine == "pairwise"
    return res.network


def _steps(x: float, k: int) -> list[float]:
    """``x`` and its ``k`` float neighbours on each side."""
    out = [x]
    lo = hi = x
    for _ in range(k):
        lo, hi = np.nextafter(lo, -np.inf), np.nextafter(hi, np.inf)
        out += [float(lo), float(hi)]
    return sorted(out)


def _near_ties() -> np.ndarray:
    """Samples 0 (class 0) and 1/2 (class 1): c^2 = 1/4, the class-1 unit reads one term
    ``a = 50 (d_1 - d_0) + 1/4 = 12.75 - 50 x``: positive below 0.255, 0 at the window's end
    0.255, ``c^2`` at the bisector 0.25 (where the class-0 unit's term ``50 x - 12.25`` is
    ``c^2`` too). Points a few ulps around 0.25 and 0.255 and inside (0.2549, 0.255)."""
    xs = _steps(0.25, 40) + _steps(0.255, 40) + [0.2549 + k * 1e-5 for k in range(10)] + [0.2, 0.3, 0.251]
    xs += [0.0, 0.5]  # the samples at T = 1: unit values of exactly 1 at scale 2**(2T)
    return np.array(xs)[:, None]


def _check_against_exact(net: mn.ReLUNetwork, Q: np.ndarray, **kw: int) -> tuple[np.ndarray, np.ndarray]:
    exact = net.forward_exact(Q)
    vals, bounds = forward_pairwise(net, Q, **kw)
    for v, b, e in zip(vals.tolist(), bounds.tolist(), exact, strict=True):
        assert b >= 0.0 and abs(Fraction(v) - e) <= Fraction(b), (v, b, e)
        if b == 0.0:
            assert Fraction(v) == e
    return vals, bounds


def test_near_ties_of_a_1d_network_stay_within_their_bounds() -> None:
    net = _net([[0.0], [0.5]], [0, 1])
    Q = _near_ties()
    exact = net.forward_exact(Q)
    assert any(0 < abs(e) < Fraction(1, 10**12) for e in exact)  # tiny nonzero outputs near the bisector
    assert any(Fraction(1, 4) - Fraction(1, 10**12) < e < Fraction(1, 4) for e in exact)  # tiny terms near 0.255
    vals, bounds = _check_against_exact(net, Q)
    vals2, bounds2 = _check_against_exact(net, Q, chunk_size=3)  # many blocks, two in flight
    assert np.array_equal(vals, vals2) and np.array_equal(bounds, bounds2)
    ev, eb = forward_pairwise_exact(net, Q)
    assert ev.tolist() == [float(e) for e in exact]
    for v, b, e in zip(ev.tolist(), eb.tolist(), exact, strict=True):
        gap = abs(Fraction(v) - e)
        assert (b == 0.0) == (gap == 0) and gap <= Fraction(b) <= gap + Fraction(abs(v)) * 2**-52 + Fraction(2.0**-1074)


def _reference(net: mn.ReLUNetwork, Q: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The module docstring's value and bound, unit by unit, at ``Q`` (None: at the samples,
    with the plan's table ``D`` for opposite samples and ``e_d >= e_D``)."""
    plan = pair_units._eval_for(net).plan
    X, D = plan.X, plan.D
    n = X.shape[1]
    sq = np.einsum("ij,ij->i", X, X)
    kappa = 1.25 * (2 * n + 12) * U64
    D_max = float(D.max())
    e_D = plan.D_rel * D_max * INF
    if Q is None:  # the engine's order of operations: one class's Gram, then the table
        d = np.empty((len(X), len(X)))
        for own, opp, Dside in ((plan.pos, plan.neg, D), (plan.neg, plan.pos, D.T)):
            same = (X[own] @ X[own].T) * -2.0
            same += sq[own][:, None]
            same += sq[own][None, :]
            d[np.ix_(own, own)] = same
            d[np.ix_(own, opp)] = Dside
        e_d = np.maximum(kappa * (sq + sq.max()) * INF, e_D)
    else:
        sqx = np.einsum("ij,ij->i", Q, Q)
        d = Q @ X.T  # |x|^2 + |x_k|^2 - 2 <x, x_k>, in the engine's order of operations
        d *= -2.0
        d += sqx[:, None]
        d += sq[None, :]
        e_d = kappa * (sqx + float(sq.max())) * INF
    c2 = float(plan.c2)
    e_c = 1.01 * U64 * c2 + 1e-300
    vals, errs = np.zeros(len(d)), np.zeros(len(d))
    for r in range(len(d)):
        e_a = (100.0 * e_d[r] + e_D + 4 * U64 * (100.0 * (d[r].max() + e_d[r]) + D_max)) * INF
        lo, hi, live = [0.0, 0.0], [0.0, 0.0], 0
        for side, (own, opp, Dside) in enumerate([(plan.pos, plan.neg, D), (plan.neg, plan.pos, D.T)]):
            jstar = int(np.argmin(d[r, opp]))
            C = [a for a in range(own.size)
                 if 50.0 * (d[r, own[a]] - d[r, opp[jstar]]) + Dside[a, jstar] - e_a <= c2 + e_c]
            if not C:
                continue
            top = max(d[r, own[a]] + (Dside[a].max() + e_a) / 50.0 for a in C)
            theta = top + 4 * U64 * abs(top) + 1e-300
            W = [b for b in range(opp.size) if d[r, opp[b]] <= theta]
            for a in C:
                A = np.array([50.0 * (d[r, own[a]] - d[r, opp[b]]) + Dside[a, b] for b in W])
                T = float(np.maximum(A, 0.0).sum()) if W else 0.0
                e_T = (int((-e_a < A).sum()) * e_a + gamma(len(W) + 1) * T) if W else 0.0
                u = c2 - T
                e = (e_c + e_T + U64 * abs(u)) * INF + 1e-300
                if u < -e:
                    continue
                v = max(u, 0.0)
                lo[side] += max(v - e, 0.0)
                hi[side] += v + e
                live += 1
        if live:
            f_lo, f_hi = lo[0] - hi[1], hi[0] - lo[1]
            vals[r] = 0.5 * (f_lo + f_hi)
            errs[r] = (0.5 * (f_hi - f_lo) + (2 * live + 16) * U64 * (lo[0] + hi[0] + lo[1] + hi[1])) * INF + 1e-300
    return vals, errs


def _case(seed: int) -> tuple[mn.ReLUNetwork, np.ndarray]:
    if seed == 0:
        return _net([[0.0], [0.5]], [0, 1]), _near_ties()
    if seed == 3:  # the sample 0.49 lies where unit 0's term 100 x - 49 vanishes: k e_a at a sample
        return _net([[0.0], [0.49], [1.0]], [0, 0, 1]), np.array(_steps(0.49, 20) + _steps(0.745, 20))[:, None]
    if seed == 5:  # near 0.505 the class-1 unit passes the one-term test (vs 0.01) but its two
        # terms sum above c^2 (certainly dead) while the class-0 unit of 0.01 sits at its threshold
        return _net([[0.0], [0.01], [1.0]], [0, 0, 1]), np.array([*_steps(0.505, 30), 0.3])[:, None]
    if seed == 4:  # a band where every unit is certainly dead, between rows with live units
        X = [[0.0, 0.0], [0.0, 0.125], [1.0, 0.0], [1.0, 0.125]]
        xs = np.linspace(0.0, 1.0, 41)
        return _net(X, [0, 0, 1, 1]), np.column_stack([xs, np.full_like(xs, 0.0625)])
    rng = np.random.default_rng(seed)
    X = np.unique(rng.random((8, 3)), axis=0)
    y = np.arange(8) % 2
    net = _net(X.tolist(), y.tolist())
    return net, np.vstack([rng.random((30, 3)), (X[:-1] + X[1:]) / 2, X[0] * 0.5 + X[1] * 0.5 + 1e-9])


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_float_bound_is_its_documented_formula(seed: int) -> None:
    net, Q = _case(seed)
    vals, bounds = forward_pairwise(net, Q)
    rv, rb = _reference(net, Q)
    assert np.allclose(vals, rv, rtol=1e-12, atol=0.0)
    assert np.allclose(bounds, rb, rtol=1e-12, atol=0.0)
    assert (rb > 0).any() and (seed == 4 or (rb > 1e3 * U64 * np.abs(rv)).any())  # not only the rounding term
    _check_against_exact(net, Q)
    sv, sb = forward_pairwise_samples(net)
    rv, rb = _reference(net, None)
    assert np.allclose(sv, rv, rtol=1e-12, atol=0.0) and np.allclose(sb, rb, rtol=1e-12, atol=0.0)


def test_verification_at_the_samples_is_the_gemm_path_certified_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 2 samples (the block size cut down): every sample's value is certified and
    keeps its sign; values at the samples are ``+-c^2`` exactly for a 1-NN-consistent set."""
    rng = np.random.default_rng(5)
    X = np.unique(np.round(rng.random((11, 2)) * 16) / 16, axis=0)
    y = (X[:, 0] > 0.5).astype(int)
    y[0], y[-1] = 0, 1
    net = _net(X.tolist(), y.tolist())
    full_v, full_b = forward_pairwise_samples(net)
    monkeypatch.setattr(pair_units, "_BLOCK_ENTRIES", 2 * X.shape[0])
    v, b = forward_pairwise_samples(net)
    assert np.array_equal(v, full_v) and np.array_equal(b, full_b)
    exact = net.forward_exact(X)
    assert all(abs(Fraction(a) - e) <= Fraction(c) for a, c, e in zip(v.tolist(), b.tolist(), exact, strict=True))
    assert [e > 0 for e in exact] == [bool(t) for t in y]


def test_own_samples_take_the_samples_path_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    net = _net([[0.0], [0.25], [1.0]], [0, 0, 1])
    X = np.array([[0.0], [0.25], [1.0]])
    calls: list[int] = []
    real = pair_units.forward_pairwise_samples

    def spy(network: mn.ReLUNetwork) -> tuple[np.ndarray, np.ndarray]:
        calls.append(1)
        return real(network)

    monkeypatch.setattr(pair_units, "forward_pairwise_samples", spy)
    forward_pairwise(net, X)
    assert len(calls) == 1
    forward_pairwise(net, X, chunk_size=2)  # a chunk size asks for the GEMM path
    forward_pairwise(net, X[::-1])
    forward_pairwise(net, np.vstack([X, X]))
    assert len(calls) == 1


def test_chunk_size_is_checked_and_used() -> None:
    net = _net([[0.0], [0.25], [1.0]], [0, 0, 1])
    Q = np.linspace(0, 1, 17)[:, None]
    for bad in (0, -1, True):
        with pytest.raises(mn.OptionError, match=r"^chunk_size must be an int >= 1, got "):
            forward_pairwise(net, Q, chunk_size=bad)
    one = _check_against_exact(net, Q, chunk_size=1)
    assert np.array_equal(one[1], _check_against_exact(net, Q, chunk_size=5)[1])
    with pytest.raises(mn.InputError, match="features"):
        forward_pairwise(net, np.zeros((2, 2)))
    out = forward_pairwise(net, np.array([[1.5], [-0.5]]))  # outside [0, 1]: still evaluated
    assert out[0].shape == (2,) and out[0][0] > 0 > out[0][1]


def test_exact_pass_on_random_and_boundary_points() -> None:
    rng = np.random.default_rng(7)
    X = np.unique(rng.random((9, 2)), axis=0)
    y = np.arange(X.shape[0]) % 2
    net = _net(X.tolist(), y.tolist())
    Q = np.vstack([X, rng.random((12, 2)), (X[:-1] + X[1:]) / 2])
    exact = net.forward_exact(Q)
    assert any(e > 0 for e in exact) and any(e < 0 for e in exact)
    ev, eb = forward_pairwise_exact(net, Q)
    assert ev.tolist() == [float(e) for e in exact]
    assert any(b > 0 for b in eb.tolist())  # some exact values are not floats
    for v, b, e in zip(ev.tolist(), eb.tolist(), exact, strict=True):
        gap = abs(Fraction(v) - e)
        assert (b == 0.0) == (gap == 0) and gap <= Fraction(b) <= gap + Fraction(abs(v)) * 2**-52


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_row_by_row_block_equals_the_vectorised_block_on_near_ties(seed: int) -> None:
    """The exact pass reads its candidate sets from the row-by-row block: its values and
    bounds must be the vectorised block's, bit for bit, near ties and dead rows included."""
    net, Q = _case(seed)
    v_vec, e_vec, sets = pair_blocks_agree(net, Q)
    assert (v_vec != 0).any() and len(sets) == len(Q)
    if seed == 4:
        dead = e_vec == 0.0  # certainly dead rows (F = 0 exactly) with live rows after them
        assert dead.any() and not dead[-1] and not dead[0]


def test_the_construction_registers_its_plan_and_other_networks_are_recognised_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = pair_units.match_pairwise

    def spy(layers: object) -> object:
        calls.append(1)
        return real(layers)  # type: ignore[arg-type]

    monkeypatch.setattr(pair_units, "match_pairwise", spy)
    res = mn.construct([[0.0], [0.25], [1.0]], [0, 0, 1], method="pairwise")
    ev = pair_units._PLANS.get(res.network)
    assert isinstance(ev, pair_units._Eval) and pair_units.pairwise_plan(res.network) is ev.plan
    Q = np.array([[0.5], [0.75]])
    forward_pairwise(res.network, Q)
    assert calls == []  # registered by the construction (which verifies with it): never rebuilt
    copy = mn.ReLUNetwork(list(res.network.layers))
    a = forward_pairwise(copy, Q)
    b = forward_pairwise(copy, Q)
    assert calls == [1] and np.array_equal(a[0], b[0])  # recognised once, then cached
    other = mn.construct([[0.0], [0.25], [1.0]], [0, 0, 1], method="efficient").network
    with pytest.raises(mn.InputError) as info:
        forward_pairwise(other, Q)
    assert str(info.value) == (
        "the pairwise engine needs the paper's Theorem 7.3 network as built by construct(method='pairwise') "
        "(layers n -> 2N+K -> P+K' -> N -> 1, rebuilt and compared entry by entry); "
        "use ReLUNetwork.forward_certified otherwise")
