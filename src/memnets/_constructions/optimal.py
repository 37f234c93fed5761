"""M2: optimal-parameter memorization (the paper's Theorem 4.1, after Vardi, Yehudai & Shamir 2022).

A binary data set of ``N`` samples in ``[0, 1]^n`` is memorized by a ReLU network of width
at most 12 (11 in fact) whose number of parameters is

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
   ``O = theta - S_j`` stay below ``2**rho``, at most ``m`` of them (a gap wider than
   ``2**rho`` simply becomes a block border). Block ``j`` packs its ``cnt_j`` offsets
   after ``m - cnt_j`` zeros and a parity bit ``F_j`` into one integer
   ``P_j = F_j 2**(m rho) + sum_i O_{j,i} 2**(rho (m - 1 - i))``, with
   ``F_j = (c_j + m - cnt_j) mod 2`` (``c_j`` thresholds lie below ``S_j``; every zero slot
   counts as one). ``m`` (slots) and ``rho`` (a multiple of ``r``) minimise the depth.
4. *Stage 1* selects the input's block and loads it with integer steps on ``Tf``:
   ``P = P_0 + sum_j (P_j - P_{j-1}) [Tf >= S_j 2**-s]`` and
   ``Vf = Tf - sum_j (S_j - S_{j-1}) 2**-s [Tf >= S_j 2**-s]``, four steps per layer;
   every unit is an integer, only ``P`` is big.
5. *Stage 2* reads ``F`` (one step), then the slots from the top of ``P``. At the start of
   slot ``i``, ``P_i = O_i 2**L + rest`` (``L = rho (m - 1 - i)``, ``rest < 2**L``), so
   ``[V >= O_i] = 1 - [2**-s P_i - 2**L Vf >= 2**(L - s)]`` is one integer step (exact on
   the data, where the coarse ``V <= O_i - 1`` or ``V >= O_i``; zeros always fire); then the
   slot is removed ``r`` bits per layer by ReLU digit extraction
   (``d = sum_{c < 2**r} [P >= c 2**k]``, :func:`~memnets._blocks.digit_preacts`); the last
   slot never is. A unit ``S = 2 F + sum_i (-1)**i [V >= O_i]`` in {0, 1, 2, 3} (offsets are
   sorted, so the alternating sum is the parity of the slots that fire) gives the parity of
   the number of thresholds below the input, ``F xor (S mod 2) = [S >= 1] - [S >= 3]``, in
   one last layer. Output ``F(x) = l_1 (1 - 2 parity)`` (``l_1`` the label of the first
   run): exactly ``+-1`` on every sample, so the margin is 1.

Bounds (``r = bits_per_layer``, ``G = ceil((J - 1) / 4)``)
-----------------------------------------------------------
- depth ``= G + (m - 1) rho / r + 5`` (block mode) or ``ceil(B / 5) + 2`` (direct mode:
  every boundary a step on ``Tf``, chosen when it is shallower, i.e. for small ``K``).
  With blocks of ``m`` thresholds, ``J ~ B / (m + 1)`` and the balance ``m ~ sqrt(r B /
  (4 rho))`` gives depth ``~ 2 sqrt(B rho / (4 r)) = sqrt(K rho / 2)`` for ``r = 2``.
- width ``<= 11`` (stage 1: ``Tf, P, S`` + 4 step pairs; stage 2: ``P, V, S``
  + ``2 (2**r - 1)`` digit units + 2 comparison units, ``r <= 2``).
- params ``<= 11 * 12 * depth + 2 n`` (dense, the first layer is ``n -> 1``); about 40%
  of them non-zero.
- bits: ``P_j < 2**(m rho + 1)``, so stage-1/2 weights and biases have at most
  ``m rho - s + 2`` bits; ``rho <= bitlen(2 (t_max - t_min) / gamma) + 1 = O(log(N n / c))``
  for a random direction (projected gap ``gamma ~ c / N**2`` relative to the spread); the
  first layer has ``b + E`` bits (direction bits ``b``, input scale ``2**E``).

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
>>> res.verified, res.min_margin == 1, res.network.width <= 12
(True, True, True)
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .._blocks import (
    LayerBuilder,
    Lin,
    compose_affine,
    digit_preacts,
    digit_value,
    exact_layer,
    step_preacts,
)
from .._checks import Dataset
from .._errors import ConstructionError, InputError
from .._network import AffineLayer, ReLUNetwork
from .._result import ConstructionResult, finish
from ._projection import ProjectionCollision, find_projection, label_runs

__all__ = ["build", "line_memorizer"]

MAX_WIDTH = 12
_STAGE1_STEPS = 4  # steps per stage-1 layer: 3 carried (T, P, S) + 4 * 2 step units = 11
_DIRECT_STEPS = 5  # steps per direct-mode layer: T, S + 5 * 2 = 12


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


def _plan(th: list[int], r: int) -> dict[str, Any]:
    """Choose slots per block ``m`` (odd) and ``rho`` minimising depth; or the direct mode.

    For each ``rho`` (multiple of ``r``) up to the bits of the whole range, ``m`` runs over odd values around the balance point
    ``sqrt(r B / (4 rho))``; blocks come from :func:`_partition`.
    """
    B = len(th)
    best: dict[str, Any] = {"mode": "direct", "depth": math.ceil(B / _DIRECT_STEPS) + 2, "m": B, "J": 1, "rho": 0}
    if B < 2:
        return best
    hi = r * math.ceil(max(th).bit_length() / r)
    for rho in range(hi, 0, -r):  # wide registers first: their depth prunes the narrow ones
        centre = math.sqrt(r * B / (4 * rho))
        ms = sorted({2 * int(centre * f / 2) + 1 for f in (0.25, 0.35, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
                                                          1.1, 1.25, 1.4, 1.6, 2.0, 2.8, 4.0)} | {1})
        for m in ms:
            if m >= B:
                continue
            budget = best["depth"] - (m - 1) * rho // r - 5  # stage-1 layers still affordable
            if budget < 1:
                continue
            part = _partition(th, m, rho, max_blocks=_STAGE1_STEPS * budget + 1)
            if part is None:
                continue
            J = len(part[0])
            depth = math.ceil((J - 1) / _STAGE1_STEPS) + (m - 1) * rho // r + 5
            if depth < best["depth"]:
                best = {"mode": "blocks", "depth": depth, "m": m, "J": J, "rho": rho,
                        "starts": part[0], "counts": part[1]}
    return best


def line_memorizer(
    t: Sequence[int | Fraction],
    signs: Sequence[int],
    *,
    rng: np.random.Generator,
    bits_per_layer: int = 2,
) -> tuple[list[AffineLayer], dict[str, Any]]:
    """Exact layers of a width-<=12 network with one scalar input ``t`` and one output ``F``
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
    if bits_per_layer not in (1, 2):
        raise InputError(f"bits_per_layer must be 1 or 2, got {bits_per_layer!r}")
    r = int(bits_per_layer)
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
    plan = _plan(th, r)
    b = LayerBuilder(1)
    (tin,) = b.inputs()
    (Tf,) = b.relu([tin * D - z0])  # Tf = D t - z0 = z - z0 >= 0, an integer on the data
    if plan["mode"] == "direct":
        S = _direct(b, Tf, [v << h for v in th])
        st1, st2 = 0, len(b.layers) - 1
    else:
        m, rho = plan["m"], plan["rho"]
        starts, counts = plan["starts"], plan["counts"]
        packed = []
        c = 0
        for S, cnt in zip(starts, counts, strict=True):
            # m - cnt leading zeros (they always fire), then the offsets; the parity bit F
            # corrects for the zeros and the c thresholds below the block (see _stage2)
            offs = [0] * (m - cnt) + [th[k] - S for k in range(c, c + cnt)]
            flip = (c + m - cnt) % 2
            if any(not 0 <= o < 2**rho for o in offs):  # pragma: no cover - by construction
                raise ConstructionError("line_memorizer: offset out of range (internal error)")
            packed.append((flip << (rho * m)) + sum(o << (rho * (m - 1 - i)) for i, o in enumerate(offs)))
            c += cnt + 1
        P, Vf = _stage1(b, Tf, [v << h for v in starts], packed)
        st1 = len(b.layers) - 1
        S = _stage2(b, P, Vf, m, rho, r, h)
        st2 = len(b.layers) - 1 - st1
    b.output([(1 - 2 * S) * l1])
    width = max(layer.out_features for layer in b.layers[:-1])
    if width > MAX_WIDTH:  # pragma: no cover - guaranteed by the layouts above
        raise ConstructionError(f"line_memorizer: width {width} > {MAX_WIDTH} (internal error)")
    diag.update(
        mode=plan["mode"],
        blocks=plan["J"],
        boundaries_per_block=plan["m"],
        rho=plan["rho"] if plan["mode"] == "blocks" else (t_max + 2).bit_length(),
        packed_bits=plan["m"] * plan["rho"] + 1 if plan["mode"] == "blocks" else 0,
        gap=Fraction(gamma, D),
        scale_log2=s,
        threshold_bits=(t_max + 2).bit_length(),
        fine_bits=(zmax - z0).bit_length(),
        depth=len(b.layers),
        planned_depth=plan["depth"],
        stage1_layers=st1,
        stage2_layers=st2,
        width=width,
    )
    return b.layers, diag


