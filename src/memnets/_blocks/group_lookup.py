"""Group lookup (Vardi, Yehudai & Shamir 2022, stages 2-3): a narrow exact network on one
integer input that loads the packed values and labels of the input's group by unit steps,
reads them bit by bit and outputs the label of the stored value the input equals.

Shared by ``"vardi2022"`` (``B = ceil(sqrt(M / log2 M))`` values per group) and
``"park2021"`` (``B = ceil(M^(1/3))``); :mod:`memnets._constructions.vardi2022` states the
construction, its sizes and what is theirs and what is ours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from memnets._blocks.affine import project_first
from memnets._blocks.builder import (
    LayerBuilder,
    Lin,
    digit_preacts,
    digit_value,
    gate_preact,
    load_by_steps,
    step_preacts,
)
from memnets._core.errors import ConstructionError, InputError, OptionError
from memnets._core.network import AffineLayer, ReLUNetwork
from memnets._core.runs import ProjectionCollision, label_runs

__all__ = ["MAX_WIDTH", "group_lookup_memorizer", "lookup_stats", "projected_lookup"]

MAX_WIDTH = 12  # Vardi et al.'s theorem's width


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
    """Stages 2-3 of Vardi et al. (:mod:`memnets._constructions.vardi2022`) on integer values ``t`` with labels in ``1 .. C``.

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
    s = runs.coarse_scale()  # smallest s with gamma 2**s >= 2
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
    width = max(layer.n_outputs for layer in b.layers[:-1])
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


def projected_lookup(
    w: np.ndarray,
    E: int,
    p: Sequence[int],
    labels: Sequence[int],
    n_classes: int,
    group_size: Callable[[int], int],
) -> tuple[ReLUNetwork, dict[str, Any]]:
    """:func:`group_lookup_memorizer` on the exact projections ``p = 2**E <w, x>`` of the
    samples, the projection composed into its first layer (no ReLU in between)."""
    layers, diag = group_lookup_memorizer(p, labels, n_classes, group_size)
    layers = project_first(w, E, layers)
    if "stage_params" in diag:
        diag["stage_params"]["first"] = layers[0].num_params()
    return ReLUNetwork(layers), diag


def lookup_stats(
    diag: dict[str, Any], theory: dict[str, Any], tries: int, direction_bits: int, input_scale_log2: int
) -> dict[str, Any]:
    """The statistics ``vardi2022`` and ``park2021`` report: sizes, what the projection says
    about their theorem (``theory``: ``R``, ``within_R``, ...) and the projection."""
    keys = ("distinct", "groups", "group_size", "rho", "label_bits", "register_bits",
            "fine_log2", "max_value", "stage_params")
    return {**{k: diag.get(k) for k in keys}, **theory, "projection_tries": tries,
            "direction_bits": direction_bits, "input_scale_log2": input_scale_log2}
