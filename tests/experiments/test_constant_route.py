"""The constant experiment's Theorem 4.3 route (Appendix C) beside M3."""

from __future__ import annotations

import json

import matplotlib.image as mpimg

import memnets as mn
from memnets import theory


def test_route_saturates_below_Q(tmp_path) -> None:
    summary = mn.experiments.run("constant", tmp_path, Ns=[64, 512, 2048], seeds=1, n_test=300,
                                 optimal_max_n=64, progress=False, jobs=1)
    doc = json.loads((tmp_path / "constant.json").read_text())
    route = doc["claims"]["thm43_route"]
    Q = theory.bound_thm43(2, doc["distribution"]["separation"])
    assert route["net_size_at_most_Q_sound_every_run"] and route["robust_net_all_verified"]
    assert route["max_net_size"] <= Q.Q_sound
    rows = {r["N"]: r for r in doc["table"]}
    # 16 balls of radius 0.012, c0/3 ~ 0.04: one net point per ball once every ball is sampled
    assert rows[512]["net_size"] == rows[2048]["net_size"] == 16
    assert rows[512]["robust_net_params"] == rows[2048]["robust_net_params"]
    assert rows[2048]["robust_net_accuracy"] == 1.0
    assert "constant_thm43_route.png" in summary["markdown"]
    assert mpimg.imread(tmp_path / "constant_thm43_route.png").shape[0] > 100
