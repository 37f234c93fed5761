"""The ball mixture: K labelled balls of radius r in [0,1]^n, a cell per ball.

The contract every synthetic family keeps (``sample``, ``separation`` = c_D, ...) and the
float margin :math:`\\eta_n` are described in :mod:`memnets.datasets._common`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from memnets._core.checks import RNGLike, as_rng, check_scalar
from memnets._core.errors import OptionError
from memnets.datasets._common import (
    DescribeAlias,
    RadialPieces,
    check_points,
    check_sample_args,
    fp_margin,
    frozen,
    uniform_directions,
)

__all__ = [
    "BallMixture",
    "ball_mixture",
]


@dataclass(frozen=True, eq=False)
class BallMixture(DescribeAlias):
    """Uniform mixture of K labelled balls of radius r in [0,1]^n.

    .. math::

        x \\sim \\mathrm{Unif}(B(c_k, r)),\\quad k \\sim \\mathrm{Unif}\\{0..K-1\\},
        \\quad y = \\ell_k

    Balls with different labels are at surface-to-surface distance
    :math:`\\lVert c_i - c_j\\rVert - 2r \\ge` the requested separation, so

    .. math::

        c_D = \\min_{\\ell_i \\ne \\ell_j} \\lVert c_i - c_j \\rVert - 2r
        \\quad(\\text{rounded down by } \\eta_n),

    and since :math:`r <` separation/4, every ball has diameter :math:`2r < c_D/2`:
    the K balls are cells in the sense of Theorem 7.3, ``n_cells = K``.
    Build with :func:`ball_mixture`.
    """

    centers: np.ndarray
    radius: float
    ball_labels: np.ndarray
    requested_separation: float
    seed: int | None
    separation: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "centers", frozen(np.asarray(self.centers, dtype=np.float64)))
        object.__setattr__(self, "ball_labels", frozen(np.asarray(self.ball_labels, dtype=np.int64)))
        c, lab = self.centers, self.ball_labels
        best = math.inf
        for k in range(len(c)):
            other = lab != lab[k]
            if other.any():
                best = min(best, float(np.linalg.norm(c[other] - c[k], axis=1).min()))
        object.__setattr__(
            self, "separation", best - 2.0 * self.radius - fp_margin(self.n_features)
        )

    @property
    def n_features(self) -> int:
        """Input dimension n."""
        return int(self.centers.shape[1])

    @property
    def n_balls(self) -> int:
        """Number of balls K."""
        return int(self.centers.shape[0])

    @property
    def n_cells(self) -> int:
        """Number of cells of the support: the K balls."""
        return self.n_balls

    @property
    def classes(self) -> np.ndarray:
        """The labels, ``0, 1, ...``."""
        return frozen(np.unique(self.ball_labels))

    def sample(self, n: int, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw n points: a ball uniformly, then a point uniform in it (radius r - eta_n).

        Uniform in the d-ball: direction uniform on the sphere, radius r * U^(1/d).
        """
        count, gen = check_sample_args(n, rng)
        d = self.n_features
        k = gen.integers(0, self.n_balls, size=count)
        u = uniform_directions(gen, count, d)
        rho = (self.radius - fp_margin(d)) * gen.random(count) ** (1.0 / d)
        X = self.centers[k] + rho[:, None] * u
        np.clip(X, 0.0, 1.0, out=X)  # a no-op: centres sit in [r, 1-r]^n
        return X, self.ball_labels[k].copy()

    def ball_index(self, X: Any) -> np.ndarray:
        """Index of the ball containing each row of X (closed ball, tolerance eta_n), else -1.

        Balls of the same label may overlap; the nearest centre is reported then.
        """
        Xa = check_points(X, self.n_features)
        d2 = (
            np.einsum("ij,ij->i", Xa, Xa)[:, None]
            - 2.0 * Xa @ self.centers.T
            + np.einsum("ij,ij->i", self.centers, self.centers)[None, :]
        )
        k = np.argmin(d2, axis=1)
        dist = np.linalg.norm(Xa - self.centers[k], axis=1)
        return np.where(dist <= self.radius + fp_margin(self.n_features), k, -1).astype(np.int64)

    def cell_index(self, X: Any) -> np.ndarray:
        """The cell (= ball) of each row of X, -1 outside the support."""
        return self.ball_index(X)

    def line_label_masses(self, X: Any, v: Any) -> np.ndarray:
        """Label masses ``(L, C)`` on the line ``x + t v`` through each row ``x`` of ``X``
        (the exact line measure of :class:`~memnets.datasets.LineMeasured`).

        The balls have equal mass and equal radius, hence equal density: label c gets the
        total length :math:`\\sum_{k: \\ell_k = c} 2\\sqrt{(r^2 - \\rho_k^2)_+}` of the chords
        the line cuts from its balls, :math:`\\rho_k` being the distance of the line to
        centre k (overlapping balls of one label count twice, as the mixture does).
        ``v`` need not be a unit vector.

        >>> D = BallMixture(centers=[[0.3, 0.5], [0.7, 0.5]], radius=0.1, ball_labels=[0, 1],
        ...                 requested_separation=0.2, seed=None)
        >>> D.line_label_masses([[0.5, 0.5], [0.3, 0.45]], [1.0, 0.0]).round(12).tolist()
        [[0.2, 0.2], [0.173205080757, 0.173205080757]]
        """
        return self._pieces().line_masses(X, v)

    def fibre_label_masses(self, X: Any, rows: Any) -> np.ndarray:
        """Label masses ``(L, C)`` on the fibre ``x + rows^perp`` (dimension m = n - r) through
        each row of ``X`` (:class:`~memnets.datasets.FibreMeasured`): equal densities, so
        label c gets :math:`\\sum_{k: \\ell_k = c} (r^2 - \\rho_k^2)_+^{m/2}` (m-volumes of the
        sections, unit ball omitted, normalised per row in log space).

        >>> D = BallMixture(centers=[[0.3, 0.5], [0.7, 0.5]], radius=0.1, ball_labels=[0, 1],
        ...                 requested_separation=0.2, seed=None)
        >>> D.fibre_label_masses([[0.5, 0.5]], [[0.0, 1.0]]).round(12).tolist()
        [[1.0, 1.0]]
        """
        return self._pieces().fibre_masses(X, rows)

    def _pieces(self) -> RadialPieces:
        """The balls as radial pieces of equal density, each in its label's column."""
        K, r = self.n_balls, float(self.radius)
        return RadialPieces(centers=self.centers, r2_in=[0.0] * K, r2_out=[r * r] * K, log_q=np.zeros(K),
                            cols=np.searchsorted(self.classes, self.ball_labels).tolist(),
                            n_classes=len(self.classes))

    def to_dict(self) -> dict[str, Any]:
        """The distribution's parameters as a plain dict (recorded in experiment JSON)."""
        return {
            "family": "ball_mixture",
            "n_features": self.n_features,
            "n_balls": self.n_balls,
            "n_classes": len(self.classes),
            "radius": self.radius,
            "requested_separation": self.requested_separation,
            "separation": self.separation,
            "n_cells": self.n_cells,
            "classes": self.classes.tolist(),
            "centers": self.centers.tolist(),
            "ball_labels": self.ball_labels.tolist(),
            "seed": self.seed,
        }


