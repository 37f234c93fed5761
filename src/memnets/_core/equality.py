"""Exact, type-aware equality of the values a construction result holds, and of networks
(what ``ConstructionResult.__eq__`` compares).

>>> import numpy as np
>>> from fractions import Fraction
>>> same_value({"a": [1, Fraction(1, 2)]}, {"a": [1, Fraction(1, 2)]}), same_value(1, 1.0)
(True, False)
>>> same_value(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memnets._core.network import ReLUNetwork

__all__ = ["TIMING_STATS", "same_network", "same_value", "untimed"]

#: stats keys that measure time: they differ between two runs of one construction, so
#: ``ConstructionResult.__eq__`` ignores them (and every other key ending in ``_seconds``)
TIMING_STATS = ("seconds",)


def untimed(stats: dict[str, Any]) -> dict[str, Any]:
    """``stats`` without its timing entries (:data:`TIMING_STATS`, keys ending in ``_seconds``)."""
    return {k: v for k, v in stats.items() if k not in TIMING_STATS and not str(k).endswith("_seconds")}


def same_value(a: Any, b: Any) -> bool:
    """Exact, type-aware equality of the values a result holds: arrays entry by entry (dtype
    kind and shape too), dicts, lists and tuples element by element, ``int`` never equal to
    ``Fraction`` or ``float``, NaN equal to NaN."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            return False
        if a.dtype == object:
            return all(same_value(x, y) for x, y in zip(a.ravel().tolist(), b.ravel().tolist(), strict=True))
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return (type(a) is type(b) and len(a) == len(b)
                and all(same_value(x, y) for x, y in zip(a, b, strict=True)))
    if type(a) is not type(b):
        return False
    if isinstance(a, float | np.floating) and a != a:
        return bool(b != b)
    return bool(a == b)


def same_network(a: ReLUNetwork, b: ReLUNetwork) -> bool:
    """Whether two networks have the same layers, entry by entry (dense or CSR, exact types)."""
    if a.layer_sizes != b.layer_sizes:
        return False
    for la, lb in zip(a.layers, b.layers, strict=True):
        wa, wb = la.weight, lb.weight
        if isinstance(wa, np.ndarray) != isinstance(wb, np.ndarray):
            return False
        parts = ((wa, wb),) if isinstance(wa, np.ndarray) else (
            (wa.indptr, wb.indptr), (wa.indices, wb.indices), (wa.data, wb.data))  # type: ignore[union-attr]
        if not all(same_value(x, y) for x, y in parts) or not same_value(la.bias, lb.bias):
            return False
    return True
