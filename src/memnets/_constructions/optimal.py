"""M2: optimal-parameter memorization (the paper's Theorem 4.1, after Vardi, Yehudai & Shamir 2022).

A binary data set of ``N`` samples in ``[0, 1]^n`` is memorized by a ReLU network of
**width at most 6** (the paper's Theorem 4.1; ``max_width=8`` or ``12`` lets the planner use
wider layers) whose number of parameters is

.. math::

    O\\big(n + \\sqrt{K \\rho}\\big), \\qquad K \\le N \\text{ runs}, \\quad
    \\rho = O(\\log(N n / c)) \\text{ bits},

evaluated and verified **exactly** (its weights have hundreds to thousands of bits).

Construction
------------
1. *Projection* (:mod:`._projection`): an integer direction ``w`` gives exact integer
   projections ``p_i = 2**E <w, x_i>``; a direction is redrawn (seeded) while two
   opposite-label samples collide. The network's first layer is this projection composed
   (no ReLU in between, :func:`~memnets._blocks.compose_affine`) with the first layer of
2. :func:`line_memorizer` on ``t_i = p_i``: sorted values merge into ``K`` runs of equal
   label, separated by ``B = K - 1`` boundaries (``a_k``/``b_k`` the values on either
   side). Fine units ``Tf = D (t - t_min)`` are integers (``D`` the common denominator);
   coarse units ``T = 2**s Tf`` use the smallest power ``2**s <= 1`` for which every boundary
   has an integer threshold ``theta_k = ceil(T(a_k)) + 1`` with ``T(a_k) <= theta_k - 1`` and
   ``T(b_k) >= theta_k`` (``2**s gamma >= 2`` suffices, ``gamma`` the smallest projected
   gap). In fine units the thresholds are ``theta_k 2**-s`` and the two-unit integer step
   ``[Tf >= theta] = s(Tf - theta + 1) - s(Tf - theta)`` is exact on every sample.
3. *Blocks*: thresholds are cut greedily (:func:`_partition`) into ``J`` blocks: block 0
   starts at ``S_0 = 0``, block ``j >= 1`` at the first threshold ``S_j`` not taken by
   block ``j - 1``, and a block takes the following thresholds while their offsets
   ``O = theta - S_j`` stay below ``2**rho_o``, at most ``m`` of them (a gap wider than
   ``2**rho_o`` simply becomes a block border). Block ``j`` packs its ``cnt_j`` offsets
   after ``m - cnt_j`` zeros (zeros always fire) into one integer register

   ``P_j = sum_{i < m-1} O_{j,i} 2**(2 + rho_o (m - 1 - i)) + 2 F_j 2**rho_o + O_{j,m-1}``

   (slots ``0 .. m - 2`` on top, a 2-bit counter field holding ``2 F_j``, the last slot at
   the bottom), ``F_j = (c_j + m - cnt_j) mod 2`` (``c_j`` thresholds lie below ``S_j``).
   *Folded* layout: ``S_j 2**(m rho_o + 2) + P_j`` (the start rides on top).
4. *Stage 1* selects the input's block and loads it with ``q`` integer steps per layer on
   ``Tf``: ``P = P_0 + sum_j (P_j - P_{j-1}) [Tf >= S_j 2**-s]`` and
   ``Vf = Tf - sum_j (S_j - S_{j-1}) 2**-s [Tf >= S_j 2**-s]`` (units ``Tf, P, S`` + ``2 q``);
   folded, ``S`` is not carried (units ``Tf, P`` + ``2 q``) and ``sb = bitlen(S_{J-1})``
   *unfold* layers read ``S_j`` off the top of ``P`` ``r`` bits at a time, subtracting each
   digit from ``P`` and ``2**-s`` times it from ``Vf = Tf`` (units ``P, V`` + digits).
5. *Stage 2* reads the slots from the top of ``P``. At the start of slot ``i < m - 1``,
   ``P_i = O_i 2**L + rest`` (``L = 2 + rho_o (m - 1 - i)``, ``rest < 2**L``), so
   ``c_i = [V >= O_i] = 1 - [2**-s P_i - 2**L Vf >= 2**(L - s)]`` is one integer step (exact
   on the data, where the coarse ``V <= O_i - 1`` or ``V >= O_i``), computed in the layer that
   reads the slot's top digit; ``(-1)**i c_i 2**rho_o`` is added to the counter field and the
   slot is removed ``r`` bits per layer by ReLU digit extraction
   (``d = sum_{c < 2**r} [P >= c 2**k]``, :func:`~memnets._blocks.digit_preacts`): only
   ``P, V`` are carried. Offsets are sorted, so the counter stays ``2 F + (0 or 1)``. Two layers
   read the counter one bit at a time, one compares the last slot (now ``P`` itself), and
   ``S = counter +- c_{m-1}`` in {0, 1, 2, 3} gives the parity of the number of thresholds
   below the input, ``F xor (S mod 2) = [S >= 1] - [S >= 3]``, in one last layer. Output
   ``F(x) = l_1 (1 - 2 parity)`` (``l_1`` the label of the first run): exactly ``+-1`` on
   every sample, so the margin is 1.

The planner (:func:`_plan`) picks the layout with the **fewest dense parameters** (then the
smallest depth) among those whose hidden layers have at most ``max_width`` units: direct
mode (every boundary a step on ``Tf``, ``q`` per layer) or block mode over ``m``, ``rho_o``,
``r`` in {1, 2} (``bits_per_layer``), ``q`` and folding; the params and depth it minimises
are the exact counts of the network it then builds. Width 6 admits ``r = 1``, ``q <= 2``
(direct and folded stage 1) and ``q = 1`` (unfolded stage 1).

Against the paper's Appendix B (width 6)
----------------------------------------
- *Compression* (Lemma B.1): a random unit ``u`` keeps opposite labels ``>= (c/(4N**2))
  sqrt(8/(n pi))`` apart with probability ``> 1/2``; ``w = (16 sqrt(n) N**2 / c) u`` and a
  bias make ``1 <= w x + b <= O(n N**2 / c)`` and opposite labels ``>= 4`` apart. Ours is the
  documented equivalent with the *measured* gap instead of the worst-case one: an integer
  direction redrawn until no opposite pair collides, the coarse scale ``2**s`` with
  ``2**s gamma >= 2`` (opposite labels ``>= 2`` apart in coarse units, which is all the
  integer steps need) and the shift ``Tf >= 0``. Same property; the values are of Lemma
  B.1's order (``rho = O(log(N n / c))``) whenever the direction meets the lemma's gap bound
  (probability ``> 1/2`` per uniform draw; our integer direction is not redrawn for it, the
  measured gap is used as it is: ``vardi2022`` does redraw, for its ``R``).
- *Projection* (Lemma B.3, width 4, plus one unit keeping the input: 5) is our stage 1
  (``load_by_steps``: width 4 folded, 5 unfolded). *Label determination* (Lemma B.5,
  width 6: one digit per stored positive point, "is ``|x - a_k| < 1``") is our stage 2,
  which stores run boundaries instead and reads a parity (width 6). Output ``+-1`` instead
  of ``f_3 - 0.05``.
- Width 6 costs nothing for ``N >= 1000`` and at most ~9% params (and up to 1.7x depth, in
  direct mode) below it; measured on uniform ``[0,1]^20`` with fair labels
  (``python benchmarks/bench_memorizers.py --widths``: data seed ``N``, ``rng=0``):

  ====== ============================ ============================
  N      params / depth, width 6      params / depth, width 8 = 12
  ====== ============================ ============================
  100    795 / 30                     729 / 18
  300    1765 / 89                    1755 / 51
  1000   3579 / 177                   3579 / 177
  3000   6793 / 335                   6793 / 335
  10000  14121 / 696                  14121 / 696
  ====== ============================ ============================

Bounds (``rho = bitlen(t_max + 2)`` with ``t_max`` the largest coarse value: bits per boundary)
-------------------------------------------------------------------------------------------------
- params (dense): ``sum_l w_l (w_{l-1} + 1)`` over the layer widths ``w_l``: ``1`` (``Tf``,
  ``n + 1`` params after composing the projection); stage 1: ``1 + 2q``, then
  ``3 + 2q`` (``2 + 2q`` folded), ``ceil((J - 1) / q)`` layers; unfold: ``ceil(sb / r)``
  layers of ``2 + 2 (2**r - 1)``; stage 2: per slot ``i < m - 1`` one layer of
  ``4 + 2 (2**r - 1)`` and ``rho_o / r - 1`` of ``2 + 2 (2**r - 1)``; then ``4, 5, 3, 4`` and the
  output ``1``. Direct mode: ``1 + 2q``, ``2 + 2q`` (middle), ``1 + 2 q_last``, ``1``.
  Per threshold stage 1 costs ``~ 20`` (``q = 1``, folded), per packed bit stage 2 costs
  ``20`` (``r = 1``: layers of 4 units); balancing ``20 K / (m + 1)`` against ``20 m rho``:

  ``params <= 40 sqrt(K rho) + 18 sqrt(K / rho) + n + 53``

  for every ``K >= 2``, ``bits_per_layer`` None or 1 and every ``max_width`` (the plan
  ``m + 1 = ceil(sqrt(K / rho))``, ``rho_o = bitlen(max theta)``, ``r = q = 1``, folded, has
  width 6 and is always a candidate; for ``K <= 4 rho`` the direct mode with ``q = 1``,
  ``<= 20 K + n``, already meets it). Measured on uniform random data
  (``scaling`` experiment, ``N = 100 .. 10**5``): ``params / sqrt(K rho)`` in ``[29, 37]``.
- depth ``= 1 + ceil((J - 1) / q) + ceil(sb / r) + (m - 1) rho_o / r + 5`` (block mode) or
  ``ceil(B / q) + 2`` (direct); ``O(sqrt(K rho))`` as well.
- width ``<= max_width`` (default 6; stage 1 ``3 + 2q``, unfold and stage 2 ``2 + 2 (2**r - 1)``
  and ``4 + 2 (2**r - 1)``, the counter ``<= 5``, direct ``2 + 2q``).
- bits: ``P < 2**(m rho_o + 2 + sb)``, so weights and biases have at most
  ``m rho_o + sb - s + 4`` bits; ``rho <= bitlen(2 (t_max - t_min) / gamma) + 1 =
  O(log(N n / c))`` for a random direction (projected gap ``gamma ~ c / N**2`` relative to
  the spread); the first layer has ``b + E`` bits (direction bits ``b``, input scale ``2**E``).

References
----------
1. Yu, Gao, Zhang, Miao. Generalizability of Memorization Neural Networks. NeurIPS 2024, Thm 4.1.
2. Vardi, Yehudai, Shamir. On the Optimal Memorization Power of ReLU Neural Networks. ICLR 2022.

Examples
--------
>>> import numpy as np
>>> import memnets as mn
>>> X = np.random.default_rng(0).random((40, 3)); y = np.arange(40) % 2
>>> res = mn.construct(X, y, method="optimal", rng=0)
>>> res.verified, res.min_margin == 1, res.network.width <= 6
(True, True, True)

Size (~690 lines): one construction, one file (the registry's rule). The planner (choosing
blocks, bits and widths for the fewest parameters) and the builder share the invariants of
the proven params bound above; split, each would re-derive the other's formulas.
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from memnets._blocks import (
    LayerBuilder,
    Lin,
    compose_affine,
    digit_preacts,
    digit_value,
    exact_layer,
    load_by_steps,
    step_preacts,
)
from memnets._constructions.result import ConstructionResult, finish
from memnets._core.checks import Dataset
from memnets._core.errors import ConstructionError, InputError, OptionError
from memnets._core.network import AffineLayer, ReLUNetwork
from memnets._geometry.projection import ProjectionCollision, find_projection, label_runs

__all__ = ["build", "line_memorizer"]

#: a two-class construction: more classes are handled one-vs-rest by memnets.construct
BINARY_ONLY = True

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


def _stage1_widths(J: int, q: int, fold: bool) -> list[tuple[int, int]]:
    """Stage-1 layer widths (``J - 1`` block steps, ``q`` per layer; ``P`` and ``S`` are
    constants in the first layer, so it has ``1 + 2 q`` units, the others ``3 + 2 q``, or
    ``2 + 2 q`` when the start ``S`` is folded into ``P``)."""
    steps = J - 1
    G = -(-steps // q)
    last = steps - q * (G - 1)
    c = 1 if fold else 2
    if G == 1:
        return [(1 + 2 * last, 1)]
    return [(1 + 2 * q, 1), (1 + c + 2 * q, G - 2), (1 + c + 2 * last, 1)]


def _unfold_widths(start_bits: int, r: int) -> list[tuple[int, int]]:
    """Layers reading the folded block start off the top of ``P``: ``P, V`` + digit units."""
    return [(2 + 2 * (2**r - 1), -(-start_bits // r))] if start_bits else []


def _stage2_widths(m: int, rho: int, r: int) -> list[tuple[int, int]]:
    """Stage-2 layer widths: per slot ``i < m - 1`` one layer of ``P, V``, a comparison pair
    and ``2 (2**r - 1)`` digit units, then ``rho / r - 1`` layers without the comparison;
    then the counter's two bits, one per layer (``P, V`` + 2, then ``P, V``, the high bit
    + 2), the last comparison (``S`` + 2) and the parity (4)."""
    d = 2 * (2**r - 1)
    out: list[tuple[int, int]] = []
    for _ in range(m - 1):
        out += [(4 + d, 1), (2 + d, rho // r - 1)]
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
    (:func:`_plan_params` of the layer widths the construction builds). The slot count
    ``ceil(sqrt(K / rho_bound)) - 1`` of the bound in the module docstring is always tried.
    Only layouts whose every hidden layer has at most ``cap`` units are considered (``cap =
    6``: ``r = 1``, at most 2 steps per direct-mode or folded stage-1 layer, 1 unfolded).
    """
    B = len(th)
    best: dict[str, Any] = {}
    for q in _DIRECT_Q:
        if not _fits(_direct_widths(B, q), cap):
            continue
        p, depth = _plan_params(_direct_widths(B, q))
        if not best or (p, depth) < (best["params"], best["depth"]):
            best = {"mode": "direct", "params": p, "depth": depth, "q": q, "m": B, "J": 1,
                    "rho": 0, "r": 0}
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
                s2, _ = _chain_params(_stage2_widths(m, rho, r), 1)
                if s2 >= best["params"]:
                    continue
                # every stage-1 step costs >= 20 params (q = 1: 5 x 6 per layer, q >= 2 more)
                part = _partition(th, m, rho, max_blocks=(best["params"] - s2) // 20 + 2)
                if part is None:
                    continue
                J = len(part[0])
                s2w = _stage2_widths(m, rho, r)
                for fold in (False, True):
                    # folded: the coarse start rides on top of P and is read off after stage 1
                    sb = max(part[0]).bit_length() if fold else 0
                    for q in _STAGE1_Q:
                        if not _fits(_stage1_widths(J, q, fold), cap):
                            continue
                        p, depth = _plan_params(_stage1_widths(J, q, fold) + _unfold_widths(sb, r) + s2w)
                        if (p, depth) < (best["params"], best["depth"]):
                            best = {"mode": "blocks", "params": p, "depth": depth, "q": q, "m": m,
                                    "J": J, "rho": rho, "r": r, "start_bits": sb,
                                    "starts": part[0], "counts": part[1]}
    return best


def line_memorizer(
    t: Sequence[int | Fraction],
    signs: Sequence[int],
    *,
    rng: np.random.Generator,
    bits_per_layer: int | None = None,
    max_width: int = 6,
) -> tuple[list[AffineLayer], dict[str, Any]]:
    """Exact layers of a width-<= ``max_width`` network with one scalar input ``t`` and one output ``F``
    such that ``sign F(t_i) = signs[i]`` (in fact ``F(t_i) = signs[i]`` exactly).

    Parameters
    ----------
    t : sequence of int or Fraction (floats are read exactly), length N
        Values with different signs must differ; equal values with equal signs may repeat.
    signs : sequence of -1/+1, length N
    rng : numpy Generator
        Accepted for a stable interface; the 1-D construction itself is deterministic
        (every choice is an optimum of the depth formula), so it draws nothing.
    bits_per_layer : 1 or 2
        Packed bits read per stage-2 layer (``r`` in the module docstring).
    max_width : 6 (default), 8 or 12
        Largest hidden layer the planner may use (``bits_per_layer=2`` needs 12).

    Returns
    -------
    (layers, diagnostics)
        ``layers[0]`` acts on ``t`` directly and is affine in it (one output unit
        ``s(D t - D t_min)``, ``D`` the common denominator of the ``t``), so a caller may
        compose its own affine map into it with :func:`~memnets._blocks.compose_affine`
        (M2 composes the projection, M3 the cell code). ReLU between consecutive layers;
        the last layer is the output. Width ``<= 11``, depth and params ``O(sqrt(K rho))``.
        ``diagnostics``: ``runs`` (K), ``boundaries`` (B), ``mode`` ("blocks", "direct" or
        "constant"), ``blocks`` (J), ``boundaries_per_block`` (slots m), ``rho`` (bits per
        stored boundary: offset bits in block mode, threshold bits in direct mode),
        ``packed_bits``, ``scale_log2`` (s), ``gap`` (smallest opposite-label gap, in units
        of ``t``), ``depth``, ``stage1_layers``, ``stage2_layers``, ``width``; see the
        module docstring for the formulas.

    >>> layers, d = line_memorizer([0, 3, 1, 7, 8], [1, -1, 1, 1, -1], rng=np.random.default_rng(0))
    >>> ReLUNetwork(layers).forward_exact([[0.0], [3.0], [1.0], [7.0], [8.0]]).tolist()
    [1, -1, 1, 1, -1]
    >>> d["runs"], d["gap"]
    (4, Fraction(1, 1))
    """
    vals = list(t)
    sg = list(signs)
    if len(vals) != len(sg):
        raise InputError(f"line_memorizer: {len(vals)} values but {len(sg)} signs")
    if not vals:
        raise InputError("line_memorizer: no values")
    for i, s in enumerate(sg):
        if s not in (-1, 1):
            raise InputError(f"line_memorizer: signs[{i}] is {s!r}, expected -1 or +1")
    if bits_per_layer not in (None, 1, 2):
        raise OptionError(f"bits_per_layer must be None, 1 or 2, got {bits_per_layer!r}")
    if max_width not in (6, 8, 12):
        raise OptionError(f"max_width must be 6, 8 or 12, got {max_width!r}")
    if bits_per_layer == 2 and max_width < 10:
        raise OptionError(
            f"bits_per_layer=2 reads 3 digit pairs per layer (width 10); it needs max_width=12, got {max_width}"
        )
    r = None if bits_per_layer is None else int(bits_per_layer)
    if all(isinstance(v, int | np.integer) for v in vals):
        D = 1
        z = [int(v) for v in vals]
    else:
        fr = [Fraction(v) for v in vals]
        D = math.lcm(*(f.denominator for f in fr))
        z = [int(f * D) for f in fr]
    try:
        runs = label_runs(z, [int(s) for s in sg])
    except ProjectionCollision as exc:
        raise InputError(
            f"line_memorizer: t[{exc.i}] == t[{exc.j}] but their signs differ"
        ) from exc
    K = runs.n_runs
    l1 = runs.labels[0]
    diag: dict[str, Any] = {"runs": K, "boundaries": K - 1, "denominator": D, "bits_per_layer": r}
    if K == 1:
        b1 = LayerBuilder(1)
        b1.output([Lin(const=l1)])
        diag.update(mode="constant", blocks=1, boundaries_per_block=0, rho=0, packed_bits=0,
                    gap=None, scale_log2=0, depth=1, stage1_layers=0, stage2_layers=0)
        return b1.layers, diag
    gamma, _ = runs.min_gap()
    z0, zmax = runs.first[0], runs.last[-1]
    s0 = 2 - gamma.bit_length()  # smallest s with gamma * 2**s >= 2
    th = _thresholds(runs.last, runs.first, z0, s0 - 1)
    s = s0 - 1
    if th is None:
        s = s0
        th = _thresholds(runs.last, runs.first, z0, s0)
    if th is None:  # pragma: no cover - gamma * 2**s0 >= 2 always leaves room
        raise ConstructionError("line_memorizer: no integer thresholds (internal error)")
    h = -s  # >= 0: fine units (integers Tf = z - z0) are 2**h coarse units
    if h < 0:  # pragma: no cover - integer z with gap >= 1 always gives s <= 0
        raise ConstructionError("line_memorizer: positive scale (internal error)")
    t_max = (zmax - z0) >> h  # floor of the largest coarse T
    plan = _plan(th, (1, 2) if r is None else (r,), (t_max + 2).bit_length(), max_width)
    b = LayerBuilder(1)
    (tin,) = b.inputs()
    (Tf,) = b.relu([tin * D - z0])  # Tf = D t - z0 = z - z0 >= 0, an integer on the data
    if plan["mode"] == "direct":
        S = _direct(b, Tf, [v << h for v in th], plan["q"])
        st1, unf, st2 = 0, 0, len(b.layers) - 1
    else:
        m, rho = plan["m"], plan["rho"]
        packed = _pack(th, plan["starts"], plan["counts"], m, rho)
        sb = plan["start_bits"]
        if sb:  # the coarse start S_j on top of the register (module docstring, step 4)
            R = m * rho + _ACC_BITS
            packed = [(S << R) + p for S, p in zip(plan["starts"], packed, strict=True)]
        P, Vf = _stage1(b, Tf, [v << h for v in plan["starts"]], packed, plan["q"], fold=bool(sb))
        st1 = len(b.layers) - 1
        if sb:
            P, Vf = _unfold(b, P, Vf, R, sb, plan["r"], h)
        unf = len(b.layers) - 1 - st1
        S = _stage2(b, P, Vf, m, rho, plan["r"], h)
        st2 = len(b.layers) - 1 - st1 - unf
    b.output([(1 - 2 * S) * l1])
    width = max(layer.out_features for layer in b.layers[:-1])
    if width > max_width:  # pragma: no cover - guaranteed by the layouts above
        raise ConstructionError(f"line_memorizer: width {width} > {max_width} (internal error)")
    blocks = plan["mode"] == "blocks"
    per_layer = [layer.num_params() for layer in b.layers]
    diag.update(
        mode=plan["mode"],
        blocks=plan["J"],
        boundaries_per_block=plan["m"],
        rho=(t_max + 2).bit_length(),
        offset_bits=plan["rho"] if blocks else 0,
        bits_per_layer=plan["r"] if blocks else r,
        steps_per_layer=plan["q"],
        start_bits=plan.get("start_bits", 0),
        packed_bits=plan["m"] * plan["rho"] + _ACC_BITS if blocks else 0,
        gap=Fraction(gamma, D),
        scale_log2=s,
        threshold_bits=(t_max + 2).bit_length(),
        fine_bits=(zmax - z0).bit_length(),
        depth=len(b.layers),
        planned_depth=plan["depth"],
        planned_params=plan["params"],
        stage1_layers=st1,
        unfold_layers=unf,
        stage2_layers=st2,
        stage_params={
            "first": per_layer[0],
            "stage1": sum(per_layer[1 : 1 + st1]),
            "unfold": sum(per_layer[1 + st1 : 1 + st1 + unf]),
            "stage2": sum(per_layer[1 + st1 + unf : 1 + st1 + unf + st2]),
            "output": per_layer[-1],
        },
        width=width,
    )
    return b.layers, diag


def _pack(th: list[int], starts: list[int], counts: list[int], m: int, rho: int) -> list[int]:
    """The block registers ``P_j`` (coarse offsets; see the module docstring, step 3)."""
    packed = []
    c = 0
    for S, cnt in zip(starts, counts, strict=True):
        # m - cnt leading zeros (they always fire), then the offsets; the counter field starts
        # at 2 F, F correcting for the zeros and the c thresholds below the block
        offs = [0] * (m - cnt) + [th[k] - S for k in range(c, c + cnt)]
        if any(not 0 <= o < 2**rho for o in offs):  # pragma: no cover - by construction
            raise ConstructionError("line_memorizer: offset out of range (internal error)")
        flip = (c + m - cnt) % 2
        reg = sum(o << (_ACC_BITS + rho * (m - 1 - i)) for i, o in enumerate(offs[:-1]))
        packed.append(reg + ((2 * flip) << rho) + offs[-1])
        c += cnt + 1
    return packed


def _ex(v: Fraction) -> int | Fraction:
    return v.numerator if v.denominator == 1 else v


def _direct(b: LayerBuilder, T: Lin, th: list[int], q: int) -> Lin:
    """Every boundary as a step on ``T``, ``q`` per layer: ``S = sum_k (-1)**k [T >= theta_k]``
    (0/1 on data)."""
    S = Lin()
    pending: list[tuple[int, Lin, Lin]] = []
    for g in range(0, len(th), q):
        for k, hi, lo in pending:
            S = S + (hi - lo) * (-1) ** k
        group = list(range(g, min(g + q, len(th))))
        more = group[-1] + 1 < len(th)  # T is carried only while steps remain
        exprs = ([T] if more else []) + [S] + [e for k in group for e in step_preacts(T, th[k])]
        units = b.relu(exprs)
        if more:
            T, units = units[0], units[1:]
        S = units[0]  # a constant (0) in the first layer: no unit
        pending = [(k, units[1 + 2 * j], units[2 + 2 * j]) for j, k in enumerate(group)]
    for k, hi, lo in pending:
        S = S + (hi - lo) * (-1) ** k
    return S


def _stage1(
    b: LayerBuilder, Tf: Lin, starts: list[int], packed: list[int], q: int, *, fold: bool = False
) -> tuple[Lin, Lin]:
    """Select the block of ``Tf`` and load it: expressions for ``P`` and ``Vf = Tf - S_j``
    (``Vf = Tf`` when ``fold``: the start is then inside ``P``, see :func:`_unfold`).

    ``starts`` in fine (integer) units; ``q`` integer steps per layer, so every unit is an
    integer and the register ``P`` is only ever combined with 0/1 differences.
    """
    if fold:
        Tf, (Pacc,) = load_by_steps(b, Tf, starts, [packed], q)
        return Pacc, Tf
    Tf, (Pacc, Sacc) = load_by_steps(b, Tf, starts, [packed, starts], q)
    return Pacc, Tf - Sacc


def _unfold(b: LayerBuilder, P: Lin, V: Lin, R: int, sb: int, r: int, h: int) -> tuple[Lin, Lin]:
    """Read the coarse block start ``S_j`` (``sb`` bits above bit ``R``) off the top of ``P``,
    ``r`` bits per layer, subtracting each digit from the register and ``2**h`` times it from
    ``V`` (fine units): returns the register ``P < 2**R`` and ``Vf = Tf - 2**h S_j >= 0``."""
    for c in range(-(-sb // r)):
        k = R + r * (-(-sb // r)) - r * (c + 1)
        units = b.relu([P, V, *digit_preacts(P, k, r)])
        d = digit_value(units[2:])
        P, V = units[0] - d * (1 << k), units[1] - d * (1 << (k - R + h))
    return P, V


def _stage2(b: LayerBuilder, P: Lin, V: Lin, m: int, rho: int, r: int, h: int) -> Lin:
    """Compare ``V`` with the ``m`` packed slots of ``P``; returns the 0/1 expression of the
    parity of the number of thresholds below the input.

    Register (module docstring, step 3): slots ``0 .. m - 2`` at ``L_i = 2 + rho (m - 1 - i)``,
    the counter ``S`` (2 bits, initially ``2 F``) at ``rho``, the last slot at 0. ``V`` is in
    fine units (``2**h`` per coarse unit). At the start of slot ``i`` the register is
    ``P_i = O_i 2**L + rest`` (``0 <= rest < 2**L``), so on the data (coarse ``V <= O_i - 1``
    or ``V >= O_i``) ``c_i = [V >= O_i] = 1 - [2**h P_i - 2**L V >= 2**(L + h)]``: one
    integer step, in the layer that also reads the slot's top digit; ``(-1)**i c_i 2**rho``
    is added to the counter field (offsets are sorted, so the alternating sum stays in
    {0, 1}) and the slot is removed ``r`` bits per layer. Then two layers read the counter
    one bit each, one compares the last slot (now all of ``P``), and
    ``F xor (S mod 2) = [S >= 1] - [S >= 3]`` is read by one last layer.
    """
    pend: tuple[int, Lin, Lin] | None = None

    def fold(P: Lin, pend: tuple[int, Lin, Lin] | None) -> Lin:
        if pend is None:
            return P
        sign, hi, lo = pend
        return P + (1 - (hi - lo)) * (sign << rho)

    for i in range(m - 1):
        L = _ACC_BITS + rho * (m - 1 - i)
        for c in range(rho // r):
            P = fold(P, pend)
            pend = None
            k = L + rho - r * (c + 1)
            cmp = step_preacts(P * (1 << h) - V * (1 << L), 1 << (L + h)) if c == 0 else []
            units = b.relu([P, V, *cmp, *digit_preacts(P, k, r)])
            if c == 0:
                pend = ((-1) ** i, units[2], units[3])
            P, V = units[0] - digit_value(units[2 + len(cmp) :]) * (1 << k), units[1]
    P = fold(P, pend)
    # the 2-bit counter, one bit per layer (width 4 then 5, so the whole network fits width 6)
    units = b.relu([P, V, *digit_preacts(P, rho + 1)])
    hi = digit_value(units[2:])
    P, V = units[0] - hi * (1 << (rho + 1)), units[1]
    units = b.relu([P, V, hi, *digit_preacts(P, rho)])
    lo = digit_value(units[3:])
    acc = units[2] * 2 + lo
    last = units[0] - lo * (1 << rho)  # the last slot O_{m-1}
    units = b.relu([acc, *step_preacts(last * (1 << h) - units[1], 1 << h)])
    S = units[0] + (1 - (units[1] - units[2])) * (-1) ** (m - 1)
    u = b.relu([S, S - 1, S - 2, S - 3])
    return (u[0] - u[1]) - (u[2] - u[3])


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    direction_bits: int | None = None,
    max_tries: int = 8,
    bits_per_layer: Literal[1, 2] | None = None,
    max_width: Literal[6, 8, 12] = 6,
) -> ConstructionResult:
    """M2 (Theorem 4.1): see the module docstring for the construction and its bounds.

    Binary data only: for more classes use one-vs-rest or ``method="efficient"``.
    Evaluation is exact (``result.engine == "exact"``); ``network.to_torch()`` refuses,
    naming the bits needed.

    Parameters
    ----------
    data : checked binary dataset, ``X`` of shape (N, n) in ``[0,1]^n``
    rng, seed : the random projection direction; the seed is recorded
    direction_bits : size of the projection direction's integer entries. Entries lie in
        ``[-2**b, 2**b]``; default ``2 ceil(log2 N) + 8``.
    max_tries : directions drawn before giving up. The error names the closest
        opposite-label pair.
    bits_per_layer : boundary bits extracted per layer (``r``: 1 or 2). ``None`` (default)
        lets the planner pick the one with fewer parameters; 2 needs ``max_width=12``.
    max_width : the widest hidden layer allowed (6, the paper's Theorem 4.1, default). 8 or
        12 admit wider, shallower layouts.
    """
    started = time.perf_counter()
    signs = data.binary_signs("optimal")
    proj = find_projection(data.X, signs, data.y, rng=rng, bits=direction_bits,
                           max_tries=max_tries, method="optimal")
    t_proj = time.perf_counter()
    layers, diag = line_memorizer(proj.p, signs.tolist(), rng=rng, bits_per_layer=bits_per_layer,
                                  max_width=max_width)
    n = data.n_features
    proj_layer = exact_layer([{j: int(w) << proj.E for j, w in enumerate(proj.w.tolist()) if w}], [0], n)
    layers = [compose_affine(proj_layer, layers[0]), *layers[1:]]
    network = ReLUNetwork(layers)
    t_line = time.perf_counter()
    K, rho = diag["runs"], max(diag["rho"], 1)
    stage = dict(diag.get("stage_params", {}))
    if stage:
        stage["first"] = layers[0].num_params()  # the projection composed in: n -> 1
    extra = {
        "runs": K,
        "rho": diag["rho"],
        "offset_bits": diag.get("offset_bits", 0),
        "blocks": diag["blocks"],
        "boundaries_per_block": diag["boundaries_per_block"],
        "bits_per_layer_used": diag.get("bits_per_layer"),
        "steps_per_layer": diag.get("steps_per_layer"),
        "stage_params": stage,
        "mode": diag["mode"],
        "packed_bits": diag["packed_bits"],
        "projection_tries": proj.tries,
        "direction_bits": proj.bits,
        "input_scale_log2": proj.E,
        "projected_gap": float(proj.gap) * 2.0**-proj.E if proj.E < 1000 else 0.0,
        "params_over_sqrt_K_rho": network.num_params() / math.sqrt(K * rho),
        "nonzero_over_sqrt_K_rho": network.num_params(nonzero=True) / math.sqrt(K * rho),
        "projection_seconds": t_proj - started,
        "line_seconds": t_line - t_proj,
    }
    options = {"direction_bits": direction_bits, "max_tries": max_tries,
               "bits_per_layer": bits_per_layer, "max_width": max_width}
    return finish(
        network, data, method="optimal", options=options, seed=seed, started=started,
        engine="exact", arithmetic="exact",
        info={"direction": proj.w, "input_scale_log2": proj.E, "line": diag},
        extra_stats=extra,
    )
