"""`efficient` (ours, after Theorem 7.3): exact reference cases, properties, cross-paths."""

from __future__ import annotations

import math
import os
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.neighbors import KNeighborsClassifier

import memnets as mn
from _helpers import needs_mnist
from memnets import theory
from memnets._constructions import efficient as eff
from memnets._core.checks import check_dataset
from memnets._core.network import SparseWeight
from memnets._engines import decide, maxtree
from memnets._engines.decide import margins_exact
from memnets._geometry import enemies
from memnets._geometry.enemies import nearest_enemy_bounds

TINY_X = np.array([[0.0, 0.0], [0.0, 0.25], [1.0, 1.0], [1.0, 0.75]])
TINY_Y = np.array([0, 0, 1, 1])


# --------------------------------------------------------------------------- exact reference
def test_tiny_cover_by_hand() -> None:
    # c^2 = |(0, .25) - (1, .75)|^2 = 1.25; r = c/2, r^2 = 0.3125 > 0.0625 = |x0 - x1|^2:
    # x0 covers x1, x2 covers x3. h = (2 s_k, C - |s_k|^2) with C = 2; F = h_2 - h_0.
    res = mn.construct(TINY_X, TINY_Y, method="efficient", preset="theorem", rng=0)
    assert res.info["representatives"].tolist() == [0, 2]
    net = res.network
    assert net.depth == 2 and net.width == 2
    w1, b1 = net.layers[0].weight, net.layers[0].bias
    assert (w1 == np.array([[0.0, 0.0], [2.0, 2.0]])).all()
    assert (b1 == np.array([2.0, 0.0])).all()
    assert (net.layers[1].dense_weight() == np.array([[-1.0, 1.0]])).all()
    assert (net.layers[1].bias == 0).all()
    # F(x) = 2 (x1 + x2) - 2: margins (sign * F) = 2, 1.5, 2, 1.5, exactly
    data = check_dataset(TINY_X, TINY_Y)
    assert margins_exact(net, data) == [2, Fraction(3, 2), 2, Fraction(3, 2)]
    # certificate (default): c_1^2 - |x_1 - x_0|^2 = 1.25 - 0.0625, a lower bound on 1.5
    assert 1.1875 - 1e-5 <= res.min_margin <= 1.1875
    full = mn.construct(TINY_X, TINY_Y, method="efficient", preset="theorem", verify="engine", rng=0)
    assert abs(full.min_margin - 1.5) <= full.stats["margin_error_bound"]
    assert res.stats["margin_guarantee"] <= 1.25 - 0.3125
    assert res.stats["margin_guarantee"] > 1.25 - 0.3125 - 1e-4  # c from a float32 lower bound
    assert res.stats["n_reps"] == 2 and res.stats["params_first_layer"] == 2 * 3


def test_tiny_none_and_consistent_by_hand() -> None:
    res = mn.construct(TINY_X, TINY_Y, method="efficient", condense="none", rng=0)
    assert res.info["representatives"].tolist() == [0, 1, 2, 3]
    # one tree level per class (2 reps each): depth 1 + 1 + 1
    assert res.network.depth == 3
    # margin of sample i = squared distance to the nearest other-label sample
    assert margins_exact(res.network, check_dataset(TINY_X, TINY_Y)) == [
        Fraction(25, 16), Fraction(5, 4), Fraction(25, 16), Fraction(5, 4),
    ]
    cons = mn.construct(TINY_X, TINY_Y, method="efficient", condense="hart", rng=0)
    # Hart: seeds x0 and x2; x1 is nearer x0, x3 nearer x2: nothing added
    assert cons.info["representatives"].tolist() == [0, 2]
    assert cons.predict(TINY_X).tolist() == TINY_Y.tolist()


def test_tiny_multiclass_by_hand() -> None:
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.125, 0.0]])
    y = np.array(["a", "b", "c", "a"])
    res = mn.construct(X, y, method="efficient", preset="theorem", rng=0)
    assert res.classes.tolist() == ["a", "b", "c"]
    assert res.network.n_outputs == 3
    assert res.info["representatives"].tolist() == [0, 1, 2]  # x3 within r = 1/2 of x0
    out = res.network.forward_exact(X)
    # per-class score = relu(2 <s, x> - |s|^2 + C), C = 1
    assert out.tolist() == [[1, 0, 0], [1, 2, 0], [1, 0, 2], [1, Fraction(1, 4), 0]]
    assert res.predict(X).tolist() == y.tolist()


