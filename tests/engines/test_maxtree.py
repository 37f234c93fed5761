"""M1's fast certified evaluator (:func:`memnets._engines.maxtree.forward_m1`): its error bound
is the documented formula, not a smaller number, and the decision path it drives stays exact
at inputs whose exact output is smaller than the float32 error.

A bound that is too small (halved, or scaled by 0.1) still looks fine on random inputs,
whose float32 error is far below the worst case; these tests pin the bound to its formula and
probe it at near ties, where the float32 sign is wrong and only the bound sends the sample on
to float64 / exact evaluation.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import memnets as mn
from memnets._engines import decide, maxtree

U32 = 2.0**-24


def _gamma(m: int, u: float) -> float:
    return m * u / (1 - m * u)


def _formula(net: mn.ReLUNetwork, X: np.ndarray, u: float, binary: bool) -> np.ndarray:
    """The bound of forward_m1's docstring, recomputed from the network's first layer."""
    W = np.asarray(net.layers[0].float_weight)
    b = np.asarray(net.layers[0].float_bias)
    used = np.flatnonzero(np.any(W != 0, axis=0))
    wmax = float(np.sqrt((W * W).sum(axis=1)).max())
    bmax = float(np.abs(b).max())
    mag = np.linalg.norm(X[:, used], axis=1) * wmax + bmax
    e1 = _gamma(used.size + 5, u) * mag  # one dot product of n' + 1 terms, inputs and weights rounded
    return (2.0 * e1 if binary else e1) + 4.0 * _gamma(4, u) * (mag + e1)


@pytest.mark.parametrize(("n_classes", "dtype"), [(2, np.float32), (3, np.float32), (2, np.float64), (4, np.float64)])
def test_error_bound_is_its_formula(n_classes: int, dtype) -> None:
    """The returned bound equals the documented one within its own safety factors (1e-6):
    not smaller (a halved bound fails) and not needlessly larger."""
    rng = np.random.default_rng(n_classes)
    X = rng.random((40, 5))
    X[:, 2] = 0.0  # an unused input column: n' counts used columns only
    y = np.arange(40) % n_classes
    res = mn.construct(X, y, method="efficient", condense="none", rng=0)
    Xt = np.vstack([rng.random((30, 5)), X[:5], np.zeros((1, 5)), np.ones((1, 5))])
    _, err = maxtree.forward_m1(res.network, Xt, dtype=dtype)
    want = _formula(res.network, Xt, float(np.finfo(dtype).eps) / 2, n_classes == 2)
    assert (err >= want).all()
    assert (err <= want * (1 + 1e-5) + 1e-300).all()


def _near_ties(n_classes: int, seed: int, count: int) -> tuple[mn.ConstructionResult, np.ndarray]:
    """A one-dimensional M1 network and ``count`` inputs within 1e-6 of its 1-NN boundaries
    (between representatives of different classes): there the exact output is far smaller
    than the float32 rounding error."""
    rng = np.random.default_rng(seed)
    X = np.sort(rng.uniform(0.5, 1.0, (2 * n_classes, 1)), axis=0)
    y = np.arange(2 * n_classes) % n_classes
    res = mn.construct(X, y, method="efficient", condense="none", rng=0)
    mids = (X[1:, 0] + X[:-1, 0]) / 2
    Z = (mids[rng.integers(0, mids.size, count)] + rng.uniform(-1e-6, 1e-6, count))[:, None]
    return res, Z


@pytest.mark.parametrize("n_classes", [2, 3])
def test_bound_holds_where_float32_gets_the_sign_wrong(n_classes: int) -> None:
    """At near ties, the float32 values are within the bound of the exact outputs, float32's
    own decision is wrong on some inputs, and the decision path still returns the exact
    labels, because the bound is large enough to send those inputs on.

    The inputs are placed between the true error and the claimed bound: their exact outputs
    (or top-two gaps) are below the float32 error. A bound scaled by 0.5 or 0.1 lets float32
    decide some of them, and its labels are wrong there.
    """
    res, Z = _near_ties(n_classes, seed=n_classes, count=4000)
    net = res.network
    vals, err = maxtree.forward_m1(net, Z)
    exact = net.forward_exact(Z)
    ex_codes = decide.predict_codes_exact(net, Z)
    if n_classes == 2:
        gap = np.array([abs(Fraction(float(v)) - e) for v, e in zip(vals, exact, strict=True)], dtype=float)
        f32_codes = (vals > 0).astype(np.int64)
    else:
        gap = np.array([max(abs(Fraction(float(v)) - e) for v, e in zip(rv, re, strict=True))
                        for rv, re in zip(vals, exact, strict=True)], dtype=float)
        f32_codes = np.argmax(vals, axis=1)
    assert (gap <= err).all()  # the bound holds...
    assert gap.max() > 0.05 * err[gap.argmax()]  # ...at inputs where the error is a real part of it
    wrong = f32_codes != ex_codes
    assert wrong.sum() >= 10  # float32 alone is wrong here
    assert (decide.predict_codes(net, Z, "m1-certified") == ex_codes).all()
    assert (res.predict_codes(Z) == ex_codes).all()
