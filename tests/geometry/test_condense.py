"""Condensing rules for M1 (memnets._geometry.condense).

Three levels: hand-worked tiny cases; exact property tests (every sample's nearest
representative has its label, checked in integer arithmetic on grid data); agreement with
plain-Python reference implementations of each rule in exact arithmetic.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _helpers import mnist_dir, needs_mnist
from memnets._core.errors import InputError, OptionError
from memnets._geometry import condense as cd
from memnets._geometry import enemies
from memnets._geometry.condense import _minimal

RULE_PARAMS = [
    ("cover", {"alpha": 1.0, "k": 1}),
    ("cover", {"alpha": 0.5, "k": 1}),
    ("cover", {}),  # the defaults
    ("cover", {"alpha": 0.9, "k": 3}),
    ("mss", {"alpha": 1.0, "k": 1}),
    ("mss", {"alpha": 0.7, "k": 2}),
    ("hart", {"lam": 1.0}),
    ("hart", {"lam": 0.5}),
    ("fcnn", {"lam": 1.0}),
    ("fcnn", {"lam": 0.75}),
    ("mcs", {"lam": 1.0}),
    ("mcs", {"lam": 0.75}),
]


# --------------------------------------------------------------------------- exact helpers
def grid_data(seed: int, n: int, dim: int, n_classes: int, span: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Integer grid points (duplicates allowed within a class, never across): returns the
    integer coordinates, X = coords / 8 (exact in float64) and labels."""
    rng = np.random.default_rng(seed)
    Z = rng.integers(0, span, size=(n, dim))
    y = rng.integers(0, n_classes, size=n)
    # one label per distinct point (the first one drawn): no conflicting duplicates
    _, first, inv = np.unique(Z, axis=0, return_index=True, return_inverse=True)
    y = y[first][inv.ravel()]
    return Z, Z / 8.0, y


def exact_d2(Z: np.ndarray) -> np.ndarray:
    """Exact squared distances in units of 1/64 (int64)."""
    diff = Z[:, None, :] - Z[None, :, :]
    return np.einsum("ijk,ijk->ij", diff, diff)


def assert_consistent_exact(Z: np.ndarray, y: np.ndarray, reps: np.ndarray) -> None:
    """Every sample's nearest representative has its label, strictly (integer arithmetic)."""
    D = exact_d2(Z)[:, reps]
    same = y[:, None] == y[reps][None, :]
    plus = np.where(same, D, np.iinfo(np.int64).max).min(axis=1)
    minus = np.where(same, np.iinfo(np.int64).max, D).min(axis=1)
    bad = np.flatnonzero(~(plus < minus))
    assert bad.size == 0, f"samples {bad.tolist()} are not strictly nearer a same-label representative"


# --------------------------------------------------------------------------- references
def ref_cover(D: np.ndarray, y: np.ndarray, thr_num: int, thr_den: int, k: int, mss_key=None) -> list[int]:
    """Greedy multicover in exact arithmetic: x in cov(s) iff den * d2(x,s) < num * c_x^2.

    ``mss_key``: candidate priorities for MSS (ascending; the implementation's float
    bounds on c_s, as exact ties in c_s would otherwise be ordered by rounding)."""
    N = len(y)
    c2 = np.array([min(D[i, j] for j in range(N) if y[j] != y[i]) for i in range(N)])
    chosen: list[int] = []
    for c in np.unique(y):
        idx = [i for i in range(N) if y[i] == c]
        cov = {s: [x for x in idx if thr_den * D[x, s] < thr_num * c2[x]] for s in idx}
        need = {x: min(k, sum(x in cov[s] for s in idx)) for x in idx}
        if mss_key is not None:
            for s in sorted(idx, key=lambda s: (mss_key[s], s)):
                if any(need[x] > 0 for x in cov[s]):
                    chosen.append(s)
                    for x in cov[s]:
                        need[x] -= 1
            continue
        while any(v > 0 for v in need.values()):
            gains = [(-sum(need[x] > 0 for x in cov[s]), s) for s in idx if s not in chosen]
            _, s = min(gains)
            chosen.append(s)
            for x in cov[s]:
                need[x] -= 1
    return sorted(chosen)


