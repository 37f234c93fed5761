"""``efficient``: efficient generalizable memorization, ours (after Yu, Gao, Zhang, Miao 2024, Theorem 7.3).

Ours, not the paper's network: the paper's own Theorem 7.3 network, one unit per ordered
opposite-label pair, is ``method="pairwise"`` (:mod:`memnets._constructions.pairwise`).

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
accuracy ``>= 1 - eps`` with probability ``>= 1 - delta``:
:func:`memnets.theory.sample_size_thm73`; :func:`memnets.theory.estimate_cells` estimates the
number of cells (the paper's ``S_D`` of Definition 7.1 is :func:`memnets.theory.estimate_SD`).

Options (``condense``): ``"cover"`` (the guarantee above), ``"mss"`` (the same cover
sets taken boundary first), ``"hart"`` / ``"fcnn"`` (Hart's condensed nearest
neighbour, 1968, and Angiulli's fast CNN, 2007: fewer representatives, still memorizes,
margin ``> (1 - lam^2) c^2``, ``> 0`` at ``lam = 1``, but no ``c^2 - r^2`` bound),
``"mcs"`` (the smallest consistent subsets memnets finds: FCNN, then alternating per-class
greedy set covers, then pruning; same margin as ``"hart"``), ``"none"`` (every sample is a
representative: the network *is* 1-nearest-neighbour, margin ``>= c^2``).

**Certificate from the training set.** Whatever the rule, the network is a fixed function
of its ``R`` representatives and their labels, so ``efficient`` is a sample-compression scheme of
size ``k = R``: :meth:`~memnets.ConstructionResult.certify` turns that into a rigorous
accuracy bound without a test set (``condense="mcs"`` gives the smallest ``k``; on MNIST
pairs ``benchmarks/bench_certify.py``).

**Verification** (``verify=``): by default every sample's margin is certified from the
construction's proof, ``margin_i >= c_i^2 - |x_i - s(x_i)|^2 - 2 eta`` (``c_i`` = distance
to the nearest other-label sample, rigorously lower-bounded; exact ``c_i^2`` for
``"none"``), in ``O(N n)`` after the separation pass, and the network itself is evaluated
on a random subset and must agree; ``verify="engine"`` evaluates it on every sample
(``O(N R n)``). Both end in :func:`memnets._constructions.result.finish` (exact re-check of anything
unsure) and the margin ``c^2 - r^2`` is checked on every sample.

**Default: the balanced preset (ours).** Since the paper's own network is ``"pairwise"``,
``efficient`` defaults to what serves users best: ``preset="balanced"`` (local radii,
``alpha = 0.7``, ``k = 2``) keeps 1-NN's test accuracy (within 0.5 points on digits, every
MNIST and Fashion-MNIST pair, all ten digits and CIFAR-10 pairs: ``benchmarks/README.md``,
``bench_presets.py``); ``preset="compact"`` (``alpha = 0.9``) is the smaller network (about
half the representatives) at up to ~1 point below 1-NN on some pairs, ``preset="theorem"``
the theorem's radius ``c/2``. Every preset is verified the same way (margin on every sample).

**In practice** (MNIST, ``benchmarks/bench_m1.py --accuracy`` / ``--end-to-end``): the
theorem's radius ``r = c/2`` barely condenses real data (``c(X, y)`` is set by the closest
pair of differently labelled images, ~2.4 for MNIST against a typical same-class neighbour
spacing ~4.4), so ``"cover"`` keeps ~all samples. The **compact preset**
``condense="cover", radius="local", alpha=0.9, k=2`` keeps 1.6% / 33% / 38% / 33% of the
samples on 0-1 / 3-5 / 4-9 / all ten digits at 1-NN accuracy minus 0.00 / 0.37 / 0.30 /
0.13 points (all ten: 19,920 representatives, built and verified in ~25 s).

Everything runs on chunked float32 matrix products (BLAS) with rigorous error bounds
(no ``N x N`` matrix is ever held): distance comparisons are only trusted when the gap
exceeds the bound, and the network itself is evaluated by
:func:`memnets._engines.maxtree.forward_m1`, a float32
engine whose error bound uses the max-tree structure (see there), with float64 and then
exact re-evaluation of the few samples it cannot decide.

References: [1] Yu, Gao, Zhang, Miao, *Generalizability of Memorization Neural Networks*,
NeurIPS 2024, Thm 7.3. [2] P. Hart, *The condensed nearest neighbor rule*, IEEE Trans.
Inf. Theory 14 (1968).

>>> import memnets as mn
>>> X, y = [[0.0, 0.0], [0.0, 0.25], [1.0, 1.0], [1.0, 0.75]], [0, 0, 1, 1]
>>> res = mn.construct(X, y)                      # the balanced preset: k = 2 per sample
>>> res.verified, res.stats["n_reps"], res.predict([[0.1, 0.2], [0.9, 0.9]]).tolist()
(True, 4, [0, 1])
>>> mn.construct(X, y, preset="theorem").stats["n_reps"]   # r = c/2: one per pair
2
"""

