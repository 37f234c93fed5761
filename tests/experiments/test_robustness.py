"""The robustness experiment (tiny profile) and its attack."""

from __future__ import annotations

import json

import numpy as np

import memnets as mn
from memnets.experiments.robustness import attack_distance


def test_attack_finds_the_1d_boundary() -> None:
    res = mn.construct([[0.0], [0.2], [1.0]], [0, 0, 1], method="robust")
    model = res.network.to_torch()
    a, how = attack_distance(res, model, np.array([0.5]), 0, np.array([1.0]), steps=20)
    assert how == "pgd" and 0.1 <= a <= 0.1 + 1e-4          # the bisector is at 0.6
    a, how = attack_distance(res, None, np.array([0.5]), 0, np.array([1.0]), steps=20)
    assert how == "segment" and 0.1 <= a <= 0.1 + 1e-4


def test_tiny_profile(tmp_path) -> None:
    summary = mn.experiments.run("robustness", tmp_path, profile="tiny", progress=False)
    doc = json.loads((tmp_path / "robustness.json").read_text())
    claims = doc["claims"]
    assert claims["violations"] == 0 and claims["certified_below_attacked_every_point"]
    assert claims["points"] == 4 * 2 * 6 and not claims["errors"]
    bounds = {t["method"]: t["bound"] for t in doc["table"]}
    assert bounds == {"efficient": "nearest-bisector", "robust": "nearest-bisector",
                      "pairwise": "pairwise-unit", "interval": "lipschitz"}
    for t in doc["table"]:
        assert 0 < t["ratio_median"] < 1
        if t["bound"] == "nearest-bisector":      # tight for 1-NN-like networks on moons
            assert t["ratio_median"] > 0.5
    assert (tmp_path / "robustness_scatter.png").exists() and summary["plots"]