def ref_hart(D: np.ndarray, y: np.ndarray, lam2_num: int, lam2_den: int) -> list[int]:
    """Hart with ratio margin in exact arithmetic: absorbed iff den d_+^2 < num d_-^2."""
    N = len(y)
    reps = sorted({int(np.flatnonzero(y == c)[0]) for c in np.unique(y)})
    while True:
        added = False
        for i in range(N):
            if i in reps:
                continue
            plus = min(D[i, r] for r in reps if y[r] == y[i])
            others = [D[i, r] for r in reps if y[r] != y[i]]
            if not (others and lam2_den * plus < lam2_num * min(others)):
                reps.append(i)
                added = True
        if not added:
            return sorted(reps)


def ref_fcnn(X: np.ndarray, y: np.ndarray, lam: float) -> list[int]:
    """FCNN1 with ratio margin in float64, for continuous data. Like the implementation,
    a decision within the float32 error bound ``tol`` counts as *not* absorbed."""
    D = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    sq = (X * X).sum(1)
    tol = enemies._tol_scale(X.shape[1]) * (sq + sq.max())
    reps: list[int] = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        mu = X[idx].mean(axis=0)
        reps.append(int(idx[np.argmin(((X[idx] - mu) ** 2).sum(1))]))
    while True:
        R = np.array(reps)
        picks: dict[int, tuple[float, int]] = {}
        for i in range(len(y)):
            if i in reps:
                continue
            same = y[R] == y[i]
            plus = D[i, R][same].min()
            minus = D[i, R][~same].min() if (~same).any() else np.inf
            if plus + tol[i] < lam * lam * (minus - tol[i]):
                continue
            p = int(R[np.argmin(D[i, R])])
            picks[p] = min(picks.get(p, (np.inf, -1)), (D[i, p], i))
        if not picks:
            return sorted(reps)
        reps.extend(sorted(i for _, i in picks.values()))


# --------------------------------------------------------------------------- hand-worked
def test_cover_hand_worked_max_coverage_beats_index_order():
    # c_x = 1.0, 0.8, 0.6 (nearest enemy 1.0); radii alpha c_x = 0.5, 0.4, 0.3:
    # cov(0.0) = {0.0, 0.2}, cov(0.2) = cov(0.4) = {0.0, 0.2, 0.4}; the greedy takes 0.2
    reps = cd.condense([[0.0], [0.2], [0.4], [1.0]], [0, 0, 0, 1], "cover", alpha=0.5, k=1)
    assert reps.tolist() == [1, 3]
    # k = 2: deg = 3, 3, 2 -> two covers each; 0.2 (gain 3) and then 0.4 (gain 3 > 0.0's 2)
    reps2 = cd.condense([[0.0], [0.2], [0.4], [1.0]], [0, 0, 0, 1], "cover", alpha=0.5, k=2)
    assert reps2.tolist() == [1, 2, 3]
    # mss tries the boundary sample 0.4 (smallest c) first: it covers the whole class
    reps3 = cd.condense([[0.0], [0.2], [0.4], [1.0]], [0, 0, 0, 1], "mss", alpha=0.5, k=1)
    assert reps3.tolist() == [2, 3]
    # alpha = 0.3: radii 0.3, 0.24, 0.18; cov(0.0) = {0.0, 0.2}, cov(0.2) = {0.0, 0.2},
    # cov(0.4) = {0.4}: two representatives, the lowest index wins the tie
    reps4 = cd.condense([[0.0], [0.2], [0.4], [1.0]], [0, 0, 0, 1], "cover", alpha=0.3, k=1)
    assert reps4.tolist() == [0, 2, 3]