from __future__ import annotations

import math
import time
from typing import Any, Literal, get_args

import numpy as np
from scipy.linalg.blas import dsyrk

from memnets._blocks import max_tree, max_tree_readout
from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import check_margin_guarantee, finish
from memnets._core.checks import Dataset, check_scalar
from memnets._core.errors import ConstructionError, VerificationError
from memnets._core.network import AffineLayer, ReLUNetwork
from memnets._core.rounding import U64, gamma
from memnets._engines.decide import certified_margins
from memnets._geometry.condense import condense as condense_subset
from memnets._geometry.condense import cover_geom
from memnets._geometry.enemies import Geom, nearest_enemy_bounds, take_rows

__all__ = ["CONDENSE", "PRESETS", "build"]

Condense = Literal["cover", "mss", "hart", "fcnn", "mcs", "none"]
#: the defaults of the cover rules: ``balanced`` (ours, the default: 1-NN's accuracy),
#: ``compact`` (ours: fewer representatives) or the theorem's radius
PRESETS: dict[str, dict[str, Any]] = {
    "balanced": {"radius": "local", "alpha": 0.7, "k": 2},
    "compact": {"radius": "local", "alpha": 0.9, "k": 2},
    "theorem": {"radius": "global", "alpha": 0.5, "k": 1},
}
CONDENSE: tuple[str, ...] = get_args(Condense)
_SPOT_CHECK = 2048  # samples evaluated through the network under verify="certificate"
_ROWS = 4096  # samples per block of the certificate's distances



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
    """Certified margins of the ``efficient`` network from the construction's proof (see ``verify``).

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
        err = 0.5 * (c2_comp - c2_low) * (1 + 4 * U64) + 2.0 * eta
    else:
        d2 = np.empty(X.shape[0])
        for s in range(0, X.shape[0], _ROWS):  # row blocks: no N x n temporaries
            diff = X[s : s + _ROWS] - X[assign[s : s + _ROWS]]
            d2[s : s + _ROWS] = np.einsum("ij,ij->i", diff, diff)
        g = gamma(n + 3, U64)
        vals = c2_low - d2 * (1 + 2 * g) - 2.0 * eta - 1e-300
        err = np.zeros_like(vals)
    k = min(data.n_samples, _SPOT_CHECK)
    pick = np.sort(rng.choice(data.n_samples, size=k, replace=False))
    sub = Dataset(X=X[pick], y=data.y[pick], classes=data.classes, codes=data.codes[pick])
    net_vals, net_err = certified_margins(net, sub, "m1-certified")
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


# --------------------------------------------------------------------------- network
def _m1_network(S: np.ndarray, group_sizes: np.ndarray, binary: bool) -> tuple[ReLUNetwork, float, int]:
    """The ``efficient`` network on representatives ``S`` (rows grouped by class, contiguous).

    ``S`` is consumed: it becomes the first layer's weight ``2 S`` in place (doubling is
    exact, so ``|s_k|^2`` is ``|2 s_k|^2 / 4`` bit for bit and ``rank 2S = rank S``).
    Returns ``(network, eta, tree_levels)`` where ``eta`` bounds the float64 rounding of
    the first-layer biases (``|b_k - (C - |s_k|^2)| <= eta``).
    """
    W = np.multiply(S, 2.0, out=S)
    sq = np.einsum("ij,ij->i", W, W) * 0.25
    C = float(sq.max())
    bias = C - sq  # >= 0 exactly: fl(C - a) >= 0 for a <= C
    eta = (W.shape[1] + 2) * U64 * 2.0 * C + 1e-300
    first = AffineLayer(W, bias)
    tree, readout = max_tree(group_sizes.tolist())
    out_w = max_tree_readout(readout, binary)
    out = AffineLayer(out_w, np.zeros(out_w.shape[0]))
    net = ReLUNetwork([first, *tree, out])
    # rank W_1 = rank W_1^T W_1: an n x n eigenvalue problem instead of the SVD of a
    # tall R x n matrix (minutes for R = 60000); seeds the network's cached property.
    net.__dict__["rank_first_layer"] = _rank_tall(W)
    return net, eta, len(tree)


def _rank_tall(S: np.ndarray) -> int:
    """Numerical rank of ``S`` (R x n) from the eigenvalues of the Gram matrix ``S^T S``.

    Threshold as :func:`numpy.linalg.matrix_rank` applies to a Hermitian matrix
    (``lambda > lambda_max * n * eps``), i.e. singular values below ``~sqrt(n eps)`` of the
    largest count as zero; columns that are identically zero are dropped exactly first.
    The Gram matrix is one BLAS ``dsyrk`` (its lower triangle, half a GEMM's flops; read
    by the eigensolver) on ``S^T`` as it lies in memory, no copy of ``S``.
    """
    if S.shape[0] <= S.shape[1]:
        return int(np.linalg.matrix_rank(S)) if S.size else 0
    cols = np.flatnonzero(S.any(axis=0))
    if cols.size == 0:
        return 0
    gram = dsyrk(1.0, S.T, lower=1)  # S.T is Fortran-ordered: no copy
    return int(np.linalg.matrix_rank(gram[np.ix_(cols, cols)], hermitian=True))


# --------------------------------------------------------------------------- build
def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    condense: Condense = "cover",
    preset: Literal["balanced", "compact", "theorem"] = "balanced",
    alpha: float | None = None,
    radius: Literal["global", "local"] | None = None,
    k: int | None = None,
    lam: float = 1.0,
    verify: Literal["certificate", "engine"] = "certificate",
) -> ConstructionResult:
    """``efficient`` (ours, after Theorem 7.3): nearest-representative ReLU network, verified on every sample.

    Parameters
    ----------
    data : checked dataset, ``X`` of shape (N, n) in ``[0,1]^n``, two or more classes
    rng, seed : the random subset of ``verify="certificate"``; recorded (the condensing
        rules are deterministic)
    condense : which training samples become representatives. ``"cover"`` (greedy same-label cover at radius ``r = alpha * c``, chosen by
        lazy-greedy maximum coverage; margin ``>= c^2 - r^2``), ``"mss"`` (the same
        cover, boundary samples first), ``"hart"``, ``"fcnn"``, ``"mcs"`` (consistent
        subsets with margin ratio ``lam``: every sample's nearest same-label
        representative is nearer than ``lam`` times its nearest other-label one; margin
        ``> (1 - lam^2) c^2``; ``"mcs"`` is the smallest, for
        :meth:`~memnets.ConstructionResult.certify`), ``"none"`` (all samples; the network
        is exact 1-NN; margin ``>= c^2``). Rules: :mod:`memnets._geometry.condense`.
    preset : the defaults of ``alpha``, ``radius`` and ``k`` for the cover rules. Options
        given explicitly win. ``"balanced"`` (default; ours) = ``radius="local",
        alpha=0.7, k=2``: 1-NN's test accuracy within 0.5 points on every dataset of
        ``benchmarks/bench_presets.py`` (digits, MNIST and Fashion-MNIST pairs, all ten
        digits, CIFAR-10 pairs) with fewer representatives than the theorem's settings;
        ``"compact"`` (ours) = ``radius="local", alpha=0.9, k=2``: about half the
        representatives of ``"balanced"``, up to ~1 point below 1-NN on some MNIST pairs
        (``benchmarks/README.md``), where the theorem's settings keep nearly all samples
        (99.9% of CIFAR-10 pair samples); ``"theorem"`` =
        ``radius="global", alpha=0.5, k=1``: the radius ``r = c/2`` Theorem 7.3's cell
        argument analyses (the guarantee of :func:`memnets.theory.sample_size_thm73` is stated
        for it), keeping 3/4 of the largest margin.
    alpha : radius fraction in (0, 1); larger alpha gives fewer representatives and smaller
        margins ``(1 - alpha^2) c^2``
    radius : how the cover radius is set per sample. ``"global"`` (``r = alpha * c(X, y)`` for every sample, the theorem) or
        ``"local"`` (``r_i = alpha * c_i``, ``c_i`` = distance from ``x_i`` to the nearest
        other-label sample: same margin bound ``(1 - alpha^2) c_i^2 >= c^2 - r^2`` with
        ``r = alpha c``, far fewer representatives on real data)
    k : same-label representatives demanded within the radius of every sample (a class with
        fewer samples gets all of them)
    lam : margin ratio of the consistent-subset rules (``"hart"``, ``"fcnn"``, ``"mcs"``), in
        (0, 1]. Every sample's nearest same-label representative is nearer than ``lam`` times
        its nearest other-label one.
    verify : how memorization is proven before returning. Always through
        :func:`memnets._constructions.result.finish`, with exact re-checks of anything unsure.
        ``"certificate"`` (default; ``O(N n)`` after the separation pass) proves for every
        sample ``margin >= c_i^2 - |x_i - s(x_i)|^2 - 2 eta`` from rigorous float32
        lower bounds on ``c_i`` (distance to the nearest other-label sample, an upper bound
        for every other-label representative) and the float64 distance to its covering
        representative ``s(x_i)`` (for ``"none"`` this is the exact margin ``c_i^2``, two-sided);
        the network itself is also evaluated (:func:`memnets._engines.maxtree.forward_m1`) on a random subset of
        ``min(N, 2048)`` samples drawn from ``rng`` and must agree with the certificate.
        ``"engine"`` evaluates the network on every sample with ``efficient``'s own engine
        (``O(N R n)``, certified float32 then float64). ``"hart"``, ``"fcnn"`` and
        ``"mcs"`` always use ``"engine"`` (their proof needs the representatives'
        distances). ``"network"`` is the deprecated earlier name of ``"engine"``.

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
    chosen = PRESETS[preset]
    alpha = chosen["alpha"] if alpha is None else alpha
    radius = chosen["radius"] if radius is None else radius
    k = chosen["k"] if k is None else k
    alpha = check_scalar("alpha (the cover radius as a fraction of the separation)", alpha, float, gt=0, lt=1)
    k = check_scalar("k (same-label representatives demanded per sample)", k, int, ge=1)
    lam = check_scalar("lam (Hart's margin ratio d_+ < lam d_-)", lam, float, gt=0, le=1)
    X, codes = data.X, data.codes
    geom = Geom(X)  # the float32 copy shared by the separation and cover passes
    c2_comp, c2_each = nearest_enemy_bounds(X, codes, geom=geom)  # upper / lower bounds on c_i^2
    c2_low = float(c2_each.min())
    assign = np.arange(data.n_samples)
    if condense == "none":
        reps = np.arange(data.n_samples)
        r2_bound = 0.0
    elif condense in ("cover", "mss"):
        low = c2_each if radius == "local" else np.full(data.n_samples, c2_low)
        reps, assign = cover_geom(geom, codes, low, alpha, k, mss=condense == "mss")
        r2_bound = alpha * alpha * c2_low
    else:
        reps = condense_subset(X, codes, condense, lam=lam, c2_lower=c2_each)
        r2_bound = lam * lam * c2_low  # d_+^2 < lam^2 d_-^2: margin > (1 - lam^2) c^2
    order = np.argsort(codes[reps], kind="stable")
    reps = reps[order]
    group_sizes = np.bincount(codes[reps], minlength=data.n_classes)
    binary = data.n_classes == 2
    net, eta, levels = _m1_network(take_rows(X, reps), group_sizes, binary)
    # c^2 - r^2 - 2 eta, with r^2 inflated by the float64 error of |x - s(x)|^2 (~1e-13)
    g = gamma(data.n_features + 3, U64)
    guarantee = c2_low - r2_bound * (1 + 2 * g) - 2 * eta
    # the ratio rules (hart, fcnn, mcs) guarantee only margin > 0 (no c^2 - r^2 bound): there
    # the separation itself must exceed the rounding; the cover rules need their stated margin
    ratio_rule = condense in ("hart", "fcnn", "mcs")
    bound_margin = c2_low if ratio_rule else max(c2_low - r2_bound, 0.0)
    if not (c2_low - 2 * eta if ratio_rule else guarantee) > 0:
        raise ConstructionError(
            f"efficient: the margin bound {bound_margin:.3g} is below the float64 rounding of "
            f"the first-layer biases (2 eta = {2 * eta:.3g}): samples of different labels are too "
            f"close (c = {math.sqrt(c2_low):.3g}) for efficient's float64 weights. Use method='pairwise' "
            "or 'optimal' (exact weights), or rescale the data"
        )
    tree_nnz = sum(layer.num_params(nonzero=True) for layer in net.layers[1:])
    stats = {
        "condense": condense,
        "alpha": alpha,
        "radius_mode": radius,
        "k": k,
        "lam": lam,
        "n_reps": int(reps.size),
        "reps_per_class": group_sizes.tolist(),
        "radius": math.sqrt(r2_bound) if condense in ("cover", "mss") else (0.0 if condense == "none" else None),
        "separation": math.sqrt(0.5 * (float(c2_comp.min()) + c2_low)),
        "separation_lower": math.sqrt(c2_low),
        "margin_guarantee": guarantee,
        "bias_rounding_bound": eta,
        "tree_levels": levels,
        "params_first_layer": int(reps.size) * (data.n_features + 1),
        "params_tree_nonzero": int(tree_nnz),
    }
    if condense in ("hart", "fcnn", "mcs") or verify == "engine":
        margins = certified_margins(net, data, "m1-certified")
        stats["verified_by"] = "network evaluation on every sample (certified float32/float64)"
    else:
        margins = _certificate(net, data, rng, c2_comp, c2_each, assign, eta, two_sided=condense == "none")
        stats["verified_by"] = (
            "certificate on every sample (two-sided: exact margin = c_i^2)" if condense == "none"
            else "certificate on every sample (min_margin is a certified lower bound)"
        ) + " + network evaluation on a random subset"
    # the guaranteed margin (Theorem 7.3's c^2 - r^2), on every sample
    check_margin_guarantee(margins, guarantee, method="efficient",
                           what=f"the guaranteed c^2 - r^2 - 2 eta = {guarantee:.6g}")
    return finish(
        net,
        data,
        method="efficient",
        options={"condense": condense, "preset": preset, "alpha": alpha, "radius": radius, "k": k, "lam": lam, "verify": verify},
        seed=seed,
        started=started,
        engine="m1-certified",
        info={"representatives": reps, "group_sizes": group_sizes},
        extra_stats=stats,
        given_margins=margins,
    )
