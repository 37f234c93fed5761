r"""Width audit (Section 5): a null direction of the first layer and a certified error bound.

Let :math:`F(x) = W_L\sigma(\cdots\sigma(W_1x+b_1)\cdots)+b_L` on :math:`\mathbb R^n`. If
:math:`\operatorname{rank} W_1 < n` there is a unit vector :math:`v` with :math:`W_1v = 0`, and
then :math:`F(x + tv) = F(x)` for every :math:`x` and every real :math:`t`: **F is constant on
every line parallel to v**, so it predicts one label on each such line.

Derivation of the bound (the disintegration used). Write :math:`x = p + t v` with
:math:`p = x - \langle x, v\rangle v \in v^\perp` and :math:`t = \langle x, v\rangle`. Let
:math:`\mu` be the law of :math:`p` under D and :math:`D_p` the conditional law of
:math:`(t, y)` given :math:`p` (a regular conditional distribution; it exists for any Borel
law on :math:`\mathbb R^n\times\{1..C\}`). With :math:`\pi_c(p) = D_p(y = c)`,

.. math::

    \operatorname{err}_D(F) = \int P_{D_p}\big[\hat y(p) \ne y\big]\, d\mu(p)
    = \int \big(1 - \pi_{\hat y(p)}(p)\big)\, d\mu(p)
    \;\ge\; \int m(p)\, d\mu(p),\qquad m(p) = 1 - \max_c \pi_c(p),

because the prediction :math:`\hat y(p)` of F is the same on the whole line. For a
distribution with a piecewise constant density :math:`f = \sum_k q_k 1_{S_k}` (label
:math:`\ell_k` on the piece :math:`S_k`), the conditional density of t given p is
:math:`f(p + tv) / \int f(p + sv)\,ds`, hence

.. math::

    \pi_c(p) = \frac{\sum_{k:\ \ell_k = c} q_k\, |\{t: p + tv \in S_k\}|}
                    {\sum_k q_k\, |\{t: p + tv \in S_k\}|},

i.e. for a law uniform on its support the **minority length fraction** of the line. For
concentric shells and ball mixtures the lengths are exact closed forms in the distance of
the line to each centre (:meth:`~memnets.datasets.AlternatingShells.line_label_masses`,
:meth:`~memnets.datasets.BallMixture.line_label_masses`). (The samplers trim
:math:`\eta_n \approx 10^{-15}` off each boundary; the effect on the lengths is below
:math:`10^{-14}` and is absorbed by the margin ``_GEOMETRY_SLACK``.)

Monte Carlo certificate: draw L points :math:`x_i \sim D`, so the :math:`p_i` are i.i.d.
:math:`\mu`, and :math:`m(p_i) \in [0, 1 - 1/C]`. By Hoeffding's inequality, with
probability at least :math:`1 - \delta` over the audit's own draws,

.. math::

    \operatorname{err}_D(F) \;\ge\; \frac1L\sum_i m(p_i)
      - (1 - 1/C)\sqrt{\frac{\ln(1/\delta)}{2L}} \;=:\; \text{error\_lower\_bound}.

"Certified" means exactly this: W_1 v = 0 is checked in exact rational arithmetic (float64
weights are exact dyadic rationals), the line measure is in closed form, and the only
randomness is the stated Hoeffding event. The same lines also give an unbiased estimate of
the network's true error, :math:`\frac1L\sum_i (1 - \pi_{\hat y(p_i)}(p_i))`
(``line_error``), an independent check of the error measured on test points.

**Fibres** (the paper's argument, Theorem 5.1 / Lemma D.2). F is constant not only on lines
but on the whole fibre :math:`x + \ker W_1` of dimension :math:`m = n - \operatorname{rank}
W_1`; conditioning on fibres instead of lines gives the same derivation with
:math:`|\{t\}|` replaced by m-volumes, and a larger bound (the minority mass of a fibre is
at least the mean minority mass of the lines in it). Distributions that know their fibre
measures (:class:`~memnets.datasets.FibreMeasured`: shells, :func:`~memnets.datasets.ball_shell`,
ball mixtures) are audited on fibres (``report.fibre_dim = m``): on Theorem 5.1's ball inside
a thin shell this certifies the theorem's error of about 1/2 for any rank-deficient first
layer, where single lines certify almost nothing (the shell is thin along any one line).

Distributions: anything with ``sample(n, rng)`` that is a
:class:`~memnets.datasets.LineMeasured`, i.e. has a method ``line_label_masses(X, v) ->
(L, C)`` giving, for the line through each row of X parallel to v, non-negative masses
proportional to :math:`\pi_c` (classes in ``sampler.classes`` order): the ball mixtures and
shells (closed-form lengths) and :class:`~memnets.datasets.CubeCorners` (a discrete law,
where the line through a corner holds at most one other corner). For any other
distribution the audit reports the null direction but no bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._core.checks import RNGLike, as_rng, check_scalar
from memnets._core.errors import InputError
from memnets._core.linalg import exact_null_vector, is_null, pivoted_null_vector
from memnets._core.network import ReLUNetwork
from memnets.datasets import FibreMeasured, LineMeasured

__all__ = [
    "AuditReport",
    "audit",
    "null_direction",
    "predict_codes",
    "row_basis",
]

#: W_1 with at most this many entries: exact RREF over the rationals
EXACT_NULL_MAX_ENTRIES = 4096
#: larger float W_1 of rank at most this: float-pivoted, exact fraction-free (Bareiss) solve
EXACT_NULL_MAX_RANK = 96
#: absolute slack subtracted from the bound for the float64 evaluation of the closed-form
#: lengths and the samplers' eta_n trimming (against 60-digit decimal evaluation the per-line
#: error of pi is below 1e-13; tests/test_audit.py checks 1e-11)
_GEOMETRY_SLACK = 1e-9


@dataclass
class AuditReport:
    """What the audit found about one network (and, optionally, one distribution).

    Attributes
    ----------
    n_inputs, hidden_sizes, bottleneck, rank_first_layer
        structure (``bottleneck`` is
        ``min(n, hidden sizes, rank W_1)``)
    direction
        unit float64 vector v of shape (n,) with W_1 v = 0, or None when
        rank W_1 = n
    direction_exact
        the same direction as exact rationals (not normalised), when computed
        exactly; ``W_1 @ direction_exact == 0`` holds exactly
    exact
        True when W_1 v = 0 was established in exact arithmetic
    residual
        ``max |W_1 v|`` for the float direction (0.0 when exact)
    error_lower_bound
        certified lower bound on the network's error over the distribution,
        valid with probability >= 1 - delta (None without a distribution or a direction)
    minority_mean
        Monte Carlo mean of the minority mass m(p) on the sampled lines
    line_error
        unbiased line-sampling estimate of the network's actual error, with its
        two-sided Hoeffding half-width ``line_error_halfwidth`` at level delta
    n_lines, delta, seed
        the Monte Carlo design (one sampled fibre per "line")
    fibre_dim
        dimension of the sampled fibres: ``n - rank W_1`` when the distribution
        knows its fibre measures (:class:`~memnets.datasets.FibreMeasured`), else 1 (lines)
    note
        why a bound is missing or not certified
    """

    n_inputs: int
    hidden_sizes: tuple[int, ...]
    bottleneck: int
    rank_first_layer: int
    direction: np.ndarray | None
    direction_exact: tuple[Fraction, ...] | None
    exact: bool
    residual: float
    error_lower_bound: float | None = None
    minority_mean: float | None = None
    line_error: float | None = None
    line_error_halfwidth: float | None = None
    n_lines: int = 0
    fibre_dim: int = 1
    delta: float = 0.05
    seed: int | None = None
    distribution: dict[str, Any] | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def certified(self) -> bool:
        """True when the bound rests on an exact null direction."""
        return self.error_lower_bound is not None and self.exact

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (exact direction as strings ``p/q``)."""
        return {
            "n_inputs": self.n_inputs,
            "hidden_sizes": list(self.hidden_sizes),
            "bottleneck": self.bottleneck,
            "rank_first_layer": self.rank_first_layer,
            "direction": None if self.direction is None else self.direction.tolist(),
            "direction_exact": None
            if self.direction_exact is None
            else [str(v) for v in self.direction_exact],
            "exact": self.exact,
            "residual": self.residual,
            "error_lower_bound": self.error_lower_bound,
            "certified": self.certified,
            "minority_mean": self.minority_mean,
            "line_error": self.line_error,
            "line_error_halfwidth": self.line_error_halfwidth,
            "n_lines": self.n_lines,
            "fibre_dim": self.fibre_dim,
            "delta": self.delta,
            "seed": self.seed,
            "distribution": self.distribution,
            "note": self.note,
        }


