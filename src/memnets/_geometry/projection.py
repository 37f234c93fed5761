"""Exact 1-D projection and label runs, shared by ``"optimal"`` and ``"interval"``.

A direction ``w`` with integer entries in ``[-2**b, 2**b]`` maps a sample to

.. math::  t(x) = \\langle w, x \\rangle, \\qquad p = 2^E\\, t(x) \\in \\mathbb{Z},

where every float64 input is read as the exact binary fraction it is and ``2**E`` is the
smallest power of two that makes all ``x_ij 2**E`` integers. So every projected value is an
exact integer ``p_i`` (a Python int) and all later quantities are exact rationals.

Sorting the ``p_i`` and merging consecutive equal labels gives ``K`` *runs*; boundary ``k``
lies between the last value ``a_k`` of run ``k`` and the first value ``b_k`` of run
``k + 1``. The projected opposite-label gap is ``gamma = min_k (b_k - a_k)``; it is 0 exactly
when two opposite-label samples project to the same value, and then another direction is
drawn (seeded, at most ``max_tries``). For a direction with independent uniform entries, a
fixed opposite-label pair collides with probability at most ``1 / (2**(b+1) + 1)`` (fix a
coordinate where the two samples differ), so ``b >= 2 log2 N + 3`` makes a failure of one
draw less likely than 1/16 for any data set of ``N`` distinct samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, TypedDict, Unpack

import numpy as np

from memnets._core.checks import check_scalar
from memnets._core.errors import ConstructionError, InputError, OptionError
from memnets._core.option_groups import Default, with_defaults
from memnets._core.runs import ProjectionCollision, Runs, label_runs
from memnets._geometry.separation import closest_opposite_pair

__all__ = [
    "Projection",
    "ProjectionCollision",
    "ProjectionOptions",
    "Runs",
    "default_direction_bits",
    "exact_projection",
    "find_projection",
    "find_projection_within_R",
    "integer_direction",
    "label_runs",
    "theorem_R",
]

_ROWS_PER_CHUNK = 4096


def default_direction_bits(n_samples: int, n_features: int) -> int:
    """``b = 2 ceil(log2 N) + 8``, capped so that exact int64 limb products cannot overflow."""
    want = 2 * max(1, math.ceil(math.log2(max(n_samples, 2)))) + 8
    cap = 52 - max(1, math.ceil(math.log2(n_features + 1)))
    return max(1, min(want, cap))


def integer_direction(n_features: int, bits: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform integer entries in ``[-2**bits, 2**bits]`` (int64), never the zero vector."""
    if not 0 <= bits <= 52:
        raise ValueError(f"direction bits must be in [0, 52], got {bits}")
    while True:
        w = rng.integers(-(2**bits), 2**bits + 1, size=n_features, dtype=np.int64)
        if np.any(w != 0):
            return w


