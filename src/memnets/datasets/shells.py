"""Alternating shells: concentric spherical shells labelled 0, 1, 0, ... (Section 5).

The contract every synthetic family keeps and the float margin :math:`\\eta_n` are
described in :mod:`memnets.datasets._common`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from memnets._core.checks import RNGLike, check_scalar
from memnets._core.errors import OptionError
from memnets.datasets._common import (
    DescribeAlias,
    RadialPieces,
    TwoLabels,
    check_sample_args,
    fp_margin,
    frozen,
    uniform_directions,
)

__all__ = [
    "AlternatingShells",
    "alternating_shells",
    "ball_shell",
    "fibre_ratio",
    "min_features_ball_shell",
]


@dataclass(frozen=True, eq=False)
class AlternatingShells(TwoLabels, DescribeAlias):
    """Concentric spherical shells around ``center`` with labels 0, 1, 0, 1, ... (inside out).

    Shell k is :math:`\\{x: r^{in}_k \\le \\lVert x - \\text{center}\\rVert \\le r^{out}_k\\}`,
    the innermost one a ball (:math:`r^{in}_0 = 0`), consecutive shells separated by
    :math:`r^{in}_{k+1} - r^{out}_k = \\text{gap}`, so :math:`c_D = \\text{gap}` exactly
    (shells of equal label never need to be apart). This is the hard family of Section 5:
    any network constant along a direction v (W_1 v = 0) errs on a positive fraction of it.

    ``weights="volume"`` (default) picks a shell with probability proportional to its
    volume, i.e. samples uniformly on the support; ``"uniform"`` picks each shell with
    probability 1/K (useful in high dimension, where the outer shell holds nearly all the
    volume). The radius is drawn by inverse CDF of the density :math:`\\propto
    \\rho^{n-1}` on :math:`[r^{in}_k + \\eta_n, r^{out}_k - \\eta_n]`, the direction
    uniformly. ``n_cells`` is ``None`` (no useful cell count is known).
    """

    center: np.ndarray
    radii: tuple[tuple[float, float], ...]
    gap: float
    weights: str = "volume"

    def __post_init__(self) -> None:
        object.__setattr__(self, "center", frozen(np.asarray(self.center, dtype=np.float64)))
        object.__setattr__(self, "radii", tuple((float(a), float(b)) for a, b in self.radii))

    @property
    def n_features(self) -> int:
        """Input dimension n."""
        return int(self.center.shape[0])

    @property
    def n_shells(self) -> int:
        """Number of shells."""
        return len(self.radii)

    @property
    def shell_labels(self) -> np.ndarray:
        """Label of each shell, innermost first."""
        return frozen(np.arange(self.n_shells, dtype=np.int64) % 2)

    @property
    def separation(self) -> float:
        """c_D: the gap between consecutive shells."""
        return self.gap

    @property
    def n_cells(self) -> None:
        """None: shells are not a finite union of small cells."""
        return None

    def _log_volumes(self) -> list[float]:
        """:math:`\\log(r^{out\\,n}_k - r^{in\\,n}_k)` per shell (the unit-ball volume omitted)."""
        n = self.n_features
        return [n * math.log(b) + math.log1p(-((a / b) ** n)) for a, b in self.radii]

    def shell_probabilities(self) -> np.ndarray:
        """Probability of each shell under ``weights`` (volume: log-space, no underflow)."""
        if self.weights == "uniform":
            return np.full(self.n_shells, 1.0 / self.n_shells)
        logv = np.array(self._log_volumes())
        p = np.exp(logv - logv.max())
        return p / p.sum()

    def _log_densities(self) -> np.ndarray:
        """:math:`\\log q_k` per shell, scaled so the largest finite one is 0: the log of the
        constant density :math:`q_k = P(\\text{shell } k) / \\operatorname{vol}(S_k)`, with
        :math:`\\log q_k = \\log P(\\text{shell } k) - \\log(r^{out\\,n}_k - r^{in\\,n}_k)`
        (the unit-ball volume cancels); ``-inf`` for a shell of probability 0."""
        logq = np.array(
            [
                (math.log(p) if p > 0 else -math.inf) - logv
                for p, logv in zip(self.shell_probabilities(), self._log_volumes(), strict=True)
            ]
        )
        return logq - logq[np.isfinite(logq)].max()

    def line_label_masses(self, X: Any, v: Any) -> np.ndarray:
        """Label masses ``(L, 2)`` on the line ``x + t v`` through each row ``x`` of ``X``
        (the exact line measure of :class:`~memnets.datasets.LineMeasured`).

        Shell k has the constant density :math:`q_k = P(\\text{shell } k) /
        \\operatorname{vol}(S_k)`, so label c gets :math:`\\sum_{k: \\ell_k = c} q_k\\,
        |\\{t: x + t v \\in S_k\\}|`. With :math:`\\rho^2` the squared distance of the line to
        the centre, the line meets the ball of radius r in a segment of length
        :math:`2\\sqrt{(r^2 - \\rho^2)_+}`, and shell k in
        :math:`2\\sqrt{(r^{out\\,2}_k - \\rho^2)_+} - 2\\sqrt{(r^{in\\,2}_k - \\rho^2)_+}`;
        :math:`q_k` is computed in log space (scaled so the largest is 1), so no shell
        underflows in high dimension. ``v`` need not be a unit vector.

        >>> S = alternating_shells(n_features=2, n_shells=2, gap=0.1)  # (0, .2), (.3, .5)
        >>> m = S.line_label_masses([[0.5, 0.5], [0.5, 0.75]], [2.0, 0.0])
        >>> (m[:, 1] / m.sum(axis=1)).round(12).tolist()  # equal densities; chords .4 + .4, ring only
        [0.5, 1.0]
        """
        return self._pieces().line_masses(X, v)

    def fibre_label_masses(self, X: Any, rows: Any) -> np.ndarray:
        """Label masses ``(L, 2)`` on the fibre ``x + rows^perp`` (dimension m = n - r) through
        each row of ``X`` (:class:`~memnets.datasets.FibreMeasured`).

        The fibre meets the ball of radius r around the centre in an m-ball of radius
        :math:`\\sqrt{(r^2 - \\rho^2)_+}` (:math:`\\rho` the distance of the fibre to the
        centre), so shell k contributes :math:`q_k\\,\\big[(r^{out\\,2}_k - \\rho^2)_+^{m/2} -
        (r^{in\\,2}_k - \\rho^2)_+^{m/2}\\big]` (unit-ball volume omitted), all in log space.
        With m = 1 it is :meth:`line_label_masses` up to a factor per row.

        >>> S = alternating_shells(n_features=2, n_shells=2, gap=0.1)
        >>> X = [[0.5, 0.5], [0.5, 0.75]]
        >>> fib = S.fibre_label_masses(X, [[0.0, 1.0]])  # fibres: horizontal lines
        >>> line = S.line_label_masses(X, [1.0, 0.0])
        >>> bool(np.allclose(fib / fib.sum(1, keepdims=True), line / line.sum(1, keepdims=True)))
        True
        """
        return self._pieces().fibre_masses(X, rows)

    def _pieces(self) -> RadialPieces:
        """The shells as radial pieces around one centre, label ``k % 2``."""
        K = self.n_shells
        return RadialPieces(centers=np.tile(self.center, (K, 1)), r2_in=[a**2 for a, _ in self.radii],
                            r2_out=[b**2 for _, b in self.radii], log_q=self._log_densities(),
                            cols=[k % 2 for k in range(K)], n_classes=2)

    def sample(self, n: int, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw n points (see the class doc for the law)."""
        count, gen = check_sample_args(n, rng)
        d = self.n_features
        eta = fp_margin(d)
        k = gen.choice(self.n_shells, size=count, p=self.shell_probabilities())
        lo = np.array([a + eta if a > 0 else 0.0 for a, _ in self.radii])[k]
        hi = np.array([b - eta for _, b in self.radii])[k]
        # inverse CDF of rho^(d-1) on [lo, hi]: rho = hi * (t + U (1 - t))^(1/d), t = (lo/hi)^d
        t = (lo / hi) ** d
        rho = hi * (t + gen.random(count) * (1.0 - t)) ** (1.0 / d)
        np.clip(rho, lo, hi, out=rho)
        X = self.center + rho[:, None] * uniform_directions(gen, count, d)
        np.clip(X, 0.0, 1.0, out=X)  # a no-op: the outer radius is <= the distance to the boundary
        return X, (k % 2).astype(np.int64)

    def shell_index(self, X: Any) -> np.ndarray:
        """Index of the shell containing each row of X (tolerance eta_n), -1 in a gap/outside."""
        r = np.linalg.norm(np.asarray(X, dtype=np.float64) - self.center, axis=1)
        out = np.full(r.shape, -1, dtype=np.int64)
        eta = fp_margin(self.n_features)
        for k, (a, b) in enumerate(self.radii):
            out[(r >= a - eta) & (r <= b + eta)] = k
        return out

    def to_dict(self) -> dict[str, Any]:
        """The distribution's parameters as a plain dict (recorded in experiment JSON)."""
        return {
            "family": "alternating_shells",
            "n_features": self.n_features,
            "n_shells": self.n_shells,
            "gap": self.gap,
            "separation": self.separation,
            "n_cells": None,
            "classes": self.classes.tolist(),
            "center": self.center.tolist(),
            "radii": [list(ab) for ab in self.radii],
            "shell_labels": self.shell_labels.tolist(),
            "weights": self.weights,
        }


