"""Exact 1-D memorizer: a narrow ReLU network with one scalar input ``t`` and output
``F(t_i) = signs[i]`` exactly, with ``O(sqrt(K rho))`` parameters for ``K`` runs of
``rho``-bit boundaries (the core of the paper's Theorem 4.1 after Vardi, Yehudai & Shamir
2022).

Used by ``"optimal"`` (on an exact integer projection of the samples), by ``"constant"``
(on the cell codes) and by ``"thm53"``; each composes its own affine map into the first
layer with :func:`~memnets._blocks.compose_affine`.

Construction
------------
1. *Runs and thresholds*: on values ``t_i``, sorted values merge into ``K`` runs of equal
   label, separated by ``B = K - 1`` boundaries (``a_k``/``b_k`` the values on either
   side). Fine units ``Tf = D (t - t_min)`` are integers (``D`` the common denominator);
   coarse units ``T = 2**s Tf`` use the smallest power ``2**s <= 1`` for which every boundary
   has an integer threshold ``theta_k = ceil(T(a_k)) + 1`` with ``T(a_k) <= theta_k - 1`` and
   ``T(b_k) >= theta_k`` (``2**s gamma >= 2`` suffices, ``gamma`` the smallest projected
   gap). In fine units the thresholds are ``theta_k 2**-s`` and the two-unit integer step
   ``[Tf >= theta] = s(Tf - theta + 1) - s(Tf - theta)`` is exact on every sample.
2. *Blocks*: thresholds are cut greedily (:func:`~memnets._blocks.line_plan._partition`) into ``J`` blocks: block 0
   starts at ``S_0 = 0``, block ``j >= 1`` at the first threshold ``S_j`` not taken by
   block ``j - 1``, and a block takes the following thresholds while their offsets
   ``O = theta - S_j`` stay below ``2**rho_o``, at most ``m`` of them (a gap wider than
   ``2**rho_o`` simply becomes a block border). Block ``j`` packs its ``cnt_j`` offsets
   after ``m - cnt_j`` zeros (zeros always fire) into one integer register

   ``P_j = sum_{i < m-1} O_{j,i} 2**(2 + rho_o (m - 1 - i)) + 2 F_j 2**rho_o + O_{j,m-1}``

   (slots ``0 .. m - 2`` on top, a 2-bit counter field holding ``2 F_j``, the last slot at
   the bottom), ``F_j = (c_j + m - cnt_j) mod 2`` (``c_j`` thresholds lie below ``S_j``).
   *Folded* layout: ``S_j 2**(m rho_o + 2) + P_j`` (the start rides on top).
3. *Stage 1* selects the input's block and loads it with ``q`` integer steps per layer on
   ``Tf``: ``P = P_0 + sum_j (P_j - P_{j-1}) [Tf >= S_j 2**-s]`` and
   ``Vf = Tf - sum_j (S_j - S_{j-1}) 2**-s [Tf >= S_j 2**-s]`` (units ``Tf, P, S`` + ``2 q``;
   ``P`` is a constant, not a unit, up to the layer of the first step with ``P_j != P_{j-1}``:
   neighbouring blocks with equal offsets and flip, as on evenly spaced data, add nothing);
   folded, ``S`` is not carried (units ``Tf, P`` + ``2 q``) and ``sb = bitlen(S_{J-1})``
   *unfold* layers read ``S_j`` off the top of ``P`` ``r`` bits at a time, subtracting each
   digit from ``P`` and ``2**-s`` times it from ``Vf = Tf`` (units ``P, V`` + digits).
4. *Stage 2* reads the slots from the top of ``P``. At the start of slot ``i < m - 1``,
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
   every sample, so the margin is 1. When every block holds the same register, ``P`` enters
   stage 2 as a constant: its digits are constants too, so the first slot layer has ``V`` and
   the comparison pair only, and with ``m = 1`` the counter layers carry ``V`` alone.

The planner (:func:`~memnets._blocks.line_plan._plan`) picks the layout with the **fewest dense parameters** (then the
smallest depth) among those whose hidden layers have at most ``max_width`` units: direct
mode (every boundary a step on ``Tf``, ``q`` per layer) or block mode over ``m``, ``rho_o``,
``r`` in {1, 2} (``bits_per_layer``), ``q`` and folding; the params and depth it minimises
are the exact counts of the network it then builds. Width 6 admits ``r = 1``, ``q <= 2``
(direct and folded stage 1) and ``q = 1`` (unfolded stage 1).

References
----------
1. Yu, Gao, Zhang, Miao. Generalizability of Memorization Neural Networks. NeurIPS 2024, Thm 4.1.
2. Vardi, Yehudai, Shamir. On the Optimal Memorization Power of ReLU Neural Networks. ICLR 2022.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._blocks.builder import (
    LayerBuilder,
    Lin,
    digit_preacts,
    digit_value,
    load_by_steps,
    step_preacts,
)
from memnets._blocks.line_plan import _ACC_BITS, _block_slots, _plan, _thresholds
from memnets._core.errors import ConstructionError, InputError, OptionError
from memnets._core.network import AffineLayer
from memnets._core.runs import ProjectionCollision, label_runs

__all__ = ["line_memorizer"]


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
    t
        sequence of int or Fraction (floats are read exactly), length N
        Values with different signs must differ; equal values with equal signs may repeat.
    signs
        sequence of -1/+1, length N
    rng
        numpy Generator
        Accepted for a stable interface; the 1-D construction itself is deterministic
        (every choice is an optimum of the depth formula), so it draws nothing.
    bits_per_layer
        1 or 2
        Packed bits read per stage-2 layer (``r`` in the module docstring).
    max_width
        6 (default), 8 or 12
        Largest hidden layer the planner may use (``bits_per_layer=2`` needs 12).

    Returns
    -------
    (layers, diagnostics)
        ``layers[0]`` acts on ``t`` directly and is affine in it (one output unit
        ``s(D t - D t_min)``, ``D`` the common denominator of the ``t``), so a caller may
        compose its own affine map into it with :func:`~memnets._blocks.compose_affine`
        (``optimal`` composes the projection, ``constant`` the cell code). ReLU between consecutive layers;
        the last layer is the output. Width ``<= 11``, depth and params ``O(sqrt(K rho))``.
        ``diagnostics``: ``runs`` (K), ``boundaries`` (B), ``mode`` ("blocks", "direct" or
        "constant"), ``blocks`` (J), ``boundaries_per_block`` (slots m), ``rho`` (bits per
        stored boundary: offset bits in block mode, threshold bits in direct mode),
        ``packed_bits``, ``scale_log2`` (s), ``gap`` (smallest opposite-label gap, in units
        of ``t``), ``depth``, ``stage1_layers``, ``stage2_layers``, ``width``, the plan's
        ``planned_params``, ``planned_depth`` and ``planned_sizes`` (the layer sizes it
        scored, equal to the built network's) and ``register_step`` (the first stage-1 step
        that changes ``P``; ``blocks`` if none, 0 in direct mode); see the module docstring
        for the formulas.

    >>> from memnets import ReLUNetwork
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
        if sb:  # the coarse start S_j on top of the register (module docstring, step 3)
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
    width = max(layer.n_outputs for layer in b.layers[:-1])
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
        planned_sizes=(1, 1, *(w for w, c in plan["widths"] for _ in range(c)), 1),
        register_step=plan.get("change", 0),
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
    """The block registers ``P_j`` (coarse offsets; see the module docstring, step 2)."""
    packed = []
    # m - cnt leading zeros (they always fire), then the offsets; the counter field starts at
    # 2 F, F correcting for the zeros and the thresholds below the block
    for flip, offs in _block_slots(th, starts, counts, m):
        if any(not 0 <= o < 2**rho for o in offs):  # pragma: no cover - by construction
            raise ConstructionError("line_memorizer: offset out of range (internal error)")
        reg = sum(o << (_ACC_BITS + rho * (m - 1 - i)) for i, o in enumerate(offs[:-1]))
        packed.append(reg + ((2 * flip) << rho) + offs[-1])
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

    Register (module docstring, step 2): slots ``0 .. m - 2`` at ``L_i = 2 + rho (m - 1 - i)``,
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

