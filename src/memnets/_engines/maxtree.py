"""``efficient``'s fast certified evaluator: blocked float32 GEMMs fused with the max-tree.

An ``efficient`` network (:mod:`memnets._constructions.efficient`) is a dense first layer
``h = W x + b`` with ``R`` units followed by *exactly* the layers of
:func:`memnets._blocks.max_tree` and the readout of :func:`memnets._blocks.max_tree_readout`.
:func:`max_tree_groups` recognises that structure entry by entry; :func:`forward_m1` then
evaluates the network by what it computes, ``max_{k in group j} sigma(h_k(x))``, with a
rigorous error bound, at the speed of one pass of GEMM (no ``N x R`` matrix is stored).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from memnets._blocks import max_tree, max_tree_readout
from memnets._core.checks import check_scalar, check_X
from memnets._core.errors import InputError
from memnets._core.network import ReLUNetwork
from memnets._core.progress import track
from memnets._core.rounding import gamma, unit_roundoff
from memnets._geometry.enemies import TILE_COLS, TILE_ROWS, run_tiles

__all__ = ["forward_m1", "max_tree_groups"]


@dataclass
class _Plan:
    cols: np.ndarray | None  # input columns with a non-zero weight (None: all)
    W: np.ndarray  # [first layer restricted to ``cols`` | bias], float32 or float64 (R x n'+1)
    wmax: float  # max_k |w_k|_2 (float64, rounded up)
    bmax: float
    sizes: np.ndarray  # units per class group (contiguous, in order)
    binary: bool  # output F_1 - F_0 (one output) or the group maxima (one per class)


# per network and dtype, the GEMM operands: derived from the (immutable) layers, so keeping
# them changes no result; dropped with the network
_PLANS: weakref.WeakKeyDictionary[ReLUNetwork, dict[str, _Plan]] = weakref.WeakKeyDictionary()


def _ranges(reach: sp.csr_array, n_units: int) -> np.ndarray | None:
    """Sizes of the contiguous unit ranges the rows of ``reach`` reach, if they tile
    ``0 .. n_units - 1`` in row order; else None."""
    reach = sp.csr_array(reach)
    reach.sort_indices()
    sizes = np.diff(reach.indptr)
    if (sizes < 1).any() or int(sizes.sum()) != n_units:
        return None
    return sizes if (reach.indices == np.arange(n_units)).all() else None


def max_tree_groups(network: ReLUNetwork) -> tuple[np.ndarray, bool] | None:
    """``(group_sizes, binary)`` if ``network`` is an ``efficient`` network, else None.

    An ``efficient`` network is a dense first layer with ``R`` units, then *exactly* the layers of
    :func:`memnets._blocks.max_tree` ``(group_sizes)`` (contiguous groups of units, one per
    class) and an output that reads the group maxima (``F_1 - F_0`` for two classes, the
    maxima themselves otherwise), all biases after the first layer zero. The groups are
    found by reachability through the layers; the layers are then rebuilt from them and
    compared entry by entry, so a network that matches computes
    ``max_{k in group j} sigma(h_k(x))`` exactly: what :func:`forward_m1` uses.
    """
    layers = network.layers
    if len(layers) < 2 or sp.issparse(layers[0].float_weight):
        return None
    if any(not sp.issparse(layer.float_weight) or layer.float_bias.any() for layer in layers[1:]):
        return None
    # units of the first layer each unit reaches (boolean products of the weight patterns)
    chain = sp.identity(layers[0].float_weight.shape[0], dtype=np.float64, format="csr")
    for layer in layers[1:-1]:
        pattern = sp.csr_array(sp.csr_array(layer.float_weight) != 0, dtype=np.float64)
        chain = sp.csr_array((pattern @ chain) != 0, dtype=np.float64)
    out = sp.csr_array(layers[-1].float_weight)
    binary = out.shape[0] == 1
    if binary:
        pos = sp.csr_array(out.multiply(out > 0))
        neg = sp.csr_array(-out.multiply(out < 0))
        top = sp.vstack([neg != 0, pos != 0]).astype(np.float64)
    else:
        top = sp.csr_array(out != 0, dtype=np.float64)
    sizes = _ranges(sp.csr_array((top @ chain) != 0), chain.shape[1])
    if sizes is None or (binary and sizes.size != 2):
        return None
    tree, readout = max_tree(sizes.tolist())
    if len(tree) != len(layers) - 2:
        return None
    for built, layer in zip(tree, layers[1:-1], strict=True):
        if not _same_csr(built.float_weight, layer.float_weight):
            return None
    return (sizes, binary) if _same_csr(max_tree_readout(readout, binary), out) else None


def _same_csr(a: Any, b: Any) -> bool:
    a, b = sp.csr_array(a, copy=True), sp.csr_array(b, copy=True)
    if a.shape != b.shape:
        return False
    for m in (a, b):
        m.sum_duplicates()
        m.eliminate_zeros()
        m.sort_indices()
    return bool(
        np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def _plan(net: ReLUNetwork, dtype: Any) -> _Plan:
    cache = _PLANS.setdefault(net, {})
    key = np.dtype(dtype).str
    if key not in cache:
        known = next(iter(cache.values()), None)  # the structure does not depend on dtype
        structure = (known.sizes, known.binary) if known is not None else max_tree_groups(net)
        if structure is None:
            raise InputError(
                "forward_m1 needs an efficient network: a dense first layer, the max-tree layers of "
                "memnets._blocks.max_tree and the class readout (as built by "
                "construct(method='efficient')); use ReLUNetwork.forward_certified otherwise"
            )
        first = net.layers[0]
        W64 = np.asarray(first.float_weight)
        # row blocks on BLAS's threads: the largest row norm, the columns used (weights
        # that are all zero contribute exactly 0: skipped in the GEMM), then one conversion
        # into the operand, the bias riding along as one more column (inputs get a 1)
        blocks = range(0, W64.shape[0], TILE_ROWS)
        stats = run_tiles(lambda r0: (float(np.einsum("ij,ij->i", W64[r0 : r0 + TILE_ROWS], W64[r0 : r0 + TILE_ROWS]).max()),
                                      W64[r0 : r0 + TILE_ROWS].any(axis=0)), blocks, None, W64.size)
        used = np.flatnonzero(np.any([u for _, u in stats], axis=0))
        cols = None if used.size == W64.shape[1] else used
        W = np.empty((W64.shape[0], used.size + 1), dtype=dtype)

        def fill(r0: int) -> None:
            W[r0 : r0 + TILE_ROWS, :-1] = W64[r0 : r0 + TILE_ROWS] if cols is None else W64[r0 : r0 + TILE_ROWS, cols]

        run_tiles(fill, blocks, None, W64.size)
        W[:, -1] = first.float_bias
        cache[key] = _Plan(
            cols=cols,
            W=W,
            wmax=float(np.sqrt(max(m for m, _ in stats))) * (1 + 1e-12),
            bmax=float(np.abs(first.float_bias).max()),
            sizes=structure[0],
            binary=structure[1],
        )
    return cache[key]


def forward_m1(
    network: ReLUNetwork, X: Any, *, dtype: Any = np.float32, chunk_size: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Fast certified forward pass of an ``efficient`` network: ``(outputs, error_bound)``.

    ``outputs`` has the shape of :meth:`ReLUNetwork.forward`; ``error_bound`` (shape (N,))
    bounds ``|F_exact(x) - output|`` for every output of the sample.

    **What is computed.** The network must be an ``efficient`` network (checked once per network,
    entry by entry: :func:`max_tree_groups`). Its first layer ``h = W x + b`` runs as
    blocked BLAS GEMMs in ``dtype`` (float32 by default; ``chunk_size`` samples x
    1024 units per tile, skipping input columns whose weights are all zero, the bias riding
    as a weight on a constant-1 input). Each tile is reduced at once to its per-sample
    maximum over the units of one class group, so no ``N x R`` matrix is stored and the
    work is one pass of GEMM (the same blocking as FAISS's exact search). The max-tree
    layers after the first are *evaluated by the value they compute exactly*: for
    non-negative inputs ``sigma(a - b) + sigma(b) = max(a, b)``, so the tree's exact output
    on the computed first layer is ``max_k sigma(h~_k) = sigma(max_k h~_k)``, which is what
    a float maximum returns without rounding. The readout is ``F_1 - F_0`` (two classes)
    or the group maxima.

    **Error bound.** With ``u`` the unit roundoff of ``dtype`` and ``gamma_m``
    (:mod:`memnets._core.rounding`): first layer ``|h~_k - h_k| <= e_1 =
    gamma_{n+5} (|x| w_max + b_max)`` (rounding ``x``, ``W``, ``b`` to ``dtype``, one
    dot product of ``n + 1`` terms in any order; ``sum_j |w_kj x_j| <= |w_k| |x|`` by
    Cauchy-Schwarz). ReLU and max are 1-Lipschitz in the sup-norm and exact on floats, so
    every group maximum is within ``e_1`` of the exact one; the readout adds one rounding
    of magnitude ``<= M = |x| w_max + b_max + e_1``: ``2 e_1 + 4 gamma_4 M`` (two classes)
    or ``e_1 + 4 gamma_4 M``. Tests compare it with the exact engine. float32 error is
    ``~1e-2`` on MNIST scale, far below typical margins; the decision path
    (:mod:`memnets._engines.decide`) re-evaluates undecided samples in float64, then exactly.

    Raises InputError for a network that is not an ``efficient`` network, inputs with a negative
    entry (the bound uses ``x >= 0``: ``efficient`` acts on ``[0,1]^n``) or the wrong width.
    """
    Xa = check_X(X, n_features=network.n_inputs, unit_interval=False)
    if (Xa < 0).any():
        raise InputError("forward_m1 certifies inputs with x >= 0 only (efficient networks act on [0,1]^n)")
    if chunk_size is not None:
        chunk_size = check_scalar("chunk_size", chunk_size, int, ge=1)
    eng = _plan(network, dtype)
    u = unit_roundoff(dtype)
    n = eng.W.shape[1]  # used inputs + the bias column
    step = int(chunk_size) if chunk_size is not None else TILE_ROWS
    g_first = gamma(n + 4, u)  # n counts the bias column: gamma_{n'+5}
    g4 = gamma(4, u)
    ends = np.cumsum(eng.sizes)
    starts = ends - eng.sizes
    maxima = np.empty((Xa.shape[0], eng.sizes.size), dtype=dtype)
    err = np.empty(Xa.shape[0])
    for s in track(range(0, Xa.shape[0], step), "M1 network on the samples"):
        xc = Xa[s : s + step]
        xin = xc if eng.cols is None else xc[:, eng.cols]
        xa = np.empty((xin.shape[0], xin.shape[1] + 1), dtype=dtype)
        xa[:, :-1] = xin
        xa[:, -1] = 1
        block = maxima[s : s + step]

        def group_max(g: int, xa: np.ndarray = xa, block: np.ndarray = block) -> None:
            lo, hi = int(starts[g]), int(ends[g])
            col = block[:, g]  # only this task writes this column
            for t in range(lo, hi, TILE_COLS):
                tile_max = (xa @ eng.W[t : min(t + TILE_COLS, hi)].T).max(axis=1)
                if t == lo:
                    col[:] = tile_max
                else:
                    np.maximum(col, tile_max, out=col)

        # class groups on BLAS's threads (the same floats: every tile's GEMM and max are exact
        # functions of its operands whatever the threading)
        run_tiles(group_max, range(eng.sizes.size), None, xa.shape[0] * eng.W.shape[0])
        np.maximum(block, 0, out=block)
        norm = np.sqrt(np.einsum("ij,ij->i", xin, xin)) * (1 + 1e-12)
        mag = norm * eng.wmax + eng.bmax
        e1 = g_first * mag
        e_out = (2.0 * e1 if eng.binary else e1) + 4.0 * g4 * (mag + e1)
        err[s : s + step] = e_out * (1 + 1e-6) + 1e-300
    m64 = maxima.astype(np.float64)
    if eng.binary:
        return m64[:, 1] - m64[:, 0], err
    return m64, err
