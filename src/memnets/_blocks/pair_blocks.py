"""Block-wise assembly of the pairwise network's second layer (:mod:`memnets._blocks.pair_layers`):
the structure of the pair rows, and the exact constants by base-``2**52`` digits.

Both write through a sink (:class:`memnets._blocks.pair_constants._Sink`: store, or compare
when a network is recognised) in blocks of rows, never one sample at a time.

* :func:`put_structure`: row ``(i, j)`` has columns ``(min, max, N + min, N + max)`` of
  ``(i, j)`` and the constant units, with weights ``(-100, 100, 100, -100)`` on columns
  ``(i, N + i, j, N + j)`` (so ``+-(-100, 100, 100, -100)`` in sorted order: ``+`` iff ``i < j``).
* :func:`put_constants_digits`: ``V_ij`` of every ordered pair and the table ``D`` from the
  limb GEMMs as digits (:mod:`memnets._core.exactdigits`), a few rows at a time so every
  int64 pass runs in cache; equal bit for bit to the :class:`~memnets._core.exactgram.Words`
  path (which stays for data needing more than three limbs, ``T > 61`` for ``[0, 1]`` data).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from memnets._core.exactdigits import (
    DIGIT,
    GRID,
    GramParts,
    GridGram,
    GridSide,
    carry52,
    float_pieces,
    int_digits,
    magnitude52,
    n_limbs,
    pieces_bits,
)
from memnets._core.exactgram import CHUNK

__all__ = ["digit_path", "put_constants_digits", "put_structure", "rows_are_runs"]

_SAMPLES_PER_BLOCK = 32  # structure rows are written 32 samples at a time
_SUB_ENTRIES = 2**15  # pairs per in-cache step of the digit path
_PATTERN = np.array([-100.0, 100.0, 100.0, -100.0])


def put_structure(snk: Any, signs: np.ndarray, pos: np.ndarray, neg: np.ndarray, rowptr: np.ndarray,
                  width2: int, const_cols: np.ndarray, pattern: bool = True) -> None:
    """Columns and (``pattern``) the ``+-100`` weights of every pair row, a block of samples at
    a time (without ``pattern`` the digit path writes the weights with the constants)."""
    N = signs.size
    idx_dtype = snk.arrays["l2_indices"].dtype
    if not pattern and not snk.check and rows_are_runs(rowptr, pos, neg):
        _write_run_indices(snk.arrays["l2_indices"], N, pos, neg, rowptr, width2, const_cols)
        return
    for s0 in range(0, N, _SAMPLES_PER_BLOCK):
        s1 = min(s0 + _SAMPLES_PER_BLOCK, N)
        own = np.arange(s0, s1)
        counts = np.diff(rowptr[s0 : s1 + 1])
        i = np.repeat(own, counts)
        j = np.concatenate([neg if signs[k] > 0 else pos for k in range(s0, s1)])
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        cols = np.empty((i.size, width2), dtype=idx_dtype)
        cols[:, 0], cols[:, 1], cols[:, 2], cols[:, 3] = lo, hi, lo + N, hi + N
        cols[:, 4:] = const_cols
        r0, r1 = int(rowptr[s0]), int(rowptr[s1])
        snk.put("l2_indices", slice(r0 * width2, r1 * width2), cols.reshape(-1))
        if pattern:
            snk.put("l2_rows", (slice(r0, r1), slice(0, 4)), np.where((i < j)[:, None], _PATTERN, -_PATTERN))


def _write_run_indices(out: np.ndarray, N: int, pos: np.ndarray, neg: np.ndarray, rowptr: np.ndarray,
                       width2: int, const_cols: np.ndarray) -> None:
    """The column indices of every row straight into ``out`` when each class's rows are one run:
    the rows of sample ``i`` against the opposite samples ``js`` are ``(min, max, N + min,
    N + max, constants)`` of ``(i, js)``, written column by column into a view (one pass)."""
    for own, opp in ((pos, neg), (neg, pos)):
        start, m = int(rowptr[own[0]]), opp.size
        for s0 in range(0, own.size, _SAMPLES_PER_BLOCK):
            i = own[s0 : s0 + _SAMPLES_PER_BLOCK][:, None]
            view = out[(start + s0 * m) * width2 : (start + (s0 + i.shape[0]) * m) * width2].reshape(i.shape[0], m, width2)
            lo, hi = np.minimum(i, opp[None, :]), np.maximum(i, opp[None, :])
            view[:, :, 0], view[:, :, 1] = lo, hi
            view[:, :, 2], view[:, :, 3] = lo + N, hi + N
            view[:, :, 4:] = const_cols


def _run(rowptr: np.ndarray, samples: np.ndarray, count: int) -> int | None:
    """First row when the samples' rows are consecutive blocks of ``count``, else None."""
    starts = rowptr[samples]
    if starts.size and np.array_equal(starts, starts[0] + count * np.arange(starts.size)):
        return int(starts[0])
    return None


