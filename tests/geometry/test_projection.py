"""The projection step shared by interval, optimal, vardi2022 and park2021: its option checks."""

from __future__ import annotations

import numpy as np
import pytest

import memnets as mn
from memnets import OptionError

X = np.random.default_rng(0).random((12, 3))
Y = np.arange(12) % 2


@pytest.mark.parametrize("method", ["interval", "optimal", "vardi2022", "park2021"])
@pytest.mark.parametrize("bad", [0, -3])
def test_max_tries_below_one_is_refused_by_every_projection_method(method, bad):
    with pytest.raises(OptionError, match=rf"^{method}: max_tries must be a positive int, got {bad}$"):
        mn.construct(X, Y, method=method, rng=0, max_tries=bad)


@pytest.mark.parametrize("method", ["interval", "optimal", "vardi2022", "park2021"])
def test_one_try_is_enough_on_spread_out_data(method):
    res = mn.construct(X, Y, method=method, rng=0, max_tries=1)
    assert res.verified and res.stats["projection_tries"] == 1
