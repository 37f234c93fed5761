"""One-vs-rest for the two-class constructions, and the side-by-side block it rests on."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memnets as mn
from memnets._blocks import side_by_side
from memnets._constructions.result import margins_exact
from memnets._core.checks import check_dataset


def _net(rng: np.random.Generator, n_in: int, depth: int, exact: bool) -> mn.ReLUNetwork:
    layers = []
    width = n_in
    for k in range(depth):
        out = 1 if k == depth - 1 else int(rng.integers(1, 4))
        w = rng.integers(-3, 4, (out, width))
        b = rng.integers(-2, 3, out)
        if exact:  # Fractions and a big integer: the combined network must stay exact
            wo = np.empty(w.shape, dtype=object)
            wo[:] = [[Fraction(int(v), 3) + (2**70 if (i, j) == (0, 0) else 0) for j, v in enumerate(row)]
                     for i, row in enumerate(w)]
            layers.append((wo, b.astype(object)))
        else:
            layers.append((w / 4.0, b / 2.0))
        width = out
    return mn.ReLUNetwork(layers)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), count=st.integers(1, 4), exact=st.booleans())
def test_side_by_side_equals_the_parts(seed: int, count: int, exact: bool) -> None:
    rng = np.random.default_rng(seed)
    nets = [_net(rng, 3, int(rng.integers(1, 5)), exact) for _ in range(count)]
    combined = mn.ReLUNetwork(side_by_side(nets))
    X = rng.integers(0, 5, (7, 3)) / 4.0
    got = np.array(combined.forward_exact(X), dtype=object).reshape(7, count)
    for k, net in enumerate(nets):
        part = np.array(net.forward_exact(X), dtype=object).reshape(7)
        assert (got[:, k] == part).all()
    assert combined.depth == max(net.depth for net in nets)
    if not exact:
        assert combined.float64_representable  # float parts stay exportable floats


def test_side_by_side_refuses_mismatched_inputs() -> None:
    a = mn.ReLUNetwork([(np.ones((1, 2)), np.zeros(1))])
    b = mn.ReLUNetwork([(np.ones((1, 3)), np.zeros(1))])
    with pytest.raises(ValueError, match="different input sizes"):
        side_by_side([a, b])
    with pytest.raises(ValueError, match="at least one"):
        side_by_side([])


@pytest.mark.parametrize("method", ["optimal", "interval", "constant"])
def test_one_vs_rest_memorizes_multiclass_data(method: str) -> None:
    rng = np.random.default_rng(7)
    X = rng.random((90, 4))
    y = np.array(["cat", "dog", "emu"])[rng.integers(0, 3, 90)]
    res = mn.construct(X, y, method=method, rng=3)
    assert res.verified and res.network.n_outputs == 3
    assert (res.predict(X) == y).all()
    parts = res.stats["one_vs_rest"]
    assert [p["class"] for p in parts] == ["cat", "dog", "emu"]
    # widths add up layer by layer (a padded part carries 2 units per output)
    assert max(p["width"] for p in parts) <= res.network.width <= sum(max(p["width"], 2) for p in parts)
    assert res.network.depth == max(p["depth"] for p in parts)
    # margin >= own part's margin + a rival part's margin (both memorize their task)
    margins = margins_exact(res.network, check_dataset(X, y))
    assert min(margins) >= min(p["min_margin"] for p in parts) * 2 - 1e-9
    # the same seed gives the same network
    again = mn.construct(X, y, method=method, rng=3)
    assert again.stats["params"] == res.stats["params"]
    assert (again.decision_function(X) == res.decision_function(X)).all()


def test_one_vs_rest_optimal_margin_is_exactly_two() -> None:
    X, y = mn.datasets.load("digits", n=200, rng=0)
    res = mn.construct(X, y, method="optimal", rng=0)
    assert res.engine == "exact" and res.min_margin == 2  # every part has margin exactly 1
    assert len(res.stats["one_vs_rest"]) == len(np.unique(y))


def test_one_vs_rest_saves_and_exports(tmp_path) -> None:
    X, y = mn.datasets.load("digits", n=120, rng=1)
    res = mn.construct(X, y, method="interval", rng=0)
    again = mn.load(mn.save(res, tmp_path / "ovr.memnet"))
    assert (again.predict(X) == y).all() and again.stats["one_vs_rest"] == res.stats["one_vs_rest"]
    assert res.network.float64_representable  # interval parts stay float-exact side by side
    clf = mn.MemorizationClassifier(method="interval").fit(X, y)
    assert clf.score(X, y) == 1.0
