"""The paper's own Theorem 7.3 network (Yu, Gao, Zhang, Miao 2024, Appendix H.3-H.4), as written.

For a binary dataset ``(x_i, y_i)``, ``y_i = +-1`` (``classes[1]`` is ``+1``), every ordered
pair ``(i, j)`` with ``y_i != y_j`` gets the hyperplane function

.. math::

    S_{ij}(x) = (x_i - x_j) \\cdot \\big(x - (0.51\\, x_i + 0.49\\, x_j)\\big),
    \\qquad r = 0.01 \\min_{y_i \\ne y_j} \\lVert x_i - x_j \\rVert^2,

    u_i(x) = \\sum_{j:\\ y_j \\ne y_i} \\sigma(-S_{ij}(x)) - r, \\qquad
    F(x) = \\sum_i y_i\\, \\sigma(-u_i(x))
         = \\sum_i y_i\\, \\sigma\\Big(r - \\sum_{j:\\ y_j \\ne y_i} \\sigma(-S_{ij}(x))\\Big).

**Theorem 7.3** (paper): there is an efficient memorization algorithm (this one) such that
for every ``D`` in ``D(n, c)`` and ``eps, delta`` in ``(0, 1)``,

.. math:: N \\ge \\frac{S_D \\ln(S_D / \\delta)}{\\varepsilon} \\ \\Longrightarrow\\
          P\\big(A_D(F) \\ge 1 - \\varepsilon\\big) \\ge 1 - \\delta,

with ``S_D`` the size of a smallest *nearby set* (Definition 7.1,
:func:`memnets.theory.estimate_SD`; :func:`memnets.theory.sample_size_thm73`), and
``O(N^2 n)`` parameters. **Memorization** (Lemmas H.2-H.3): ``u_i(x_i) = -r`` (every
``-S_ij(x_i) = -0.49 |x_i - x_j|^2 < 0``) and ``u_j(x_i) >= 0.02 |x_i - x_j|^2 - r > 0``
for every opposite ``j`` (``S_ji(x_i) <= -0.02 |x_i - x_j|^2``), so
``y_i F(x_i) >= r > 0``.

**Sizes** (``P = 2 N_+ N_-`` ordered opposite pairs; ``stats``):

* the paper's three layers ``n -> P -> N -> 1`` as the paper builds them
  (``params_paper``): every pair unit ``(i, j)`` has ``n`` weights and a bias, feeds only
  its own sample unit ``i`` (one weight each: ``P`` weights in the second layer, not
  ``N P``), every sample unit has a bias, and the output has ``N`` weights and a bias:
  ``params_paper = P (n + 1) + P + N + (N + 1) = P (n + 2) + 2N + 1`` -- the ``O(N^2 n)``
  of the theorem (CIFAR pair, 3,000 + 3,000 images, ``n = 3072``: ``P = 2 * 3000 * 3000 =
  1.8e7``, ``params_paper = 55,332,012,001``, about ``5.5e10``);
* the same three layers counted as dense matrices (``params_paper_dense``, every entry of
  ``W_1`` (P x n), ``W_2`` (N x P), ``W_3`` (1 x N) and the biases, zeros included):
  ``P (n + 1) + N (P + 1) + (N + 1)``, ``O(N^2 n + N^3)`` (the CIFAR pair: 163,314,012,001,
  about ``1.6e11``);
* stored (``params_nonzero``): the pair layer is never an ``P x n`` matrix. A first layer of
  inner products ``g_k(x) = <x_k, x>`` split into ``sigma(g_k)``, ``sigma(-g_k)`` (so
  ``g_k = sigma(g_k) - sigma(-g_k)`` on all of ``R^n``) makes every pair unit a sparse row:
  ``-S_ij = -(g_i - g_j) + c_ij``, ``c_ij = (x_i - x_j) . (0.51 x_i + 0.49 x_j)``, four
  weights and the constant; layers ``n -> 2N + K_V - 1 -> P + K_r - 1 -> N -> 1`` (depth 4,
  :mod:`memnets._blocks.pair_layers`), ``2Nn + (4 + K_V) P + O(N)`` non-zeros. The network
  stores ``100 F`` (same sign, same zero set) so that ``0.51``, ``0.49`` and ``0.01``
  become integers, and the ~140-bit constants ``100 c_ij`` and ``100 r = c^2`` are sums of
  ``K`` exact float64 pieces (``K = 3`` for pixels ``k/255``): every entry is a float64,
  exactly, so ``to_torch``/``to_onnx`` reproduce the network (small ``N``: export is dense).

**What it computes.** With ``d_k = |x - x_k|^2``,

.. math:: -S_{ij}(x) = \\tfrac12 (d_i - d_j) + 0.01 \\lVert x_i - x_j \\rVert^2 .

Since ``0.01 |x_i - x_j|^2 >= r``, unit ``i`` can be active only if ``x_i`` is strictly
nearer to ``x`` than every opposite-label sample. So only the class of the nearest sample
can have active units, and ``F(x)`` has the 1-nearest-neighbour label, except in a thin
band near the 1-NN boundary where every unit is dead and ``F(x) = 0`` exactly (in 1-D with
one sample per side the band is a single point; it widens with the number of opposite
samples near ``x``). **Ties**: the decision path predicts ``classes[1]`` iff ``F > 0``, so
``F = 0`` maps to ``classes[0]`` (as for every binary network in memnets). Inputs are
evaluated by the ``"pairwise"`` engine (:mod:`memnets._engines.pair_units`: distances by
GEMM, then the few surviving units), certified in float64 and exact where needed.

**Verification** (``verify=``): ``"engine"`` (default) evaluates the network on every
training sample with the pairwise engine (float64 with a rigorous bound, exact on the
candidate units for anything undecided) through
:func:`memnets._constructions.result.finish`, and checks the lemma's margin
``100 y_i F(x_i) >= 100 r = c^2`` on every sample; ``"generic"`` uses the generic exact
engine instead (small ``N``: it visits all ``P`` pair units per input). ``"certified"``
and ``"exact"`` are the deprecated earlier names of ``"engine"`` and ``"generic"``.

**Cost**: one exact Gram matrix of the opposite pairs (six float64 GEMMs of
``N_+ x n x N_-`` on 21-bit limbs, :mod:`memnets._core.exactgram`) plus ``O(P)`` memory
for the layers; ``memory_limit_gib`` refuses, before allocating, a network that would
not fit.

References: [1] Yu, Gao, Zhang, Miao, *Generalizability of Memorization Neural Networks*,
NeurIPS 2024, Theorem 7.3, Definition 7.1, Appendix H.

>>> import memnets as mn
>>> res = mn.construct([[0.0], [0.25], [1.0]], ["a", "a", "b"], method="pairwise")
>>> res.verified, res.stats["n_pairs"], res.stats["r"] == 0.01 * 0.75**2
(True, 4, True)
>>> res.predict([[0.5], [0.625], [0.75]]).tolist()      # F = -r, 0 (exactly), +r
['a', 'a', 'b']
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np

from memnets._blocks.pair_constants import DEFAULT_MEMORY_LIMIT_GIB, SCALE
from memnets._blocks.pair_layers import pairwise_layers
from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import check_margin_guarantee, finish
from memnets._core.checks import Dataset
from memnets._core.errors import OptionError
from memnets._core.network import ReLUNetwork
from memnets._engines.pair_units import (
    forward_pairwise_exact,
    forward_pairwise_samples,
    register_plan,
)

__all__ = ["BINARY_ONLY", "build", "paper_params", "paper_params_dense"]

#: a two-class construction: more classes are handled one-vs-rest by memnets.construct
BINARY_ONLY = True


def paper_params(n_pos: int, n_neg: int, n_features: int) -> int:
    """The paper's count of its three layers ``n -> P -> N -> 1`` as it builds them: each of the
    ``P = 2 N_+ N_-`` pair units has ``n`` weights and a bias and feeds only its own sample
    unit (``P`` second-layer weights), ``N`` sample-unit biases, ``N`` output weights and a
    bias: ``P (n + 2) + 2N + 1``.

    >>> paper_params(1, 2, 3)      # P = 4, N = 3: 4*(3+1) + 4 + 3 + (3+1)
    27
    """
    N, P = n_pos + n_neg, 2 * n_pos * n_neg
    return P * (n_features + 1) + P + N + (N + 1)


def paper_params_dense(n_pos: int, n_neg: int, n_features: int) -> int:
    """The same three layers counted as dense matrices, zeros included:
    ``P (n + 1) + N (P + 1) + (N + 1)`` (the second layer as a full ``N x P`` matrix).

    >>> paper_params_dense(1, 2, 3)      # P = 4, N = 3: 4*4 + 3*5 + 4
    35
    """
    N, P = n_pos + n_neg, 2 * n_pos * n_neg
    return P * (n_features + 1) + N * (P + 1) + (N + 1)


def _rank(X: np.ndarray) -> int:
    """Numerical rank of ``X`` (= rank of the first layer ``[X; -X; 0]``): pivoted Cholesky of
    the smaller Gram matrix, LAPACK's default tolerance ``m u max_k G_kk`` (an ``m x m``
    ``O(m^2 r)`` factorisation instead of an SVD)."""
    from scipy.linalg.lapack import dpstrf

    nonzero = np.any(X != 0, axis=0)
    if not nonzero.any():
        return 0
    Xc = X if nonzero.all() else X[:, np.flatnonzero(nonzero)]  # zero columns change nothing but the size
    G = Xc.T @ Xc if Xc.shape[0] >= Xc.shape[1] else Xc @ Xc.T
    _, _, rank, info = dpstrf(G, lower=1, tol=-1.0)
    if info < 0:  # pragma: no cover - LAPACK argument error
        return int(np.linalg.matrix_rank(Xc))
    return int(rank)


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    verify: Literal["engine", "generic"] = "engine",
    memory_limit_gib: float = DEFAULT_MEMORY_LIMIT_GIB,
) -> ConstructionResult:
    """The Theorem 7.3 network of a two-class dataset, verified on every sample.

    Parameters
    ----------
    data : checked binary dataset, ``X`` of shape (N, n) in ``[0,1]^n``
    rng, seed : recorded only (the construction is deterministic)
    verify : how memorization is proven. ``"engine"`` (the pairwise engine on every
        training sample, exact where its float64 bound cannot decide) or ``"generic"`` (the
        generic exact engine; small N).
    memory_limit_gib : refuse (InputError naming the budget) a network whose layers and
        plan would exceed this many GiB, before allocating them

    Returns
    -------
    ConstructionResult with ``engine="pairwise"``, ``min_margin`` of ``100 F`` (``>= c^2``),
    stats ``n_pos``, ``n_neg``, ``n_pairs``, ``r`` (float of the exact ``r``), ``separation``,
    ``closest_pair``, ``scale`` (100), ``params_paper`` (:func:`paper_params`: the paper's
    network as it builds it), ``params_paper_dense`` (:func:`paper_params_dense`),
    ``fixed_point_exponent``, ``constant_terms`` / ``r_terms`` (float64 pieces per
    constant; 0 = exact Fraction biases), ``network_seconds`` (exact constants, layers, rank of the first layer)
    and ``engine_verify_seconds`` (the certified pass over the samples; both inside
    ``seconds``); ``info['r']`` is the exact ``r`` (a Fraction).
    The plan the engine evaluates: :func:`memnets._engines.pair_units.pairwise_plan`.

    Raises
    ------
    OptionError : ``memory_limit_gib`` not a positive number
    InputError : the network would not fit ``memory_limit_gib``
    ConflictingLabelsError : two identical samples with different labels
    """
    started = time.perf_counter()
    if isinstance(memory_limit_gib, bool) or not memory_limit_gib > 0 or not math.isfinite(memory_limit_gib):
        raise OptionError(f"memory_limit_gib must be a positive number, got {memory_limit_gib!r}")
    signs = data.binary_signs("pairwise")
    # the rank (one BLAS syrk and a pivoted Cholesky) runs beside the single-threaded parts of the build
    with ThreadPoolExecutor(max_workers=1) as pool:
        rank = pool.submit(_rank, data.X)
        layers, plan = pairwise_layers(data.X, signs, memory_limit_gib=float(memory_limit_gib))
        net = ReLUNetwork(layers)
        # structural statistics the generic scans would spend seconds on at CIFAR scale
        net.__dict__["rank_first_layer"] = rank.result()
    net.__dict__["max_weight_bits"] = plan.weight_bits
    register_plan(net, plan)
    built = time.perf_counter()
    c2 = float(plan.c2)
    stats = {
        "n_pos": int(plan.pos.size),
        "n_neg": int(plan.neg.size),
        "n_pairs": plan.n_pairs,
        "r": c2 / SCALE,
        "separation": math.sqrt(c2),
        "closest_pair": list(plan.closest),
        "scale": SCALE,
        "params_paper": paper_params(int(plan.pos.size), int(plan.neg.size), data.n_features),
        "params_paper_dense": paper_params_dense(int(plan.pos.size), int(plan.neg.size), data.n_features),
        "fixed_point_exponent": plan.T,
        "constant_terms": plan.v_terms,
        "r_terms": plan.c2_terms,
        "margin_guarantee": c2,
        "network_seconds": built - started,
    }
    info = {"r": plan.c2 / SCALE, "closest_pair": plan.closest}
    options = {"verify": verify, "memory_limit_gib": float(memory_limit_gib)}
    if verify == "generic":
        return finish(net, data, method="pairwise", options=options, seed=seed, started=started,
                      engine="pairwise", arithmetic="exact", info=info, extra_stats=stats)
    out, bound = forward_pairwise_samples(net)
    vals = signs * out
    unsure = np.flatnonzero(~(vals > bound))
    if unsure.size:  # exact on the candidate units (finish would use the generic exact engine)
        ex, ex_bound = forward_pairwise_exact(net, data.X[unsure])
        vals[unsure], bound[unsure] = signs[unsure] * ex, ex_bound
    check_margin_guarantee((vals, bound), c2 * (1 - 4e-16), method="pairwise",
                           what=f"Lemma H.3's 100 r = c^2 = {c2:.6g}")
    stats["verified_by"] = "pairwise engine on every sample (certified float64, exact on undecided candidates)"
    stats["engine_verify_seconds"] = time.perf_counter() - built
    return finish(net, data, method="pairwise", options=options, seed=seed, started=started,
                  engine="pairwise", info=info, extra_stats=stats, given_margins=(vals, bound))
