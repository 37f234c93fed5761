"""Where the paper's Theorem 7.3 network is exactly 0: the ``pairs`` experiment's count of the
test images with F(x) = 0 (the paper's Sgn leaves their label undefined)."""

from __future__ import annotations

import numpy as np

import memnets as mn
from memnets.experiments._pairs_paper import exact_zeros


def test_the_zero_between_two_samples_of_one_class_and_one_of_the_other():
    """1-D, a = {0, 0.25}, b = {1}. With one opposite sample, unit i is alive iff x is strictly
    nearer to x_i than to it (-S_ij < r iff d_i < d_j when 0.01 |x_i - x_j|^2 = r), so the
    units of 0.25 and of 1 both die exactly at the bisector 0.625 and nowhere else: F = 0
    there only, and memnets sends it to classes[0] = 'a'."""
    res = mn.construct([[0.0], [0.25], [1.0]], ["a", "a", "b"], method="pairwise")
    X = np.array([[0.5], [0.62], [0.625], [0.63], [0.75], [0.0]])
    assert exact_zeros(res, X).tolist() == [False, False, True, False, False, False]
    assert res.predict(X).tolist() == ["a", "a", "a", "b", "b", "a"]
    assert res.decision_function(X)[2] == 0.0 and np.all(res.decision_function(X)[[0, 1, 3, 4, 5]] != 0)


def test_zeros_agree_with_the_exact_evaluator():
    """On seeded 2-D data, the experiment's zeros (float certificate + exact fallback) are the
    inputs where the generic exact engine, visiting every pair unit, gives 0."""
    rng = np.random.default_rng(7)
    X = rng.random((14, 2))
    y = (X[:, 0] + 0.3 * rng.random(14) > 0.6).astype(int)
    res = mn.construct(X, y, method="pairwise", rng=0)
    grid = np.stack(np.meshgrid(np.linspace(0, 1, 41), np.linspace(0, 1, 41)), axis=-1).reshape(-1, 2)
    exact = np.array([v == 0 for v in res.network.forward_exact(grid)])
    zero = exact_zeros(res, grid)
    assert zero.tolist() == exact.tolist()
    assert 0 < zero.sum() < len(grid)  # the band exists and is thin
