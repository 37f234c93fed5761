"""The Theta(N) reference: one ReLU step per run boundary of the exact 1-D projection.

Same projection and runs as ``optimal`` (:mod:`._projection`): an integer direction ``w`` with
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
otherwise the entries are stored exactly and export refuses. Verification is exact: the
network is a piecewise-linear function of its single first-layer unit, evaluated exactly at
every sample by a sweep (:func:`sweep_outputs`, ``verify="engine"``); ``verify="generic"``
uses the generic certified float engine instead.

Examples
--------
Three runs along a line (``K = 3``): ``2 (K - 1) = 4`` step units and ``n + 6K - 4 = 15``
params, output exactly ``+-1`` on the samples:

>>> import memnets as mn
>>> X = [[0.1], [0.2], [0.4], [0.5], [0.7], [0.9]]
>>> res = mn.construct(X, ["a", "a", "b", "b", "a", "a"], method="interval", rng=0)
>>> res.stats["runs"], res.network.layer_sizes, res.params, res.min_margin
(3, (1, 1, 4, 1), 15, 1.0)
>>> res.predict([[0.15], [0.45], [0.95]]).tolist()
['a', 'b', 'a']
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Any, Literal, Unpack

import numpy as np

from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import finish
from memnets._core.checks import Dataset
from memnets._core.errors import InputError
from memnets._core.network import AffineLayer, ReLUNetwork, SparseWeight
from memnets._core.option_groups import with_defaults
from memnets._geometry.projection import ProjectionOptions, exact_projection, find_projection

__all__ = ["build", "interval_layers"]

#: a two-class construction: more classes are handled one-vs-rest by memnets.construct
BINARY_ONLY = True

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
        if E - e > 1023:  # 2**(E - e) is beyond float64: the ramp cannot be a float weight
            raise InputError(
                f"interval: two projected samples of different labels are {gap} * 2**-{E} apart; "
                f"the step between them needs a slope 2**{E - e}, beyond float64's range. "
                "Use method='optimal' (exact big-integer weights) for data this close"
            )
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


def _exact(v: Any) -> Fraction:
    """A float64 / int / Fraction entry as the exact rational it is."""
    return Fraction(v)


def sweep_outputs(network: ReLUNetwork, X: np.ndarray) -> list[Fraction]:
    """Exact outputs of a network ``n -> 1 -> H -> 1`` by a sweep along its scalar unit.

    The first layer has one unit ``u = s(<w, x> + b_1)``, so the network is the
    piecewise-linear function ``F(u) = b_3 + sum_j v_j s(a_j u + c_j)`` of one variable.
    ``<w, x>`` is computed exactly (:func:`._projection.exact_projection`, after scaling the
    dyadic ``w`` to integers); the breakpoints ``-c_j / a_j`` and the values ``u_i`` are
    sorted together and ``F`` is accumulated as ``A(u) u + C(u)``, all in exact rationals:
    ``O((N + H) log(N + H))`` instead of the ``O(N H)`` of a layer-by-layer evaluation.
    Reads the network's own weights; an independent path from :mod:`memnets._core.exact`.
    """
    L1, L2, L3 = network.layers
    if L1.n_outputs != 1 or L2.n_inputs != 1 or L3.n_outputs != 1:
        raise ValueError("sweep_outputs needs layers n -> 1 -> H -> 1")
    w = [_exact(v) for v in L1.dense_weight()[0].tolist()]
    scale = math.lcm(*(q.denominator for q in w))
    w_int = np.array([int(q * scale) for q in w], dtype=np.int64)
    p, E = exact_projection(X, w_int)
    b1 = _exact(L1.bias[0])
    den = scale << E
    u = [max(Fraction(v, den) + b1, Fraction(0)) for v in p]
    a = [_exact(v) for v in L2.dense_weight()[:, 0].tolist()]
    c = [_exact(v) for v in L2.bias.tolist()]
    vw = [_exact(v) for v in L3.dense_weight()[0].tolist()]
    const = _exact(L3.bias[0])
    pos: list[tuple[Fraction, Fraction, Fraction]] = []  # (breakpoint, slope, intercept)
    neg: list[tuple[Fraction, Fraction, Fraction]] = []
    for aj, cj, vj in zip(a, c, vw, strict=True):
        if vj == 0:
            continue
        if aj == 0:
            const += vj * max(cj, Fraction(0))
        else:
            (pos if aj > 0 else neg).append((-cj / aj, vj * aj, vj * cj))
    # neg units are active below their breakpoint: start with all of them on
    A = sum((q[1] for q in neg), Fraction(0))
    C = sum((q[2] for q in neg), Fraction(0))
    events = sorted([(q[0], 0, q) for q in pos] + [(q[0], 1, q) for q in neg], key=lambda e: (e[0], e[1]))
    order = sorted(range(len(u)), key=u.__getitem__)
    out: list[Fraction] = [Fraction(0)] * len(u)
    k = 0
    for i in order:
        ui = u[i]
        while k < len(events) and events[k][0] < ui:  # at the breakpoint itself the unit is 0
            _, kind, (_, sl, ic) = events[k]
            if kind == 0:
                A += sl
                C += ic
            else:
                A -= sl
                C -= ic
            k += 1
        out[i] = const + A * ui + C
    return out


def _sweep_margins(network: ReLUNetwork, data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Margins ``y_i F(x_i)`` from :func:`sweep_outputs`, as floats with a rigorous bound."""
    signs = data.binary_signs("interval")
    F = sweep_outputs(network, data.X)
    vals = np.empty(len(F))
    err = np.zeros(len(F))
    for i, (f, sg) in enumerate(zip(F, signs.tolist(), strict=True)):
        m = f * sg
        vals[i] = float(m)
        gap = abs(Fraction(vals[i]) - m)
        if gap:
            err[i] = math.nextafter(float(gap), math.inf)
    return vals, err


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    verify: Literal["engine", "generic"] = "engine",
    **projection: Unpack[ProjectionOptions],
) -> ConstructionResult:
    """Theta(N) reference network (binary data); see the module docstring.

    Parameters
    ----------
    data : checked binary dataset, ``X`` of shape (N, n) in ``[0,1]^n``
    rng, seed : the random projection direction; the seed is recorded
    **projection : ``direction_bits``, ``max_tries``: the projection's options
        (:class:`~memnets._geometry.projection.ProjectionOptions`).
    verify : how memorization is proven. ``"engine"`` (default) evaluates the network exactly
        along its scalar unit (its own engine, the sweep :func:`sweep_outputs`,
        ``O((N + K) log)``, any N); ``"generic"`` (``"sweep"`` and ``"network"`` are the
        deprecated earlier names) evaluates the network on every sample with the generic
        certified float engine and exact re-checks (``O(N K)`` time; its error bound grows
        with ``K``, so beyond ~10^4 samples many samples fall back to the exact engine, whose
        memory is ``O(K)`` per sample).
    """
    started = time.perf_counter()
    signs = data.binary_signs("interval")
    proj = find_projection(data.X, signs, data.y, rng=rng, method="interval", **projection)
    runs = proj.runs
    layers = interval_layers(proj.w, proj.E, runs.first, runs.last, runs.labels, runs.first[0])
    network = ReLUNetwork(layers)
    options = {**with_defaults(ProjectionOptions, projection), "verify": verify}
    t0 = time.perf_counter()
    margins = _sweep_margins(network, data) if verify == "engine" else None
    return finish(
        network, data, method="interval", options=options, seed=seed, started=started,
        engine="float", arithmetic="certified", given_margins=margins,
        info={"direction": proj.w, "input_scale_log2": proj.E},
        extra_stats={
            "runs": runs.n_runs,
            "projection_tries": proj.tries,
            "direction_bits": proj.bits,
            "float64_exact": network.float64_representable,
            "sweep_seconds": time.perf_counter() - t0 if margins is not None else 0.0,
            "verifier": "exact sweep" if margins is not None else "generic certified float",
            # the sweep's margins are exact (error bound 0), not float estimates
            "verification": "exact" if margins is not None else "certified",
        },
    )