def rows_are_runs(rowptr: np.ndarray, pos: np.ndarray, neg: np.ndarray) -> bool:
    """Whether the rows of both orders are consecutive runs (classes in consecutive samples):
    the digit path then writes whole rows, the ``+-100`` weights included."""
    return _run(rowptr, pos, neg.size) is not None and _run(rowptr, neg, pos.size) is not None


class _Writer:
    """Writes a ``(rows of pos, all neg)`` block of one order's pieces into the layer arrays:
    whole rows (the ``+-100`` weights and the pieces, one contiguous copy) when both orders'
    rows are runs, else the pieces' columns by fancy indexing."""

    def __init__(self, snk: Any, rowptr: np.ndarray, pos: np.ndarray, neg: np.ndarray, width2: int) -> None:
        self.snk, self.rowptr, self.pos, self.neg, self.width2 = snk, rowptr, pos, neg, width2
        Np, Nn = pos.size, neg.size
        self.pn = _run(rowptr, pos, Nn)  # pair (pos a, neg b): row rowptr[pos a] + b
        self.np_ = _run(rowptr, neg, Np)  # pair (neg b, pos a): row rowptr[neg b] + a

    def put(self, order: str, a: slice, b: slice, pieces: list[np.ndarray]) -> None:
        """Pieces of the pairs ``(pos a, neg b)`` (``order`` ``"pn"``) or ``(neg b, pos a)``
        (``"np"``), arrays of shape ``(len a, len b)``."""
        Np, Nn = self.pos.size, self.neg.size
        if self.pn is not None and self.np_ is not None:
            # row (i, j): (-100, 100, 100, -100) on (i, N+i, j, N+j), sorted: times +1 iff i < j
            i_lt_j = self.pos[a][:, None] < self.neg[None, b]
            s = np.where(i_lt_j if order == "pn" else ~i_lt_j, 100.0, -100.0)
            rows = np.empty((*s.shape, self.width2))
            rows[..., 0], rows[..., 1], rows[..., 2], rows[..., 3] = -s, s, s, -s
            for q, p in enumerate(pieces[:-1]):
                rows[..., 4 + q] = p
            if order == "pn":
                self.snk.put_view("l2_rows", self.pn, (Np, Nn), (a, b), rows)
                self.snk.put_view("l2_bias", self.pn, (Np, Nn), (a, b), pieces[-1])
            else:
                self.snk.put_view("l2_rows", self.np_, (Nn, Np), (b, a), rows.transpose(1, 0, 2))
                self.snk.put_view("l2_bias", self.np_, (Nn, Np), (b, a), pieces[-1].T)
            return
        if order == "pn":
            idx = self.rowptr[self.pos[a]][:, None] + np.arange(b.start, b.stop)[None, :]
        else:
            idx = self.rowptr[self.neg[b]][None, :] + np.arange(a.start, a.stop)[:, None]
        self.snk.put("l2_bias", idx, pieces[-1])
        for q, p in enumerate(pieces[:-1]):
            self.snk.put("l2_rows", (idx, 4 + q), p)


