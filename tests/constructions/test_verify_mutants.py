"""The certificate step (memnets._constructions.verify) line by line on hand networks.

``finish`` proves memorization before a construction returns: these tests pin each of its
rules on networks whose margins are worked out by hand (``F(x) = x_1 - x_2``: margin
``y F`` with ``y = -1`` for the first class), including the edges mutation testing found
unguarded (``make mutate MODULE=verify``; the table in benchmarks/README.md): a margin equal
to its bound, an exact margin of 0, the worst sample chosen by ``value - bound``, the first
bad sample named, and the statistics recorded.
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest

import memnets as mn
from memnets._constructions import verify
from memnets._constructions.verify import check_margin_guarantee, finish
from memnets._core.checks import check_dataset
from memnets._engines import decide
from memnets._version import __version__

DIFF = mn.ReLUNetwork([(np.array([[1.0, -1.0]]), np.zeros(1))])  # F(x) = x1 - x2
#: margins 1/2 (label 1, F = 1/2) and 1/4 (label 0, F = -1/4)
X_GOOD = np.array([[0.75, 0.25], [0.25, 0.5]])
Y_GOOD = [1, 0]


def _finish(net=DIFF, X=X_GOOD, y=Y_GOOD, **kw):
    kw.setdefault("method", "hand")
    kw.setdefault("options", {})
    kw.setdefault("seed", None)
    kw.setdefault("started", time.perf_counter())
    return finish(net, check_dataset(X, y), **kw)


# --------------------------------------------------------------------------- check_margin_guarantee
def test_guarantee_names_the_first_short_sample_with_its_margin() -> None:
    with pytest.raises(mn.VerificationError) as info:
        check_margin_guarantee((np.array([0.123456789, 0.5, 3.0]), np.array([0.000123456, 0.25, 0.0])), 1.0,
                               method="demo", what="the promised 1")
    assert str(info.value) == ("demo: sample 0 has margin 0.123457 +- 0.000123, below the promised 1; "
                               "this is a bug in memnets")


def test_guarantee_met_exactly_by_value_plus_bound_passes() -> None:
    """``value + bound == guarantee`` may be exactly the promise: not short."""
    check_margin_guarantee((np.array([0.75, 2.0]), np.array([0.25, 0.0])), 1.0, method="demo", what="1")
    with pytest.raises(mn.VerificationError, match=r"sample 1 has margin 0\.5 "):
        check_margin_guarantee((np.array([0.75, 0.5]), np.array([0.25, 0.25])), 1.0, method="demo", what="1")


# --------------------------------------------------------------------------- exact mode
def test_exact_mode_records_the_exact_minimum_margin() -> None:
    res = _finish(engine="exact")
    assert res.min_margin == Fraction(1, 4) and isinstance(res.min_margin, Fraction)
    assert res.stats["verification"] == "exact" and res.stats["margin_error_bound"] == 0.0
    assert res.verified and res.engine == "exact"
    res = _finish(engine="float", arithmetic="exact")
    assert res.min_margin == Fraction(1, 4) and res.stats["verification"] == "exact"


def test_exact_mode_refuses_a_margin_of_exactly_zero_naming_the_first_bad_sample() -> None:
    X = np.array([[0.75, 0.25], [0.5, 0.5], [0.25, 0.75], [0.0, 0.5]])  # margins 1/2, 0, -1/2, 1/2
    with pytest.raises(mn.VerificationError) as info:
        _finish(X=X, y=[1, 1, 1, 0], engine="exact", method="demo")
    assert str(info.value) == ("demo: sample 1 is not memorized (margin 0); this is a bug in memnets, "
                               "please report it with the data and seed")
    with pytest.raises(mn.VerificationError, match=r"sample 1 is not memorized \(margin 0\)"):
        _finish(X=X[[0, 1, 3]], y=[1, 1, 0], engine="exact")  # margins 1/2, 0, 1/2: the minimum is 0


def test_an_unknown_engine_or_arithmetic_is_refused() -> None:
    with pytest.raises(mn.OptionError, match="engine must be one of"):
        _finish(engine="float32")
    with pytest.raises(ValueError, match=r"^arithmetic must be 'exact', 'certified' or 'auto', got 'fast'$"):
        _finish(arithmetic="fast")


# --------------------------------------------------------------------------- certified mode
def test_certified_mode_uses_the_float_margins_and_their_bound() -> None:
    res = _finish()
    _, bounds = decide.certified_margins(DIFF, check_dataset(X_GOOD, Y_GOOD), "float")
    assert res.stats["verification"] == "certified"
    assert res.min_margin == 0.25 and isinstance(res.min_margin, float)
    assert res.stats["margin_error_bound"] == float(bounds.max()) > 0


def test_the_worst_sample_is_the_lowest_value_minus_bound() -> None:
    """Margins (1, 3/4) with bounds (1/2, 1/16): lower ends 1/2 and 11/16, so the worst is
    sample 0 and min_margin is its value 1 (not the smaller value 3/4, nor sample 1)."""
    X = np.array([[1.0, 0.0], [0.0, 0.75]])
    res = _finish(X=X, given_margins=(np.array([1.0, 0.75]), np.array([0.5, 0.0625])))
    assert res.min_margin == 1.0
    assert res.stats["margin_error_bound"] == 0.5


def test_a_margin_equal_to_its_bound_is_rechecked_exactly() -> None:
    """A certified margin ``value = bound`` does not prove ``> 0``: the sample is checked
    exactly. Exact margin -1/4 (sample 1 is on the wrong side): refused, by its index."""
    X = np.vstack([X_GOOD, [[0.0, 1.0]]])  # margins 1/2, -1/4 (label 1, F = -1/4), 1
    with pytest.raises(mn.VerificationError) as info:
        _finish(X=X, y=[1, 1, 0], method="demo", given_margins=([0.5, 0.125, 1.0], [0.0, 0.125, 0.0]))
    assert str(info.value) == ("demo: sample 1 is not memorized (exact margin -0.25); this is a bug in "
                               "memnets, please report it with the data and seed")
    with pytest.raises(mn.VerificationError, match="sample 1 is not memorized"):
        _finish(X=X, y=[1, 1, 0], given_margins=([0.5, np.nan, 1.0], [0.0, 0.125, 0.0]))


def test_an_exact_margin_of_zero_is_refused_after_the_recheck() -> None:
    X = np.array([[0.75, 0.25], [0.5, 0.5], [0.0, 1.0]])  # margins 1/2, 0, 1
    with pytest.raises(mn.VerificationError, match="sample 1 is not memorized"):
        _finish(X=X, y=[1, 1, 0], given_margins=([0.5, 0.0, 1.0], [0.0, 0.125, 0.0]))


def test_rechecked_samples_keep_their_exact_margin_with_bound_zero() -> None:
    """Sample 1's margin 1/4 given as 0 +- 1: rechecked exactly, it becomes 1/4 +- 0, the
    worst sample (1/4 < 1/2 +- 1/8), and the recorded bound drops to the other's 1/8; the
    caller's arrays are not touched."""
    vals, errs = np.array([0.5, 0.0]), np.array([0.125, 1.0])
    res = _finish(given_margins=(vals, errs))
    assert res.min_margin == Fraction(1, 4) and isinstance(res.min_margin, Fraction)
    assert res.stats["margin_error_bound"] == 0.125
    assert vals.tolist() == [0.5, 0.0] and errs.tolist() == [0.125, 1.0]
    # int values: the rechecked margin 1/4 is stored as 0.25, not truncated to 0, so sample
    # 0 (1 - 7/8 = 1/8 < 1/4) stays the worst
    res = _finish(given_margins=([1, 0], [0.875, 2.0]))
    assert res.min_margin == 1.0 and res.stats["margin_error_bound"] == 0.875


