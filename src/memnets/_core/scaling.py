"""The input scaling a result can carry: raw features -> ``[0, 1]^n``, fitted on training data.

.. math::

    s(x)_j = \\min\\big(1, \\max\\big(0, (x_j - \\mathrm{low}_j) / \\mathrm{span}_j\\big)\\big)

Every construction needs its inputs in ``[0, 1]^n``. ``construct(X, y, rescale=True)`` fits
``low = min_i x_ij`` and ``span = max_i x_ij - low`` (1 for a constant feature) on the
training data, builds the network on ``s(X)`` and stores the scaling in the result, so that
``predict``, ``score``, ``save``/``load`` and the torch/ONNX exports apply it to new raw
points. New points outside the training range are clipped into ``[0, 1]`` (the nearest point
of the cube). ``kind="global"`` uses one ``low`` and ``span`` for every feature (a uniform
scaling: Euclidean nearest neighbours are unchanged); ``kind="clip"`` is the identity on
``[0, 1]^n`` and only clips (``low = 0``, ``span = 1``).

The clip is itself a ReLU network, ``clip(u, 0, 1) = relu(u) - relu(u - 1)``, so a network on
scaled inputs composes with the scaling into one ReLU network on raw inputs
(:meth:`InputScaling.compose`) with one extra hidden layer of width ``2 n``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from memnets._core.checks import check_X
from memnets._core.errors import InputError, OptionError
from memnets._core.layers import AffineLayer, SparseWeight
from memnets._core.network import ReLUNetwork

__all__ = ["SCALING_KINDS", "InputScaling"]

#: kind -> what ``InputScaling.fit`` computes
SCALING_KINDS: dict[str, str] = {
    "feature": "min-max per feature on the training data",
    "global": "one min and max over all features (a uniform scaling: nearest neighbours unchanged)",
    "clip": "identity on [0, 1]^n; new points are clipped into [0, 1]",
}


@dataclass(frozen=True, eq=False)
class InputScaling:
    """``x -> clip((x - low) / span, 0, 1)``, feature by feature (see the module docstring).

    Attributes
    ----------
    low : ndarray of shape (n,)
        Subtracted from each feature.
    span : ndarray of shape (n,), positive
        Divides each feature after the shift.
    kind : {"feature", "global", "clip"}
        How it was fitted.

    Examples
    --------
    >>> s = InputScaling.fit([[0.0, 10.0], [2.0, 30.0]])
    >>> s.transform([[1.0, 20.0], [3.0, 0.0]]).tolist()
    [[0.5, 0.5], [1.0, 0.0]]
    """

    low: np.ndarray
    span: np.ndarray
    kind: str = "feature"

    def __post_init__(self) -> None:
        low = np.ascontiguousarray(self.low, dtype=np.float64).ravel()
        span = np.ascontiguousarray(self.span, dtype=np.float64).ravel()
        if low.shape != span.shape or low.size == 0:
            raise InputError(f"input scaling: low and span need the same non-empty length, got {low.shape} and {span.shape}")
        if not (np.isfinite(low).all() and np.isfinite(span).all() and (span > 0).all()):
            raise InputError("input scaling: low must be finite and span finite and positive")
        if self.kind not in SCALING_KINDS:
            raise OptionError(f"input scaling kind must be one of {', '.join(map(repr, SCALING_KINDS))}, got {self.kind!r}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "span", span)

    @classmethod
    def fit(cls, X: Any, kind: str = "feature") -> InputScaling:
        """Fit on training data ``X`` of shape (N, n) (finite; any range)."""
        if kind not in SCALING_KINDS:
            raise OptionError(f"rescale must be True, False or one of {', '.join(map(repr, SCALING_KINDS))}, got {kind!r}")
        Xa = check_X(X, unit_interval=False)
        n = Xa.shape[1]
        if kind == "clip":
            return cls(np.zeros(n), np.ones(n), kind)
        if kind == "global":
            lo, hi = np.full(n, Xa.min()), np.full(n, Xa.max())
        else:
            lo, hi = Xa.min(axis=0), Xa.max(axis=0)
        span = hi - lo
        span[~(span > 0)] = 1.0
        return cls(lo, span, kind)

    @property
    def n_features(self) -> int:
        """Number of input features the scaling maps."""
        return int(self.low.shape[0])

    def transform(self, X: Any, *, name: str = "X") -> np.ndarray:
        """Scale and clip ``X`` (finite, shape (N, n)) into ``[0, 1]^n``."""
        Xa = check_X(X, n_features=self.n_features, unit_interval=False, name=name)
        out = (Xa - self.low) / self.span
        np.clip(out, 0.0, 1.0, out=out)
        return out

    def compose(self, network: ReLUNetwork) -> ReLUNetwork:
        """One ReLU network on raw inputs: ``network(transform(x))`` up to float rounding of
        ``1 / span`` (the first layer computes ``x / span - low / span``).

        The new first layer (2n units) computes ``u = (x - low) / span`` twice, shifted by 0 and
        1; the old first layer ``W`` becomes ``[W, -W]``, which adds ``relu(u) - relu(u - 1) =
        clip(u, 0, 1)``.
        """
        n = self.n_features
        if network.n_inputs != n:
            raise InputError(f"the scaling has {n} features but the network takes {network.n_inputs} inputs")
        inv = 1.0 / self.span
        rows = np.arange(2 * n)
        head = SparseWeight((2 * n, n), np.arange(2 * n + 1), rows % n, np.concatenate([inv, inv]))
        shift = -self.low * inv
        first = network.layers[0]
        w = first.weight
        if isinstance(w, SparseWeight):
            counts = np.diff(w.indptr)
            indptr = np.concatenate([[0], np.cumsum(2 * counts)])
            indices = np.empty(2 * len(w.indices), dtype=np.int64)
            data = np.empty(2 * len(w.data), dtype=w.data.dtype)
            for i in range(w.shape[0]):
                a, b = w.indptr[i], w.indptr[i + 1]
                k = b - a
                indices[indptr[i] : indptr[i] + k] = w.indices[a:b]
                indices[indptr[i] + k : indptr[i + 1]] = w.indices[a:b] + n
                data[indptr[i] : indptr[i] + k] = w.data[a:b]
                data[indptr[i] + k : indptr[i + 1]] = -w.data[a:b]
            doubled: Any = SparseWeight((w.shape[0], 2 * n), indptr, indices, data)
        else:
            doubled = np.hstack([w, -w])
        return ReLUNetwork([
            AffineLayer(head, np.concatenate([shift, shift - 1.0])),
            AffineLayer(doubled, first.bias),
            *network.layers[1:],
        ])

    def to_dict(self) -> dict[str, Any]:
        """``{"kind", "low", "span"}`` with the arrays as float64 arrays (for the file format)."""
        return {"kind": self.kind, "low": self.low.copy(), "span": self.span.copy()}

    @classmethod
    def from_dict(cls, d: Any) -> InputScaling:
        """The scaling that :meth:`to_dict` wrote (``kind``, ``low``, ``span``)."""
        if not isinstance(d, dict) or set(d) != {"kind", "low", "span"}:
            raise InputError(f"input scaling must be a dict with kind, low, span, got {d!r:.80}")
        return cls(np.asarray(d["low"]), np.asarray(d["span"]), d["kind"])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InputScaling):
            return NotImplemented
        return (self.kind == other.kind and np.array_equal(self.low, other.low)
                and np.array_equal(self.span, other.span))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"InputScaling(kind={self.kind!r}, n_features={self.n_features})"
