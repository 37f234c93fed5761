"""What every condensing rule shares: the rule names, the recommended setting and the
argument checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from memnets._core.errors import InputError, OptionError

RULES = ("cover", "mss", "hart", "fcnn", "mcs")
#: the recommended setting, chosen on MNIST (package docstring; benchmarks/bench_m1.py --accuracy)
DEFAULT_RULE = "cover"
DEFAULT_ALPHA = 0.9
DEFAULT_K = 2


def check_fraction(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating) or not (0.0 < float(v) <= 1.0):
        raise OptionError(f"{name} must lie in (0, 1], got {v!r}")
    return float(v)


def check_count(name: str, v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
        raise OptionError(f"{name} ({what}) must be an int >= 1, got {v!r}")
    return int(v)


def _check_c2(c2_lower: Any, n_samples: int) -> np.ndarray | None:
    if c2_lower is None:
        return None
    low = np.asarray(c2_lower, dtype=np.float64).ravel()
    if low.shape != (n_samples,) or np.isnan(low).any():
        raise InputError(f"c2_lower must have shape ({n_samples},) without NaN, got shape {low.shape}")
    return low

