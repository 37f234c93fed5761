"""Seeded synthetic distributions on [0,1]^n x {0, 1, ...} with a known separation c_D.

Every family is an immutable object with

- ``sample(n, rng) -> (X, y)``: ``X`` float64 of shape (n, n_features) in [0,1]^n,
  ``y`` int64 labels in ``classes`` (labels are ``0, 1, ...`` in every family; the
  binary sign convention of the constructions maps ``classes[0] -> -1``, ``classes[1] -> +1``);
- ``separation``: the distribution's c_D, a *guaranteed* lower bound on the separation
  c(X, y) of every sample it draws (checked in exact arithmetic by the tests);
- ``n_cells``: a known number of cells of diameter < c_D / 2 covering the support, or ``None``;
- ``n_features``, ``classes`` and ``describe()`` (a JSON-ready dict of every parameter).

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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from memnets._core.checks import RNGLike, as_rng
from memnets._core.errors import OptionError

__all__ = [
    "AlternatingShells",
    "BallMixture",
    "CubeCorners",
    "TwoMoons",
    "alternating_shells",
    "ball_mixture",
    "cube_corners",
    "two_moons",
]

#: rounding-down of the moons' c_D (covers the trigonometry and the affine map to [0,1]^2)
_MOON_MARGIN = 1e-13

#: largest dimension of :func:`cube_corners` (the labelling table has 2^n entries)
MAX_CORNER_FEATURES = 24


def fp_margin(n_features: int) -> float:
    """The floating-point margin :math:`\\eta_n = 4 (n+4) \\sqrt{n}\\, 2^{-53}` (see module doc)."""
    return 4.0 * (n_features + 4) * math.sqrt(n_features) * 2.0**-53


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def _check_count(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or int(value) < minimum:
        raise OptionError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_positive(value: object, name: str) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise OptionError(f"{name} must be a positive number, got {value!r}") from exc
    if not math.isfinite(v) or v <= 0.0:
        raise OptionError(f"{name} must be a positive finite number, got {value!r}")
    return v


def _uniform_directions(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
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


def _check_sample_args(n: object, rng: RNGLike) -> tuple[int, np.random.Generator]:
    count = _check_count(n, "n", 0)
    gen, _ = as_rng(rng)
    return count, gen


# --------------------------------------------------------------------------- ball mixture


@dataclass(frozen=True, eq=False)
class BallMixture:
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
        object.__setattr__(self, "centers", _frozen(np.asarray(self.centers, dtype=np.float64)))
        object.__setattr__(self, "ball_labels", _frozen(np.asarray(self.ball_labels, dtype=np.int64)))
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
        return int(self.centers.shape[1])

    @property
    def n_balls(self) -> int:
        return int(self.centers.shape[0])

    @property
    def n_cells(self) -> int:
        return self.n_balls

    @property
    def classes(self) -> np.ndarray:
        return _frozen(np.unique(self.ball_labels))

    def sample(self, n: int, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw n points: a ball uniformly, then a point uniform in it (radius r - eta_n).

        Uniform in the d-ball: direction uniform on the sphere, radius r * U^(1/d).
        """
        count, gen = _check_sample_args(n, rng)
        d = self.n_features
        k = gen.integers(0, self.n_balls, size=count)
        u = _uniform_directions(gen, count, d)
        rho = (self.radius - fp_margin(d)) * gen.random(count) ** (1.0 / d)
        X = self.centers[k] + rho[:, None] * u
        np.clip(X, 0.0, 1.0, out=X)  # a no-op: centres sit in [r, 1-r]^n
        return X, self.ball_labels[k].copy()

    def ball_index(self, X: Any) -> np.ndarray:
        """Index of the ball containing each row of X (closed ball, tolerance eta_n), else -1.

        Balls of the same label may overlap; the nearest centre is reported then.
        """
        Xa = np.asarray(X, dtype=np.float64)
        if Xa.ndim != 2 or Xa.shape[1] != self.n_features:
            from memnets._core.errors import InputError

            raise InputError(f"X must have shape (N, {self.n_features}), got {Xa.shape}")
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

    def describe(self) -> dict[str, Any]:
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
    radius : default ``separation / 5``; must be < ``separation / 4`` so that each ball
        (diameter 2r) is a cell of diameter < c_D / 2.

    Returns a :class:`BallMixture` whose ``separation`` (the true c_D, >= the requested one)
    bounds the separation of every sample.

    >>> D = ball_mixture(n_features=2, n_balls=4, separation=0.2, rng=0)
    >>> D.n_cells, D.radius, D.separation >= 0.2
    (4, 0.04, True)
    """
    n_features = _check_count(n_features, "n_features", 1)
    n_balls = _check_count(n_balls, "n_balls", 2)
    n_classes = _check_count(n_classes, "n_classes", 2)
    sep = _check_positive(separation, "separation")
    if n_balls < n_classes:
        raise OptionError(f"n_balls={n_balls} < n_classes={n_classes}: every class needs a ball")
    r = sep / 5.0 if radius is None else _check_positive(radius, "radius")
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


# --------------------------------------------------------------------------- shells


@dataclass(frozen=True, eq=False)
class AlternatingShells:
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
        object.__setattr__(self, "center", _frozen(np.asarray(self.center, dtype=np.float64)))
        object.__setattr__(self, "radii", tuple((float(a), float(b)) for a, b in self.radii))

    @property
    def n_features(self) -> int:
        return int(self.center.shape[0])

    @property
    def n_shells(self) -> int:
        return len(self.radii)

    @property
    def shell_labels(self) -> np.ndarray:
        return _frozen(np.arange(self.n_shells, dtype=np.int64) % 2)

    @property
    def separation(self) -> float:
        return self.gap

    @property
    def n_cells(self) -> None:
        return None

    @property
    def classes(self) -> np.ndarray:
        return _frozen(np.arange(2, dtype=np.int64))

    def shell_probabilities(self) -> np.ndarray:
        """Probability of each shell under ``weights`` (volume: log-space, no underflow)."""
        if self.weights == "uniform":
            return np.full(self.n_shells, 1.0 / self.n_shells)
        n = self.n_features
        logv = np.array(
            [n * math.log(b) + math.log1p(-((a / b) ** n)) for a, b in self.radii]
        )
        p = np.exp(logv - logv.max())
        return p / p.sum()

    def sample(self, n: int, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw n points (see the class doc for the law)."""
        count, gen = _check_sample_args(n, rng)
        d = self.n_features
        eta = fp_margin(d)
        k = gen.choice(self.n_shells, size=count, p=self.shell_probabilities())
        lo = np.array([a + eta if a > 0 else 0.0 for a, _ in self.radii])[k]
        hi = np.array([b - eta for _, b in self.radii])[k]
        # inverse CDF of rho^(d-1) on [lo, hi]: rho = hi * (t + U (1 - t))^(1/d), t = (lo/hi)^d
        t = (lo / hi) ** d
        rho = hi * (t + gen.random(count) * (1.0 - t)) ** (1.0 / d)
        np.clip(rho, lo, hi, out=rho)
        X = self.center + rho[:, None] * _uniform_directions(gen, count, d)
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

    def describe(self) -> dict[str, Any]:
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
    n_features = _check_count(n_features, "n_features", 1)
    n_shells = _check_count(n_shells, "n_shells", 2)
    if weights not in ("volume", "uniform"):
        raise OptionError(f"weights must be 'volume' or 'uniform', got {weights!r}")
    c = np.full(n_features, 0.5) if center is None else np.asarray(center, dtype=np.float64)
    if c.shape != (n_features,) or not np.isfinite(c).all() or c.min() <= 0 or c.max() >= 1:
        raise OptionError(f"center must be a point of (0,1)^{n_features}, got {center!r}")
    room = float(min(c.min(), (1.0 - c).min()))
    R = room if outer_radius is None else _check_positive(outer_radius, "outer_radius")
    if room < R:
        raise OptionError(f"outer_radius={R} leaves the cube: at most {room} around this center")
    g = R / (2 * n_shells - 1) if gap is None else _check_positive(gap, "gap")
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


