"""Per-coordinate ReLU staircases onto a grid: the quantizer of ``constant`` (Theorem 4.3)."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from memnets._blocks.affine import Exact, exact_layer, exact_value
from memnets._blocks.builder import Lin, step_preacts
from memnets._core.network import AffineLayer


# --------------------------------------------------------------------------- staircases (constant)
# Owner: constant (constant-parameter memorization). An exact per-coordinate ReLU staircase:
#
#   step_theta(x) = s((x - theta)/w + 1/2) - s((x - theta)/w - 1/2)
#                 = 0 for x <= theta - w/2,   1 for x >= theta + w/2,   linear in between,
#
#   idx_j(x) = sum_{theta in T_j} step_theta(x_j) = #{theta in T_j : theta < x_j}
#
# exactly, for every x whose coordinate x_j is at distance >= w/2 from every threshold of
# T_j. With w = 2**-q and dyadic thresholds every entry is an integer (2**q) or a dyadic
# fraction, so the exact engine keeps the 0/1 outputs at denominator 1.
# This is optimal's integer step ``[v >= 0] = s(v + 1) - s(v)`` (``step_preacts`` below) applied
# to the rescaled coordinate ``v = (x_j - theta)/w - 1/2``; :func:`step_rows` builds it with
# ``step_preacts`` so there is one step in the code base. This section adds the
# multi-coordinate form: one layer for all coordinates plus the affine read-out that sums
# the steps of each coordinate.
def step_rows(j: int, theta: Exact, width: Exact) -> tuple[list[dict[int, Exact]], list[Exact]]:
    """The two ReLU rows of one exact step on input ``j`` at ``theta`` with ramp ``width``.

    Returns ``(rows, biases)`` for ``u+ = s(x_j/w - theta/w + 1/2)`` and
    ``u- = s(x_j/w - theta/w - 1/2)``; the step is ``u+ - u-`` (see the section comment).
    """
    w = Fraction(width)
    if w <= 0:
        raise ValueError(f"step width must be positive, got {width}")
    x = Lin({j: exact_value(1 / w)})
    pre = step_preacts(x, exact_value(Fraction(theta) / w + Fraction(1, 2)))
    return [dict(e.terms) for e in pre], [exact_value(Fraction(e.const)) for e in pre]


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
