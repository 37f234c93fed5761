r"""The distribution's complexity numbers and the paper's sample-size bounds, as calculators.

Estimators (from a sample :math:`(X, y)` of D):

- :func:`estimate_separation` -- :math:`\hat c = c(X, y) = \min_{y_i \ne y_j} \lVert x_i - x_j\rVert_2`.
  Every sample of D has :math:`c(X, y) \ge c_D`, and :math:`c(X, y) \downarrow c_D` as N grows
  (when the closest opposite-label support points carry mass): an estimate from above.
- :func:`estimate_MD` -- :math:`\hat M_D` = number of occupied cells of the M3 grid (cell
  diameter :math:`< c`), with Good-Turing coverage :math:`\hat C = 1 - f_1/N` (estimated
  probability mass of the occupied cells; :math:`f_k` = cells seen exactly k times) and the
  Chao1 estimate :math:`\hat M_{\rm Chao1} = M_{\rm obs} + f_1^2/(2 f_2)` of all cells
  meeting the support (:math:`M_{\rm obs} + f_1(f_1-1)/2` when :math:`f_2 = 0`).
- :func:`estimate_SD` -- S_D, the efficient memorization sample complexity: greedy cover of
  the sample by same-label balls of radius :math:`\hat c/4` (M1's estimator, re-exported from
  ``memnets._constructions.efficient``).
- :func:`estimate_ND_upper` -- an upper estimate of the memorization parameter complexity
  N_D: the parameters of the M3 network built over the occupied cells (M3 memorizes every
  dataset whose points fall in those cells, with params independent of N).

Bounds (constants stated in each docstring):

- :func:`samples_lower_bound` -- :math:`\lceil (1 - 2\varepsilon) N_D^2 \rceil`, for any
  memorization algorithm (Section 6).
- :func:`samples_upper_bound_constant` --
  :math:`\lceil (N_D^2 \ln^2 N_D + \ln(1/\delta)) / \varepsilon \rceil`, enough for a
  constant-parameter memorization algorithm (Section 6).
- :func:`sample_size_m1` -- :math:`\lceil (S/\varepsilon) \ln(S/\delta) \rceil` (Theorem 7.3;
  with S = M_D it is the cell-coverage size after which M3 is (eps, delta)-accurate).

:func:`estimate_all` bundles everything for ``memnets estimate DATA``.

References: [1] Yu, Gao, Zhang, Miao, *Generalizability of Memorization Neural Networks*,
NeurIPS 2024 (Sections 4, 6, 7). [2] I. J. Good, *The population frequencies of species and
the estimation of population parameters*, Biometrika 1953. [3] A. Chao, *Nonparametric
estimation of the number of classes in a population*, Scand. J. Statist. 1984.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from memnets._constructions.constant import Grid, build_network, choose_grid
from memnets._constructions.efficient import estimate_SD, greedy_cover, sample_size_m1
from memnets._core.checks import RNGLike, as_rng, check_dataset, check_X
from memnets._core.errors import InputError, OptionError
from memnets._geometry.separation import separation as _separation

__all__ = [
    "CellCount",
    "estimate_MD",
    "estimate_ND_upper",
    "estimate_SD",
    "estimate_all",
    "estimate_separation",
    "greedy_cover",
    "sample_size_cells",
    "sample_size_m1",
    "samples_lower_bound",
    "samples_upper_bound_constant",
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
    r"""Count the occupied cells of the M3 grid: :math:`\hat M_D` with coverage estimates.

    The grid is the one ``construct(X, y, method="constant", rng=rng, grid=grid, ...)``
    uses (same seed -> same offsets): cells of size :math:`h = 2^{-m}`, diameter
    :math:`h\sqrt n < c` (``grid="fixed"``), or the coarsest dyadic grid without a mixed
    cell (``"adaptive"``). Without ``y``, give ``cell_size`` or ``separation``.

    .. math::

        \hat M_D = M_{\rm obs} = \#\{\text{cells holding a sample}\}, \qquad
        \hat C = 1 - \frac{f_1}{N}, \qquad
        \hat M_{\rm Chao1} = M_{\rm obs} + \frac{f_1^2}{2 f_2}

    :math:`\hat C` (Good-Turing) estimates the probability that a new point of D falls in an
    occupied cell -- for M3 this is the accuracy it can guarantee; :math:`\hat M_{\rm Chao1}`
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
        raise InputError(f"{what} uses the binary M3 construction; y has {data.n_classes} classes")