def digit_path(X: np.ndarray, T: int, v_terms: int, S_max: int, grid: GridSide | None) -> tuple[int, GridSide | None] | None:
    """``(L, grid)`` when the digit path applies (``L`` limbs, 0 with the three-GEMM ``grid``,
    whose ``q^2 max |x|^2 2**2T < 2**156`` is checked here), None for the general path (more
    than three limbs or float64 pieces, more than 64 column chunks)."""
    if not 1 <= v_terms <= 3 or 2 * T > 1022:
        return None
    if grid is not None and GRID * GRID * S_max < 2**156:
        return 0, grid
    L = n_limbs(X, T)
    if L > 3 or -(-X.shape[1] // CHUNK) > 64:
        return None
    return L, None


def put_constants_digits(X: np.ndarray, pos: np.ndarray, neg: np.ndarray, T: int, S_ints: Any, v_terms: int,
                         rowptr: np.ndarray, width2: int, snk: Any, D: np.ndarray, block_entries: int,
                         floor_bits: int, path: tuple[int, GridSide | None]) -> tuple[tuple[int, int, int], int, int]:
    """The pair constants and ``D`` by digits (``path`` from :func:`digit_path`); when
    :func:`rows_are_runs`, the ``+-100`` weights of every row too.

    Returns ``(best, d_terms, bits)``: the exact ``(min D 2**2T, a, b)`` (smallest ``a``,
    then ``b`` among ties), the float64 pieces of the largest ``D``, and
    ``max(floor_bits, entry_bits of every constant piece)``.
    """
    L, grid = path
    Np, Nn = int(pos.size), int(neg.size)
    S_list = [int(v) for v in S_ints]
    neg_side: Any = grid.rows(neg) if grid is not None else GramParts.side(X[neg], T, L)
    Sd = int_digits(S_list)
    Sp, Sn = [s[pos] for s in Sd], [s[neg] for s in Sd]
    Sp51, Sp49 = [51 * s for s in Sp], [49 * s for s in Sp]
    Sn51, Sn49 = [51 * s for s in Sn], [49 * s for s in Sn]
    writer = _Writer(snk, rowptr, pos, neg, width2)
    best: tuple[int, int, int] | None = None
    dmax = [0, 0, 0]
    bits = floor_bits
    rows_per = max(1, block_entries // max(Nn, 1))
    scale = 2 * T

    def tile(parts: Any, a: slice, b: slice, floor: int) -> tuple[tuple[int, int, int], list[int], int]:
        """One tile: D, its exact minimum, both orders' pieces written; (min, digit maxima, bits)."""
        g = parts.digits((slice(None), b))
        # D = S_a + S_b - 2 G (>= 0): float64 table (pieces summed lowest first) and exact minimum
        dd = []
        for q in range(3):
            t = g[q] * -2
            t += Sp[q][a, None]
            t += Sn[q][None, b]
            dd.append(t)
        carry52(dd)
        tile_max = [int(dd[q].max(initial=0)) for q in range(3)]
        pd = float_pieces(dd, None, 3, scale)
        blk = pd[0]
        blk += pd[1]
        blk += pd[2]
        D[a, b] = blk
        tile_best = _track_min(None, dd, blk, a.start, b.start)
        bits = floor
        # V_pn = 51 S_a - 2 G - 49 S_b (pair (pos a, neg b)); V_np = 51 S_b - 2 G - 49 S_a
        for order, left, right in (("pn", Sp51, Sn49), ("np", Sp49, Sn51)):
            v = []
            for q in range(3):
                t = g[q] * -2
                if order == "pn":
                    t += left[q][a, None]
                    t -= right[q][None, b]
                else:
                    t += right[q][None, b]
                    t -= left[q][a, None]
                v.append(t)
            m, neg_mask = magnitude52(carry52(v))
            pieces = float_pieces(m, neg_mask, v_terms, scale)
            bits = pieces_bits(m, v_terms, scale, bits)
            writer.put(order, a, b, pieces)
        return tile_best, tile_max, bits

    # tiles of all the block's rows and a few columns: in cache, both orders' rows written in
    # runs, and independent (disjoint writes): two threads share them (NumPy releases the GIL)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for a0 in range(0, Np, rows_per):
            a1 = min(a0 + rows_per, Np)
            parts: Any = (GridGram(grid.rows(pos[a0:a1]), neg_side, T) if grid is not None
                          else GramParts(X[pos[a0:a1]], neg_side, T, L))
            width = max(1, _SUB_ENTRIES // (a1 - a0))
            jobs = [pool.submit(tile, parts, slice(a0, a1), slice(b0, min(b0 + width, Nn)), bits)
                    for b0 in range(0, Nn, width)]
            for job in jobs:
                tile_best, tile_max, tile_bits = job.result()
                best = tile_best if best is None or tile_best < best else best
                dmax = [max(x, y) for x, y in zip(dmax, tile_max, strict=True)]
                bits = max(bits, tile_bits)
    assert best is not None
    top = 2 * DIGIT + dmax[2].bit_length() if dmax[2] else DIGIT + dmax[1].bit_length() if dmax[1] else dmax[0].bit_length()
    return best, max(1, -(-top // DIGIT)), bits


def _track_min(best: tuple[int, int, int] | None, dd: list[np.ndarray], approx: np.ndarray,
               a0: int, b0: int) -> tuple[int, int, int]:
    """Exact minimum of a block (carried digits): candidates within the float error, compared as ints."""
    m = float(approx.min())
    cand = np.argwhere(approx <= m * (1 + 16 * 2.0**-53) + 1e-300)
    for a, b in cand.tolist():
        v = (int(dd[2][a, b]) << (2 * DIGIT)) + (int(dd[1][a, b]) << DIGIT) + int(dd[0][a, b])
        key = (v, a + a0, b + b0)
        if best is None or key < best:
            best = key
    assert best is not None
    return best