# --------------------------------------------------------------------------- options / errors
@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, math.nan, True, "half"])
def test_bad_alpha(alpha: object) -> None:
    with pytest.raises(mn.OptionError, match="alpha"):
        mn.construct(TINY_X, TINY_Y, method="efficient", alpha=alpha)


def test_bad_options() -> None:
    with pytest.raises(mn.OptionError, match="condense"):
        mn.construct(TINY_X, TINY_Y, method="efficient", condense="all")
    with pytest.raises(mn.OptionError, match="radius"):
        mn.construct(TINY_X, TINY_Y, method="efficient", radius="big")
    with pytest.raises(mn.OptionError, match="verify"):
        mn.construct(TINY_X, TINY_Y, method="efficient", verify="no")
    for k in (1.5, True, "2"):  # the wrong kind: refused by the registry from the signature
        with pytest.raises(mn.OptionError, match=r"option 'k' must be an int or None, got"):
            mn.construct(TINY_X, TINY_Y, method="efficient", k=k)
    for k in (0, -1):  # the right kind, out of range: refused by the construction
        with pytest.raises(mn.OptionError, match=r"k \(same-label .*int >= 1"):
            mn.construct(TINY_X, TINY_Y, method="efficient", k=k)
    for lam in (0, 1.01, -0.5, math.nan, False):
        with pytest.raises(mn.OptionError, match="lam"):
            mn.construct(TINY_X, TINY_Y, method="efficient", condense="hart", lam=lam)


def test_zero_separation() -> None:
    X = np.array([[0.5, 0.5], [0.1, 0.2], [0.5, 0.5]])
    with pytest.raises(mn.ConflictingLabelsError, match="separation is 0"):
        mn.construct(X, [0, 1, 1], method="efficient")
    # the internal separation pass refuses it too (not only the shared input check)
    with pytest.raises(mn.ConflictingLabelsError):
        nearest_enemy_bounds(X, np.array([0, 1, 1]))
    with pytest.raises(mn.ConflictingLabelsError):
        theory.estimate_SD(X, [0, 1, 1])
    with pytest.raises(mn.ConflictingLabelsError):
        theory.estimate_cells(X, [0, 1, 1])


def test_shared_input_checks() -> None:
    with pytest.raises(mn.InputError, match="finite"):
        mn.construct([[np.nan, 0.0], [1.0, 1.0]], [0, 1])
    with pytest.raises(mn.InputError, match=r"\[0, 1\]"):
        mn.construct([[2.0, 0.0], [1.0, 1.0]], [0, 1])
    with pytest.raises(mn.InputError, match="1 class"):
        mn.construct([[0.0, 0.0], [1.0, 1.0]], [0, 0])


# --------------------------------------------------------------------------- guarantee helpers
def test_sample_size_thm73_for_m1_cells() -> None:
    assert theory.sample_size_thm73(10, 0.1, 0.05) == math.ceil(100 * math.log(200)) == 530
    assert theory.sample_size_thm73(1, 0.5, 0.5) == math.ceil(2 * math.log(2))
    for bad in [(0, 0.1, 0.1), (10, 0, 0.1), (10, 0.1, 1.0), (10, 1.5, 0.1), (math.inf, 0.1, 0.1)]:
        with pytest.raises(mn.OptionError):
            theory.sample_size_thm73(*bad)


def test_estimate_cells_and_SD_count_clusters() -> None:
    rng = np.random.default_rng(3)
    centers = np.array([[0.1, 0.1], [0.9, 0.1], [0.5, 0.9], [0.1, 0.9]])
    labels = np.array([0, 1, 0, 1])
    k = rng.integers(0, 4, 400)
    X = centers[k] + rng.uniform(-0.01, 0.01, (400, 2))
    # c ~ 0.8 (0.1, 0.1)-(0.9, 0.1); clusters of diameter 0.03 < c/4: one cell each
    assert theory.estimate_cells(X, labels[k]) == 4
    # Definition 7.1: L ~ 0.8 near every cluster, so a ball of radius L/3.1 ~ 0.26 covers its
    # cluster and reaches no other same-label cluster (>= 0.89 away): one ball each
    assert theory.estimate_SD(X, labels[k]) == 4


