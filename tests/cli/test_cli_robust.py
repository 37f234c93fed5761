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
    # the printed distribution is that of these radii, row by row (not only its labels)
    rows = {}
    for line in out.output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 2 and cells[0]:
            rows[cells[0]] = cells[1]
    q = np.quantile(expected, [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    assert rows["points"] == "50 (moons test)" and rows["radius > 0"] == f"{np.mean(expected > 0):.2%}"
    assert rows["min / 10% / 25%"] == " / ".join(f"{v:.4g}" for v in q[:3])
    assert rows["median"] == f"{q[3]:.4g}" and rows["mean"] == f"{expected.mean():.4g}"
    assert rows["75% / 90% / max"] == " / ".join(f"{v:.4g}" for v in q[4:])


def test_robust_command_bad_model(cli, tmp_path) -> None:
    bad = tmp_path / "bad.memnet"
    bad.write_text("not a model")
    out = cli("robust", bad, "--data", "moons")
    assert out.exit_code == 2 and out.output.startswith("error: "), out.output  # a clean refusal
    assert "not a memnets model file (wrong magic bytes)" in out.output
