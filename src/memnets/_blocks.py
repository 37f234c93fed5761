"""Shared ReLU building blocks: every construction assembles its layers from these.

Conventions: a *block* is a list of :class:`~memnets.AffineLayer` with ReLU understood
between consecutive layers (as in :class:`~memnets.ReLUNetwork`). Exact constructions build
layers from ``{column: value}`` rows with int/Fraction values; float constructions use
NumPy/SciPy arrays. Sections below are owned by the constructions that introduced them;
add new blocks here rather than copying them into a construction module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ._network import AffineLayer, SparseWeight

__all__ = [
    "compose_affine",
    "exact_layer",
    "identity_rows",
    "staircase",
    "staircase_index",
    "step_rows",
]

Exact = int | Fraction


# --------------------------------------------------------------------------- generic
def exact_layer(rows: Sequence[Mapping[int, Exact]], bias: Sequence[Exact], n_in: int) -> AffineLayer:
    """An exact sparse affine layer from one ``{input index: weight}`` mapping per output."""
    if len(rows) != len(bias):
        raise ValueError(f"{len(rows)} rows but {len(bias)} biases")
    b = np.empty(len(bias), dtype=object)
    b[:] = list(bias)
    return AffineLayer(SparseWeight.from_rows(rows, n_in), b)


def identity_rows(indices: Sequence[int]) -> list[dict[int, Exact]]:
    """Rows copying the given (non-negative) units unchanged through the next ReLU."""
    return [{j: 1} for j in indices]


def compose_affine(first: AffineLayer, second: AffineLayer) -> AffineLayer:
    """``second(first(x))`` as one affine layer (valid only with no ReLU in between).

    Exact layers compose exactly (object arithmetic); float layers in float64.
    """
    w1, w2 = first.dense_weight(), second.dense_weight()
    if w2.shape[1] != w1.shape[0]:
        raise ValueError(f"cannot compose {w1.shape} then {w2.shape}")
    w = w2.dot(w1)
    b = w2.dot(first.bias) + second.bias
    if w.dtype == object:
        return AffineLayer(SparseWeight.from_dense(w), b)
    return AffineLayer(w, b)


def _as_object(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


# --------------------------------------------------------------------------- staircases (M3)
# Owner: M3 (constant-parameter memorization). An exact per-coordinate ReLU staircase:
#
#   step_theta(x) = s((x - theta)/w + 1/2) - s((x - theta)/w - 1/2)
#                 = 0 for x <= theta - w/2,   1 for x >= theta + w/2,   linear in between,
#
#   idx_j(x) = sum_{theta in T_j} step_theta(x_j) = #{theta in T_j : theta < x_j}
#
# exactly, for every x whose coordinate x_j is at distance >= w/2 from every threshold of
# T_j. With w = 2**-q and dyadic thresholds every entry is an integer (2**q) or a dyadic
# fraction, so the exact engine keeps the 0/1 outputs at denominator 1.
# (M2's 1-D block selector uses the same two-unit step on its projected line; this
# section is its multi-coordinate form: one layer for all coordinates, plus the affine
# read-out that sums the steps of each coordinate.)
def step_rows(j: int, theta: Exact, width: Exact) -> tuple[list[dict[int, Exact]], list[Exact]]:
    """The two ReLU rows of one exact step on input ``j`` at ``theta`` with ramp ``width``.

    Returns ``(rows, biases)`` for ``u+ = s(x_j/w - theta/w + 1/2)`` and
    ``u- = s(x_j/w - theta/w - 1/2)``; the step is ``u+ - u-`` (see the section comment).
    """
    w = Fraction(width)
    if w <= 0:
        raise ValueError(f"step width must be positive, got {width}")
    slope = 1 / w
    slope_e: Exact = int(slope) if slope.denominator == 1 else slope
    centre = -Fraction(theta) / w
    half = Fraction(1, 2)
    return [{j: slope_e}, {j: slope_e}], [_exact(centre + half), _exact(centre - half)]


def staircase(
    thresholds: Sequence[Sequence[Exact]], width: Exact
) -> tuple[AffineLayer, AffineLayer]:
    """Exact staircases on every coordinate: ``(hidden, readout)``.

    ``thresholds[j]`` lists the thresholds of input coordinate ``j`` (``n = len(thresholds)``
    inputs). ``hidden`` maps x (n,) to the 2T step units (T = total thresholds), to be
    followed by ReLU; ``readout`` is affine (2T,) -> (n,) with
    ``readout(s(hidden(x)))_j = idx_j(x) = #{theta in thresholds[j] : theta < x_j}``,
    exact whenever every ``x_j`` is at distance >= ``width / 2`` from ``thresholds[j]``.
    ``readout`` has no ReLU after it: compose it into the next affine map with
    :func:`compose_affine`.

    >>> hidden, readout = staircase([[Fraction(1, 4), Fraction(1, 2)], []], Fraction(1, 8))
    >>> from memnets import ReLUNetwork
    >>> ReLUNetwork([hidden, readout]).forward_exact([[0.375, 0.9], [0.75, 0.1]]).tolist()
    [[1, 0], [2, 0]]
    """
    n = len(thresholds)
    rows: list[dict[int, Exact]] = []
    bias: list[Exact] = []
    out_rows: list[dict[int, Exact]] = []
    for j, ts in enumerate(thresholds):
        out: dict[int, Exact] = {}
        for theta in ts:
            r, b = step_rows(j, theta, width)
            out[len(rows)] = 1
            out[len(rows) + 1] = -1
            rows.extend(r)
            bias.extend(b)
        out_rows.append(out)
    hidden = exact_layer(rows, bias, n)
    readout = exact_layer(out_rows, [0] * n, len(rows))
    return hidden, readout


def staircase_index(X: np.ndarray, thresholds: Sequence[Sequence[float]]) -> np.ndarray:
    """Reference for :func:`staircase`: ``idx[i, j] = #{theta in thresholds[j] : theta < X[i, j]}``.

    Thresholds must be float64-representable (dyadic with <= 53 significant bits) so the
    comparisons are exact.
    """
    X = np.asarray(X, dtype=np.float64)
    out = np.zeros(X.shape, dtype=np.int64)
    for j, ts in enumerate(thresholds):
        if len(ts):
            out[:, j] = np.searchsorted(np.sort(np.asarray(ts, dtype=np.float64)), X[:, j], side="left")
    return out


def _exact(v: Fraction) -> Exact:
    return v.numerator if v.denominator == 1 else v
