r"""``constant``: constant-parameter memorization, ours (the bound of the paper's Theorem 4.3, reached another way).

The number of parameters depends on the distribution only, not on the number N of samples.

.. math::

    F(x) = G\Big(\sum_{j=1}^{n} a_j\, \mathrm{idx}_j(x)\Big), \qquad
    \mathrm{idx}_j(x) = \#\{\theta \in T_j : \theta < x_j\}

1. **Grid.** Every coordinate is cut at the thresholds :math:`o_j + k h` (:math:`k \in \mathbb Z`),
   cell size :math:`h = 2^{-m}`. ``grid="fixed"``: the largest :math:`h` with
   :math:`h\sqrt n < c` (``c`` = ``separation`` if given, else the dataset separation
   :math:`c(X, y)`), so a cell (diameter :math:`< h\sqrt n`) can never hold two labels.
   ``grid="adaptive"``: halve :math:`h` from 1 until no occupied cell holds two labels (the
   coarsest such dyadic grid, never finer than the fixed one); on real data this keeps far
   fewer cells and thresholds. ``cell_size=2**-m`` forces :math:`h`. An occupied cell
   holding both labels raises :class:`~memnets.ConstructionError` (impossible for the fixed
   grid; it means ``cell_size``/``separation`` was too coarse).
2. **Offsets and band.** Each offset :math:`o_j = u_j h 2^{-30}`, :math:`u_j` drawn from
   ``rng`` (seeded search: redrawn, at most ``offset_tries`` times, while some sample lies
   closer than ``min_band`` to a threshold). The *band* :math:`b` = smallest distance from a
   sample coordinate to a threshold of its coordinate is reported (``stats['band']``); the
   offsets depend only on the seed, so the grid does not move when N grows.
3. **Staircases.** Only thresholds between consecutive occupied cell indices of a coordinate
   matter: one threshold (the middle one) is kept per gap, so
   :math:`|T_j| = m_j - 1` where :math:`m_j` = number of distinct occupied indices of
   coordinate :math:`j`. The compressed index :math:`\mathrm{idx}_j` is a function of the
   grid cell, injective on occupied cells (two occupied cells differ in some coordinate,
   and a kept threshold separates their indices). Each threshold is an exact ReLU step of
   ramp width :math:`w = 2^{-q} \le b` (``memnets._blocks.staircase``), exact on every
   sample. A *new* point gets the code of its grid cell when it is further than
   :math:`w/2` from the kept thresholds (points of unseen cells get SOME cell code, and
   its label is arbitrary); points within :math:`w/2` of a threshold get a fractional code.
4. **Codes.** :math:`t(x) = \sum_j a_j\,\mathrm{idx}_j(x)` with :math:`a_j` uniform in
   :math:`\{1..R\}`, :math:`R = 2K^2` (``code_range``) for K occupied cells. For two cells
   differing in coordinate j, :math:`P[t = t'] \le 1/R`, so all K codes are distinct with
   probability :math:`\ge 1 - K^2/(2R) \ge 3/4`; injectivity is checked and :math:`a` is
   redrawn on a collision (at most ``max_tries`` times).
5. **``optimal`` over the codes.** ``memnets._blocks.line_memorizer.line_memorizer`` memorizes the K
   pairs (code, label) on the line; its first affine layer is composed with the staircase
   read-out and the code map (no ReLU in between).

Guarantee: width = max(2T, width of ``optimal``), depth = 1 + depth of ``optimal``,
:math:`\text{params} = 2T(n+1) + \text{params}_{\text{optimal}}(K)` (dense) with
:math:`T = \sum_j (m_j - 1) \le n(K-1)`: a function of the occupied cells only, so once
every grid cell meeting the support is occupied (at most :math:`M_D` of them) it stops
changing with N. Weights are exact integers/dyadic fractions (the slope :math:`2^q` grows
like :math:`\log_2(1/b)` bits); verification is exact.

Binary only (two classes); multi-class data raises :class:`~memnets.InputError`.

References: [1] Yu, Gao, Zhang, Miao, *Generalizability of Memorization Neural Networks*,
NeurIPS 2024, Theorem 4.3. [2] Vardi, Yehudai, Shamir, *On the Optimal Memorization Power
of ReLU Neural Networks*, ICLR 2022 (the ``optimal`` stage).

>>> import memnets as mn
>>> X = [[0.1, 0.1], [0.15, 0.2], [0.9, 0.8], [0.85, 0.9]]
>>> res = mn.construct(X, [0, 0, 1, 1], method="constant", rng=0)
>>> res.verified, res.stats["occupied_cells"], res.predict([[0.12, 0.15], [0.88, 0.85]]).tolist()
(True, 3, [0, 1])

"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from memnets._blocks import compose_affine, exact_layer, staircase
from memnets._blocks.line_memorizer import line_memorizer
from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import finish
from memnets._core.checks import Dataset, check_scalar
from memnets._core.errors import ConstructionError
from memnets._core.network import AffineLayer, ReLUNetwork, SparseWeight
from memnets._geometry.grid import Grid, choose_grid, kept_thresholds, occupied_cells

__all__ = ["build", "build_network", "draw_codes"]

#: a two-class construction: more classes are handled one-vs-rest by memnets.construct
BINARY_ONLY = True


def draw_codes(
    idx: np.ndarray, *, rng: np.random.Generator, code_range: int | None, max_tries: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Random integer projection ``t = idx @ a``, injective on the rows of ``idx`` (checked).

    ``a_j`` uniform on ``{1..R}`` (``a_j = 0`` for constant columns), ``R = code_range`` or
    ``2 K**2``. Returns ``(a, t, tries)``; raises :class:`ConstructionError` when
    ``max_tries`` draws all collide.
    """
    K, n = idx.shape
    R = code_range if code_range is not None else max(2, 2 * K * K)
    R = check_scalar("code_range", R, int, ge=1)
    check_scalar("max_tries", max_tries, int, ge=1)
    active = idx.max(axis=0) > 0
    big = R * int(idx.max(initial=0)) * n >= 2**62
    for tries in range(1, max_tries + 1):
        a = rng.integers(1, R + 1, size=n) * active
        if big:
            t = np.array([sum(int(x) * int(w) for x, w in zip(row, a, strict=True)) for row in idx], dtype=object)
            distinct = len(set(t.tolist())) == K
        else:
            t = idx @ a.astype(np.int64)
            distinct = np.unique(t).size == K
        if distinct:
            return a.astype(np.int64), t, tries
    raise ConstructionError(
        f"the random code projection collided on the {K} occupied cells in all {max_tries} "
        f"draws (code_range={R}); raise code_range or max_tries"
    )