def alternating_shells(
    n_features: int = 2,
    n_shells: int = 4,
    gap: float | None = None,
    center: Any = None,
    *,
    outer_radius: float | None = None,
    weights: str = "volume",
) -> AlternatingShells:
    """Alternating-label concentric shells in [0,1]^n (Section 5's width counterexample).

    ``center`` defaults to the cube centre (0.5, ..., 0.5); ``outer_radius`` R defaults to
    the distance from the centre to the cube's boundary. With K shells of equal width w:

    .. math::

        K w + (K - 1)\\,\\text{gap} = R,\\qquad r^{in}_k = k (w + \\text{gap}),\\quad
        r^{out}_k = r^{in}_k + w,

    and ``gap`` defaults to w (i.e. R / (2K - 1)). Deterministic (no rng): the law is fixed
    by its parameters.

    >>> S = alternating_shells(n_features=2, n_shells=2, gap=0.1)
    >>> [(round(a, 12), round(b, 12)) for a, b in S.radii], S.shell_labels.tolist(), S.separation
    ([(0.0, 0.2), (0.3, 0.5)], [0, 1], 0.1)
    """
    n_features = check_scalar("n_features", n_features, int, ge=1)
    n_shells = check_scalar("n_shells", n_shells, int, ge=2)
    if weights not in ("volume", "uniform"):
        raise OptionError(f"weights must be 'volume' or 'uniform', got {weights!r}")
    c = np.full(n_features, 0.5) if center is None else np.asarray(center, dtype=np.float64)
    if c.shape != (n_features,) or not np.isfinite(c).all() or c.min() <= 0 or c.max() >= 1:
        raise OptionError(f"center must be a point of (0,1)^{n_features}, got {center!r}")
    room = float(min(c.min(), (1.0 - c).min()))
    R = room if outer_radius is None else check_scalar("outer_radius", outer_radius, float, gt=0)
    if room < R:
        raise OptionError(f"outer_radius={R} leaves the cube: at most {room} around this center")
    g = R / (2 * n_shells - 1) if gap is None else check_scalar("gap", gap, float, gt=0)
    w = (R - (n_shells - 1) * g) / n_shells
    if w <= 4.0 * fp_margin(n_features):
        raise OptionError(
            f"gap={g} too large for {n_shells} shells within radius {R}: "
            f"need gap < R/(K-1) = {R / (n_shells - 1):.6g}"
        )
    radii = []
    for k in range(n_shells):
        a = k * (w + g)
        radii.append((a, R if k == n_shells - 1 else a + w))
    return AlternatingShells(center=c, radii=tuple(radii), gap=g, weights=weights)


