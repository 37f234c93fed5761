"""Certified radii (memnets._engines.radius): every float rounding allowance is the documented one.

The soundness tests (``test_radius_mutants.py``) cannot see one allowance shrunk: the others
still cover the real float error. Here each radius is recomputed in the test from the
allowance formulas written out term by term (Higham's ``gamma_m``, the ``4u`` cancellation
terms, the ``(1 +- 4u)`` outward roundings, ``_SAFE``), in float64 from the same inputs and
in the same order, at inputs chosen so that every allowance moves the result (a few ulps
from where a bound stops certifying, both bounds of the nearest-centre radius binding,
the pairwise unit's re-check deciding). The radius may never exceed the formula's value
(a shrunk allowance makes it larger) and is the formula's value up to ``1e-9``.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

import memnets as mn
from memnets import ReLUNetwork
from memnets._core.checks import Dataset
from memnets._core.rounding import U64, gamma
from memnets._engines import radius as rad
from memnets._engines.decide import certified_margins, margins_exact
from memnets._engines.pair_units import pairwise_plan

SAFE = 1.0 - 8 * U64                    # the final downward rounding of every radius


def _pinned(got: np.ndarray, want: np.ndarray) -> None:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape
    assert (got <= want).all(), np.flatnonzero(got > want)
    assert (got >= want * (1 - 1e-9)).all()


# --------------------------------------------------------------------------- nearest centre
def _nearest_formula(W: np.ndarray, b: np.ndarray, cls: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The nearest-bisector radius with its allowances: ``h = W x + b`` off by
    ``E = 1.01 gamma_{n+2} (|x| |W| + |b|) + 1e-300``; the gap ``(h_k - E_k) - (h_t + E_t)``
    less ``4u`` of its terms; ``|w_k - w_t|^2`` from the Gram entries plus
    ``1.01 (2 gamma_n + 8u) (|w_k|^2 + |w_t|^2)``, its root times ``1 + 4u``; ``h_k`` less
    ``E_k + 4u |h_k|`` over ``sqrt(|w_k|^2 (1 + 1.01 gamma_{n+1})) (1 + 4u)``; times ``_SAFE``."""
    n = W.shape[1]
    nw = np.einsum("ij,ij->i", W, W)
    H = X @ W.T + b
    E = 1.01 * gamma(n + 2) * (np.abs(X) @ np.abs(W).T + np.abs(b)) + 1e-300
    K = np.argmax(H, axis=1)
    GK = W[K] @ W.T                      # Gram rows as one matrix product, as the module forms them
    out = np.zeros(X.shape[0])
    for m in range(X.shape[0]):
        k = int(K[m])
        hk, ek = H[m, k], E[m, k]
        num = (hk - ek) - (H[m] + E[m]) - 4 * U64 * (abs(hk) + ek + np.abs(H[m]) + E[m])
        d2 = np.maximum(nw[k] + nw - 2.0 * GK[m], 0.0) + 1.01 * (2 * gamma(n) + 8 * U64) * (nw[k] + nw)
        den = np.sqrt(d2) * (1 + 4 * U64)
        opp = cls != cls[k]
        h_low = hk - ek - 4 * U64 * abs(hk)
        if not (h_low > 0 and (num[opp] > 0).all()):
            continue
        r_pos = h_low / (np.sqrt(nw[k] * (1 + 1.01 * gamma(n + 1))) * (1 + 4 * U64))
        out[m] = min(float((num[opp] / den[opp]).min(initial=np.inf)), r_pos) * SAFE
    return out