def _as_float64_if_exact(layer: AffineLayer) -> AffineLayer:
    """The same layer with float64 storage when every entry is a float64 number.

    The staircase entries are ``2**q`` and dyadic biases of at most ~55 significant bits,
    usually float64 numbers: stored as floats they keep their exact values (the exact
    engine reads floats as the binary fractions they are) while structural statistics
    (rank of W_1, export checks) take the fast float path. Otherwise the layer is returned
    unchanged.
    """
    w = layer.weight
    if not isinstance(w, SparseWeight):
        return layer
    entries = [*w.data.tolist(), *layer.bias.tolist()]
    try:
        ok = all(Fraction(float(v)) == v for v in entries)
    except OverflowError:
        ok = False
    if not ok:
        return layer
    data = np.array([float(v) for v in w.data.tolist()], dtype=np.float64)
    bias = np.array([float(v) for v in layer.bias.tolist()], dtype=np.float64)
    return AffineLayer(SparseWeight(w.shape, w.indptr, w.indices, data), bias)


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    grid: Literal["fixed", "adaptive"] = "fixed",
    cell_size: float | None = None,
    separation: float | None = None,
    code_range: int | None = None,
    max_tries: int = 64,
    min_band: float = 0.0,
    offset_tries: int = 16,
) -> ConstructionResult:
    """Construct ``constant`` on ``data`` (binary) and verify it exactly; see the module docstring.

    Parameters
    ----------
    data : checked binary dataset, ``X`` of shape (N, n) in ``[0,1]^n``
    rng, seed : the grid offset and code draws; the seed is recorded
    grid : how the quantization grid is sized. ``"fixed"`` (cell diameter < separation) or
        ``"adaptive"`` (coarsest dyadic grid with no mixed occupied cell).
    cell_size : force the cell size ``2**-m`` (a mixed occupied cell then raises)
    separation : known c_D to size the fixed grid (default: the dataset's separation)
    code_range : R, the range of the random code coefficients (default ``2 K**2``)
    max_tries : redraws of the code projection on a collision
    min_band : the smallest band around the grid thresholds the offset search accepts
    offset_tries : offsets the seeded offset search draws before giving up
    """
    started = time.perf_counter()
    data.binary_signs("constant")
    options = {
        "grid": grid,
        "cell_size": cell_size,
        "separation": separation,
        "code_range": code_range,
        "max_tries": max_tries,
        "min_band": min_band,
        "offset_tries": offset_tries,
    }
    X, codes = data.X, data.codes
    g = choose_grid(
        X, codes, rng=rng, grid=grid, cell_size=cell_size, separation=separation,
        min_band=min_band, offset_tries=offset_tries,
    )
    network, info, extra = build_network(g, codes, rng=rng, code_range=code_range, max_tries=max_tries)
    return finish(
        network, data, method="constant", options=options, seed=seed, started=started,
        engine="exact", arithmetic="exact", info=info, extra_stats=extra,
    )


