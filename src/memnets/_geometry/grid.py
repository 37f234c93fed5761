"""The dyadic grid of ``"constant"`` (ours, for the bound of the paper's Theorem 4.3): cell sizes ``2**-m``,
random dyadic offsets, the exact cell of every sample and the thresholds ``constant`` keeps.

Every threshold ``o_j + k h`` is a float64 number (dyadic, at most 53 significant bits),
so the comparisons ``theta < x`` that place a sample in its cell are exact.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._core.checks import check_scalar
from memnets._core.errors import ConstructionError, InputError, OptionError
from memnets._geometry.separation import closest_opposite_pair

__all__ = [
    "MAX_LEVEL",
    "OFFSET_BITS",
    "Grid",
    "choose_grid",
    "fixed_cell_size",
    "grid_cells",
    "kept_thresholds",
    "occupied_cells",
]

#: offsets are multiples of h * 2**-OFFSET_BITS, so every threshold is a float64 number
OFFSET_BITS = 30
#: finest cell size considered (2**-MAX_LEVEL)
MAX_LEVEL = 22


@dataclass
class Grid:
    """A dyadic grid: thresholds ``offsets[j] + k * cell_size`` on coordinate j.

    ``cells[i, j]`` is the index k with ``theta_k < X[i, j] < theta_{k+1}`` (exact), and
    ``band`` the smallest distance from a sample coordinate to a threshold.
    """

    cell_size: Fraction
    offsets: list[Fraction]
    cells: np.ndarray
    band: float
    offset_draws: int
    levels_tried: list[dict[str, Any]] = field(default_factory=list)

    @property
    def diameter(self) -> float:
        return float(self.cell_size) * math.sqrt(self.cells.shape[1])

    def threshold(self, j: int, k: int) -> Fraction:
        return self.offsets[j] + k * self.cell_size


def fixed_cell_size(n_features: int, separation_sq: Fraction) -> Fraction:
    """Largest ``h = 2**-m`` (m >= 0) with ``h * sqrt(n) < c``, exactly: ``h**2 n < c**2``."""
    if separation_sq <= 0:
        raise InputError("the separation must be positive to size the grid (conflicting duplicates?)")
    h = Fraction(1)
    for _ in range(MAX_LEVEL + 1):
        if h * h * n_features < separation_sq:
            return h
        h /= 2
    raise ConstructionError(
        f"separation {math.sqrt(separation_sq):.3g} needs cells finer than 2**-{MAX_LEVEL} in "
        f"{n_features} dimensions; the grid would not be float64-exact"
    )


def grid_cells(X: np.ndarray, cell_size: Fraction, offsets: list[Fraction]) -> tuple[np.ndarray, float]:
    """Cell index of every sample on every coordinate, and the band (exact comparisons).

    Thresholds ``o_j + k h`` are float64-exact (dyadic, <= 53 significant bits), so the
    float comparisons ``theta < x`` are exact; a sample ON a threshold gets band 0.
    """
    h = float(cell_size)
    o = np.array([float(v) for v in offsets])
    k = np.floor((X - o) / h).astype(np.int64)
    lo = o + k * h
    k -= lo >= X  # fix rounding: want theta_k < x
    lo = o + k * h
    hi = o + (k + 1) * h
    k += hi < X
    lo = o + k * h
    hi = o + (k + 1) * h
    band = float(min((X - lo).min(), (hi - X).min()))
    return k, band


def _draw_offsets(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**OFFSET_BITS, size=n)


def choose_grid(
    X: np.ndarray,
    codes: np.ndarray,
    *,
    rng: np.random.Generator,
    grid: str = "fixed",
    cell_size: float | None = None,
    separation: float | None = None,
    min_band: float = 0.0,
    offset_tries: int = 16,
) -> Grid:
    """Choose the grid of ``constant`` (see the module docstring): cell size, seeded offsets, band.

    Does not check for mixed cells (see :func:`occupied_cells`), except that the adaptive
    search uses it to pick the coarsest clean grid.
    """
    n = X.shape[1]
    if grid not in ("fixed", "adaptive"):
        raise OptionError(f"grid must be 'fixed' or 'adaptive', got {grid!r}")
    offset_tries = check_scalar("offset_tries", offset_tries, int, ge=1)
    min_band = check_scalar("min_band", min_band, float, ge=0)
    if cell_size is not None:
        h_fixed = _dyadic_cell_size(cell_size)
    else:
        if separation is not None:
            c2 = Fraction(check_scalar("separation", separation, float, gt=0)) ** 2
        else:
            c2 = closest_opposite_pair(X, codes).squared
        h_fixed = fixed_cell_size(n, c2)
    # offsets depend on the seed only: u_j drawn once per try, scaled by each level's h
    draws = 0
    u = _draw_offsets(rng, n)
    levels = [h_fixed]
    if grid == "adaptive" and cell_size is None:
        levels = [Fraction(1, 2**m) for m in range(0, MAX_LEVEL + 1) if Fraction(1, 2**m) >= h_fixed]
    tried: list[dict[str, Any]] = []
    for h in levels:
        while True:
            offsets = [int(v) * h / 2**OFFSET_BITS for v in u]
            cells, band = grid_cells(X, h, offsets)
            if band > min_band and band > 0:
                break
            draws += 1
            if draws >= offset_tries:
                raise ConstructionError(
                    f"no grid offset with band > {min_band} after {offset_tries} draws at cell size "
                    f"{float(h)} (a sample lies on or near every drawn threshold); lower min_band "
                    "or raise offset_tries"
                )
            u = _draw_offsets(rng, n)
        mixed = _first_mixed(cells, codes)
        tried.append({"cell_size": float(h), "band": band, "mixed": mixed is not None})
        if grid == "fixed" or cell_size is not None or mixed is None or h == levels[-1]:
            return Grid(h, offsets, cells, band, draws + 1, tried)
    raise AssertionError("unreachable")  # pragma: no cover


def _dyadic_cell_size(cell_size: float) -> Fraction:
    try:
        h = Fraction(float(cell_size))
    except (TypeError, ValueError, OverflowError) as exc:
        raise OptionError(f"cell_size must be a power of two 2**-m, got {cell_size!r}") from exc
    if not (0 < h <= 1) or h.numerator != 1 or h.denominator & (h.denominator - 1) or h.denominator > 2**MAX_LEVEL:
        raise OptionError(f"cell_size must be 2**-m with 0 <= m <= {MAX_LEVEL}, got {cell_size!r}")
    return h


def _first_mixed(cells: np.ndarray, codes: np.ndarray) -> tuple[int, int] | None:
    """Two sample indices with different labels in one grid cell, or None."""
    _, first, inverse = np.unique(cells, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    bad = np.flatnonzero(codes[first[inverse]] != codes)
    if bad.size == 0:
        return None
    j = int(bad[0])
    return int(first[inverse[j]]), j


def occupied_cells(cells: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct occupied cells (K, n), their label codes (K,), and each sample's cell (N,).

    Raises :class:`ConstructionError` naming two samples when a cell holds two labels.
    """
    uniq, first, inverse = np.unique(cells, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    bad = np.flatnonzero(codes[first[inverse]] != codes)
    if bad.size:
        j = int(bad[0])
        i = int(first[inverse[j]])
        raise ConstructionError(
            f"samples {min(i, j)} and {max(i, j)} have different labels but share grid cell "
            f"{cells[j].tolist()[:8]}{'...' if cells.shape[1] > 8 else ''}: the grid is too coarse "
            "(cell diameter >= separation); use a smaller cell_size, a smaller separation, or "
            "grid='fixed'/'adaptive' without cell_size"
        )
    return uniq, codes[first], inverse


def kept_thresholds(grid: Grid, cells: np.ndarray) -> tuple[list[list[Fraction]], np.ndarray]:
    """Per coordinate, one grid threshold per gap between consecutive occupied indices.

    Returns the thresholds and the compressed indices ``idx`` of the given (occupied) cells:
    ``idx[:, j]`` = rank of ``cells[:, j]`` among the distinct occupied values.
    """
    ths: list[list[Fraction]] = []
    idx = np.zeros(cells.shape, dtype=np.int64)
    for j in range(cells.shape[1]):
        vals, inv = np.unique(cells[:, j], return_inverse=True)
        idx[:, j] = inv.ravel()
        # cell k is (theta_k, theta_{k+1}); between occupied v < v' any theta_{k'},
        # v < k' <= v', separates them: keep the middle one
        ths.append([grid.threshold(j, (int(a) + 1 + int(b)) // 2) for a, b in itertools.pairwise(vals)])
    return ths, idx
