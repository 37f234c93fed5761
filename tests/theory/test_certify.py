"""Certificates without knowledge of D: the bounds of memnets._core.pac, ConstructionResult.certify
and ``memnets certify``.

Three levels: the bounds against exact enumeration in rational arithmetic; properties
(monotone, no overflow, closed forms, Clopper-Pearson); the certificate's promise checked
by simulation on a distribution whose accuracy is measured on many fresh samples, plus the
assumption behind it (M1 is rebuilt from its kept samples alone).
"""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta

import memnets as mn
from memnets._core import pac
from memnets._core.errors import NotCompressibleError, OptionError
from memnets.experiments._runner import without_timing


# --------------------------------------------------------------------------- exact references
def tail_enumerated(n: int, m: int, p: Fraction) -> Fraction:
    """P[at most m mistakes in n trials], summing every one of the 2^n outcomes."""
    total = Fraction(0)
    for outcome in itertools.product((0, 1), repeat=n):
        s = sum(outcome)
        if s <= m:
            total += p**s * (1 - p) ** (n - s)
    return total


def tail_exact(n: int, m: int, p: Fraction) -> Fraction:
    """The same by the binomial sum, in exact arithmetic."""
    return sum((Fraction(math.comb(n, i)) * p**i * (1 - p) ** (n - i) for i in range(m + 1)), Fraction(0))


def test_binomial_sum_equals_enumeration():
    for n in range(0, 9):
        for m in range(0, n + 1):
            for p in (Fraction(1, 3), Fraction(7, 10)):
                assert tail_exact(n, m, p) == tail_enumerated(n, m, p)
                assert math.isclose(pac.binomial_tail(n, m, float(p)), float(tail_exact(n, m, p)), rel_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), m=st.integers(0, 6), delta=st.sampled_from([Fraction(1, 2), Fraction(1, 20), Fraction(1, 1000)]))
def test_tail_inverse_is_the_exact_supremum(n, m, delta):
    # returned p: exact tail(p) <= delta (never optimistic), and tail(p - 1e-9) > delta (tight)
    p = pac.binomial_tail_inverse(n, m, float(delta))
    if m >= n:
        assert p == 1.0
        return
    assert tail_exact(n, m, Fraction(p)) <= delta
    assert tail_exact(n, m, Fraction(p) - Fraction(1, 10**9)) > delta


@settings(max_examples=40, deadline=None)
@given(N=st.integers(2, 30), data=st.data())
def test_compression_bound_is_the_exact_union_bound(N, data):
    # err_k = Bin-bar(N - k, m, delta / (N C(N, k))), checked against exact rationals
    k = data.draw(st.integers(0, N - 1))
    m = data.draw(st.integers(0, min(3, N - k)))
    delta = Fraction(1, 20)
    eps = pac.compression_bound(N, k, float(delta), errors=m)
    dk = delta / (N * math.comb(N, k))
    if m >= N - k:
        assert eps == 1.0
        return
    assert tail_exact(N - k, m, Fraction(eps)) <= dk
    assert tail_exact(N - k, m, Fraction(eps) - Fraction(1, 10**9)) > dk
    if m == 0:  # Floyd-Warmuth's consistent form: C(N, k) (1 - eps)^(N - k) <= delta / N
        assert math.comb(N, k) * (1 - Fraction(eps)) ** (N - k) <= delta / N


def test_consistent_closed_form_and_no_overflow_at_mnist_scale():
    for N, k in ((12665, 62), (60000, 20), (60000, 20000), (60000, 59999)):
        eps = pac.compression_bound(N, k, 0.05)
        log_d = math.log(0.05) - math.log(N) - pac.log_binomial(N, k)
        closed = -math.expm1(log_d / (N - k))
        assert 0.0 < eps <= 1.0 and math.isfinite(eps)
        assert closed - 1e-15 <= eps <= closed + 1e-10
    # the brief's hand value: 62 kept of MNIST 0-1's 12,665 certify 0.969
    assert round(1 - pac.compression_bound(12665, 62, 0.05), 3) == 0.969
    assert pac.compression_bound(60000, 60000, 0.05) == 1.0  # k = N: vacuous


def test_held_out_bound_is_clopper_pearson():
    for n, m, d in ((100, 0, 0.05), (2115, 5, 0.05), (10000, 137, 0.01), (50, 49, 0.2), (7, 3, 0.5)):
        cp = float(beta.ppf(1 - d, m + 1, n - m))  # the one-sided Clopper-Pearson upper limit
        got = pac.held_out_bound(n, m, d)
        assert cp - 1e-9 <= got <= cp + 1e-7
    assert pac.held_out_bound(10, 10, 0.05) == 1.0