# --------------------------------------------------------------------------- models
def _as_network(network: Any) -> ReLUNetwork:
    from memnets._constructions.result import ConstructionResult

    if isinstance(network, ReLUNetwork):
        return network
    if isinstance(network, ConstructionResult):
        return network.network
    mod = type(network).__module__
    if mod.startswith("torch"):
        return ReLUNetwork.from_torch(network)
    raise InputError(
        "audit takes a ReLUNetwork, a ConstructionResult or a torch.nn.Sequential of "
        f"Linear/ReLU, got {type(network).__name__}"
    )


# --------------------------------------------------------------------------- null direction
def null_direction(network: Any) -> tuple[np.ndarray | None, tuple[Fraction, ...] | None, float]:
    """A unit vector v with W_1 v = 0: ``(v, v_exact or None, residual)``; ``(None, None, 0)``
    when W_1 has full column rank.

    Exact whenever possible, and then ``W_1 v_exact == 0`` is re-checked in exact arithmetic:
    rational RREF (:func:`~memnets._core.linalg.exact_null_vector`) for exact (int/Fraction)
    weights or at most ``EXACT_NULL_MAX_ENTRIES`` entries; float64 weights of rank at most
    ``EXACT_NULL_MAX_RANK``: pivots from a pivoted QR, then an exact fraction-free solve
    (:func:`~memnets._core.linalg.pivoted_null_vector`). Otherwise the last right singular
    vector of the float64 W_1 (``residual = max |W_1 v| > 0`` is reported and nothing is
    certified).
    """
    net = _as_network(network)
    layer = net.layers[0]
    w = layer.dense_weight()
    n = w.shape[1]
    rank = net.rank_first_layer
    if rank >= n:
        return None, None, 0.0
    ve: tuple[Fraction, ...] | None = None
    if w.size <= EXACT_NULL_MAX_ENTRIES or w.dtype == object:
        ve = exact_null_vector(w)
        if ve is None:
            return None, None, 0.0
        if not is_null(w, ve):  # exact re-check, never skipped
            raise ArithmeticError("exact null vector check failed (bug in memnets)")
    elif rank <= EXACT_NULL_MAX_RANK:
        ve = pivoted_null_vector(w, rank)
        if ve is not None and not is_null(w, ve):
            ve = None  # the float rank or pivots were wrong: fall back to the float direction
    if ve is not None:
        vf = np.array([float(x) for x in ve])
        return vf / np.linalg.norm(vf), ve, 0.0
    wf = layer.float_weight
    wd = wf.toarray() if hasattr(wf, "toarray") else np.asarray(wf)
    _, _, vt = np.linalg.svd(wd)
    v = vt[-1]
    return v / np.linalg.norm(v), None, float(np.abs(wd @ v).max())


