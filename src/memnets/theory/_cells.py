r"""Cell counts on the ``constant`` grid: :math:`\hat M_D` with its coverage statistics and the
upper estimate of :math:`N_D` (:mod:`memnets.theory.estimators` states them)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from memnets._constructions.constant import build_network
from memnets._core.checks import RNGLike, as_rng, check_dataset, check_X
from memnets._core.deprecated import warn_renamed
from memnets._core.errors import InputError, OptionError
from memnets._geometry.grid import Grid, choose_grid

__all__ = ["CellCount", "estimate_MD", "estimate_ND_upper"]


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

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready."""
        return asdict(self)

    def as_dict(self) -> dict[str, Any]:
        """Deprecated earlier name of :meth:`to_dict` (removed in the next release)."""
        warn_renamed("CellCount.as_dict()", "CellCount.to_dict()")
        return self.to_dict()


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