# --------------------------------------------------------------------------- cube corners


@dataclass(frozen=True, eq=False)
class CubeCorners:
    """Uniform distribution on the 2^n corners of [0,1]^n with a fixed random labelling.

    The exponential family of Section 6: distinct corners are at distance >= 1, so
    :math:`c_D = 1` and each corner is a cell (``n_cells = 2^n``); generalizing needs about
    :math:`2^n` samples and :math:`2^{n/2}` parameters.

    Corner index: the coordinates read as a binary number, **x[0] the most significant
    bit**: :math:`\\text{index}(x) = \\sum_j x_j 2^{n-1-j}`; ``labels[index]`` is its label.
    ``labels`` is a read-only int8 array of length 2^n (``sample`` returns int64 labels).
    """

    labels: np.ndarray
    seed: int | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", _frozen(np.asarray(self.labels, dtype=np.int8)))

    @property
    def n_features(self) -> int:
        return int(self.labels.shape[0]).bit_length() - 1

    @property
    def separation(self) -> float:
        return 1.0

    @property
    def n_cells(self) -> int:
        return int(self.labels.shape[0])

    @property
    def classes(self) -> np.ndarray:
        return _frozen(np.arange(2, dtype=np.int64))

    def corners(self, index: Any) -> np.ndarray:
        """The corners (float64 0/1 rows) with the given indices (x[0] most significant)."""
        idx = np.asarray(index, dtype=np.int64)
        shifts = np.arange(self.n_features - 1, -1, -1, dtype=np.int64)
        return ((idx[..., None] >> shifts) & 1).astype(np.float64)

    def corner_index(self, X: Any) -> np.ndarray:
        """Index of the corner nearest to each row of X (rounding each coordinate at 1/2)."""
        Xa = np.asarray(X, dtype=np.float64)
        if Xa.ndim != 2 or Xa.shape[1] != self.n_features:
            from memnets._core.errors import InputError

            raise InputError(f"X must have shape (N, {self.n_features}), got {Xa.shape}")
        weights = np.left_shift(1, np.arange(self.n_features - 1, -1, -1, dtype=np.int64))
        return (Xa >= 0.5).astype(np.int64) @ weights

    def cell_index(self, X: Any) -> np.ndarray:
        """The cell (= corner) of each row of X."""
        return self.corner_index(X)

    def sample(self, n: int, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw n corners uniformly (with replacement) and their fixed labels."""
        count, gen = _check_sample_args(n, rng)
        idx = gen.integers(0, self.n_cells, size=count)
        return self.corners(idx), self.labels[idx].astype(np.int64)

    def line_label_masses(self, X: Any, v: Any) -> np.ndarray:
        """Label masses ``(L, 2)`` of the corners on the line ``x + t v`` through each corner
        ``x`` of ``X`` (the line measure :func:`memnets.audit` needs).

        A second corner ``z`` lies on the line iff ``z - x = t v``; as ``z - x`` is in
        ``{-1, 0, 1}^n``, that needs ``|v_j|`` equal on ``J = supp(v)`` and ``x_J`` equal to
        ``(1 - sign v_J) / 2`` or ``(1 + sign v_J) / 2``; then ``z`` is ``x`` with the bits
        of ``J`` flipped, and no third corner fits. Every corner has mass ``2^-n``, counted
        here as 1 (the audit normalises per line). The magnitude test is done on the float
        ``v`` (exact when its entries are the rounded values of an exact direction whose
        unequal magnitudes differ by more than one ulp).

        >>> d = CubeCorners(labels=np.array([0, 1, 1, 0]), seed=None)  # n = 2, XOR labels
        >>> d.line_label_masses([[0.0, 0.0], [0.0, 1.0]], [0.6, 0.8]).tolist()
        [[1.0, 0.0], [0.0, 1.0]]
        >>> d.line_label_masses([[0.0, 0.0], [0.0, 1.0]], [-0.5**0.5, 0.5**0.5]).tolist()
        [[1.0, 0.0], [0.0, 2.0]]
        """
        idx = self.corner_index(X)
        vv = np.asarray(v, dtype=np.float64).ravel()
        n = self.n_features
        if vv.shape != (n,) or not np.isfinite(vv).all() or not vv.any():
            from memnets._core.errors import InputError

            raise InputError(f"v must be a finite non-zero vector of length {n}, got shape {vv.shape}")
        out = np.zeros((idx.size, 2))
        out[np.arange(idx.size), self.labels[idx]] += 1.0
        J = np.flatnonzero(vv != 0)
        mag = np.abs(vv[J])
        if (mag == mag[0]).all():
            s = vv[J] > 0
            bits = ((idx[:, None] >> (n - 1 - J)[None, :]) & 1).astype(bool)
            paired = (bits == s).all(axis=1) | (bits == ~s).all(axis=1)
            mask = int(np.sum(np.left_shift(1, n - 1 - J)))
            other = idx[paired] ^ mask
            out[np.flatnonzero(paired), self.labels[other]] += 1.0
        return out

    def describe(self) -> dict[str, Any]:
        return {
            "family": "cube_corners",
            "n_features": self.n_features,
            "separation": 1.0,
            "n_cells": self.n_cells,
            "classes": [0, 1],
            "n_positive_corners": int(self.labels.sum()),
            "bit_order": "x[0] is the most significant bit of the corner index",
            "seed": self.seed,
        }


def cube_corners(n_features: int = 8, rng: RNGLike = 0) -> CubeCorners:
    """Uniform on {0,1}^n with labels drawn i.i.d. fair bits from ``rng`` (fixed thereafter).

    A labelling that uses only one class (probability 2^(1-2^n)) is redrawn, so both
    classes always occur. ``n_features`` <= 24 (the label table has 2^n entries).

    >>> C = cube_corners(n_features=3, rng=0)
    >>> C.n_cells, C.separation, C.corner_index(C.corners([0, 5, 7])).tolist()
    (8, 1.0, [0, 5, 7])
    """
    n_features = _check_count(n_features, "n_features", 1)
    if n_features > MAX_CORNER_FEATURES:
        raise OptionError(f"n_features={n_features} > {MAX_CORNER_FEATURES} (2^n labels table)")
    gen, seed = as_rng(rng)
    while True:
        labels = gen.integers(0, 2, size=2**n_features, dtype=np.int8)
        if 0 < int(labels.sum()) < labels.size:
            return CubeCorners(labels=labels, seed=seed)


# --------------------------------------------------------------------------- two moons


def _point_arc_distance(p: np.ndarray, c: np.ndarray, R: float, t0: float, t1: float) -> float:
    """Distance from point p to the arc {c + R (cos t, sin t): t in [t0, t1]} (t1 - t0 <= 2 pi)."""
    v = p - c
    dist = math.hypot(v[0], v[1])
    if dist > 0.0:
        ang = math.atan2(v[1], v[0])
        # bring the angle into [t0, t0 + 2 pi)
        ang = t0 + (ang - t0) % (2.0 * math.pi)
        if ang <= t1:
            return abs(dist - R)
    ends = [c + R * np.array([math.cos(t), math.sin(t)]) for t in (t0, t1)]
    return min(float(np.linalg.norm(p - e)) for e in ends)


def arc_distance(
    arc_a: tuple[np.ndarray, float, float, float], arc_b: tuple[np.ndarray, float, float, float]
) -> float:
    """Exact (up to float rounding) minimum distance between two circular arcs.

    Each arc is ``(center, R, t0, t1)``. The minimum of |p - q| over p in A, q in B is
    attained either at a crossing of the arcs (distance 0), with an endpoint of one arc
    (then the other point is its nearest point on the other arc), or at two interior
    points where p - q is normal to both circles, i.e. on the line through both centres;
    all candidates are distances of real pairs, so their minimum is the answer. Assumes
    the two circles are not concentric.
    """
    (ca, Ra, a0, a1), (cb, Rb, b0, b1) = arc_a, arc_b
    cands = []
    for t in (a0, a1):
        cands.append(_point_arc_distance(ca + Ra * np.array([math.cos(t), math.sin(t)]), cb, Rb, b0, b1))
    for t in (b0, b1):
        cands.append(_point_arc_distance(cb + Rb * np.array([math.cos(t), math.sin(t)]), ca, Ra, a0, a1))
    axis = cb - ca
    norm = float(np.linalg.norm(axis))
    if norm > 0.0:
        u = axis / norm
        # crossing points of the two circles (distance 0 if one lies on both arcs)
        if abs(Ra - Rb) <= norm <= Ra + Rb:
            along = (norm**2 + Ra**2 - Rb**2) / (2.0 * norm)
            half = math.sqrt(max(Ra**2 - along**2, 0.0))
            perp = np.array([-u[1], u[0]])
            for sign in (1.0, -1.0):
                x = ca + along * u + sign * half * perp
                if (
                    _point_arc_distance(x, ca, Ra, a0, a1) <= 1e-12 * Ra
                    and _point_arc_distance(x, cb, Rb, b0, b1) <= 1e-12 * Rb
                ):
                    cands.append(0.0)
        for sa in (1.0, -1.0):
            p = ca + sa * Ra * u
            if _point_arc_distance(p, ca, Ra, a0, a1) > 1e-12 * Ra:
                continue
            for sb in (1.0, -1.0):
                q = cb + sb * Rb * u
                if _point_arc_distance(q, cb, Rb, b0, b1) <= 1e-12 * Rb:
                    cands.append(float(np.linalg.norm(p - q)))
    return min(cands)


@dataclass(frozen=True, eq=False)
class TwoMoons:
    """Two interleaving half circles (scikit-learn's ``make_moons`` geometry) in [0,1]^2.

    Raw coordinates: moon 0 is the upper half of the unit circle around (0, 0), moon 1 the
    lower half of the unit circle around (1, h) (scikit-learn: h = 0.5). Noise is
    *bounded*: a point uniform in the disc of radius ``noise`` around the arc point, so
    the support of each moon is its arc thickened by ``noise`` and

    .. math::

        c_D = s\\,(d(A_0, A_1) - 2\\,\\text{noise}),\\qquad s = 1 / (3 + 2\\,\\text{noise}),

    where :math:`d(A_0, A_1) = 1 - h` for :math:`0 \\le h < 1` is the arc distance
    (computed by :func:`arc_distance`, rounded down by 1e-13) and s the isotropic scale
    that fits the raw bounding box [-1-noise, 2+noise] x [h-1-noise, 1+noise] into [0,1]^2
    (vertically centred). ``n_cells`` is ``None``.
    """

    offset: float
    noise: float
    separation: float = field(init=False)

    def __post_init__(self) -> None:
        arc0 = (np.zeros(2), 1.0, 0.0, math.pi)
        arc1 = (np.array([1.0, self.offset]), 1.0, math.pi, 2.0 * math.pi)
        d = arc_distance(arc0, arc1)
        object.__setattr__(self, "separation", self.scale * (d - 2.0 * self.noise) - _MOON_MARGIN)

    @property
    def scale(self) -> float:
        return 1.0 / (3.0 + 2.0 * self.noise)

    @property
    def n_features(self) -> int:
        return 2

    @property
    def n_cells(self) -> None:
        return None

    @property
    def classes(self) -> np.ndarray:
        return _frozen(np.arange(2, dtype=np.int64))

    def _to_unit(self, P: np.ndarray) -> np.ndarray:
        s, nu, h = self.scale, self.noise, self.offset
        height = (2.0 - h + 2.0 * nu) * s
        X = np.empty_like(P)
        X[:, 0] = (P[:, 0] + 1.0 + nu) * s
        X[:, 1] = (P[:, 1] - (h - 1.0 - nu)) * s + (1.0 - height) / 2.0
        return X

    def sample(self, n: int, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw n points: moon uniformly, angle uniform on [0, pi], noise uniform in a disc."""
        count, gen = _check_sample_args(n, rng)
        y = gen.integers(0, 2, size=count).astype(np.int64)
        t = math.pi * gen.random(count)
        P = np.where(
            (y == 0)[:, None],
            np.stack([np.cos(t), np.sin(t)], axis=1),
            np.stack([1.0 - np.cos(t), self.offset - np.sin(t)], axis=1),
        )
        if self.noise > 0:
            rho = self.noise * np.sqrt(gen.random(count))
            P = P + rho[:, None] * _uniform_directions(gen, count, 2)
        X = self._to_unit(P)
        np.clip(X, 0.0, 1.0, out=X)  # a no-op: the bounding box is scaled into the square
        return X, y

    def describe(self) -> dict[str, Any]:
        return {
            "family": "two_moons",
            "n_features": 2,
            "offset": self.offset,
            "noise": self.noise,
            "scale": self.scale,
            "separation": self.separation,
            "n_cells": None,
            "classes": [0, 1],
        }


def two_moons(
    noise: float = 0.0, separation: float | None = None, *, offset: float | None = None
) -> TwoMoons:
    """Two interleaving moons in [0,1]^2 with bounded noise and an exactly known c_D.

    Give either ``separation`` (the target c_D in [0,1]^2 units; the vertical offset is
    then :math:`h = 1 - (3 + 2\\nu)\\,\\text{separation} - 2\\nu`) or ``offset`` h in [0, 1)
    (default 0.5, scikit-learn's). ``noise`` ν is the radius of the bounded noise disc in
    raw units (scikit-learn's scale, where the moons have radius 1).

    >>> M = two_moons()
    >>> round(M.separation, 12)  # (1 - 0.5) / 3
    0.166666666667
    """
    try:
        nu = float(noise)
    except (TypeError, ValueError) as exc:
        raise OptionError(f"noise must be a number >= 0, got {noise!r}") from exc
    if not math.isfinite(nu) or nu < 0:
        raise OptionError(f"noise must be a finite number >= 0, got {noise!r}")
    if separation is not None and offset is not None:
        raise OptionError("give separation or offset, not both")
    if separation is not None:
        sep = _check_positive(separation, "separation")
        h = 1.0 - (3.0 + 2.0 * nu) * sep - 2.0 * nu
        if h < 0.0:
            raise OptionError(
                f"separation={sep} with noise={nu} is too large: at most "
                f"{(1.0 - 2.0 * nu) / (3.0 + 2.0 * nu):.6g}"
            )
    else:
        h = 0.5 if offset is None else float(offset)
        if not (math.isfinite(h) and 0.0 <= h < 1.0):
            raise OptionError(f"offset must lie in [0, 1), got {offset!r}")
    moons = TwoMoons(offset=h, noise=nu)
    if moons.separation <= 0:
        raise OptionError(
            f"noise={nu} closes the gap between the moons (arc distance {1 - h:.6g} <= 2 noise)"
        )
    return moons