def row_basis(network: Any) -> np.ndarray:
    """An orthonormal basis (rank x n, float64) of the row space of W_1: the fibres
    ``x + rows^perp = x + ker W_1`` are where F is constant. From the SVD of the float64
    W_1 with the rank of :attr:`~memnets.ReLUNetwork.rank_first_layer`; the basis is the
    exact row space up to float64 rounding (~1e-16), which moves the fibre's distance to a
    centre by about that much and is absorbed by the audit's geometry slack."""
    net = _as_network(network)
    wf = net.layers[0].float_weight
    wd = wf.toarray() if hasattr(wf, "toarray") else np.asarray(wf)
    _, _, vt = np.linalg.svd(wd, full_matrices=False)
    return np.ascontiguousarray(vt[: net.rank_first_layer])


def _describe(dist: Any) -> dict[str, Any]:
    if hasattr(dist, "to_dict"):
        d = dict(dist.to_dict())
        d.pop("centers", None)
        return d
    return {"type": type(dist).__name__}


# --------------------------------------------------------------------------- audit
def audit(
    network: Any,
    sampler: Any = None,
    *,
    n_lines: int = 4000,
    delta: float = 0.05,
    rng: RNGLike = None,
) -> AuditReport:
    r"""Audit a ReLU network for the width condition of Section 5.

    Parameters
    ----------
    network
        :class:`~memnets.ReLUNetwork`, :class:`~memnets.ConstructionResult`, or a
        ``torch.nn.Sequential`` of Linear/ReLU
    sampler
        optional distribution (see the module docstring); without it only the
        structure and the null direction are reported
    n_lines
        L, number of lines sampled from D
    delta
        the bound holds with probability >= 1 - delta over the audit's draws
    rng
        Generator, seed or None (the seed is recorded)

    Returns
    -------
    AuditReport. When ``rank W_1 = n`` there is no null direction and no bound (a narrow
    *later* layer can still make ``bottleneck < n``; ``note`` says so).

    Bound, with :math:`m(p_i)` the minority mass of the i-th sampled line and C classes:

    .. math::

        \operatorname{err}_D(F) \ge \frac1L \sum_{i=1}^L m(p_i)
        - \Big(1 - \frac1C\Big)\sqrt{\frac{\ln(1/\delta)}{2L}}
        \quad\text{with probability} \ge 1 - \delta.

    >>> import memnets as mn
    >>> net = mn.ReLUNetwork([([[1.0, 0.0]], [0.0]), ([[1.0]], [-0.5])])  # depends on x_0 only
    >>> rep = mn.audit(net)
    >>> rep.bottleneck, rep.direction.tolist(), rep.exact
    (1, [0.0, 1.0], True)
    """
    net = _as_network(network)
    n_lines = check_scalar("n_lines", n_lines, int, ge=1)
    delta = check_scalar("delta", delta, float, gt=0, lt=1)
    gen, seed = as_rng(rng)
    v, v_exact, residual = null_direction(net)
    report = AuditReport(
        n_inputs=net.n_inputs,
        hidden_sizes=net.hidden_sizes,
        bottleneck=net.bottleneck,
        rank_first_layer=net.rank_first_layer,
        direction=v,
        direction_exact=v_exact,
        exact=v_exact is not None,
        residual=residual,
        n_lines=int(n_lines),
        delta=float(delta),
        seed=seed,
    )
    if v is None:
        report.note = (
            "rank W_1 = n: no direction is erased by the first layer, no line bound"
            + (" (a narrower later layer makes the bottleneck < n)" if net.bottleneck < net.n_inputs else "")
        )
        return report
    if v_exact is None:
        report.note = (
            f"W_1 too large for exact elimination ({net.layers[0].weight.shape}, rank "
            f"{net.rank_first_layer}); float null "
            f"direction with residual {residual:.3g}: bound reported but not certified"
        )
    if sampler is None:
        return report
    if getattr(sampler, "n_features", net.n_inputs) != net.n_inputs:
        raise InputError(
            f"the distribution has {sampler.n_features} features but the network takes {net.n_inputs}"
        )
    report.distribution = _describe(sampler)
    X, _ = sampler.sample(int(n_lines), gen)
    X = np.asarray(X, dtype=np.float64)
    if isinstance(sampler, FibreMeasured) and 1 <= net.rank_first_layer < net.n_inputs:
        # the whole fibre x + ker W_1 (dimension n - rank): F is constant on it, and its
        # minority mass is at least the mean minority mass of the lines it contains
        masses = np.asarray(sampler.fibre_label_masses(X, row_basis(net)), dtype=np.float64)
        report.fibre_dim = net.n_inputs - net.rank_first_layer
    elif isinstance(sampler, LineMeasured):
        masses = np.asarray(sampler.line_label_masses(X, v), dtype=np.float64)
    else:
        report.note = (
            f"{type(sampler).__name__} exposes no line measure (no line_label_masses(X, v), "
            "see memnets.datasets.LineMeasured); no bound"
        )
        return report
    total = masses.sum(axis=1)
    if np.any(total <= 0):
        i = int(np.flatnonzero(total <= 0)[0])
        raise ArithmeticError(f"sampled line {i} has zero mass under the distribution (bug)")
    pi = masses / total[:, None]
    C = pi.shape[1]
    minority = 1.0 - pi.max(axis=1)
    slack = (1.0 - 1.0 / C) * math.sqrt(math.log(1.0 / delta) / (2.0 * n_lines))
    report.minority_mean = float(minority.mean())
    report.error_lower_bound = max(0.0, report.minority_mean - slack - _GEOMETRY_SLACK)
    # the network's own error, exactly per line (F is constant on it), averaged over lines
    pred = _distribution_codes(network, predict_codes(net, X), sampler, C)
    right = np.zeros(len(pred))
    known = pred >= 0  # a predicted label that is no class of D is wrong on the whole line
    right[known] = pi[np.flatnonzero(known), pred[known]]
    report.line_error = float(np.mean(1.0 - right))
    report.line_error_halfwidth = math.sqrt(math.log(2.0 / delta) / (2.0 * n_lines))
    return report


