"""Runs of equal label along sorted integer values: what a 1-D memorizer stores.

Sorting values ``t_i`` and merging consecutive equal labels gives ``K`` *runs*; boundary
``k`` lies between the last value ``a_k`` of run ``k`` and the first value ``b_k`` of run
``k + 1``. Shared by the exact projections (:mod:`memnets._geometry.projection`) and the
1-D memorizer (:mod:`memnets._blocks.line_memorizer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ProjectionCollision", "Runs", "label_runs"]


class ProjectionCollision(ValueError):
    """Two samples with different labels have the same projected value."""

    def __init__(self, i: int, j: int) -> None:
        super().__init__(f"samples {i} and {j} have different labels but the same projected value")
        self.i, self.j = i, j


@dataclass(frozen=True)
class Runs:
    """Maximal runs of equal label along the sorted projected (integer) values.

    ``first[k]``/``last[k]``: smallest/largest value of run ``k``; ``labels[k]`` in {-1, +1}
    (consecutive runs alternate); ``first_index[k]``/``last_index[k]``: a sample attaining
    them. Boundary ``k`` (``0 <= k < K - 1``) separates ``last[k]`` from ``first[k + 1]``.
    """

    first: list[int]
    last: list[int]
    labels: list[int]
    first_index: list[int]
    last_index: list[int]

    @property
    def n_runs(self) -> int:
        return len(self.labels)

    def gaps(self) -> list[int]:
        return [b - a for a, b in zip(self.last[:-1], self.first[1:], strict=True)]

    def coarse_scale(self) -> int:
        """``s = 2 - bitlen(gamma)``: the smallest integer with ``2**s gamma >= 2`` (``gamma``
        the smallest boundary gap), so that opposite labels lie ``>= 2`` apart in the coarse
        units ``T = 2**s (t - t_min)``."""
        return 2 - self.min_gap()[0].bit_length()

    def coarse_max(self) -> int:
        """``floor(T(t_max))``, the largest coarse value (0 for one run).

        >>> label_runs([0, 4, 9, 13], [1, 2, 2, 1]).coarse_max()
        6
        """
        if self.n_runs == 1:
            return 0
        s = self.coarse_scale()
        return ((self.last[-1] - self.first[0]) << max(s, 0)) >> max(-s, 0)

    def min_gap(self) -> tuple[int, int]:
        """``(gamma, k)``: the smallest boundary gap and its boundary (``(0, -1)`` for one run)."""
        gaps = self.gaps()
        if not gaps:
            return 0, -1
        k = min(range(len(gaps)), key=gaps.__getitem__)
        return gaps[k], k


def label_runs(values: Any, signs: Any) -> Runs:
    """Sort integer ``values`` and merge them into runs of equal sign.

    Equal values must carry equal signs, else :class:`ProjectionCollision` names two samples.

    >>> r = label_runs([5, 1, 3, 3, 9], [1, -1, 1, 1, -1])
    >>> r.first, r.last, r.labels, r.gaps()
    ([1, 3, 9], [1, 5, 9], [-1, 1, -1], [2, 4])
    """
    vals = list(values)
    sg = [int(s) for s in signs]
    if len(vals) != len(sg):
        raise ValueError(f"{len(vals)} values but {len(sg)} signs")
    if not vals:
        raise ValueError("no values")
    order = sorted(range(len(vals)), key=vals.__getitem__)
    first: list[int] = []
    last: list[int] = []
    labels: list[int] = []
    first_index: list[int] = []
    last_index: list[int] = []
    prev_v: int | None = None
    prev_i = -1
    for i in order:
        v, s = vals[i], sg[i]
        if v == prev_v:
            if s != labels[-1]:
                raise ProjectionCollision(min(prev_i, i), max(prev_i, i))
            continue
        if labels and s == labels[-1]:
            last[-1] = v
            last_index[-1] = i
        else:
            first.append(v)
            last.append(v)
            labels.append(s)
            first_index.append(i)
            last_index.append(i)
        prev_v, prev_i = v, i
    return Runs(first, last, labels, first_index, last_index)
