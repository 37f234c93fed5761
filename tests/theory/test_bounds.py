"""The paper's Section 6 bounds (memnets.theory.bounds) at hand-worked values."""

from __future__ import annotations

import itertools
import math

import pytest

import memnets as mn
from memnets import theory


def test_thm61_by_hand() -> None:
    # v N^2 / ln^2 N (1 - 2 eps - delta) with N_D = e^2: e^4 / 4 * (1 - 0.2 - 0.1)
    assert theory.bound_thm61(math.e**2, 0.1, 0.1) == pytest.approx(math.e**4 / 4 * 0.7, rel=1e-12)
    assert theory.bound_thm61(math.e**2, 0.1, 0.1, v=3.0) == pytest.approx(3 * math.e**4 / 4 * 0.7, rel=1e-12)
    assert theory.bound_thm61(100, 0.4, 0.3) == 0.0  # 1 - 2 eps - delta < 0: vacuous


def test_thm65_by_hand() -> None:
    # v N^2 ln(N / (eps^2 delta)) / eps^2 with N_D = 10, eps = 0.5, delta = 0.4: 100 ln(100) / 0.25
    assert theory.bound_thm65(10, 0.5, 0.4) == pytest.approx(400 * math.log(100), rel=1e-12)
    assert theory.bound_thm65(10, 0.5, 0.4, v=0.5) == pytest.approx(200 * math.log(100), rel=1e-12)


def test_cor64_by_hand_and_exact_for_large_n() -> None:
    # n = 8, c = 1.5: ceil(c^2) = 3, floor(8 / 3) = 2, 2^4 * 1.5^4 * 0.5 / 64 = 0.6328125 -> 0
    assert theory.bound_cor64(8, 1.5, 0.2, 0.1) == 0
    # n = 12, c = 1: 2^24 * 1 * 0.5 / 144 = 58254.2 -> 58254
    assert theory.bound_cor64(12, 1.0, 0.2, 0.1) == 58254
    # beyond float range: an exact int, 2^(2 * 1000) * 0.5 / 10^6 (c = 1)
    big = theory.bound_cor64(1000, 1.0, 0.2, 0.1)
    assert big == (2**2000) // 2_000_000
    assert theory.bound_cor64(12, 1.0, 0.45, 0.1) == 0  # 1 - 2 eps - delta < 0


def test_the_three_bounds_grow_as_the_paper_says() -> None:
    lows = [theory.bound_thm61(nd, 0.1, 0.1) for nd in (10, 100, 1000)]
    highs = [theory.bound_thm65(nd, 0.1, 0.1) for nd in (10, 100, 1000)]
    assert lows == sorted(lows) and highs == sorted(highs)
    assert all(lo < hi for lo, hi in zip(lows, highs, strict=True))  # lower bound below upper bound
    cors = [theory.bound_cor64(n, 1.0, 0.1, 0.1) for n in (10, 20, 30, 40)]
    assert all(b2 / b1 > 100 for b1, b2 in itertools.pairwise(cors))  # exponential in n


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: theory.bound_thm61(1, 0.1, 0.1), "N_D must be > 1"),
        (lambda: theory.bound_thm61(10, 0.0, 0.1), r"eps must be a finite number in \(0, 1\), got 0\.0"),
        (lambda: theory.bound_thm65(10, 0.1, 1.0), r"delta must be a finite number in \(0, 1\), got 1\.0"),
        (lambda: theory.bound_thm65(10, 0.1, 0.1, v=0), "v \\(the absolute constant\\)"),
        (lambda: theory.bound_cor64(0, 1.0, 0.1, 0.1), "n must be an int >= 1, got 0"),
        (lambda: theory.bound_cor64(10, -1.0, 0.1, 0.1), r"c must be a finite number > 0, got -1\.0"),
        (lambda: theory.bound_thm61("10", 0.1, 0.1), "N_D must be a finite number >= 1, got '10'"),
    ],
)
def test_bad_arguments(call, match) -> None:
    with pytest.raises(mn.OptionError, match=match):
        call()
