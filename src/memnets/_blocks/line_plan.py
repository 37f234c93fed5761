"""The layout planner of the exact 1-D memorizer (:mod:`memnets._blocks.line_memorizer`).

For the thresholds of a line, the planner chooses direct or block mode, the slots per
block ``m``, the offset bits ``rho``, the bits read per layer ``r``, the steps per layer
``q`` and folding, minimising the exact dense parameter count of the network the builder
then makes (the layer widths below are those the builder creates; see the builder's
module docstring for the stages they belong to).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import Any

MAX_WIDTH = 12
_DIRECT_Q = (1, 2, 3, 4, 5)  # steps per direct-mode layer: T, S + 2 q units (<= max_width)
_STAGE1_Q = (1, 2, 3, 4)  # steps per stage-1 layer: Tf, P, S + 2 q units (<= 11)
_ACC_BITS = 2  # the counter field of the register: S = 2 F + alternating sum in {0, 1, 2, 3}


def _chain_params(runs: Sequence[tuple[int, int]], prev: int) -> tuple[int, int]:
    """Dense params of consecutive layers given as ``(width, count)`` runs after a layer of
    width ``prev``: ``sum_l w_l (w_{l-1} + 1)``; returns ``(params, last width)``."""
    total = 0
    for w, cnt in runs:
        if cnt <= 0:
            continue
        total += w * (prev + 1) + (cnt - 1) * w * (w + 1)
        prev = w
    return total, prev


def _direct_widths(B: int, q: int) -> list[tuple[int, int]]:
    """Layer widths of the direct mode (``B`` steps, ``q`` per layer) as ``(width, count)`` runs."""
    G = -(-B // q)
    last = B - q * (G - 1)
    if G == 1:
        return [(2 * last, 1)]
    return [(1 + 2 * q, 1), (2 + 2 * q, G - 2), (1 + 2 * last, 1)]


def _stage1_widths(J: int, q: int, fold: bool, change: int = 1) -> list[tuple[int, int]]:
    """Stage-1 layer widths (``J - 1`` block steps, ``q`` per layer; ``P`` and ``S`` are
    constants in the first layer, so it has ``1 + 2 q`` units, the others ``3 + 2 q``, or
    ``2 + 2 q`` when the start ``S`` is folded into ``P``).

    ``change`` is the first step ``j`` with ``P_j != P_{j-1}`` (:func:`_register_change`;
    ``J`` if none): until the layer that takes it, ``P`` is still a constant and is not
    carried, so the ``(change - 1) // q`` layers after the first have one unit less.
    """
    steps = J - 1
    G = -(-steps // q)
    last = steps - q * (G - 1)
    c = 1 if fold else 2
    if G == 1:
        return [(1 + 2 * last, 1)]
    idle = min((change - 1) // q, G - 1)  # layers after the first that do not carry P yet
    mid = min(idle, G - 2)
    runs = [(1 + 2 * q, 1), (c + 2 * q, mid), (1 + c + 2 * q, G - 2 - mid), (1 + c - (idle == G - 1) + 2 * last, 1)]
    return [(w, n) for w, n in runs if n]  # no run of zero layers


def _unfold_widths(start_bits: int, r: int) -> list[tuple[int, int]]:
    """Layers reading the folded block start off the top of ``P``: ``P, V`` + digit units."""
    return [(2 + 2 * (2**r - 1), -(-start_bits // r))] if start_bits else []


def _stage2_widths(m: int, rho: int, r: int, const: bool = False) -> list[tuple[int, int]]:
    """Stage-2 layer widths: per slot ``i < m - 1`` one layer of ``P, V``, a comparison pair
    and ``2 (2**r - 1)`` digit units, then ``rho / r - 1`` layers without the comparison;
    then the counter's two bits, one per layer (``P, V`` + 2, then ``P, V``, the high bit
    + 2), the last comparison (``S`` + 2) and the parity (4).

    ``const``: every block has the same register, so ``P`` enters stage 2 as a constant and
    its digits are constants (no units) until the first comparison is added to it: the
    first slot layer keeps ``V`` and the comparison pair (3 units); with one slot
    (``m = 1``) nothing is ever added before the last comparison, so the counter layers keep
    ``V`` alone (1, 1), the last comparison its pair (2) and the parity its 4.
    """
    if const and m == 1:
        return [(1, 1), (1, 1), (2, 1), (4, 1)]
    d = 2 * (2**r - 1)
    out: list[tuple[int, int]] = []
    for i in range(m - 1):
        out += [(3 if const and i == 0 else 4 + d, 1), (2 + d, rho // r - 1)]
    return [*out, (4, 1), (5, 1), (3, 1), (4, 1)]


def _plan_params(widths: list[tuple[int, int]]) -> tuple[int, int]:
    """Params of the line network (input ``t``, the ``Tf`` layer, ``widths``, output) and depth."""
    p, _ = _chain_params([(1, 1), *widths, (1, 1)], 1)
    return p, 2 + sum(c for _, c in widths)


def _ceil_div_pow2(x: int, s: int) -> int:
    """``ceil(x * 2**s)`` for integer ``x`` and any integer ``s``."""
    return x << s if s >= 0 else -((-x) >> -s)


def _thresholds(runs_last: list[int], runs_first: list[int], z0: int, s: int) -> list[int] | None:
    """Integer thresholds ``ceil(T(a)) + 1`` if every boundary satisfies ``T(b) >= theta``."""
    out = []
    for a, b in zip(runs_last[:-1], runs_first[1:], strict=True):
        th = _ceil_div_pow2(a - z0, s) + 1
        # T(b) >= th  <=>  (b - z0) * 2**s >= th
        ok = ((b - z0) << s) >= th if s >= 0 else (b - z0) >= (th << -s)
        if not ok:
            return None
        out.append(th)
    return out


def _partition(
    th: list[int], m: int, rho: int, max_blocks: int | None = None
) -> tuple[list[int], list[int]] | None:
    """Greedy blocks whose offsets fit in ``rho`` bits: ``(starts, counts)``.

    Block 0 starts at 0 (every coarse ``T >= 0``); block ``j >= 1`` starts at the first
    threshold not taken by block ``j - 1``. Each block takes as many following thresholds
    as fit below ``start + 2**rho``, at most ``m`` (possibly none: a gap wider than
    ``2**rho`` becomes a block border). Gives up (None) beyond ``max_blocks`` blocks.
    """
    cap = 1 << rho
    B = len(th)
    starts = [0]
    counts: list[int] = []
    c = 0  # index of the first internal threshold of the current block
    while True:
        R = B - c
        fit = min(bisect.bisect_left(th, starts[-1] + cap, lo=c) - c, m, R)
        counts.append(fit)
        if fit == R:
            return starts, counts
        starts.append(th[c + fit])
        c += fit + 1
        if max_blocks is not None and len(starts) > max_blocks:
            return None


def _block_slots(th: list[int], starts: list[int], counts: list[int], m: int) -> Iterator[tuple[int, list[int]]]:
    """What each block register ``P_j`` holds, block by block: the counter flip ``F_j`` and
    the ``m`` slot offsets (``m - cnt`` zeros, then ``theta_k - S_j`` for the block's ``cnt``
    thresholds; block ``j`` starts at threshold ``c = sum_{i<j} (counts_i + 1)``, the
    thresholds between blocks being their starts); ``P_j`` is one-to-one in this pair for
    offsets below ``2**rho``."""
    c = 0
    for start, cnt in zip(starts, counts, strict=True):
        yield (c + m - cnt) % 2, [0] * (m - cnt) + [th[k] - start for k in range(c, c + cnt)]
        c += cnt + 1


def _register_change(th: list[int], starts: list[int], counts: list[int], m: int) -> int:
    """The first block step ``j >= 1`` whose register ``P_j`` differs from ``P_{j-1}``, or
    ``J`` if every block holds the same register (then ``P`` is a constant in stage 1)."""
    for j, (prev, cur) in enumerate(pairwise(_block_slots(th, starts, counts, m)), start=1):
        if cur != prev:
            return j
    return len(starts)


#: multiples of the balance point ``sqrt(1.4 B / rho)`` tried for the slots per block ``m``
_M_FACTORS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.4, 1.6, 2.0, 2.8, 4.0)


def _fits(widths: list[tuple[int, int]], cap: int) -> bool:
    return all(w <= cap for w, c in widths if c > 0)


def _plan(th: list[int], rs: Sequence[int], rho_bound: int, cap: int = MAX_WIDTH) -> dict[str, Any]:
    """The layout with the fewest dense parameters (then the smallest depth).

    Direct mode for every ``q`` in :data:`_DIRECT_Q`; block mode for every ``r`` in ``rs``,
    ``rho`` (a multiple of ``r``) up to the bits of the largest threshold, slots ``m`` around
    the balance point ``sqrt(1.4 B / rho)`` (where ``28 B / (m + 1) ~ 20 (m - 1) rho``, the
    per-threshold stage-1 and per-bit stage-2 costs for ``q = 2``, ``r = 1``) and every ``q``
    in :data:`_STAGE1_Q`; blocks come from :func:`_partition`. Params and depth are exact
    (:func:`_plan_params` of the layer widths the construction builds, ``widths`` in the
    plan, with the register ``P`` a constant until :func:`_register_change`). The slot count
    ``ceil(sqrt(K / rho_bound)) - 1`` of the bound in :mod:`memnets._constructions.optimal`'s docstring is always tried.
    Only layouts whose every hidden layer has at most ``cap`` units are considered (``cap =
    6``: ``r = 1``, at most 2 steps per direct-mode or folded stage-1 layer, 1 unfolded).
    """
    B = len(th)
    best: dict[str, Any] = {}
    for q in _DIRECT_Q:
        widths = _direct_widths(B, q)
        if not _fits(widths, cap):
            continue
        p, depth = _plan_params(widths)
        if not best or (p, depth) < (best["params"], best["depth"]):
            best = {"mode": "direct", "params": p, "depth": depth, "q": q, "m": B, "J": 1,
                    "rho": 0, "r": 0, "widths": widths}
    if B < 2:
        return best
    hi = max(th).bit_length()
    for r in rs:
        if not _fits(_stage2_widths(2, r, r) + _unfold_widths(1, r), cap):
            continue
        for rho in range(r * math.ceil(hi / r), 0, -r):
            centre = math.sqrt(1.4 * B / rho)
            ms = {1, max(1, math.ceil(math.sqrt((B + 1) / rho_bound)) - 1)}
            ms |= {max(1, round(centre * f)) for f in _M_FACTORS}
            for m in sorted(ms):
                if m >= B:
                    continue
                # a lower bound: P may enter stage 2 as a constant (every register equal)
                s2, _ = _chain_params(_stage2_widths(m, rho, r, const=True), 1)
                if s2 >= best["params"]:
                    continue
                # every stage-1 step costs >= 20 params (q = 1: >= 4 x 5 per layer, q >= 2 more)
                part = _partition(th, m, rho, max_blocks=(best["params"] - s2) // 20 + 2)
                if part is None:
                    continue
                J = len(part[0])
                ch = _register_change(th, part[0], part[1], m)
                for fold in (False, True):
                    # folded: the coarse start rides on top of P and is read off after stage 1
                    # (so P changes at every step); unfolded, P is a constant until step ch
                    sb = max(part[0]).bit_length() if fold else 0
                    change = 1 if fold else ch
                    s2w = _stage2_widths(m, rho, r, const=change == J)
                    for q in _STAGE1_Q:
                        s1w = _stage1_widths(J, q, fold, change)
                        if not _fits(s1w, cap):
                            continue
                        widths = s1w + _unfold_widths(sb, r) + s2w
                        p, depth = _plan_params(widths)
                        if (p, depth) < (best["params"], best["depth"]):
                            best = {"mode": "blocks", "params": p, "depth": depth, "q": q, "m": m,
                                    "J": J, "rho": rho, "r": r, "start_bits": sb, "change": change,
                                    "starts": part[0], "counts": part[1], "widths": widths}
    return best