# --------------------------------------------------------------------------- Theorem 5.1
#: the paper's fibre condition: r3^(n-w) - r2^(n-w) >= FIBRE_RATIO * r1^(n-w) (Lemma D.8)
FIBRE_RATIO = 0.99


def fibre_ratio(n_features: int, width: int) -> float:
    """:math:`(r_3^{n-w} - r_2^{n-w}) / r_1^{n-w} = 3^{1-w/n} - 2^{1-w/n}` for the radii
    :math:`r_1 : r_2 : r_3 = 1 : 2^{1/n} : 3^{1/n}` of :func:`ball_shell` (scale-free): the
    shell mass over the ball mass on an :math:`(n-w)`-dimensional fibre through the centre.

    >>> round(fibre_ratio(2, 1), 6), fibre_ratio(10**6, 1) > 0.99
    (0.317837, True)
    """
    x = 1.0 - width / n_features
    return 3.0**x - 2.0**x


def min_features_ball_shell(width: int) -> int:
    """The smallest n with :func:`fibre_ratio` ``(n, width) >= 0.99`` (the paper's condition;
    its sufficient choice, Lemma D.8's :math:`3^{w/n} < 1.001`, asks n > 1099 w).

    >>> min_features_ball_shell(1), min_features_ball_shell(2)
    (191, 381)
    """
    width = check_scalar("width", width, int, ge=1)
    n = width + 1
    while fibre_ratio(n * 2, width) < FIBRE_RATIO:
        n *= 2
    lo, hi = n, 2 * n  # fibre_ratio increases with n: bisect for the first n that passes
    while lo < hi:
        mid = (lo + hi) // 2
        if fibre_ratio(mid, width) >= FIBRE_RATIO:
            hi = mid
        else:
            lo = mid + 1
    return lo


