"""M1: efficient generalizable memorization (Yu, Gao, Zhang, Miao 2024, Theorem 7.3).

Given a dataset ``(X, y)`` in ``[0,1]^n`` with separation ``c = c(X, y) > 0``, choose
same-label *representatives* ``s_1, ..., s_R`` (a greedy cover: every sample ``x_i`` has a
representative of its own label within distance ``r = alpha * c``) and build

.. math::

    h_k(x) = 2\\langle s_k, x\\rangle - \\lVert s_k\\rVert^2 + C
           = \\lVert x\\rVert^2 - \\lVert x - s_k\\rVert^2 + C,
    \\qquad C = \\max_k \\lVert s_k\\rVert^2,

    F_j(x) = \\max_{k:\\ \\mathrm{label}(s_k) = j} \\sigma(h_k(x))
    \\quad(\\text{one ReLU max-tree per class}),
    \\qquad F(x) = F_{+1}(x) - F_{-1}(x) \\ \\text{(binary)}.

Since ``x, s_k >= 0`` we have ``h_k(x) >= 0`` on ``[0,1]^n``, so the first ReLU is inactive
there and ``argmax_k h_k(x)`` is the nearest representative: the network is exactly the
nearest-representative classifier. **Margin**: a sample ``x`` with a same-label
representative within ``r`` and every other-label representative at distance ``>= c``
(representatives are samples) gets

.. math::  F_{y}(x) - \\max_{j \\ne y} F_j(x) \\ \\ge\\ c^2 - r^2 = (1 - \\alpha^2)\\, c^2

(minus ``2 eta``, ``eta`` the float64 rounding of the biases, reported in ``stats``).

**Size**: first layer ``R x n`` dense (``R (n + 1)`` params), then
``ceil(log2 max_j R_j)`` max-tree layers with ``< 4.5 R`` non-zero ``+-1`` weights
(:func:`memnets._blocks.max_tree`); depth ``ceil(log2 max_j R_j) + 2``; width ``R``, so
the width is ``>= n`` whenever the representatives span ``R^n`` (Section 5's condition).

**Guarantee** (Theorem 7.3): if ``supp(D)`` splits into ``S_D`` cells of diameter
``< c_D / 2`` and ``r <= c_D / 2``, then ``N >= (S_D / eps) ln(S_D / delta)`` samples give
accuracy ``>= 1 - eps`` with probability ``>= 1 - delta``: :func:`sample_size_m1`;
:func:`estimate_SD` estimates ``S_D`` from data.

Options (``condense``): ``"cover"`` (the guarantee above), ``"consistent"`` (Hart's
condensed nearest neighbour, 1968: fewer representatives, still memorizes, margin ``> 0``
certified but no ``c^2 - r^2`` bound), ``"none"`` (every sample is a representative:
the network *is* 1-nearest-neighbour, margin ``>= c^2``).

**Verification** (``verify=``): by default every sample's margin is certified from the
construction's proof, ``margin_i >= c_i^2 - |x_i - s(x_i)|^2 - 2 eta`` (``c_i`` = distance
to the nearest other-label sample, rigorously lower-bounded; exact ``c_i^2`` for
``"none"``), in ``O(N n)`` after the separation pass, and the network itself is evaluated
on a random subset and must agree; ``verify="network"`` evaluates it on every sample
(``O(N R n)``). Both end in :func:`memnets._constructions.result.finish` (exact re-check of anything
unsure) and the margin ``c^2 - r^2`` is checked on every sample.

**In practice** (MNIST, ``benchmarks/bench_m1.py --accuracy`` / ``--end-to-end``): the
theorem's radius ``r = c/2`` barely condenses real data (``c(X, y)`` is set by the closest
pair of differently labelled images, ~2.4 for MNIST against a typical same-class neighbour
spacing ~4.4), so ``"cover"`` keeps ~all samples. The **compact preset**
``condense="cover", radius="local", alpha=0.9, k=2`` keeps 1.6% / 33% / 38% / 33% of the
samples on 0-1 / 3-5 / 4-9 / all ten digits at 1-NN accuracy minus 0.00 / 0.37 / 0.30 /
0.13 points (all ten: 19,920 representatives, built and verified in ~25 s).

Everything runs on chunked float32 matrix products (BLAS) with rigorous error bounds
(no ``N x N`` matrix is ever held): distance comparisons are only trusted when the gap
exceeds the bound, and the network itself is evaluated by :func:`forward_m1`, a float32
engine whose error bound uses the max-tree structure (see there), with float64 and then
exact re-evaluation of the few samples it cannot decide.

References: [1] Yu, Gao, Zhang, Miao, *Generalizability of Memorization Neural Networks*,
NeurIPS 2024, Thm 7.3. [2] P. Hart, *The condensed nearest neighbor rule*, IEEE Trans.
Inf. Theory 14 (1968).

>>> import memnets as mn
>>> res = mn.construct([[0.0, 0.0], [0.0, 0.25], [1.0, 1.0], [1.0, 0.75]], [0, 0, 1, 1])
>>> res.verified, res.stats["n_reps"], res.predict([[0.1, 0.2], [0.9, 0.9]]).tolist()
(True, 2, [0, 1])
"""

