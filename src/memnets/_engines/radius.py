r"""Certified robustness radii: per input, a radius within which the decision provably cannot change.

For a network with decision ``d(x)`` (sign of ``F``, ``F = 0`` -> ``classes[0]``, or argmax
with ties to the lowest index) and an input ``x``, a *certified radius* ``rho`` is a number
with

.. math:: d(x') = d(x) \quad \text{for every } x' \in \mathbb{R}^n,\ \lVert x' - x\rVert_2 \le \rho

(the closed Euclidean ball, over all of ``R^n``, not only the unit cube). ``0`` is always
sound; it is returned where the decision itself is a tie or the bound cannot settle it.
Every number is computed in float64 with a rigorous rounding bound (Higham's
``gamma_m``, :mod:`memnets._core.rounding`) and rounded *down*; the stored weights are
read as exact binary fractions, so the radius is one of the network as stored.

Three bounds, by network kind:

* ``"nearest-bisector"`` -- nearest-centre networks (``efficient``, ``robust``: first layer
  ``h_k(x) = w_k . x + b_k``, then an exact per-class max-tree of ``sigma(h_k)``, checked
  layer by layer against :func:`memnets._blocks.max_tree`). With ``k*`` the winning unit,

  .. math:: \rho = \min\Big(\min_{t:\ \mathrm{class}(t) \ne \mathrm{class}(k^*)}
            \frac{h_{k^*}(x) - h_t(x)}{\lVert w_{k^*} - w_t\rVert},\ \
            \frac{h_{k^*}(x)}{\lVert w_{k^*}\rVert}\Big)

  (each ``h`` is affine, so on the ball ``h_{k*}`` stays above every opposite ``h_t`` and
  above 0; then the winning class's max-tree beats every other). For ``w_k = 2 s_k`` this
  is the distance to the nearest bisector between the winning centre and an opposite
  one: exact when the winning centre's cell is what bounds the class region near ``x``,
  a lower bound otherwise (another same-class centre may extend the region).
* ``"pairwise-unit"`` -- the paper's Theorem 7.3 network (``pairwise``, binary). Its
  output ``100 F = sum_i s_i sigma(c^2 - sum_j sigma(A_ij(x)))`` with
  ``A_ij = 50 (d_i - d_j) + D_ij`` affine in ``x`` (gradient norm ``100 |x_i - x_j|``). A
  unit ``i`` active at ``x'`` makes ``x_i`` strictly nearer to ``x'`` than every opposite
  sample, so no opposite unit is active and ``F(x')`` has the sign of ``s_i``. The radius
  is the largest ``rho`` with ``sum_j sigma(A_ij(x) + 100 |x_i - x_j| rho) < c^2`` for the
  best of the eight nearest same-label units (solved on the piecewise-linear sum, then
  re-checked with its rounding bound). Inputs in the ``F = 0`` band get 0: the decision
  there is the tie rule, which no unit certifies.
* ``"lipschitz"`` -- any other ReLU network, a generic *lower bound*: the certified margin
  (``|F(x)|``, or the gap between the two top scores) divided by the product of upper
  bounds on the layers' spectral norms (``min(|W|_F, sqrt(|W|_1 |W|_inf))``), times
  ``sqrt 2`` for a score gap. Sound but usually far from tight (deep exact networks such as
  ``optimal``'s have huge norms: radii near 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from memnets._core.checks import Dataset
from memnets._core.network import ReLUNetwork
from memnets._core.rounding import U64, gamma
from memnets._engines.decide import certified_margins, margins_exact
from memnets._engines.maxtree import max_tree_groups
from memnets._engines.pair_units import pairwise_plan

__all__ = ["BOUNDS", "RobustRadii", "certified_radii", "lipschitz_radii", "nearest_centre_radii", "pairwise_radii"]

#: bound name -> what it is
BOUNDS: dict[str, str] = {
    "nearest-bisector": "exact-or-tight: distance to the nearest bisector between the winning centre and an opposite one",
    "pairwise-unit": "sound: largest ball on which one same-label unit of the Theorem 7.3 network stays active",
    "lipschitz": "generic lower bound: certified margin / product of layer spectral-norm upper bounds",
}
_BLOCK = 1 << 22  # entries of the per-block score matrices
_SAFE = 1.0 - 8 * U64  # final downward rounding of every radius
_NEAREST_UNITS = 8  # same-label pairwise units tried per input


@dataclass(frozen=True)
class RobustRadii:
    """Certified radii of a batch of inputs.

    Attributes
    ----------
    radii
        ndarray (M,), float64 ``>= 0``: the decision is constant on the closed ball
    codes
        ndarray (M,), the decided class indices (into ``classes``)
    bound
        one of :data:`BOUNDS`
    """

    radii: np.ndarray
    codes: np.ndarray
    bound: str

    @property
    def statement(self) -> str:
        """The bound used, in words (``"<bound>: <what it guarantees>"``)."""
        return f"{self.bound}: {BOUNDS[self.bound]}"


# --------------------------------------------------------------------------- nearest centre
def nearest_centre_radii(net: ReLUNetwork, group_sizes: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(radii, classes)`` of a nearest-centre network (see the module docstring).

    ``classes[m]`` is the class of the winning unit; where ``radii[m] == 0`` it is not
    certified (the caller's decision path is authoritative there).
    """
    first = net.layers[0]
    W = first.float_weight
    W = W.toarray() if hasattr(W, "toarray") else np.asarray(W, dtype=np.float64)
    b = np.asarray(first.float_bias, dtype=np.float64)
    n = W.shape[1]
    cls = np.repeat(np.arange(len(group_sizes)), np.asarray(group_sizes, dtype=np.int64))
    absW, absb = np.abs(W), np.abs(b)
    nw = np.einsum("ij,ij->i", W, W)
    g_h = 1.01 * gamma(n + 2)
    g_d = 1.01 * (2 * gamma(n) + 8 * U64)
    nw_up = nw * (1 + 1.01 * gamma(n + 1))
    radii = np.zeros(X.shape[0])
    win_cls = np.zeros(X.shape[0], dtype=np.int64)
    step = max(1, _BLOCK // max(1, W.shape[0]))
    for s in range(0, X.shape[0], step):
        xb = X[s : s + step]
        H = xb @ W.T + b
        E = g_h * (np.abs(xb) @ absW.T + absb) + 1e-300
        k = np.argmax(H, axis=1)
        rows = np.arange(xb.shape[0])
        hk, ek = H[rows, k], E[rows, k]
        a = cls[k]
        win_cls[s : s + step] = a
        num = (hk - ek)[:, None] - (H + E) - 4 * U64 * (np.abs(hk)[:, None] + ek[:, None] + np.abs(H) + E)
        G = W[k] @ W.T
        d2_up = np.maximum(nw[k][:, None] + nw[None, :] - 2.0 * G, 0.0) + g_d * (nw[k][:, None] + nw[None, :])
        den = np.sqrt(d2_up) * (1 + 4 * U64)
        opp = cls[None, :] != a[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            r_t = np.where(opp, num / den, np.inf)
        r_t = np.where(opp & ~(num > 0), -1.0, r_t)  # an opposite unit not certainly below: no radius
        r_opp = r_t.min(axis=1)
        h_low = hk - ek - 4 * U64 * np.abs(hk)
        wk = np.sqrt(nw_up[k]) * (1 + 4 * U64)
        with np.errstate(divide="ignore", invalid="ignore"):
            r_pos = np.where(wk > 0, h_low / wk, np.inf)
        r = np.minimum(r_opp, r_pos) * _SAFE
        ok = (h_low > 0) & (r_opp >= 0) & np.isfinite(r)
        radii[s : s + step] = np.where(ok, np.maximum(r, 0.0), 0.0)
    return radii, win_cls


# --------------------------------------------------------------------------- pairwise
def _unit_radius(a: np.ndarray, G: np.ndarray, T: float) -> float:
    """Largest ``rho >= 0`` with ``sum_j max(0, a_j + G_j rho) < T`` (solved on the
    piecewise-linear sum, then re-checked with its rounding bound and halved until the
    check passes); ``-1`` when even ``rho = 0`` is not certified."""
    g = 1.01 * gamma(a.size + 4)
    phi0 = np.maximum(a, 0.0).sum()
    if not phi0 * (1 + g) < T:
        return -1.0
    beta = -a / G
    on = a >= 0
    SA, SG = float(a[on].sum()), float(G[on].sum())
    later = np.flatnonzero(~on)
    later = later[np.argsort(beta[later], kind="stable")]
    rho = math.inf
    sa = SA + np.concatenate([[0.0], np.cumsum(a[later])])
    sg = SG + np.concatenate([[0.0], np.cumsum(G[later])])
    at = sa[:-1] + sg[:-1] * beta[later]  # phi where each later term switches on
    hit = np.flatnonzero(at >= T)
    m = int(hit[0]) if hit.size else later.size
    if sg[m] > 0:
        rho = (T - sa[m]) / sg[m]
    if not math.isfinite(rho):  # no opposite term can grow: cannot happen with an opposite sample
        return -1.0
    rho *= 1 - 1e-9
    absa = np.abs(a)
    for _ in range(60):
        # each term a_j + G_j rho is off by <= 2u (|a_j| + G_j rho) (cancellation), the sum by g
        phi = np.maximum(a + G * rho, 0.0).sum() * (1 + g) + 4 * U64 * float((absa + G * rho).sum())
        if phi < T:
            return float(rho)
        rho *= 0.5
    return 0.0


def pairwise_radii(net: ReLUNetwork, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(radii, codes)`` for the Theorem 7.3 network (see the module docstring): code 1 for
    ``F > 0`` (a positive unit certified active), 0 otherwise; radius 0 where no unit is
    certified (the ``F = 0`` band, or the rounding bound cannot decide)."""
    plan = pairwise_plan(net)
    Xs = plan.X
    n = Xs.shape[1]
    where = np.empty(Xs.shape[0], dtype=np.int64)
    where[plan.pos] = np.arange(plan.pos.size)
    where[plan.neg] = np.arange(plan.neg.size)
    T = float(plan.c2) * (1 - 4 * U64)
    D_up = plan.D * (1 + plan.D_rel)
    g_d = 1.01 * gamma(n + 2)
    radii = np.zeros(X.shape[0])
    codes = np.zeros(X.shape[0], dtype=np.int64)
    for m, x in enumerate(X):
        diff = Xs - x
        d = np.einsum("ij,ij->i", diff, diff)
        e_d = g_d * d + 1e-300
        best, best_side = -1.0, 0
        for side, own, opp in ((1, plan.pos, plan.neg), (-1, plan.neg, plan.pos)):
            cand = own[np.argsort(d[own], kind="stable")[:_NEAREST_UNITS]]
            for i in cand.tolist():
                Drow = D_up[where[i], :] if side == 1 else D_up[:, where[i]]
                Dtil = plan.D[where[i], :] if side == 1 else plan.D[:, where[i]]
                A = 50.0 * (d[i] - d[opp]) + Dtil
                e_A = 1.01 * (50.0 * (e_d[i] + e_d[opp]) + plan.D_rel * Dtil
                              + 4 * U64 * (50.0 * (d[i] + d[opp]) + Dtil))
                Gn = 100.0 * np.sqrt(Drow) * (1 + 4 * U64)
                r = _unit_radius(A + e_A, Gn, T)
                if r > best:
                    best, best_side = r, side
        if best >= 0:
            radii[m] = best * _SAFE
            codes[m] = 1 if best_side == 1 else 0
        else:
            codes[m] = -1
    return radii, codes


# --------------------------------------------------------------------------- generic
def _spectral_up(layer: object) -> float:
    """Upper bound on ``|W|_2``: ``min(|W|_F, sqrt(|W|_1 |W|_inf))`` with rounding (inf on overflow)."""
    w = layer.float_weight  # type: ignore[attr-defined]
    A = abs(w.tocsr()) if hasattr(w, "tocsr") else np.abs(np.asarray(w, dtype=np.float64))
    m = max(A.shape)
    g = 1.01 * gamma(m + 4) + 4 * U64  # entries rounded to float64 (exact ones), sums
    with np.errstate(over="ignore", invalid="ignore"):
        fro = math.sqrt(float(A.multiply(A).sum()) if hasattr(A, "multiply") else float((A * A).sum()))
        one = float(np.asarray(A.sum(axis=0)).max(initial=0.0))
        inf = float(np.asarray(A.sum(axis=1)).max(initial=0.0))
        est = min(fro, math.sqrt(one * inf))
    return est * (1 + g) if math.isfinite(est) else math.inf


def lipschitz_radii(net: ReLUNetwork, X: np.ndarray, codes: np.ndarray, classes: np.ndarray, engine: str) -> np.ndarray:
    """Generic lower bound (module docstring): certified margin at ``x`` / Lipschitz bound."""
    lip = 1.0
    for layer in net.layers:
        lip *= _spectral_up(layer)
    lip *= 1 + 1.01 * gamma(len(net.layers) + 2)
    if net.n_outputs > 1:
        lip *= math.sqrt(2.0) * (1 + 4 * U64)
    data = Dataset(X=X, y=classes[codes], classes=classes, codes=codes)
    vals, bound = certified_margins(net, data, engine)
    low = (vals - bound) * (1 - 4 * U64)
    unsure = np.flatnonzero(~(low > 0))
    if unsure.size:
        sub = Dataset(X=X[unsure], y=data.y[unsure], classes=classes, codes=codes[unsure])
        for k, mg in zip(unsure.tolist(), margins_exact(net, sub), strict=True):
            low[k] = float(mg) * (1 - 4 * U64) if mg > 0 else 0.0
            if low[k] > 0 and Fraction(low[k]) > mg:  # float() rounded up past the exact value
                low[k] = math.nextafter(low[k], 0.0)
    if not (math.isfinite(lip) and lip > 0):
        return np.zeros(X.shape[0])
    return np.maximum(low, 0.0) / lip * _SAFE


# --------------------------------------------------------------------------- dispatch
def certified_radii(
    net: ReLUNetwork,
    X: np.ndarray,
    codes: np.ndarray,
    classes: np.ndarray,
    *,
    engine: str,
) -> RobustRadii:
    """Certified radii of the inputs ``X`` whose decided codes are ``codes``.

    Picks the tightest applicable bound (module docstring): ``"nearest-bisector"`` when
    the layers after a float64 first layer are exactly per-class max-trees
    (:func:`memnets._engines.maxtree.max_tree_groups`, entry by entry), ``"pairwise-unit"`` for a registered/recognised Theorem 7.3 network, else
    ``"lipschitz"``. A specialised bound that does not certify the decided class of an
    input gives it radius 0.
    """
    groups = None if net.layers[0].is_exact else max_tree_groups(net)
    if groups is not None:
        radii, win = nearest_centre_radii(net, groups[0], X)
        return RobustRadii(np.where(win == codes, radii, 0.0), codes, "nearest-bisector")
    if engine == "pairwise" and net.n_outputs == 1:
        radii, got = pairwise_radii(net, X)
        return RobustRadii(np.where(got == codes, radii, 0.0), codes, "pairwise-unit")
    return RobustRadii(lipschitz_radii(net, X, codes, classes, engine), codes, "lipschitz")