def test_only_the_unsure_samples_are_rechecked(monkeypatch) -> None:
    """Margins (1/2, 1/4, 1) given with bounds (1/2, 0, 2): samples 0 (value = bound) and 2
    (value < bound) are rechecked exactly, together, sample 1 is not."""
    seen: list[list[list[float]]] = []
    real = decide.margins_exact

    def spy(net, data):
        seen.append(data.X.tolist())
        return real(net, data)

    X3 = np.array([[0.75, 0.25], [0.25, 0.5], [1.0, 0.0]])
    monkeypatch.setattr(verify, "margins_exact", spy)
    res = _finish(X=X3, y=[1, 0, 1], given_margins=([0.5, 0.25, 1.0], [0.5, 0.0, 2.0]))
    assert seen == [X3[[0, 2]].tolist()]
    assert res.min_margin == 0.25


# --------------------------------------------------------------------------- the result
def test_the_result_records_the_run() -> None:
    started = time.perf_counter()
    res = _finish(method="demo", options={"k": 3}, seed=7, started=started, info={"note": 1},
                  extra_stats={"extra": "yes", "method": "overridden"})
    s = res.stats
    assert {k: s[k] for k in DIFF.summary()} == DIFF.summary()
    assert (s["n_samples"], s["n_features"], s["n_classes"]) == (2, 2, 2)
    assert s["options"] == {"k": 3} and s["seed"] == 7 and s["version"] == __version__
    assert s["extra"] == "yes" and s["method"] == "overridden"
    assert 0.0 <= s["seconds"] <= time.perf_counter() - started
    assert 0.0 <= s["verify_seconds"] <= time.perf_counter() - started
    assert res.method == "demo" and res.info == {"note": 1} and res.engine == "float"
    assert _finish(method="demo").stats["method"] == "demo"
    assert res.classes.tolist() == [0, 1] and res.network is DIFF and res.verified


def test_the_recorded_options_and_info_are_copies() -> None:
    options, info = {"k": 3}, {"note": 1}
    res = _finish(options=options, info=info)
    options["k"], info["note"] = 4, 2
    assert res.stats["options"] == {"k": 3} and res.info == {"note": 1}
    assert _finish().info == {} and "extra" not in _finish().stats
