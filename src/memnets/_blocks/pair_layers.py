"""The paper's Theorem 7.3 network as layers: built from the data, or recognised entry by entry.

Layout (``N`` samples ``x_k`` with signs ``s_k = +-1``, ``P = 2 N_+ N_-`` ordered opposite
pairs, the pairs of sample ``i`` in consecutive rows ``rowptr[i] .. rowptr[i+1] - 1``, its
opposite samples ``j`` ascending; ``K_V``/``K_r`` = float64 terms of the pair constants / of
``c^2``, :mod:`memnets._blocks.pair_constants`):

=====  ======================  ===================================================
layer  units                   pre-activation
=====  ======================  ===================================================
1      ``2N + K_V - 1``        ``g_k = <x_k, x>`` and ``-g_k`` (bias 0); ``K_V - 1``
                               constant units (weights 0, bias 1)
2      ``P + K_r - 1``         pair ``(i, j)``: ``100 (-S_ij(x))``
                               ``= -100 s(g_i) + 100 s(-g_i) + 100 s(g_j) - 100 s(-g_j)
                               + V_ij`` with ``V_ij = 100 c_ij`` as ``K_V`` float64
                               terms (bias + weights on the constant units);
                               ``K_r - 1`` constant units (no weights, bias 1)
3      ``N``                   ``100 r - sum_{j opp i} unit(i, j)`` with
                               ``100 r = c^2`` as ``K_r`` terms
4      1 (output)              ``sum_i s_i unit_i`` (bias 0)
=====  ======================  ===================================================

so the network computes ``100 F(x)`` exactly (:mod:`memnets._constructions.pairwise`):
``s(g) - s(-g) = g`` on all of ``R^n``, and

.. math:: 100\\, c_{ij} = 51 \\lVert x_i\\rVert^2 - 2 \\langle x_i, x_j\\rangle
          - 49 \\lVert x_j\\rVert^2 = V_{ij}, \\qquad 100\\, r = c^2 = \\min_{s_i \\ne s_j}
          \\lVert x_i - x_j\\rVert^2 .

:func:`pairwise_layers` builds the layers and the :class:`PairwisePlan` (the compact
description the fast engine :mod:`memnets._engines.pair_units` evaluates); :func:`match_pairwise`
reads ``X`` and the signs back from a network and rebuilds every array block by block,
comparing entry by entry, so only a network that *is* this construction is accepted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from memnets._blocks.pair_constants import (
    DEFAULT_MEMORY_LIMIT_GIB,
    PairwisePlan,
    _c2_terms_values,
    _fill,
    _Mismatch,
    _plan_core,
    _Sink,
)
from memnets._core.errors import InputError
from memnets._core.layers import AffineLayer, SparseWeight

__all__ = ["match_pairwise", "pairwise_layers"]


def pairwise_layers(
    X: np.ndarray, signs: Sequence[int] | np.ndarray, *, memory_limit_gib: float | None = DEFAULT_MEMORY_LIMIT_GIB
) -> tuple[list[AffineLayer], PairwisePlan]:
    """The four layers of the pairwise network for samples ``X`` (N, n) with ``signs`` +-1.

    Raises :class:`InputError` when the network would exceed ``memory_limit_gib`` (before
    allocating it), :class:`~memnets.ConflictingLabelsError` for an opposite pair at
    distance 0.
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    sg = np.asarray(signs, dtype=np.int64)
    plan, arr = _fill(X, sg, None, memory_limit_gib)
    return _layers(plan, arr), plan


def _layers(plan: PairwisePlan, arr: dict[str, Any]) -> list[AffineLayer]:
    X, signs = plan.X, plan.signs
    N, n = X.shape
    P = plan.n_pairs
    width2, rowptr = arr["width2"], arr["rowptr"]
    kv = max(plan.v_terms - 1, 0)
    W1 = np.zeros((2 * N + kv, n))
    W1[:N], W1[N : 2 * N] = X, -X
    b1 = np.concatenate([np.zeros(2 * N), np.ones(kv)])
    kr = max(plan.c2_terms - 1, 0)
    idx = np.int32 if (P + kr) * width2 < 2**31 else np.int64
    indptr2 = np.arange(P + kr + 1, dtype=idx) * width2
    indptr2[P + 1 :] = P * width2
    bias2 = arr["l2_bias"]
    bias2 = np.concatenate([bias2, np.ones(kr, dtype=bias2.dtype)]) if kr else bias2
    # built valid here (tests compare these layers with the generic exact engine): skip the O(nnz) scans
    layer2 = AffineLayer(SparseWeight._prechecked((P + kr, 2 * N + kv), indptr2, arr["l2_indices"], arr["l2_data"]),
                         bias2)
    ind3, dat3, ptr3, b3 = _layer3(plan, rowptr)
    layer3 = AffineLayer(SparseWeight._prechecked((N, P + kr), ptr3, ind3, dat3), b3)
    out = AffineLayer(signs.astype(np.float64)[None, :], np.zeros(1))
    return [AffineLayer(W1, b1), layer2, layer3, out]