def test_monotone_in_k_errors_and_delta():
    N = 5000
    ks = [0, 1, 10, 100, 1000, 4000, 4999]
    by_k = [pac.compression_bound(N, k, 0.05) for k in ks]
    assert all(a < b for a, b in itertools.pairwise(by_k))
    by_m = [pac.compression_bound(N, 100, 0.05, errors=m) for m in (0, 1, 5, 50)]
    assert all(a < b for a, b in itertools.pairwise(by_m))
    by_delta = [pac.compression_bound(N, 100, d) for d in (0.001, 0.01, 0.05, 0.5)]
    assert all(a > b for a, b in itertools.pairwise(by_delta))
    assert pac.compression_bound(N, 100, 0.05) > pac.held_out_bound(N - 100, 0, 0.05)  # the price of selection


@pytest.mark.parametrize("delta", [0, 1, -0.1, 1.5, float("nan"), "0.05", True, None])
def test_invalid_delta_is_an_option_error(delta):
    with pytest.raises(OptionError, match="delta"):
        pac.compression_bound(100, 3, delta)
    with pytest.raises(OptionError, match="delta"):
        pac.held_out_bound(100, 3, delta)


def test_invalid_counts_are_option_errors():
    with pytest.raises(OptionError, match="k"):
        pac.compression_bound(100, 101, 0.05)
    with pytest.raises(OptionError, match="errors"):
        pac.compression_bound(100, 90, 0.05, errors=11)
    with pytest.raises(OptionError, match="n_samples"):
        pac.compression_bound(0, 0, 0.05)
    with pytest.raises(OptionError, match="an int"):
        pac.compression_bound(100, 2.0, 0.05)
    with pytest.raises(OptionError, match="errors"):
        pac.held_out_bound(10, 11, 0.05)
    with pytest.raises(OptionError, match="exactly one"):
        pac.binomial_tail_inverse(10, 0)


