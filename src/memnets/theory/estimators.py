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
  N_D: the parameters of the ``constant`` network built over the occupied cells (``constant`` memorizes every
  dataset whose points fall in those cells, with params independent of N).

Bounds (:mod:`memnets.theory.bounds`, re-exported by :mod:`memnets.theory`; constants
stated in each docstring):

- :func:`samples_lower_bound` -- :math:`\lceil (1 - 2\varepsilon) N_D^2 \rceil`, for any
  memorization algorithm (Section 6).
- :func:`samples_upper_bound_constant` --
  :math:`\lceil (N_D^2 \ln^2 N_D + \ln(1/\delta)) / \varepsilon \rceil`, enough for a
  constant-parameter memorization algorithm (Section 6).
- :func:`sample_size_thm73` -- :math:`\lceil S_D \ln(S_D/\delta) / \varepsilon \rceil` (Theorem 7.3;
  ``sample_size_m1`` is its deprecated older name; with S = M_D it is the cell-coverage size
  after which ``constant`` is (eps, delta)-accurate: :func:`sample_size_cells`).
- :func:`bound_prop77` -- :math:`(\lfloor 6.2 n / c \rfloor + 1)^n \ge S_D` (Proposition 7.7).

:func:`estimate_all` bundles everything for ``memnets estimate DATA``.

References: [1] Yu, Gao, Zhang, Miao, *Generalizability of Memorization Neural Networks*,
NeurIPS 2024 (Sections 4, 6, 7). [2] I. J. Good, *The population frequencies of species and
the estimation of population parameters*, Biometrika 1953. [3] A. Chao, *Nonparametric
estimation of the number of classes in a population*, Scand. J. Statist. 1984.
"""

from __future__ import annotations

from typing import Any

from memnets._core.checks import RNGLike, as_rng, check_dataset
from memnets._geometry.grid import choose_grid
from memnets._geometry.separation import separation as _separation
from memnets.theory._cells import CellCount, _cell_count, _nd_upper, estimate_MD, estimate_ND_upper
from memnets.theory._covers import MAX_BALL_INCIDENCES, estimate_cells, estimate_SD, greedy_cover
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
        "M_D": cells.to_dict(),
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
