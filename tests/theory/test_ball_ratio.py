"""Definition 7.1's radius ratio is checked once (``bounds.check_ball_ratio``) for
``estimate_SD`` and ``bound_prop77``. The two had their own checks: ``estimate_SD`` refused
a ``Fraction`` that ``bound_prop77`` takes, ``bound_prop77`` took an int beyond float64 on
which ``estimate_SD`` raised a bare ``OverflowError``, and the messages differed."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import memnets as mn
from memnets import theory
from memnets.theory.bounds import check_ball_ratio

X = [[0.0], [0.33], [1.0]]
Y = [0, 0, 1]
MESSAGE = r"ratio must be a finite number > 3 \(Definition 7.1, Remark 7.2\), got "

GOOD: list[Any] = [3.1, 4, np.int64(4), np.float32(3.5), Fraction(31, 10), Fraction(301, 100), 3.0000000000000004]
BAD: list[Any] = [3, 3.0, Fraction(3), 2.5, -4, 0, float("nan"), float("inf"), 10**400, True, np.True_, "3.1", None, 3 + 0j]


@pytest.mark.parametrize("ratio", BAD, ids=repr)
def test_both_refuse_alike(ratio: Any) -> None:
    messages = []
    for call in (lambda: theory.estimate_SD(X, Y, ratio=ratio), lambda: theory.bound_prop77(2, 1, ratio=ratio)):
        with pytest.raises(mn.OptionError, match=MESSAGE) as info:
            call()
        messages.append(str(info.value))
    assert messages[0] == messages[1] == f"ratio must be a finite number > 3 (Definition 7.1, Remark 7.2), got {ratio!r}"


@pytest.mark.parametrize("ratio", GOOD, ids=repr)
def test_both_accept_alike_and_read_the_same_value(ratio: Any) -> None:
    r = check_ball_ratio(ratio)
    assert r > 3 and math.isfinite(float(r))
    # bound_prop77 reads the exact ratio: floor(2 r n / c) + 1 with n = c = 1
    assert theory.bound_prop77(1, 1, ratio=ratio) == math.floor(2 * r) + 1
    # estimate_SD computes with its float: 0.33 lies in B(0) (radius 1/ratio) iff ratio < 1/0.33
    assert theory.estimate_SD(X, Y, ratio=ratio) == (2 if float(r) < 1 / 0.33 else 3)


def test_the_ratio_is_read_as_the_decimal_it_prints_as() -> None:
    assert check_ball_ratio(3.1) == Fraction(31, 10) == check_ball_ratio(Fraction(31, 10))
    assert theory.estimate_SD(X, Y, ratio=Fraction(301, 100)) == theory.estimate_SD(X, Y, ratio=3.01) == 2
