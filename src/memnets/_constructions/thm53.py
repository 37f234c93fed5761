r"""Theorem 5.3's witness: a small memorizer built **not** to generalize -- **ours**, after Appendix E.

Not the paper's construction verbatim: the paper's proof (Appendix E.4) compresses with
Lemma E.2's projection (chosen so that D puts mass < 0.01 within projected distance 3 of the
samples), maps to packed values with Lemma E.3 (outputs off the packed values with
probability at most epsilon) and Lemma B.3, reads the label out with Lemma B.5, and takes as
the wrongly answered label the one whose far-from-the-sample region has D-mass above 0.99/2.
We keep its shape (one dimension, the wrong label everywhere but near samples) and prove the
accuracy bound our way: **decoys** of the other label on both sides of each sample,
``optimal``'s exact 1-D memorizer, and a **cube-slicing** bound on the slab volume (K. Ball)
instead of Lemmas E.2-E.3; the bumped label is the **sample's majority**, not a property of D.

The paper: if :math:`\mathcal D \in \mathcal D(n, c)` has density at most r (Definition 5.2:
:math:`P(x \in A) \le r\, V(A)` for every closed :math:`A \subset [0,1]^n`), then every
sample of size N has a memorization network with :math:`O(n + \sqrt N \ln(N n r / c))`
parameters and accuracy :math:`\le 0.51`. Its proof (Appendix E) compresses the data to one
dimension and answers the *bumped* label only within a thin slab around each sample of
that label, the other label everywhere else. This module builds that network from the same
parts as ``optimal``:

1. the exact integer projection :math:`p = 2^E \langle w, x\rangle` of ``optimal``
   (:func:`~memnets._geometry.projection.find_projection`: opposite labels apart);
2. the bumped label b is the one with more samples (ties: the second class); every sample
   of label b at projected value :math:`t_i` gets a *decoy* of the other label at
   :math:`t_i - h_p` and at :math:`t_i + h_p`, unless a sample already lies that close on
   that side, where :math:`h_p` is a power of two with

   .. math::

       h_p \;\le\; h\, 2^E \lVert w\rVert_2, \qquad
       h = \frac{\text{mass}}{2\sqrt2\; N_b\; r}

   (:math:`N_b` samples of label b): every boundary between runs of the decoyed line is then
   within :math:`h_p` of a b-sample;
3. ``optimal``'s exact 1-D memorizer (:func:`~memnets._blocks.line_memorizer.line_memorizer`) on the
   samples and decoys, the projection composed into its first layer.

Guarantee. The 1-D memorizer is a step function of t whose steps (and their ramps) lie in
the gaps between consecutive runs, and runs alternate labels, so F answers b (or 0) only at
inputs with :math:`|\langle u, x - x_i\rangle| < h` for some b-sample :math:`x_i`,
:math:`u = w / \lVert w\rVert_2`. A slab of width 2h meets :math:`[0,1]^n` in volume at most
:math:`2\sqrt2\, h` (every hyperplane section of the unit cube has volume at most
:math:`\sqrt2`: K. Ball 1986, and central sections are the largest ones, Brunn), so if
:math:`\mathcal D` has density at most ``density``,

.. math::

    P_{\mathcal D}(\operatorname{Sgn} F(x) = b) \le N_b \cdot r \cdot 2\sqrt2\, h = \text{mass},
    \qquad
    P(\mathcal D) - \text{mass} \;\le\; A_{\mathcal D}(F) \;\le\; P(y \ne b) + \text{mass},

with :math:`P(y \ne b) \approx 1/2` when the classes are balanced (b is the sample's
majority). Size: ``optimal``'s bound with :math:`K \le 2 N_b + 1` runs and
:math:`\rho = O(\log(\sqrt n\, N r / c))` bits per boundary (the smallest projected gap is
:math:`\min(h_p, \text{optimal's opposite-label gap})`), i.e. :math:`O(n + \sqrt{N \log(N n r / c)})`
parameters here (the paper's :math:`O(n + \sqrt N \ln(N n r / c))` with a logarithm to spare).
Memorization is verified exactly on every sample (``engine="exact"``).

A witness for a theorem, not a method to use: it exists to be measured
(``memnets experiment density``).

References
----------
1. Yu, Gao, Zhang, Miao. Generalizability of Memorization Neural Networks. NeurIPS 2024,
   Theorem 5.3 and Appendix E.
2. K. Ball. Cube slicing in R^n. Proc. AMS 97 (1986) 465-473.

Examples
--------
>>> import numpy as np
>>> import memnets as mn
>>> D = mn.datasets.ball_mixture(n_features=2, n_balls=8, separation=0.1, rng=0)
>>> X, y = D.sample(200, rng=1)
>>> res = mn.construct(X, y, method="thm53", rng=0, density=300.0)
>>> res.verified, res.score(X, y), res.stats["bumped_label"] in (0, 1)
(True, 1.0, True)
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Literal, Unpack

import numpy as np

from memnets._blocks import project_first
from memnets._blocks.line_memorizer import line_memorizer
from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import finish
from memnets._core.checks import Dataset, check_scalar
from memnets._core.network import ReLUNetwork
from memnets._core.option_groups import with_defaults
from memnets._geometry.projection import ProjectionOptions, find_projection

__all__ = ["build", "decoyed_line", "slab_halfwidth"]

#: a two-class construction: more classes are handled one-vs-rest by memnets.construct
BINARY_ONLY = True

#: every hyperplane section of [0, 1]^n has (n-1)-volume at most sqrt(2) (K. Ball 1986)
CUBE_SECTION_MAX = math.sqrt(2.0)


def slab_halfwidth(n_bumped: int, density: float, mass: float) -> float:
    """Half-width h of the slabs, in input units: ``mass / (2 sqrt(2) n_bumped density)``.

    ``n_bumped`` slabs of width 2h carry at most ``mass`` under any law on the cube whose
    density is at most ``density``.

    >>> round(slab_halfwidth(10, 1.0, 0.01), 8)
    0.00035355
    """
    return mass / (2.0 * CUBE_SECTION_MAX * n_bumped * density)


def decoyed_line(p: list[int], signs: list[int], bumped: int, h_p: Fraction
                 ) -> tuple[list[int | Fraction], list[int], int]:
    """The samples' projected values plus decoys of label ``-bumped`` at ``t +- h_p`` around
    each ``bumped`` value ``t`` with no sample within ``h_p`` on that side.

    Returns ``(values, signs, decoys)``: the samples first (in their order), then the
    decoys. Every gap between consecutive runs of the result is at most ``h_p`` and touches
    a ``bumped`` value, and decoys never coincide with an opposite-label sample.

    >>> vals, s, k = decoyed_line([0, 10, 11, 30], [1, -1, 1, 1], 1, Fraction(2))
    >>> sorted(zip(vals, s)), k
    ([(-2, -1), (0, 1), (2, -1), (10, -1), (11, 1), (13, -1), (28, -1), (30, 1), (32, -1)], 5)
    """
    order = sorted(range(len(p)), key=lambda i: p[i])
    vals: list[int | Fraction] = list(p)
    out_signs = list(signs)
    decoys = 0
    for pos, i in enumerate(order):
        if signs[i] != bumped:
            continue
        t = p[i]
        lower = p[order[pos - 1]] if pos > 0 else None
        upper = p[order[pos + 1]] if pos + 1 < len(order) else None
        for side, neighbour in ((-1, lower), (1, upper)):
            if neighbour is not None and abs(neighbour - t) <= h_p:
                continue
            d = t + side * h_p
            vals.append(int(d) if d.denominator == 1 else d)
            out_signs.append(-bumped)
            decoys += 1
    return vals, out_signs, decoys


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    density: float = 1.0,
    mass: float = 0.01,
    bits_per_layer: Literal[1, 2] | None = None,
    **projection: Unpack[ProjectionOptions],
) -> ConstructionResult:
    """Theorem 5.3's witness; see the module docstring for the construction and guarantee.

    Binary data only.

    Parameters
    ----------
    data : checked binary dataset, ``X`` of shape (N, n) in ``[0,1]^n``
    rng, seed : the random projection direction; the seed is recorded
    density : an upper bound r of the density of D on ``[0, 1]^n``. 1 is the uniform law on
        the cube, and every law on the cube has r >= 1.
    mass : the bound on the mass of the slabs where F answers the bumped label, in (0, 1).
    **projection : ``direction_bits``, ``max_tries``: the projection's options
        (:class:`~memnets._geometry.projection.ProjectionOptions`).
    bits_per_layer : boundary bits extracted per layer (1 or 2). As for ``method="optimal"``.
    """
    started = time.perf_counter()
    check_scalar("thm53: density", density, float, gt=0)
    check_scalar("thm53: mass", mass, float, gt=0, lt=1)
    signs = data.binary_signs("thm53")
    bumped = 1 if int((signs == 1).sum()) >= int((signs == -1).sum()) else -1
    n_bumped = int((signs == bumped).sum())
    proj = find_projection(data.X, signs, data.y, rng=rng, method="thm53", **projection)
    h = slab_halfwidth(n_bumped, float(density), float(mass))
    norm = float(np.linalg.norm(np.asarray(proj.w, dtype=np.float64)))
    # the largest power of two <= h 2^E |w|, one binade lower to absorb the float logs
    k = math.floor(math.log2(h) + proj.E + math.log2(norm)) - 1
    h_p = Fraction(2) ** k
    vals, line_signs, decoys = decoyed_line(list(proj.p), signs.tolist(), bumped, h_p)
    layers, diag = line_memorizer(vals, line_signs, rng=rng, bits_per_layer=bits_per_layer)
    network = ReLUNetwork(project_first(proj.w, proj.E, layers))
    extra = {
        "bumped_label": data.classes[1 if bumped == 1 else 0].item(),
        "bumped_samples": n_bumped,
        "decoys": decoys,
        "slab_halfwidth": float(h_p) / (2.0**proj.E * norm) if proj.E < 1000 else 0.0,
        "slab_halfwidth_bound": h,
        "slab_mass_bound": float(mass),
        "density": float(density),
        "runs": diag["runs"],
        "rho": diag["rho"],
        "mode": diag["mode"],
        "projection_tries": proj.tries,
        "input_scale_log2": proj.E,
    }
    options = {"density": density, "mass": mass, **with_defaults(ProjectionOptions, projection),
               "bits_per_layer": bits_per_layer}
    return finish(
        network, data, method="thm53", options=options, seed=seed, started=started,
        engine="exact", arithmetic="exact",
        info={"direction": proj.w, "input_scale_log2": proj.E, "slab_halfwidth_p": h_p, "line": diag},
        extra_stats=extra,
    )
