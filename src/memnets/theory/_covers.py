r"""Covering numbers of a sample: :math:`S_D` (Definition 7.1, balls of radius
:math:`\hat L_i / 3.1`) and the cells of ``efficient``'s guarantee (same-label balls of radius
:math:`\hat c / 4`); :mod:`memnets.theory.estimators` states them."""

from __future__ import annotations

import heapq
import math
from typing import Any

import numpy as np
import scipy.sparse as sp

from memnets._core.checks import check_dataset, check_X
from memnets._core.errors import InputError, OptionError
from memnets._geometry.condense import cover
from memnets._geometry.enemies import nearest_enemy_bounds
from memnets.theory.bounds import check_ball_ratio

__all__ = ["MAX_BALL_INCIDENCES", "estimate_SD", "estimate_cells", "greedy_cover"]


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


def estimate_cells(X: Any, y: Any) -> int:
    """Cells of diameter ``< c/2`` the sample splits into: the greedy cover count at radius ``c / 4``.

    The quantity of memnets' ``efficient`` guarantee (``"efficient"``: if ``supp(D)`` splits into ``K``
    cells of diameter ``< c_D / 2`` and ``efficient`` covers at ``r <= c_D / 2``, then
    ``N >= (K / eps) ln(K / delta)`` samples suffice), not the paper's ``S_D``
    (:func:`estimate_SD`). ``c = c(X, y)`` is the sample's separation (``>= c_D`` for
    samples of D). A same-label cover at radius ``c / 4`` (:func:`greedy_cover`: lazy-greedy
    maximum coverage, within ``1 + ln N`` of the smallest such cover) splits the sample
    into cells of diameter ``< c / 2``; their number is the estimate. It is non-decreasing
    in expectation as ``N`` grows and saturates at the covering number of the support (up
    to the packing/covering factor). Costs one separation pass (``O(N^2 n)`` float32 GEMM)
    plus the cover.

    >>> estimate_cells([[0.0], [0.05], [0.5], [1.0]], [0, 0, 1, 1])
    3
    """
    data = check_dataset(X, y)
    _, c2_low = nearest_enemy_bounds(data.X, data.codes)
    return int(greedy_cover(data.X, data.codes, math.sqrt(float(c2_low.min())) / 4.0).size)


#: incidences (centre, covered sample) the Definition 7.1 cover may hold (int32: 1 GiB)
MAX_BALL_INCIDENCES = 2**28
_GEMM_ROWS = 1024


def _sq_distances(Xa: np.ndarray, sq: np.ndarray, rows: slice) -> np.ndarray:
    d2 = Xa[rows] @ Xa.T
    d2 *= -2.0
    d2 += sq[rows, None]
    d2 += sq[None, :]
    np.maximum(d2, 0.0, out=d2)
    return d2


def _nearby_balls(Xa: np.ndarray, codes: np.ndarray, ratio: float) -> tuple[np.ndarray, sp.csr_array]:
    """``L_i`` (distance to the nearest opposite sample) and the incidence matrix
    ``[|x_k - x_i| <= L_i / ratio]`` (rows: centres ``i``), float64 GEMM blocks."""
    N = Xa.shape[0]
    sq = np.einsum("ij,ij->i", Xa, Xa)
    L2 = np.empty(N)
    for s in range(0, N, _GEMM_ROWS):
        rows = slice(s, min(s + _GEMM_ROWS, N))
        d2 = _sq_distances(Xa, sq, rows)
        d2[codes[rows, None] == codes[None, :]] = np.inf
        L2[rows] = d2.min(axis=1)
    r2 = L2 / (ratio * ratio)
    indptr = [np.zeros(1, dtype=np.int64)]
    indices = []
    total = 0
    for s in range(0, N, _GEMM_ROWS):
        rows = slice(s, min(s + _GEMM_ROWS, N))
        inside = _sq_distances(Xa, sq, rows) <= r2[rows, None]
        counts = inside.sum(axis=1)
        ends = total + np.cumsum(counts)
        total = int(ends[-1])
        if total > MAX_BALL_INCIDENCES:
            raise InputError(
                f"estimate_SD: the balls L(x)/{ratio:g} of these {N} samples overlap in more than "
                f"{MAX_BALL_INCIDENCES} (centre, sample) pairs; estimate on a subsample"
            )
        indices.append(np.nonzero(inside)[1].astype(np.int32))
        indptr.append(ends)
    inc = sp.csr_array(
        (np.ones(total, dtype=np.int8), np.concatenate(indices), np.concatenate(indptr)), shape=(N, N)
    )
    return np.sqrt(L2), inc