def _near_edges(W: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Inputs a geometric ladder of distances (1e-17..1e-7 relative) from the bisector
    ``h_0 = h_1`` and from the plane ``h_0 = 0``, some of them far out: a few land within
    ulps of where the bound stops certifying, where every allowance shows in the radius."""
    rows = []
    for p in rng.uniform(-1.0, 1.0, (6, W.shape[1])) * np.array([[1.0], [1.0], [10.0], [1e3], [1e5], [1.0]]):
        for normal, value in ((W[0] - W[1], b[0] - b[1]), (W[0], b[0])):
            base = p - (normal @ p + value) / (normal @ normal) * normal       # on the plane
            steps = np.geomspace(1e-17, 1e-7, 160) * max(1.0, float(np.abs(base).max()))
            rows.append(base + steps[:, None] * normal / np.linalg.norm(normal))
    return np.vstack(rows)


def test_nearest_centre_radii_are_their_allowance_formula() -> None:
    rng = np.random.default_rng(5)
    W = np.array([[2.0, 0.5, -1.0], [-1.0, 1.5, 0.25], [0.75, -2.0, 1.0], [0.5, 0.5, 0.5]])
    b = np.array([3.0, -1.25, 0.5, -2.0])
    cls = np.array([0, 1, 1, 2])
    net = ReLUNetwork([(W, b)])
    X = np.vstack([rng.uniform(-3.0, 3.0, (200, 3)), _near_edges(W, b, rng)])
    r, win = rad.nearest_centre_radii(net, np.array([1, 2, 1]), X)
    want = _nearest_formula(W, b, cls, X)
    _pinned(r, want)
    assert (win == cls[np.argmax(X @ W.T + b, axis=1)]).all()
    # both bounds bind somewhere, and some radii sit right at the certifying edge
    assert (want > 0).sum() > 500 and ((want > 0) & (want < 1e-12)).sum() >= 20
    pos = np.array([(np.max(X[m] @ W.T + b) / np.linalg.norm(W[np.argmax(X[m] @ W.T + b)])) for m in range(len(X))])
    assert ((want > 0) & (want >= pos * (1 - 1e-6))).sum() >= 20


def test_nearest_centre_winner_exactly_at_zero_gets_no_radius() -> None:
    """``h_k(0) = 0`` exactly (``b_k = 0``, ``E_k = 1e-300``): the winner is not positive, so no
    radius, however certainly the opposite unit (``h_t = -1``) is below."""
    net = ReLUNetwork([([[1.0, 0.0], [0.0, 1.0]], [0.0, -1.0])])
    r, win = rad.nearest_centre_radii(net, np.array([1, 1]), np.zeros((1, 2)))
    assert r.tolist() == [0.0] and win.tolist() == [0]


# --------------------------------------------------------------------------- pairwise unit
def _recheck(a: np.ndarray, G: np.ndarray, T: float, rho: float) -> bool:
    """The documented re-check: ``sum_j max(0, a_j + G_j rho) (1 + 1.01 gamma_{m+4})
    + 4u sum_j (|a_j| + G_j rho) < T``."""
    g = 1.01 * gamma(a.size + 4)
    return bool(np.maximum(a + G * rho, 0.0).sum() * (1 + g) + 4 * U64 * float((np.abs(a) + G * rho).sum()) < T)


def test_unit_radius_is_the_largest_halving_that_passes_the_recheck() -> None:
    """``phi(rho) = 1 - 1e-7 + s rho < 1`` (the third term never on): solved
    ``rho = 1e-7 / s``, but at ``rho (1 - 1e-9)`` ``phi (1 + g) >= 1``: the re-check fails and
    halves it once. The radius returned must pass the re-check, and be that one halving."""
    for a, G in ((np.array([1 - 1e-7, 0.0]), np.array([1e-3, 1.0])),
                 (np.array([1 - 1e-7, 0.0, -3.0]), np.array([0.5, 1.0, 2.0]))):
        solved = (1 - Fraction(float(a[0]))) / (Fraction(float(G[0])) + Fraction(float(G[1])))
        assert not _recheck(a, G, 1.0, float(solved) * (1 - 1e-9))
        got = rad._unit_radius(a, G, 1.0)
        assert _recheck(a, G, 1.0, got)
        assert math.isclose(got, float(solved) * (1 - 1e-9) / 2, rel_tol=1e-12)


def _pairwise_formula(net: ReLUNetwork, X: np.ndarray) -> np.ndarray:
    """The pairwise-unit radius: ``T = c^2 (1 - 4u)``; ``d`` off by ``1.01 gamma_{n+2} d +
    1e-300``; ``A_ij = 50 (d_i - d_j) + D_ij`` off by ``1.01 (50 (e_i + e_j) + D_rel D_ij +
    4u (50 (d_i + d_j) + D_ij))``; gradient ``100 sqrt(D_ij (1 + D_rel)) (1 + 4u)``; the best
    of the eight nearest units of each side (``_unit_radius``, checked above) times ``_SAFE``."""
    plan = pairwise_plan(net)
    T = float(plan.c2) * (1 - 4 * U64)
    where = np.empty(plan.X.shape[0], dtype=np.int64)
    where[plan.pos], where[plan.neg] = np.arange(plan.pos.size), np.arange(plan.neg.size)
    out = np.zeros(X.shape[0])
    for m, x in enumerate(X):
        d = np.einsum("ij,ij->i", plan.X - x, plan.X - x)
        e_d = 1.01 * gamma(plan.X.shape[1] + 2) * d + 1e-300
        best = -1.0
        for own, opp, side in ((plan.pos, plan.neg, 1), (plan.neg, plan.pos, -1)):
            for i in own[np.argsort(d[own], kind="stable")[:8]].tolist():
                Dt = plan.D[where[i], :] if side == 1 else plan.D[:, where[i]]
                e_A = 1.01 * (50.0 * (e_d[i] + e_d[opp]) + plan.D_rel * Dt + 4 * U64 * (50.0 * (d[i] + d[opp]) + Dt))
                Gn = 100.0 * np.sqrt(Dt * (1 + plan.D_rel)) * (1 + 4 * U64)
                best = max(best, rad._unit_radius(50.0 * (d[i] - d[opp]) + Dt + e_A, Gn, T))
        out[m] = best * SAFE if best >= 0 else 0.0
    return out


def test_pairwise_radii_are_their_allowance_formula() -> None:
    rng = np.random.default_rng(6)
    corners = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]   # opposite pairs with D_ij = 2 > 1
    S = np.vstack([rng.uniform(size=(8, 2)), corners])
    res = mn.construct(S, np.arange(12) % 2, method="pairwise")
    X = np.vstack([rng.uniform(-0.5, 1.5, (60, 2)), S[:4] + 1e-9, S[4:6], S[8:] * 0.9 + 0.05])
    r, _ = rad.pairwise_radii(res.network, X)
    want = _pairwise_formula(res.network, X)
    assert (want > 0).sum() >= 40
    _pinned(r, want)
    # (0,0) against (1,1), D = 2: inputs a geometric ladder 1e-15..1e-5 off the boundary
    # x1 + x2 = 1, where the radius is a small difference and every allowance shows
    two = mn.construct([[0.0, 0.0], [1.0, 1.0]], [0, 1], method="pairwise")
    off = np.geomspace(1e-15, 1e-5, 150)
    along = rng.uniform(-2.0, 2.0, 150)
    X = np.vstack([np.stack([0.5 - off + along, 0.5 - along], axis=1), np.stack([0.5 + off + along, 0.5 - along], axis=1)])
    want = _pairwise_formula(two.network, X)
    assert ((want > 0) & (want < 1e-9)).sum() >= 50
    _pinned(rad.pairwise_radii(two.network, X)[0], want)


def test_pairwise_radii_of_samples_1e_145_apart_keep_the_absolute_allowance() -> None:
    """Two samples ``1e-145`` apart per coordinate (``D = 2e-290``, squared distances near
    ``1e-290``, none underflowing): the absolute ``1e-300`` of the distance allowance ``e_d`` is
    then the largest term of ``e_A`` (``D_rel D`` is ~``1e-305``). The radius is its formula
    there too, and the ball stays on the input's side of the bisector ``x1 + x2 = delta`` (a
    unit active on the ball makes its sample the nearer one). With the ``1e-300`` subtracted
    (mutant ``pairwise_radii_55``) radii of 230 of these inputs cross the bisector, up to 5e4
    times over, and the exact decision changes inside 136 balls."""
    delta = 1e-145
    two = mn.construct([[0.0, 0.0], [delta, delta]], [0, 1], method="pairwise")
    rng = np.random.default_rng(8)
    off = np.geomspace(1e-15, 1e-5, 150)
    along = rng.uniform(-2.0, 2.0, 150)
    X = delta * np.vstack([np.stack([0.5 - off + along, 0.5 - along], axis=1),
                           np.stack([0.5 + off + along, 0.5 - along], axis=1)])
    r, _ = rad.pairwise_radii(two.network, X)
    want = _pairwise_formula(two.network, X)
    assert (want > 0).sum() >= 100
    _pinned(r, want)
    for (x0, x1), rho in zip(X.tolist(), r.tolist(), strict=True):
        # rho < |x0 + x1 - delta| / sqrt(2), exactly
        assert 2 * Fraction(rho) ** 2 < (Fraction(x0) + Fraction(x1) - Fraction(delta)) ** 2


# --------------------------------------------------------------------------- lipschitz
def test_spectral_bound_is_its_formula() -> None:
    """``min(|W|_F, sqrt(|W|_1 |W|_inf)) (1 + 1.01 gamma_{m+4} + 4u)``, ``m`` the larger side;
    here both norms are exact in float64 (``5`` and ``3 = sqrt(3 * 3)``)."""
    for W, est in (([[3.0, -4.0]], 5.0), ([[1.0], [2.0], [2.0]], 3.0)):
        m = max(len(W), len(W[0]))
        assert rad._spectral_up(ReLUNetwork([(W, [0.0] * len(W))]).layers[0]) == est * (1 + (1.01 * gamma(m + 4) + 4 * U64))


def _lipschitz_formula(net: ReLUNetwork, X: np.ndarray, codes: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Certified margin ``(value - bound) (1 - 4u)`` (or the exact margin's float times
    ``1 - 4u``) over ``prod |W_l|_2 up (1 + 1.01 gamma_{L+2})``, ``* sqrt 2 (1 + 4u)`` for a score
    gap, times ``_SAFE``."""
    lip = math.prod(rad._spectral_up(layer) for layer in net.layers)
    lip *= 1 + 1.01 * gamma(len(net.layers) + 2)
    if net.n_outputs > 1:
        lip *= math.sqrt(2.0) * (1 + 4 * U64)
    data = Dataset(X=X, y=classes[codes], classes=classes, codes=codes)
    vals, bound = certified_margins(net, data, "float")
    low = (vals - bound) * (1 - 4 * U64)
    for k in np.flatnonzero(~(low > 0)).tolist():
        sub = Dataset(X=X[k : k + 1], y=data.y[k : k + 1], classes=classes, codes=codes[k : k + 1])
        mg = margins_exact(net, sub)[0]
        low[k] = float(mg) * (1 - 4 * U64) if mg > 0 else 0.0
        if low[k] > 0 and Fraction(low[k]) > mg:
            low[k] = math.nextafter(low[k], 0.0)
    return np.maximum(low, 0.0) / lip * SAFE


def test_lipschitz_radii_are_their_allowance_formula() -> None:
    rng = np.random.default_rng(7)
    B = 2.0**53                                 # float64 loses the 1 in B x + 1: exact margins
    nets = [ReLUNetwork([(rng.normal(size=(4, 3)), rng.normal(size=4)), (rng.normal(size=(1, 4)), [0.1])]),
            ReLUNetwork([(rng.normal(size=(5, 3)), rng.normal(size=5)), (rng.normal(size=(3, 5)), [0.0, 0.2, -0.1])]),
            ReLUNetwork([([[B], [B]], [1.0, 0.0]), ([[1.0, -1.0]], [-0.5])])]
    for net in nets:
        X = rng.uniform(size=(30, net.n_inputs))
        out = net.forward_exact(X)
        if net.n_outputs == 1:
            codes = np.array([1 if Fraction(v) > 0 else 0 for v in np.ravel(out)])
        else:
            codes = np.array([max(range(len(o)), key=lambda j: (Fraction(o[j]), -j)) for o in out])
        classes = np.arange(max(2, net.n_outputs))
        want = _lipschitz_formula(net, X, codes, classes)
        assert (want > 0).sum() >= 20
        _pinned(rad.lipschitz_radii(net, X, codes, classes, "float"), want)
