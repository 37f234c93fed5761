"""The sweep's step-pair rule (memnets._engines.sweep._step_mask) on hand-made tables.

``s(z + 1) - s(z) = [z >= 0]`` holds only where ``z >= 0`` or ``z <= -1``; for ``-1 < z < 0``
the pair must be evaluated as it is. With ``z = a / d + bp / bq`` per table entry, the rule
decides ``[z >= 0]`` exactly at ``z = 0`` and ``z = -1`` and refuses (None) any entry strictly
between. Written against mutants of ``sweep.py`` that the sweep-vs-generic tests let survive
(``make mutate MODULE=sweep``; benchmarks/README.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from memnets._engines import sweep

ONE = sweep._Map(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), 1)


def _mask(a: list[int], d: int, bp: int, bq: int) -> np.ndarray | None:
    """``[z >= 0]`` for ``z = a / d + bp / bq`` through a lazy pair ``s(z + 1), s(z)``."""
    lin = sweep._Fn(ONE, sweep._obj(a), None, d)
    lo = sweep._Fn(ONE, None, None, d * bq, True, (lin, bp, bq))
    hi = sweep._Fn(ONE, None, None, d * bq, True, (lin, bp + bq, bq))
    return sweep._step_mask(hi, lo)


@pytest.mark.parametrize(("a", "d", "bp", "bq", "want"), [
    ([4, 8, 0, -4], 4, -1, 1, [True, True, False, False]),  # z = 0, 1, -1, -2
    ([4, 8, 12], 4, -2, 1, [False, True, True]),  # z = -1, 0, 1
    ([2, -5, 6, -6], 3, -1, 2, [True, False, True, False]),  # z = 1/6, -13/6, 3/2, -5/2
])
def test_a_step_is_read_where_z_is_at_least_0_or_at_most_minus_1(a, d, bp, bq, want) -> None:
    got = _mask(a, d, bp, bq)
    assert got is not None and got.dtype == bool and got.tolist() == want


@pytest.mark.parametrize(("a", "d", "bp", "bq"), [
    ([4, 3], 4, -1, 1),  # z = 0 and -1/4
    ([1], 3, -1, 2),  # z = 1/3 - 1/2 = -1/6
    ([5], 4, -2, 1),  # z = -3/4
])
def test_an_entry_strictly_between_minus_1_and_0_is_not_a_step(a, d, bp, bq) -> None:
    assert _mask(a, d, bp, bq) is None
