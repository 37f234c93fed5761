"""The Theta(N) reference: one ReLU step per run boundary of the exact 1-D projection.

Same projection and runs as M2 (:mod:`._projection`): an integer direction ``w`` with
``u(x) = <w, x> - lo`` (``lo`` an integer below every projected sample, so ``u >= 1`` on the
data) and ``K`` runs of equal label with boundaries between ``a_k`` (last value of run ``k``)
and ``b_k`` (first of run ``k + 1``). Boundary ``k`` gets the step

.. math::

    h_k(u) = \\sigma(u / \\delta_k - F_k - 1) - \\sigma(u / \\delta_k - F_k - 2),
    \\qquad \\delta_k = 2^{\\lfloor \\log_2 ((b_k - a_k) / 2) \\rfloor},
    \\quad F_k = \\lfloor a_k / \\delta_k \\rfloor,

which is 0 at ``u <= a_k`` (there ``u / delta_k <= F_k + 1``) and 1 at ``u >= b_k >= a_k +
2 delta_k`` (there ``u / delta_k >= F_k + 2``): exact on every sample. It is
:func:`~memnets._blocks.step_rows` with ramp ``delta_k`` at ``theta_k = (F_k + 3/2) delta_k``;
each boundary uses its *own* gap, so the float error of a step stays far below its ramp.
The output is ``F(x) = l_1 (1 - 2 sum_k (-1)**k h_k(u(x)))`` (``l_1`` the first run's
label), exactly ``+-1`` on the samples (margin 1).

Sizes: layers ``n -> 1 -> 2 (K - 1) -> 1`` (depth 3, width ``2 (K - 1)``), params
``n + 1 + 4 (K - 1) + 2 (K - 1) + 1 = n + 6K - 4`` dense (``Theta(N)`` for ``K ~ N``).
Every weight is ``w_j`` (``|w_j| <= 2**b``), ``2**-e`` or ``+-2``; biases are integers
``|lo|`` and ``F_k + 2``. The network is float64-exact (exportable to torch/ONNX) as long as
these integers are below ``2**53``, i.e. ``max_k u_max / delta_k < 2**52`` (moderate N);
otherwise the entries are stored exactly and export refuses. Verification is the certified
float check with exact re-checks (``finish(engine="float")``).

Examples
--------
>>> import numpy as np
>>> import memnets as mn
>>> X = np.random.default_rng(0).random((30, 4)); y = np.arange(30) % 2
>>> res = mn.construct(X, y, method="interval", rng=0)
>>> res.verified, res.network.depth, res.stats["runs"] == (res.network.width // 2 + 1)
(True, 3, True)
"""

from __future__ import annotations

import math
import time

import numpy as np

from .._checks import Dataset
from .._errors import InputError
from .._network import AffineLayer, ReLUNetwork, SparseWeight
from .._result import ConstructionResult, finish
from ._projection import find_projection

__all__ = ["build", "interval_layers"]

_F64_INT = 2**53


def _float_or_exact(values: list[int]) -> np.ndarray:
    """float64 when every integer is exactly a float64 (|v| < 2**53), else exact ints."""
    if all(abs(v) < _F64_INT for v in values):
        return np.asarray(values, dtype=np.float64)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def interval_layers(
    w: np.ndarray, E: int, first: list[int], last: list[int], labels: list[int], p_min: int
) -> list[AffineLayer]:
    """The three layers for runs ``first/last/labels`` of the projections ``p = 2**E <w, x>``.

    ``p_min`` is the smallest projected value; see the module docstring for the formulas.
    """
    n = len(w)
    lo = (p_min >> E) - 1  # floor(min <w, x_i>) - 1: an integer with u = <w, x> - lo >= 1
    w_float = np.asarray(w, dtype=np.float64)
    if np.any(np.abs(np.asarray(w)) >= _F64_INT):
        raise InputError("direction entries must be below 2**53")
    layer1 = AffineLayer(w_float.reshape(1, n), _float_or_exact([-lo]))
    B = len(labels) - 1
    lo_p = lo << E  # lo in units of 2**-E
    slopes: list[float] = []
    bias: list[int] = []
    for k in range(B):
        a = last[k] - lo_p  # u(a_k) * 2**E, >= 2**E
        gap = first[k + 1] - last[k]  # >= 1
        e = gap.bit_length() - 2  # delta_k = 2**(e - E) = largest power of two <= gap / 2
        F = a >> e if e >= 0 else a << -e
        slopes.append(math.ldexp(1.0, E - e))
        bias.extend([-(F + 1), -(F + 2)])
    idx = np.arange(2 * B)
    W2 = SparseWeight.from_coo(idx, np.zeros(2 * B, dtype=np.int64), np.repeat(slopes, 2), (2 * B, 1))
    layer2 = AffineLayer(W2, _float_or_exact(bias))
    l1 = labels[0]
    signs = np.where(np.arange(B) % 2 == 0, 1.0, -1.0)  # (-1)**k
    out_vals = np.empty(2 * B)
    out_vals[0::2] = -2.0 * l1 * signs
    out_vals[1::2] = 2.0 * l1 * signs
    W3 = SparseWeight.from_coo(np.zeros(2 * B, dtype=np.int64), idx, out_vals, (1, 2 * B))
    layer3 = AffineLayer(W3, np.array([float(l1)]))
    return [layer1, layer2, layer3]


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    direction_bits: int | None = None,
    max_tries: int = 8,
) -> ConstructionResult:
    """Theta(N) reference network (binary data); see the module docstring.

    Options: ``direction_bits`` and ``max_tries`` as for ``method="optimal"`` (same
    projection, same error naming the closest opposite-label pair when no direction works).
    """
    started = time.perf_counter()
    if data.n_classes != 2 or data.signs is None:
        raise InputError(
            f"method 'interval' is binary; y has {data.n_classes} classes "
            "(use one-vs-rest, or method='efficient' which is multi-class)"
        )
    proj = find_projection(data.X, data.signs, data.y, rng=rng, bits=direction_bits,
                           max_tries=max_tries, method="interval")
    runs = proj.runs
    layers = interval_layers(proj.w, proj.E, runs.first, runs.last, runs.labels, runs.first[0])
    network = ReLUNetwork(layers)
    options = {"direction_bits": direction_bits, "max_tries": max_tries}
    return finish(
        network, data, method="interval", options=options, seed=seed, started=started,
        engine="float", verification="auto",
        info={"direction": proj.w, "input_scale_log2": proj.E},
        extra_stats={
            "runs": runs.n_runs,
            "projection_tries": proj.tries,
            "direction_bits": proj.bits,
            "float64_exact": network.float64_representable,
        },
    )