def _distribution_codes(network: Any, codes: np.ndarray, sampler: Any, n_classes: int) -> np.ndarray:
    """Map the network's class indices to indices into ``sampler.classes`` (-1: not a class of D).

    A :class:`~memnets.ConstructionResult` knows its labels (``classes[code]``); a bare network
    is read in the binary convention (output > 0 -> second class) or as class indices.
    """
    from memnets._constructions.result import ConstructionResult

    dist_classes = list(np.asarray(getattr(sampler, "classes", np.arange(n_classes))).tolist())
    if isinstance(network, ConstructionResult):
        labels = network.classes[codes].tolist()
        return np.array([dist_classes.index(v) if v in dist_classes else -1 for v in labels], dtype=np.int64)
    return np.where(codes < n_classes, codes, -1)


def predict_codes(network: Any, X: np.ndarray) -> np.ndarray:
    """Class index predicted by the network on each row (sign for one output, else argmax).

    The one decision path (:func:`memnets._engines.decide.predict_codes`): a
    :class:`~memnets.ConstructionResult` with its own engine; a bare network exactly when it
    has int/Fraction entries, else certified float64. Rows a float error bound does not
    settle are re-evaluated exactly, so every prediction is the exact one.
    """
    from memnets._constructions.result import ConstructionResult
    from memnets._engines.decide import default_engine
    from memnets._engines.decide import predict_codes as decide_codes

    net = _as_network(network)
    engine = network.engine if isinstance(network, ConstructionResult) else default_engine(net)
    return decide_codes(net, X, engine)

