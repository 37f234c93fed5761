"""memnets._core.pac at its edges: p = 0 and p = 1, m >= n, a tiny supremum, the smallest
sample sizes, every argument check's message and the certificates' full statements.

Written against the mutants of ``pac.py`` that ``tests/theory/test_certify.py`` lets survive
(``make mutate MODULE=pac``; the table in benchmarks/README.md). References are independent:
closed forms (``m = 0``: ``Bin-bar(n, 0, delta) = 1 - delta^(1/n)``) and exact rational tails.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest

from memnets._core import pac
from memnets._core.errors import OptionError


def _tail_exact(n: int, m: int, p: Fraction) -> Fraction:
    return sum((math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(m + 1)), Fraction(0))


# --------------------------------------------------------------------------- binomial tail
def test_tail_at_p_0_and_p_1_and_m_at_least_n() -> None:
    """``P[Bin(n, 0) <= m] = 1``; ``P[Bin(n, 1) <= m]`` is 1 for ``m >= n`` and 0 below;
    ``m >= n`` gives 1 for every ``p``. Exactly, and without a float warning."""
    for n, m in [(3, 0), (3, 2), (3, 3), (3, 5), (0, 0)]:
        assert pac.binomial_tail(n, m, 0.0) == 1.0
        assert pac.binomial_tail(n, m, 1.0) == (1.0 if m >= n else 0.0)
        if m >= n:
            assert pac.binomial_tail(n, m, 0.375) == 1.0
    assert pac.binomial_tail(3, 1, 0.5) == pytest.approx(0.5, rel=1e-15)  # (1 + 3) / 8


@pytest.mark.parametrize(("call", "message"), [
    (lambda: pac.binomial_tail(-1, 0, 0.5), "n must be an int >= 0, got -1"),
    (lambda: pac.binomial_tail(3, -1, 0.5), "m (mistakes) must be an int >= 0, got -1"),
    (lambda: pac.binomial_tail(3, 1, -0.25), "p must be a finite number in [0, 1], got -0.25"),
    (lambda: pac.binomial_tail(3, 1, 1.5), "p must be a finite number in [0, 1], got 1.5"),
    (lambda: pac.binomial_tail_inverse(-1, 0, 0.5), "n must be an int >= 0, got -1"),
    (lambda: pac.binomial_tail_inverse(3, -1, 0.5), "m (mistakes) must be an int >= 0, got -1"),
    (lambda: pac.binomial_tail_inverse(3, 1), "binomial_tail_inverse: give exactly one of delta and log_delta"),
    (lambda: pac.binomial_tail_inverse(3, 1, 0.5, log_delta=-1.0),
     "binomial_tail_inverse: give exactly one of delta and log_delta"),
    (lambda: pac.binomial_tail_inverse(3, 1, log_delta=0.5), "log_delta must be a finite number < 0, got 0.5"),
    (lambda: pac.binomial_tail_inverse(3, 1, log_delta=0.0), "log_delta must be a finite number < 0, got 0.0"),
    (lambda: pac.held_out_bound(0, 0, 0.05), "n_test must be an int >= 1, got 0"),
    (lambda: pac.held_out_bound(5, -1, 0.05), "errors must be an int in [0, 5], got -1"),
    (lambda: pac.held_out_bound(5, 6, 0.05), "errors must be an int in [0, 5], got 6"),
    (lambda: pac.compression_bound(0, 0, 0.05), "n_samples must be an int >= 1, got 0"),
    (lambda: pac.compression_bound(5, -1, 0.05), "k (compression set size) must be an int in [0, 5], got -1"),
    (lambda: pac.compression_bound(5, 1, 0.05, errors=-1), "errors must be an int in [0, 4], got -1"),
    (lambda: pac.check_delta(1.0), "delta (the failure probability) must be a finite number in (0, 1), got 1.0"),
    (lambda: pac.check_delta(0), "delta (the failure probability) must be a finite number in (0, 1), got 0"),
])
def test_argument_checks_name_the_argument_and_its_range(call, message) -> None:
    with pytest.raises(OptionError, match=f"^{re.escape(message)}$"):
        call()


# --------------------------------------------------------------------------- inversion
def test_inverse_of_the_smallest_cases() -> None:
    """``n = 0`` (nothing observed) and ``m >= n`` give the vacuous 1; one trial with no
    mistake: ``1 - delta``; N = 1 (k = 0) and one test sample likewise."""
    assert pac.binomial_tail_inverse(0, 0, 0.05) == 1.0
    assert pac.binomial_tail_inverse(4, 4, 0.05) == 1.0
    assert pac.binomial_tail_inverse(4, 7, log_delta=-3.0) == 1.0
    for got in (pac.binomial_tail_inverse(1, 0, 0.05), pac.held_out_bound(1, 0, 0.05), pac.compression_bound(1, 0, 0.05)):
        assert 0 <= got - 0.95 < 1e-12


@pytest.mark.parametrize(("n", "delta"), [(1000, 0.999), (20, 0.9999), (10**5, 0.5)])
def test_a_tiny_supremum_is_found_to_full_relative_precision(n: int, delta: float) -> None:
    """``Bin-bar(n, 0, delta) = 1 - delta^(1/n)`` as small as ``1e-6``/``5e-6``/``7e-6``: the
    bisection's stopping width is relative to the answer, so the result is never below it
    (exact rational tail at the returned ``p``) and above it by the rounding slack only,
    ``1e-12 (1 + |ln delta| + n ln(n + 1)) / n`` in ``p`` (up to 7e-6 relative here; a stopping
    width of ``1e-13 / p`` would leave ~4e-3)."""
    want = -math.expm1(math.log(delta) / n)
    p = pac.binomial_tail_inverse(n, 0, delta)
    slack = 1e-12 * (1 + abs(math.log(delta)) + n * math.log(n + 1)) / n
    assert want * (1 - 1e-15) <= p <= want + 1.01 * slack + 1e-13 * want
    if n <= 1000:
        assert _tail_exact(n, 0, Fraction(p)) <= Fraction(delta)


@pytest.mark.parametrize(("n", "m", "delta"), [(300, 1, 0.05), (300, 3, 0.5), (300, 8, 0.9), (1000, 2, 0.05)])
def test_the_rounding_slack_keeps_the_result_above_the_exact_supremum(n: int, m: int, delta: float) -> None:
    """At ``n = 300 .. 1000`` the float ``ln tail`` (differences of ``lgamma`` values near
    ``n ln n``) is off by more than 1e-16: without the documented slack the bisection can
    stop below the exact ``Bin-bar`` (it does at each of these cases). With it, the exact
    rational tail at the returned ``p`` is ``<= delta``, and ``p`` is tight to 1e-7 (the
    slack, ``1e-12 n ln(n + 1)`` in ``ln tail``, moves ``p`` by up to ~1e-9 relative here)."""
    p = pac.binomial_tail_inverse(n, m, delta)
    assert _tail_exact(n, m, Fraction(p)) <= Fraction(delta)
    assert _tail_exact(n, m, Fraction(p) * (1 - Fraction(1, 10**7))) > Fraction(delta)


def test_log_delta_far_below_float64() -> None:
    """``ln delta = -5000`` (``delta`` underflows float64): ``m = 0`` closed form."""
    p = pac.binomial_tail_inverse(10**4, 0, log_delta=-5000.0)
    assert abs(p - (-math.expm1(-5000.0 / 10**4))) <= 1e-11


# --------------------------------------------------------------------------- certificates
def test_compression_certificate_fields_and_statement() -> None:
    eps = pac.compression_bound(100, 2, 0.05, errors=3)
    assert eps > pac.compression_bound(100, 2, 0.05)  # the errors are passed on
    c = pac.compression_certificate(100, 2, 0.05, errors=3, what="the two kept points")
    assert (c.accuracy, c.error_bound, c.delta, c.bound, c.n_samples, c.k, c.errors) == (
        1.0 - eps, eps, 0.05, "sample-compression", 100, 2, 3)
    assert str(c) == c.statement == (
        f"With probability >= 0.95 over the i.i.d. draw of the 100 training samples, the accuracy on their "
        f"distribution is >= {1 - eps:.4f} (error <= {eps:.4f}). Sample-compression bound (Littlestone-Warmuth "
        "1986, Floyd-Warmuth 1995; Langford 2005): the classifier is a fixed function of k = 2 kept training "
        "samples (the two kept points) and makes 3 mistakes on the other 98; error <= Bin-bar(N - k, mistakes, "
        "delta / (N C(N, k))), a union bound over every size and subset, so the choice of which samples to keep "
        "may depend on all of them. Assumes only that the training samples are i.i.d. draws from the distribution."
    )
    assert c.to_dict() == {"accuracy": 1.0 - eps, "error_bound": eps, "delta": 0.05, "bound": "sample-compression",
                           "n_samples": 100, "k": 2, "errors": 3, "statement": c.statement}


def test_compression_statement_in_the_singular_without_what_and_vacuous() -> None:
    one = pac.compression_certificate(12665, 62, 0.05, errors=1).statement
    assert "(error <= " in one and "of the 12,665 training samples" in one
    assert "k = 62 kept training samples and makes 1 mistake on the other 12,603; " in one
    zero = pac.compression_certificate(12665, 62, 0.05).statement
    assert "k = 62 kept training samples and makes 0 mistakes on the other 12,603; " in zero
    assert "vacuous" not in one + zero
    two = pac.compression_certificate(10, 3, 0.01, errors=2).statement
    assert two.startswith("With probability >= 0.99 over") and "makes 2 mistakes on the other 7; " in two
    full = pac.compression_certificate(10, 10, 0.05)
    assert full.error_bound == 1.0 and full.accuracy == 0.0
    assert "(error <= 1.0000) (vacuous: no sample is left to test it). Sample-compression" in full.statement


def test_held_out_certificate_fields_and_statement() -> None:
    eps = pac.held_out_bound(2115, 1, 0.05)
    c = pac.held_out_certificate(2115, 1, 0.05)
    assert (c.accuracy, c.error_bound, c.delta, c.bound, c.n_samples, c.k, c.errors) == (
        1.0 - eps, eps, 0.05, "held-out", 2115, 0, 1)
    assert str(c) == c.statement == (
        f"With probability >= 0.95 over the i.i.d. draw of the 2,115 test samples, the accuracy on their "
        f"distribution is >= {1 - eps:.4f} (error <= {eps:.4f}). Test-set bound (exact one-sided Clopper-Pearson "
        "limit; Langford 2005): 1 mistake on 2,115 held-out samples; valid only if the network was fixed before "
        "the test samples were drawn (never selected or tuned on them)."
    )
    assert f"{1 - eps:.4f}" == "0.9978"
    assert "0 mistakes on 50 held-out" in pac.held_out_certificate(50, 0, 0.1).statement
    assert "2 mistakes on 50 held-out" in pac.held_out_certificate(50, 2, 0.1).statement