def estimate_ND_upper(
    X: Any,
    y: Any,
    *,
    grid: str = "fixed",
    cell_size: float | None = None,
    separation: float | None = None,
    rng: RNGLike = 0,
) -> int:
    r"""Upper estimate of N_D: the (dense) parameter count of M3 over the occupied cells.

    .. math::

        \hat N_D = 2T(n+1) + \mathrm{params}_{M2}(\hat M_D),\qquad T = \sum_j (m_j - 1)

    (:math:`m_j` = distinct occupied cell indices on coordinate j). M3 built over every cell
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


def _check_count(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise OptionError(f"{name} must be a number, got {value!r}") from exc
    if not (math.isfinite(v) and v >= 1):
        raise OptionError(f"{name} must be a finite number >= 1, got {value!r}")
    return v


def _check_prob(value: Any, name: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise OptionError(f"{name} must be a number, got {value!r}") from exc
    if not (0 < v < 1):
        raise OptionError(f"{name} must lie in (0, 1), got {value!r}")
    return v


def samples_lower_bound(N_D: float, eps: float = 0.01) -> int:
    r"""Samples any memorization algorithm needs on some D with complexity N_D (Section 6).

    .. math:: N_{\rm lower}(N_D, \varepsilon) = \lceil (1 - 2\varepsilon)\, N_D^2 \rceil

    Constants we use: a network with W parameters can memorize (shatter) about
    :math:`W^2` points (the VC-dimension order of deep ReLU networks, constant 1), so a
    distribution uniform on :math:`M = N_D^2` atoms with independent random labels has
    memorization parameter complexity about N_D. After N samples at most N atoms were seen;
    on unseen atoms any algorithm is right with probability 1/2, so
    :math:`A_D \le 1 - (1 - N/M)/2` and :math:`A_D \ge 1 - \varepsilon` needs
    :math:`N \ge (1 - 2\varepsilon) M`.

    >>> samples_lower_bound(100, eps=0.01)
    9800
    """
    nd = _check_count(N_D, "N_D")
    e = _check_prob(eps, "eps")
    return math.ceil((1.0 - 2.0 * e) * nd * nd - 1e-9)


def samples_upper_bound_constant(N_D: float, eps: float = 0.01, delta: float = 0.05) -> int:
    r"""Samples after which a constant-parameter memorization algorithm generalizes (Section 6).

    .. math::

        N_{\rm upper}(N_D, \varepsilon, \delta) =
        \Big\lceil \frac{N_D^2 \ln^2 N_D + \ln(1/\delta)}{\varepsilon} \Big\rceil

    The paper's order :math:`O(N_D^2 \ln^2 N_D)` for fixed :math:`(\varepsilon, \delta)`,
    written in the realizable-learning (Occam) form :math:`(d + \ln(1/\delta))/\varepsilon`
    for a consistent learner whose outputs lie in a class of capacity d, with
    :math:`d = N_D^2 \ln^2 N_D` for networks of N_D parameters. Constant we use: 1 (the
    paper's O() constant is not explicit) and :math:`\ln N_D` replaced by 1 when N_D < e.
    A calculator of the order of magnitude, not a certified bound.

    >>> samples_upper_bound_constant(100, eps=0.1, delta=0.1)
    2120783
    """
    nd = _check_count(N_D, "N_D")
    e = _check_prob(eps, "eps")
    d = _check_prob(delta, "delta")
    log_nd = max(1.0, math.log(nd))
    return math.ceil((nd * nd * log_nd * log_nd + math.log(1.0 / d)) / e - 1e-9)


def sample_size_cells(M: float, eps: float = 0.01, delta: float = 0.05) -> int:
    r"""Samples after which every cell of mass >= eps/M is occupied, with prob. >= 1 - delta.

    .. math:: N \ge \frac{M}{\varepsilon} \ln \frac{M}{\delta}

    The argument of Theorem 7.3 applied to the M cells of the M3 grid meeting the support:
    cells of mass < eps/M carry < eps in total, and each heavier cell is missed with
    probability :math:`(1 - \varepsilon/M)^N \le e^{-N\varepsilon/M} \le \delta/M`. M3 is
    correct on occupied cells (off a ramp band of measure ~0), so then
    :math:`A_D \ge 1 - \varepsilon`. Same formula as :func:`sample_size_m1` with S = M.
    """
    return int(sample_size_m1(M, eps, delta))


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

    Keys: n_samples, n_features, n_classes, separation (c), S_D, M_D (a :class:`CellCount`
    dict), N_D_upper / N_D_upper_nonzero (None for more than two classes, with
    ``N_D_note``), and the sample sizes samples_lower_bound, samples_upper_bound_constant
    (both evaluated at N_D_upper, the upper estimate of N_D: the lower bound is then an
    over-estimate of the true one), sample_size_m1 (from S_D) and sample_size_cells (from
    M_D's Chao1 estimate), with eps and delta.
    """
    data = check_dataset(X, y)
    gen, seed = as_rng(rng)
    c = _separation(data.X, data.y)
    s_d = int(estimate_SD(data.X, data.y))
    g = choose_grid(data.X, data.codes, rng=gen, grid=grid)
    cells = _cell_count(g.cells, cell_size=float(g.cell_size), grid=grid)
    out: dict[str, Any] = {
        "n_samples": data.n_samples,
        "n_features": data.n_features,
        "n_classes": data.n_classes,
        "seed": seed,
        "separation": c,
        "S_D": s_d,
        "M_D": cells.as_dict(),
        "eps": eps,
        "delta": delta,
        "sample_size_m1": sample_size_m1(s_d, eps, delta),
        "sample_size_cells": sample_size_cells(max(1.0, cells.chao1), eps, delta),
    }
    if data.n_classes == 2:
        nd = _nd_upper(g, data.codes, gen)  # same draws as construct(..., rng=seed)
        out["N_D_upper"] = nd["params"]
        out["N_D_upper_nonzero"] = nd["params_nonzero"]
        out["samples_lower_bound"] = samples_lower_bound(nd["params"], eps)
        out["samples_upper_bound_constant"] = samples_upper_bound_constant(nd["params"], eps, delta)
    else:
        out["N_D_upper"] = None
        out["N_D_upper_nonzero"] = None
        out["N_D_note"] = "N_D is estimated with the binary M3 construction: pick two classes"
        out["samples_lower_bound"] = None
        out["samples_upper_bound_constant"] = None
    return out
