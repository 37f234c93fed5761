"""SparseWeight keeps int32 CSR index arrays (the pairwise layers store 108 M of them per CIFAR
pair); every path reading them gives what the int64 arrays give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import memnets as mn
from memnets._core.equality import same_network
from memnets._core.layers import AffineLayer, SparseWeight


def _pair(dtype: type) -> SparseWeight:
    indptr = np.array([0, 2, 3, 5], dtype=dtype)
    indices = np.array([0, 3, 1, 2, 3], dtype=dtype)
    return SparseWeight((3, 4), indptr, indices, np.array([1.5, -2.0, 0.25, 3.0, -1.0]))


def test_int32_is_kept_and_reads_like_int64(tmp_path: Path) -> None:
    w32, w64 = _pair(np.int32), _pair(np.int64)
    assert w32.indices.dtype == np.int32 and w32.indptr.dtype == np.int32
    assert _pair(np.int16).indices.dtype == np.int64  # other integer types: int64
    assert np.array_equal(w32.toarray(), w64.toarray())
    assert np.array_equal(w32.scipy.toarray(), w64.toarray())
    X = np.array([[0.5, 0.25, 1.0, 0.75], [1.0, 0.0, 0.5, 0.125]])
    nets = [mn.ReLUNetwork([AffineLayer(w, np.zeros(3)), (np.ones((1, 3)), np.zeros(1))]) for w in (w32, w64)]
    assert np.array_equal(nets[0].forward(X), nets[1].forward(X))
    assert nets[0].forward_exact(X).tolist() == nets[1].forward_exact(X).tolist()
    assert same_network(nets[0], nets[1])
    mn.save(nets[0], tmp_path / "n.memnet")
    back = mn.load_model(tmp_path / "n.memnet")
    assert np.array_equal(back.layers[0].weight.toarray(), w64.toarray())


def test_prechecked_checks_the_shapes() -> None:
    ok = SparseWeight._prechecked((3, 4), np.array([0, 2, 3, 5]), np.array([0, 3, 1, 2, 3], dtype=np.int32),
                                  np.ones(5))
    assert ok.nnz == 5 and np.array_equal(ok.toarray(), _pair(np.int64).toarray() != 0)
    with pytest.raises(mn.InputError, match="inconsistent"):
        SparseWeight._prechecked((3, 4), np.array([0, 2, 3, 4]), np.zeros(5, dtype=np.int32), np.ones(5))
    with pytest.raises(mn.InputError, match="inconsistent"):
        SparseWeight._prechecked((2, 4), np.array([0, 2, 3, 5]), np.zeros(5, dtype=np.int32), np.ones(5))
