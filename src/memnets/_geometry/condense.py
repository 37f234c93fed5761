"""Condensing for M1: choose representatives so that the nearest one always has the right label.

M1 (Theorem 7.3, :mod:`memnets._constructions.efficient`) is the nearest-representative
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
rules are consistent, and M1 on ``S`` memorizes the data.

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
``2^24`` float32 entries, per class for the covers.

**Cost.** ``nearest_enemy_sq``: one pass over all differently-labelled pairs
(``~N^2 n`` flops, float32 BLAS). ``"cover"``/``"mss"``: the within-class pairs
(``~N^2 n / K`` for ``K`` balanced classes), the cover sets as index lists (2 or 4 bytes
per covered pair, one class at a time: ~0.2 GB peak for MNIST's densest class, 6742 ones,
at ``alpha = 1``) and a lazy-greedy loop. ``"hart"``/``"fcnn"``: ``O(N R n)``;
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

Size (~770 lines): the rules (cover, MSS, Hart, FCNN, MCS) share the float32 distance tiles,
their rigorous tolerances and the exact consistency check; MCS builds on FCNN and the cover.
A candidate for a split (MCS into its own module) when it grows again.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

import numpy as np

from memnets._core.errors import ConstructionError, InputError, OptionError
from memnets._core.progress import track
from memnets._core.rounding import U64
from memnets._geometry.enemies import (
    BLOCK_ELEMENTS,
    TILE_ROWS,
    Geom,
    check_codes,
    nearest_enemy_sq,
)

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_K",
    "DEFAULT_RULE",
    "RULES",
    "condense",
    "consistent_margins",
    "cover",
    "is_consistent",
]

RULES = ("cover", "mss", "hart", "fcnn", "mcs")
#: the recommended setting, chosen on MNIST (module docstring; benchmarks/bench_m1.py --accuracy)
DEFAULT_RULE = "cover"
DEFAULT_ALPHA = 0.9
DEFAULT_K = 2

_BATCH = 512  # samples decided together in the sequential scan


# --------------------------------------------------------------------------- cover
def _cover_sets(g: Geom, idx: np.ndarray, lim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(ptr, xs)`` of ``cov(s) = {x : d2(s, x) + tol_x < thr_x}`` over one class.

    Positions are within ``idx``; ``lim = thr - tol`` per position. Every ``s`` covers
    itself (``|s - s| = 0``). Built in row blocks of ``<= 2^22`` distances; the index
    arrays hold one uint16 (classes up to 65536 samples) or int32 per covered pair.
    """
    m = idx.size
    step = max(1, (BLOCK_ELEMENTS // 4) // max(m, 1))  # <= 2^22 pairs: <= 32 MiB of flat indices
    dtype = np.uint16 if m <= 2**16 else np.int32  # 2 bytes per covered pair when it fits
    parts: list[np.ndarray] = []
    counts = np.zeros(m, dtype=np.int64)
    for s0 in track(range(0, m, step), "cover: neighbourhoods"):
        rows = np.arange(s0, min(m, s0 + step))
        hit = g.d2(idx[rows], idx) < lim[None, :]
        hit[np.arange(rows.size), rows] = True
        counts[rows] = np.count_nonzero(hit, axis=1)
        parts.append((np.flatnonzero(hit) % m).astype(dtype))  # row-major: grouped by s
    ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, np.concatenate(parts)


def _greedy_cover(ptr: np.ndarray, xs: np.ndarray, need: np.ndarray) -> list[int]:
    """Lazy-greedy maximum coverage: candidate ``s`` serves ``xs[ptr[s]:ptr[s+1]]``; take the
    candidate serving the most unmet demands (``need > 0``, decremented in place) until
    none is left (ties: lowest index). Demands no candidate serves are left unmet."""
    left = int(np.count_nonzero(need))
    heap = list(zip((ptr[:-1] - ptr[1:]).tolist(), range(ptr.size - 1), strict=True))
    heapq.heapify(heap)
    chosen: list[int] = []
    while left and heap:
        _, s = heapq.heappop(heap)
        members = xs[ptr[s] : ptr[s + 1]]
        gain = int(np.count_nonzero(need[members] > 0))
        if gain == 0:
            continue
        if heap and (-gain, s) > heap[0]:  # stale bound: re-insert with its true gain
            heapq.heappush(heap, (-gain, s))
            continue
        chosen.append(s)
        need[members] -= 1
        left -= gain - int(np.count_nonzero(need[members] > 0))
    return chosen


def _cover(
    g: Geom, codes: np.ndarray, c2_lower: np.ndarray, alpha: float, k: int, mss: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy (multi-)cover per class with local radii (see the module docstring);
    returns ``(reps, assign)``, ``assign[x]`` the first chosen ``s`` with ``x in cov(s)``."""
    thr = alpha * alpha * c2_lower  # x in cov(s) iff d2(x, s) + tol_x < thr_x (proven)
    reps: list[np.ndarray] = []
    assign = np.full(codes.size, -1, dtype=np.int64)
    for c in range(int(codes.max()) + 1):
        idx = np.flatnonzero(codes == c)
        m = idx.size
        ptr, xs = _cover_sets(g, idx, thr[idx] - g.tol(idx))
        # demand: k covers, or as many as exist (>= 1: x covers itself)
        need = np.minimum(np.bincount(xs, minlength=m), k)
        chosen: list[int] = []
        if mss:  # Barandela et al.: boundary candidates first (ascending c_s), take if useful
            for s in np.argsort(c2_lower[idx], kind="stable"):
                members = xs[ptr[s] : ptr[s + 1]]
                if (need[members] > 0).any():
                    chosen.append(int(s))
                    need[members] -= 1
                    free = members[assign[idx[members]] < 0]
                    assign[idx[free]] = idx[s]
        else:  # lazy greedy: the largest remaining gain first (ties: lowest index)
            chosen = _greedy_cover(ptr, xs, need)
            for s in chosen:
                members = xs[ptr[s] : ptr[s + 1]]
                free = members[assign[idx[members]] < 0]
                assign[idx[free]] = idx[s]
        reps.append(idx[np.asarray(chosen, dtype=np.int64)])
    return np.sort(np.concatenate(reps)), assign


# --------------------------------------------------------------------------- Hart / FCNN
class _Nearest:
    """Running nearest same-label / other-label representative of every sample.

    ``same``/``other`` are float32 GEMM minima over the representatives folded in so far
    (``seen`` counts them, in insertion order); ``settled`` marks samples proven absorbed
    for good: ``same + tol < lam^2 (c2_lower)`` (every other-label representative is at
    least ``c_x`` away, whatever is added later).
    """

    def __init__(self, g: Geom, codes: np.ndarray, lam: float, c2_lower: np.ndarray | None) -> None:
        n = codes.size
        self.g, self.codes, self.lam2 = g, codes, lam * lam
        self.tol = g.tol(np.arange(n))
        self.same = np.full(n, np.inf, dtype=np.float32)
        self.other = np.full(n, np.inf, dtype=np.float32)
        self.near = np.full(n, -1, dtype=np.int64)  # nearest representative (computed)
        self.near_d2 = np.full(n, np.inf, dtype=np.float32)
        self.is_rep = np.zeros(n, dtype=bool)
        self.reps: list[int] = []
        self.seen = np.zeros(n, dtype=np.int64)
        self.c2_lower = c2_lower
        self.settled = np.zeros(n, dtype=bool)

    def absorbed(self, rows: np.ndarray) -> np.ndarray:
        """Proven ``d_+ < lam d_-`` against the representatives folded in so far."""
        t = self.tol[rows]
        same = self.same[rows].astype(np.float64) + t
        other = self.other[rows].astype(np.float64) - t
        return same < self.lam2 * other

    def fold(self, rows: np.ndarray) -> None:
        """Fold every representative not yet seen by ``rows`` into their minima."""
        start = int(self.seen[rows].min()) if rows.size else 0
        new = np.asarray(self.reps[start:], dtype=np.int64)
        if new.size:
            self._update(rows, new)
        self.seen[rows] = len(self.reps)

    def _update(self, rows: np.ndarray, new: np.ndarray) -> None:
        step = max(1, BLOCK_ELEMENTS // max(rows.size, 1))
        for s in range(0, new.size, step):
            part = new[s : s + step]
            d2 = self.g.d2(rows, part)
            self._apply(rows, part, d2)

    def _apply(self, rows: np.ndarray, part: np.ndarray, d2: np.ndarray) -> None:
        eq = self.codes[rows][:, None] == self.codes[part][None, :]
        self.same[rows] = np.minimum(self.same[rows], np.where(eq, d2, np.inf).min(axis=1))
        self.other[rows] = np.minimum(self.other[rows], np.where(eq, np.inf, d2).min(axis=1))
        j = np.argmin(d2, axis=1)
        dj = d2[np.arange(rows.size), j]
        better = dj < self.near_d2[rows]
        self.near[rows[better]] = part[j[better]]
        self.near_d2[rows[better]] = dj[better]

    def add(self, i: int) -> None:
        self.is_rep[i] = True
        self.reps.append(i)
        self.same[i] = 0.0
        self.near[i] = i
        self.near_d2[i] = 0.0

    def settle(self, rows: np.ndarray) -> None:
        if self.c2_lower is not None:
            t = self.tol[rows]
            ok = self.same[rows].astype(np.float64) + t < self.lam2 * self.c2_lower[rows]
            self.settled[rows[ok]] = True


def _hart(g: Geom, codes: np.ndarray, lam: float, c2_lower: np.ndarray | None, max_passes: int) -> np.ndarray:
    st = _Nearest(g, codes, lam, c2_lower)
    first = np.unique(codes, return_index=True)[1]
    for i in np.sort(first):
        st.add(int(i))
    for _ in range(max_passes):
        added = 0
        todo = np.flatnonzero(~st.is_rep & ~st.settled)
        for s in range(0, todo.size, _BATCH):
            batch = todo[s : s + _BATCH]
            st.fold(batch)
            ok = st.absorbed(batch)
            if ok.all():
                st.settle(batch)
                continue
            # sequential within the batch: a new representative updates the later ones
            inner = g.d2(batch, batch)
            for t in range(batch.size):
                if ok[t]:
                    continue
                st.add(int(batch[t]))
                added += 1
                st._apply(batch, batch[t : t + 1], inner[:, t : t + 1])
                later = np.arange(t + 1, batch.size)
                ok[later] = st.absorbed(batch[later])
            st.seen[batch] = len(st.reps)
            st.settle(batch)
        if added == 0:
            return np.sort(np.asarray(st.reps, dtype=np.int64))
    raise ConstructionError(f"condense='hart' did not converge in {max_passes} passes")


def _fcnn(g: Geom, codes: np.ndarray, lam: float, c2_lower: np.ndarray | None, max_rounds: int) -> np.ndarray:
    st = _Nearest(g, codes, lam, c2_lower)
    for c in range(int(codes.max()) + 1):  # the sample nearest to each class centroid
        idx = np.flatnonzero(codes == c)
        mu = g.X32[idx].astype(np.float64).mean(axis=0)
        st.add(int(idx[np.argmin(np.einsum("ij,ij->i", g.X32[idx] - mu, g.X32[idx] - mu))]))
    step = max(1, BLOCK_ELEMENTS // 4096)
    for _ in range(max_rounds):
        live = np.flatnonzero(~st.is_rep & ~st.settled)
        for s in range(0, live.size, step):
            st.fold(live[s : s + step])
        st.settle(live)
        bad = live[~st.absorbed(live)]
        if bad.size == 0:
            return np.sort(np.asarray(st.reps, dtype=np.int64))
        # per Voronoi cell (nearest representative), the unabsorbed sample nearest to it
        cell = st.near[bad]
        order = np.lexsort((bad, st.near_d2[bad], cell))
        cell_sorted = cell[order]
        first = np.ones(order.size, dtype=bool)
        first[1:] = cell_sorted[1:] != cell_sorted[:-1]
        for i in np.sort(bad[order[first]]):
            st.add(int(i))
    raise ConstructionError(f"condense='fcnn' did not converge in {max_rounds} rounds")


# --------------------------------------------------------------------------- MCS
_MCS_CACHE_BYTES = 2**30  # hold every float32 distance (N^2 * 4 bytes) up to N ~ 16,000


class _CachedD2:
    """All float32 squared distances of ``g``, computed once (each within ``g.tol``)."""

    def __init__(self, g: Geom) -> None:
        n = g.X32.shape[0]
        self.D = np.empty((n, n), dtype=np.float32)
        everyone = np.arange(n)
        step = max(1, BLOCK_ELEMENTS // max(n, 1))
        for r0 in range(0, n, step):
            rows = everyone[r0 : r0 + step]
            self.D[rows] = g.d2(rows, everyone)

    def d2(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return self.D[np.ix_(rows, cols)]


def _nearest_d2(g: Geom | _CachedD2, codes: np.ndarray, rows: np.ndarray, cols: np.ndarray, *, same: bool) -> np.ndarray:
    """float32-GEMM ``min d2(x, s)`` over the ``s`` in ``cols`` with the same (``same``) or
    another label than each ``x`` in ``rows`` (float64; ``inf`` when there is none)."""
    out = np.full(rows.size, np.inf)
    if rows.size == 0 or cols.size == 0:
        return out
    cstep = max(1, BLOCK_ELEMENTS // 4 // TILE_ROWS)
    for r0 in range(0, rows.size, TILE_ROWS):
        rr = rows[r0 : r0 + TILE_ROWS]
        best = np.full(rr.size, np.inf, dtype=np.float32)
        for c0 in range(0, cols.size, cstep):
            cc = cols[c0 : c0 + cstep]
            d2 = g.d2(rr, cc)
            eq = codes[rr][:, None] == codes[cc][None, :]
            d2[~eq if same else eq] = np.inf
            np.minimum(best, d2.min(axis=1), out=best)
        out[r0 : r0 + rr.size] = best
    return out


def _f32(v: np.ndarray, direction: float) -> np.ndarray:
    """float64 ``v`` rounded to float32 towards ``direction`` (``+inf`` or ``-inf``), so that
    float32 comparisons with it imply the float64 ones."""
    out = v.astype(np.float32)
    fix = out.astype(np.float64) < v if direction > 0 else out.astype(np.float64) > v
    out[fix] = np.nextafter(out[fix], np.float32(direction))
    return out


def _far_enough(g: Geom | _CachedD2, cand: np.ndarray, others: np.ndarray, thr: np.ndarray) -> np.ndarray:
    """Per candidate ``s``: proven ``d2(s, x) > thr_x`` for every ``x`` in ``others``
    (``thr`` already includes the float32 tolerance of ``d2``)."""
    ok = np.ones(cand.size, dtype=bool)
    thr32 = _f32(thr, math.inf)
    cstep = max(1, BLOCK_ELEMENTS // 4 // TILE_ROWS)
    for r0 in range(0, cand.size, TILE_ROWS):
        pos = np.arange(r0, min(cand.size, r0 + TILE_ROWS))
        for c0 in range(0, others.size, cstep):
            pos = pos[ok[pos]]
            if pos.size == 0:
                break
            cc = others[c0 : c0 + cstep]
            d2 = g.d2(cand[pos], cc)
            ok[pos] &= (d2 > thr32[None, c0 : c0 + cc.size]).all(axis=1)
    return ok


def _cover_sets_of(g: Geom | _CachedD2, cand: np.ndarray, items: np.ndarray, lim: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR ``(ptr, xs)``: candidate ``cand[j]`` covers item position ``t`` iff
    ``d2(cand[j], items[t]) < lim[t]`` (float32 value; ``lim`` includes the tolerance)."""
    m = items.size
    step = max(1, (BLOCK_ELEMENTS // 4) // max(m, 1))
    dtype = np.uint16 if m <= 2**16 else np.int32
    parts: list[np.ndarray] = []
    counts = np.zeros(cand.size, dtype=np.int64)
    lim32 = _f32(lim, -math.inf)
    for s0 in range(0, cand.size, step):
        rows = np.arange(s0, min(cand.size, s0 + step))
        hit = g.d2(cand[rows], items) < lim32[None, :]
        counts[rows] = np.count_nonzero(hit, axis=1)
        parts.append((np.flatnonzero(hit) % m).astype(dtype))
    ptr = np.zeros(cand.size + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr, (np.concatenate(parts) if parts else np.zeros(0, dtype=dtype))


def _mcs(g: Geom, codes: np.ndarray, lam: float, start: np.ndarray, max_rounds: int) -> np.ndarray:
    """Alternating per-class greedy set covers from a consistent ``start`` (module docstring).

    Invariant (proven in float32 with the tolerances of :class:`Geom`): every sample ``x``
    has ``d_+(x) < lam d_-(x)`` w.r.t. the current set. Re-choosing the representatives of
    one class ``c`` with the others fixed keeps it when (a) every ``x`` of class ``c`` gets a
    new representative within ``lam`` times its distance to the nearest other-label
    representative, and (b) every candidate ``s`` is farther than ``d_+(x) / lam`` from every
    ``x`` of another class (so ``x``'s own representative stays ``lam``-nearer than ``s``).
    The old representatives of ``c`` satisfy both, so the problem is feasible; a smaller
    greedy cover replaces them, otherwise they stay.
    """
    S = np.sort(np.asarray(start, dtype=np.int64))
    tol = g.tol(np.arange(codes.size))
    dist: Geom | _CachedD2 = _CachedD2(g) if 4 * codes.size**2 <= _MCS_CACHE_BYTES else g
    lam2 = lam * lam
    stamp = 0  # version of S; stamps[c] = the version class c was last solved against
    stamps: dict[int, int] = {}
    for _ in range(max_rounds):
        improved = False
        for c in range(int(codes.max()) + 1):
            other = S[codes[S] != c]
            if stamps.get(c) == stamp:  # nothing changed since c was solved
                continue
            A = np.flatnonzero(codes == c)
            B = np.flatnonzero(codes != c)
            own = S[codes[S] == c]
            # (a) x in A needs a new representative s with d2(s, x) < lam^2 * (lower bound on d_-^2)
            d_minus_low = _nearest_d2(dist, codes, A, other, same=False) - tol[A]
            lim = lam2 * d_minus_low * (1 - 4 * U64) - tol[A]
            # (b) candidate s must have d2(s, x) > d_+(x)^2 / lam^2 for every x in B (upper bound)
            d_plus_up = _nearest_d2(dist, codes, B, other, same=True) + tol[B]
            thr = d_plus_up / lam2 * (1 + 4 * U64) + tol[B]
            allowed = A[_far_enough(dist, A, B, thr)]
            ptr, xs = _cover_sets_of(dist, allowed, A, lim)
            need = np.ones(A.size, dtype=np.int64)
            stamps[c] = stamp
            if np.count_nonzero(np.bincount(xs, minlength=A.size)) < A.size:
                continue  # float rounding left some x without a provable candidate: keep own
            chosen = _greedy_cover(ptr, xs, need)
            if len(chosen) < own.size:
                S = np.sort(np.concatenate([other, allowed[np.asarray(chosen, dtype=np.int64)]]))
                improved = True
                stamp += 1
                stamps[c] = stamp
        if not improved:
            break
    if 4 * codes.size * S.size <= _MCS_CACHE_BYTES:
        S = _prune(dist, codes, lam, S, tol)
    return S


def _prune(dist: Geom | _CachedD2, codes: np.ndarray, lam: float, S: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Drop representatives one at a time while every sample keeps a proven
    ``d_+ < lam d_-`` (Gates' reduced nearest neighbour rule, with the float32 tolerances
    of :class:`Geom`); candidates in descending order of their distance to the nearest
    other-label representative (interior ones first), passes until none can go."""
    n, R = codes.size, S.size
    if R < 2:
        return S
    everyone = np.arange(n)
    Dr = np.empty((n, R), dtype=np.float32)
    step = max(1, BLOCK_ELEMENTS // R)
    for r0 in range(0, n, step):
        Dr[r0 : r0 + step] = dist.d2(everyone[r0 : r0 + step], S)
    lam2 = lam * lam
    rep_code = codes[S]
    same = codes[:, None] == rep_code[None, :]
    active = np.ones(R, dtype=bool)

    def nearest(rows: np.ndarray, want_same: bool) -> tuple[np.ndarray, np.ndarray]:
        sub = Dr[rows]
        mask = (same[rows] if want_same else ~same[rows]) & active[None, :]
        vals = np.where(mask, sub, np.inf)
        j = np.argmin(vals, axis=1)
        return j, vals[np.arange(rows.size), j].astype(np.float64)

    jp, dp = nearest(everyone, True)
    jm, dm = nearest(everyone, False)
    changed = True
    while changed:
        changed = False
        for j in np.argsort(-dm[S], kind="stable"):
            if not active[j] or active.sum() <= 1:
                continue
            hit = np.flatnonzero(jp == j)
            active[j] = False
            if hit.size:
                njp, ndp = nearest(hit, True)
                ok = bool(np.all(ndp + tol[hit] < lam2 * (dm[hit] - tol[hit]) * (1 - 4 * U64)))
            else:
                njp, ndp, ok = hit, np.zeros(0), True
            if not ok:
                active[j] = True
                continue
            jp[hit], dp[hit] = njp, ndp
            foes = np.flatnonzero(jm == j)
            if foes.size:
                jm[foes], dm[foes] = nearest(foes, False)
            changed = True
    return np.sort(S[active])


# --------------------------------------------------------------------------- entry points
def check_fraction(name: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating) or not (0.0 < float(v) <= 1.0):
        raise OptionError(f"{name} must lie in (0, 1], got {v!r}")
    return float(v)


def check_count(name: str, v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1:
        raise OptionError(f"{name} ({what}) must be an int >= 1, got {v!r}")
    return int(v)


def _check_c2(c2_lower: Any, n_samples: int) -> np.ndarray | None:
    if c2_lower is None:
        return None
    low = np.asarray(c2_lower, dtype=np.float64).ravel()
    if low.shape != (n_samples,) or np.isnan(low).any():
        raise InputError(f"c2_lower must have shape ({n_samples},) without NaN, got shape {low.shape}")
    return low


def cover(
    X: Any,
    y: Any,
    *,
    alpha: float = DEFAULT_ALPHA,
    k: int = DEFAULT_K,
    c2_lower: Any = None,
    order: str = "greedy",
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy same-label (multi-)cover with local radii: ``(reps, assign)``.

    ``x`` is covered by ``s`` iff ``y(s) = y(x)`` and ``|x - s| < alpha c_x`` (proven:
    ``fl32 d2 + tol < alpha^2 c2_lower_x``); every ``x`` gets ``min(k, deg x)`` covers
    (``deg x >= 1``: ``x`` covers itself). ``order="greedy"``: lazy-greedy maximum
    coverage (ties: lowest index); ``order="boundary"``: candidates by ascending ``c_s``
    (MSS [8]). ``assign[x]`` is the first chosen representative covering ``x``:
    ``|x - assign[x]| < alpha c_x``, so M1's margin on ``x`` is
    ``>= (1 - alpha^2) c_x^2 >= (1 - alpha^2) c^2`` (Theorem 7.3's ``c^2 - r^2`` at
    ``r = alpha c``).

    Parameters: ``X`` (N, n), ``y`` (N,), ``alpha`` in (0, 1], ``k >= 1``, ``c2_lower``
    optional (N,) lower bounds on ``c_x^2`` (computed by :func:`nearest_enemy_sq` if
    absent). Returns sorted int64 representative indices and ``assign`` (N,) int64.

    >>> reps, assign = cover([[0.0], [0.2], [0.4], [1.0]], [0, 0, 0, 1], alpha=0.5, k=1)
    >>> reps.tolist(), assign.tolist()
    ([1, 3], [1, 1, 1, 3])
    """
    a = check_fraction("alpha", alpha)
    kk = check_count("k", k, "covers demanded per sample")
    if order not in ("greedy", "boundary"):
        raise OptionError(f"order must be 'greedy' or 'boundary', got {order!r}")
    Xa, codes = check_codes(X, y)
    if Xa.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    low = _check_c2(c2_lower, Xa.shape[0])
    if low is None:
        low = nearest_enemy_sq(Xa, codes)[1]
    return _cover(Geom(Xa), codes, low, a, kk, mss=order == "boundary")


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
    X : (N, n) samples; y : (N,) labels (any hashable values), no two equal samples with
        different labels
    rule : ``"cover"``/``"mss"`` (use ``alpha``, ``k``; :func:`cover`), ``"hart"``,
        ``"fcnn"`` or ``"mcs"`` (use ``lam``); see the module docstring for the formulas
    alpha : cover radius fraction in (0, 1]: ``x`` is covered by ``s`` iff
        ``|x - s| < alpha c_x``
    k : covers demanded per sample (``"cover"``/``"mss"``)
    lam : margin ratio in (0, 1]: ``x`` is absorbed iff ``d_+(x) < lam d_-(x)``
    c2_lower : optional (N,) rigorous lower bounds on ``c_x^2`` (e.g. from
        :func:`nearest_enemy_sq`, or M1's separation pass); computed when ``"cover"``
        needs them and none are given; used by ``"hart"``/``"fcnn"`` only to skip settled
        samples (the result does not depend on it)
    max_passes : bound on the passes (``"hart"``) or rounds (``"fcnn"``, and separately
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
    lam_f = check_fraction("lam", lam)
    passes = check_count("max_passes", max_passes, "passes or rounds")
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


def consistent_margins(X: Any, y: Any, reps: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per sample: ``(d_+^2, d_-^2)``, squared distances to the nearest same-label and
    other-label representative, in float64 (direct differences, no cancellation), by
    chunks. ``reps`` is consistent iff ``d_+^2 < d_-^2`` everywhere (``inf`` when a
    label has no representative). An independent check of :func:`condense`.

    >>> p, m = consistent_margins([[0.0], [1.0], [3.0]], [0, 0, 1], [0, 2])
    >>> p.tolist(), m.tolist()
    ([0.0, 1.0, 0.0], [9.0, 4.0, 9.0])
    """
    Xa, codes = check_codes(X, y)
    r = np.asarray(reps, dtype=np.int64).ravel()
    if r.size and (r.min() < 0 or r.max() >= Xa.shape[0]):
        raise InputError(f"representative indices must lie in [0, {Xa.shape[0]}), got {r.min()}..{r.max()}")
    return _margins_rows(Xa, codes, r, np.arange(Xa.shape[0]))


def is_consistent(X: Any, y: Any, reps: Any) -> np.ndarray:
    """Per sample, ``True`` iff its nearest representative provably has its label
    (``d_+^2 < d_-^2``; a tie is ``False``). Exact, at float32 GEMM speed.

    float32 GEMM minima decide every sample whose gap exceeds the error bound
    (:func:`_tol_scale`); the rest are redone in float64 by direct differences
    (:func:`consistent_margins`, relative error ``<= gamma_{n+2}``), and the few still
    within that error in exact rational arithmetic. ``O(N R n)`` flops.

    >>> is_consistent([[0.0], [0.5], [1.0]], [0, 0, 1], [0, 2]).tolist()
    [True, False, True]
    """
    Xa, codes = check_codes(X, y)
    r = np.asarray(reps, dtype=np.int64).ravel()
    if r.size and (r.min() < 0 or r.max() >= Xa.shape[0]):
        raise InputError(f"representative indices must lie in [0, {Xa.shape[0]}), got {r.min()}..{r.max()}")
    g = Geom(Xa)
    n = Xa.shape[0]
    plus = np.full(n, np.inf, dtype=np.float32)
    minus = np.full(n, np.inf, dtype=np.float32)
    step = max(1, min(n, 4096))
    cstep = max(1, BLOCK_ELEMENTS // step)
    for s in range(0, n, step):
        rows = np.arange(s, min(n, s + step))
        for c0 in range(0, r.size, cstep):
            part = r[c0 : c0 + cstep]
            d2 = g.d2(rows, part)
            eq = codes[rows][:, None] == codes[part][None, :]
            plus[rows] = np.minimum(plus[rows], np.where(eq, d2, np.inf).min(axis=1))
            minus[rows] = np.minimum(minus[rows], np.where(eq, np.inf, d2).min(axis=1))
    tol = g.tol(np.arange(n))
    ok = plus.astype(np.float64) + tol < minus.astype(np.float64) - tol
    ok &= np.isfinite(plus)
    unsure = np.flatnonzero(~ok & np.isfinite(plus))
    if unsure.size:
        p64, m64 = _margins_rows(Xa, codes, r, unsure)
        gam = (Xa.shape[1] + 2) * U64 * 1.01
        sure = p64 * (1 + gam) < m64 * (1 - gam)
        ok[unsure[sure]] = True
        for i in unsure[~sure & (p64 <= m64 * (1 + 2 * gam))]:
            ok[i] = _exact_consistent(Xa, codes, r, int(i))
    return ok


def _margins_rows(X: np.ndarray, codes: np.ndarray, r: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float64 ``(d_+^2, d_-^2)`` of the samples ``rows`` (direct differences)."""
    plus = np.full(rows.size, np.inf)
    minus = np.full(rows.size, np.inf)
    step = max(1, 2**22 // max(r.size * max(X.shape[1], 1), 1))
    for s in range(0, rows.size, step):
        sel = rows[s : s + step]
        diff = X[sel, None, :] - X[r][None, :, :]
        d2 = np.einsum("ijk,ijk->ij", diff, diff)
        eq = codes[sel, None] == codes[r][None, :]
        plus[s : s + step] = np.where(eq, d2, np.inf).min(axis=1, initial=math.inf)
        minus[s : s + step] = np.where(eq, np.inf, d2).min(axis=1, initial=math.inf)
    return plus, minus


def _exact_consistent(X: np.ndarray, codes: np.ndarray, r: np.ndarray, i: int) -> bool:
    from fractions import Fraction

    xi = [Fraction(v) for v in X[i]]

    def d2(j: int) -> Fraction:
        return sum(((a - Fraction(b)) ** 2 for a, b in zip(xi, X[j], strict=True)), Fraction(0))

    same = [d2(int(j)) for j in r if codes[j] == codes[i]]
    other = [d2(int(j)) for j in r if codes[j] != codes[i]]
    return bool(same) and (not other or min(same) < min(other))
