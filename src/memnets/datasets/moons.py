"""Two moons: scikit-learn's interleaving half circles with bounded noise and an exact c_D.

The contract every synthetic family keeps and the float margin :math:`\\eta_n` are
described in :mod:`memnets.datasets._common`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from memnets._core.checks import RNGLike, check_scalar
from memnets._core.errors import OptionError
from memnets.datasets._common import (
    DescribeAlias,
    TwoLabels,
    check_sample_args,
    uniform_directions,
)

__all__ = [
    "TwoMoons",
    "arc_distance",
    "two_moons",
]

#: rounding-down of the moons' c_D (covers the trigonometry and the affine map to [0,1]^2)
_MOON_MARGIN = 1e-13


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

    Each arc is ``(center, R, t0, t1)``. The minimum of ``|p - q|`` over p in A, q in B is
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
class TwoMoons(TwoLabels, DescribeAlias):
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
        """Factor from scikit-learn's moon units (radius 1) to [0,1]^2."""
        return 1.0 / (3.0 + 2.0 * self.noise)

    @property
    def n_features(self) -> int:
        """Input dimension: 2."""
        return 2

    @property
    def n_cells(self) -> None:
        """None: the moons are not a finite union of cells."""
        return None

    def _to_unit(self, P: np.ndarray) -> np.ndarray:
        s, nu, h = self.scale, self.noise, self.offset
        height = (2.0 - h + 2.0 * nu) * s
        X = np.empty_like(P)
        X[:, 0] = (P[:, 0] + 1.0 + nu) * s
        X[:, 1] = (P[:, 1] - (h - 1.0 - nu)) * s + (1.0 - height) / 2.0
        return X

    def sample(self, n: int, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw n points: moon uniformly, angle uniform on [0, pi], noise uniform in a disc."""
        count, gen = check_sample_args(n, rng)
        y = gen.integers(0, 2, size=count).astype(np.int64)
        t = math.pi * gen.random(count)
        P = np.where(
            (y == 0)[:, None],
            np.stack([np.cos(t), np.sin(t)], axis=1),
            np.stack([1.0 - np.cos(t), self.offset - np.sin(t)], axis=1),
        )
        if self.noise > 0:
            rho = self.noise * np.sqrt(gen.random(count))
            P = P + rho[:, None] * uniform_directions(gen, count, 2)
        X = self._to_unit(P)
        np.clip(X, 0.0, 1.0, out=X)  # a no-op: the bounding box is scaled into the square
        return X, y

    def to_dict(self) -> dict[str, Any]:
        """The distribution's parameters as a plain dict (recorded in experiment JSON)."""
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
    nu = check_scalar("noise", noise, float, ge=0)
    if separation is not None and offset is not None:
        raise OptionError("give separation or offset, not both")
    if separation is not None:
        sep = check_scalar("separation", separation, float, gt=0)
        h = 1.0 - (3.0 + 2.0 * nu) * sep - 2.0 * nu
        if h < 0.0:
            raise OptionError(
                f"separation={sep} with noise={nu} is too large: at most "
                f"{(1.0 - 2.0 * nu) / (3.0 + 2.0 * nu):.6g}"
            )
    else:
        h = 0.5 if offset is None else check_scalar("offset", offset, float, ge=0, lt=1)
    moons = TwoMoons(offset=h, noise=nu)
    if moons.separation <= 0:
        raise OptionError(
            f"noise={nu} closes the gap between the moons (arc distance {1 - h:.6g} <= 2 noise)"
        )
    return moons