def ball_shell(n_features: int = 200, width: int = 1, *, check: bool = True) -> AlternatingShells:
    """Theorem 5.1's distribution (Appendix D): a ball of label 0 inside a thin shell of label 1.

    The paper: label +1 uniform on the ball :math:`B(q, r_1)`, label -1 uniform on the shell
    :math:`B(q, r_3) \\setminus B(q, r_2)`, with equal masses and a thin shell,

    .. math::

        r_3^n - r_2^n = r_1^n, \\qquad r_3^{n-w} - r_2^{n-w} \\ge 0.99\\, r_1^{n-w},

    and Lemma D.8's choice :math:`r_1 : r_2 : r_3 = 1 : 2^{1/n} : 3^{1/n}` (the first equation
    holds exactly; the second is :func:`fibre_ratio` ``>= 0.99``). Here ``q`` is the cube's
    centre and :math:`r_3 = 1/2` (the outer ball just fits in :math:`[0,1]^n`), so
    :math:`r_1 = 3^{-1/n}/2`, :math:`r_2 = (2/3)^{1/n}/2` and the separation is
    :math:`c_D = r_2 - r_1`. A network of first-layer width (rank) ``w < n`` is constant on
    ``(n - w)``-dimensional fibres, and on every fibre through the ball the shell carries
    about as much mass as the ball (Lemma D.2 and the fibre condition), so it errs on about
    half of the distribution: accuracy :math:`\\le 0.51`. Labels here are 0 (ball, the
    paper's +1) and 1 (shell, the paper's -1). Each label has probability 1/2 (sampled as an
    :class:`AlternatingShells` with two shells, ``weights="volume"``).

    ``check=True`` refuses ``(n, w)`` that break the fibre condition, naming the smallest
    ``n`` that meets it (:func:`min_features_ball_shell`).

    >>> D = ball_shell(200, 1)
    >>> [round(r, 6) for r in (D.radii[0][1], D.radii[1][0], D.radii[1][1])], round(D.separation, 8)
    ([0.497261, 0.498987, 0.5], 0.00172637)
    """
    n = check_scalar("n_features", n_features, int, ge=2)
    w = check_scalar("width", width, int, ge=1)
    if w >= n:
        raise OptionError(f"width must be below n_features (a bottleneck), got width={w} >= n={n}")
    ratio = fibre_ratio(n, w)
    if check and ratio < FIBRE_RATIO:
        raise OptionError(
            f"ball_shell(n={n}, w={w}) breaks the paper's fibre condition "
            f"(3^(1-w/n) - 2^(1-w/n) = {ratio:.4f} < {FIBRE_RATIO}); n >= "
            f"{min_features_ball_shell(w)} meets it for w={w} (or pass check=False)"
        )
    r3 = 0.5
    r1 = r3 * math.exp(-math.log(3.0) / n)
    r2 = r3 * math.exp(math.log(2.0 / 3.0) / n)
    return AlternatingShells(
        center=np.full(n, 0.5), radii=((0.0, r1), (r2, r3)), gap=r2 - r1, weights="volume"
    )
