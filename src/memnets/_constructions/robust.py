r"""Robust memorization: the label kept on a ball around every sample, and Theorem 4.3's route.

**Robust memorization.** ``F`` memorizes ``(X, y)`` robustly with radius ``mu`` when
``d(x) = y_i`` (sign or argmax) for every ``x`` with ``|x - x_i|_2 <= mu``, for every ``i``.
With separation ``c = c(X, y)`` this is possible exactly for ``mu < c/2``. Yu, Gao & Zhang
(ICLR 2024, "Optimal robust memorization with ReLU neural networks") construct networks
with ``O(N n)`` parameters that do it for every ``mu < c/2``; **their construction's text
could not be read here** (only the abstract, through the search tool), so the network below
is **ours**, with the same guarantee and the same order of parameters: the nearest-sample
network (:func:`memnets._blocks.nearest_centre_network`) on centres ``s_k``,

.. math::

    h_k(x) = 2\langle s_k, x\rangle - \lVert s_k\rVert^2 + C, \quad
    F_j(x) = \max_{k \in j} \sigma(h_k(x)), \quad C = \max_k \lVert s_k\rVert^2 + \mu_0^2 ,

(``mu_0`` the target radius, ``c/2`` by default). For ``|x - x_i| < c/2`` every opposite
centre is farther than ``x_i`` and ``h_{x_i}(x) >= |x_i|^2 - 2|x_i| mu_0 + C > 0``, so the
decision is ``y_i``. **Params**: ``R (n + 1)`` in the first layer, ``< 4.5 R`` non-zero in
the max-trees, depth ``ceil(log2 max_j R_j) + 2``: ``O(R n)`` with ``R = N``.

**Theorem 4.3 as the paper proves it** (``net=True``; Appendix C, Steps 1-4, the paper's):
``c_0`` = the smallest opposite-label distance; ``D_s`` = a greedy ``c_0/3``-net of the
samples ((c1) points ``> c_0/3`` apart, (c2) every sample within ``c_0/3`` of one:
:func:`memnets._geometry.nets.greedy_net`); a robust memorization network of ``D_s`` with
radius ``c_0/3`` (Step 4; the network above on the centres ``D_s``, ours as said) then
memorizes every sample: a sample within ``c_0/3`` of a net point has its label (opposite
labels are ``>= c_0`` apart) and lies in its ball. Parameters ``|D_s| (n + 1) + O(|D_s|)``
with ``|D_s| <= Q`` independent of ``N`` (:func:`memnets.theory.bound_thm43`; Step 3's
``Q`` as written is too small by up to ``2^n``, see :mod:`memnets._geometry.nets`, and the
construction checks the corrected ``Q_sound``).

**Verification** (before returning): memorization of every sample through
:func:`memnets._constructions.result.finish`, and the robustness radius proven at every
centre by :func:`memnets._engines.radius.nearest_centre_radii` (distance to the nearest
bisector of the network's *stored* weights, float64 with a rigorous bound, rounded down):
every sample (``net=False``) or every net point (``net=True``) gets certified radius
``>= mu``. With ``radius=None`` the radius is the smallest certified radius over the
centres (just below ``c/2``; ``net=True``: ``c_0/3``).

**Multi-class**: native (one max-tree per class, argmax); ``c_0`` is the smallest distance
between samples of different classes and every argument above holds class against class.

References: [1] L. Yu, X.-S. Gao, L. Zhang, *Optimal robust memorization with ReLU neural
networks*, ICLR 2024 (robust memorization with ``O(N n)`` parameters for every ``mu < c/2``;
only its abstract was readable here). [2] Y. Kim, C. Moon, C. Yun, *The Cost of
Robustness: Tighter Bounds on Parameter Complexity for Robust Memorization in ReLU Nets*,
NeurIPS 2025 (bounds as a function of ``rho = mu / eps``; abstract only). [3] Yu, Gao,
Zhang, Miao, *Generalizability of Memorization Neural Networks*, NeurIPS 2024, Theorem 4.3
and Appendix C (read in full: Steps 1-4 above are theirs).

>>> import memnets as mn
>>> X, y = [[0.0], [0.2], [1.0]], [0, 0, 1]
>>> res = mn.construct(X, y, method="robust")
>>> res.verified, res.stats["n_centres"], round(res.stats["radius"], 9)   # c = 0.8
(True, 3, 0.4)
>>> res.predict([[0.55], [0.65]]).tolist()
[0, 1]
>>> mn.construct(X, y, method="robust", net=True).stats["n_centres"]      # c_0/3 = 0.267
2
"""

from __future__ import annotations

import math
import time

import numpy as np

from memnets._blocks.nearest import nearest_centre_network
from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import finish
from memnets._core.checks import Dataset
from memnets._core.errors import ConstructionError, OptionError, VerificationError
from memnets._core.rounding import U64
from memnets._engines.radius import nearest_centre_radii
from memnets._geometry.nets import greedy_net, net_volume_bound_log, net_volume_bound_log_sound
from memnets._geometry.separation import closest_opposite_pair

