"""Theorem 5.1's distribution (memnets.datasets.ball_shell): the radii equations, the closed-form
separation, sampling, exact line measures, and the failure of a width-w network on it."""

from __future__ import annotations

import math

import numpy as np
import pytest

import memnets as mn
from memnets import datasets as ds


@pytest.mark.parametrize(("n", "w"), [(200, 1), (400, 2), (1200, 1)])
def test_radii_solve_the_papers_equations(n: int, w: int) -> None:
    D = ds.ball_shell(n, w)
    (_, r1), (r2, r3) = D.radii
    assert r3 == 0.5  # the outer ball fits the cube around its centre
    # r3^n - r2^n = r1^n, in log space (the powers underflow): (r3^n - r2^n) / r1^n = 1
    assert math.exp(n * math.log(r3 / r1)) - math.exp(n * math.log(r2 / r1)) == pytest.approx(1.0, rel=1e-9)
    # the fibre condition r3^(n-w) - r2^(n-w) >= 0.99 r1^(n-w)
    m = n - w
    assert math.exp(m * math.log(r3 / r1)) - math.exp(m * math.log(r2 / r1)) >= 0.99
    assert ds.fibre_ratio(n, w) == pytest.approx(3 ** (1 - w / n) - 2 ** (1 - w / n), rel=1e-15)
    # Lemma D.8's ratios and the closed-form separation
    assert r2 / r1 == pytest.approx(2 ** (1 / n), rel=1e-13)
    assert r3 / r1 == pytest.approx(3 ** (1 / n), rel=1e-13)
    assert D.separation == r2 - r1 == pytest.approx(0.5 * ((2 / 3) ** (1 / n) - 3 ** (-1 / n)), rel=1e-9)


def test_the_smallest_n_meets_the_condition_and_its_predecessor_does_not() -> None:
    for w in (1, 2, 5):
        n = ds.min_features_ball_shell(w)
        assert ds.fibre_ratio(n, w) >= 0.99 > ds.fibre_ratio(n - 1, w)
    with pytest.raises(mn.OptionError, match=r"n >= 191 meets it for w=1"):
        ds.ball_shell(100, 1)
    assert ds.ball_shell(100, 1, check=False).n_features == 100
    with pytest.raises(mn.OptionError, match="width must be below n_features"):
        ds.ball_shell(5, 5, check=False)


def test_samples_have_equal_label_mass_and_the_separation() -> None:
    D = ds.ball_shell(200, 1)
    X, y = D.sample(4000, rng=0)
    assert X.shape == (4000, 200) and X.min() >= 0 and X.max() <= 1
    assert abs(y.mean() - 0.5) < 0.03  # equal masses: 1/2 each (4000 draws: sd 0.008)
    r = np.linalg.norm(X - 0.5, axis=1)
    (_, r1), (r2, r3) = D.radii
    assert (r[y == 0] <= r1).all() and ((r[y == 1] >= r2) & (r[y == 1] <= r3)).all()
    assert mn.separation(X, y) >= D.separation
    assert mn.datasets.synthetic("ball-shell").n_features == 200


def test_line_measure_through_the_centre_is_balanced_for_a_bottleneck() -> None:
    """On a line through the ball (a 1-dimensional fibre of a width n-1 network) the shell
    carries about as much mass as the ball; the exact line measure says how much."""
    D = ds.ball_shell(400, 2)
    v = np.zeros(400)
    v[0] = 1.0
    m = D.line_label_masses(np.full((1, 400), 0.5), v)[0]
    (_, r1), (r2, r3) = D.radii
    # chord lengths: ball 2 r1, shell 2 (r3 - r2), densities equal (equal masses / volumes)
    dens = 1.0 / (r1**400) , 1.0 / (r3**400 - r2**400)
    assert m[1] / m[0] == pytest.approx((r3 - r2) * dens[1] / (r1 * dens[0]), rel=1e-6)


def test_a_bottleneck_network_is_at_chance_on_it() -> None:
    """The theorem's conclusion, measured: a memorizer whose first layer has rank 1 (the
    interval network: one projection) fits its training set and is at about 1/2 on fresh
    samples; the audit certifies a positive error from its null lines alone."""
    D = ds.ball_shell(200, 1)
    X, y = D.sample(300, rng=1)
    Xt, yt = D.sample(2000, rng=2)
    narrow = mn.construct(X, y, method="interval", rng=0)
    assert narrow.network.bottleneck == 1 and narrow.score(X, y) == 1.0
    assert 0.4 < narrow.score(Xt, yt) < 0.6
    # Theorem 5.1 certified: on the fibres x + ker W_1 (dimension 199) the shell carries as
    # much mass as the ball, so the error is >= ~0.49 whatever the network does on them
    report = mn.audit(narrow, D, n_lines=4000, rng=0)
    assert report.fibre_dim == 199 and report.certified
    assert 0.47 < report.error_lower_bound <= 0.5
    assert abs(report.line_error - (1 - narrow.score(Xt, yt))) < 0.05  # the fibre estimate of the error agrees with test points
