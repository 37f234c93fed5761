"""memnets.theory: estimators of c_D, M_D, S_D, N_D and the sample-size calculators."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import memnets as mn
from memnets import theory
from memnets.theory import _covers, estimators


# --------------------------------------------------------------------------- bounds
def test_samples_lower_bound_hand_numbers() -> None:
    assert theory.samples_lower_bound(100, eps=0.01) == 9800  # 0.98 * 100**2
    assert theory.samples_lower_bound(10, eps=0.25) == 50
    assert theory.samples_lower_bound(3, eps=0.1) == 8  # ceil(0.8 * 9 = 7.2)


def test_samples_upper_bound_constant_hand_numbers() -> None:
    # (100^2 ln^2 100 + ln 10) / 0.1 = (212075.92 + 2.30) / 0.1 = 2120782.3
    assert theory.samples_upper_bound_constant(100, eps=0.1, delta=0.1) == 2120783
    # N_D < e: ln N_D is replaced by 1 -> (4 + ln 20) / 0.5 = 13.99
    assert theory.samples_upper_bound_constant(2, eps=0.5, delta=0.05) == 14
    big = [theory.samples_upper_bound_constant(nd) for nd in (10, 100, 1000)]
    assert big == sorted(big) and big[2] / big[1] > 100  # grows faster than N_D^2


def test_sample_size_thm73_and_cells_hand_numbers() -> None:
    # (10 / 0.1) ln(10 / 0.1) = 100 ln 100 = 460.5
    assert theory.sample_size_thm73(10, 0.1, 0.1) == 461
    assert theory.sample_size_cells(10, 0.1, 0.1) == 461
    # (32 / 0.01) ln(32 / 0.05) = 3200 ln 640 = 3200 * 6.46147 = 20676.7
    assert theory.sample_size_cells(32, 0.01, 0.05) == 20677


def test_bounds_reject_bad_numbers() -> None:
    with pytest.raises(mn.OptionError, match="N_D"):
        theory.samples_lower_bound(0)
    with pytest.raises(mn.OptionError, match="eps"):
        theory.samples_lower_bound(10, eps=1.0)
    with pytest.raises(mn.OptionError, match="delta"):
        theory.samples_upper_bound_constant(10, delta=0.0)
    with pytest.raises(mn.OptionError, match="N_D"):
        theory.samples_upper_bound_constant(math.inf)


# --------------------------------------------------------------------------- estimators
def test_estimate_separation_is_the_sample_separation() -> None:
    assert theory.estimate_separation([[0.0, 0.0], [0.0, 0.5], [1.0, 1.0]], [0, 1, 1]) == 0.5
    X = np.array([[0.1, 0.2], [0.4, 0.6], [0.9, 0.9]])
    assert theory.estimate_separation(X, [1, 0, 1]) == pytest.approx(0.5, abs=1e-15)


def test_cell_count_good_turing_and_chao1_by_hand() -> None:
    cells = np.array([[0], [0], [1], [2], [2], [3]])
    c = estimators._cell_count(cells, cell_size=0.5, grid="fixed")
    assert (c.occupied, c.singletons, c.doubletons) == (4, 2, 2)
    assert c.coverage == pytest.approx(1 - 2 / 6)
    assert c.chao1 == 4 + 2**2 / (2 * 2)
    c0 = estimators._cell_count(np.array([[0], [1], [2]]), cell_size=0.5, grid="fixed")
    assert (c0.occupied, c0.singletons, c0.doubletons, c0.chao1, c0.coverage) == (3, 3, 0, 6.0, 0.0)
    assert c0.to_dict()["occupied"] == 3 and c0.to_dict()["chao1"] == 6.0
    with pytest.warns(DeprecationWarning, match=r"CellCount\.as_dict\(\) is deprecated: use CellCount\.to_dict\(\)"):
        assert c0.as_dict() == c0.to_dict()  # the earlier name: one release, same dict


def test_estimate_MD_counts_grid_cells() -> None:
    X = np.array([[0.1, 0.1], [0.12, 0.1], [0.9, 0.9]])
    c = theory.estimate_MD(X, cell_size=0.5, rng=0)
    assert (c.occupied, c.singletons, c.cell_size) == (2, 1, 0.5)
    with pytest.raises(mn.OptionError, match="needs cell_size or separation"):
        theory.estimate_MD(X)
    # labelled: fixed grid from c(X, y) = 0.8 * sqrt 2 = 1.13 -> h = 1/2 in 2-D
    c2 = theory.estimate_MD(X, [0, 0, 1], rng=0)
    assert c2.cell_size == 0.5 and c2.cell_diameter == pytest.approx(0.5 * math.sqrt(2))


def _balls() -> object:
    # K = 6 balls of radius 0.02, c_D >= 0.2; same-label balls are > c/4 + 2r apart for
    # this seed (checked below), so a greedy cover at radius c/4 needs exactly one
    # representative per ball.
    return mn.datasets.ball_mixture(n_features=2, n_balls=6, separation=0.2, radius=0.02, rng=3)


def test_estimators_recover_K_and_separation_on_ball_mixture() -> None:
    D = _balls()
    c_D, K = D.separation, D.n_balls  # type: ignore[attr-defined]
    centers, labels = D.centers, D.ball_labels  # type: ignore[attr-defined]
    same = [
        np.linalg.norm(centers[i] - centers[j])
        for i in range(K) for j in range(i + 1, K) if labels[i] == labels[j]
    ]
    assert min(same) > 2 * 0.02 + 1.05 * c_D / 4  # the precondition of exact recovery
    X, y = D.sample(3000, rng=11)  # type: ignore[attr-defined]
    c_hat = theory.estimate_separation(X, y)
    # stated tolerance: c_D <= c(X, y) <= 1.05 c_D at N = 3000 (500 points per ball)
    assert c_D <= c_hat <= 1.05 * c_D
    assert theory.estimate_cells(X, y) == K
    md = theory.estimate_MD(X, y, separation=c_D, rng=0)
    assert md.coverage >= 0.995 and md.occupied <= md.chao1 <= md.occupied + 2
    # every ball meets at most 2^n cells of a grid with h > 2r
    assert K <= md.occupied <= 4 * K


def test_estimate_ND_upper_is_M3_params_and_stops_growing() -> None:
    D = _balls()
    X, y = D.sample(3000, rng=1)  # type: ignore[attr-defined]
    nd = theory.estimate_ND_upper(X, y, separation=D.separation, rng=5)  # type: ignore[attr-defined]
    res = mn.construct(X, y, method="constant", rng=5, separation=D.separation)  # type: ignore[attr-defined]
    assert nd == res.stats["params"]
    X2, y2 = D.sample(6000, rng=2)  # type: ignore[attr-defined]
    assert theory.estimate_ND_upper(X2, y2, separation=D.separation, rng=5) == nd  # type: ignore[attr-defined]


def test_estimate_all_keys_and_consistency() -> None:
    D = _balls()
    X, y = D.sample(600, rng=4)  # type: ignore[attr-defined]
    est = theory.estimate_all(X, y, rng=2)
    assert est["n_samples"] == 600 and est["n_classes"] == 2
    assert est["S_D"] == theory.estimate_SD(X, y)
    assert est["cells"] == theory.estimate_cells(X, y)
    assert est["separation"] == theory.estimate_separation(X, y)
    assert est["N_D_upper"] == mn.construct(X, y, method="constant", rng=2).stats["params"]
    assert est["M_D"]["occupied"] == theory.estimate_MD(X, y, rng=2).occupied
    assert est["samples_lower_bound"] == theory.samples_lower_bound(est["N_D_upper"], 0.01)
    assert est["sample_size_thm73"] == theory.sample_size_thm73(est["S_D"], 0.01, 0.05)


def test_estimate_all_multiclass_has_no_ND() -> None:
    D = mn.datasets.ball_mixture(n_features=2, n_balls=6, separation=0.2, radius=0.02, n_classes=3, rng=1)
    X, y = D.sample(300, rng=0)
    est = theory.estimate_all(X, y, rng=0)
    assert est["n_classes"] == 3 and est["N_D_upper"] is None and "two classes" in est["N_D_note"]
    assert est["S_D"] >= 3


def test_estimate_all_multiclass_has_no_thm61() -> None:
    D = mn.datasets.ball_mixture(n_features=2, n_balls=6, separation=0.2, radius=0.02, n_classes=3, rng=1)
    X, y = D.sample(300, rng=0)
    est = theory.estimate_all(X, y, rng=0)
    assert est["bound_thm61"] is None and est["bound_thm65"] is None
    assert est["bound_cor64"] == theory.bound_cor64(2, est["separation"], 0.01, 0.05)


# --------------------------------------------------------------------------- Definition 7.1
def _line_of_balls(K: int, spacing: float, radius: float) -> mn.datasets.BallMixture:
    """K balls on a horizontal line in [0,1]^2, labels alternating (0, 1, 0, ...)."""
    centers = np.array([[0.1 + k * spacing, 0.5] for k in range(K)])
    return mn.datasets.BallMixture(centers=centers, radius=radius, ball_labels=np.arange(K) % 2,
                                   requested_separation=spacing - 2 * radius, seed=None)


def test_estimate_SD_converges_to_the_closed_form_on_balls() -> None:
    """S_D = K in closed form for K balls of radius rho on a line, spacing D, alternating labels,
    rho <= D / (2 (ratio + 1)) = D / 8.2.

    For x in ball k: the nearest other-label support point is in a neighbouring ball, so
    D - 2 rho <= L(x) <= D. (a) B(x) has radius L(x)/3.1 >= (D - 2 rho)/3.1 >= 2 rho: it
    covers x's whole ball, so S_D <= K. (b) the nearest same-label ball is >= 2D - 2 rho away
    and L(x)/3.1 <= D/3.1 < 2D - 2 rho: B(x) meets no other ball, so S_D >= K. The sample's
    own L-hat >= L only enlarges the balls of (a) and stays <= D + 2 rho in (b), so the
    estimate is exactly the number of balls the sample hits: it grows to K with N.
    """
    K, spacing, rho = 7, 0.13, 0.015
    assert rho <= spacing / 8.2
    D = _line_of_balls(K, spacing, rho)
    estimates = []
    for N in (4, 12, 40, 200, 1000):
        X, y = D.sample(N, rng=N)
        if len(np.unique(y)) < 2:
            continue
        hit = np.unique(D.ball_index(X))
        assert theory.estimate_SD(X, y) == hit.size
        estimates.append(theory.estimate_SD(X, y))
    assert estimates == sorted(estimates) and estimates[-1] == K and estimates[0] < K
    # a ratio closer to 3 keeps (a) and (b) here: still K; a ball too large for (a) does not
    X, y = D.sample(1000, rng=1)
    assert theory.estimate_SD(X, y, ratio=3.0001) == K
    wide = _line_of_balls(K, spacing, 0.05)  # rho > D/8.2: a ball may need several B(x)
    Xw, yw = wide.sample(3000, rng=2)
    assert theory.estimate_SD(Xw, yw) > K


def test_estimate_SD_hand_examples_and_options() -> None:
    # L(0) = 1 -> radius 1/3.1 = 0.32 covers 0.1; L(1) = 0.9 -> covers only 1
    assert theory.estimate_SD([[0.0], [0.1], [1.0]], [0, 0, 1]) == 2
    # L(0.5) = 0.5 -> radius 0.16; B(0) has radius 0.32: three balls
    assert theory.estimate_SD([[0.0], [0.5], [1.0]], [0, 0, 1]) == 3
    # greedy takes the ball covering most: B(0.3) (L = 0.7, radius 0.226) holds 0.1, 0.3, 0.5
    X = [[0.1], [0.3], [0.5], [1.0]]
    assert theory.estimate_SD(X, [0, 0, 0, 1]) == 2
    # B(x) is closed: ratio 4, L(0) = 1, so 0.25 lies on the sphere of B(0) and is covered
    # (L(0.25) = 0.75: B(0.25) misses 0); 0 is then inside and 1 needs its own ball
    assert theory.estimate_SD([[0.0], [0.25], [1.0]], [0, 0, 1], ratio=4) == 2
    # estimate_cells covers at radius c / 4 (cells of diameter < c / 2): c = 0.7 here, and
    # 0.3 is outside B(0, 0.175): three cells (at radius c / 2 0 and 0.3 would share one)
    assert theory.estimate_cells([[0.0], [0.3], [1.0]], [0, 0, 1]) == 3
    for bad in (3.0, 2.5, float("nan"), True, "3.1"):
        with pytest.raises(mn.OptionError, match="ratio"):
            theory.estimate_SD(X, [0, 0, 0, 1], ratio=bad)  # type: ignore[arg-type]


def test_estimate_SD_refuses_too_many_incidences(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_covers, "MAX_BALL_INCIDENCES", 5)
    with pytest.raises(mn.InputError, match="subsample"):
        theory.estimate_SD([[0.0], [0.01], [0.02], [1.0]], [0, 0, 0, 1])


def test_sample_size_thm73_is_the_papers_formula() -> None:
    # S_D ln(S_D / delta) / eps: 10 ln(200) / 0.1 = 529.8
    assert theory.sample_size_thm73(10, 0.1, 0.05) == 530
    assert theory.sample_size_thm73(1, 0.5, 0.5) == math.ceil(math.log(2) / 0.5)
    with pytest.warns(DeprecationWarning, match=r"sample_size_m1 is deprecated: use memnets\.theory\.sample_size_thm73"):
        old = theory.sample_size_m1(10, 0.1, 0.05)  # the older name: one release, same result
    assert old == theory.sample_size_thm73(10, 0.1, 0.05) == 530
    with pytest.warns(DeprecationWarning), pytest.raises(mn.OptionError, match="S_D"):
        theory.sample_size_m1(0.5, 0.1, 0.1)
    with pytest.raises(mn.OptionError, match="S_D"):
        theory.sample_size_thm73(0.5, 0.1, 0.1)


def test_bound_prop77_exact() -> None:
    assert theory.bound_prop77(1, 1) == 7  # floor(6.2) + 1
    assert theory.bound_prop77(2, 1) == 13**2  # floor(12.4) + 1
    assert theory.bound_prop77(1, 0.1) == 63  # 0.1 read as 1/10: floor(62) + 1, not 62
    assert theory.bound_prop77(3, 0.5) == 38**3  # floor(37.2) + 1

    assert theory.bound_prop77(2, Fraction(1, 3)) == 38**2  # floor(37.2) + 1
    assert theory.bound_prop77(1, 1, ratio=4) == 9
    big = theory.bound_prop77(784, 1)  # MNIST-sized: an exact int with thousands of digits
    assert big == 4861**784 and len(str(big)) > 2800
    for args in [(0, 1.0), (2, 0.0), (2, -1.0), (1.5, 1.0), (2, float("inf"))]:
        with pytest.raises(mn.OptionError):
            theory.bound_prop77(*args)  # type: ignore[arg-type]
    with pytest.raises(mn.OptionError, match="ratio"):
        theory.bound_prop77(2, 1.0, ratio=3)


def test_estimate_SD_default_ratio_is_definition_71s_3_1() -> None:
    """Definition 7.1's balls have radius L(x)/3.1. With samples 0 and 0.33 (label 0) and 1
    (label 1), L(0) = 1 and 1/3.1 = 0.3226 < 0.33 < 0.3322 = 1/3.01: the ball B(0) misses
    0.33 at the default ratio (three balls), and holds it at any ratio below 1/0.33 = 3.0303."""
    X, y = [[0.0], [0.33], [1.0]], [0, 0, 1]
    assert theory.estimate_SD(X, y) == 3
    assert theory.estimate_SD(X, y, ratio=3.1) == 3
    assert theory.estimate_SD(X, y, ratio=3.01) == 2
