"""``optimal``: optimal-parameter memorization (the paper's Theorem 4.1, after Vardi, Yehudai & Shamir 2022).

A binary data set of ``N`` samples in ``[0, 1]^n`` is memorized by a ReLU network of
**width at most 6** (the paper's Theorem 4.1; ``max_width=8`` or ``12`` lets the planner use
wider layers) whose number of parameters is

.. math::

    O\\big(n + \\sqrt{K \\rho}\\big), \\qquad K \\le N \\text{ runs}, \\quad
    \\rho = O(\\log(N n / c)) \\text{ bits},

evaluated and verified **exactly** (its weights have hundreds to thousands of bits).

Construction
------------
1. *Projection* (:mod:`memnets._geometry.projection`): an integer direction ``w`` gives exact
   integer projections ``p_i = 2**E <w, x_i>``; a direction is redrawn (seeded) while two
   opposite-label samples collide.
2. *Line*: the exact 1-D memorizer
   :func:`~memnets._blocks.line_memorizer.line_memorizer` on ``t_i = p_i`` (its module
   docstring states the runs, blocks, the two stages and the planner). The network's first
   layer is the projection composed (no ReLU in between,
   :func:`~memnets._blocks.compose_affine`) with the line network's first layer. Output
   ``F(x) = +-1`` exactly on every sample, so the margin is 1.

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
The data of the table's first row (``N = 100`` in ``[0, 1]^20``, fair labels): width at most 6,
params within the bound above, margin exactly 1, weights of more bits than a float64 holds
(evaluated exactly), and ``max_width=8`` trading depth for width:

>>> import numpy as np
>>> import memnets as mn
>>> rng = np.random.default_rng(100)
>>> X, y = rng.random((100, 20)), rng.integers(0, 2, 100); y[0], y[-1] = 0, 1
>>> res = mn.construct(X, y, method="optimal", rng=0)
>>> K, rho = res.stats["runs"], res.stats["rho"]
>>> res.network.width <= 6, res.params <= 40 * (K * rho) ** 0.5 + 18 * (K / rho) ** 0.5 + X.shape[1] + 53
(True, True)
>>> res.min_margin == 1, res.max_weight_bits > 53, res.stats["verification"]
(True, True, 'exact')
>>> wide = mn.construct(X, y, method="optimal", rng=0, max_width=8)
>>> wide.network.width <= 8, wide.network.depth < res.network.depth
(True, True)
"""

from __future__ import annotations

import math
import time
from typing import Literal, Unpack

import numpy as np

from memnets._blocks import project_first
from memnets._blocks.line_memorizer import line_memorizer
from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import finish
from memnets._core.checks import Dataset
from memnets._core.network import ReLUNetwork
from memnets._core.option_groups import with_defaults
from memnets._geometry.projection import ProjectionOptions, find_projection

__all__ = ["build"]

#: a two-class construction: more classes are handled one-vs-rest by memnets.construct
BINARY_ONLY = True


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    bits_per_layer: Literal[1, 2] | None = None,
    max_width: Literal[6, 8, 12] = 6,
    **projection: Unpack[ProjectionOptions],
) -> ConstructionResult:
    """``optimal`` (Theorem 4.1): see the module docstring for the construction and its bounds.

    Binary data only: for more classes use one-vs-rest or ``method="efficient"``.
    Evaluation is exact (``result.engine == "exact"``); ``network.to_torch()`` refuses,
    naming the bits needed.

    Parameters
    ----------
    data : checked binary dataset, ``X`` of shape (N, n) in ``[0,1]^n``
    rng, seed : the random projection direction; the seed is recorded
    **projection : ``direction_bits``, ``max_tries``: the projection's options
        (:class:`~memnets._geometry.projection.ProjectionOptions`).
    bits_per_layer : boundary bits extracted per layer (``r``: 1 or 2). ``None`` (default)
        lets the planner pick the one with fewer parameters; 2 needs ``max_width=12``.
    max_width : the widest hidden layer allowed (6, the paper's Theorem 4.1, default). 8 or
        12 admit wider, shallower layouts.
    """
    started = time.perf_counter()
    signs = data.binary_signs("optimal")
    proj = find_projection(data.X, signs, data.y, rng=rng, method="optimal", **projection)
    t_proj = time.perf_counter()
    layers, diag = line_memorizer(proj.p, signs.tolist(), rng=rng, bits_per_layer=bits_per_layer,
                                  max_width=max_width)
    layers = project_first(proj.w, proj.E, layers)
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
    options = {**with_defaults(ProjectionOptions, projection), "bits_per_layer": bits_per_layer,
               "max_width": max_width}
    return finish(
        network, data, method="optimal", options=options, seed=seed, started=started,
        engine="exact", arithmetic="exact",
        info={"direction": proj.w, "input_scale_log2": proj.E, "line": diag},
        extra_stats=extra,
    )
