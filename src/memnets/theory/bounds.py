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
import numbers
from fractions import Fraction
from typing import Any, NamedTuple

from memnets._core.checks import check_scalar
from memnets._core.deprecated import deprecated_alias
from memnets._core.errors import OptionError
from memnets._geometry.nets import net_volume_bound_log, net_volume_bound_log_sound

__all__ = [
    "Thm43Bound",
    "bound_cor64",
    "bound_prop77",
    "bound_thm43",
    "bound_thm61",
    "bound_thm65",
    "sample_size_cells",
    "sample_size_m1",
    "sample_size_thm73",
    "samples_lower_bound",
    "samples_upper_bound_constant",
]


def _check_count(value: Any, name: str) -> float:
    return check_scalar(name, value, float, ge=1)


#: the largest input dimension ``n`` a bound takes: every integer up to it is exact in float64
#: (``bound_thm43`` computes in floats; the exact bounds would not finish long before it)
MAX_DIMENSION = 2**53


def _check_dimension(value: Any) -> int:
    """The input dimension ``n`` of every bound here: an int in ``[1, MAX_DIMENSION]``."""
    n = check_scalar("n", value, int, ge=1)
    if n > MAX_DIMENSION:
        raise OptionError(f"n must be an int >= 1 and <= 2**53 (exact in float64), got {value!r}")
    return n


def _check_prob(value: Any, name: str) -> float:
    return check_scalar(name, value, float, gt=0, lt=1)


def _check_positive(value: Any, name: str) -> float:
    return check_scalar(name, value, float, gt=0)