def ball_mixture(
    n_features: int = 2,
    n_balls: int = 8,
    separation: float = 0.1,
    radius: float | None = None,
    n_classes: int = 2,
    rng: RNGLike = 0,
    *,
    max_tries: int = 2000,
) -> BallMixture:
    """K labelled balls in [0,1]^n whose differently labelled balls are >= ``separation`` apart.

    Labels: ``np.arange(n_balls) % n_classes`` shuffled by ``rng`` (every class used, as
    balanced as K allows). Centres: drawn one ball at a time uniformly in
    :math:`[r, 1-r]^n` and accepted when :math:`\\lVert c - c_j\\rVert \\ge
    \\text{separation} + 2r + 2\\eta_n` for every placed ball j of another label
    (``max_tries`` candidates per ball, 20 restarts, then :class:`~memnets.OptionError`).

    Parameters
    ----------
    radius
        default ``separation / 5``; must be < ``separation / 4`` so that each ball
        (diameter 2r) is a cell of diameter < c_D / 2.

    Returns a :class:`BallMixture` whose ``separation`` (the true c_D, >= the requested one)
    bounds the separation of every sample.

    >>> D = ball_mixture(n_features=2, n_balls=4, separation=0.2, rng=0)
    >>> D.n_cells, D.radius, D.separation >= 0.2
    (4, 0.04, True)
    """
    n_features = check_scalar("n_features", n_features, int, ge=1)
    n_balls = check_scalar("n_balls", n_balls, int, ge=2)
    n_classes = check_scalar("n_classes", n_classes, int, ge=2)
    sep = check_scalar("separation", separation, float, gt=0)
    if n_balls < n_classes:
        raise OptionError(f"n_balls={n_balls} < n_classes={n_classes}: every class needs a ball")
    r = sep / 5.0 if radius is None else check_scalar("radius", radius, float, gt=0)
    if not r < sep / 4.0:
        raise OptionError(
            f"radius={r} must be < separation/4 = {sep / 4.0} so that each ball has diameter < c_D/2"
        )
    if r <= 4.0 * fp_margin(n_features) or r >= 0.5:
        raise OptionError(f"radius={r} must lie in ({4.0 * fp_margin(n_features):.3g}, 0.5)")
    gen, seed = as_rng(rng)
    need = sep + 2.0 * r + 2.0 * fp_margin(n_features)
    span = 1.0 - 2.0 * r
    if need > math.sqrt(n_features) * span:
        raise OptionError(
            f"cannot place balls of radius {r} in [0,1]^{n_features} with separation {sep}: "
            f"centres fit in a box of diagonal {math.sqrt(n_features) * span:.4g} < {need:.4g}"
        )
    labels = gen.permutation(np.arange(n_balls) % n_classes)
    for _restart in range(20):
        centers = np.empty((n_balls, n_features))
        placed = 0
        for k in range(n_balls):
            opp = np.flatnonzero(labels[:placed] != labels[k])
            # keep the (batch, |opp|, n) difference tensor below ~4M entries
            batch = max(1, min(256, 2**22 // (max(1, opp.size) * n_features)))
            ok = False
            for _ in range(0, max_tries, batch):
                cand = r + span * gen.random((batch, n_features))
                if opp.size:
                    d = np.linalg.norm(cand[:, None, :] - centers[opp][None, :, :], axis=2)
                    good = np.flatnonzero((d >= need).all(axis=1))
                else:
                    good = np.arange(1)
                if good.size:
                    centers[k] = cand[good[0]]
                    ok = True
                    break
            if not ok:
                break
            placed += 1
        if placed == n_balls:
            return BallMixture(
                centers=centers, radius=r, ball_labels=labels, requested_separation=sep, seed=seed
            )
    raise OptionError(
        f"could not place {n_balls} balls of radius {r} with {n_classes} classes in "
        f"[0,1]^{n_features} at separation {sep} (20 restarts x {max_tries} candidates per ball); "
        "use fewer balls, a smaller separation or more features"
    )
