"""The certified float evaluation (ReLUNetwork.forward_certified): cases written to kill
mutmut survivors.

The bound is pinned to its documented formula, recomputed here in exact rational
arithmetic from the float activations (``err_k = (gamma_{m+2} (|W||a| + |b|) + |W| err_{k-1})
(1 + 4 (m+2) u) + (m+2) 2**-1070``, ``m`` the largest number of terms of one output), and
checked against the exact network at inputs where float64 really errs.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from memnets import InputError, ReLUNetwork, SparseWeight
from memnets._core.rounding import U64, gamma

U = Fraction(U64)


def _formula(layers: list[tuple[np.ndarray, np.ndarray, int]], x: np.ndarray,
             inflate: bool = True) -> tuple[list[float], list[Fraction]]:
    """Float values and the documented bound of ``forward_certified`` for one input, exactly
    (``inflate=False``: without the factor ``1 + 4 (m+2) u`` covering the bound's own float
    rounding, so the float bound must be at least this)."""
    a = x.astype(np.float64)
    err = [Fraction(0)] * a.size
    for k, (W, b, m_terms) in enumerate(layers):
        m = m_terms + 2
        g = Fraction(gamma(m, U64))
        absa = [abs(Fraction(float(v))) for v in a]
        new_err = []
        for i in range(W.shape[0]):
            mag = sum((abs(Fraction(float(w))) * v for w, v in zip(W[i], absa, strict=True)), abs(Fraction(float(b[i]))))
            prop = sum((abs(Fraction(float(w))) * e for w, e in zip(W[i], err, strict=True)), Fraction(0))
            new_err.append((g * mag + prop) * (1 + 4 * m * U if inflate else 1) + m * Fraction(2) ** -1070)
        err = new_err
        a = a @ W.T + b
        if k < len(layers) - 1:
            a = np.maximum(a, 0.0)
    return a.tolist(), err


def _close(got: float, want: Fraction, rel: float = 1e-9) -> bool:
    return abs(Fraction(got) - want) <= Fraction(rel) * want


@pytest.mark.parametrize("sparse", [False, True])
def test_the_bound_is_its_documented_formula(sparse: bool) -> None:
    rng = np.random.default_rng(5)
    W1 = rng.normal(size=(4, 3)) * np.array([1.0, 0.0, 1.0])     # column 2 unused: 2 terms when sparse
    b1 = rng.normal(size=4)
    W2 = rng.normal(size=(2, 4))
    b2 = np.array([3.0, -1e3])
    L1 = (SparseWeight.from_dense(W1), b1) if sparse else (W1, b1)
    net = ReLUNetwork([L1, (W2, b2)])
    X = rng.uniform(-1, 1, size=(5, 3))
    vals, err = net.forward_certified(X)
    for x, v, e in zip(X, vals, err, strict=True):
        want_v, want_e = _formula([(W1, b1, 2 if sparse else 3), (W2, b2, 4)], x)
        assert v.tolist() == want_v
        assert all(_close(float(g), w) for g, w in zip(e.tolist(), want_e, strict=True))
        # the float bound covers its own rounding: never below the exact un-inflated formula
        low = _formula([(W1, b1, 2 if sparse else 3), (W2, b2, 4)], x, inflate=False)[1]
        assert all(Fraction(float(g)) >= w for g, w in zip(e.tolist(), low, strict=True))


def test_the_bound_at_zero_is_the_underflow_term_exactly() -> None:
    """All activations zero: layer 1 leaves ``3 * 2**-1070``, layer 2 multiplies it by |W|."""
    net = ReLUNetwork([([[1.0], [-2.0]], [0.0, 0.0]), ([[0.5, 3.0]], [0.0])])
    vals, err = net.forward_certified(np.array([[0.0]]))
    e1 = 3 * Fraction(2) ** -1070
    m = 4
    want = (Fraction(7, 2) * e1) * (1 + 4 * m * U) + m * Fraction(2) ** -1070
    assert vals.tolist() == [0.0] and _close(float(err[0]), want, 1e-12)


def test_the_bound_covers_the_real_error_and_is_within_a_small_factor_of_it() -> None:
    """``relu(B x + 1) - relu(B x)`` at ``B x`` just above 2**53: float64 returns 0 or 2
    where the exact value is 1; the bound covers the error and is a few roundings of B x."""
    B = 2.0**53
    net = ReLUNetwork([([[B], [B]], [1.0, 0.0]), ([[1.0, -1.0]], [0.0])])
    X = np.array([[1.0], [1.0 + 2.0**-52], [1.5]])
    vals, err = net.forward_certified(X)
    exact = [Fraction(v) for v in net.forward_exact(X).tolist()]
    assert exact == [1, 1, 1] and any(v != 1.0 for v in vals.tolist())
    for v, e, ex in zip(vals.tolist(), err.tolist(), exact, strict=True):
        assert abs(Fraction(v) - ex) <= Fraction(e)
    _v, want = _formula([(np.array([[B], [B]]), np.array([1.0, 0.0]), 1), (np.array([[1.0, -1.0]]), np.array([0.0]), 2)],
                        X[2])
    assert _close(float(err[2]), want[0])


def test_overflow_and_nan_give_an_infinite_bound_per_entry() -> None:
    net = ReLUNetwork([([[1e308], [1e308]], [0.0, 0.0]), ([[1.0, -1.0]], [0.0])])
    vals, err = net.forward_certified(np.array([[4.0], [1e-300], [0.0]]))
    assert np.isnan(vals[0]) and err[0] == np.inf     # inf - inf
    assert np.isfinite(err[1:]).all() and vals[1:].tolist() == [0.0, 0.0]
    two = ReLUNetwork([([[1e308], [1.0]], [0.0, 0.0])])
    v2, e2 = two.forward_certified(np.array([[4.0], [0.5]]))
    assert e2.shape == (2, 2) and e2[0, 0] == np.inf and np.isfinite(e2[0, 1]) and np.isfinite(e2[1]).all()
    assert v2[0, 1] == 4.0 and 0 < e2[0, 1] < 1e-14   # only the overflowed entry loses its bound
    assert v2[1].tolist() == [5e307, 0.5]


@pytest.mark.parametrize("chunk", [None, 1, 2, 3, 7])
def test_every_chunk_is_evaluated_with_its_own_bound(chunk: int | None) -> None:
    rng = np.random.default_rng(2)
    net = ReLUNetwork([(rng.normal(size=(3, 2)), rng.normal(size=3)), (rng.normal(size=(2, 3)), [0.5, 0.0])])
    X = rng.uniform(size=(7, 2))
    X[3] = 0.0
    vals, err = net.forward_certified(X, chunk_size=chunk)
    for i in range(7):
        v1, e1 = net.forward_certified(X[i : i + 1])
        # BLAS may round a batch and a single row differently: within the bound, not bit for bit
        assert (np.abs(vals[i] - v1[0]) <= err[i] + e1[0]).all()
        assert np.allclose(err[i], e1[0], rtol=1e-12, atol=0)


def test_one_input_as_a_1d_array_and_one_output_shapes() -> None:
    net = ReLUNetwork([([[2.0, 1.0]], [0.25])])
    v, e = net.forward_certified(np.array([0.5, 0.5]))
    assert v.shape == (1,) and e.shape == (1,) and v.tolist() == [1.75]
    assert e[0] > 0 and _close(float(e[0]), _formula([(np.array([[2.0, 1.0]]), np.array([0.25]), 2)],
                                                      np.array([0.5, 0.5]))[1][0])


def test_an_error_hidden_by_relu_makes_the_bound_infinite_not_nan() -> None:
    """Unit 1 overflows to -inf and ReLU zeroes it (the value stays finite) but its bound is
    inf; a zero weight then gives ``0 * inf = nan`` in the propagated bound: reported as inf."""
    net = ReLUNetwork([([[-1e308], [1.0]], [0.0, 0.0]), ([[0.0, 1.0]], [0.5])])
    vals, err = net.forward_certified(np.array([[4.0], [0.25]]))
    assert vals.tolist() == [4.5, 0.75]
    assert err[0] == np.inf and 0 < err[1] < 1e-15


def test_chunk_size_is_checked_and_default_chunks_are_whole_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    net = ReLUNetwork([([[1.0], [2.0], [-1.0], [0.5]], [0.0, 0.1, 0.2, 0.3]), ([[1.0, 1.0, 1.0, 1.0]], [0.0])])
    X = np.linspace(0, 1, 9).reshape(-1, 1)
    with pytest.raises(InputError, match="chunk_size must be an int >= 1"):
        net.forward_certified(X, chunk_size=0)
    want = net.forward_certified(X)
    import memnets._core.network as network_module

    monkeypatch.setattr(network_module, "_FLOAT_TARGET_ELEMENTS", 6)   # 6 // 4 = one row per chunk
    got = net.forward_certified(X)
    assert got[0].shape == (9,) and np.abs(got[0] - want[0]).max() <= want[1].max()
    assert np.abs(got[1] - want[1]).max() <= 1e-12 * want[1].max()