def _index_order_cover(X: np.ndarray, codes: np.ndarray, radius: np.ndarray) -> list[int]:
    """Reference: scan in index order, an uncovered sample becomes a centre (brute force)."""
    d = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2))
    covered = np.zeros(len(X), dtype=bool)
    reps = []
    for i in range(len(X)):
        if not covered[i]:
            reps.append(i)
            covered |= (codes == codes[i]) & (d[i] < radius)
    return reps


def test_greedy_cover_is_a_cover() -> None:
    rng = np.random.default_rng(4)
    X = rng.random((600, 3))
    codes = rng.integers(0, 3, 600)
    radius = rng.uniform(0.1, 0.3, 600)
    reps = theory.greedy_cover(X, codes, radius)
    d = np.sqrt(((X[:, None, :] - X[None, reps, :]) ** 2).sum(axis=2))
    same = codes[:, None] == codes[None, reps]
    assert (np.where(same, d, np.inf).min(axis=1) < radius).all()  # strictly within radius
    # maximum coverage needs fewer centres than the index-order scan (172 vs 210 here)
    assert len(reps) < len(_index_order_cover(X, codes, radius))
    with pytest.raises(mn.OptionError, match="radius"):
        theory.greedy_cover(X, codes, -0.1)


# --------------------------------------------------------------------------- properties
def _random_dataset(seed: int, n_samples: int, n_features: int, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, n_features))
    y = rng.integers(0, n_classes, n_samples)
    y[:n_classes] = np.arange(n_classes)
    return X, y


@settings(max_examples=int(os.environ.get("MEMNETS_HYPOTHESIS_EXAMPLES", 12)), deadline=None)
@given(
    seed=st.integers(0, 10**6),
    n_samples=st.integers(4, 60),
    n_features=st.integers(1, 5),
    n_classes=st.integers(2, 4),
    condense=st.sampled_from(eff.CONDENSE),
    radius=st.sampled_from(("global", "local")),
    alpha=st.floats(0.05, 0.95),
    k=st.integers(1, 3),
    lam=st.floats(0.3, 1.0),
)
def test_memorizes_with_guaranteed_margin(
    seed: int, n_samples: int, n_features: int, n_classes: int, condense: str, radius: str, alpha: float,
    k: int, lam: float,
) -> None:
    X, y = _random_dataset(seed, n_samples, n_features, n_classes)
    res = mn.construct(
        X, y, method="efficient", condense=condense, alpha=alpha, radius=radius, k=k, lam=lam, rng=seed
    )
    assert res.verified
    assert (res.predict(X) == y).all()
    margins = margins_exact(res.network, check_dataset(X, y))
    assert min(margins) > 0
    c2 = mn.closest_opposite_pair(X, y).squared
    eta = Fraction(res.stats["bias_rounding_bound"])
    if condense in ("cover", "mss"):
        r2 = Fraction(res.stats["radius"]) ** 2
        assert r2 < c2
        assert min(margins) >= Fraction(res.stats["margin_guarantee"]) > 0
        if radius == "global":
            assert min(margins) >= c2 - r2 - 2 * eta  # Theorem 7.3's margin c^2 - r^2
        # the multi-cover: min(k, available) same-label representatives within alpha c_i
        reps = res.info["representatives"]
        d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
        other = np.where(y[:, None] != y[None, :], d2, np.inf).min(axis=1)
        lim = alpha * alpha * (other if radius == "local" else np.full(len(X), other.min()))
        same = y[:, None] == y[None, :]
        avail = (same & (d2 < lim[:, None])).sum(axis=1)
        got = (same[:, reps] & (d2[:, reps] < lim[:, None])).sum(axis=1)
        assert (got >= np.minimum(k, avail)).all() and (got >= 1).all()
    if condense in ("hart", "fcnn", "mcs"):  # d_+ < lam d_-: margin > (1 - lam^2) c^2
        assert min(margins) >= (1 - Fraction(lam) ** 2) * c2 - 2 * eta
    if condense == "none":
        assert min(margins) >= c2 - 2 * eta
    # the reported minimum margin is a certified lower bound on the exact one
    assert float(min(margins)) >= float(res.min_margin) - res.stats["margin_error_bound"] - 1e-12
    # structure: depth ceil(log2 max class reps) + 2, width = #reps, params R (n + 1) + O(R)
    R = res.stats["n_reps"]
    assert res.network.depth == math.ceil(math.log2(max(res.stats["reps_per_class"]))) + 2
    assert res.network.width == R
    assert res.stats["params_first_layer"] == R * (n_features + 1)
    assert res.stats["params_tree_nonzero"] <= 4.5 * R + 4


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), n_classes=st.integers(2, 4), condense=st.sampled_from(eff.CONDENSE))
def test_agrees_with_nearest_representative(seed: int, n_classes: int, condense: str) -> None:
    X, y = _random_dataset(seed, 80, 3, n_classes)
    Xt = np.random.default_rng(seed + 1).random((200, 3))
    res = mn.construct(X, y, method="efficient", condense=condense, rng=seed)
    reps = res.info["representatives"]
    knn = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X[reps], y[reps])
    codes = decide.predict_codes(res.network, Xt, "m1-certified")
    assert (res.classes[codes] == knn.predict(Xt)).all()
    assert res.engine == "m1-certified"
    assert (res.predict(Xt) == knn.predict(Xt)).all()

    generic = decide.predict_codes(res.network, Xt, "float")  # the generic float64 engine agrees
    assert (res.classes[generic] == knn.predict(Xt)).all()
    if condense == "none":
        full = KNeighborsClassifier(n_neighbors=1).fit(X, y)
        assert (res.classes[codes] == full.predict(Xt)).all()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10**6), binary=st.booleans())
