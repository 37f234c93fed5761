r"""The paper's sample-size bounds as calculators (Sections 6 and 7).

Each function takes the distribution's complexity numbers (estimated from data by
:mod:`memnets.theory.estimators`) and returns a number of samples; the constants each one
uses are stated in its docstring. Arguments are checked: counts must be finite and
``>= 1``, probabilities must lie in ``(0, 1)`` (:class:`~memnets.OptionError` otherwise).

References: [1] Yu, Gao, Zhang, Miao, *Generalizability of Memorization Neural Networks*,
NeurIPS 2024 (Sections 6, 7).
"""

from __future__ import annotations

import math
from typing import Any

from memnets._core.errors import OptionError

__all__ = ["sample_size_cells", "sample_size_m1", "samples_lower_bound", "samples_upper_bound_constant"]


def _check_count(value: Any, name: str) -> float:
    if isinstance(value, str | bool):
        raise OptionError(f"{name} must be a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise OptionError(f"{name} must be a number, got {value!r}") from exc
    if not (math.isfinite(v) and v >= 1):
        raise OptionError(f"{name} must be a finite number >= 1, got {value!r}")
    return v


def _check_prob(value: Any, name: str) -> float:
    if isinstance(value, str | bool):
        raise OptionError(f"{name} must be a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise OptionError(f"{name} must be a number, got {value!r}") from exc
    if not (0 < v < 1):
        raise OptionError(f"{name} must lie in (0, 1), got {value!r}")
    return v


def samples_lower_bound(N_D: float, eps: float = 0.01) -> int:
    r"""Samples any memorization algorithm needs on some D with complexity N_D (Section 6).

    .. math:: N_{\rm lower}(N_D, \varepsilon) = \lceil (1 - 2\varepsilon)\, N_D^2 \rceil

    Constants we use: a network with W parameters can memorize (shatter) about
    :math:`W^2` points (the VC-dimension order of deep ReLU networks, constant 1), so a
    distribution uniform on :math:`M = N_D^2` atoms with independent random labels has
    memorization parameter complexity about N_D. After N samples at most N atoms were seen;
    on unseen atoms any algorithm is right with probability 1/2, so
    :math:`A_D \le 1 - (1 - N/M)/2` and :math:`A_D \ge 1 - \varepsilon` needs
    :math:`N \ge (1 - 2\varepsilon) M`.

    >>> samples_lower_bound(100, eps=0.01)
    9800
    """
    nd = _check_count(N_D, "N_D")
    e = _check_prob(eps, "eps")
    return math.ceil((1.0 - 2.0 * e) * nd * nd - 1e-9)


def samples_upper_bound_constant(N_D: float, eps: float = 0.01, delta: float = 0.05) -> int:
    r"""Samples after which a constant-parameter memorization algorithm generalizes (Section 6).

    .. math::

        N_{\rm upper}(N_D, \varepsilon, \delta) =
        \Big\lceil \frac{N_D^2 \ln^2 N_D + \ln(1/\delta)}{\varepsilon} \Big\rceil

    The paper's order :math:`O(N_D^2 \ln^2 N_D)` for fixed :math:`(\varepsilon, \delta)`,
    written in the realizable-learning (Occam) form :math:`(d + \ln(1/\delta))/\varepsilon`
    for a consistent learner whose outputs lie in a class of capacity d, with
    :math:`d = N_D^2 \ln^2 N_D` for networks of N_D parameters. Constant we use: 1 (the
    paper's O() constant is not explicit) and :math:`\ln N_D` replaced by 1 when N_D < e.
    A calculator of the order of magnitude, not a certified bound.

    >>> samples_upper_bound_constant(100, eps=0.1, delta=0.1)
    2120783
    """
    nd = _check_count(N_D, "N_D")
    e = _check_prob(eps, "eps")
    d = _check_prob(delta, "delta")
    log_nd = max(1.0, math.log(nd))
    return math.ceil((nd * nd * log_nd * log_nd + math.log(1.0 / d)) / e - 1e-9)


def sample_size_m1(S_D: float, eps: float, delta: float) -> int:
    """Samples that suffice for Theorem 7.3: ``ceil((S_D / eps) * ln(S_D / delta))``.

    If ``supp(D)`` splits into ``S_D`` cells of diameter ``< c_D / 2`` and M1 uses
    ``r <= c_D / 2``, then ``N >= sample_size_m1(S_D, eps, delta)`` i.i.d. samples give
    ``A_D(F) >= 1 - eps`` with probability ``>= 1 - delta`` (each cell of mass
    ``>= eps / S_D`` is hit with probability ``>= 1 - delta / S_D``; a union bound).

    >>> sample_size_m1(10, 0.1, 0.05)
    530
    """
    s = _check_count(S_D, "S_D")
    e = _check_prob(eps, "eps")
    d = _check_prob(delta, "delta")
    return math.ceil((s / e) * math.log(s / d))


def sample_size_cells(M: float, eps: float = 0.01, delta: float = 0.05) -> int:
    r"""Samples after which every cell of mass >= eps/M is occupied, with prob. >= 1 - delta.

    .. math:: N \ge \frac{M}{\varepsilon} \ln \frac{M}{\delta}

    The argument of Theorem 7.3 applied to the M cells of the M3 grid meeting the support:
    cells of mass < eps/M carry < eps in total, and each heavier cell is missed with
    probability :math:`(1 - \varepsilon/M)^N \le e^{-N\varepsilon/M} \le \delta/M`. M3 is
    correct on occupied cells (off a ramp band of measure ~0), so then
    :math:`A_D \ge 1 - \varepsilon`. Same formula as :func:`sample_size_m1` with S = M.
    """
    return int(sample_size_m1(M, eps, delta))