def samples_lower_bound(N_D: float, eps: float = 0.01) -> int:
    r"""Samples any memorization algorithm needs on some D with complexity N_D: **ours**, a
    counting heuristic in the spirit of Section 6, **not** the paper's Theorem 6.1 (that is
    :func:`bound_thm61`, :math:`v N_D^2 (1 - 2\varepsilon - \delta) / \ln^2 N_D`).

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
    r"""Samples after which a constant-parameter memorization algorithm generalizes: **ours**,
    not the paper's Theorem 6.5 (that is :func:`bound_thm65`).

    .. math::

        N_{\rm upper}(N_D, \varepsilon, \delta) =
        \Big\lceil \frac{N_D^2 \ln^2 N_D + \ln(1/\delta)}{\varepsilon} \Big\rceil

    The realizable-learning (Occam) form :math:`(d + \ln(1/\delta))/\varepsilon` for a
    consistent learner whose outputs lie in a class of capacity d, with
    :math:`d = N_D^2 \ln^2 N_D` for networks of N_D parameters (at least the VC bound
    :math:`q\, m^2 \ln m` of the paper's Lemma G.3 with q = 1, once :math:`N_D \ge e`).
    Theorem 6.5 states :math:`N \ge v N_D^2 \ln(N_D / (\varepsilon^2\delta)) / \varepsilon^2`,
    of order :math:`N_D^2 \ln N_D` for fixed :math:`(\varepsilon, \delta)`; its proof
    (Appendix G.2) needs one more :math:`\ln N_D` (see :func:`bound_thm65`), the order
    :math:`N_D^2 \ln^2 N_D` used here. Constant we use: 1 and :math:`\ln N_D` replaced by
    1 when N_D < e. A calculator of the order of magnitude, not a certified bound.

    >>> samples_upper_bound_constant(100, eps=0.1, delta=0.1)
    2120783
    """
    nd = _check_count(N_D, "N_D")
    e = _check_prob(eps, "eps")
    d = _check_prob(delta, "delta")
    log_nd = max(1.0, math.log(nd))
    return math.ceil((nd * nd * log_nd * log_nd + math.log(1.0 / d)) / e - 1e-9)


def sample_size_thm73(S_D: float, eps: float, delta: float) -> int:
    r"""Samples after which the paper's Theorem 7.3 algorithm generalizes: :math:`\lceil S_D \ln(S_D/\delta) / \varepsilon \rceil`.

    The paper (Theorem 7.3): *"There exists an efficient memorization algorithm L such that
    for any c, eps, delta in (0, 1), n and D in D(n, c), if*
    :math:`N \ge \frac{S_D \ln(S_D/\delta)}{\epsilon}` *, then*
    :math:`P_{D_{tr} \sim D^N}(A(L(D_{tr})) \ge 1 - \epsilon) \ge 1 - \delta`*."* The
    logarithm is of :math:`S_D/\delta`; :math:`\varepsilon` divides the whole product.
    Proof (Appendix H.5): each of the :math:`S_D` balls of a nearby set (Definition 7.1,
    :func:`memnets.theory.estimate_SD`) that holds a training point is classified
    correctly, and balls of mass :math:`\ge \varepsilon/S_D` are all hit except with
    probability :math:`\le S_D e^{-N\varepsilon/S_D} \le \delta`. Exact constants: none
    hidden. The same union bound gives memnets' ``efficient`` guarantee with ``S_D`` replaced by the
    number of cells of diameter ``< c_D/2`` (:func:`memnets.theory.estimate_cells`), so one
    formula serves both (``sample_size_m1``, its older name, is a deprecated alias).

    >>> sample_size_thm73(10, 0.1, 0.05)        # 100 ln 200 = 529.8
    530
    """
    s = _check_count(S_D, "S_D")
    e = _check_prob(eps, "eps")
    d = _check_prob(delta, "delta")
    return math.ceil((s / e) * math.log(s / d))


#: the same formula under its earlier name (efficient's cells guarantee): deprecated, removed in the next release
sample_size_m1 = deprecated_alias(sample_size_thm73, "memnets.theory.sample_size_m1", "memnets.theory.sample_size_thm73")


def _exact_positive(value: Any, name: str) -> Fraction:
    """``value`` as an exact Fraction: ints and Fractions as they are, floats as the decimal
    they print as (``0.1`` -> 1/10)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptionError(f"{name} must be a number, got {value!r}")
    if isinstance(value, numbers.Rational):
        q = Fraction(int(value.numerator), int(value.denominator))
    else:
        f = float(value)
        if not math.isfinite(f):
            raise OptionError(f"{name} must be finite, got {value!r}")
        q = Fraction(repr(f))
    if q <= 0:
        raise OptionError(f"{name} must be positive, got {value!r}")
    return q


def check_ball_ratio(ratio: Any) -> Fraction:
    """Definition 7.1's radius ratio (balls of radius ``L(x) / ratio``), read exactly as
    :func:`bound_prop77` reads ``c``, if it is > 3 (Remark 7.2) and finite as a float64;
    else :class:`OptionError`. The one check behind :func:`bound_prop77` and
    :func:`memnets.theory.estimate_SD`.

    >>> check_ball_ratio(3.1), check_ball_ratio(Fraction(7, 2))
    (Fraction(31, 10), Fraction(7, 2))
    >>> check_ball_ratio(3)
    Traceback (most recent call last):
    ...
    memnets._core.errors.OptionError: ratio must be a finite number > 3 (Definition 7.1, Remark 7.2), got 3
    """
    bad = OptionError(f"ratio must be a finite number > 3 (Definition 7.1, Remark 7.2), got {ratio!r}")
    try:
        r = _exact_positive(ratio, "ratio")
        float(r)  # OverflowError beyond float64: estimate_SD computes with the float
    except (OptionError, OverflowError):
        raise bad from None
    if not r > 3:
        raise bad
    return r


def bound_prop77(n: int, c: float | Fraction, *, ratio: float | Fraction = 3.1) -> int:
    r"""Proposition 7.7's bound on the nearby-set size: :math:`S_D \le (\lfloor 6.2 n / c \rfloor + 1)^n`.

    For every :math:`D \in D(n, c)` (inputs in :math:`[0,1]^n`, opposite labels at distance
    :math:`\ge c`). ``6.2 = 2 * ratio`` with Definition 7.1's ``ratio = 3.1``; another ratio
    ``> 3`` gives :math:`(\lfloor 2\,\mathrm{ratio}\, n / c \rfloor + 1)^n`. Returned as
    an exact Python int (it is astronomically large for real n: ``n = 784, c = 1`` gives
    ~3,000 decimal digits). ``c`` and ``ratio`` are read exactly: ints and Fractions as
    they are, floats as the decimals they print as (``3.1`` is ``31/10``, so the floor is
    not disturbed by binary rounding).

    The proof (Appendix H.1) picks one support point near each point of the grid
    :math:`\{i c/(6.2 n) : i = 0, \dots, \lfloor 6.2n/c \rfloor + 1\}^n`, which has
    :math:`\lfloor 6.2n/c \rfloor + 2` values per axis; the statement (implemented here)
    says :math:`+1`. Neighbouring grid points are ``c/(6.2n)`` apart in every coordinate, so
    every support point is within ``c/(3.1 n)`` (sup norm), hence ``c/3.1`` (Euclidean), of
    a chosen one, whose ball has radius ``L/3.1 >= c/3.1``.

    >>> bound_prop77(2, 1)                     # (floor(12.4) + 1)^2
    169
    >>> bound_prop77(1, 0.1)                   # floor(62) + 1, exactly (0.1 read as 1/10)
    63
    """
    n = _check_dimension(n)
    cc = _exact_positive(c, "c")
    r = check_ball_ratio(ratio)
    return (math.floor(2 * r * n / cc) + 1) ** n


def sample_size_cells(M: float, eps: float = 0.01, delta: float = 0.05) -> int:
    r"""Samples after which every cell of mass >= eps/M is occupied, with prob. >= 1 - delta.

    .. math:: N \ge \frac{M}{\varepsilon} \ln \frac{M}{\delta}

    The argument of Theorem 7.3 applied to the M cells of the ``constant`` grid meeting the support:
    cells of mass < eps/M carry < eps in total, and each heavier cell is missed with
    probability :math:`(1 - \varepsilon/M)^N \le e^{-N\varepsilon/M} \le \delta/M`. ``constant`` is
    correct on occupied cells (off a ramp band of measure ~0), so then
    :math:`A_D \ge 1 - \varepsilon`. Same formula as :func:`sample_size_thm73` with S = M.
    """
    return int(sample_size_thm73(M, eps, delta))


# --------------------------------------------------------------------------- the paper's statements
def bound_thm61(N_D: float, eps: float, delta: float, *, v: float = 1.0) -> float:
    r"""Theorem 6.1's lower bound on the samples of a generalizing memorization algorithm.

    .. math:: N \;\ge\; v\,\frac{N_\mathcal{D}^2}{\ln^2 N_\mathcal{D}}\,(1 - 2\epsilon - \delta)

    The paper: *there exists no memorization algorithm* L which, for every n, c, every
    :math:`\mathcal{D} \in \mathcal{D}(n, c)` and every N at least this value, has
    :math:`P(A_\mathcal{D}(L(D_{tr})) \ge 1 - \epsilon) \ge 1 - \delta`; v is "an absolute
    constant which does not depend on N, n, c, eps, delta" whose value the paper does not
    give (default 1: read the result as a shape, not a number). Returns 0.0 when
    :math:`1 - 2\epsilon - \delta \le 0` (the statement is then vacuous). ``N_D > 1``.

    >>> round(bound_thm61(100, 0.1, 0.1), 3)  # 100^2 / ln(100)^2 * 0.7
    330.07
    """
    nd = _check_count(N_D, "N_D")
    if nd <= 1:
        raise OptionError(f"N_D must be > 1 (ln N_D is in a denominator), got {N_D!r}")
    e, d, c = _check_prob(eps, "eps"), _check_prob(delta, "delta"), _check_positive(v, "v (the absolute constant)")
    return max(0.0, c * nd * nd / math.log(nd) ** 2 * (1.0 - 2.0 * e - d))


def bound_thm65(N_D: float, eps: float, delta: float, *, v: float = 1.0) -> float:
    r"""Theorem 6.5 (1): samples after which every memorization algorithm whose networks
    have at most :math:`N_\mathcal{D}` parameters generalizes.

    .. math:: N \;\ge\; \frac{v\, N_\mathcal{D}^2 \ln\!\big(N_\mathcal{D} / (\epsilon^2 \delta)\big)}{\epsilon^2}
        \;\Longrightarrow\; P\big(A_\mathcal{D}(L(D_{tr})) \ge 1 - \epsilon\big) \ge 1 - \delta

    v is the paper's unknown absolute constant (default 1). Part (2) of the theorem: if
    P != NP no such algorithm is efficient.

    The statement's order is :math:`N_D^2 \ln(N_D/(\epsilon^2\delta))/\epsilon^2`. Its
    proof (Appendix G.2) bounds the VC dimension of networks with m parameters by
    :math:`q\, m^2 \ln m` (Lemma G.3) and then requires
    :math:`N \ge 16 q N_D^2 \ln(N_D) \ln\big(64 q e N_D^2 \ln(N_D) / (\delta\epsilon^2)\big) / \epsilon^2`:
    an extra factor :math:`\ln N_D` that no absolute constant v absorbs, so what the proof
    establishes is of order :math:`N_D^2 \ln N_D \ln(N_D/(\epsilon^2\delta))/\epsilon^2`.
    This function evaluates the statement as printed.

    >>> round(bound_thm65(100, 0.1, 0.1), 1)  # 100^2 ln(100 / 0.001) / 0.01
    11512925.5
    """
    nd = _check_count(N_D, "N_D")
    e, d, c = _check_prob(eps, "eps"), _check_prob(delta, "delta"), _check_positive(v, "v (the absolute constant)")
    return c * nd * nd * math.log(nd / (e * e * d)) / (e * e)


def bound_cor64(n: int, c: float, eps: float, delta: float, *, v: float = 1.0, proved: bool = False) -> int:
    r"""Corollary 6.4: on some :math:`\mathcal{D} \in \mathcal{D}(n, c)` any generalizing
    memorization algorithm needs more than this many samples (exponential in n).

    .. math:: N \;>\; v\, 2^{2\lfloor n / \lceil c^2 \rceil \rfloor}\, c^4\, (1 - 2\epsilon - \delta) / n^2

    Returned as a Python ``int`` (the floor of the value, exact: :math:`2^{2\lfloor\cdot\rfloor}`
    leaves float range for n beyond ~500), 0 when :math:`1 - 2\epsilon - \delta \le 0`.
    v is the paper's unknown absolute constant (default 1).

    ``proved=True`` returns what the corollary's proof (Appendix F) establishes instead:
    :math:`\lfloor v\, 2^{\lfloor n / \lceil c^2 \rceil \rfloor} (1 - 2\epsilon - \delta) \rfloor`
    (Theorem 6.1's argument run on the :math:`k = 2^{\lfloor n/\lceil c^2\rceil\rfloor}`
    points of Lemma F.1 fails at :math:`q = \lfloor k (1 - 2\epsilon - \delta)\rfloor`
    samples; the proof's own constant is v = 1): exponent
    :math:`\lfloor n/\lceil c^2\rceil\rfloor`, not twice it, and no :math:`c^4/n^2`
    factor (the argument: ``docs/paper/corollary64.md``).

    >>> bound_cor64(20, 1.0, 0.1, 0.1)  # 2^40 * 0.7 / 400
    1924145348
    >>> bound_cor64(20, 1.0, 0.1, 0.1, proved=True)  # 2^20 * 0.7
    734003
    """
    n = _check_dimension(n)
    cc = _check_positive(c, "c")
    e, d, k = _check_prob(eps, "eps"), _check_prob(delta, "delta"), _check_positive(v, "v (the absolute constant)")
    # decimal arguments read as the decimals they print as (0.2 is 1/5, not its binary neighbour)
    k_, c_, e_, d_ = (Fraction(repr(x)) for x in (k, cc, e, d))
    if not isinstance(proved, bool):
        raise OptionError(f"proved must be True or False, got {proved!r}")
    t = n // math.ceil(cc * cc)
    if proved:
        scale = k_ * (1 - 2 * e_ - d_)
        return 0 if scale <= 0 else math.floor(scale * 2**t)
    scale = k_ * c_**4 * (1 - 2 * e_ - d_) / n**2
    if scale <= 0:
        return 0
    return math.floor(scale * 2 ** (2 * t))


class Thm43Bound(NamedTuple):
    """Appendix C's bound on the size of a ``c/3``-net (see :func:`bound_thm43`)."""

    Q: float
    log_Q: float
    Q_sound: float
    log_Q_sound: float


def bound_thm43(n: int, c: float) -> Thm43Bound:
    r"""Theorem 4.3's bound on the net ``D_s`` (Appendix C, Step 3), as written and as proven.

    .. math::

        Q = \frac{(1 + 2c/3)^n}{C_n (c/3)^n}, \qquad
        Q_{\text{sound}} = \frac{(1 + c/3)^n}{C_n (c/6)^n}, \qquad
        C_n = \frac{\pi^{n/2}}{\Gamma(n/2 + 1)}

    (``C_n`` the volume of the unit ball, through log-gamma: ``log_Q`` is finite for any
    ``n``; ``Q`` is ``inf`` when it exceeds float64). ``Q`` is the paper's number; a
    ``c/3``-net's points are only ``> c/3`` apart, so only balls of radius ``c/6`` are
    disjoint and the volume argument proves ``|D_s| <= Q_sound`` (``Q`` can be exceeded:
    ``tests/theory/test_thm43.py`` has a 1-D example). Both are independent of ``N``; the
    network of ``construct(..., method="robust", net=True)`` has ``|D_s| (n + 1) + O(|D_s|)``
    parameters.

    Parameters
    ----------
    n
        dimension, ``>= 1``
    c
        separation, ``> 0`` (the paper uses ``c_0 >= c``; smaller ``c`` gives a larger bound)

    >>> b = bound_thm43(1, 0.3)        # C_1 = 2: Q = 1.2 / 0.2, Q_sound = 1.1 / 0.1
    >>> round(b.Q, 9), round(b.Q_sound, 9)
    (6.0, 11.0)
    >>> bound_thm43(2000, 0.5).Q, round(bound_thm43(2000, 0.5).log_Q)
    (inf, 8926)
    """
    n_ = _check_dimension(n)
    c_ = _check_positive(c, "c")
    log_q = net_volume_bound_log(n_, c_ / 3.0)
    log_s = net_volume_bound_log_sound(n_, c_ / 3.0)
    big = 709.0
    return Thm43Bound(math.exp(log_q) if log_q < big else math.inf, log_q,
                      math.exp(log_s) if log_s < big else math.inf, log_s)
