"""One-vs-rest for the two-class constructions (its side_by_side block: test_blocks.py)."""

from __future__ import annotations

import numpy as np
import pytest

import memnets as mn
from memnets._core.checks import check_dataset
from memnets._engines.decide import margins_exact


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