def test_hart_and_fcnn_keep_exact_ties():
    X, y = [[0.0], [0.1], [0.5], [0.8], [0.9], [1.0]], [0, 0, 0, 1, 1, 1]
    # 0.5 is 0.4 from both 0.1 and 0.9: a tie is never trusted, so 0.5 becomes a representative
    assert cd.condense(X, y, "hart", lam=1.0).tolist() == [0, 2, 3]
    assert cd.condense(X, y, "fcnn", lam=1.0).tolist() == [1, 2, 4]
    # ratio 1/2, start {0.0, 0.8}: 0.1 (0.1 vs 0.7) absorbed; 0.5 (0.5 vs 0.3) kept;
    # 0.9 (0.1 vs 0.4) and 1.0 (0.2 vs 0.5) absorbed; the second pass adds nothing
    assert cd.condense(X, y, "hart", lam=0.5).tolist() == [0, 2, 3]


def test_nearest_enemy_sq_hand_worked_and_bounds():
    computed, lower = enemies.nearest_enemy_sq([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0]], ["a", "b", "a"])
    assert computed.tolist() == [25.0, 18.0, 18.0]
    assert (lower <= np.array([25.0, 18.0, 18.0])).all() and (lower > computed - 1e-3).all()
    one, low1 = enemies.nearest_enemy_sq([[0.0], [1.0]], [7, 7])
    assert np.isinf(one).all() and np.isinf(low1).all()


def test_consistent_margins_hand_worked():
    plus, minus = cd.consistent_margins([[0.0], [1.0], [3.0]], [0, 0, 1], [0, 2])
    assert plus.tolist() == [0.0, 1.0, 0.0] and minus.tolist() == [9.0, 4.0, 9.0]


# --------------------------------------------------------------------------- properties
@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    n=st.integers(2, 40),
    dim=st.integers(1, 4),
    n_classes=st.integers(2, 4),
    case=st.sampled_from(range(len(RULE_PARAMS))),
)
def test_every_rule_is_consistent_exactly(seed, n, dim, n_classes, case):
    Z, X, y = grid_data(seed, n, dim, n_classes)
    if np.unique(y).size < 2:
        return
    rule, params = RULE_PARAMS[case]
    reps = cd.condense(X, y, rule, **params)
    assert reps.dtype == np.int64 and np.all(np.diff(reps) > 0)
    assert set(np.unique(y)) <= set(y[reps])
    assert_consistent_exact(Z, y, reps)
    if rule in ("cover", "mss"):  # the cover itself: k (or all available) covers within alpha c_x
        D = exact_d2(Z)
        a2 = params.get("alpha", cd.DEFAULT_ALPHA) ** 2
        for i in range(len(y)):
            c2 = D[i, y != y[i]].min()
            cands = np.flatnonzero((y == y[i]) & (D[i] < a2 * c2))
            got = np.intersect1d(cands, reps).size
            assert got >= min(params.get("k", cd.DEFAULT_K), cands.size)
        # cover()'s assignment: a chosen same-label sample strictly within alpha c_x
        reps2, assign = cd.cover(X, y, **params, order="boundary" if rule == "mss" else "greedy")
        assert reps2.tolist() == reps.tolist()
        assert np.isin(assign, reps).all() and (y[assign] == y).all()
        c2 = np.array([D[i, y != y[i]].min() for i in range(len(y))])
        assert (D[np.arange(len(y)), assign] < a2 * c2).all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 30), dim=st.integers(1, 3), n_classes=st.integers(2, 3))
def test_agrees_with_exact_reference(seed, n, dim, n_classes):
    # grid data: every distance is a multiple of 1/64 and the thresholds below multiples of
    # 1/256, so a true inequality holds with a gap >> the float32 error bound, and equality
    # (a tie) is rejected by both paths: results must be identical
    Z, X, y = grid_data(seed, n, dim, n_classes)
    if np.unique(y).size < 2:
        return
    D = exact_d2(Z)
    key = enemies.nearest_enemy_sq(X, y)[1]
    for k in (1, 2):
        for num, den, alpha in ((1, 1, 1.0), (1, 4, 0.5)):
            assert cd.condense(X, y, "cover", alpha=alpha, k=k).tolist() == ref_cover(D, y, num, den, k)
            assert cd.condense(X, y, "mss", alpha=alpha, k=k).tolist() == ref_cover(D, y, num, den, k, key)
    assert cd.condense(X, y, "hart", lam=1.0).tolist() == ref_hart(D, y, 1, 1)
    assert cd.condense(X, y, "hart", lam=0.5).tolist() == ref_hart(D, y, 1, 4)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("lam", [1.0, 0.8])