def _ex(v: Fraction) -> int | Fraction:
    return v.numerator if v.denominator == 1 else v


def _direct(b: LayerBuilder, T: Lin, th: list[int]) -> Lin:
    """Every boundary as a step on ``T``: ``S = sum_k (-1)**k [T >= theta_k]`` (0/1 on data)."""
    S = Lin()
    pending: list[tuple[int, Lin, Lin]] = []
    for g in range(0, len(th), _DIRECT_STEPS):
        for k, hi, lo in pending:
            S = S + (hi - lo) * (-1) ** k
        group = list(range(g, min(g + _DIRECT_STEPS, len(th))))
        more = group[-1] + 1 < len(th)  # T is carried only while steps remain
        exprs = ([T] if more else []) + [S] + [e for k in group for e in step_preacts(T, th[k])]
        units = b.relu(exprs)
        if more:
            T, units = units[0], units[1:]
        S = units[0]
        pending = [(k, units[1 + 2 * q], units[2 + 2 * q]) for q, k in enumerate(group)]
    for k, hi, lo in pending:
        S = S + (hi - lo) * (-1) ** k
    return S


def _stage1(b: LayerBuilder, Tf: Lin, starts: list[int], packed: list[int]) -> tuple[Lin, Lin]:
    """Select the block of ``Tf`` and load it: expressions for ``P`` and ``Vf = Tf - S_j``.

    ``starts`` in fine (integer) units; four integer steps per layer, so every unit is an
    integer and the register ``P`` is only ever combined with 0/1 differences.
    """
    Pacc, Sacc = Lin(const=packed[0]), Lin(const=starts[0])
    todo = list(range(1, len(starts)))
    for g in range(0, len(todo), _STAGE1_STEPS):
        group = todo[g : g + _STAGE1_STEPS]
        units = b.relu([Tf, Pacc, Sacc] + [e for j in group for e in step_preacts(Tf, starts[j])])
        Tf, Pacc, Sacc = units[:3]
        for q, j in enumerate(group):
            ind = units[3 + 2 * q] - units[4 + 2 * q]
            Pacc = Pacc + ind * (packed[j] - packed[j - 1])
            Sacc = Sacc + ind * (starts[j] - starts[j - 1])
    return Pacc, Tf - Sacc


