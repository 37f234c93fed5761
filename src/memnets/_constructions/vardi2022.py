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
Three classes in one network (no one-vs-rest): ``F(x_i) = y_i`` read as three class scores;
``M = 60`` values in ``A = 15`` groups of ``B = ceil(sqrt(60 / log2 60)) = 4``, labels in
``kappa = bitlen(3) = 2`` bits, within their width 12:

>>> import numpy as np
>>> import memnets as mn
>>> X = np.random.default_rng(0).random((60, 3)); y = np.arange(60) % 3
>>> res = mn.construct(X, y, method="vardi2022", rng=0)
>>> res.network.n_outputs, res.predict(X[:6]).tolist(), res.network.width <= 12
(3, [0, 1, 2, 0, 1, 2], True)
>>> res.stats["groups"], res.stats["group_size"], res.stats["label_bits"], res.stats["within_R"]
(15, 4, 2, True)
"""

from __future__ import annotations

import math
import time
from typing import Unpack

import numpy as np

from memnets._blocks.group_lookup import lookup_stats, projected_lookup
from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import finish
from memnets._core.checks import Dataset, check_scalar
from memnets._core.option_groups import with_defaults
from memnets._geometry.projection import ProjectionOptions, find_projection_within_R

__all__ = ["build", "vardi_group_size"]


def vardi_group_size(M: int) -> int:
    """``B = ceil(sqrt(M / log2 M))`` values per group (``A ~ sqrt(M log M)`` groups)."""
    return max(1, math.ceil(math.sqrt(M / math.log2(max(M, 2)))))


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    group_size: int | None = None,
    **projection: Unpack[ProjectionOptions],
) -> ConstructionResult:
    """Vardi, Yehudai & Shamir's network (see the module docstring); multi-class natively.

    Exact evaluation.

    Parameters
    ----------
    data : checked dataset, ``X`` of shape (N, n) in ``[0,1]^n``
    rng, seed : the random projection direction; the seed is recorded
    **projection : ``direction_bits``, ``max_tries``: the projection's options
        (:class:`~memnets._geometry.projection.ProjectionOptions`). The direction is also
        redrawn, within ``max_tries``, until the largest value is ``<= R``.
    group_size : samples per lookup group (``B``). Default ``ceil(sqrt(M / log2 M))``, theirs.
    """
    started = time.perf_counter()
    if group_size is not None:  # checked, but recorded in the options as given
        check_scalar("vardi2022: group_size (or None)", group_size, int, ge=1)
    sizer = vardi_group_size if group_size is None else (lambda M: min(int(group_size), M))
    labels = (np.asarray(data.codes) + 1).astype(np.int64)
    proj, theory = find_projection_within_R(data.X, labels, data.y, rng=rng, method="vardi2022", **projection)
    net, diag = projected_lookup(proj.w, proj.E, proj.p, labels.tolist(), data.n_classes, sizer)
    options = {**with_defaults(ProjectionOptions, projection), "group_size": group_size}
    return finish(
        net, data, method="vardi2022", options=options, seed=seed, started=started,
        engine="exact", arithmetic="exact",
        info={"direction": proj.w, "input_scale_log2": proj.E, "line": diag},
        extra_stats=lookup_stats(diag, theory, proj.tries, proj.bits, proj.E),
    )