def test_fcnn_agrees_with_reference(seed, lam):
    rng = np.random.default_rng(seed)
    centers = rng.random((4, 3))
    labels = np.array([0, 1, 0, 2])
    pick = rng.integers(0, 4, size=120)
    X = np.clip(centers[pick] + 0.15 * rng.standard_normal((120, 3)), 0, 1)
    y = labels[pick]
    assert cd.condense(X, y, "fcnn", lam=lam).tolist() == ref_fcnn(X, y, lam)


@pytest.mark.parametrize("rule,params", RULE_PARAMS)
def test_c2_lower_given_or_computed_same_result(rule, params):
    rng = np.random.default_rng(3)
    X = rng.random((300, 5))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0.6).astype(int)
    low = enemies.nearest_enemy_sq(X, y)[1]
    a = cd.condense(X, y, rule, **params)
    b = cd.condense(X, y, rule, c2_lower=low, **params)
    assert a.tolist() == b.tolist()
    plus, minus = cd.consistent_margins(X, y, a)
    assert (plus < minus).all()


def test_larger_k_and_smaller_alpha_keep_more():
    rng = np.random.default_rng(5)
    X = rng.random((400, 4))
    y = (np.sin(6 * X[:, 0]) > X[:, 1] - 0.5).astype(int)
    sizes = [cd.condense(X, y, "cover", alpha=a, k=k).size for a, k in ((1.0, 1), (1.0, 3), (0.6, 3))]
    assert sizes[0] < sizes[1] < sizes[2] <= 400
    h = [cd.condense(X, y, "hart", lam=lam).size for lam in (1.0, 0.5)]
    assert h[0] < h[1]


def test_nearest_enemy_matches_brute_force_float64():
    rng = np.random.default_rng(11)
    X = rng.random((257, 30))
    y = rng.integers(0, 3, size=257)
    computed, lower = enemies.nearest_enemy_sq(X, y)
    D = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    exact = np.array([D[i, y != y[i]].min() for i in range(len(y))])
    tol = enemies._tol_scale(30) * (np.einsum("ij,ij->i", X, X) + np.einsum("ij,ij->i", X, X).max())
    assert (lower <= exact).all()
    assert (np.abs(computed - exact) <= tol).all()


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 60), dim=st.integers(1, 4),
       n_classes=st.integers(2, 4), lam_case=st.sampled_from([(1, 1), (3, 4), (1, 2)]))
def test_mcs_never_larger_than_fcnn_and_keeps_the_ratio_exactly(seed, n, dim, n_classes, lam_case):
    # "mcs" starts from "fcnn" and only accepts smaller covers and removals; every sample
    # keeps d_+ < lam d_- (integer arithmetic: den^2 d_+^2 < num^2 d_-^2), ties included
    Z, X, y = grid_data(seed, n, dim, n_classes)
    if np.unique(y).size < 2:
        return
    num, den = lam_case
    lam = num / den
    start = cd.condense(X, y, "fcnn", lam=lam)
    reps = cd.condense(X, y, "mcs", lam=lam)
    assert reps.size <= start.size
    assert set(np.unique(y)) <= set(y[reps])
    D = exact_d2(Z)[:, reps]
    same = y[:, None] == y[reps][None, :]
    big = np.iinfo(np.int64).max // 64
    plus = np.where(same, D, big).min(axis=1)
    minus = np.where(same, big, D).min(axis=1)
    assert (den * den * plus < num * num * minus).all()


