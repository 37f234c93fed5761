r"""The distribution's complexity numbers and the paper's sample-size bounds, as calculators.

Estimators (from a sample :math:`(X, y)` of D):

- :func:`estimate_separation` -- :math:`\hat c = c(X, y) = \min_{y_i \ne y_j} \lVert x_i - x_j\rVert_2`.
  Every sample of D has :math:`c(X, y) \ge c_D`, and :math:`c(X, y) \downarrow c_D` as N grows
  (when the closest opposite-label support points carry mass): an estimate from above.
- :func:`estimate_MD` -- :math:`\hat M_D` = number of occupied cells of the ``constant`` grid (cell
  diameter :math:`< c`), with Good-Turing coverage :math:`\hat C = 1 - f_1/N` (estimated
  probability mass of the occupied cells; :math:`f_k` = cells seen exactly k times) and the
  Chao1 estimate :math:`\hat M_{\rm Chao1} = M_{\rm obs} + f_1^2/(2 f_2)` of all cells
  meeting the support (:math:`M_{\rm obs} + f_1(f_1-1)/2` when :math:`f_2 = 0`).
- :func:`estimate_SD` -- S_D, the efficient memorization sample complexity (Definition 7.1):
  greedy cover of the sample by the balls :math:`B(x_i)` of radius :math:`\hat L_i/3.1`
  (:math:`\hat L_i` = distance to the nearest opposite-label sample).
- :func:`estimate_cells` -- the cells of diameter :math:`< \hat c/2` of ``efficient``'s guarantee:
  greedy cover by same-label balls of radius :math:`\hat c/4` (:func:`greedy_cover`).
- :func:`estimate_ND_upper` -- an upper estimate of the memorization parameter complexity
  N_D: the parameters of the ``constant`` network built over the occupied cells (it memorizes every
  dataset whose points fall in those cells, with params independent of N).

Bounds (:mod:`memnets.theory.bounds`, re-exported by :mod:`memnets.theory`; constants
stated in each docstring):

- :func:`samples_lower_bound` -- :math:`\lceil (1 - 2\varepsilon) N_D^2 \rceil`, for any
  memorization algorithm (Section 6).
- :func:`samples_upper_bound_constant` --
  :math:`\lceil (N_D^2 \ln^2 N_D + \ln(1/\delta)) / \varepsilon \rceil`, enough for a
  constant-parameter memorization algorithm (Section 6).
- :func:`sample_size_thm73` -- :math:`\lceil S_D \ln(S_D/\delta) / \varepsilon \rceil` (Theorem 7.3;
  ``sample_size_m1`` is the same function; with S = M_D it is the cell-coverage size
  after which ``constant`` is (eps, delta)-accurate: :func:`sample_size_cells`).
- :func:`bound_prop77` -- :math:`(\lfloor 6.2 n / c \rfloor + 1)^n \ge S_D` (Proposition 7.7).

:func:`estimate_all` bundles everything for ``memnets estimate DATA``.

References: [1] Yu, Gao, Zhang, Miao, *Generalizability of Memorization Neural Networks*,
NeurIPS 2024 (Sections 4, 6, 7). [2] I. J. Good, *The population frequencies of species and
the estimation of population parameters*, Biometrika 1953. [3] A. Chao, *Nonparametric
estimation of the number of classes in a population*, Scand. J. Statist. 1984.

Size (~450 lines): every estimator of the paper's distribution numbers in one module, because
:func:`estimate_all` (what ``memnets estimate`` prints) combines them.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from memnets._constructions.constant import Grid, build_network, choose_grid
from memnets._core.checks import RNGLike, as_rng, check_dataset, check_X
from memnets._core.errors import InputError, OptionError
from memnets._geometry.condense import cover
from memnets._geometry.enemies import nearest_enemy_bounds
from memnets._geometry.separation import separation as _separation
from memnets.theory.bounds import (
    bound_cor64,
    bound_thm61,
    bound_thm65,
    sample_size_cells,
    sample_size_thm73,
    samples_lower_bound,
    samples_upper_bound_constant,
)

__all__ = [
    "MAX_BALL_INCIDENCES",
    "CellCount",
    "estimate_MD",
    "estimate_ND_upper",
    "estimate_SD",
    "estimate_all",
    "estimate_cells",
    "estimate_separation",
    "greedy_cover",
]


def estimate_separation(X: Any, y: Any) -> float:
    r"""Estimate :math:`c_D` by the sample separation :math:`c(X, y)` (an upper estimate).

    .. math:: \hat c = \min_{i, j:\ y_i \ne y_j} \lVert x_i - x_j \rVert_2 \;\ge\; c_D

    >>> estimate_separation([[0.0, 0.0], [0.0, 0.5], [1.0, 1.0]], [0, 1, 1])
    0.5
    """
    data = check_dataset(X, y, check_conflicts=False)
    return _separation(data.X, data.y)


@dataclass(frozen=True)
class CellCount:
    """Occupied cells of a grid and the coverage statistics of :func:`estimate_MD`."""

    occupied: int
    n_samples: int
    singletons: int
    doubletons: int
    coverage: float
    chao1: float
    cell_size: float
    cell_diameter: float
    grid: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cell_count(cells: np.ndarray, *, cell_size: float, grid: str) -> CellCount:
    _, counts = np.unique(cells, axis=0, return_counts=True)
    N = int(cells.shape[0])
    m_obs = int(counts.size)
    f1 = int(np.count_nonzero(counts == 1))
    f2 = int(np.count_nonzero(counts == 2))
    chao1 = m_obs + (f1 * f1 / (2.0 * f2) if f2 > 0 else f1 * (f1 - 1) / 2.0)
    return CellCount(
        occupied=m_obs,
        n_samples=N,
        singletons=f1,
        doubletons=f2,
        coverage=1.0 - f1 / N,
        chao1=float(chao1),
        cell_size=cell_size,
        cell_diameter=cell_size * math.sqrt(cells.shape[1]),
        grid=grid,
    )


def estimate_MD(
    X: Any,
    y: Any = None,
    *,
    grid: str = "fixed",
    cell_size: float | None = None,
    separation: float | None = None,
    rng: RNGLike = 0,
) -> CellCount:
    r"""Count the occupied cells of the ``constant`` grid: :math:`\hat M_D` with coverage estimates.

    The grid is the one ``construct(X, y, method="constant", rng=rng, grid=grid, ...)``
    uses (same seed -> same offsets): cells of size :math:`h = 2^{-m}`, diameter
    :math:`h\sqrt n < c` (``grid="fixed"``), or the coarsest dyadic grid without a mixed
    cell (``"adaptive"``). Without ``y``, give ``cell_size`` or ``separation``.

    .. math::

        \hat M_D = M_{\rm obs} = \#\{\text{cells holding a sample}\}, \qquad
        \hat C = 1 - \frac{f_1}{N}, \qquad
        \hat M_{\rm Chao1} = M_{\rm obs} + \frac{f_1^2}{2 f_2}

    :math:`\hat C` (Good-Turing) estimates the probability that a new point of D falls in an
    occupied cell -- for ``constant`` this is the accuracy it can guarantee; :math:`\hat M_{\rm Chao1}`
    estimates the number of cells meeting the support (a lower bound in expectation).

    >>> c = estimate_MD([[0.1, 0.1], [0.12, 0.1], [0.9, 0.9]], cell_size=0.5, rng=0)
    >>> c.occupied, c.singletons, round(c.coverage, 3)
    (2, 1, 0.667)
    """
    gen, _ = as_rng(rng)
    if y is None:
        if cell_size is None and separation is None:
            raise OptionError("estimate_MD without labels needs cell_size or separation")
        if grid == "adaptive":
            raise OptionError("grid='adaptive' needs the labels y")
        Xa = check_X(X)
        codes = np.zeros(Xa.shape[0], dtype=np.int64)
    else:
        data = check_dataset(X, y)
        Xa, codes = data.X, data.codes
    g = choose_grid(Xa, codes, rng=gen, grid=grid, cell_size=cell_size, separation=separation)
    return _cell_count(g.cells, cell_size=float(g.cell_size), grid=grid)


def _nd_upper(g: Grid, codes: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    net, _, stats = build_network(g, codes, rng=rng)
    return {
        "params": net.num_params(),
        "params_nonzero": net.num_params(nonzero=True),
        "occupied_cells": stats["occupied_cells"],
        "thresholds": stats["thresholds"],
        "m2_params": stats["m2_params"],
        "cell_size": stats["cell_size"],
    }


def _binary(data: Any, what: str) -> None:
    if data.n_classes != 2:
        raise InputError(f"{what} uses the binary constant construction; y has {data.n_classes} classes")


def estimate_ND_upper(
    X: Any,
    y: Any,
    *,
    grid: str = "fixed",
    cell_size: float | None = None,
    separation: float | None = None,
    rng: RNGLike = 0,
) -> int:
    r"""Upper estimate of N_D: the (dense) parameter count of ``constant`` over the occupied cells.

    .. math::

        \hat N_D = 2T(n+1) + \mathrm{params}_{\rm optimal}(\hat M_D),\qquad T = \sum_j (m_j - 1)

    (:math:`m_j` = distinct occupied cell indices on coordinate j). ``constant`` built over every cell
    meeting the support memorizes every dataset of D, so this is an upper bound on N_D once
    all those cells are occupied (coverage close to 1); before that it estimates the bound
    from below. Binary labels only. Equals ``construct(X, y, method="constant", rng=rng,
    grid=grid, ...).stats["params"]`` (same seed, same grid and code draws).
    """
    data = check_dataset(X, y)
    _binary(data, "estimate_ND_upper")
    gen, _ = as_rng(rng)
    g = choose_grid(data.X, data.codes, rng=gen, grid=grid, cell_size=cell_size, separation=separation)
    return int(_nd_upper(g, data.codes, gen)["params"])


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
    if isinstance(ratio, bool) or not isinstance(ratio, int | float | np.integer | np.floating) or not (
        math.isfinite(float(ratio)) and float(ratio) > 3
    ):
        raise OptionError(f"ratio must be a finite number > 3 (Definition 7.1, Remark 7.2), got {ratio!r}")
    data = check_dataset(X, y)
    _, inc = _nearby_balls(data.X, data.codes, float(ratio))
    return int(_greedy_set_cover(inc).size)


def estimate_all(
    X: Any,
    y: Any,
    *,
    rng: RNGLike = 0,
    eps: float = 0.01,
    delta: float = 0.05,
    grid: str = "fixed",
) -> dict[str, Any]:
    """Every estimator and bound for one sample (what ``memnets estimate`` prints).

    Keys: n_samples, n_features, n_classes, separation (c), S_D (Definition 7.1,
    :func:`estimate_SD`), cells (``efficient``'s cells of diameter < c/2, :func:`estimate_cells`), M_D
    (a :class:`CellCount` dict), N_D_upper / N_D_upper_nonzero (None for more than two
    classes, with ``N_D_note``), and the sample sizes samples_lower_bound,
    samples_upper_bound_constant (both evaluated at N_D_upper, the upper estimate of N_D:
    the lower bound is then an over-estimate of the true one), sample_size_thm73 (Theorem
    7.3, from S_D) and sample_size_cells (from M_D's Chao1 estimate), with eps and delta.

    The paper's own statements, with its unknown absolute constant v set to 1 (``v``; read
    them as shapes, not numbers): ``bound_thm61`` (:func:`~memnets.theory.bound_thm61`) and
    ``bound_thm65`` at N_D_upper (None for more than two classes or N_D_upper <= 1), and
    ``bound_cor64`` (an exact int) at (n_features, separation).
    """
    data = check_dataset(X, y)
    gen, seed = as_rng(rng)
    c = _separation(data.X, data.y)
    s_d = int(estimate_SD(data.X, data.y))
    cells_count = int(estimate_cells(data.X, data.y))
    g = choose_grid(data.X, data.codes, rng=gen, grid=grid)
    cells = _cell_count(g.cells, cell_size=float(g.cell_size), grid=grid)
    out: dict[str, Any] = {
        "n_samples": data.n_samples,
        "n_features": data.n_features,
        "n_classes": data.n_classes,
        "seed": seed,
        "separation": c,
        "S_D": s_d,
        "cells": cells_count,
        "M_D": cells.as_dict(),
        "eps": eps,
        "delta": delta,
        "sample_size_thm73": sample_size_thm73(s_d, eps, delta),
        "sample_size_cells": sample_size_cells(max(1.0, cells.chao1), eps, delta),
    }
    out["v"] = 1.0
    out["bound_cor64"] = bound_cor64(data.n_features, float(c), eps, delta) if c > 0 else None
    out["bound_thm61"] = out["bound_thm65"] = None
    if data.n_classes == 2:
        nd = _nd_upper(g, data.codes, gen)  # same draws as construct(..., rng=seed)
        if nd["params"] > 1:
            out["bound_thm61"] = bound_thm61(nd["params"], eps, delta)
            out["bound_thm65"] = bound_thm65(nd["params"], eps, delta)
        out["N_D_upper"] = nd["params"]
        out["N_D_upper_nonzero"] = nd["params_nonzero"]
        out["samples_lower_bound"] = samples_lower_bound(nd["params"], eps)
        out["samples_upper_bound_constant"] = samples_upper_bound_constant(nd["params"], eps, delta)
    else:
        out["N_D_upper"] = None
        out["N_D_upper_nonzero"] = None
        out["N_D_note"] = "N_D is estimated with the binary constant construction: pick two classes"
        out["samples_lower_bound"] = None
        out["samples_upper_bound_constant"] = None
    return out