def _stage2(b: LayerBuilder, P: Lin, V: Lin, m: int, rho: int, r: int, h: int) -> Lin:
    """Compare ``V`` with the ``m`` packed slots of ``P``; returns the 0/1 expression of the
    parity of the number of thresholds below the input.

    ``P = F 2**(m rho) + sum_i O_i 2**(rho (m - 1 - i))``: the parity bit ``F`` is read first
    (one step) and kept as ``2 F`` inside the counter ``S``. ``V`` is in fine units
    (``2**h`` per coarse unit). At the start of slot ``i`` the remaining register is
    ``P_i = O_i 2**L + rest`` (``L = rho (m - 1 - i)``, ``0 <= rest < 2**L``), so on the data
    (coarse ``V <= O_i - 1`` or ``V >= O_i``) ``[V >= O_i] = 1 - [2**h P_i - 2**L V >= 2**(L + h)]``:
    one integer step. The slot is then removed ``r`` bits per layer (the last never is).
    ``S = 2 F + sum_i (-1)**i [V >= O_i]`` is in {0, 1, 2, 3}; the result is
    ``F xor (S mod 2) = [S >= 1] - [S >= 3]``, read by one last layer.
    """
    top = rho * m
    units = b.relu([P, V, *step_preacts(P, 1 << top)])
    P, V = units[0], units[1]
    flip = units[2] - units[3]
    P = P - flip * (1 << top)
    S = flip * 2
    pend: tuple[int, Lin, Lin] | None = None

    def fold(S: Lin, pend: tuple[int, Lin, Lin] | None) -> Lin:
        if pend is None:
            return S
        i, hi, lo = pend
        return S + (1 - (hi - lo)) * (-1) ** i

    for i in range(m):
        L = rho * (m - 1 - i)
        cmp = step_preacts(P * (1 << h) - V * (1 << L), 1 << (L + h))  # = [V < O_i]
        if i == m - 1:
            units = b.relu([fold(S, pend), *cmp])
            S = units[0] + (1 - (units[1] - units[2])) * (-1) ** i
            break
        for c in range(rho // r):
            S = fold(S, pend)
            pend = None
            k = L + rho - r * (c + 1)
            exprs = [P, V, S, *digit_preacts(P, k, r)]
            units = b.relu(exprs + (cmp if c == 0 else []))
            P, V, S = units[:3]
            P = P - digit_value(units[3 : 3 + 2 * (2**r - 1)]) * (1 << k)
            if c == 0:
                pend = (i, units[-2], units[-1])
    u = b.relu([S, S - 1, S - 2, S - 3])
    return (u[0] - u[1]) - (u[2] - u[3])


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    direction_bits: int | None = None,
    max_tries: int = 8,
    bits_per_layer: int = 2,
) -> ConstructionResult:
    """M2 (Theorem 4.1): see the module docstring for the construction and its bounds.

    Options: ``direction_bits`` (``b``: direction entries in ``[-2**b, 2**b]``; default
    ``2 ceil(log2 N) + 8``), ``max_tries`` (directions drawn before giving up with an error
    naming the closest opposite-label pair), ``bits_per_layer`` (1 or 2). Binary data only:
    for more classes use one-vs-rest or ``method="efficient"``. Evaluation is exact
    (``result.engine == "exact"``); ``network.to_torch()`` refuses, naming the bits needed.
    """
    started = time.perf_counter()
    signs = data.binary_signs("optimal")
    proj = find_projection(data.X, signs, data.y, rng=rng, bits=direction_bits,
                           max_tries=max_tries, method="optimal")
    t_proj = time.perf_counter()
    layers, diag = line_memorizer(proj.p, signs.tolist(), rng=rng, bits_per_layer=bits_per_layer)
    n = data.n_features
    proj_layer = exact_layer([{j: int(w) << proj.E for j, w in enumerate(proj.w.tolist()) if w}], [0], n)
    layers = [compose_affine(proj_layer, layers[0]), *layers[1:]]
    network = ReLUNetwork(layers)
    t_line = time.perf_counter()
    K, rho = diag["runs"], max(diag["rho"], 1)
    extra = {
        "runs": K,
        "rho": diag["rho"],
        "blocks": diag["blocks"],
        "boundaries_per_block": diag["boundaries_per_block"],
        "mode": diag["mode"],
        "packed_bits": diag["packed_bits"],
        "projection_tries": proj.tries,
        "direction_bits": proj.bits,
        "input_scale_log2": proj.E,
        "projected_gap": float(proj.gap) * 2.0**-proj.E if proj.E < 1000 else 0.0,
        "params_over_sqrt_K_rho": network.num_params() / math.sqrt(K * rho),
        "projection_seconds": t_proj - started,
        "line_seconds": t_line - t_proj,
    }
    options = {"direction_bits": direction_bits, "max_tries": max_tries, "bits_per_layer": bits_per_layer}
    return finish(
        network, data, method="optimal", options=options, seed=seed, started=started,
        engine="exact", verification="exact",
        info={"direction": proj.w, "input_scale_log2": proj.E, "line": diag},
        extra_stats=extra,
    )
