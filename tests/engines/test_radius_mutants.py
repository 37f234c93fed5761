"""Certified radii (memnets._engines.radius): cases written to kill mutmut survivors.

The earlier tests check soundness by brute force; these pin the radii to their exact
values (hand-worked hyperplanes and nearest-centre cells, the pairwise unit's
piecewise-linear solve) from both sides: ``exact * (1 - 1e-9) <= r <= exact``.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import memnets as mn
from memnets import ReLUNetwork
from memnets._engines import radius as rad
from memnets._engines.radius import _spectral_up, _unit_radius, certified_radii, lipschitz_radii


def _tight(r: float, exact: float, rel: float = 1e-9) -> bool:
    return exact * (1 - rel) <= r <= exact


def _codes(net: ReLUNetwork, X: np.ndarray) -> np.ndarray:
    out = net.forward_exact(X)
    if net.n_outputs == 1:
        return np.array([1 if Fraction(v) > 0 else 0 for v in np.ravel(out)])
    return np.array([max(range(len(r)), key=lambda j: (Fraction(r[j]), -j)) for r in out])


def _radii(net: ReLUNetwork, X: list[list[float]], engine: str = "float") -> np.ndarray:
    Xa = np.array(X, dtype=np.float64)
    rr = certified_radii(net, Xa, _codes(net, Xa), np.array([0, 1, 2][: max(2, net.n_outputs)]), engine=engine)
    assert rr.bound == "lipschitz"
    return rr.radii


# --------------------------------------------------------------------------- lipschitz
def test_lipschitz_radius_of_a_hyperplane_is_its_distance() -> None:
    net = ReLUNetwork([([[3.0, -4.0]], [0.0])])          # |W|_2 = |W|_F = 5 < sqrt(4 * 7)
    r = _radii(net, [[1.0, 0.0], [0.0, 0.5], [0.0, 0.0], [2.0, 1.0]])
    assert _tight(r[0], 0.6) and _tight(r[1], 0.4) and r[2] == 0.0 and _tight(r[3], 0.4)
    # a Lipschitz bound below 1; a constant network (bound 0) certifies nothing
    assert _tight(_radii(ReLUNetwork([([[0.5]], [-0.25])]), [[1.0]])[0], 0.5)
    assert _radii(ReLUNetwork([([[0.0]], [1.0])]), [[1.0]]).tolist() == [0.0]


def test_lipschitz_radius_multiplies_the_layers_bounds() -> None:
    net = ReLUNetwork([([[2.0]], [0.0]), ([[3.0]], [-3.0])])   # F = 3 relu(2x) - 3 = 0 at x = 1/2
    r = _radii(net, [[1.0], [0.75], [0.25]])
    assert _tight(r[0], 0.5) and _tight(r[1], 0.25) and _tight(r[2], 0.25)
    # the identity: sqrt(|W|_1 |W|_inf) = 1 beats |W|_F = sqrt 2; F = 0 on x1 + x2 = 1
    net = ReLUNetwork([([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), ([[1.0, 1.0]], [-1.0])])
    assert _tight(_radii(net, [[1.0, 1.0]])[0], 1.0 / math.sqrt(2))


def test_lipschitz_score_gap_takes_sqrt_2() -> None:
    net = ReLUNetwork([([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])])   # decision boundary x1 = x2
    r = _radii(net, [[1.0, 0.0], [0.0, 2.0], [0.5, 0.5]])
    assert _tight(r[0], 1 / math.sqrt(2)) and _tight(r[1], 2 / math.sqrt(2)) and r[2] == 0.0
    # scores 2 x: the gap's Lipschitz constant is 2 sqrt 2 (the layer's bound times sqrt 2)
    net = ReLUNetwork([([[2.0, 0.0], [0.0, 2.0]], [0.0, 0.0])])
    assert _tight(_radii(net, [[1.0, 0.0]])[0], 1 / math.sqrt(2))


def test_lipschitz_radius_from_exact_margins_where_float_cannot_decide() -> None:
    """``relu(B x + 1) - relu(B x) - 1/2`` is 1/2 exactly, float64 loses the 1 for B = 2**53:
    the certified margin is unsure, the exact one gives ``(1/2) / (sqrt 2 * sqrt 2 B)``."""
    B = 2.0**53
    net = ReLUNetwork([([[B], [B]], [1.0, 0.0]), ([[1.0, -1.0]], [-0.5])])
    X = np.array([[1.0], [0.5], [0.25]])
    r = certified_radii(net, X, np.array([1, 1, 1]), np.array([0, 1]), engine="float").radii
    assert all(_tight(v, 0.25 / B) for v in r.tolist())
    # a subnormal exact margin 3/2**1075 rounds up to 2**-1073: stepped down below the margin
    w = np.empty((1, 1), dtype=object)
    w[0, 0] = 1
    b = np.empty(1, dtype=object)
    b[0] = Fraction(3, 2**1075)
    tiny = certified_radii(ReLUNetwork([(w, b)]), np.array([[0.0]]), np.array([1]), np.array([0, 1]), engine="float")
    assert 0 < Fraction(float(tiny.radii[0])) <= Fraction(3, 2**1075) and tiny.codes.tolist() == [1]
    # the same network at margin exactly 0: F = 0 decides class 0, no radius
    zero = ReLUNetwork([([[B], [B]], [1.0, 0.0]), ([[1.0, -1.0]], [-1.0])])
    assert certified_radii(zero, X[:2], np.array([0, 0]), np.array([0, 1]), engine="float").radii.tolist() == [0, 0]
    # the wrong class: a negative exact margin is no radius either
    assert certified_radii(net, X[:1], np.array([0]), np.array([0, 1]), engine="float").radii.tolist() == [0]


def test_spectral_bounds_of_dense_and_sparse_layers() -> None:
    for W, want in (([[3.0, -4.0]], 5.0), ([[1.0, 1.0], [1.0, -1.0]], 2.0), ([[2.0]], 2.0), ([[1.0, 0.0], [0.0, 1.0]], 1.0), ([[0.5, 0.0], [0.0, 0.5]], 0.5),
                    ([[1.0, 0.0, 0.0], [0.0, -2.0, 0.0]], 2.0), ([[1.0], [2.0], [2.0]], 3.0),
                    ([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], math.sqrt(6.0)), ([[0.0, 0.0]], 0.0)):
        for layer in ReLUNetwork([(W, [0.0] * len(W))]).layers + ReLUNetwork(
                [(mn.SparseWeight.from_dense(np.array(W)), [0.0] * len(W))]).layers:
            got = _spectral_up(layer)
            assert want <= got <= want * (1 + 1e-12)
    # |W|_F and |W|_1 |W|_inf overflow: no bound, no radius (F itself is x1 + x2 - 1)
    net = ReLUNetwork([([[1e200, 1e200]], [0.0]), ([[1e-200]], [-1.0])])
    assert _spectral_up(net.layers[0]) == math.inf
    assert lipschitz_radii(net, np.array([[1.0, 1.0]]), np.array([1]), np.array([0, 1]), "float").tolist() == [0.0]


# --------------------------------------------------------------------------- pairwise unit
def test_unit_radius_hand_worked() -> None:
    # phi(rho) = max(0, rho - 1) + max(0, rho - 2) < 1  <=>  rho < 2
    assert _tight(_unit_radius(np.array([-1.0, -2.0]), np.array([1.0, 1.0]), 1.0), 2.0)
    # 0.5 + rho + max(0, 2 rho - 1) + max(0, rho - 3) < 4  <=>  rho < 1.5 (third term never on)
    assert _tight(_unit_radius(np.array([0.5, -1.0, -3.0]), np.array([1.0, 2.0, 1.0]), 4.0), 1.5)
    # order of switching on is by -a/G, not by position: -4 (G 8) at 0.5, -1 (G 1) at 1
    assert _tight(_unit_radius(np.array([-1.0, -4.0]), np.array([1.0, 8.0]), 6.0), 1.0 + 2.0 / 9.0)
    # already active terms only: 1 + 2 rho < 3 at rho < 1
    assert _tight(_unit_radius(np.array([1.0]), np.array([2.0]), 3.0), 1.0)
    # phi(0) = 2 is over T/2 but under T: 2 + rho < 3 at rho < 1
    assert _tight(_unit_radius(np.array([2.0]), np.array([1.0]), 3.0), 1.0)
    # the re-check's cancellation term 4u (|a| + G rho) = 0.89 >= T at the solved rho ~ 1e15:
    # halved once it passes (4u 1.5e15 = 0.67); with |a| = 1e16 it never passes: 0
    r = _unit_radius(np.array([-1e15]), np.array([1.0]), 0.8)
    assert 0.5e15 * (1 - 1e-8) <= r <= 0.5e15
    assert _unit_radius(np.array([-1e16]), np.array([1.0]), 1.0) == 0.0
    # rho = 0 not certified, or no term can grow
    assert _unit_radius(np.array([1.0, 0.5]), np.array([1.0, 1.0]), 1.5) == -1.0
    assert _unit_radius(np.array([0.0, -1.0]), np.array([1.0, 1.0]), 1e-300) >= 0.0


def test_pairwise_radii_hand_worked_in_two_dimensions() -> None:
    # units at (0,0) ["a"] and (1,0) ["b"]: unit (0,0) active while x1 < 1/2
    res = mn.construct([[0.0, 0.0], [1.0, 0.0]], ["a", "b"], method="pairwise")
    rr = mn.theory.robust_radii(res, [[0.25, 0.3], [0.875, 0.0], [0.5, 0.1]])
    assert rr.bound == "pairwise-unit"
    assert _tight(rr.radii[0], 0.25, 1e-8) and _tight(rr.radii[1], 0.375, 1e-8) and rr.radii[2] == 0.0
    assert rr.codes.tolist() == res.predict_codes([[0.25, 0.3], [0.875, 0.0], [0.5, 0.1]]).tolist()


def test_pairwise_radius_uses_the_best_of_the_nearest_units() -> None:
    # labels a a b at 0, 0.2, 1: the decision changes at 0.6, and only unit 0.2 (not the
    # nearest unit 0.0 for x = 0.05) stays active up to it
    res = mn.construct([[0.0], [0.2], [1.0]], ["a", "a", "b"], method="pairwise")
    r = res.robust_radius([[0.3], [0.05], [0.9]])
    assert _tight(r[0], 0.3, 1e-8) and _tight(r[1], 0.55, 1e-8) and _tight(r[2], 0.3, 1e-8)


# --------------------------------------------------------------------------- nearest centre
def _exact_nearest(res: mn.ConstructionResult, q: np.ndarray) -> float:
    first = res.network.layers[0]
    W = [[Fraction(float(v)) for v in row] for row in np.asarray(first.float_weight)]
    b = [Fraction(float(v)) for v in first.float_bias]
    cls = np.repeat(np.arange(len(res.info["group_sizes"])), res.info["group_sizes"])
    x = [Fraction(float(v)) for v in q]
    h = [sum((wi * xi for wi, xi in zip(w, x, strict=True)), bk) for w, bk in zip(W, b, strict=True)]
    k = max(range(len(h)), key=lambda j: h[j])
    out = math.sqrt(h[k] ** 2 / sum(v * v for v in W[k]))
    for t in np.flatnonzero(cls != cls[k]).tolist():
        out = min(out, math.sqrt((h[k] - h[t]) ** 2 / sum((a - c) ** 2 for a, c in zip(W[k], W[t], strict=True))))
    return out


@pytest.mark.parametrize("block", [None, 3])
def test_nearest_centre_radii_are_the_exact_formula(monkeypatch: pytest.MonkeyPatch, block: int | None) -> None:
    if block is not None:
        monkeypatch.setattr(rad, "_BLOCK", block)   # one input per block: every block boundary
    rng = np.random.default_rng(4)
    X = rng.uniform(size=(12, 3))
    res = mn.construct(X, np.arange(12) % 3, method="robust", rng=0)
    Q = np.vstack([rng.uniform(size=(9, 3)), X[:2]])
    rr = mn.theory.robust_radii(res, Q)
    assert rr.bound == "nearest-bisector" and (rr.radii > 0).all()
    for q, r in zip(Q, rr.radii, strict=True):
        assert _tight(float(r), _exact_nearest(res, q), 1e-10)


def test_nearest_centre_positivity_bound_and_ties() -> None:
    # one centre per class at 0.25 and 0.75 with C large: the bisector 0.5 bounds; far to the
    # left h_k(x) = 2 s x + C - s^2 reaches 0 first: r = h_k / |w_k|
    res = mn.construct([[0.25], [0.75]], [0, 1], method="efficient", preset="theorem", condense="none")
    Q = np.array([[0.0], [0.5], [1.0], [0.1]])
    r = mn.theory.robust_radii(res, Q).radii
    for q, v in zip(Q, r.tolist(), strict=True):
        assert _tight(v, _exact_nearest(res, q), 1e-10) if v else _exact_nearest(res, q) < 1e-12
    assert r[1] == 0.0 and r[0] > 0
    # outside the unit interval h_k reaches 0 first (|w_k| = 0.5 <= 1): r = h_k / |w_k|
    far = np.array([[-0.6]])                     # h_0 = 0.5 x + 0.5 = 0.2, h_1 = 1.5 x = -0.9
    got = certified_radii(res.network, far, _codes(res.network, far), res.classes, engine=res.engine)
    assert _tight(float(got.radii[0]), _exact_nearest(res, far[0]), 1e-10) and got.radii[0] < 0.41
    assert got.codes.tolist() == [0]
    # decided codes that the winning centre does not certify get radius 0, not None or 1
    wrong = certified_radii(res.network, Q, 1 - _codes(res.network, Q), res.classes, engine=res.engine)
    assert wrong.radii.tolist() == [0.0] * 4 and wrong.codes.tolist() == (1 - _codes(res.network, Q)).tolist()


def test_nearest_centre_radii_far_from_the_cube_stay_below_exact() -> None:
    """Inputs a few 1e-9 off the bisector x1 = 1/2 but 1e5..1e6 away along it: float64 errs
    in h_k by ~1e-10, a large part of the gap, so every rounding allowance matters. Each
    certified r is checked in exact rationals: r |w_k - w_t| <= h_k - h_t and r |w_k| <= h_k."""
    res = mn.construct([[0.25, 0.5], [0.75, 0.5]], [0, 1], method="efficient", preset="theorem", condense="none")
    first = res.network.layers[0]
    W = [[Fraction(float(v)) for v in row] for row in np.asarray(first.float_weight)]
    b = [Fraction(float(v)) for v in first.float_bias]
    rng = np.random.default_rng(11)
    m = 300
    X = np.stack([0.5 + rng.choice([-1.0, 1.0], m) * rng.uniform(2e-9, 4e-8, m),
                  rng.choice([-1.0, 1.0], m) * rng.uniform(1e5, 1e6, m)], axis=1)
    X[:, 1] = np.abs(X[:, 1])                       # h_k > 0 needs x2 > 0 here
    codes = _codes(res.network, X)
    r = certified_radii(res.network, X, codes, res.classes, engine=res.engine).radii
    assert (r > 0).sum() >= m // 2
    for x, rad_, code in zip(X, r.tolist(), codes.tolist(), strict=True):
        xs = [Fraction(float(v)) for v in x]
        h = [sum((wi * xi for wi, xi in zip(w, xs, strict=True)), bk) for w, bk in zip(W, b, strict=True)]
        R = Fraction(rad_)
        k, t = code, 1 - code
        d2 = sum((p - q) ** 2 for p, q in zip(W[k], W[t], strict=True))
        assert R * R * d2 <= (h[k] - h[t]) ** 2 and (rad_ == 0 or h[k] > h[t])
        assert R * R * sum(v * v for v in W[k]) <= h[k] ** 2


def test_pairwise_radii_far_along_the_bisector_stay_below_it() -> None:
    """Two samples, decision boundary x1 = 1/2 (F = 0 only there, deciding the first class):
    inputs 1e-7..1e-6 off it and 1e3..1e4 along it, where the float64 squared distances
    (~1e8) err by a large part of their difference. Every certified r stays below the exact
    distance to the boundary (strictly on the second class's side)."""
    res = mn.construct([[0.25, 0.5], [0.75, 0.5]], ["a", "b"], method="pairwise")
    rng = np.random.default_rng(12)
    m = 200
    off = rng.choice([-1.0, 1.0], m) * rng.uniform(1e-7, 1e-6, m)
    X = np.stack([0.5 + off, rng.uniform(1e3, 1e4, m)], axis=1)
    codes = np.where(off > 0, 1, 0)
    assert codes.tolist() == _codes(res.network, X).tolist()
    rr = certified_radii(res.network, X, codes, res.classes, engine="pairwise")
    assert rr.bound == "pairwise-unit" and (rr.radii > 0).sum() >= m // 2
    for x, r, c in zip(X, rr.radii.tolist(), codes.tolist(), strict=True):
        dist = abs(Fraction(float(x[0])) - Fraction(1, 2))
        assert Fraction(r) < dist if c == 1 else Fraction(r) <= dist