__all__ = ["build"]


def _exp(log_value: float) -> float:
    return math.exp(log_value) if log_value < 709.0 else math.inf


def build(
    data: Dataset,
    *,
    rng: np.random.Generator,
    seed: int | None,
    radius: float | None = None,
    net: bool = False,
) -> ConstructionResult:
    """A network that memorizes ``(X, y)`` robustly, verified (memorization and radius).

    Parameters
    ----------
    data : checked dataset, two or more classes
    rng, seed : recorded only (deterministic)
    radius : the robustness radius ``mu`` with ``0 < mu < c/2``; ``None`` (default): the
        largest radius the certificate proves at every sample (just below ``c/2``). Not
        allowed with ``net=True`` (Theorem 4.3 fixes ``c_0/3``).
    net : Theorem 4.3's route: memorize a greedy ``c_0/3``-net robustly at ``c_0/3``

    Returns
    -------
    ConstructionResult (engine ``"float"``: the generic certified float64 evaluator, exact
    where it cannot decide, valid on all of ``R^n``; ``efficient``'s fast engine certifies inputs in
    ``x >= 0`` only, and robustness balls leave the cube) with ``info['representatives']`` (the
    centres: training indices grouped by class), ``info['group_sizes']`` and stats
    ``n_centres``, ``radius`` (proven on the closed ball around every centre),
    ``separation``, ``min_certified_radius``, ``net``; with ``net=True`` also ``net_size``,
    ``net_uncertain``, ``Q_thm43`` / ``log_Q_thm43`` (as written), ``Q_sound`` /
    ``log_Q_sound``.

    Raises
    ------
    OptionError : ``radius`` outside ``(0, c/2)``, or given with ``net=True``
    ConflictingLabelsError : separation zero
    ConstructionError : samples so close that float64 weights cannot certify the radius
    """
    started = time.perf_counter()
    if net and radius is not None:
        raise OptionError("robust: net=True memorizes the c0/3-net at radius c0/3 (Theorem 4.3); do not pass radius")
    X, codes = data.X, data.codes
    c = math.sqrt(float(closest_opposite_pair(X, data.y).squared))
    if radius is not None:
        mu = float(radius)
        if not (math.isfinite(mu) and 0.0 < mu < 0.5 * c):
            raise OptionError(f"robust: radius must lie in (0, c/2) = (0, {0.5 * c:.6g}) for separation c = {c:.6g}, got {radius!r}")
    stats: dict[str, object] = {"net": bool(net), "separation": c}
    if net:
        mu = c / 3.0
        reps, uncertain = greedy_net(X, mu)
        log_q, log_qs = net_volume_bound_log(data.n_features, mu), net_volume_bound_log_sound(data.n_features, mu)
        stats.update({"net_size": int(reps.size), "net_uncertain": uncertain, "log_Q_thm43": log_q,
                      "Q_thm43": _exp(log_q), "log_Q_sound": log_qs, "Q_sound": _exp(log_qs)})
        if uncertain == 0 and math.log(reps.size) > log_qs * (1 + 1e-9) + 1e-9:
            raise VerificationError(f"robust: the c0/3-net has {reps.size} points, above the volume bound "
                                    f"Q_sound = {_exp(log_qs):.6g}; this is a bug in memnets")
    else:
        reps = np.arange(data.n_samples)
    reps = reps[np.argsort(codes[reps], kind="stable")]
    sizes = np.bincount(codes[reps], minlength=data.n_classes)
    S = X[reps]
    mu0 = mu if (net or radius is not None) else 0.5 * c
    sq_max = float(np.einsum("ij,ij->i", S, S).max())
    network = nearest_centre_network(S, sizes, sq_max + mu0 * mu0)
    radii, win = nearest_centre_radii(network, sizes, S)
    wrong = np.flatnonzero(win != codes[reps])
    if wrong.size:
        raise VerificationError(f"robust: centre {int(reps[wrong[0]])} is not decided as its own class; this is a bug in memnets")
    r_min = float(radii.min())
    target = mu * (1 + 8 * U64) if (net or radius is not None) else 0.0
    if radius is None and not net:
        mu = r_min
    if not (r_min >= target and mu > 0):
        raise ConstructionError(
            f"robust: the certified radius at some centre ({r_min:.6g}) is below the target {mu:.6g}: "
            f"samples of different labels are too close (c = {c:.3g}) for float64 weights; rescale the data"
        )
    stats.update({
        "n_centres": int(reps.size),
        "centres_per_class": sizes.tolist(),
        "radius": mu,
        "min_certified_radius": r_min,
        "bias_constant": sq_max + mu0 * mu0,
        "params_first_layer": int(reps.size) * (data.n_features + 1),
        "verified_by": "finish (every sample) + nearest-bisector radius certified at every centre",
    })
    return finish(network, data, method="robust", options={"radius": radius, "net": bool(net)}, seed=seed,
                  started=started, engine="float",
                  info={"representatives": reps, "group_sizes": sizes, "centre_radii": radii},
                  extra_stats=stats)