# --------------------------------------------------------------------------- certify()
def moons(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    return mn.datasets.two_moons(noise=0.1, separation=0.05).sample(n, rng=seed)


def test_m1_is_rebuilt_from_its_kept_samples_alone():
    # the assumption of the compression bound: M1 on (X, y) and M1 on its representatives
    # alone (every one kept) are the same classifier
    X, y = moons(400, 1)
    for condense in ("mcs", "hart", "cover"):
        res = mn.construct(X, y, method="efficient", condense=condense, rng=0)
        reps = res.info["representatives"]
        again = mn.construct(X[np.sort(reps)], y[np.sort(reps)], method="efficient", condense="none", rng=0)
        Xt, _ = moons(3000, 2)
        assert (res.predict(Xt) == again.predict(Xt)).all()
        assert (res.decision_function(Xt) == again.decision_function(Xt)).all()


def test_certify_counts_the_kept_samples_and_survives_save_load(tmp_path):
    X, y = moons(500, 3)
    res = mn.construct(X, y, method="efficient", condense="mcs", rng=0)
    cert = res.certify(0.05)
    k = len(res.info["representatives"])
    assert (cert.bound, cert.n_samples, cert.k, cert.errors, cert.delta) == ("sample-compression", 500, k, 0, 0.05)
    assert cert.error_bound == pac.compression_bound(500, k, 0.05)
    assert cert.accuracy == 1 - cert.error_bound
    assert "i.i.d." in cert.statement and f"k = {k}" in cert.statement
    assert mn.load(mn.save(res, tmp_path / "m.memnet")).certify(0.05) == cert
    assert res.certify(0.01).accuracy < cert.accuracy < res.certify(0.2).accuracy
    # k = N: vacuous, but still a (true) statement
    none = mn.construct(X, y, method="efficient", condense="none", rng=0).certify()
    assert none.k == 500 and none.accuracy == 0.0 and "vacuous" in none.statement


def test_held_out_certificate_for_any_network():
    X, y = moons(200, 4)
    Xt, yt = moons(1000, 5)
    for method in ("efficient", "optimal", "interval"):
        res = mn.construct(X, y, method=method, rng=0)
        errors = int(np.count_nonzero(res.predict(Xt) != yt))
        cert = res.certify(0.05, X_test=Xt, y_test=yt)
        assert (cert.bound, cert.n_samples, cert.k, cert.errors) == ("held-out", 1000, 0, errors)
        assert cert.error_bound == pac.held_out_bound(1000, errors, 0.05)


@pytest.mark.parametrize("method", ["optimal", "interval", "constant"])
def test_no_compression_no_certificate(method):
    X, y = moons(120, 6)
    res = mn.construct(X, y, method=method, rng=0)
    with pytest.raises(NotCompressibleError, match=rf"method '{method}'.*X_test"):
        res.certify(0.05)
    assert isinstance(NotCompressibleError("x"), mn.MemnetsError)


def test_certify_option_errors():
    X, y = moons(100, 7)
    res = mn.construct(X, y, method="efficient", rng=0)
    with pytest.raises(OptionError, match="delta"):
        res.certify(1.0)
    with pytest.raises(OptionError, match="both"):
        res.certify(0.05, X_test=X)
    with pytest.raises(mn.InputError, match="y_test"):
        res.certify(0.05, X_test=X, y_test=y[:-1])


def test_compression_certificate_reads_its_record_safely():
    # what a saved or edited record can hold: an unverified result has no certificate, a
    # repeated representative is one kept sample, and an index outside [0, N) anywhere
    # in the list (here in the middle: the list is not sorted) is refused
    import dataclasses

    X, y = moons(100, 7)
    res = mn.construct(X, y, method="efficient", condense="mcs", rng=0)
    with pytest.raises(NotCompressibleError, match="not verified"):
        dataclasses.replace(res, verified=False).certify(0.05)

    def with_reps(reps):
        return dataclasses.replace(res, info={**res.info, "representatives": np.array(reps)})

    assert with_reps([3, 1, 3]).certify(0.05).k == 2
    assert with_reps([3, 1, 3]).certify(0.05).error_bound == pac.compression_bound(100, 2, 0.05)
    with pytest.raises(mn.InputError, match=r"\[0, 100\)"):
        with_reps([5, 100, 0]).certify(0.05)


# --------------------------------------------------------------------------- the promise
def test_certificate_holds_in_at_least_1_minus_delta_of_repetitions():
    # 40 labelled balls in [0,1]^2, N = 100 i.i.d. samples per repetition: M1 with the
    # smallest consistent subset errs on the balls it never saw (accuracy ~0.92-0.97),
    # measured on 20,000 fresh samples (standard error <= 0.002; the certificate gets 3 of
    # them). At delta = 0.25 the certificate may fail in up to a quarter of the runs; it
    # must not fail more often. The naive bound that ignores how the kept samples were
    # chosen (a test-set bound on the N - k others) fails in most runs: the simulation can
    # tell a valid bound from an invalid one.
    D = mn.datasets.ball_mixture(n_features=2, n_balls=40, separation=0.05, rng=0)
    Xt, yt = D.sample(20000, rng=10**6)
    delta, runs, N = 0.25, 30, 100
    held = naive_held = 0
    for seed in range(runs):
        X, y = D.sample(N, rng=seed)
        res = mn.construct(X, y, method="efficient", condense="mcs", rng=seed)
        acc = res.score(Xt, yt)
        cert = res.certify(delta)
        held += cert.accuracy <= acc + 3 * math.sqrt(acc * (1 - acc) / len(yt)) + 1e-12
        naive = 1 - pac.held_out_bound(N - cert.k, 0, delta)
        naive_held += naive <= acc
    assert held >= (1 - delta) * runs
    assert naive_held <= runs // 2


# --------------------------------------------------------------------------- experiment
def test_experiment_certify_tiny(tmp_path):
    summary = mn.experiments.run("certify", tmp_path, profile="tiny", progress=False)
    assert summary["name"] == "certify" and summary["json"] == str(tmp_path / "certify.json")
    doc = json.loads((tmp_path / "certify.json").read_text())
    rows = doc["table"]
    assert [r["pair"] for r in rows] == ["0-1", "3-5", "4-9"] and doc["plan"]["data"] == "digits"
    for r in rows:
        assert r["verified"] and r["k"] <= r["k_fcnn"] < r["N"]
        assert r["certified_accuracy"] == 1 - pac.compression_bound(r["N"], r["k"], 0.05)
        assert r["certified_accuracy"] <= r["test_accuracy"]
        assert r["held_out_certified_accuracy"] == 1 - pac.held_out_bound(r["n_test"], r["test_errors"], 0.05)
        assert r["theorem73_rigorous"] is False
    assert doc["claims"]["certified_at_most_measured_every_pair"] is True
    assert doc["claims"]["pairs_certified_at_least_target"] == sum(r["certified_accuracy"] >= 0.9 for r in rows)
    assert (tmp_path / "certify_scatter.png").stat().st_size > 0
    assert "not rigorous" in summary["markdown"]
    # same seed, same numbers (wall-clock fields aside)
    again = mn.experiments.run("certify", tmp_path / "again", profile="tiny", progress=False)
    assert without_timing(json.loads(Path(again["json"]).read_text())) == without_timing(doc)
    with pytest.raises(OptionError, match="delta"):
        mn.experiments.run("certify", tmp_path, profile="tiny", delta=0.0, progress=False)
    with pytest.raises(OptionError, match="pair"):
        mn.experiments.run("certify", tmp_path, profile="tiny", pairs=[(3, 3)], progress=False)