def test_forward_m1_bound_holds(seed: int, binary: bool) -> None:
    X, y = _random_dataset(seed, 50, 4, 2 if binary else 3)
    res = mn.construct(X, y, method="efficient", condense="none", rng=seed)
    Xt = np.random.default_rng(seed).random((30, 4))
    exact = np.array(res.network.forward_exact(Xt), dtype=float)
    for dtype in (np.float32, np.float64):
        vals, err = maxtree.forward_m1(res.network, Xt, dtype=dtype)
        gap = np.abs(vals - exact)
        bound = err if vals.ndim == 1 else err[:, None]
        assert (gap <= bound).all()
    # float32 really is float32: its bound is ~1e7 times the float64 one
    assert maxtree.forward_m1(res.network, Xt)[1].min() > 1e5 * maxtree.forward_m1(res.network, Xt, dtype=np.float64)[1].max()


def test_forward_m1_refuses_bad_input() -> None:
    res = mn.construct(TINY_X, TINY_Y, method="efficient", rng=0)
    with pytest.raises(mn.InputError, match="x >= 0"):
        maxtree.forward_m1(res.network, [[-0.5, 0.0]])
    with pytest.raises(mn.InputError, match="features"):
        maxtree.forward_m1(res.network, [[0.5, 0.0, 0.1]])
    with pytest.raises(mn.OptionError, match="chunk_size"):
        maxtree.forward_m1(res.network, TINY_X, chunk_size=0)
    # chunking changes at most the rounding (BLAS may pick other kernels), within the bounds
    a, ea = maxtree.forward_m1(res.network, TINY_X, chunk_size=1)
    b, eb = maxtree.forward_m1(res.network, TINY_X)
    assert (np.abs(a - b) <= ea + eb).all() and (ea == eb).all()


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_max_tree_groups_reads_the_structure_back(n_classes: int, tmp_path) -> None:
    X, y = _random_dataset(n_classes, 40, 3, n_classes)
    res = mn.construct(X, y, method="efficient", condense="none", rng=0)
    sizes, binary = maxtree.max_tree_groups(res.network)
    assert binary == (n_classes == 2)
    assert sizes.tolist() == np.bincount(res.classes.searchsorted(y)).tolist()
    # a saved and reloaded network is recognised too (the check reads weights, not metadata)
    loaded = mn.load(mn.save(res, tmp_path / "m1.memnet")).network
    assert loaded is not res.network
    again = maxtree.max_tree_groups(loaded)
    assert again is not None and again[0].tolist() == sizes.tolist() and again[1] == binary


def _tampered(net: mn.ReLUNetwork, where: int, how: str) -> mn.ReLUNetwork:
    layers = list(net.layers)
    w = sp.csr_array(layers[where].float_weight, copy=True)
    b = layers[where].float_bias.copy()
    if how == "weight":
        w.data[-1] = 2.0
    elif how == "bias":
        b[0] = 0.5
    else:  # drop a term: the max of a group would lose a unit
        w.data[0] = 0.0
        w.eliminate_zeros()
    layers[where] = mn.AffineLayer(SparseWeight.from_coo(*_coo(w), w.shape), b)
    return mn.ReLUNetwork(layers)


