"""`constant` (constant-parameter memorization): grid, codes, exact memorization (staircases: test_blocks.py)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import memnets as mn
from memnets._blocks import staircase_index
from memnets._constructions import constant as M3
from memnets._core.checks import check_dataset
from memnets._geometry import grid as G


def test_fixed_cell_size_is_the_largest_dyadic_below_c_over_sqrt_n() -> None:
    assert G.fixed_cell_size(2, Fraction(1, 16)) == Fraction(1, 8)  # 0.25/sqrt2 = 0.177
    assert G.fixed_cell_size(1, Fraction(1, 4)) == Fraction(1, 4)  # strict: h = c is refused
    assert G.fixed_cell_size(1, Fraction(26, 100)) == Fraction(1, 2)
    assert G.fixed_cell_size(784, Fraction(4)) == Fraction(1, 16)  # 2/28 = 0.0714
    with pytest.raises(mn.InputError):
        G.fixed_cell_size(2, Fraction(0))


def test_an_offset_with_a_sample_on_a_threshold_is_redrawn(monkeypatch: pytest.MonkeyPatch) -> None:
    # first draw: offsets 0, so 0.5 sits on a threshold of the cells of size 1/4 (band 0);
    # the staircase is not exact there, so the grid must take the next draw (u = 2**28:
    # offsets h / 4: every sample 1/16 from its nearest threshold)
    draws = iter([np.zeros(1, dtype=np.int64), np.full(1, 2**28)])
    monkeypatch.setattr(G, "_draw_offsets", lambda rng, n: next(draws))
    X, codes = np.array([[0.125], [0.5], [0.875]]), np.array([0, 0, 1])  # c = 3/8: h = 1/4
    g = G.choose_grid(X, codes, rng=np.random.default_rng(0), grid="fixed")
    assert g.cell_size == Fraction(1, 4) and g.offsets == [Fraction(1, 16)]
    assert g.band == 1 / 16 and g.offset_draws == 2


def test_grid_cells_and_band_exact(rng: np.random.Generator) -> None:
    X = rng.random((200, 3))
    h = Fraction(1, 8)
    offsets = [Fraction(int(u), 2**30) * h for u in rng.integers(0, 2**30, size=3)]
    cells, band = G.grid_cells(X, h, offsets)
    best = None
    for i in range(0, 200, 7):
        for j in range(3):
            x = Fraction(float(X[i, j]))
            k = cells[i, j]
            lo, hi = offsets[j] + k * h, offsets[j] + (k + 1) * h
            assert lo < x < hi
            d = min(x - lo, hi - x)
            best = d if best is None else min(best, d)
    assert best is not None and band <= float(best)
    assert band > 0


def test_offsets_depend_on_the_seed_only(rng: np.random.Generator) -> None:
    X = rng.random((300, 2))
    y = (X[:, 0] > 0.5).astype(int)
    g1 = G.choose_grid(X[:100], y[:100], rng=np.random.default_rng(4), cell_size=0.25)
    g2 = G.choose_grid(X, y, rng=np.random.default_rng(4), cell_size=0.25)
    assert g1.offsets == g2.offsets and g1.cell_size == Fraction(1, 4)
    assert g1.band >= g2.band > 0


def test_adaptive_grid_is_coarsest_clean_dyadic(rng: np.random.Generator) -> None:
    X = rng.random((400, 2))
    y = (X[:, 0] + X[:, 1] > 1.0).astype(int)
    g = G.choose_grid(X, y, rng=np.random.default_rng(0), grid="adaptive")
    assert G._first_mixed(g.cells, y) is None
    coarser = g.cell_size * 2
    if coarser <= 1:  # the next coarser level with the same offsets had a mixed cell
        u = [o / g.cell_size * 2**G.OFFSET_BITS for o in g.offsets]
        cells, _ = G.grid_cells(X, coarser, [v * coarser / 2**G.OFFSET_BITS for v in u])
        assert G._first_mixed(cells, y) is not None
    assert [lv["mixed"] for lv in g.levels_tried] == [True] * (len(g.levels_tried) - 1) + [False]


# --------------------------------------------------------------------------- codes
def test_codes_collision_always_raises_with_range_one() -> None:
    idx = np.array([[0, 1], [1, 0], [0, 0]])
    with pytest.raises(mn.ConstructionError, match="code_range=1"):
        M3.draw_codes(idx, rng=np.random.default_rng(0), code_range=1, max_tries=5)


def test_codes_collisions_are_retried() -> None:
    idx = np.array([[0, 1], [1, 0], [0, 0], [1, 1]])
    tries = []
    for seed in range(20):
        a, t, k = M3.draw_codes(idx, rng=np.random.default_rng(seed), code_range=2, max_tries=200)
        assert len(set(t.tolist())) == 4 and t.tolist() == (idx @ a).tolist()
        assert a[0] != a[1]  # the only injective choices in {1,2}^2
        tries.append(k)
    assert max(tries) >= 2 and min(tries) == 1


def test_mixed_cell_raises_naming_samples() -> None:
    cells = np.array([[0, 0], [1, 0], [0, 0]])
    with pytest.raises(mn.ConstructionError, match="samples 0 and 2"):
        G.occupied_cells(cells, np.array([0, 1, 1]))
    uniq, labels, inv = G.occupied_cells(cells, np.array([0, 1, 0]))
    assert uniq.tolist() == [[0, 0], [1, 0]] and labels.tolist() == [0, 1] and inv.tolist() == [0, 1, 0]


def test_kept_thresholds_one_per_gap() -> None:
    g = G.Grid(Fraction(1, 4), [Fraction(0), Fraction(1, 8)], np.zeros((0, 2), dtype=np.int64), 0.1, 1)
    cells = np.array([[0, 3], [3, 3], [1, 0]])
    ths, idx = G.kept_thresholds(g, cells)
    # coordinate 0: occupied 0, 1, 3 -> thresholds theta_1 (gap 0|1) and theta_2 (middle of 2, 3)
    assert ths[0] == [Fraction(1, 4), Fraction(1, 2)]
    assert ths[1] == [Fraction(1, 8) + Fraction(2, 4)]  # gap 0|3: theta_{(1+3)//2} = theta_2
    assert idx.tolist() == [[0, 1], [2, 1], [1, 0]]


# --------------------------------------------------------------------------- construction
def test_bad_input_and_options() -> None:
    X = [[0.1, 0.1], [0.9, 0.9], [0.5, 0.1]]
    three = mn.construct(X, [0, 1, 2], method="constant", rng=0)  # one-vs-rest
    assert three.network.n_outputs == 3 and three.predict(X).tolist() == [0, 1, 2]
    with pytest.raises(mn.OptionError, match="option 'grid' must be one of 'fixed', 'adaptive'"):
        mn.construct(X, [0, 1, 1], method="constant", rng=0, grid="bogus")
    with pytest.raises(mn.OptionError, match="cell_size must be 2"):
        mn.construct(X, [0, 1, 1], method="constant", rng=0, cell_size=0.3)
    with pytest.raises(mn.OptionError, match="separation must be"):
        mn.construct(X, [0, 1, 1], method="constant", rng=0, separation=-1.0)
    with pytest.raises(mn.OptionError, match="no option 'radius'"):
        mn.construct(X, [0, 1, 1], method="constant", rng=0, radius=0.1)
    with pytest.raises(mn.ConflictingLabelsError):
        mn.construct([[0.2, 0.2], [0.2, 0.2]], [0, 1], method="constant", rng=0)
    with pytest.raises(mn.InputError, match="finite"):
        mn.construct([[np.nan, 0.2], [0.2, 0.2]], [0, 1], method="constant", rng=0)
    for bad, msg in [({"min_band": float("nan")}, "min_band must be a finite number >= 0, got nan"),
                     ({"min_band": -0.5}, "min_band must be a finite number >= 0, got -0.5"),
                     ({"offset_tries": 0}, "offset_tries must be an int >= 1, got 0")]:
        with pytest.raises(mn.OptionError, match=msg):
            mn.construct(X, [0, 1, 1], method="constant", rng=0, **bad)
    # the grid's own checks, for callers below construct's typed options: no bool as a number
    data = check_dataset(np.asarray(X), [0, 1, 1])
    for bad, msg in [({"min_band": True}, "min_band must be a finite number >= 0, got True"),
                     ({"offset_tries": True}, "offset_tries must be an int >= 1, got True")]:
        with pytest.raises(mn.OptionError, match=msg):
            G.choose_grid(data.X, data.codes, rng=np.random.default_rng(0), separation=0.5, **bad)


def test_too_coarse_cell_size_raises_mixed_cell() -> None:
    X = np.array([[0.1, 0.1], [0.12, 0.1], [0.9, 0.9]])
    with pytest.raises(mn.ConstructionError, match="share grid cell"):
        M3.build(check_dataset(X, [0, 1, 1]), rng=np.random.default_rng(0), seed=0, cell_size=1.0)


def _reference_codes(res: mn.ConstructionResult, X: np.ndarray) -> np.ndarray:
    """Cell codes by the numpy reference staircase (independent of the network)."""
    ths = [[float(t) for t in ts] for ts in res.info["thresholds"]]
    return staircase_index(X, ths) @ np.array(res.info["code_weights"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    N=st.integers(2, 60),
    n=st.integers(1, 4),
    grid=st.sampled_from(["fixed", "adaptive"]),
)
def test_exact_memorization_property(seed: int, N: int, n: int, grid: str) -> None:
    gen = np.random.default_rng(seed)
    X = np.round(gen.random((N, n)), 3)
    y = gen.integers(0, 2, N)
    y[0], y[-1] = 0, 1
    _, first = np.unique(X, axis=0, return_index=True)
    X, y = X[np.sort(first)], y[np.sort(first)]
    if len(np.unique(y)) < 2:
        return
    res = mn.construct(X, y, method="constant", rng=seed, grid=grid)
    assert res.verified and res.stats["verification"] == "exact"
    assert res.predict(X).tolist() == y.tolist()
    out = res.network.forward_exact(X)
    signs = np.where(y == 1, 1, -1)
    assert all(s * v > 0 for s, v in zip(signs, out.ravel().tolist(), strict=True))
    # the code of every sample is the code of its cell, computed independently
    codes = _reference_codes(res, X)
    cell_codes = np.array(res.info["cell_codes"])
    assert codes.tolist() == cell_codes[res.info["sample_cell"]].tolist()
    assert len(set(cell_codes.tolist())) == res.stats["occupied_cells"]
    T = res.stats["thresholds"]
    assert res.network.layers[0].n_outputs == 2 * T
    assert n * (res.stats["occupied_cells"] - 1) >= T
    assert res.stats["band"] >= res.stats["ramp_width"] > 0


def _balls(seed: int = 3) -> Any:
    from memnets.datasets import ball_mixture

    return ball_mixture(n_features=2, n_balls=6, separation=0.2, radius=0.03, rng=seed)


def test_params_stop_growing_on_ball_mixture() -> None:
    D = _balls()
    stats = []
    for N in (3000, 6000):
        X, y = D.sample(N, rng=N)
        res = mn.construct(X, y, method="constant", rng=7, separation=D.separation)
        assert res.verified
        stats.append(res.stats)
    # the fixed grid depends on (seed, c_D) only; every cell meeting the balls is occupied
    assert stats[0]["cell_size"] == stats[1]["cell_size"] == 0.125
    assert stats[0]["occupied_cells"] == stats[1]["occupied_cells"]
    assert stats[0]["params"] == stats[1]["params"]
    assert stats[0]["params_nonzero"] == stats[1]["params_nonzero"]
    assert stats[0]["thresholds"] == stats[1]["thresholds"]


def test_generalizes_on_ball_mixture_once_cells_are_covered() -> None:
    D = _balls()
    X, y = D.sample(3000, rng=1)
    Xt, yt = D.sample(2000, rng=2)
    res = mn.construct(X, y, method="constant", rng=7, separation=D.separation)
    assert res.score(Xt, yt) >= 0.99


def test_experiment_constant_tiny(tmp_path: Any) -> None:
    from memnets.experiments import constant as E

    out = E.run(tmp_path, Ns=[64, 512], seeds=1, n_test=300, optimal_max_n=512, progress=False,
                n_balls=6, separation=0.2, radius=0.02)
    assert out["name"] == "constant"
    assert sorted(p.rsplit("/", 1)[-1] for p in map(str, out["plots"])) == [
        "constant_accuracy.png", "constant_estimators.png", "constant_params.png", "constant_thm43_route.png"]
    assert all((tmp_path / p).exists() for p in ("constant.json", "constant_params.png", "constant_accuracy.png"))
    import json

    doc = json.loads((tmp_path / "constant.json").read_text())
    assert doc["seed"] == 0 and doc["memnets_version"] == mn.__version__
    assert [r["N"] for r in doc["table"]] == [64, 512]
    for c in doc["cells"]:
        assert c["constant"]["verified"] and c["optimal"]["verified"]
        assert c["constant"]["occupied_cells"] <= c["true_cells"]
    assert doc["claims"]["K"] == 6 and "| 512 |" in out["markdown"]


def test_true_cells_meeting_balls_by_hand() -> None:
    from memnets.experiments.constant import true_cells_meeting_balls

    # one ball at the centre of cell (0, 0) of a grid with h = 1/2: only that cell
    assert true_cells_meeting_balls(np.array([[0.25, 0.25]]), 0.1, 0.5, [0.0, 0.0]) == 1
    # a ball on the corner (1/2, 1/2) meets the four cells around it
    assert true_cells_meeting_balls(np.array([[0.5, 0.5]]), 0.1, 0.5, [0.0, 0.0]) == 4
    # on an edge: two cells; the distance to the diagonal cells is 0.11 > 0.1
    assert true_cells_meeting_balls(np.array([[0.5, 0.39]]), 0.1, 0.5, [0.0, 0.0]) == 2


def test_adaptive_grid_is_smaller_on_real_data() -> None:
    X, y = mn.datasets.load("digits", classes=(3, 5), n=120, rng=0)
    fixed = mn.construct(X, y, method="constant", rng=0)
    adaptive = mn.construct(X, y, method="constant", rng=0, grid="adaptive")
    assert fixed.verified and adaptive.verified
    assert adaptive.stats["cell_size"] > fixed.stats["cell_size"]
    assert adaptive.stats["thresholds"] < fixed.stats["thresholds"]
    assert adaptive.stats["params_nonzero"] < fixed.stats["params_nonzero"]
    assert adaptive.predict(X).tolist() == list(y)


def test_code_range_option_reaches_the_collision_check() -> None:
    X = np.array([[0.1, 0.6], [0.6, 0.1], [0.1, 0.1], [0.6, 0.6]])
    # coordinates 0.1 and 0.6 are exactly h = 1/2 apart, so they never share an (open) cell:
    # whatever the offsets, the compressed indices are (0,1), (1,0), (0,0), (1,1), and
    # code_range=1 forces a = (1, 1): codes 1, 1, 0, 2 always collide
    data = check_dataset(X, [0, 0, 1, 1])
    g = G.choose_grid(data.X, data.codes, rng=np.random.default_rng(0), cell_size=0.5)
    assert len({tuple(c) for c in g.cells.tolist()}) == 4
    with pytest.raises(mn.ConstructionError, match="collided on the 4 occupied cells"):
        M3.build(data, rng=np.random.default_rng(0), seed=0, cell_size=0.5, code_range=1, max_tries=3)
