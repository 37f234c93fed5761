"""theory.bound_thm43: Appendix C's volume bound on a c0/3-net, as written and as proven."""

from __future__ import annotations

import math

import numpy as np
import pytest

import memnets as mn
from memnets import theory
from memnets._geometry.nets import greedy_net


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_formula_against_gamma(n: int) -> None:
    c = 0.45
    Cn = math.pi ** (n / 2) / math.gamma(n / 2 + 1)
    b = theory.bound_thm43(n, c)
    assert pytest.approx((1 + 2 * c / 3) ** n / (Cn * (c / 3) ** n), rel=1e-12) == b.Q
    assert b.Q_sound == pytest.approx((1 + c / 3) ** n / (Cn * (c / 6) ** n), rel=1e-12)
    assert b.log_Q == pytest.approx(math.log(b.Q), rel=1e-12)


def test_huge_dimension_keeps_the_log() -> None:
    b = theory.bound_thm43(784, 2.4)
    assert math.isinf(b.Q) and 700 < b.log_Q < 1e5 and b.log_Q_sound > b.log_Q


def test_bad_arguments() -> None:
    with pytest.raises(mn.OptionError):
        theory.bound_thm43(0, 0.5)
    with pytest.raises(mn.OptionError):
        theory.bound_thm43(2, -1.0)


@pytest.mark.parametrize("n", [1, 2])
def test_sound_bound_against_enumerated_nets(n: int) -> None:
    """Greedy nets of fine grids (the densest samples a c can meet) never exceed Q_sound."""
    rng = np.random.default_rng(n)
    for c in (0.3, 0.5, 0.9):
        r = c / 3
        g = np.linspace(0, 1, 41 if n == 1 else 17)
        grid = np.stack(np.meshgrid(*[g] * n), axis=-1).reshape(-1, n)
        for _ in range(5):
            order = rng.permutation(len(grid))
            idx, _unc = greedy_net(grid[order], r)
            assert len(idx) <= theory.bound_thm43(n, c).Q_sound


def test_paper_Q_can_be_exceeded_1d() -> None:
    """Step 3 as written: label-0 points 1.02 r apart and two label-1 points c0 = 3r away;
    the greedy net has more points than Q, but the network still memorizes every sample."""
    r = 0.1
    pos = np.arange(7) * 1.02 * r
    X = np.concatenate([pos, [pos[-1] + 3 * r, pos[-1] + 3 * r + 0.05]])[:, None]
    y = np.array([0] * 7 + [1, 1])
    res = mn.construct(X, y, method="robust", net=True)
    c0 = mn.separation(X, y)
    b = theory.bound_thm43(1, c0)
    assert res.stats["net_size"] == 8 > b.Q                    # (1 + 2r)/(2r) ~ 6
    assert res.stats["net_size"] <= b.Q_sound
    assert (res.predict(X) == y).all()