def test_mcs_beats_fcnn_on_a_long_boundary():
    # uniform points in [0,1]^5 split by a hyperplane (FCNN keeps 173 of 800): the
    # alternating covers need a quarter fewer representatives; without the distance cache
    # (recomputed distances, no pruning) the result is still consistent and below FCNN
    rng = np.random.default_rng(8)
    X = rng.random((800, 5))
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    f = cd.condense(X, y, "fcnn", lam=1.0)
    m = cd.condense(X, y, "mcs", lam=1.0)
    assert m.size < 0.8 * f.size
    assert cd.is_consistent(X, y, m).all()
    old = _minimal._MCS_CACHE_BYTES
    try:
        _minimal._MCS_CACHE_BYTES = 0  # no cache, no pruning: still consistent, not smaller
        m2 = cd.condense(X, y, "mcs", lam=1.0)
    finally:
        _minimal._MCS_CACHE_BYTES = old
    assert cd.is_consistent(X, y, m2).all() and m.size <= m2.size < f.size


# --------------------------------------------------------------------------- errors
def test_errors():
    X, y = [[0.0], [1.0]], [0, 1]
    with pytest.raises(OptionError, match="rule"):
        cd.condense(X, y, "nearest")
    with pytest.raises(OptionError, match="alpha"):
        cd.condense(X, y, "cover", alpha=1.5)
    with pytest.raises(OptionError, match="lam"):
        cd.condense(X, y, "hart", lam=0.0)
    with pytest.raises(OptionError, match="k"):
        cd.condense(X, y, "cover", k=0)
    with pytest.raises(OptionError, match="order"):
        cd.cover(X, y, order="random")
    with pytest.raises(OptionError, match="max_passes"):
        cd.condense(X, y, "hart", max_passes=0)
    with pytest.raises(InputError, match="c2_lower"):
        cd.condense(X, y, "cover", c2_lower=[1.0])
    with pytest.raises(InputError, match="samples"):
        cd.condense(X, [0, 1, 1], "cover")
    with pytest.raises(InputError, match="representative"):
        cd.consistent_margins(X, y, [2])


# --------------------------------------------------------------------------- MNIST
@needs_mnist
def test_mnist_subset_condenses_and_memorizes():
    import memnets as mn

    assert mnist_dir() is not None
    X, y = mn.datasets.load("mnist", classes=(4, 9), split="train")
    X, y = X[:3000], y[:3000]
    full = cd.condense(X, y, "cover", alpha=1.0, k=1)
    multi = cd.condense(X, y, "cover", alpha=1.0, k=3)
    assert full.size < multi.size < 0.6 * len(y)
    for reps in (full, multi):
        plus, minus = cd.consistent_margins(X, y, reps)
        assert (plus < minus).all()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 40), dim=st.integers(1, 4), n_reps=st.integers(0, 40))
def test_is_consistent_matches_exact_check(seed, n, dim, n_reps):
    # random subsets of grid data (ties included): the fast certified check equals the
    # exact integer one, sample by sample
    Z, X, y = grid_data(seed, n, dim, 2, span=4)
    reps = np.sort(np.random.default_rng(seed).permutation(n)[: min(n_reps, n)])
    D = exact_d2(Z)[:, reps]
    same = y[:, None] == y[reps][None, :]
    big = np.iinfo(np.int64).max
    plus = np.where(same, D, big).min(axis=1, initial=big)
    minus = np.where(same, big, D).min(axis=1, initial=big)
    expected = (plus < minus) & (plus < big)
    assert cd.is_consistent(X, y, reps).tolist() == expected.tolist()


def test_is_consistent_refuses_exact_ties_that_float32_splits():
    # x and its two representatives x + v and x - v: an exact tie (d_+^2 = d_-^2 = |v|^2),
    # so x is consistent under neither labelling. float32 computes the two distances with
    # |x|^2 + |z|^2 - 2 <x, z> (cancellation at |x| ~ 1, |v| ~ 1e-3) and splits most ties;
    # only the tolerance sends them on to float64 / exact arithmetic.
    rng = np.random.default_rng(11)
    for _ in range(20):
        x = rng.integers(2**18, 2**20, size=8) / 2.0**20  # dyadic: x +- v exact in float64
        v = rng.integers(-2**10, 2**10, size=8) / 2.0**20
        X = np.array([x, x + v, x - v])
        assert cd.is_consistent(X, [0, 0, 1], [1, 2]).tolist() == [False, True, True]
        assert cd.is_consistent(X, [0, 1, 0], [1, 2]).tolist() == [False, True, True]