def build_network(
    g: Grid,
    codes: np.ndarray,
    *,
    rng: np.random.Generator,
    code_range: int | None = None,
    max_tries: int = 64,
) -> tuple[ReLUNetwork, dict[str, Any], dict[str, Any]]:
    """The ``constant`` network for a chosen grid and label codes (0/1); no verification.

    Returns ``(network, info, stats)``; used by :func:`build` and by
    :func:`memnets.theory.estimate_ND_upper` (which builds it over occupied cells only).
    """
    n = g.cells.shape[1]
    cells, cell_codes, sample_cell = occupied_cells(g.cells, codes)
    K = cells.shape[0]
    thresholds, idx = kept_thresholds(g, cells)
    a, t, code_tries = draw_codes(idx, rng=rng, code_range=code_range, max_tries=max_tries)
    T = sum(len(ts) for ts in thresholds)
    # ramp width: largest 2**-q <= band (float band >= true band * (1 - 2**-52), and the
    # step is exact beyond width/2, so the factor 2 covers the rounding)
    q = max(0, -math.floor(math.log2(g.band)))
    while Fraction(1, 2**q) > Fraction(g.band):
        q += 1
    width = Fraction(1, 2**q)
    hidden, readout = staircase(thresholds, width)
    hidden = _as_float64_if_exact(hidden)
    code_row = exact_layer([{j: int(a[j]) for j in range(n) if a[j]}], [0], n)
    to_code = compose_affine(readout, code_row)  # 2T -> 1: t = sum_j a_j idx_j
    signs = [1 if c == 1 else -1 for c in cell_codes.tolist()]
    m2_layers, m2_info = line_memorizer([int(v) for v in t.tolist()], signs, rng=rng)
    m2_layers = list(m2_layers)
    first = compose_affine(to_code, m2_layers[0])
    layers: list[AffineLayer] = [hidden, first, *m2_layers[1:]]
    network = ReLUNetwork(layers)
    m2_params = ReLUNetwork(m2_layers).num_params()
    stats = {
        "cell_size": float(g.cell_size),
        "cell_diameter": g.diameter,
        "band": g.band,
        "ramp_width": float(width),
        "occupied_cells": K,
        "thresholds": T,
        "staircase_units": 2 * T,
        "code_tries": code_tries,
        "code_max": int(max(t.tolist())),
        "m2_params": m2_params,
        "offset_draws": g.offset_draws,
    }
    info = {
        "cell_size": g.cell_size,
        "offsets": g.offsets,
        "thresholds": thresholds,
        "code_weights": a.tolist(),
        "cell_codes": [int(v) for v in t.tolist()],
        "cells": cells,
        "cell_labels": cell_codes,
        "sample_cell": sample_cell,
        "grid_levels": g.levels_tried,
        "m2": m2_info,
    }
    return network, info, stats
