"""ReLU max-trees over contiguous groups of units and their class readout: the layers of ``efficient``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from memnets._core.network import AffineLayer, SparseWeight


# --------------------------------------------------------------------------- max-trees (efficient)
def max_tree(group_sizes: Sequence[int]) -> tuple[list[AffineLayer], sp.csr_array]:
    """ReLU layers computing the maximum of each contiguous group of non-negative inputs.

    The input ``a`` (length ``sum(group_sizes)``, every entry ``>= 0``) is split into
    contiguous groups; level by level, nodes of a group are paired and each pair is merged
    with

    .. math::  \\max(a, b) = \\sigma(a - b) + \\sigma(b) \\qquad (b \\ge 0),

    so a pair costs two ReLU units (``u = s(a - b)``, ``v = s(b)``) whose *sum* is the
    node value of the next level (a lone last node passes through one unit ``s(a) = a``).
    The sums are never materialised: they are folded into the next layer's weights, which
    are therefore combinations of at most four ``+-1`` entries per row.

    Returns ``(layers, readout)``: ``layers`` has ``L = ceil(log2(max group size))`` affine
    maps (ReLU after each), float64 sparse weights in ``{-1, 0, 1}`` and zero biases;
    ``readout`` (scipy CSR, ``n_groups x width_L``, entries 1) gives the group maxima as
    ``readout @ relu(layers[-1](...))`` (``readout`` is the identity on the input for
    ``L = 0``). Exact arithmetic gives the maxima exactly; the map is monotone and
    1-Lipschitz in the sup-norm, which float error analyses may rely on. Sizes: layer
    width ``<= sum(group_sizes)``, non-zeros ``<= 3 * sum(group_sizes)`` in the first layer
    and ``<= 1.5 * sum(group_sizes) / 2**(l-2)`` in layer ``l >= 2`` (``< 4.5 *
    sum(group_sizes)`` in total). Built with vectorised index arithmetic and sparse
    products, one step per level (no Python loop per node).

    >>> import numpy as np
    >>> from memnets import ReLUNetwork
    >>> layers, readout = max_tree([3, 2])
    >>> net = ReLUNetwork([*layers, (readout.toarray(), np.zeros(2))])
    >>> net.forward(np.array([[0.5, 2.0, 1.0, 0.25, 0.75]])).tolist()
    [[2.0, 0.75]]
    """
    sizes = np.asarray(group_sizes, dtype=np.int64)
    if sizes.ndim != 1 or sizes.size == 0 or (sizes < 1).any():
        raise ValueError(f"group sizes must be a non-empty list of positive ints, got {group_sizes!r}")
    n_in = int(sizes.sum())
    # P: node values as combinations of the current layer's units (starts as the identity)
    P = sp.identity(n_in, dtype=np.float64, format="csr")
    layers: list[AffineLayer] = []
    while (sizes > 1).any():
        n_nodes = int(sizes.sum())
        group = np.repeat(np.arange(sizes.size), sizes)
        start = np.repeat(np.cumsum(sizes) - sizes, sizes)
        rank = np.arange(n_nodes) - start
        m = sizes[group]
        lone = (rank == m - 1) & (m % 2 == 1)
        new_sizes = (sizes + 1) // 2
        new_start = np.repeat(np.cumsum(new_sizes) - new_sizes, sizes)
        parent = new_start + rank // 2  # index of the merged node at the next level
        n_new = int(new_sizes.sum())
        # units per new node: 2 for a pair, 1 for a lone node
        is_pair = np.ones(n_new, dtype=bool)
        is_pair[parent[lone]] = False
        units_per = np.where(is_pair, 2, 1)
        unit_start = np.cumsum(units_per) - units_per
        n_units = int(units_per.sum())
        first = (rank % 2 == 0) & ~lone  # the "a" of a pair
        second = rank % 2 == 1  # the "b" of a pair
        a_idx, b_idx, l_idx = np.flatnonzero(first), np.flatnonzero(second), np.flatnonzero(lone)
        q_rows = np.concatenate(
            [unit_start[parent[a_idx]], unit_start[parent[b_idx]], unit_start[parent[b_idx]] + 1,
             unit_start[parent[l_idx]]]
        )
        q_cols = np.concatenate([a_idx, b_idx, b_idx, l_idx])
        q_vals = np.concatenate(
            [np.ones(a_idx.size), -np.ones(b_idx.size), np.ones(b_idx.size), np.ones(l_idx.size)]
        )
        Q = sp.csr_array((q_vals, (q_rows, q_cols)), shape=(n_units, n_nodes))
        W = sp.csr_array(Q @ P)
        W.sum_duplicates()
        W.eliminate_zeros()
        W.sort_indices()
        layers.append(
            AffineLayer(SparseWeight(W.shape, W.indptr, W.indices, W.data), np.zeros(n_units))
        )
        # next level's node values: the sum of each new node's units
        P = sp.csr_array(
            (np.ones(n_units), (np.repeat(np.arange(n_new), units_per), np.arange(n_units))),
            shape=(n_new, n_units),
        )
        sizes = new_sizes
    return layers, sp.csr_array(P)


def max_tree_readout(readout: sp.csr_array, binary: bool) -> sp.csr_array:
    """Output weights over the last max-tree layer: ``F_1 - F_0`` of the two group maxima
    (``binary``) or the group maxima themselves (one output per group).

    ``readout`` is the second value returned by :func:`max_tree`.

    >>> _, readout = max_tree([2, 1])
    >>> max_tree_readout(readout, True).toarray().tolist()
    [[-1.0, -1.0, 1.0]]
    """
    G = readout.shape[0]
    if binary:
        if G != 2:
            raise ValueError(f"a binary readout needs exactly two groups, got {G}")
        E = sp.csr_array((np.array([-1.0, 1.0]), (np.array([0, 0]), np.array([0, 1]))), shape=(1, G))
    else:
        E = sp.identity(G, dtype=np.float64, format="csr")
    w = sp.csr_array(E @ readout)
    w.sort_indices()
    return w
