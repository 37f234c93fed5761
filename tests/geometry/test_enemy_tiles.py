"""The tiled float32 kernels of memnets._geometry.enemies and the symmetric cover sets.

Agreement with float64 brute force and with scikit-learn's NearestNeighbors on seeded
random data (constant columns, duplicated samples, equidistant enemies); the threaded path
gives the floats of the serial one; the symmetric cover sets are those of the row-by-row
construction; the float32 threshold rounding keeps every comparison's outcome.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.neighbors import NearestNeighbors

from memnets._geometry import enemies
from memnets._geometry.condense import _cover


def _data(seed: int, n: int = 300, dim: int = 12, n_classes: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Random samples with two constant columns (0 and 0.5), duplicated samples inside a
    class and pixel-like values k/8 (many equal distances)."""
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 9, size=(n, dim)) / 8.0
    X[:, 1] = 0.0
    X[:, 4] = 0.5
    y = rng.integers(0, n_classes, size=n)
    X[n // 2 : n // 2 + 10] = X[:10]  # duplicates: same label so the data stay consistent
    y[n // 2 : n // 2 + 10] = y[:10]
    return X, y


def _force_threads(monkeypatch: pytest.MonkeyPatch, tile_rows: int = 16, tile_cols: int = 7) -> None:
    """Small ragged tiles on two threads, whatever the job size."""
    monkeypatch.setattr(enemies, "TILE_ROWS", tile_rows)
    monkeypatch.setattr(enemies, "TILE_COLS", tile_cols)
    monkeypatch.setattr(enemies, "_SUB_ROWS", 5)  # ragged elementwise blocks inside a tile
    monkeypatch.setattr(_cover, "TILE_COLS", tile_cols)
    monkeypatch.setattr(enemies, "_workers", lambda n_tasks, pairs: 2)


def _brute(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    D = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    return np.where(y[:, None] != y[None, :], D, np.inf).min(axis=1)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_enemy_agrees_with_float64_and_sklearn(seed: int) -> None:
    X, y = _data(seed)
    computed, lower = enemies.nearest_enemy_sq(X, y)
    exact = _brute(X, y)
    sq = np.einsum("ij,ij->i", X, X)
    tol = enemies._tol_scale(X.shape[1]) * (sq + sq.max())
    assert (lower <= exact).all() and (np.abs(computed - exact) <= tol).all()
    for c in np.unique(y):
        nn = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(X[y != c])
        dist, _ = nn.kneighbors(X[y == c])
        assert (np.abs(computed[y == c] - dist[:, 0] ** 2) <= tol[y == c] + 1e-12).all()


def test_nearest_enemy_is_the_minimum_of_geom_d2_bit_for_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    # the kernel's floats are Geom.d2's: fl(fl(-2 <x, z> + |x|^2) + |z|^2) with x in the
    # earlier class (the -2 folded into an operand, the column minima taken before |z|^2)
    X, y = _data(5, n=200)
    g = enemies.Geom(X)
    D = g.d2(np.arange(200), np.arange(200))
    first = y[:, None] < y[None, :]  # x_i is the row of the pair (i, j)
    pair = np.where(first, D, D.T)
    ref = np.where(y[:, None] != y[None, :], pair, np.inf).min(axis=1)
    serial, _ = enemies.nearest_enemy_sq(X, y)
    assert np.array_equal(serial, ref.astype(np.float64))
    _force_threads(monkeypatch)
    threaded, _ = enemies.nearest_enemy_sq(X, y)
    assert np.array_equal(threaded, serial)


def test_nearest_enemy_constant_columns_and_one_class() -> None:
    # every column constant but one: the distances are those of that column alone
    X = np.zeros((6, 5))
    X[:, 0] = [0.0, 0.25, 0.5, 0.75, 1.0, 0.125]
    X[:, 3] = 0.5
    y = np.array([0, 0, 1, 1, 2, 0])
    computed, lower = enemies.nearest_enemy_sq(X, y)
    assert computed.tolist() == [0.25, 0.0625, 0.0625, 0.0625, 0.0625, 0.140625]
    assert (lower <= computed).all()
    same, low = enemies.nearest_enemy_sq(X, np.zeros(6))
    assert np.isinf(same).all() and np.isinf(low).all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 90), n_classes=st.integers(1, 4),
       tile_rows=st.integers(1, 9), tile_cols=st.integers(1, 9))
def test_threaded_tiles_give_the_serial_floats(seed, n, n_classes, tile_rows, tile_cols):
    X, y = _data(seed, n=max(n, 22), dim=5, n_classes=n_classes)
    serial = enemies.nearest_enemy_sq(X, y)
    with pytest.MonkeyPatch.context() as mp:
        _force_threads(mp, tile_rows, tile_cols)
        threaded = enemies.nearest_enemy_sq(X, y)
    assert np.array_equal(serial[0], threaded[0]) and np.array_equal(serial[1], threaded[1])


@pytest.mark.parametrize(("threads", "tile_cols"), [(False, 1024), (True, 7), (True, 64)])
def test_symmetric_cover_sets_equal_the_row_by_row_sets(monkeypatch, threads, tile_cols) -> None:
    X, y = _data(9, n=400, dim=10, n_classes=3)
    g = enemies.Geom(X)
    codes = np.unique(y, return_inverse=True)[1]
    cb = g.by_class(codes)
    low = enemies.nearest_enemy_sq(X, y)[1]
    if threads:
        _force_threads(monkeypatch, tile_cols=tile_cols)
    for c in range(3):
        lo, hi = int(cb.ends[c]), int(cb.ends[c + 1])
        idx = cb.perm[lo:hi]
        assert np.array_equal(idx, np.flatnonzero(codes == c))
        lim = 0.7**2 * low[idx] - g.tol(idx)
        ptr, xs = _cover._cover_sets(g, idx, lim)
        ptr2, xs2 = _cover._cover_sets_symmetric(cb, lo, hi, lim)
        assert np.array_equal(ptr, ptr2) and np.array_equal(xs, xs2)
        assert ptr[-1] > idx.size  # some sample covers another besides itself


def test_cover_falls_back_to_row_blocks_for_large_classes(monkeypatch) -> None:
    X, y = _data(4, n=250, dim=6, n_classes=2)
    expected = _cover.cover(X, y, alpha=0.8, k=2)
    monkeypatch.setattr(_cover, "SYMMETRIC_MAX", 10)
    got = _cover.cover(X, y, alpha=0.8, k=2)
    assert np.array_equal(expected[0], got[0]) and np.array_equal(expected[1], got[1])


def test_to_f32_keeps_every_comparison() -> None:
    rng = np.random.default_rng(3)
    v = np.concatenate([rng.random(2000) * 10, rng.random(50).astype(np.float32).astype(np.float64), [0.0, -1.5]])
    up, down = enemies.to_f32(v, np.inf), enemies.to_f32(v, -np.inf)
    assert (up.astype(np.float64) >= v).all() and (down.astype(np.float64) <= v).all()
    # float32 neighbours of every threshold: the comparison's outcome is unchanged
    for d in (up, down, np.nextafter(up, np.float32(np.inf)), np.nextafter(down, np.float32(-np.inf))):
        assert np.array_equal(d < up, d.astype(np.float64) < v)
        assert np.array_equal(d > down, d.astype(np.float64) > v)


def test_run_tiles_keeps_the_task_order(monkeypatch) -> None:
    tasks = list(range(23))
    assert enemies.run_tiles(lambda t: t * t, tasks, "squares", 0) == [t * t for t in tasks]
    monkeypatch.setattr(enemies, "_workers", lambda n_tasks, pairs: 2)
    assert enemies.run_tiles(lambda t: t * t, tasks, "squares", 0) == [t * t for t in tasks]


def test_workers_follow_blas_threads() -> None:
    from threadpoolctl import threadpool_limits

    assert enemies._workers(10, 10) == 1  # a small job stays on the calling thread
    assert enemies._workers(1, 2**40) == 1  # so does a single task
    with threadpool_limits(limits=1, user_api="blas"):
        assert enemies._workers(10, 2**30) == 1  # a caller's BLAS limit is respected


def test_geom_leaves_constant_columns_out_of_the_gemm() -> None:
    X, _ = _data(7, n=120, dim=9)
    g = enemies.Geom(X)
    varying = [k for k in range(9) if np.ptp(X[:, k]) > 0]
    assert g.X32.shape == (120, len(varying)) and {1, 4}.isdisjoint(varying)
    assert g.scale == enemies._tol_scale(9)  # the bound still counts every column
    exact = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    d2 = g.d2(np.arange(120), np.arange(120)).astype(np.float64)
    tol = g.tol(np.arange(120))
    assert (np.abs(d2 - exact) <= tol[:, None]).all()
    assert np.array_equal(g.sq, np.einsum("ij,ij->i", X[:, varying], X[:, varying]))
    # every column constant: all distances 0, nothing to multiply
    same = enemies.Geom(np.full((4, 3), 0.25))
    assert same.X32.shape == (4, 0) and not same.d2(np.arange(4), np.arange(4)).any()
    computed, _ = enemies.nearest_enemy_sq(np.full((4, 3), 0.25), [0, 0, 1, 1])
    assert computed.tolist() == [0.0] * 4


def _reference_cover(X: np.ndarray, y: np.ndarray, alpha: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The cover class by class, row-by-row sets, assignment by a plain loop."""
    g = enemies.Geom(X)
    codes = np.unique(y, return_inverse=True)[1]
    thr = alpha * alpha * enemies.nearest_enemy_sq(X, y)[1]
    reps, assign = [], np.full(y.size, -1)
    for c in range(codes.max() + 1):
        idx = np.flatnonzero(codes == c)
        ptr, xs = _cover._cover_sets(g, idx, thr[idx] - g.tol(idx))
        chosen = _cover._greedy_cover(ptr, xs, np.minimum(np.bincount(xs, minlength=idx.size), k))
        for s in chosen:
            for x in xs[ptr[s] : ptr[s + 1]]:
                if assign[idx[x]] < 0:
                    assign[idx[x]] = idx[s]
        reps.extend(idx[chosen].tolist())
    return np.sort(reps), assign


@pytest.mark.parametrize(("seed", "alpha", "k", "threads"), [(0, 0.7, 2, False), (1, 0.9, 1, True), (2, 1.0, 3, True)])
def test_pipelined_cover_equals_the_class_by_class_reference(monkeypatch, seed, alpha, k, threads) -> None:
    X, y = _data(seed, n=260, dim=8, n_classes=4)
    if threads:
        _force_threads(monkeypatch, tile_cols=13)
    reps, assign = _cover.cover(X, y, alpha=alpha, k=k)
    ref_reps, ref_assign = _reference_cover(X, y, alpha, k)
    assert np.array_equal(reps, ref_reps) and np.array_equal(assign, ref_assign)
    assert (assign >= 0).all() and (y[assign] == y).all()


def test_first_cover_takes_the_earliest_chosen_set() -> None:
    # sets: 0 -> {0, 1}, 1 -> {1, 2}, 2 -> {2, 3, 0}; chosen in the order 2, 0
    ptr, xs = np.array([0, 2, 4, 7]), np.array([0, 1, 1, 2, 2, 3, 0])
    x, s = _cover._first_cover(ptr, xs, np.array([2, 0]))
    assert x.tolist() == [0, 1, 2, 3] and s.tolist() == [2, 0, 2, 2]


def test_bounds_bracket_the_exact_distance_off_the_float32_grid() -> None:
    """Samples float32 cannot hold (0.1-like values) and one next to the origin, far from
    its enemies: there the float32 error comes from the enemy's norm, not the sample's.
    Every lower bound must stay at or below, every upper bound at or above, the exact
    squared distance to the nearest enemy (exact in rational arithmetic)."""
    from fractions import Fraction

    rng = np.random.default_rng(5)
    X = rng.random((40, 6)) + 0.6
    X[0] = 1e-3  # |x_0| tiny: its tolerance must cover the enemies' norms too
    y = np.arange(40) % 3
    exact = [min(sum((Fraction(float(a)) - Fraction(float(b))) ** 2 for a, b in zip(X[i], X[j], strict=True))
                 for j in range(40) if y[j] != y[i]) for i in range(40)]
    computed, lower = enemies.nearest_enemy_sq(X, y)
    upper, low2 = enemies.nearest_enemy_bounds(X, y)
    assert np.array_equal(lower, low2)
    assert all(Fraction(float(lo)) <= e <= Fraction(float(up)) for lo, e, up in zip(lower, exact, upper, strict=True))
    # the computed values really are off the exact ones, both ways (the bounds are needed)
    assert any(Fraction(float(c)) < e for c, e in zip(computed, exact, strict=True))
    assert any(Fraction(float(c)) > e for c, e in zip(computed, exact, strict=True))
