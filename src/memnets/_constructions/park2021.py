"""Park, Lee, Yun & Shin (COLT 2021): ``O(N^(2/3))`` parameters (Table 4's M2) — a reconstruction.

Their result, as far as it could be read here: ``N`` input-label pairs whose inputs satisfy a
mild separation condition are memorized by a ReLU network with

.. math::  O(N^{2/3}) \\text{ parameters (up to logarithmic terms in the separation)},

"by exploiting depth", even at width 3 (their abstract, arXiv 2010.13363; PMLR 134, 2021).
Their Lemma 13 (a uniform random unit vector ``u`` keeps a fixed ``v`` at
``|<u, v>| >= ||v|| / T sqrt(8 / (n pi))`` with probability ``> 1 - 2/T``) is restated,
with its use, in the NeurIPS 2024 paper's Appendix B (Lemma B.2), and the NeurIPS paper says
that M2 (its Table 4's name for this method) "projects the data to one dimension". **Their proof text was not readable here**
(only the abstract and first page of the arXiv/ICLR versions are in the reference stores).

What is implemented
-------------------
- *As stated*: the projection to one dimension by a random direction that keeps
  differently labelled points apart (their Lemma 13; here the integer direction of
  :mod:`memnets._geometry.projection`, redrawn while two labels collide or the values exceed
  ``R``, as in ``vardi2022``), then a network whose parameter count grows like
  ``N^(2/3)``: the bound of their theorem.
- *Reconstructed*: the way ``N^(2/3)`` arises. We use the three-stage lookup of
  Vardi et al. (:mod:`memnets._constructions.vardi2022`; the network is
  :mod:`memnets._blocks.group_lookup`: group lookup by exact steps, packed values and
  labels, bit extraction, compare, gated label) with **``A = ceil(M / B)`` ~ ``N^(2/3)``
  groups of ``B = ceil(M^(1/3))`` values** instead of Vardi et al.'s ``sqrt(N / log N)``:
  a lookup costs ``~ 30`` params per group and the decoder ``~ 110 (max(rho, kappa) + 1)``
  per slot, so params ``~ 30 N^(2/3) + 110 N^(1/3) log R``: ``O(N^(2/3))`` as their theorem
  says, with the group-lookup term dominating only for large ``N`` (the measured slope over
  ``N = 100 .. 10^4`` is below 2/3; ``benchmarks/README.md``). Their own decoding gadgets, the
  width-3 variant and their exact constants are not reproduced. Natively multi-class
  (labels ``1 .. C``, the same score layer as ``vardi2022``).

Sizes: width ``<= 10``; depth ``1 + (A - 1) + B (max(rho, kappa) + 1) + 2``; register bits
``B max(rho, kappa)`` ``~ N^(1/3) log R`` (fewer than Vardi et al.'s ``sqrt(N / log N) log R``:
the price is the longer lookup). Exact evaluation and verification.

References
----------
1. S. Park, J. Lee, C. Yun, J. Shin. Provable Memorization via Deep Neural Networks using
   Sub-linear Parameters. COLT 2021, PMLR 134:3627-3661 (arXiv 2010.13363).
2. Yu, Gao, Zhang, Miao. Generalizability of Memorization Neural Networks. NeurIPS 2024,
   Table 4 (M2), Appendix B (Lemma B.2 = Lemma 13 of [1]).

Examples
--------
Groups of ``B = ceil(M^(1/3))`` values, so ``A ~ M^(2/3)`` groups (Vardi et al.'s
``B = ceil(sqrt(M / log2 M))`` is 224 at ``M = 10**6``); on 125 distinct points, 25 groups of 5:

>>> import numpy as np
>>> import memnets as mn
>>> [park_group_size(M) for M in (125, 1000, 10**6)]
[5, 10, 100]
>>> X = np.random.default_rng(0).random((125, 3))
>>> res = mn.construct(X, np.arange(125) % 2, method="park2021", rng=0)
>>> res.stats["groups"], res.stats["group_size"], res.stats["reconstruction"]
(25, 5, True)
"""

from __future__ import annotations

import time
from typing import Unpack

import numpy as np

from memnets._blocks.group_lookup import lookup_stats, projected_lookup
from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import finish
from memnets._core.checks import Dataset
from memnets._core.option_groups import with_defaults
from memnets._geometry.projection import ProjectionOptions, find_projection_within_R

__all__ = ["build", "park_group_size"]


def park_group_size(M: int) -> int:
    """``B = ceil(M^(1/3))`` values per group, so ``A = ceil(M / B) ~ M^(2/3)`` groups."""
    B = max(1, round(M ** (1 / 3)))
    while B**3 < M:
        B += 1
    return B


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    **projection: Unpack[ProjectionOptions],
) -> ConstructionResult:
    """Park et al.'s ``O(N^(2/3))`` memorizer, reconstructed (see the module docstring).

    Parameters
    ----------
    data : checked dataset, ``X`` of shape (N, n) in ``[0,1]^n``
    rng, seed : the random projection direction; the seed is recorded
    **projection : ``direction_bits``, ``max_tries``: the projection's options
        (:class:`~memnets._geometry.projection.ProjectionOptions`). As for ``vardi2022``, the
        direction is also redrawn, within ``max_tries``, until the largest value is ``<= R``.
    """
    started = time.perf_counter()
    labels = (np.asarray(data.codes) + 1).astype(np.int64)
    proj, theory = find_projection_within_R(data.X, labels, data.y, rng=rng, method="park2021", **projection)
    net, diag = projected_lookup(proj.w, proj.E, proj.p, labels.tolist(), data.n_classes,
                                 park_group_size)
    options = with_defaults(ProjectionOptions, projection)
    extra = lookup_stats(diag, theory, proj.tries, proj.bits, proj.E)
    extra["params_over_N_2_3"] = net.num_params() / max(diag["distinct"], 1) ** (2 / 3)
    extra["reconstruction"] = True
    return finish(
        net, data, method="park2021", options=options, seed=seed, started=started,
        engine="exact", arithmetic="exact",
        info={"direction": proj.w, "input_scale_log2": proj.E, "line": diag},
        extra_stats=extra,
    )
