"""What every condensing rule shares: the rule names, the recommended setting and the
check of the optional nearest-enemy bounds."""

from __future__ import annotations

from typing import Any

import numpy as np

from memnets._core.errors import InputError

RULES = ("cover", "mss", "hart", "fcnn", "mcs")
#: the recommended setting, chosen on MNIST (package docstring; benchmarks/bench_m1.py --accuracy)
DEFAULT_RULE = "cover"
DEFAULT_ALPHA = 0.9
DEFAULT_K = 2


def _check_c2(c2_lower: Any, n_samples: int) -> np.ndarray | None:
    if c2_lower is None:
        return None
    low = np.asarray(c2_lower, dtype=np.float64).ravel()
    if low.shape != (n_samples,) or np.isnan(low).any():
        raise InputError(f"c2_lower must have shape ({n_samples},) without NaN, got shape {low.shape}")
    return low

