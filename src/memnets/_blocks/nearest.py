"""The nearest-centre ReLU network: one affine unit per centre, one max-tree per class.

For centres ``s_1, ..., s_R`` grouped by class (contiguous rows) and a constant ``C``,

.. math::

    h_k(x) = 2\\langle s_k, x\\rangle - \\lVert s_k\\rVert^2 + C
           = \\lVert x\\rVert^2 - \\lVert x - s_k\\rVert^2 + C, \\qquad
    F_j(x) = \\max_{k \\in \\text{class } j} \\sigma(h_k(x)),

and the output ``F_1 - F_0`` (two classes) or ``(F_j)_j`` (argmax). Wherever the winning
unit has ``h_k > 0`` the decision is the class of the nearest centre. Used by the
``robust`` construction; ``efficient`` builds the same layers with ``C = max |s_k|^2``.
"""

from __future__ import annotations

import numpy as np

from memnets._blocks.maxtree import max_tree, max_tree_readout
from memnets._core.network import AffineLayer, ReLUNetwork

__all__ = ["nearest_centre_network"]


def nearest_centre_network(S: np.ndarray, group_sizes: np.ndarray, bias_constant: float) -> ReLUNetwork:
    """The nearest-centre network on centres ``S`` (``R x n``, rows grouped by class).

    First layer ``2 S`` (exact doubling of float64 entries) and biases
    ``fl(C - |s_k|^2)``; then :func:`memnets._blocks.max_tree` over ``group_sizes`` and
    its readout (one output for two groups, else one per group). The bias rounding does
    not need to be tracked by callers that certify the network through its own stored
    weights (:mod:`memnets._engines.radius` does).

    >>> net = nearest_centre_network(np.array([[0.0], [1.0]]), np.array([1, 1]), 1.0)
    >>> net.forward(np.array([[0.2], [0.9]])).tolist()
    [-0.6, 0.8]
    """
    sizes = np.asarray(group_sizes, dtype=np.int64)
    sq = np.einsum("ij,ij->i", S, S)
    first = AffineLayer(2.0 * S, float(bias_constant) - sq)
    tree, readout = max_tree(sizes.tolist())
    out_w = max_tree_readout(readout, sizes.size == 2)
    out = AffineLayer(out_w, np.zeros(out_w.shape[0]))
    return ReLUNetwork([first, *tree, out])
