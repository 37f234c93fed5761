"""What every ConstructionResult has is a typed attribute (issue #23 item 6): the same value
as the recorded stats and as a measurement of the network, for every registered method."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest

import memnets as mn
from memnets._constructions.registry import method_options

X = np.random.default_rng(11).random((30, 3))
Y = np.arange(30) % 2
METHODS = [m for m in mn.METHODS if m != "trained" or importlib.util.find_spec("torch")]


@pytest.mark.parametrize("method", METHODS)
def test_typed_attributes_agree_with_stats_and_the_network(method: str) -> None:
    started = time.perf_counter()
    res = mn.construct(X, Y, method=method, rng=4)
    elapsed = time.perf_counter() - started
    net = res.network
    measured = {
        "params": net.num_params(),
        "params_nonzero": net.num_params(nonzero=True),
        "depth": net.depth,
        "width": net.width,
        "bottleneck": net.bottleneck,
        "max_weight_bits": net.max_weight_bits,
    }
    for name, value in measured.items():
        got = getattr(res, name)
        assert type(got) is int and got == value == res.stats[name], name
    assert type(res.seconds) is float and res.seconds == res.stats["seconds"]
    timings = res.timings
    assert timings["build"] == res.seconds and timings["verify"] == res.stats["verify_seconds"]
    # measured, not recorded as 0: every phase took some time, all inside the call timed here,
    # and the construction's own phases (network, sweep, ...) inside its build
    assert all(type(v) is float and v > 0 for v in timings.values()), timings
    assert timings["build"] + timings["verify"] <= elapsed
    assert sum(v for k, v in timings.items() if k not in ("build", "verify")) <= timings["build"]
    assert {f"{k}_seconds" for k in timings if k != "build"} == {k for k in res.stats if k.endswith("_seconds")}
    assert res.seed == 4 and res.method == method
    assert res.options == res.stats["options"]
    assert set(res.options) == set(method_options(method))
    if method in ("efficient", "robust"):  # networks built from a subset of the samples
        reps = res.representatives
        assert reps is not None and reps.dtype == np.int64 and 0 < reps.size <= len(Y)
        assert np.array_equal(reps, np.asarray(res.info["representatives"]))
        if method == "efficient":
            assert reps.size == res.stats["n_reps"]
        # the network is built from these samples: predicting them returns their labels
        assert np.array_equal(res.predict(X[reps]), Y[reps])
    else:
        assert res.representatives is None and "representatives" not in res.info


def test_a_generator_seed_and_a_legacy_file() -> None:
    res = mn.construct(X, Y, method="efficient", rng=np.random.default_rng(0))
    assert res.seed is None
    legacy = mn.load(Path(__file__).parents[1] / "data" / "legacy-efficient.memnet")
    assert legacy.params == legacy.network.num_params() == legacy.stats["params"]
    assert legacy.representatives is not None and legacy.representatives.size == legacy.stats["n_reps"]
    assert legacy.timings["verify"] == legacy.stats["verify_seconds"]


def test_a_result_assembled_by_hand_measures_its_network() -> None:
    net = mn.ReLUNetwork([(np.array([[1.0, -1.0], [0.5, 2.0]]), np.zeros(2)), (np.array([[1.0, -1.0]]), [0.0])])
    res = mn.ConstructionResult(network=net, classes=np.array([0, 1]), method="hand", verified=False,
                                min_margin=0.0, stats={})
    assert (res.params, res.depth, res.width, res.bottleneck) == (6 + 3, 2, 2, 2)
    assert res.seconds == 0.0 and res.timings == {"build": 0.0}
    assert res.seed is None and res.options == {} and res.representatives is None
    assert "params=9" in repr(res)
