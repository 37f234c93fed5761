"""What the synthetic families share: their contract, the float margin, argument checks
(numbers through :func:`memnets._core.checks.check_scalar`).

Seeded synthetic distributions on [0,1]^n x {0, 1, ...} with a known separation c_D, one
module per family (:mod:`~memnets.datasets.balls`, :mod:`~memnets.datasets.shells`,
:mod:`~memnets.datasets.corners`, :mod:`~memnets.datasets.moons`). Every family is an
immutable object with

- ``sample(n, rng) -> (X, y)``: ``X`` float64 of shape (n, n_features) in [0,1]^n,
  ``y`` int64 labels in ``classes`` (labels are ``0, 1, ...`` in every family; the
  binary sign convention of the constructions maps ``classes[0] -> -1``, ``classes[1] -> +1``);
- ``separation``: the distribution's c_D, a *guaranteed* lower bound on the separation
  c(X, y) of every sample it draws (checked in exact arithmetic by the tests);
- ``n_cells``: a known number of cells of diameter < c_D / 2 covering the support, or ``None``;
- ``n_features``, ``classes`` and ``to_dict()`` (a JSON-ready dict of every parameter;
  ``describe()`` is its deprecated earlier name).

Floating point: points are produced in float64, so each coordinate carries a rounding
error of a few units in the last place. Sampling stays inside the nominal sets by the
margin

.. math::

    \\eta_n = 4\\,(n + 4)\\,\\sqrt{n}\\;2^{-53}  \\qquad (\\approx 4\\cdot 10^{-15} \\text{ for } n = 2),

and separations that must themselves be computed in floating point (ball centres, moon
arcs) are rounded down by :math:`\\eta_n`; the guarantee ``separation(X, y) >= .separation``
then holds for the float64 samples exactly, not just up to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from memnets._core.checks import RNGLike, as_rng, check_scalar
from memnets._core.deprecated import warn_renamed
from memnets._core.errors import InputError
from memnets._core.rounding import U64

__all__ = [
    "DescribeAlias",
    "LineMeasured",
    "RadialPieces",
    "TwoLabels",
    "check_direction",
    "check_points",
    "check_sample_args",
    "fp_margin",
    "frozen",
    "line_distance2",
    "masses_by_label",
    "uniform_directions",
    "unit_direction",
]


class DescribeAlias:
    """``describe()``, the earlier name of every family's ``to_dict()``: deprecated, removed
    in the next release."""

    def describe(self) -> dict[str, Any]:
        name = type(self).__name__
        warn_renamed(f"{name}.describe()", f"{name}.to_dict()")
        out: dict[str, Any] = self.to_dict()  # type: ignore[attr-defined]
        return out


class TwoLabels:
    """The ``classes`` of a family labelled 0 and 1 (shells, moons, corners)."""

    @property
    def classes(self) -> np.ndarray:
        """The labels, ``0, 1``."""
        return frozen(np.arange(2, dtype=np.int64))


@runtime_checkable
class LineMeasured(Protocol):
    """A distribution whose exact label masses along lines are known: what the width audit
    (:func:`memnets.audit`) needs to certify a lower bound on a network's error.

    ``line_label_masses(X, v)`` returns, for the line :math:`\\{x + t v: t \\in \\mathbb R\\}`
    through each row x of ``X`` (shape (L, n)), an ``(L, C)`` float64 array of non-negative
    masses proportional to the label probabilities :math:`\\pi_c` of the distribution
    conditioned on that line, columns in ``classes`` order (each row may carry its own
    positive factor: the audit normalises per line). ``v`` is any finite non-zero vector of
    length n; a bad ``X`` or ``v`` raises :class:`~memnets.InputError`.

    :class:`~memnets.datasets.BallMixture`, :class:`~memnets.datasets.AlternatingShells` and
    :class:`~memnets.datasets.CubeCorners` implement it; a family without exact line
    measures (:class:`~memnets.datasets.TwoMoons`) does not, and the audit then reports no
    bound. Checked with ``isinstance(dist, LineMeasured)`` (the method's presence only).
    """

    def line_label_masses(self, X: Any, v: Any) -> np.ndarray:
        """Label masses on the lines ``x + t v`` through the rows ``x`` of ``X``: an ``(L, C)`` array."""


@runtime_checkable
class FibreMeasured(Protocol):
    """A distribution whose exact label masses on affine subspaces are known: the fibres
    :math:`x + \\ker W_1` on which a network with a rank-r first layer is constant (the
    argument of the paper's Theorem 5.1, Lemma D.2).

    ``fibre_label_masses(X, rows)`` takes ``rows``, an orthonormal basis (shape (r, n)) of
    the row space of :math:`W_1`, and returns for the fibre :math:`x + \text{rows}^\\perp`
    (dimension n - r) through each row x of ``X`` an ``(L, C)`` float64 array of
    non-negative masses proportional to the label probabilities on that fibre (per-row
    factors allowed, as for :class:`LineMeasured`). With r = n - 1 the fibres are lines.
    :class:`~memnets.datasets.AlternatingShells` (and so :func:`~memnets.datasets.ball_shell`)
    and :class:`~memnets.datasets.BallMixture` implement it.
    """

    def fibre_label_masses(self, X: Any, rows: Any) -> np.ndarray:
        """Label masses on the fibres through the rows of ``X`` orthogonal to ``rows``: an ``(L, C)`` array."""


def check_row_basis(rows: Any, n_features: int) -> np.ndarray:
    """An orthonormal (r, n) float64 basis with 1 <= r < n (rows orthonormal to 1e-9)."""
    Q = np.asarray(rows, dtype=np.float64)
    if Q.ndim != 2 or Q.shape[1] != n_features or not 1 <= Q.shape[0] < n_features:
        raise InputError(f"rows must be an (r, {n_features}) basis with 1 <= r < {n_features}, got shape {Q.shape}")
    if not np.isfinite(Q).all() or np.abs(Q @ Q.T - np.eye(Q.shape[0])).max() > 1e-9:
        raise InputError("rows must be orthonormal (an orthonormal basis of the row space of W_1)")
    return Q


def fibre_distance2(X: np.ndarray, center: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Squared distance from ``center`` to the affine subspace ``x + rows^perp`` through each
    row of X: :math:`\\lVert Q (x - c)\\rVert^2` for the orthonormal rows Q."""
    proj = (X - center) @ rows.T
    return np.einsum("ij,ij->i", proj, proj)


def log_ball_section(r2: float, rho2: np.ndarray, m: int) -> np.ndarray:
    """:math:`\\log\\big((r^2 - \\rho^2)^{m/2}\\big)`: the log m-volume (unit ball omitted) of the
    section of a ball of squared radius ``r2`` by an m-dimensional affine subspace at squared
    distance ``rho2`` from its centre; ``-inf`` where the subspace misses the ball."""
    gap = np.asarray(r2, dtype=np.float64) - rho2
    out = np.full(np.shape(gap), -np.inf)
    pos = gap > 0
    out[pos] = 0.5 * m * np.log(gap[pos])
    return out


def masses_by_label(logs: np.ndarray, cols: Any, n_classes: int) -> np.ndarray:
    """Label masses ``(L, n_classes)`` from the log masses ``logs`` ``(L, K)`` of K components:
    each row scaled so its largest component is 1 (a row of ``-inf`` stays 0), component k
    added into column ``cols[k]``.

    >>> masses_by_label(np.log([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]]), [0, 1, 0], 2).tolist()
    [[1.25, 0.5], [2.0, 1.0]]
    >>> masses_by_label(np.full((1, 3), -np.inf), [0, 1, 0], 2).tolist()
    [[0.0, 0.0]]
    """
    top = logs.max(axis=1, keepdims=True)
    w = np.exp(logs - np.where(np.isfinite(top), top, 0.0))
    out = np.zeros((logs.shape[0], n_classes))
    for k, c in enumerate(cols):
        out[:, c] += w[:, k]
    return out


def fp_margin(n_features: int) -> float:
    """The floating-point margin :math:`\\eta_n = 4 (n+4) \\sqrt{n}\\, 2^{-53}` (see module doc)."""
    return 4.0 * (n_features + 4) * math.sqrt(n_features) * U64


def frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def uniform_directions(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    """n unit vectors uniform on the sphere S^{d-1} (normalised Gaussians)."""
    g = rng.standard_normal((n, d))
    norms = np.linalg.norm(g, axis=1)
    while True:  # a zero Gaussian vector has probability 0; redraw it anyway
        bad = np.flatnonzero(norms == 0.0)
        if bad.size == 0:
            break
        g[bad] = rng.standard_normal((bad.size, d))
        norms[bad] = np.linalg.norm(g[bad], axis=1)
    return g / norms[:, None]


def check_sample_args(n: object, rng: RNGLike) -> tuple[int, np.random.Generator]:
    count = check_scalar("n", n, int, ge=0)
    gen, _ = as_rng(rng)
    return count, gen


def check_points(X: Any, n_features: int) -> np.ndarray:
    """X as a float64 array of shape (N, n_features), else :class:`~memnets.InputError`."""
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim != 2 or Xa.shape[1] != n_features:
        raise InputError(f"X must have shape (N, {n_features}), got {Xa.shape}")
    return Xa


def check_direction(v: Any, n_features: int) -> np.ndarray:
    """A line direction as a float64 vector of length n_features: finite and non-zero."""
    vv = np.asarray(v, dtype=np.float64).ravel()
    if vv.shape != (n_features,) or not np.isfinite(vv).all() or not vv.any():
        raise InputError(
            f"v must be a finite non-zero vector of length {n_features}, got shape {vv.shape}"
        )
    return vv


def unit_direction(v: Any, n_features: int) -> np.ndarray:
    """:func:`check_direction`, scaled to unit length unless it already is one up to rounding.

    A vector already normalised in float64 (:math:`|v \\cdot v - 1| \\le 4 (n + 4)\\,
    2^{-53}`) is returned unchanged: dividing it by its computed norm again would only move
    it by rounding, and callers that pass unit vectors get bit-for-bit the same results.
    """
    vv = check_direction(v, n_features)
    nrm2 = float(vv @ vv)
    if abs(nrm2 - 1.0) > 4.0 * (n_features + 4) * U64:
        vv = vv / math.sqrt(nrm2)
    return vv


def line_distance2(X: np.ndarray, center: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Squared distance from ``center`` to the line through each row of X along the unit v:
    :math:`\\lVert x - c\\rVert^2 - \\langle x - c, v\\rangle^2`, clipped at 0."""
    u = X - center
    a = u @ v
    return np.maximum(np.einsum("ij,ij->i", u, u) - a * a, 0.0)


@dataclass(frozen=True)
class RadialPieces:
    r"""A support made of K radial pieces :math:`\{x: r^{in}_k \le \lVert x - c_k\rVert \le
    r^{out}_k\}` (a ball when :math:`r^{in}_k = 0`), piece k of constant density :math:`q_k`
    and label column ``cols[k]``: the exact line and fibre label masses of
    :class:`~memnets.datasets.BallMixture` (K balls, equal densities) and
    :class:`~memnets.datasets.AlternatingShells` (K shells around one centre).

    A line at squared distance :math:`\rho^2` from :math:`c_k` cuts piece k in
    :math:`2\sqrt{(r^{out\,2}_k - \rho^2)_+} - 2\sqrt{(r^{in\,2}_k - \rho^2)_+}`; an
    m-dimensional fibre in an m-volume :math:`\propto (r^{out\,2}_k - \rho^2)_+^{m/2} -
    (r^{in\,2}_k - \rho^2)_+^{m/2}`, computed in log space.

    >>> P = RadialPieces(centers=np.array([[0.5, 0.5], [0.5, 0.5]]), r2_in=[0.0, 0.09],
    ...                  r2_out=[0.04, 0.25], log_q=np.zeros(2), cols=[0, 1], n_classes=2)
    >>> P.line_masses([[0.5, 0.5]], [1.0, 0.0]).round(12).tolist()  # chords .4 and .8 - .6
    [[0.4, 0.4]]
    """

    centers: np.ndarray  # (K, n)
    r2_in: Sequence[float]  # squared inner radii (0 for a ball)
    r2_out: Sequence[float]  # squared outer radii
    log_q: np.ndarray  # (K,) log densities, the largest finite one 0 (-inf: a piece of mass 0)
    cols: Sequence[int]  # the label column of each piece
    n_classes: int

    def line_masses(self, X: Any, v: Any) -> np.ndarray:
        """``(L, C)`` label masses on the line ``x + t v`` through each row of ``X``."""
        n = self.centers.shape[1]
        Xa = check_points(X, n)
        vv = unit_direction(v, n)
        q = np.exp(self.log_q)
        out = np.zeros((Xa.shape[0], self.n_classes))
        for k, centre in enumerate(self.centers):
            rho2 = line_distance2(Xa, centre, vv)
            length = 2.0 * (
                np.sqrt(np.maximum(self.r2_out[k] - rho2, 0.0)) - np.sqrt(np.maximum(self.r2_in[k] - rho2, 0.0))
            )
            out[:, self.cols[k]] += q[k] * length
        return out

    def fibre_masses(self, X: Any, rows: Any) -> np.ndarray:
        """``(L, C)`` label masses on the fibre ``x + rows^perp`` through each row of ``X``,
        each row scaled so its largest piece is 1 (:func:`masses_by_label`)."""
        n = self.centers.shape[1]
        Xa = check_points(X, n)
        Q = check_row_basis(rows, n)
        m = n - Q.shape[0]
        logs = np.full((Xa.shape[0], len(self.centers)), -np.inf)
        for k, centre in enumerate(self.centers):
            rho2 = fibre_distance2(Xa, centre, Q)
            outer = log_ball_section(self.r2_out[k], rho2, m)
            inner = log_ball_section(self.r2_in[k], rho2, m)
            hit = np.isfinite(outer)
            # log(A - B) = log A + log1p(-B / A), B <= A
            ratio = np.exp(np.where(hit, inner - np.where(hit, outer, 0.0), -np.inf))
            logs[hit, k] = self.log_q[k] + outer[hit] + np.log1p(-np.minimum(ratio[hit], 1.0))
        return masses_by_label(logs, self.cols, self.n_classes)