def _layer3(plan: PairwisePlan, rowptr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row ``i``: ``-1`` on its own pair units ``rowptr[i] .. rowptr[i+1] - 1``, then the
    ``K_r - 1`` low pieces of ``c^2`` on the constant units ``P ..``; bias the top piece."""
    N, P = plan.n_samples, plan.n_pairs
    kr = max(plan.c2_terms - 1, 0)
    terms = _c2_terms_values(plan)
    total = P + N * kr
    idx = np.int32 if total < 2**31 and P + kr < 2**31 else np.int64
    ptr: np.ndarray = (rowptr + kr * np.arange(N + 1)).astype(idx)
    ind = np.empty(total, dtype=idx)
    dat = np.empty(total, dtype=np.float64)
    if kr:
        assert terms is not None
        # the constant entries of row i sit right after its pair entries: ptr[i+1] - kr ..
        const = (ptr[1:, None].astype(np.int64) - kr + np.arange(kr)[None, :]).reshape(-1)
        pair = np.ones(total, dtype=bool)
        pair[const] = False
        ind[pair] = np.arange(P, dtype=idx)
        dat[pair] = -1.0
        ind[const] = np.tile(P + np.arange(kr, dtype=idx), N)
        dat[const] = np.tile(np.asarray(terms[:-1], dtype=np.float64), N)
    else:
        ind[:] = np.arange(P, dtype=idx)
        dat[:] = -1.0
    if terms is None:
        bias = np.empty(N, dtype=object)
        bias[:] = [plan.c2] * N
    else:
        bias = np.full(N, terms[-1])
    return ind, dat, ptr, bias


def match_pairwise(layers: Sequence[AffineLayer]) -> PairwisePlan | None:
    """The plan of a network whose layers are exactly :func:`pairwise_layers` of some data, else None.

    ``X`` is read from the first layer and the signs from the output; every array is then
    rebuilt block by block (the exact constants included) and compared entry by entry.
    Costs about as much as building (one exact Gram of the opposite pairs).
    """
    if len(layers) != 4:
        return None
    l1, l2, l3, out = layers
    if out.n_outputs != 1 or out.is_sparse or out.is_exact or l1.is_sparse or l1.is_exact:
        return None
    if not (l2.is_sparse and l3.is_sparse):
        return None
    signs_f = np.asarray(out.dense_weight()[0])
    N = signs_f.size
    if not np.isin(signs_f, (-1.0, 1.0)).all() or out.bias[0] != 0:
        return None
    signs = signs_f.astype(np.int64)
    W1, b1 = np.asarray(l1.weight), np.asarray(l1.bias)
    if W1.shape[0] < 2 * N:
        return None
    X = np.ascontiguousarray(W1[:N])
    kv = W1.shape[0] - 2 * N
    if not (np.array_equal(W1[N : 2 * N], -X) and not W1[2 * N :].any()):
        return None
    if not np.array_equal(b1, np.concatenate([np.zeros(2 * N), np.ones(kv)])):
        return None
    try:
        core = _plan_core(X, signs)
    except InputError:
        return None
    w2: Any = l2.weight
    P, width2 = 2 * int(core["pos"].size) * int(core["neg"].size), 4 + kv
    if w2.data.dtype != np.float64 or w2.data.size != P * width2:
        return None
    arrays = {"l2_indices": w2.indices, "l2_rows": w2.data.reshape(P, width2), "l2_bias": l2.bias}
    try:
        plan, arr = _fill(X, signs, _Sink(arrays, check=True), None)
        expected = _layers_shapes(plan, arr)
        if (l1.n_outputs, l2.weight.shape, l3.weight.shape) != expected:
            return None
        kr = max(plan.c2_terms - 1, 0)
        if not np.array_equal(w2.indptr[: P + 1], np.arange(P + 1, dtype=np.int64) * arr["width2"]):
            return None
        if not (np.array_equal(w2.indptr[P + 1 :], np.full(kr, P * arr["width2"])) and
                np.array_equal(l2.bias[P:], np.ones(kr))):
            return None
        ind3, dat3, ptr3, b3 = _layer3(plan, arr["rowptr"])
        w3: Any = l3.weight
        if not (np.array_equal(w3.indptr, ptr3) and np.array_equal(w3.indices, ind3)
                and np.array_equal(w3.data, dat3) and np.array_equal(l3.bias, b3)):
            return None
    except (_Mismatch, IndexError, ValueError, InputError):
        return None
    return plan


def _layers_shapes(plan: PairwisePlan, arr: dict[str, Any]) -> tuple[int, tuple[int, int], tuple[int, int]]:
    N, P = plan.n_samples, plan.n_pairs
    kv, kr = max(plan.v_terms - 1, 0), max(plan.c2_terms - 1, 0)
    return 2 * N + kv, (P + kr, 2 * N + kv), (N, P + kr)
