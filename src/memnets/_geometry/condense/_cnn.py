"""The condensed-nearest-neighbour rules ``"hart"`` (Hart [2]) and ``"fcnn"`` (Angiulli's
FCNN1 [5]), both with a ratio margin ``lam`` (the package docstring states them)."""

from __future__ import annotations

import numpy as np

from memnets._core.errors import ConstructionError
from memnets._geometry.enemies import BLOCK_ELEMENTS, Geom

_BATCH = 512  # samples decided together in the sequential scan


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
