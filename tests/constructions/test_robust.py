"""method="robust" (robust memorization, and Theorem 4.3's c0/3-net route with net=True)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import memnets as mn
from memnets import theory


def _ball_points(x: np.ndarray, r: float, rng: np.random.Generator, k: int = 64) -> np.ndarray:
    """Points at distance exactly-ish ``r`` (and inside) around ``x`` in random directions,
    those in predict's domain ``[0, 1]^n``."""
    d = rng.normal(size=(k, x.size))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    t = np.concatenate([np.ones(k // 2), rng.uniform(0, 1, size=k - k // 2)])
    pts = x + (r * t)[:, None] * d
    return pts[((pts >= 0) & (pts <= 1)).all(axis=1)]


def test_hand_worked_1d_default_radius_is_half_the_separation() -> None:
    X, y = np.array([[0.0], [0.2], [1.0]]), np.array([0, 0, 1])
    res = mn.construct(X, y, method="robust")
    assert res.verified and res.stats["n_centres"] == 3
    mu = res.stats["radius"]
    assert 0.4 * (1 - 1e-12) <= mu <= 0.4            # c = 0.8: every ball of radius < c/2
    # the bisector between 0.2 and 1.0 is 0.6: from 0.5 the radius is 0.1
    r = res.robust_radius([[0.5], [1.0], [0.6]])
    assert 0.1 * (1 - 1e-12) <= r[0] <= 0.1
    assert 0.4 * (1 - 1e-12) <= r[1] <= 0.4
    assert r[2] == 0.0                                # on the bisector: a tie, no radius
    assert res.predict([[0.6 - 1e-9], [0.6 + 1e-9]]).tolist() == [0, 1]


def test_radius_option_and_errors() -> None:
    X, y = np.array([[0.0], [0.2], [1.0]]), np.array([0, 0, 1])
    assert mn.construct(X, y, method="robust", radius=0.3).stats["radius"] == 0.3
    with pytest.raises(mn.OptionError, match="radius"):
        mn.construct(X, y, method="robust", radius=0.4)       # = c/2: impossible
    with pytest.raises(mn.OptionError, match="net=True"):
        mn.construct(X, y, method="robust", net=True, radius=0.1)


def test_a_given_radius_is_never_claimed_above_the_certified_one() -> None:
    # radii a few ulps around the certified maximum (the default run's): each is either
    # refused or certified at every centre; both outcomes occur
    X, y = np.array([[0.0], [0.2], [1.0]]), np.array([0, 0, 1])
    r = mn.construct(X, y, method="robust").stats["radius"]
    outcomes = set()
    for k in range(-12, 12):
        mu = r + k * math.ulp(r)
        try:
            stats = mn.construct(X, y, method="robust", radius=mu).stats
        except mn.ConstructionError:
            outcomes.add("refused")
            continue
        outcomes.add("built")
        assert stats["radius"] == mu and stats["min_certified_radius"] >= mu
    assert outcomes == {"refused", "built"}


def test_net_hand_worked() -> None:
    # c0 = 0.8, c0/3 = 0.2667: 0.2 is covered by 0.0, so D_s = {0.0, 1.0}
    X, y = np.array([[0.0], [0.2], [1.0]]), np.array([0, 0, 1])
    res = mn.construct(X, y, method="robust", net=True)
    assert res.info["representatives"].tolist() == [0, 2]
    assert res.stats["net_size"] == 2 and res.stats["radius"] == 0.8 / 3
    assert res.predict(X).tolist() == y.tolist()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), N=st.integers(4, 40), n=st.integers(1, 4), k=st.integers(2, 3),
       net=st.booleans())
def test_guarantee_on_random_datasets(seed: int, N: int, n: int, k: int, net: bool) -> None:
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(N, n))
    y = np.arange(N) % k
    res = mn.construct(X, y, method="robust", net=net, rng=0)
    assert res.verified and (res.predict(X) == y).all()
    mu = res.stats["radius"]
    c = mn.separation(X, y)
    assert 0 < mu < c / 2
    if net:
        assert mu == c / 3
        S = X[res.info["representatives"]]
        d = np.linalg.norm(X[:, None, :] - S[None, :, :], axis=2)
        assert (d.min(axis=1) <= mu * (1 + 1e-12)).all()                         # (c2)
        if res.stats["net_uncertain"] == 0:
            dS = np.linalg.norm(S[:, None] - S[None], axis=2) + np.eye(len(S)) * 9
            assert (dS > mu).all()                                                 # (c1)
        assert res.stats["net_size"] <= theory.bound_thm43(n, c).Q_sound
        centres, labels = S, y[res.info["representatives"]]
    else:
        centres, labels = X, y
    # the radius is proven at every centre: certified radii, and the ball itself sampled
    assert (res.robust_radius(centres) >= mu).all()
    for x, lab in zip(centres[:5], labels[:5], strict=True):
        assert (res.predict(_ball_points(x, mu, rng)) == lab).all()


def test_multiclass_native() -> None:
    X, y = mn.datasets.two_moons().sample(120, rng=1)
    y3 = np.where(X[:, 0] > 0.8, 2, y)
    res = mn.construct(X, y3, method="robust", net=True, rng=0)
    assert res.network.n_outputs == 3 and res.verified
    assert (res.predict(X) == y3).all()


def test_net_params_independent_of_N() -> None:
    dist = mn.datasets.two_moons()
    sizes, params = [], []
    for N in (200, 800, 3200):
        X, y = dist.sample(N, rng=N)
        res = mn.construct(X, y, method="robust", net=True, rng=0)
        sizes.append(res.stats["net_size"])
        params.append(res.stats["params"])
        assert res.stats["net_size"] <= res.stats["Q_sound"]
    # the net saturates: 16x the samples, far less than 16x the net (and all below Q_sound)
    assert sizes[2] < 4 * sizes[0]
    assert not math.isinf(res.stats["Q_thm43"])
