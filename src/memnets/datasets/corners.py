"""Cube corners: the 2^n corners of [0,1]^n with a fixed random labelling (Section 6).

The contract every synthetic family keeps is described in :mod:`memnets.datasets._common`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from memnets._core.checks import RNGLike, as_rng, check_scalar
from memnets._core.errors import OptionError
from memnets.datasets._common import (
    DescribeAlias,
    TwoLabels,
    check_direction,
    check_points,
    check_sample_args,
    frozen,
)

__all__ = [
    "CubeCorners",
    "cube_corners",
]

#: largest dimension of :func:`cube_corners` (the labelling table has 2^n entries)
MAX_CORNER_FEATURES = 24


@dataclass(frozen=True, eq=False)
class CubeCorners(TwoLabels, DescribeAlias):
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
        object.__setattr__(self, "labels", frozen(np.asarray(self.labels, dtype=np.int8)))

    @property
    def n_features(self) -> int:
        """Input dimension n."""
        return int(self.labels.shape[0]).bit_length() - 1

    @property
    def separation(self) -> float:
        """c_D = 1: distinct corners are at distance at least 1."""
        return 1.0

    @property
    def n_cells(self) -> int:
        """The 2^n corners."""
        return int(self.labels.shape[0])

    def corners(self, index: Any) -> np.ndarray:
        """The corners (float64 0/1 rows) with the given indices (x[0] most significant)."""
        idx = np.asarray(index, dtype=np.int64)
        shifts = np.arange(self.n_features - 1, -1, -1, dtype=np.int64)
        return ((idx[..., None] >> shifts) & 1).astype(np.float64)

    def corner_index(self, X: Any) -> np.ndarray:
        """Index of the corner nearest to each row of X (rounding each coordinate at 1/2)."""
        Xa = check_points(X, self.n_features)
        weights = np.left_shift(1, np.arange(self.n_features - 1, -1, -1, dtype=np.int64))
        return (Xa >= 0.5).astype(np.int64) @ weights

    def cell_index(self, X: Any) -> np.ndarray:
        """The cell (= corner) of each row of X."""
        return self.corner_index(X)

    def sample(self, n: int, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw n corners uniformly (with replacement) and their fixed labels."""
        count, gen = check_sample_args(n, rng)
        idx = gen.integers(0, self.n_cells, size=count)
        return self.corners(idx), self.labels[idx].astype(np.int64)

    def line_label_masses(self, X: Any, v: Any) -> np.ndarray:
        """Label masses ``(L, 2)`` of the corners on the line ``x + t v`` through each corner
        ``x`` of ``X`` (the exact line measure of :class:`~memnets.datasets.LineMeasured`).

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
        n = self.n_features
        vv = check_direction(v, n)
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

    def to_dict(self) -> dict[str, Any]:
        """The distribution's parameters as a plain dict (recorded in experiment JSON)."""
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
    n_features = check_scalar("n_features", n_features, int, ge=1)
    if n_features > MAX_CORNER_FEATURES:
        raise OptionError(f"n_features={n_features} > {MAX_CORNER_FEATURES} (2^n labels table)")
    gen, seed = as_rng(rng)
    while True:
        labels = gen.integers(0, 2, size=2**n_features, dtype=np.int8)
        if 0 < int(labels.sum()) < labels.size:
            return CubeCorners(labels=labels, seed=seed)
