r"""Generalization certificates that need no knowledge of the distribution: exact binomial
tails, their inversion, the sample-compression bound and the test-set bound.

Setting: an unknown distribution D on inputs x labels; ``err(h) = P_{(x,y)~D}[h(x) != y]``;
``accuracy = 1 - err``. Everything is computed in log space (no overflow for N = 60,000 or
``C(N, k)`` with thousands of digits) and rounded so that the returned error bound is never
*below* the exact one (see :func:`binomial_tail_inverse`).

**Binomial tail and its inversion.** ``Bin(n, m, p) = P[Binomial(n, p) <= m]
= sum_{i <= m} C(n, i) p^i (1 - p)^(n - i)``, decreasing in ``p``;

.. math:: \overline{\mathrm{Bin}}(n, m, \delta) = \sup\{p \in [0, 1] : \mathrm{Bin}(n, m, p) \ge \delta\}.

**Test-set bound** (the one-sided Clopper–Pearson bound; Langford 2005, §3 [3]): if ``h``
is fixed before ``n`` i.i.d. test samples are drawn and makes ``m`` mistakes on them, then
with probability ``>= 1 - delta`` over the test sample,
``err(h) <= Bin-bar(n, m, delta)`` (:func:`held_out_bound`).

**Sample-compression bound** (Littlestone & Warmuth 1986 [1], Floyd & Warmuth 1995 [2];
in the form of Langford 2005, §6 [3]; :func:`compression_bound`). *Assumptions*: the
training sample ``z_1, ..., z_N`` is i.i.d. from D; a *reconstruction function* rho, fixed
before the sample is drawn, maps every finite list of labelled examples to a classifier;
the learner outputs ``h = rho(z_I)`` for some index set ``I`` of size ``k``, the kept
examples taken in index order. **How ``I`` is chosen may depend on the whole sample**; only
the reconstruction must use nothing but the kept labelled examples. Let ``m`` be the number
of mistakes of ``h`` on the ``N - k`` examples outside ``I``. Then with probability
``>= 1 - delta``, simultaneously for every ``k`` and every ``I``,

.. math::

    \mathrm{err}(h) \le \overline{\mathrm{Bin}}\Big(N - k,\ m,\
        \frac{\delta}{N \binom{N}{k}}\Big),
    \qquad\text{for } m = 0:\quad
    \mathrm{err}(h) \le 1 - \Big(\frac{\delta}{N \binom{N}{k}}\Big)^{1/(N-k)} .

*Proof.* Fix ``I``; ``h_I = rho(z_I)`` is a function of the kept examples only, so the
other ``N - k`` examples are i.i.d. from D and independent of ``h_I``: by the test-set
bound, ``P[err(h_I) > Bin-bar(N - k, m_I, delta_k)] <= delta_k`` (for ``m = 0``: the
probability that ``h_I`` with error ``> eps`` is right on all ``N - k`` of them is
``<= (1 - eps)^(N - k)``; ``m_I``, the mistakes of ``h_I`` outside ``I``, is random, and
the test-set bound holds for it as a confidence bound). A union bound over the ``C(N, k)`` index sets of each size and
over the sizes ``k = 0, ..., N - 1`` with weight ``1/N`` each
(``delta_k = delta / (N C(N, k))``) gives the claim (``k = N`` leaves nothing to test
with and gives the vacuous ``err <= 1``). The classic consistent form,
``C(N, k) (1 - eps)^(N - k) <= delta_k`` [1, 2], is the ``m = 0`` case.

References: [1] N. Littlestone, M. Warmuth, *Relating data compression and learnability*,
technical report, UC Santa Cruz (1986). [2] S. Floyd, M. Warmuth, *Sample compression,
learnability, and the Vapnik–Chervonenkis dimension*, Machine Learning 21 (1995).
[3] J. Langford, *Tutorial on practical prediction theory for classification*, JMLR 6
(2005). [4] C. J. Clopper, E. S. Pearson, *The use of confidence or fiducial limits
illustrated in the case of the binomial*, Biometrika 26 (1934).

>>> round(compression_bound(12665, 62, 0.05), 4)   # MNIST 0-1: 62 kept of 12,665
0.0313
>>> round(held_out_bound(2115, 1, 0.05), 5)         # 1 mistake on 2,115 test images
0.00224
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
from scipy.special import gammaln, logsumexp

from memnets._core.checks import check_scalar
from memnets._core.errors import OptionError

__all__ = [
    "Certificate",
    "binomial_tail",
    "binomial_tail_inverse",
    "compression_bound",
    "compression_certificate",
    "held_out_bound",
    "held_out_certificate",
    "log_binomial",
]

_BISECTION_STEPS = 200


# --------------------------------------------------------------------------- checks
def _check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    return check_scalar(name, value, int, ge=low, le=high)


def check_delta(delta: Any) -> float:
    """``delta`` as a float in (0, 1) (the failure probability), else :class:`OptionError`."""
    return check_scalar("delta (the failure probability)", delta, float, gt=0, lt=1)


# --------------------------------------------------------------------------- binomial tail
def log_binomial(n: int, k: int) -> float:
    """``ln C(n, k)`` (log-gamma; no overflow).

    >>> round(log_binomial(10, 3), 12) == round(math.log(120), 12)
    True
    """
    return float(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1))


def _log_tail(n: int, m: int, p: float) -> float:
    """``ln P[Binomial(n, p) <= m]``: the exact sum of its ``m + 1`` terms, in log space."""
    if m >= n or p <= 0.0:
        return 0.0
    if p >= 1.0:
        return -math.inf
    i = np.arange(m + 1, dtype=np.float64)
    terms = gammaln(n + 1) - gammaln(i + 1) - gammaln(n - i + 1) + i * math.log(p) + (n - i) * math.log1p(-p)
    return float(logsumexp(terms))


def binomial_tail(n: int, m: int, p: float) -> float:
    """``P[Binomial(n, p) <= m] = sum_{i <= m} C(n, i) p^i (1 - p)^(n - i)`` (float64).

    >>> round(binomial_tail(3, 1, 0.5), 12)   # (1 + 3) / 8
    0.5
    """
    n = _check_int("n", n, 0)
    m = _check_int("m (mistakes)", m, 0)
    pp = check_scalar("p", p, float, ge=0, le=1)
    return math.exp(_log_tail(n, m, pp))


def binomial_tail_inverse(n: int, m: int, delta: float | None = None, *, log_delta: float | None = None) -> float:
    r"""``Bin-bar(n, m, delta) = sup{p : P[Binomial(n, p) <= m] >= delta}`` (an upper bound).

    The largest true error rate under which ``m`` or fewer mistakes in ``n`` independent
    trials still have probability ``>= delta``. Computed by bisection on the exact tail
    (:func:`binomial_tail`, in log space), so ``delta`` may be tiny: pass ``log_delta``
    (``ln delta``, e.g. ``-5000``) instead of ``delta`` when it underflows float64.

    **Rounding.** The returned ``p`` is the upper end of the final bisection bracket, moved
    only when the computed ``ln tail`` is below ``ln delta`` by more than its worst-case
    float error (``1e-12 (1 + |ln delta| + n ln(n + 1))``, some 1000 times the error of
    the ``lgamma``/``log1p`` sums): the returned value is ``>=`` the exact ``Bin-bar`` (never optimistic).
    The excess grows with the slack and where the tail is flat in ``p``: about 1e-9 relative at
    ``n = 300``, up to ~1e-5 when the bound itself is tiny (``n = 1000``, ``delta`` near 1).
    ``n = 0`` or ``m >= n`` give 1.

    >>> p = binomial_tail_inverse(100, 0, 0.05)    # closed form 1 - 0.05^(1/100)
    >>> 0 <= p - (1 - 0.05 ** (1 / 100)) < 1e-11
    True
    """
    n = _check_int("n", n, 0)
    m = _check_int("m (mistakes)", m, 0)
    if (delta is None) == (log_delta is None):
        raise OptionError("binomial_tail_inverse: give exactly one of delta and log_delta")
    if delta is not None:
        target = math.log(check_delta(delta))
    else:
        target = check_scalar("log_delta", log_delta, float, lt=0)
    if n == 0 or m >= n:
        return 1.0
    slack = 1e-12 * (1.0 + abs(target) + n * math.log(n + 1.0))
    lo, hi = 0.0, 1.0  # tail(0) = 1 >= delta; only hi is returned
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi or hi - lo <= 1e-13 * hi:
            break
        if _log_tail(n, m, mid) < target - slack:
            hi = mid  # provably tail(mid) < delta: sup <= mid
        else:
            lo = mid
    return hi


# --------------------------------------------------------------------------- bounds
def held_out_bound(n_test: int, errors: int, delta: float) -> float:
    """Upper bound on the error of a classifier fixed before the test sample was drawn.

    With probability ``>= 1 - delta`` over ``n_test`` i.i.d. test samples on which the
    classifier makes ``errors`` mistakes, ``err <= Bin-bar(n_test, errors, delta)`` (the
    exact one-sided Clopper–Pearson upper limit; see the module docstring).

    >>> round(held_out_bound(1000, 0, 0.05), 6)     # about 3/n: the "rule of three"
    0.002991
    """
    n = _check_int("n_test", n_test, 1)
    e = _check_int("errors", errors, 0, n)
    return binomial_tail_inverse(n, e, check_delta(delta))


def compression_bound(n_samples: int, k: int, delta: float, errors: int = 0) -> float:
    """Upper bound on the error of a classifier reconstructed from ``k`` of ``n_samples``.

    The sample-compression bound of the module docstring: with probability
    ``>= 1 - delta`` over the i.i.d. training sample,
    ``err <= Bin-bar(N - k, errors, delta / (N C(N, k)))``, ``errors`` = mistakes on the
    ``N - k`` samples that were not kept (0 for a network that memorizes its training
    set). Valid however the kept set was chosen, as long as the classifier is a fixed
    function of the kept labelled samples alone. Increasing in ``k`` and in ``errors``,
    decreasing in ``delta``; ``k = N`` gives the vacuous 1.

    >>> compression_bound(1000, 1000, 0.05)
    1.0
    >>> compression_bound(1000, 10, 0.05) < compression_bound(1000, 20, 0.05)
    True
    """
    N = _check_int("n_samples", n_samples, 1)
    kk = _check_int("k (compression set size)", k, 0, N)
    e = _check_int("errors", errors, 0, N - kk)
    d = check_delta(delta)
    if kk == N:
        return 1.0
    log_d = math.log(d) - math.log(N) - log_binomial(N, kk)
    return binomial_tail_inverse(N - kk, e, log_delta=log_d)


# --------------------------------------------------------------------------- result object
@dataclass(frozen=True)
class Certificate:
    """A rigorous lower bound on a network's accuracy on the data's distribution.

    Attributes
    ----------
    accuracy
        with probability ``>= 1 - delta``, ``A_D(F) >= accuracy`` (= ``1 - error_bound``)
    error_bound
        the certified upper bound on ``P[F(x) != y]``
    delta
        the failure probability (over the draw of the samples named in ``bound``)
    bound
        ``"sample-compression"`` (from the training set alone) or ``"held-out"``
        (from held-out samples the network never saw)
    n_samples
        N: training samples (``"sample-compression"``) or test samples (``"held-out"``)
    k
        the compression set size, the samples the network is reconstructed from (0 for
        ``"held-out"``: the network does not depend on the test samples)
    errors
        mistakes on the ``n_samples - k`` samples that test the network
    statement
        the claim in words, with the theorem and its assumptions
    """

    accuracy: float
    error_bound: float
    delta: float
    bound: Literal["sample-compression", "held-out"]
    n_samples: int
    k: int
    errors: int
    statement: str

    def to_dict(self) -> dict[str, Any]:
        """The certificate as a plain dict (JSON-ready)."""
        return asdict(self)

    def __str__(self) -> str:
        return self.statement


def compression_certificate(n_samples: int, k: int, delta: float, *, errors: int = 0, what: str = "") -> Certificate:
    """:func:`compression_bound` packaged as a :class:`Certificate`; ``what`` describes how
    the classifier is reconstructed from its ``k`` kept samples (for the statement).

    >>> c = compression_certificate(12665, 62, 0.05)
    >>> c.bound, c.k, round(c.accuracy, 4)
    ('sample-compression', 62, 0.9687)
    """
    eps = compression_bound(n_samples, k, delta, errors)
    d = check_delta(delta)
    rest = n_samples - k
    vacuous = " (vacuous: no sample is left to test it)" if k >= n_samples else ""
    statement = (
        f"With probability >= {1 - d:.4g} over the i.i.d. draw of the {n_samples:,} training "
        f"samples, the accuracy on their distribution is >= {1 - eps:.4f} (error <= {eps:.4f}){vacuous}. "
        f"Sample-compression bound (Littlestone-Warmuth 1986, Floyd-Warmuth 1995; Langford 2005): "
        f"the classifier is a fixed function of k = {k:,} kept training samples"
        + (f" ({what})" if what else "")
        + f" and makes {errors} mistake{'s' if errors != 1 else ''} on the other {rest:,}; "
        f"error <= Bin-bar(N - k, mistakes, delta / (N C(N, k))), a union bound over every "
        "size and subset, so the choice of which samples to keep may depend on all of them. "
        "Assumes only that the training samples are i.i.d. draws from the distribution."
    )
    return Certificate(accuracy=1.0 - eps, error_bound=eps, delta=d, bound="sample-compression",
                       n_samples=int(n_samples), k=int(k), errors=int(errors), statement=statement)


def held_out_certificate(n_test: int, errors: int, delta: float) -> Certificate:
    """:func:`held_out_bound` packaged as a :class:`Certificate`.

    >>> c = held_out_certificate(2115, 1, 0.05)
    >>> c.bound, c.k, c.errors, round(c.accuracy, 4)
    ('held-out', 0, 1, 0.9978)
    """
    eps = held_out_bound(n_test, errors, delta)
    d = check_delta(delta)
    statement = (
        f"With probability >= {1 - d:.4g} over the i.i.d. draw of the {n_test:,} test samples, "
        f"the accuracy on their distribution is >= {1 - eps:.4f} (error <= {eps:.4f}). "
        f"Test-set bound (exact one-sided Clopper-Pearson limit; Langford 2005): {errors} "
        f"mistake{'s' if errors != 1 else ''} on {n_test:,} held-out samples; valid only if the "
        "network was fixed before the test samples were drawn (never selected or tuned on them)."
    )
    return Certificate(accuracy=1.0 - eps, error_bound=eps, delta=d, bound="held-out",
                       n_samples=int(n_test), k=0, errors=int(errors), statement=statement)
