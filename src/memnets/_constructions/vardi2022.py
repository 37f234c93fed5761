"""Vardi, Yehudai & Shamir (ICLR 2022): ``O~(sqrt N)`` parameters at width 12 (Table 4's M3).

Their Theorem 3.1, as stated (read in the restatement "Theorem B.4 (Classical Memorization,
Theorem 3.1 from Vardi et al.)" of a later robust-memorization paper; the original text was not
readable here, see *Sources* below):

    Let ``N, d, C`` be integers, ``r, eps > 0`` and ``(x_1, y_1), ..., (x_N, y_N)`` in
    ``R^d x [C]`` with ``||x_i|| <= r`` and ``||x_i - x_j|| >= 2 eps`` for ``i != j``. Let
    ``R := 5 r N**2 eps**-1 sqrt(pi d)``. Then there is a ReLU network ``F: R^d -> R`` of
    **width 12**, depth

    .. math::  O\\big(\\sqrt{N \\log N} + \\sqrt{N / \\log N}\\,\\max\\{\\log R, \\log C\\}\\big)

    and bit complexity ``O(log d + sqrt(N / log N) max{log R, log C})`` with ``F(x_i) = y_i``.

(The depth formula was not decoded in the restatement we could read; the one above is the one
their abstract's ``O~(sqrt N)`` and the bit bound imply and the one we remember from the paper.)

Construction (their three stages; what is *as stated* and what is *ours* is marked)
----------------------------------------------------------------------------------
1. *Projection* (as stated, with the integer direction of :mod:`memnets._geometry.projection`
   in place of a uniform unit vector): a random direction keeps the points apart on the line;
   scaled and shifted, opposite-label points are ``>= 2`` apart and every value lies in
   ``[0, R]``. Here: exact integer projections ``p_i = 2**E <w, x_i>``, the *coarse* value
   ``T = 2**s (p - p_min)`` with the smallest ``s`` such that ``2**s gamma >= 2`` (``gamma`` the
   smallest projected gap between different labels), and the stored value of a point is
   ``v_i = floor(T_i)``: different labels get different ``v`` (``T`` differs by ``>= 2``).
   Their stage needs ``max v <= R``; the direction is redrawn (seeded, within ``max_tries``)
   until it holds, and ``stats['within_R']`` records whether it did (it holds with
   probability ``> 1/2`` per draw by the projection lemma; ``c`` the opposite-label
   separation stands for ``2 eps``, so same-label points may share a value and are stored
   once: *ours*, a relaxation their proof allows since only differently labelled points must
   be told apart).
2. *Group lookup* (as stated): the ``M`` distinct values, sorted, are cut into ``A = ceil(M /
   B)`` groups of ``B = ceil(sqrt(M / log2 M))`` consecutive values (``M <= N``); group ``j``
   packs its values into one integer ``w_j`` (``rho = bitlen(max v)`` bits each, top first)
   and its labels ``1 .. C`` into ``u_j`` (``kappa = bitlen(C)`` bits each); a width-5 chain
   of exact unit steps on the input (:func:`~memnets._blocks.load_by_steps`, one step per
   layer at the first value of each group) loads ``(w_j, u_j)`` of the input's group.
3. *Decoding* (as stated in structure: bit extraction of value and label in parallel, one bit
   per layer, then compare and output the label): for each of the ``B`` slots the top
   ``rho`` bits of ``w`` and the top ``kappa`` bits of ``u`` are read off one per layer
   (:func:`~memnets._blocks.digit_preacts`, ``max(rho, kappa)`` layers, the two in
   parallel); one layer tests ``floor(T) == v`` with two integer steps on the fine integer
   ``U = 2**h T`` (``[0 <= U - 2**h v < 2**h]``: ours, their comparison is with the real
   value and a gap, ours stays exact because ``U`` is an integer), and the next layer adds
   ``label * match`` (one unit, :func:`~memnets._blocks.gate_preact`) to the output.
   The gadgets are ours (memnets' shared blocks), the layout and counts are theirs.

Output: ``F(x_i) = y_i`` in ``1 .. C`` exactly (their theorem). memnets reads it as class
scores: binary ``2F - 3`` (``-1``/``+1``), ``C > 2`` classes ``score_c = 2cF - c**2`` (argmax
= nearest label; the gap is ``(F - c)**2 >= 1`` on the data) — affine in ``F``, so no extra
layer. Natively multi-class (no one-vs-rest).

Sizes of the built network (checked in the tests)
--------------------------------------------------
- width ``<= 10`` (stage 2: ``5``; decoding: ``U, w, u``, output, two accumulators and two
  bit pairs), within their 12;
- depth ``= 1 + (A - 1) + B (max(rho, kappa) + 1) + 2`` (the ``U`` layer, the lookup, the
  slots, the last gate and the score layer), i.e.
  ``O(sqrt(M log M) + sqrt(M / log M) max(rho, kappa))`` with ``rho <= log2 R + 1`` when
  ``within_R``: their depth bound with explicit constants;
- bits: ``w_j`` and ``u_j`` have ``B rho`` and ``B kappa`` bits (their
  ``sqrt(N / log N) max(log R, log C)``); comparisons carry ``2**h`` (ours: the fine scale
  that keeps float inputs exact) and the first layer ``b + E`` bits (direction, input scale).
- params ``<= 121 depth``: ``O~(sqrt N)``.

Evaluation and verification are exact (weights of hundreds to thousands of bits).

Sources
-------
The theorem statement above: the restatement in the robust-memorization paper found in the
public-code index (its "Theorem B.4", quoting Theorem 3.1 of [1]); the abstract and
"width 12" of [1] from its arXiv/ICLR pages; the stage structure of [1] as followed by the
NeurIPS 2024 paper's Appendix B (projection, a width-4 group lookup of depth ``O(sqrt N)``
(their Lemma B.3), digit extraction, output ``F - 0.05``), read in full. The original proof
text of [1] was not readable here: the packing order, padding, the comparison and the gate
are our reconstruction.

References
----------
1. G. Vardi, G. Yehudai, O. Shamir. On the Optimal Memorization Power of ReLU Neural
   Networks. ICLR 2022 (arXiv 2110.03187), Theorem 3.1.
2. Yu, Gao, Zhang, Miao. Generalizability of Memorization Neural Networks. NeurIPS 2024,
   Table 4 (M3) and Appendix B.

Examples
--------
>>> import numpy as np
>>> import memnets as mn
>>> X = np.random.default_rng(0).random((60, 3)); y = np.arange(60) % 3
>>> res = mn.construct(X, y, method="vardi2022", rng=0)
>>> res.verified, res.network.width <= 12, res.network.n_outputs
(True, True, 3)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from memnets._blocks import (
    LayerBuilder,
    Lin,
    compose_affine,
    digit_preacts,
    digit_value,
    exact_layer,
    gate_preact,
    load_by_steps,
    step_preacts,
)
from memnets._constructions.result import ConstructionResult, finish
from memnets._core.checks import Dataset
from memnets._core.errors import ConstructionError, InputError, OptionError
from memnets._core.network import AffineLayer, ReLUNetwork
from memnets._geometry.projection import (
    Projection,
    ProjectionCollision,
    find_projection,
    label_runs,
)
from memnets._geometry.separation import closest_opposite_pair

__all__ = ["build", "group_lookup_memorizer", "lookup_stats", "projected_memorizer", "theorem_R", "vardi_group_size"]

MAX_WIDTH = 12  # their theorem's width


def vardi_group_size(M: int) -> int:
    """``B = ceil(sqrt(M / log2 M))`` values per group (``A ~ sqrt(M log M)`` groups)."""
    return max(1, math.ceil(math.sqrt(M / math.log2(max(M, 2)))))


def _scores(b: LayerBuilder, F: Lin, n_classes: int) -> None:
    """The output layer: ``2F - 3`` (binary) or ``2cF - c**2`` for ``c = 1 .. C``."""
    if n_classes == 2:
        b.output([F * 2 - 3])
    else:
        b.output([F * (2 * c) - c * c for c in range(1, n_classes + 1)])


def group_lookup_memorizer(
    t: Sequence[int],
    labels: Sequence[int],
    n_classes: int,
    group_size: Callable[[int], int],
) -> tuple[list[AffineLayer], dict[str, Any]]:
    """Stages 2-3 (module docstring) on integer values ``t`` with labels in ``1 .. C``.

    ``layers[0]`` is affine in ``t`` (one unit ``U = s(2**max(s, 0) (t - t_min))``), so a
    caller composes the projection into it; the last layer gives the class scores. Equal
    values must carry equal labels (else :class:`InputError` naming two of them).
    ``group_size(M)`` gives ``B`` for ``M`` distinct stored values.

    >>> layers, d = group_lookup_memorizer([0, 4, 9, 13], [1, 2, 2, 1], 2, lambda M: 2)
    >>> ReLUNetwork(layers).forward_exact([[0.0], [4.0], [9.0], [13.0]]).tolist()
    [-1, 1, 1, -1]
    >>> d["groups"], d["group_size"], d["rho"]
    (2, 2, 3)
    """
    vals = [int(v) for v in t]
    lab = [int(v) for v in labels]
    if len(vals) != len(lab) or not vals:
        raise InputError(f"group_lookup_memorizer: {len(vals)} values but {len(lab)} labels")
    for i, v in enumerate(lab):
        if not 1 <= v <= n_classes:
            raise InputError(f"group_lookup_memorizer: labels[{i}] is {v}, expected 1 .. {n_classes}")
    try:
        runs = label_runs(vals, lab)
    except ProjectionCollision as exc:
        raise InputError(f"group_lookup_memorizer: t[{exc.i}] == t[{exc.j}] but their labels differ") from exc
    C = int(n_classes)
    kappa = C.bit_length()
    z0 = runs.first[0]
    if runs.n_runs == 1:  # one label: a constant network
        b1 = LayerBuilder(1)
        _scores(b1, Lin(const=runs.labels[0]), C)
        return b1.layers, {"mode": "constant", "distinct": 1, "groups": 1, "group_size": 1,
                           "rho": 0, "label_bits": kappa, "scale_log2": 0, "fine_log2": 0,
                           "max_value": 0, "depth": 1, "stage_layers": (0, 0, 0)}
    gamma, _ = runs.min_gap()
    s = 2 - gamma.bit_length()  # smallest s with gamma 2**s >= 2
    up, h = max(s, 0), max(-s, 0)  # U = 2**up (t - t0) is an integer; coarse T = U / 2**h
    floors: dict[int, int] = {}
    for v, y in sorted(zip(vals, lab, strict=True)):
        f = ((v - z0) << up) >> h
        if floors.setdefault(f, y) != y:  # pragma: no cover - the gap >= 2 rules it out
            raise ConstructionError("group_lookup_memorizer: two labels share a value (internal error)")
    fl = sorted(floors)
    M = len(fl)
    B = int(group_size(M))
    if B < 1:
        raise OptionError(f"group size must be >= 1, got {B}")
    A = -(-M // B)
    rho = max(fl[-1].bit_length(), 1)
    W: list[int] = []
    Ureg: list[int] = []
    starts: list[int] = []
    for j in range(A):
        chunk = fl[j * B : (j + 1) * B]
        starts.append(0 if j == 0 else chunk[0] << h)
        pv = chunk + [0] * (B - len(chunk))  # padding (value 0, label 0) never adds to F
        pl = [floors[v] for v in chunk] + [0] * (B - len(chunk))
        W.append(sum(v << (rho * (B - 1 - k)) for k, v in enumerate(pv)))
        Ureg.append(sum(y << (kappa * (B - 1 - k)) for k, y in enumerate(pl)))
    b = LayerBuilder(1)
    (tin,) = b.inputs()
    (U,) = b.relu([tin * (1 << up) - (z0 << up)])
    U, (Wl, Ul) = load_by_steps(b, U, starts, [W, Ureg], 1)
    st2 = len(b.layers) - 1
    L = max(rho, kappa)
    out = Lin()
    gate: Lin | None = None  # the previous slot's label * match, folded into the next layer
    for k in range(B):
        last = k == B - 1
        vacc, lacc = Lin(), Lin()
        for j in range(L):
            if last and j >= rho:  # the last value is read: the registers are spent
                Wl = Lin()
            if last and j >= kappa:
                Ul = Lin()
            carry = [U, Wl, Ul, out] + ([gate] if gate is not None else []) + [vacc, lacc]
            vb = digit_preacts(Wl, rho * (B - 1 - k) + rho - 1 - j) if j < rho else []
            lb = digit_preacts(Ul, kappa * (B - 1 - k) + kappa - 1 - j) if j < kappa else []
            units = b.relu(carry + vb + lb)
            U, Wl, Ul, out = units[:4]
            if gate is not None:
                out = out + units[4]
                gate = None
            vacc, lacc = units[len(carry) - 2], units[len(carry) - 1]
            rest = units[len(carry):]
            if vb:
                bit = digit_value(rest[:2])
                Wl = Wl - bit * (1 << (rho * (B - 1 - k) + rho - 1 - j))
                vacc = vacc + bit * (1 << (rho - 1 - j))
                rest = rest[2:]
            if lb:
                bit = digit_value(rest[:2])
                Ul = Ul - bit * (1 << (kappa * (B - 1 - k) + kappa - 1 - j))
                lacc = lacc + bit * (1 << (kappa - 1 - j))
        diff = U - vacc * (1 << h)  # U - 2**h v: an integer; match iff 0 <= diff < 2**h
        keep = [out, lacc] if last else [U, Wl, Ul, out, lacc]
        units = b.relu([*keep, *step_preacts(diff, 0), *step_preacts(diff, 1 << h)])
        q = len(keep)
        if not last:
            U, Wl, Ul = units[:3]
        out, lacc = units[q - 2], units[q - 1]
        match = (units[q] - units[q + 1]) - (units[q + 2] - units[q + 3])
        gate = gate_preact(lacc, match, C)
    units = b.relu([out, gate if gate is not None else Lin()])
    _scores(b, units[0] + units[1], C)  # F = sum of label * match = the label on the data
    depth = len(b.layers)
    width = max(layer.out_features for layer in b.layers[:-1])
    if width > MAX_WIDTH:  # pragma: no cover - the layout above has width <= 10
        raise ConstructionError(f"group_lookup_memorizer: width {width} > {MAX_WIDTH} (internal error)")
    per_layer = [layer.num_params() for layer in b.layers]
    dec = B * (L + 1)
    diag = {
        "mode": "groups",
        "distinct": M,
        "groups": A,
        "group_size": B,
        "rho": rho,
        "label_bits": kappa,
        "scale_log2": s,
        "fine_log2": h,
        "max_value": fl[-1],
        "gap": gamma,
        "register_bits": B * max(rho, kappa),
        "depth": depth,
        "width": width,
        "stage_layers": (st2, dec, 1),
        "stage_params": {
            "first": per_layer[0],
            "lookup": sum(per_layer[1 : 1 + st2]),
            "decode": sum(per_layer[1 + st2 : 1 + st2 + dec]),
            "output": sum(per_layer[1 + st2 + dec :]),
        },
    }
    return b.layers, diag


def theorem_R(X: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """``(R, r, c)``: their ``R = 5 r N**2 eps**-1 sqrt(pi d)`` with ``2 eps = c`` the
    opposite-label separation and ``r`` the largest norm (float; a bound, not a weight)."""
    N, d = X.shape
    c = closest_opposite_pair(X, y).distance
    r = float(np.sqrt((X * X).sum(axis=1)).max())
    if c <= 0:  # pragma: no cover - check_dataset refuses conflicting duplicates
        raise InputError("the data has two differently labelled samples at distance 0")
    return 5.0 * r * N * N / (c / 2) * math.sqrt(math.pi * d), r, c


def projected_memorizer(
    data: Dataset,
    *,
    rng: np.random.Generator,
    direction_bits: int | None,
    max_tries: int,
    method: str,
    group_size: Callable[[int], int],
) -> tuple[ReLUNetwork, dict[str, Any], Projection, dict[str, Any]]:
    """Stage 1 (a direction with ``max v <= R``, redrawn within ``max_tries``) then
    :func:`group_lookup_memorizer`, the projection composed into its first layer."""
    if not isinstance(max_tries, int | np.integer) or max_tries < 1:
        raise OptionError(f"{method}: max_tries must be a positive int, got {max_tries!r}")
    labels = (np.asarray(data.codes) + 1).astype(np.int64)
    R, r, c = theorem_R(data.X, data.y)
    best: tuple[int, Projection, list[AffineLayer], dict[str, Any]] | None = None
    used = 0
    while used < max_tries:
        try:
            proj = find_projection(data.X, labels, data.y, rng=rng, bits=direction_bits,
                                   max_tries=max_tries - used, method=method)
        except ConstructionError:
            if best is None:
                raise
            break
        used += proj.tries
        layers, diag = group_lookup_memorizer(proj.p, labels.tolist(), data.n_classes, group_size)
        if best is None or diag["max_value"] < best[0]:
            best = (diag["max_value"], proj, layers, diag)
        if diag["max_value"] <= R:
            break
    if best is None:  # pragma: no cover - the first draw either succeeds or raises
        raise ConstructionError(f"{method}: no projection (internal error)")
    _, proj, layers, diag = best
    n = data.n_features
    proj_layer = exact_layer([{j: int(w) << proj.E for j, w in enumerate(proj.w.tolist()) if w}], [0], n)
    layers = [compose_affine(proj_layer, layers[0]), *layers[1:]]
    net = ReLUNetwork(layers)
    if "stage_params" in diag:
        diag["stage_params"]["first"] = layers[0].num_params()
    theory = {"R": R, "log2_R": math.log2(R), "r": r, "separation": c,
              "within_R": diag["max_value"] <= R, "projection_draws": used}
    return net, diag, proj, theory


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    direction_bits: int | None = None,
    max_tries: int = 8,
    group_size: int | None = None,
) -> ConstructionResult:
    """Vardi, Yehudai & Shamir's network (see the module docstring); multi-class natively.

    Exact evaluation.

    Parameters
    ----------
    data : checked dataset, ``X`` of shape (N, n) in ``[0,1]^n``
    rng, seed : the random projection direction; the seed is recorded
    direction_bits : size of the projection direction's integer entries. As for
        ``method="optimal"``.
    max_tries : directions drawn before giving up. The direction is also redrawn, within
        ``max_tries``, until the largest value is ``<= R``.
    group_size : samples per lookup group (``B``). Default ``ceil(sqrt(M / log2 M))``, theirs.
    """
    started = time.perf_counter()
    if group_size is not None and group_size < 1:
        raise OptionError(f"vardi2022: group_size must be a positive int or None, got {group_size!r}")
    sizer = vardi_group_size if group_size is None else (lambda M: min(int(group_size), M))
    net, diag, proj, theory = projected_memorizer(
        data, rng=rng, direction_bits=direction_bits, max_tries=max_tries, method="vardi2022",
        group_size=sizer)
    options = {"direction_bits": direction_bits, "max_tries": max_tries, "group_size": group_size}
    return finish(
        net, data, method="vardi2022", options=options, seed=seed, started=started,
        engine="exact", arithmetic="exact",
        info={"direction": proj.w, "input_scale_log2": proj.E, "line": diag},
        extra_stats=lookup_stats(diag, theory, proj),
    )


def lookup_stats(diag: dict[str, Any], theory: dict[str, Any], proj: Projection) -> dict[str, Any]:
    """The statistics ``vardi2022`` and ``park2021`` report (sizes, ``R``, the projection)."""
    keys = ("distinct", "groups", "group_size", "rho", "label_bits", "register_bits",
            "fine_log2", "max_value", "stage_params")
    return {**{k: diag.get(k) for k in keys}, **theory, "projection_tries": proj.tries,
            "direction_bits": proj.bits, "input_scale_log2": proj.E}