from __future__ import annotations

import hashlib
import math
import time
import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from memnets._blocks import max_tree
from memnets._constructions.result import ConstructionResult, finish, predict_codes_exact
from memnets._core.checks import Dataset, check_X
from memnets._core.errors import (
    ConflictingLabelsError,
    InputError,
    OptionError,
    VerificationError,
)
from memnets._core.network import AffineLayer, ReLUNetwork
from memnets._geometry.condense import (
    TILE_COLS,
    TILE_ROWS,
    _check_count,
    _check_fraction,
    cover,
    nearest_enemy_sq,
)
from memnets._geometry.condense import condense as condense_subset

__all__ = [
    "CONDENSE",
    "build",
    "estimate_SD",
    "forward_m1",
    "greedy_cover",
    "margins_m1",
    "max_tree_groups",
    "predict_codes_m1",
    "sample_size_m1",
]

CONDENSE = ("cover", "consistent", "none")
RADIUS = ("global", "local")
VERIFY = ("certificate", "network")
_SPOT_CHECK = 2048  # samples evaluated through the network under verify="certificate"
DEFAULT_ALPHA = 0.5

_U64 = 2.0**-53


# --------------------------------------------------------------------------- distances
def _separation_sq(X: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: rigorous upper and (positive) lower bounds on the squared distance
    ``c_i^2`` to the nearest other-label sample (float32 GEMM values +- their tolerance).

    Raises :class:`ConflictingLabelsError` when the separation is zero. Where float32
    cannot certify a positive bound (samples closer than the float tolerance) the
    separation is computed exactly with :func:`memnets.closest_opposite_pair` and used as
    the bound.
    """
    key = hashlib.blake2b(X.tobytes(), digest_size=16, person=str(X.shape).encode()[:16])
    key.update(np.ascontiguousarray(codes).tobytes())
    digest = key.digest()
    if _SEPARATION_CACHE and _SEPARATION_CACHE[0] == digest:
        return _SEPARATION_CACHE[1]
    computed, lower = nearest_enemy_sq(X, codes)
    upper = 2.0 * computed - lower  # computed + tolerance: a rigorous upper bound
    if float(lower.min()) <= 0.0:
        from memnets._geometry.separation import closest_opposite_pair

        pair = closest_opposite_pair(X, codes)
        if pair.squared == 0:
            raise ConflictingLabelsError(pair.i, pair.j, int(codes[pair.i]), int(codes[pair.j]))
        lower = np.maximum(lower, float(pair.squared) * (1 - 4 * _U64))
    upper.flags.writeable = False
    lower.flags.writeable = False
    _SEPARATION_CACHE[:] = [digest, (upper, lower)]
    return upper, lower


# the last dataset's separation bounds (keyed by a hash of X and the labels): sweeping
# options (alpha, condense) on one dataset pays the O(N^2 n) pass once
_SEPARATION_CACHE: list[Any] = []


def _certificate(
    net: ReLUNetwork,
    data: Dataset,
    rng: np.random.Generator,
    c2_comp: np.ndarray,
    c2_low: np.ndarray,
    assign: np.ndarray,
    eta: float,
    *,
    two_sided: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Certified margins of the M1 network from the construction's proof (see ``verify``).

    Exact margin of sample i (the network computes ``max_k h_k`` per class exactly, biases
    within ``eta``): ``min_{other reps} |x-s|^2 - min_{own reps} |x-s|^2 +- 2 eta``, which is
    ``>= c_i^2 - |x_i - s(x_i)|^2 - 2 eta`` (one-sided; returned as ``(lower, 0)``), and for
    ``condense="none"`` equals ``c_i^2 +- 2 eta`` (returned as ``(computed, tol + 2 eta)``).
    A seeded random subset is also pushed through the network and must agree.
    """
    X = data.X
    n = X.shape[1]
    if two_sided:  # c2_comp is an upper bound here: margin in [c2_low, c2_comp] +- 2 eta
        vals = 0.5 * (c2_comp + c2_low)
        err = 0.5 * (c2_comp - c2_low) * (1 + 4 * _U64) + 2.0 * eta
    else:
        diff = X - X[assign]
        d2 = np.einsum("ij,ij->i", diff, diff)
        g = (n + 3) * _U64 / (1 - (n + 3) * _U64)
        vals = c2_low - d2 * (1 + 2 * g) - 2.0 * eta - 1e-300
        err = np.zeros_like(vals)
    k = min(data.n_samples, _SPOT_CHECK)
    pick = np.sort(rng.choice(data.n_samples, size=k, replace=False))
    sub = Dataset(X=X[pick], y=data.y[pick], classes=data.classes, codes=data.codes[pick])
    net_vals, net_err = margins_m1(net, sub)
    lo = vals[pick] - err[pick]
    hi = vals[pick] + err[pick] if two_sided else np.full(k, np.inf)
    bad = np.flatnonzero((net_vals + net_err < lo) | (net_vals - net_err > hi))
    if bad.size:
        i = int(pick[bad[0]])
        raise VerificationError(
            f"efficient: the network's margin on sample {i} ({float(net_vals[bad[0]]):.6g}) "
            f"contradicts its certificate ({float(vals[i]):.6g} +- {float(err[i]):.3g}); "
            "this is a bug in memnets, please report it with the data and seed"
        )
    return vals, err


# --------------------------------------------------------------------------- greedy cover
def greedy_cover(X: Any, codes: Any, radius: Any) -> np.ndarray:
    """Indices (sorted) of a same-label greedy cover of ``X`` at ``radius``.

    Every sample ``x_j`` gets a representative of its own label strictly within
    ``radius_j`` (``radius`` is a number or one radius per sample; ``x_j`` itself in the
    worst case). Representatives are chosen by lazy-greedy maximum coverage
    (:func:`memnets._geometry.condense.cover` with ``c_x = radius_x``, ``alpha = 1``,
    ``k = 1``: within ``1 + ln N`` of the smallest such cover), and a sample only counts as
    covered when the rigorous float32 error bound proves the inequality. Per-class float32
    GEMM blocks; no ``N x N`` matrix.

    >>> greedy_cover([[0.0], [0.1], [0.5], [0.55]], [0, 0, 0, 1], 0.2).tolist()
    [0, 2, 3]
    """
    Xa = check_X(X, unit_interval=False)
    cd = np.asarray(codes).ravel()
    if cd.shape[0] != Xa.shape[0]:
        raise InputError(f"X has {Xa.shape[0]} samples but codes has {cd.shape[0]}")
    rad = np.broadcast_to(np.asarray(radius, dtype=np.float64), (Xa.shape[0],))
    if not np.isfinite(rad).all() or (rad < 0).any():
        raise OptionError(f"radius must be finite and non-negative, got {radius!r}")
    return cover(Xa, cd, alpha=1.0, k=1, c2_lower=rad * rad)[0]


def sample_size_m1(S_D: float, eps: float, delta: float) -> int:
    """Samples that suffice for Theorem 7.3: ``ceil((S_D / eps) * ln(S_D / delta))``.

    If ``supp(D)`` splits into ``S_D`` cells of diameter ``< c_D / 2`` and M1 uses
    ``r <= c_D / 2``, then ``N >= sample_size_m1(S_D, eps, delta)`` i.i.d. samples give
    ``A_D(F) >= 1 - eps`` with probability ``>= 1 - delta`` (each cell of mass
    ``>= eps / S_D`` is hit with probability ``>= 1 - delta / S_D``; a union bound).

    >>> sample_size_m1(10, 0.1, 0.05)
    530
    """
    if not (isinstance(S_D, int | float | np.integer | np.floating) and S_D >= 1 and math.isfinite(S_D)):
        raise OptionError(f"S_D must be a finite number >= 1, got {S_D!r}")
    for name, v in (("eps", eps), ("delta", delta)):
        if not (isinstance(v, int | float | np.integer | np.floating) and 0 < v < 1):
            raise OptionError(f"{name} must lie in (0, 1), got {v!r}")
    return math.ceil((float(S_D) / float(eps)) * math.log(float(S_D) / float(delta)))


def estimate_SD(X: Any, y: Any) -> int:
    """Estimate ``S_D`` from a sample: the greedy cover count at radius ``c / 4``.

    ``c = c(X, y)`` is the sample's separation (``>= c_D`` for samples of D). A same-label
    cover at radius ``c / 4`` (:func:`greedy_cover`: lazy-greedy maximum coverage, within
    ``1 + ln N`` of the smallest such cover) splits the sample into cells of diameter
    ``< c / 2``; their number is the estimate. It is non-decreasing in expectation as ``N`` grows and
    saturates at the covering number of the support (up to the packing/covering factor),
    which is what ``S_D`` counts. Costs one separation pass (``O(N^2 n)`` float32 GEMM)
    plus the cover.

    >>> estimate_SD([[0.0], [0.05], [0.5], [1.0]], [0, 0, 1, 1])
    3
    """
    from memnets._core.checks import check_dataset

    data = check_dataset(X, y)
    _, c2_low = _separation_sq(data.X, data.codes)
    return int(greedy_cover(data.X, data.codes, math.sqrt(float(c2_low.min())) / 4.0).size)


# --------------------------------------------------------------------------- network
def _m1_network(S: np.ndarray, group_sizes: np.ndarray, binary: bool) -> tuple[ReLUNetwork, float, int]:
    """The M1 network on representatives ``S`` (rows grouped by class, contiguous).

    Returns ``(network, eta, tree_levels)`` where ``eta`` bounds the float64 rounding of
    the first-layer biases (``|b_k - (C - |s_k|^2)| <= eta``).
    """
    sq = np.einsum("ij,ij->i", S, S)
    C = float(sq.max())
    bias = C - sq  # >= 0 exactly: fl(C - a) >= 0 for a <= C
    eta = (S.shape[1] + 2) * _U64 * 2.0 * C + 1e-300
    first = AffineLayer(2.0 * S, bias)
    tree, readout = max_tree(group_sizes.tolist())
    out_w = _readout_map(readout, binary)
    out = AffineLayer(out_w, np.zeros(out_w.shape[0]))
    net = ReLUNetwork([first, *tree, out])
    # rank W_1 = rank S = rank S^T S: an n x n eigenvalue problem instead of the SVD of a
    # tall R x n matrix (minutes for R = 60000); seeds the network's cached property.
    net.__dict__["rank_first_layer"] = _rank_tall(S)
    return net, eta, len(tree)


def _rank_tall(S: np.ndarray) -> int:
    """Numerical rank of ``S`` (R x n) from the eigenvalues of the Gram matrix ``S^T S``.

    Threshold as :func:`numpy.linalg.matrix_rank` applies to a Hermitian matrix
    (``lambda > lambda_max * n * eps``), i.e. singular values below ``~sqrt(n eps)`` of the
    largest count as zero; columns that are identically zero are dropped exactly first.
    """
    if S.shape[0] <= S.shape[1]:
        return int(np.linalg.matrix_rank(S)) if S.size else 0
    cols = np.flatnonzero(np.any(S != 0, axis=0))
    if cols.size == 0:
        return 0
    Sc = S[:, cols]
    return int(np.linalg.matrix_rank(Sc.T @ Sc, hermitian=True))


# --------------------------------------------------------------------------- fast engine


@dataclass
class _Engine:
    cols: np.ndarray | None  # input columns with a non-zero weight (None: all)
    W: np.ndarray  # [first layer restricted to ``cols`` | bias], float32 or float64 (R x n'+1)
    wmax: float  # max_k |w_k|_2 (float64, rounded up)
    bmax: float
    sizes: np.ndarray  # units per class group (contiguous, in order)
    binary: bool  # output F_1 - F_0 (one output) or the group maxima (one per class)


_ENGINES: weakref.WeakKeyDictionary[ReLUNetwork, dict[Any, _Engine]] = weakref.WeakKeyDictionary()


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
    """``(group_sizes, binary)`` if ``network`` is an M1 network, else None.

    An M1 network (:func:`_m1_network`) is a dense first layer with ``R`` units, then
    *exactly* the layers of :func:`memnets._blocks.max_tree` ``(group_sizes)`` (contiguous
    groups of units, one per class) and an output that reads the group maxima
    (``F_1 - F_0`` for two classes, the maxima themselves otherwise), all biases after the
    first layer zero. The groups are found by reachability through the layers; the layers
    are then rebuilt from them and compared entry by entry, so a network that matches
    computes ``max_{k in group j} sigma(h_k(x))`` exactly: what :func:`forward_m1` uses.
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
    return (sizes, binary) if _same_csr(_readout_map(readout, binary), out) else None


def _readout_map(readout: sp.csr_array, binary: bool) -> sp.csr_array:
    """M1's output weights: ``F_1 - F_0`` of the group maxima (two classes) or the maxima."""
    G = readout.shape[0]
    if binary:
        E = sp.csr_array((np.array([-1.0, 1.0]), (np.array([0, 0]), np.array([0, 1]))), shape=(1, G))
    else:
        E = sp.identity(G, dtype=np.float64, format="csr")
    w = sp.csr_array(E @ readout)
    w.sort_indices()
    return w


def _same_csr(a: Any, b: Any) -> bool:
    a, b = sp.csr_array(a, copy=True), sp.csr_array(b, copy=True)
    if a.shape != b.shape:
        return False
    a.sum_duplicates()
    b.sum_duplicates()
    a.eliminate_zeros()
    b.eliminate_zeros()
    a.sort_indices()
    b.sort_indices()
    return bool(
        np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


def _engine(net: ReLUNetwork, dtype: Any) -> _Engine:
    cache = _ENGINES.setdefault(net, {})
    key = np.dtype(dtype).str
    if key not in cache:
        known = next(iter(cache.values()), None)  # the structure does not depend on dtype
        structure = (known.sizes, known.binary) if known is not None else max_tree_groups(net)
        if structure is None:
            raise InputError(
                "forward_m1 needs an M1 network: a dense first layer, the max-tree layers of "
                "memnets._blocks.max_tree and the class readout (as built by "
                "construct(method='efficient')); use ReLUNetwork.forward_certified otherwise"
            )
        first = net.layers[0]
        W64 = np.asarray(first.float_weight)
        norms = np.sqrt(np.einsum("ij,ij->i", W64, W64))
        # columns whose weights are all zero contribute exactly 0: skip them in the GEMM
        used = np.flatnonzero(np.any(W64 != 0, axis=0))
        cols = None if used.size == W64.shape[1] else used
        if cols is not None:
            W64 = W64[:, cols]
        cache[key] = _Engine(
            cols=cols,
            # the bias rides along as one more GEMM column (inputs get a constant 1)
            W=np.ascontiguousarray(np.hstack([W64, first.float_bias[:, None]]), dtype=dtype),
            wmax=float(norms.max()) * (1 + 1e-12),
            bmax=float(np.abs(first.float_bias).max()),
            sizes=structure[0],
            binary=structure[1],
        )
    return cache[key]


def forward_m1(
    network: ReLUNetwork, X: Any, *, dtype: Any = np.float32, chunk_size: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Fast certified forward pass of an M1 network: ``(outputs, error_bound)``.

    ``outputs`` has the shape of :meth:`ReLUNetwork.forward`; ``error_bound`` (shape (N,))
    bounds ``|F_exact(x) - output|`` for every output of the sample.

    **What is computed.** The network must be an M1 network (checked once per network,
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

    **Error bound.** With ``u`` the unit roundoff of ``dtype`` and
    ``gamma_m = m u / (1 - m u)``: first layer ``|h~_k - h_k| <= e_1 =
    gamma_{n+5} (|x| w_max + b_max)`` (rounding ``x``, ``W``, ``b`` to ``dtype``, one
    dot product of ``n + 1`` terms in any order; ``sum_j |w_kj x_j| <= |w_k| |x|`` by
    Cauchy-Schwarz). ReLU and max are 1-Lipschitz in the sup-norm and exact on floats, so
    every group maximum is within ``e_1`` of the exact one; the readout adds one rounding
    of magnitude ``<= M = |x| w_max + b_max + e_1``: ``2 e_1 + 4 gamma_4 M`` (two classes)
    or ``e_1 + 4 gamma_4 M``. Tests compare it with the exact engine. float32 error is
    ``~1e-2`` on MNIST scale, far below typical margins; :func:`predict_codes_m1`
    re-evaluates undecided samples in float64, then exactly.

    Raises InputError for a network that is not an M1 network, inputs with a negative
    entry (the bound uses ``x >= 0``: M1 acts on ``[0,1]^n``) or the wrong width.
    """
    Xa = check_X(X, n_features=network.n_inputs, unit_interval=False)
    if (Xa < 0).any():
        raise InputError("forward_m1 certifies inputs with x >= 0 only (M1 acts on [0,1]^n)")
    if chunk_size is not None and (isinstance(chunk_size, bool) or int(chunk_size) < 1):
        raise OptionError(f"chunk_size must be a positive int, got {chunk_size!r}")
    eng = _engine(network, dtype)
    u = float(np.finfo(dtype).eps) / 2.0
    n = eng.W.shape[1]  # used inputs + the bias column
    step = int(chunk_size) if chunk_size is not None else TILE_ROWS
    g_first = (n + 4) * u / (1 - (n + 4) * u)  # n counts the bias column: gamma_{n'+5}
    g4 = 4 * u / (1 - 4 * u)
    ends = np.cumsum(eng.sizes)
    starts = ends - eng.sizes
    maxima = np.empty((Xa.shape[0], eng.sizes.size), dtype=dtype)
    err = np.empty(Xa.shape[0])
    for s in range(0, Xa.shape[0], step):
        xc = Xa[s : s + step]
        xin = xc if eng.cols is None else xc[:, eng.cols]
        xa = np.empty((xin.shape[0], xin.shape[1] + 1), dtype=dtype)
        xa[:, :-1] = xin
        xa[:, -1] = 1
        block = maxima[s : s + step]
        for g, (lo, hi) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            col = block[:, g]
            for t in range(lo, hi, TILE_COLS):
                tile_max = (xa @ eng.W[t : min(t + TILE_COLS, hi)].T).max(axis=1)
                if t == lo:
                    col[:] = tile_max
                else:
                    np.maximum(col, tile_max, out=col)
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


def _margins_from(scores: np.ndarray, err: np.ndarray, codes: np.ndarray, signs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    if scores.ndim == 1:
        if signs is None:
            raise InputError("a one-output network needs exactly two classes")
        return signs * scores, err
    n = scores.shape[0]
    own = scores[np.arange(n), codes]
    masked = scores.copy()
    masked[np.arange(n), codes] = -np.inf
    return own - masked.max(axis=1), 2.0 * err


def margins_m1(network: ReLUNetwork, data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Certified margins ``(values, bounds)`` of an M1 network on ``data`` (float32, then
    float64 for samples float32 cannot decide); the contract of
    :func:`memnets._constructions.result.margins_float`, at float32 GEMM speed."""
    scores, err = forward_m1(network, data.X)
    vals, bound = _margins_from(scores, err, data.codes, data.signs)
    unsure = np.flatnonzero(~(vals > bound))
    if unsure.size:
        s64, e64 = forward_m1(network, data.X[unsure], dtype=np.float64)
        signs = None if data.signs is None else data.signs[unsure]
        v64, b64 = _margins_from(s64, e64, data.codes[unsure], signs)
        vals[unsure], bound[unsure] = v64, b64
    return vals, bound


def predict_codes_m1(network: ReLUNetwork, X: Any) -> np.ndarray:
    """Class indices (sign or argmax of the *exact* network output) at float32 speed.

    float32 :func:`forward_m1`; samples whose decision is not certified by the error bound
    are redone in float64, and those still undecided (near-exact ties) exactly.
    Ties (equal exact scores) resolve like ``numpy.argmax`` / ``F > 0``.
    """
    Xa = check_X(X, n_features=network.n_inputs, unit_interval=False)
    codes, unsure = _decide(*forward_m1(network, Xa))
    if unsure.size:
        c64, unsure64 = _decide(*forward_m1(network, Xa[unsure], dtype=np.float64))
        codes[unsure] = c64
        still = unsure[unsure64]
        if still.size:
            codes[still] = predict_codes_exact(network, Xa[still])
    return codes


def _decide(scores: np.ndarray, err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if scores.ndim == 1:
        return (scores > 0).astype(np.int64), np.flatnonzero(~(np.abs(scores) > err))
    top = np.argmax(scores, axis=1)
    part = np.partition(scores, -2, axis=1)
    gap = part[:, -1] - part[:, -2]
    return top, np.flatnonzero(~(gap > 2.0 * err))


# --------------------------------------------------------------------------- build
def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    condense: str = "cover",
    alpha: float = DEFAULT_ALPHA,
    radius: str = "global",
    k: int = 1,
    lam: float = 1.0,
    verify: str = "certificate",
) -> ConstructionResult:
    """M1 (Theorem 7.3): nearest-representative ReLU network, verified on every sample.

    Parameters
    ----------
    data : checked dataset, ``X`` of shape (N, n) in ``[0,1]^n``, two or more classes
    rng, seed : the random subset of ``verify="certificate"``; recorded (the condensing
        rules are deterministic)
    condense : ``"cover"`` (greedy same-label cover at radius ``r = alpha * c``, chosen by
        lazy-greedy maximum coverage; margin ``>= c^2 - r^2``), ``"consistent"`` (Hart's
        condensed nearest neighbour with margin ratio ``lam``; margin
        ``> (1 - lam^2) c^2``), ``"none"`` (all samples; the network is exact 1-NN; margin
        ``>= c^2``). Rules: :mod:`memnets._geometry.condense`.
    alpha : radius fraction in (0, 1). Default 1/2: ``r = c/2`` is the radius Theorem 7.3
        analyses (cells of diameter < c/2), and it keeps 3/4 of the largest possible
        margin (``(1 - alpha^2) c^2``), so test points within ``c/4`` of a training point
        keep its label. Larger alpha gives fewer representatives and smaller margins.
    radius : ``"global"`` (``r = alpha * c(X, y)`` for every sample, the theorem) or
        ``"local"`` (``r_i = alpha * c_i``, ``c_i`` = distance from ``x_i`` to the nearest
        other-label sample: same margin bound ``(1 - alpha^2) c_i^2 >= c^2 - r^2`` with
        ``r = alpha c``, far fewer representatives on real data)

    verify : how memorization is proven before returning (always through
        :func:`memnets._constructions.result.finish`, with exact re-checks of anything unsure):
        ``"certificate"`` (default; ``O(N n)`` after the separation pass) proves for every
        sample ``margin >= c_i^2 - |x_i - s(x_i)|^2 - 2 eta`` from rigorous float32
        lower bounds on ``c_i`` (distance to the nearest other-label sample, an upper bound
        for every other-label representative) and the float64 distance to its covering
        representative ``s(x_i)`` (for ``"none"`` this is the exact margin ``c_i^2``, two-sided);
        the network itself is also evaluated (:func:`forward_m1`) on a random subset of
        ``min(N, 2048)`` samples drawn from ``rng`` and must agree with the certificate.
        ``"network"`` evaluates the network on every sample (``O(N R n)``, certified
        float32 then float64). ``"consistent"`` always uses ``"network"`` (its proof needs
        the representatives' distances).

    Returns
    -------
    ConstructionResult with ``info['representatives']`` (training indices, grouped by
    class) and stats ``n_reps``, ``reps_per_class``, ``radius``, ``separation``,
    ``margin_guarantee``, ``tree_levels``, ``params_first_layer`` (= ``R (n + 1)``),
    ``params_tree_nonzero``.

    Raises
    ------
    OptionError : unknown ``condense``/``radius``, ``alpha`` outside (0, 1), ``k`` not a
        positive int, ``lam`` outside (0, 1]
    ConflictingLabelsError : separation zero
    """
    started = time.perf_counter()
    if condense not in CONDENSE:
        raise OptionError(f"condense must be one of {', '.join(map(repr, CONDENSE))}, got {condense!r}")
    if radius not in RADIUS:
        raise OptionError(f"radius must be one of {', '.join(map(repr, RADIUS))}, got {radius!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.integer | np.floating) or not (
        0.0 < float(alpha) < 1.0
    ):
        raise OptionError(f"alpha (the cover radius as a fraction of the separation) must lie in (0, 1), got {alpha!r}")
    if verify not in VERIFY:
        raise OptionError(f"verify must be one of {', '.join(map(repr, VERIFY))}, got {verify!r}")
    k = _check_count("k", k, "same-label representatives demanded per sample")
    lam = _check_fraction("lam (Hart's margin ratio d_+ < lam d_-)", lam)
    alpha = float(alpha)
    X, codes = data.X, data.codes
    c2_comp, c2_each = _separation_sq(X, codes)  # upper / lower bounds on c_i^2
    c2_low = float(c2_each.min())
    assign = np.arange(data.n_samples)
    if condense == "none":
        reps = np.arange(data.n_samples)
        r2_bound = 0.0
    elif condense == "cover":
        low = c2_each if radius == "local" else np.full(data.n_samples, c2_low)
        reps, assign = cover(X, codes, alpha=alpha, k=k, c2_lower=low)
        r2_bound = alpha * alpha * c2_low
    else:
        reps = condense_subset(X, codes, "hart", lam=lam, c2_lower=c2_each)
        r2_bound = lam * lam * c2_low  # d_+^2 < lam^2 d_-^2: margin > (1 - lam^2) c^2
    order = np.argsort(codes[reps], kind="stable")
    reps = reps[order]
    group_sizes = np.bincount(codes[reps], minlength=data.n_classes)
    binary = data.n_classes == 2
    net, eta, levels = _m1_network(X[reps], group_sizes, binary)
    # c^2 - r^2 - 2 eta, with r^2 inflated by the float64 error of |x - s(x)|^2 (~1e-13)
    g = (data.n_features + 3) * _U64 / (1 - (data.n_features + 3) * _U64)
    guarantee = c2_low - r2_bound * (1 + 2 * g) - 2 * eta
    tree_nnz = sum(layer.num_params(nonzero=True) for layer in net.layers[1:])
    stats = {
        "condense": condense,
        "alpha": alpha,
        "radius_mode": radius,
        "k": k,
        "lam": lam,
        "n_reps": int(reps.size),
        "reps_per_class": group_sizes.tolist(),
        "radius": math.sqrt(r2_bound) if condense == "cover" else (0.0 if condense == "none" else None),
        "separation": math.sqrt(0.5 * (float(c2_comp.min()) + c2_low)),
        "separation_lower": math.sqrt(c2_low),
        "margin_guarantee": guarantee,
        "bias_rounding_bound": eta,
        "tree_levels": levels,
        "params_first_layer": int(reps.size) * (data.n_features + 1),
        "params_tree_nonzero": int(tree_nnz),
    }
    if condense == "consistent" or verify == "network":
        margins = margins_m1(net, data)
        stats["verified_by"] = "network evaluation on every sample (certified float32/float64)"
    else:
        margins = _certificate(net, data, rng, c2_comp, c2_each, assign, eta, two_sided=condense == "none")
        stats["verified_by"] = (
            "certificate on every sample (two-sided: exact margin = c_i^2)" if condense == "none"
            else "certificate on every sample (min_margin is a certified lower bound)"
        ) + " + network evaluation on a random subset"
    vals, bound = margins  # the guaranteed margin (Theorem 7.3's c^2 - r^2), on every sample
    short = np.flatnonzero(vals + bound < guarantee)
    if short.size:
        i = int(short[0])
        raise VerificationError(
            f"efficient: sample {i} has margin {float(vals[i]):.6g} +- {float(bound[i]):.3g}, below "
            f"the guaranteed c^2 - r^2 - 2 eta = {guarantee:.6g}; this is a bug in memnets"
        )
    return finish(
        net,
        data,
        method="efficient",
        options={"condense": condense, "alpha": alpha, "radius": radius, "k": k, "lam": lam, "verify": verify},
        seed=seed,
        started=started,
        engine="m1-certified",
        info={"representatives": reps, "group_sizes": group_sizes},
        extra_stats=stats,
        certified_margins=margins,
    )
