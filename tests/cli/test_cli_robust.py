"""``memnets robust MODEL --data ...``: the distribution of certified radii."""

from __future__ import annotations

import json

import numpy as np

import memnets as mn
from memnets import theory


def test_robust_command_prints_the_distribution(cli, tmp_path) -> None:
    X, y = mn.datasets.load("moons", split="train", n=200, rng=0)
    res = mn.construct(X, y, method="robust", rng=0)
    path = tmp_path / "m.memnet"
    mn.save(res, path)
    out = cli("robust", path, "--data", "moons", "--n-test", "50", "--json", tmp_path / "r.json")
    assert out.exit_code == 0, out.output
    assert "nearest-bisector" in out.output and "median" in out.output
    doc = json.loads((tmp_path / "r.json").read_text())
    Xt, _ = mn.datasets.load("moons", split="test", n=50, rng=0)
    expected = theory.robust_radii(mn.load(path), Xt).radii
    assert doc["bound"] == "nearest-bisector" and len(doc["radii"]) == 50
    assert np.array_equal(np.array(doc["radii"]), expected)


def test_robust_command_bad_model(cli, tmp_path) -> None:
    bad = tmp_path / "bad.memnet"
    bad.write_text("not a model")
    out = cli("robust", bad, "--data", "moons")
    assert out.exit_code == 2 and out.output.startswith("error: "), out.output  # a clean refusal
    assert "not a memnets model file (wrong magic bytes)" in out.output