def _odd_shift(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """``X = odd * 2**(shift - E)`` entrywise with ``shift >= 0``; returns (odd, shift, E)."""
    mant, ex = np.frexp(X)
    m = (mant * 2.0**53).astype(np.int64)
    low = ex.astype(np.int64) - 53
    nz = m != 0
    am = np.abs(m)
    tz = np.zeros_like(m)
    if nz.any():
        lsb = am[nz] & -am[nz]
        tz[nz] = np.log2(lsb.astype(np.float64)).astype(np.int64)
    odd = np.where(nz, m >> np.minimum(tz, 62), 0)
    e_unit = low + tz  # X = odd * 2**e_unit
    E = max(0, int(-(e_unit[nz].min()))) if nz.any() else 0
    shift = np.where(nz, e_unit + E, 0)
    return odd, shift, E


def exact_projection(X: np.ndarray, w: np.ndarray) -> tuple[list[int], int]:
    """Exact ``p_i = 2**E <w, x_i>`` as Python ints, and ``E``.

    Each ``x_ij 2**E`` is split into limbs of ``L`` bits so that every limb product sum
    ``sum_j w_j limb_ij`` fits in int64 (``L + b + log2(n) < 63``); the limbs are then
    recombined with Python integers. No rounding anywhere.

    >>> exact_projection(np.array([[0.5, 0.25], [1.0, 0.0]]), np.array([3, -1]))
    ([5, 12], 2)
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.int64)
    n = X.shape[1]
    wbits = int(np.abs(w).max()).bit_length() if n else 0
    L = 62 - wbits - max(1, math.ceil(math.log2(n + 1)))
    if L < 1:
        raise ValueError(f"direction entries of {wbits} bits are too large for {n} features")
    out: list[int] = []
    E_all = _odd_shift(X)[2]
    for s in range(0, X.shape[0], _ROWS_PER_CHUNK):
        odd, shift, E = _odd_shift(X[s : s + _ROWS_PER_CHUNK])
        shift = shift + (E_all - E)  # common denominator 2**E_all for every chunk
        # limbs of the magnitude, signed afterwards: the bits of a negative ``odd`` would be
        # its two's complement, whose limbs do not sum back to the value
        sign, odd = np.sign(odd), np.abs(odd)
        top = int((np.where(odd != 0, np.floor(np.log2(np.maximum(odd, 1))) + 1, 0) + shift).max())
        acc = np.zeros(odd.shape[0], dtype=object)
        mask = (1 << L) - 1
        for lo in range(0, max(top, 1), L):
            # bits [lo, lo + L) of odd << shift
            d = shift - lo
            up = np.clip(d, 0, L)  # left shift when d > 0 (only low L - d bits of odd matter)
            down = np.clip(-d, 0, 63)
            keep = np.where(d > 0, np.clip(L - d, 0, L), L)
            part = np.where(d > 0, (odd & ((np.int64(1) << keep) - 1)) << up, (odd >> down) & mask)
            part = np.where(d >= L, 0, part)
            if not part.any():
                continue
            limb = (sign * part) @ w
            acc = acc + (limb.astype(object) << lo)
        out.extend(int(v) for v in acc)
    return out, E_all


@dataclass(frozen=True)
class Projection:
    """A direction that separates the labels on the line, with its exact projections."""

    w: np.ndarray  # int64 direction
    E: int  # p_i = 2**E <w, x_i>
    p: list[int]
    runs: Runs
    tries: int
    bits: int

    @property
    def gap(self) -> int:
        """Smallest opposite-label gap of the ``p_i`` (integer units of ``2**-E``)."""
        return self.runs.min_gap()[0]


class ProjectionOptions(TypedDict, total=False):
    """The options of the random projection to a line, one declaration for every construction
    that starts with it (``interval``, ``optimal``, ``thm53``, ``vardi2022``, ``park2021``).

    Each of their ``build`` functions takes them as ``**projection: Unpack[ProjectionOptions]``
    and passes them on to :func:`find_projection` (or :func:`find_projection_within_R`);
    :func:`memnets.method_options` lists them with the method's own options
    (:mod:`memnets._core.option_groups`).

    Parameters
    ----------
    direction_bits : size of the projection direction's integer entries. Entries lie in
        ``[-2**b, 2**b]``; default (``None``) ``2 ceil(log2 N) + 8``
        (:func:`default_direction_bits`).
    max_tries : directions drawn before giving up. The error names the closest
        opposite-label pair.
    """

    direction_bits: Annotated[int | None, Default(None)]
    max_tries: Annotated[int, Default(8)]


def _check_max_tries(max_tries: object, method: str) -> None:
    check_scalar(f"{method}: max_tries", max_tries, int, ge=1)


def find_projection(
    X: np.ndarray,
    signs: np.ndarray,
    y: np.ndarray,
    *,
    rng: np.random.Generator,
    method: str,
    **options: Unpack[ProjectionOptions],
) -> Projection:
    """Draw integer directions until opposite labels project apart; seeded, ``max_tries`` at most.

    Raises :class:`ConstructionError` naming the closest opposite-label pair of the data when
    no direction works (e.g. ``direction_bits`` too small for the data).
    """
    N, n = X.shape
    opts = with_defaults(ProjectionOptions, options)
    bits, max_tries = opts["direction_bits"], opts["max_tries"]
    if bits is None:
        bits = default_direction_bits(N, n)
    if not isinstance(bits, int | np.integer) or not 0 <= int(bits) <= 52:
        raise OptionError(f"{method}: direction_bits must be an int in [0, 52], got {bits!r}")
    _check_max_tries(max_tries, method)
    bits = int(bits)
    last: ProjectionCollision | None = None
    for attempt in range(1, int(max_tries) + 1):
        w = integer_direction(n, bits, rng)
        p, E = exact_projection(X, w)
        try:
            runs = label_runs(p, signs)
        except ProjectionCollision as exc:
            last = exc
            continue
        return Projection(w=w, E=E, p=p, runs=runs, tries=attempt, bits=bits)
    pair = closest_opposite_pair(X, y)
    raise ConstructionError(
        f"{method}: none of {max_tries} random integer directions (entries in "
        f"[-2**{bits}, 2**{bits}]) keeps opposite labels apart on the line (last collision: "
        f"samples {last.i if last else '?'} and {last.j if last else '?'}); the closest "
        f"opposite-label pair of the data is samples {pair.i} and {pair.j} at distance "
        f"{pair.distance:.6g}. Increase direction_bits or max_tries."
    )


def theorem_R(X: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """``(R, r, c)``: their ``R = 5 r N**2 eps**-1 sqrt(pi d)`` with ``2 eps = c`` the
    opposite-label separation and ``r`` the largest norm (float; a bound, not a weight)."""
    N, d = X.shape
    c = closest_opposite_pair(X, y).distance
    r = float(np.sqrt((X * X).sum(axis=1)).max())
    if c <= 0:  # pragma: no cover - check_dataset refuses conflicting duplicates
        raise InputError("the data has two differently labelled samples at distance 0")
    return 5.0 * r * N * N / (c / 2) * math.sqrt(math.pi * d), r, c


def find_projection_within_R(
    X: np.ndarray,
    labels: np.ndarray,
    y: np.ndarray,
    *,
    rng: np.random.Generator,
    method: str,
    **options: Unpack[ProjectionOptions],
) -> tuple[Projection, dict[str, Any]]:
    """Vardi et al.'s stage 1: directions drawn (within ``max_tries`` in all, as
    :func:`find_projection`) until the largest coarse value (:meth:`Runs.coarse_max`) is
    ``<= R`` (:func:`theorem_R`); the draw with the smallest one when none is.

    Returns the projection and what it says about their theorem: ``R``, ``log2_R``, ``r``,
    ``separation``, ``within_R`` and ``projection_draws``.
    """
    opts = with_defaults(ProjectionOptions, options)
    bits, max_tries = opts["direction_bits"], opts["max_tries"]
    _check_max_tries(max_tries, method)
    R, r, c = theorem_R(X, y)
    best: tuple[int, Projection] | None = None
    used = 0
    while used < max_tries:
        try:
            proj = find_projection(X, labels, y, rng=rng, method=method, direction_bits=bits,
                                   max_tries=max_tries - used)
        except ConstructionError:
            if best is None:
                raise
            break
        used += proj.tries
        size = proj.runs.coarse_max()
        if best is None or size < best[0]:
            best = (size, proj)
        if size <= R:
            break
    if best is None:  # pragma: no cover - the first draw either succeeds or raises
        raise ConstructionError(f"{method}: no projection (internal error)")
    theory = {"R": R, "log2_R": math.log2(R), "r": r, "separation": c,
              "within_R": best[0] <= R, "projection_draws": used}
    return best[1], theory
