"""The input dimension ``n`` of ``bound_prop77``, ``bound_cor64`` and ``bound_thm43`` is
checked once (``bounds._check_dimension``). ``bound_thm43`` had its own check: it took
``n = 2.0``, which the other two refuse, and worded its error differently."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import memnets as mn
from memnets import theory
from memnets.theory.bounds import MAX_DIMENSION

CALLS = {
    "bound_prop77": lambda n: theory.bound_prop77(n, 1),
    "bound_cor64": lambda n: theory.bound_cor64(n, 1.0, 0.1, 0.1),
    "bound_thm43": lambda n: theory.bound_thm43(n, 0.5),
}
BAD: list[Any] = [0, -1, 1.5, 2.0, np.float64(2.0), True, np.True_, "2", None, MAX_DIMENSION + 1, 10**400]


@pytest.mark.parametrize("n", BAD, ids=repr)
def test_every_bound_refuses_the_same_dimensions_alike(n: Any) -> None:
    messages = set()
    for call in CALLS.values():
        with pytest.raises(mn.OptionError, match=r"^n must be an int >= 1(?: and <= 2\*\*53 \(exact in float64\))?, got ") as info:
            call(n)
        messages.add(str(info.value))
    assert len(messages) == 1


@pytest.mark.parametrize("n", [1, 3, np.int64(3), np.uint8(3)], ids=repr)
def test_every_bound_takes_numpy_integers_as_ints(n: Any) -> None:
    for call in CALLS.values():
        assert call(n) == call(int(n))
    assert theory.bound_prop77(n, 1) == {1: 7, 3: 19**3}[int(n)]  # (floor(6.2 n) + 1)^n


def test_thm43_takes_the_largest_dimension() -> None:
    b = theory.bound_thm43(MAX_DIMENSION, 0.5)
    assert math.isinf(b.Q) and 0 < b.log_Q < float("inf")