def _greedy_set_cover(inc: sp.csr_array) -> np.ndarray:
    """Centres (in the order chosen) of a lazy-greedy set cover of all columns by the rows of
    ``inc`` (each pick covers the most uncovered columns; ties: lowest index)."""
    N = inc.shape[1]
    covered = np.zeros(N, dtype=bool)
    gain = np.diff(inc.indptr).astype(np.int64)
    heap = [(-int(g), i) for i, g in enumerate(gain.tolist())]
    heapq.heapify(heap)
    chosen: list[int] = []
    left = N
    while left:
        neg, i = heapq.heappop(heap)
        cols = inc.indices[inc.indptr[i] : inc.indptr[i + 1]]
        g = int(np.count_nonzero(~covered[cols]))
        if g < -neg:  # stale: push back with the true gain
            if g:
                heapq.heappush(heap, (-g, i))
            continue
        covered[cols] = True
        left -= g
        chosen.append(i)
    return np.array(chosen, dtype=np.int64)


def estimate_SD(X: Any, y: Any, *, ratio: float = 3.1) -> int:
    r"""Estimate ``S_D`` (the paper's Definition 7.1) from a sample: a greedy cover by the balls ``B(x_i)``.

    **Definition 7.1** (paper). For :math:`(x, y) \sim D` let
    :math:`L(x) = \min_{(z, -y) \sim D} \lVert x - z \rVert_2` (distance to the nearest
    support point of the other label) and :math:`B(x) = \{z : \lVert z - x\rVert_2 \le
    L(x)/3.1\}`. A *nearby set* is a smallest set of support points whose balls cover the
    support; :math:`S_D` is its size, the sample complexity of Theorem 7.3
    (:func:`memnets.theory.sample_size_thm73`). Any ``ratio > 3`` may replace 3.1
    (Remark 7.2).

    **The estimate.** With :math:`\hat L_i` the distance from :math:`x_i` to the nearest
    opposite-label *sample* and :math:`\hat B_i` the closed ball of radius
    :math:`\hat L_i / \mathrm{ratio}` around :math:`x_i`, return the size of a greedy set
    cover of the sample points by the balls :math:`\hat B_i` (lazy greedy: each pick covers
    the most uncovered samples; ties by lowest index). Every ball holds only same-label
    samples (the others are at distance :math:`\ge \hat L_i`). Directions of the biases:

    * greedy: at least the smallest cover of the sample by these balls and at most
      :math:`1 + \ln N` times it -- an **upper** estimate of the sample's covering number;
    * :math:`\hat L_i \ge L(x_i)` (the sample has fewer opposite points than the support),
      so the balls are too large and fewer are needed: biased **down**;
    * only the sample is covered, not the support: **down** (the support has more to cover);
    * centres are sample points, not any support point: **up**.

    As ``N`` grows :math:`\hat L \to L` and the sample fills the support, so the two
    downward biases vanish; for well-separated clusters whose every ball :math:`B(x)` covers
    its own cluster and meets no other, the estimate is exactly the number of clusters hit
    (tests: a ball mixture where it equals :math:`S_D = K`). Membership is decided in
    float64 (squared distances by blocked GEMM, relative error ~1e-15). Costs two
    ``N x n x N`` GEMM passes and memory for the (centre, sample) incidences
    (:class:`InputError` beyond :data:`MAX_BALL_INCIDENCES`).

    >>> estimate_SD([[0.0], [0.1], [1.0]], [0, 0, 1])      # B(0) (radius 1/3.1) holds 0.1
    2
    >>> estimate_SD([[0.0], [0.5], [1.0]], [0, 0, 1])      # L(0.5) = 0.5: three balls
    3
    """
    r = float(check_ball_ratio(ratio))
    data = check_dataset(X, y)
    _, inc = _nearby_balls(data.X, data.codes, r)
    return int(_greedy_set_cover(inc).size)
