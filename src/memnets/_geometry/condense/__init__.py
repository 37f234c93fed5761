"""Condensing for ``efficient``: choose representatives so that the nearest one always has the right label.

``efficient`` (ours, after Theorem 7.3, :mod:`memnets._constructions.efficient`) is the nearest-representative
classifier on a subset ``S = {s_1, ..., s_R}`` of the training samples; its first layer
has ``R (n + 1)`` parameters. It memorizes ``(X, y)`` iff ``S`` is *consistent*:

.. math::  \\forall i:\\quad \\min_{s \\in S,\\ y(s) = y_i} |x_i - s|
           \\ <\\ \\min_{s \\in S,\\ y(s) \\ne y_i} |x_i - s| .

Every rule here returns a consistent ``S`` (proven with rigorous float32 error bounds,
ties counted against us), and differs in how it trades ``R`` for test accuracy.
With ``d_+(x)`` / ``d_-(x)`` the distances from ``x`` to its nearest same-label /
other-label representative and ``c_x`` the distance to its nearest other-label *sample*
(so ``d_-(x) >= c_x`` for every ``S``), the rules are:

``"cover"``: greedy set (multi-)cover with local radii,
    :math:`\\mathrm{cov}(s) = \\{x : y(x) = y(s),\\ |x - s| < \\alpha c_x\\}`,
    ``alpha`` in (0, 1]: every ``x`` must be covered by ``min(k, deg x)`` chosen
    samples (``deg x = #{s : x in cov(s)} >= 1``, as ``x`` covers itself). Lazy greedy
    *maximum coverage*: always take the sample that serves the most unmet demands
    ([9]: Chvatal for ``k = 1``, Dobson for ``k > 1``; within ``1 + ln N`` of the
    smallest such cover). Every ``x`` ends with ``d_+(x) < alpha c_x <= alpha d_-(x)``: a
    margin ``d_-^2 - d_+^2 >= (1 - alpha^2) c_x^2`` that does not depend on the other
    representatives (with ``alpha c_x >= alpha c``, this contains Theorem 7.3's cover at
    ``r = alpha c``). ``k = 1`` is the set-cover view of prototype selection of Bien and
    Tibshirani [4] with the radius tied to each covered point's nearest enemy (at
    ``alpha = 1``, Ritter et al.'s *selective subset* condition [7]). ``k > 1`` asks
    for ``k`` same-label representatives around every sample: a test point near ``x``
    then meets several of them, which on MNIST buys more accuracy per representative
    than a smaller radius does (see ``benchmarks/bench_m1.py --accuracy``).
``"mss"``: the same cover sets and demands, with the candidates taken in ascending
    order of ``c_s`` (boundary samples first) whenever they serve an unmet demand: the
    modified selective subset of Barandela, Ferri and Sanchez [8].
``"hart"``: Hart's condensed nearest neighbour [2] with a *ratio margin* ``lam`` in (0, 1]:
    scan the samples in index order (passes until one adds nothing); ``x`` is absorbed
    iff :math:`d_+(x) < \\lambda\\, d_-(x)`, otherwise it becomes a representative.
    ``lam = 1`` is Hart's rule; smaller ``lam`` keeps more points near the class
    boundaries (a multiplicative form of the *strong absorption* criterion of the
    generalized CNN of Chou, Kuo and Chang [3]).
``"fcnn"``: the fast condensed nearest neighbour rule FCNN1 of Angiulli [5] with the same
    ratio margin: start from the sample nearest to each class centroid; in every round,
    for every representative ``p`` add the not-absorbed sample of its Voronoi cell that is
    nearest to ``p``; stop when every sample is absorbed. Order-independent.
``"mcs"``: the smallest consistent subsets found here (for the sample-compression
    certificate of :meth:`memnets.ConstructionResult.certify`, which gets better as ``R``
    shrinks). Start from ``"fcnn"``; then, one class ``c`` at a time with the other
    classes' representatives ``R_o`` fixed, choose the representatives of ``c`` afresh by
    lazy-greedy set cover: candidate ``s`` covers ``x`` (both of class ``c``) iff
    :math:`|x - s| < \\lambda\\, d(x, R_o)` (the nearest other-label *representative*, not
    sample: much larger radii than ``"cover"``'s ``c_x``), and only candidates with
    :math:`|z - s| > d_+(z) / \\lambda` for every sample ``z`` of another class are
    allowed (``z``'s own representative stays nearer). The current set of ``c`` is a
    feasible cover, so a smaller greedy cover replaces it, else it stays; rounds until no
    class improves. Then Gates' reduced-NN pruning [11]: drop representatives, interior
    ones first, while every sample keeps :math:`d_+ < \\lambda d_-`. The idea of
    Dasarathy's minimal consistent subset [10] (nearest-unlike-neighbour radii measured to
    the current subset). Cost: every pairwise distance, cached as float32 when
    ``4 N^2`` bytes fit in 1 GiB (else recomputed, ``O(N^2 n)`` per class and round).

At termination of ``"hart"``/``"fcnn"``/``"mcs"`` every non-representative has
``d_+ < lam d_- <= d_-``; a representative has ``d_+ = 0 < d_-`` (separation > 0). So all
rules are consistent, and ``efficient`` on ``S`` memorizes the data.

**On MNIST** (``benchmarks/bench_m1.py --accuracy --curves``; full 60k/10k split; 1-NN =
scikit-learn on every training sample): the accuracy lost by condensing depends mostly
on how many representatives are kept, whatever the rule. Hart's rule keeps ~10% of the
samples and loses 1.7-2.6 points (4-9, all 10); the theorem's global radius barely
condenses. At equal size the multi-cover (``k = 2..5``) loses least, then FCNN/Hart with
a margin and the ``k = 1`` cover (4-9 near a third of ``N``: ``k = 1`` -0.6 points,
multi-cover -0.35 to -0.5; also in 5-fold cross-validation on the training set). The
default ``alpha = 0.9, k = 2`` stays within 0.5 points of 1-NN on 0-1, 3-5, 4-9 and all
10 classes with 1.6%, 33%, 38% and 33% of the samples as representatives (the first layer
is that fraction of ``N n``); on 4-9 the frontier crosses -0.5 points near a third of
``N``. The test sets have 2k-10k images: differences of 0.2 points are within noise.
(Theorem 7.3's sample-size guarantee is proven for the global radius ``r <= c_D / 2``;
local radii and ``k > 1`` keep the memorization proof and the margin
``(1 - alpha^2) c_x^2``, not that guarantee.)

**Float error.** Squared distances come from float32 GEMMs,
``d2 = |x|^2 + |z|^2 - 2 <x, z>``, with ``|fl(d2) - d2| <= tau (|x|^2 + |z|^2)``,
``tau = 1.25 (n + 12) 2^-24`` (:func:`_tol_scale`). A test ``a < lam^2 b`` is only
*passed* when ``a + tol_a < lam^2 (b - tol_b)``; a failed test adds a representative,
which never breaks consistency. No ``N x N`` matrix is held: blocks of at most
``2^24`` float32 entries; the covers hold one class's ``m x m`` boolean cover matrix
(classes up to ``2^14`` samples, filled from symmetric GEMM tiles; larger classes in
row blocks).

**Cost.** ``nearest_enemy_sq``: one pass over all differently-labelled pairs
(``~N^2 n`` flops, float32 BLAS; columns constant over the data left out). ``"cover"``/``"mss"``:
the within-class pairs, each once (``~N^2 n / (2K)`` for ``K`` balanced classes), the
cover sets as index lists (2 or 4 bytes per covered pair, one class at a time: ~0.2 GB
peak for MNIST's densest class, 6742 ones, at ``alpha = 1``) and a lazy-greedy loop that
runs while the next class's sets are computed. Large jobs run their tiles on BLAS's
threads (:func:`memnets._geometry.enemies.run_tiles`). ``"hart"``/``"fcnn"``: ``O(N R n)``;
given ``c2_lower`` (the nearest-enemy bounds), a sample with
``d_+ < lam c_x`` is settled for good and leaves the computation.

References: [1] Yu, Gao, Zhang, Miao, NeurIPS 2024, Thm 7.3. [2] P. E. Hart, *The
condensed nearest neighbor rule*, IEEE Trans. Inf. Theory 14 (1968). [3] C.-H. Chou,
B.-H. Kuo, F. Chang, *The generalized condensed nearest neighbor rule as a data reduction
method*, ICPR 2006. [4] J. Bien, R. Tibshirani, *Prototype selection for interpretable
classification*, Ann. Appl. Stat. 5 (2011). [5] F. Angiulli, *Fast nearest neighbor
condensation for large data sets classification*, IEEE TKDE 19 (2007). [6] S. Garcia,
J. Derrac, J. R. Cano, F. Herrera, *Prototype selection for nearest neighbor
classification: taxonomy and empirical study*, IEEE TPAMI 34 (2012). [7] G. L. Ritter,
H. B. Woodruff, S. R. Lowry, T. L. Isenhour, *An algorithm for a selective nearest
neighbor decision rule*, IEEE Trans. Inf. Theory 21 (1975). [8] R. Barandela, F. J. Ferri,
J. S. Sanchez, *Decision boundary preserving prototype selection for nearest neighbor
classification*, IJPRAI 19 (2005). [9] V. Chvatal, *A greedy heuristic for the
set-covering problem*, Math. Oper. Res. 4 (1979); G. Dobson, *Worst-case analysis of
greedy heuristics for integer programming with nonnegative data*, Math. Oper. Res. 7 (1982).
[10] B. V. Dasarathy, *Minimal consistent set (MCS) identification for optimal nearest
neighbor decision systems design*, IEEE Trans. Syst. Man Cybern. 24 (1994). [11] G. W.
Gates, *The reduced nearest neighbor rule*, IEEE Trans. Inf. Theory 18 (1972).

Radii ``alpha c_x = 0.5, 0.4, 0.3`` below: ``x = 0.2`` covers its whole class (the
index-order cover would take ``0.0`` and then ``0.4``):

>>> condense([[0.0], [0.2], [0.4], [1.0]], [0, 0, 0, 1], "cover", alpha=0.5, k=1).tolist()
[1, 3]

``x = 0.5`` is as far from ``0.1`` as from ``0.9``: a tie, so it must be kept:

>>> X, y = [[0.0], [0.1], [0.5], [0.8], [0.9], [1.0]], [0, 0, 0, 1, 1, 1]
>>> condense(X, y, "hart", lam=1.0).tolist(), condense(X, y, "fcnn", lam=1.0).tolist()
([0, 2, 3], [1, 2, 4])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memnets._core.checks import check_scalar
from memnets._core.errors import OptionError
from memnets._geometry.condense._cnn import _fcnn, _hart
from memnets._geometry.condense._common import (
    DEFAULT_ALPHA,
    DEFAULT_K,
    DEFAULT_RULE,
    RULES,
    _check_c2,
)
from memnets._geometry.condense._consistency import consistent_margins, is_consistent
from memnets._geometry.condense._cover import cover, cover_geom
from memnets._geometry.condense._minimal import _mcs
from memnets._geometry.enemies import Geom, check_codes, nearest_enemy_sq

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_K",
    "DEFAULT_RULE",
    "RULES",
    "condense",
    "consistent_margins",
    "cover",
    "cover_geom",
    "is_consistent",
    "nearest_enemy_sq",
]


def condense(
    X: Any,
    y: Any,
    rule: str = DEFAULT_RULE,
    *,
    alpha: float = DEFAULT_ALPHA,
    k: int = DEFAULT_K,
    lam: float = 1.0,
    c2_lower: Any = None,
    max_passes: int = 1000,
) -> np.ndarray:
    """Indices (sorted) of a consistent subset of ``(X, y)`` chosen by ``rule``.

    Parameters
    ----------
    X
        (N, n) samples; y : (N,) labels (any hashable values), no two equal samples with
        different labels
    rule
        ``"cover"``/``"mss"`` (use ``alpha``, ``k``; :func:`cover`), ``"hart"``,
        ``"fcnn"`` or ``"mcs"`` (use ``lam``); see the module docstring for the formulas
    alpha
        cover radius fraction in (0, 1]: ``x`` is covered by ``s`` iff
        ``|x - s| < alpha c_x``
    k
        covers demanded per sample (``"cover"``/``"mss"``)
    lam
        margin ratio in (0, 1]: ``x`` is absorbed iff ``d_+(x) < lam d_-(x)``
    c2_lower
        optional (N,) rigorous lower bounds on ``c_x^2`` (e.g. from
        :func:`nearest_enemy_sq`, or ``efficient``'s separation pass); computed when ``"cover"``
        needs them and none are given; used by ``"hart"``/``"fcnn"`` only to skip settled
        samples (the result does not depend on it)
    max_passes
        bound on the passes (``"hart"``) or rounds (``"fcnn"``, and separately
        the alternation rounds of ``"mcs"``)

    Returns
    -------
    int64 array of representative indices; consistent (every sample's nearest
    representative has its label, by a strict, float-error-proof margin; see
    :func:`is_consistent`).

    >>> condense([[0.0], [0.1], [0.7], [0.8]], ["a", "a", "b", "b"], "hart", lam=0.5).tolist()
    [0, 2]
    """
    if rule not in RULES:
        raise OptionError(f"condense rule must be one of {', '.join(map(repr, RULES))}, got {rule!r}")
    if rule in ("cover", "mss"):
        return cover(X, y, alpha=alpha, k=k, c2_lower=c2_lower, order="boundary" if rule == "mss" else "greedy")[0]
    lam_f = check_scalar("lam", lam, float, gt=0, le=1)
    passes = check_scalar("max_passes (passes or rounds)", max_passes, int, ge=1)
    Xa, codes = check_codes(X, y)
    if Xa.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    low = _check_c2(c2_lower, Xa.shape[0])
    g = Geom(Xa)
    if rule == "hart":
        return _hart(g, codes, lam_f, low, passes)
    start = _fcnn(g, codes, lam_f, low, passes)
    if rule == "fcnn":
        return start
    return _mcs(g, codes, lam_f, start, passes)