def _coo(w: sp.csr_array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = w.tocoo()
    return c.row, c.col, c.data


@pytest.mark.parametrize("where", [1, -1])
@pytest.mark.parametrize("how", ["weight", "bias", "drop"])
def test_forward_m1_refuses_a_network_that_is_not_m1(where: int, how: str) -> None:
    X, y = _random_dataset(7, 30, 3, 3)
    net = mn.construct(X, y, method="efficient", condense="none", rng=0).network
    bad = _tampered(net, where, how)
    assert maxtree.max_tree_groups(bad) is None
    with pytest.raises(mn.InputError, match="efficient network"):
        maxtree.forward_m1(bad, X)
    # the generic engine still evaluates it
    assert bad.forward(X).shape == net.forward(X).shape


@pytest.mark.parametrize("binary", [True, False])
def test_forward_m1_tiles_match_the_exact_network(monkeypatch: pytest.MonkeyPatch, binary: bool) -> None:
    # tiny tiles: many row and column tiles per class group, ragged last tiles
    X, y = _random_dataset(11, 120, 5, 2 if binary else 4)
    res = mn.construct(X, y, method="efficient", condense="none", rng=0)
    Xt = np.random.default_rng(12).random((37, 5))
    exact = np.array(res.network.forward_exact(Xt), dtype=float)
    big, _ = maxtree.forward_m1(res.network, Xt)
    monkeypatch.setattr(maxtree, "TILE_ROWS", 8)
    monkeypatch.setattr(maxtree, "TILE_COLS", 7)
    for dtype in (np.float32, np.float64):
        vals, err = maxtree.forward_m1(res.network, Xt, dtype=dtype)
        bound = err if binary else err[:, None]
        assert (np.abs(vals - exact) <= bound).all()
    assert (np.abs(maxtree.forward_m1(res.network, Xt)[0] - big) <= 2 * bound).all()


def test_nearest_enemy_tiles_match_brute_force(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = _random_dataset(13, 90, 4, 3)
    d2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
    brute = np.where(y[:, None] != y[None, :], d2, np.inf).min(axis=1)
    monkeypatch.setattr(enemies, "TILE_ROWS", 8)
    monkeypatch.setattr(enemies, "TILE_COLS", 5)
    computed, lower = enemies.nearest_enemy_sq(X, y)
    assert (lower <= brute).all() and (np.abs(computed - brute) <= 1e-5).all()


def test_forward_m1_agrees_with_the_layer_by_layer_forward() -> None:
    X, y = _random_dataset(3, 300, 6, 4)
    res = mn.construct(X, y, method="efficient", condense="none", rng=0)
    Xt = np.random.default_rng(3).random((200, 6))
    fast, err = maxtree.forward_m1(res.network, Xt, chunk_size=64)
    slow = res.network.forward(Xt)  # float64, layer by layer through the ReLU max-trees
    assert (np.abs(fast - slow) <= err[:, None] + 1e-9).all()
    assert (np.argmax(fast, axis=1) == np.argmax(slow, axis=1)).all()


def test_predict_decides_near_ties_exactly() -> None:
    # test points exactly half way between two opposite-label samples: float32 cannot
    # decide, float64 / exact must; exact tie -> F == 0 -> classes[0]
    X = np.array([[0.25, 0.5], [0.75, 0.5]])
    res = mn.construct(X, [0, 1], method="efficient", condense="none", rng=0)
    Xt = np.array([[0.5, 0.5], [0.5 + 2.0**-30, 0.5], [0.5 - 2.0**-30, 0.25]])
    assert decide.predict_codes(res.network, Xt, "m1-certified").tolist() == [0, 1, 0]


def test_verify_modes_agree() -> None:
    X, y = _random_dataset(11, 300, 4, 3)
    a = mn.construct(X, y, method="efficient", condense="none", verify="certificate", rng=0)
    b = mn.construct(X, y, method="efficient", condense="none", verify="engine", rng=0)
    tol = a.stats["margin_error_bound"] + b.stats["margin_error_bound"]
    assert abs(float(a.min_margin) - float(b.min_margin)) <= tol
    c = mn.construct(X, y, method="efficient", condense="cover", verify="certificate", rng=0)
    d = mn.construct(X, y, method="efficient", condense="cover", verify="engine", rng=0)
    assert float(c.min_margin) <= float(d.min_margin) + d.stats["margin_error_bound"]
    assert float(c.min_margin) >= c.stats["margin_guarantee"]


def test_width_condition_and_sizes() -> None:
    X, y = _random_dataset(12, 200, 6, 2)
    res = mn.construct(X, y, method="efficient", condense="none", rng=0)
    assert res.network.rank_first_layer == 6  # random representatives span R^6
    assert res.network.width >= 6
    assert res.stats["params_first_layer"] == 200 * 7
    assert res.network.layers[0].num_params() == 200 * 7


# --------------------------------------------------------------------------- MNIST
@needs_mnist
@pytest.mark.mnist
def test_mnist_subset_matches_1nn() -> None:
    X, y = mn.datasets.load("mnist", classes=(3, 5), split="train")
    Xt, yt = mn.datasets.load("mnist", classes=(3, 5), split="test")
    X, y, Xt, yt = X[:1000], y[:1000], Xt[:300], yt[:300]
    knn = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X, y)
    res = mn.construct(X, y, method="efficient", condense="none", rng=0)
    pred = res.classes[decide.predict_codes(res.network, Xt, "m1-certified")]
    assert (pred == knn.predict(Xt)).all()
    cover = mn.construct(X, y, method="efficient", condense="cover", radius="local", alpha=0.7, rng=0)
    assert cover.stats["n_reps"] < 1000
    acc = np.mean(cover.classes[decide.predict_codes(cover.network, Xt, "m1-certified")] == yt)
    assert acc >= knn.score(Xt, yt) - 0.02


def test_engine_margins_below_the_theorem_7_3_guarantee_are_reported_as_a_bug(monkeypatch):
    """A certified margin that falls short of c^2 - r^2 - 2 eta (here: halved) must stop the
    construction, naming the sample; margins at the guarantee pass."""
    X = np.array([[0.1, 0.1], [0.2, 0.15], [0.8, 0.9], [0.9, 0.8]])
    y = np.array([0, 0, 1, 1])
    ok = mn.construct(X, y, method="efficient", verify="engine", rng=0)
    guarantee = ok.stats["margin_guarantee"]
    real = eff.certified_margins

    def halved(net, data, engine):
        vals, err = real(net, data, engine)
        vals = vals.copy()
        vals[2] = guarantee / 2
        return vals, np.zeros_like(err)

    monkeypatch.setattr(eff, "certified_margins", halved)
    with pytest.raises(mn.VerificationError,
                       match=r"^efficient: sample 2 has margin .* below the guaranteed c\^2 - r\^2 - 2 eta = "):
        mn.construct(X, y, method="efficient", verify="engine", rng=0)


def test_default_preset_keeps_one_nn_accuracy_on_digits() -> None:
    """The default (``preset="balanced"``) costs no accuracy: 3-fold CV on scikit-learn's
    digits within 0.5 points of 1-NN (measured: 0.9649 vs 0.9638), where the compact preset,
    one option away and about half the size, loses more (0.9505). Deterministic: the same
    seed gives the same predictions."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    X, y = load_digits(return_X_y=True)
    cv = StratifiedKFold(3)
    nn = (cross_val_predict(KNeighborsClassifier(n_neighbors=1), X, y, cv=cv) == y).mean()
    default = cross_val_predict(mn.MemorizationClassifier(random_state=0), X, y, cv=cv)
    assert abs((default == y).mean() - nn) <= 0.005
    again = cross_val_predict(mn.MemorizationClassifier(random_state=0), X, y, cv=cv)
    assert (again == default).all()
    compact = cross_val_predict(mn.MemorizationClassifier(random_state=0, preset="compact"), X, y, cv=cv)
    assert (compact == y).mean() < nn - 0.005
    small = mn.MemorizationClassifier(preset="compact").fit(X, y).result_
    full = mn.MemorizationClassifier().fit(X, y).result_
    assert full.stats["options"]["preset"] == "balanced"
    assert (full.stats["options"]["alpha"], full.stats["options"]["radius"], full.stats["options"]["k"]) == (0.7, "local", 2)
    assert full.verified and small.verified
    assert small.stats["n_reps"] < full.stats["n_reps"] < len(y)
