"""The one decision path (memnets._engines.decide): labels are the sign / argmax of the
*exact* network outputs on every public path, even where float64 alone gets them wrong.

The hand network below computes ``F(x) = sigma(x_1 + 1) - 1 - x_2``. At
``x = (2^-60, 0)`` the exact output is ``2^-60 > 0`` (class 1), while float64 rounds
``2^-60 + 1`` to ``1`` and returns ``F = 0`` (class 0): a float-only predictor is wrong.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import memnets as mn
from memnets._core.checks import check_dataset
from memnets._engines import decide
from memnets.theory.audit import predict_codes as audit_predict_codes

TINY = 2.0**-60
X_TIE = np.array([[TINY, 0.0], [0.5, 0.25], [0.0, 0.5]])
EXPECTED = [1, 1, 0]  # exact signs: 2^-60 > 0, 0.25 > 0, -0.5 < 0


def _binary_net() -> mn.ReLUNetwork:
    first = (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 0.0]))  # (x1 + 1, x2)
    out = (np.array([[1.0, -1.0]]), np.array([-1.0]))
    return mn.ReLUNetwork([first, out])


def _multi_net() -> mn.ReLUNetwork:
    """Three scores (0, F(x), -1): argmax is class 1 exactly where F > 0, else class 0."""
    first = (np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 0.0]))
    out = (np.array([[0.0, 0.0], [1.0, -1.0], [0.0, 0.0]]), np.array([0.0, -1.0, -1.0]))
    return mn.ReLUNetwork([first, out])


def _result(net: mn.ReLUNetwork, classes: list[str]) -> mn.ConstructionResult:
    return mn.ConstructionResult(
        network=net, classes=np.array(classes), method="trained", verified=True,
        min_margin=1.0, stats={}, engine="float",
    )


def test_float64_alone_gets_the_tie_wrong() -> None:
    """The premise: without the exact fallback the first sample is misclassified."""
    assert _binary_net().forward(X_TIE).tolist() == [0.0, 0.25, -0.5]
    assert int(np.argmax(_multi_net().forward(X_TIE)[0])) == 0
    assert _binary_net().forward_exact(X_TIE)[0] > 0


@pytest.mark.parametrize("engine", ["float", "exact"])
def test_decide_is_exact_for_every_engine(engine: str) -> None:
    assert decide.predict_codes(_binary_net(), X_TIE, engine).tolist() == EXPECTED
    assert decide.predict_codes(_multi_net(), X_TIE, engine).tolist() == EXPECTED


def test_unknown_engine_is_an_option_error() -> None:
    with pytest.raises(mn.OptionError, match=r"engine must be one of 'float', 'm1-certified', 'pairwise', 'exact'"):
        decide.predict_codes(_binary_net(), X_TIE, "float32")


@pytest.mark.parametrize("make", [_binary_net, _multi_net])
def test_every_public_path_decides_exactly(make, tmp_path) -> None:
    net = make()
    classes = ["neg", "pos"] if net.n_outputs == 1 else ["neg", "pos", "other"]
    res = _result(net, classes)
    want = np.array(classes)[EXPECTED]
    # ConstructionResult.predict / score
    assert res.predict(X_TIE).tolist() == want.tolist()
    assert res.score(X_TIE, want) == 1.0
    # after a .memnet round trip
    back = mn.load(mn.save(res, tmp_path / "tie.memnet"))
    assert back.predict(X_TIE).tolist() == want.tolist()
    # the scikit-learn estimator (its fitted result replaced by the hand network)
    clf = mn.MemorizationClassifier(method="efficient", scale="none").fit(
        np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]]), classes[:2] + classes[:1]
    )
    clf.result_ = res
    clf.classes_ = res.classes
    assert clf.predict(X_TIE).tolist() == want.tolist()
    assert clf.score(X_TIE, want) == 1.0
    # the audit's predictions (bare network and result)
    assert audit_predict_codes(net, X_TIE).tolist() == EXPECTED
    assert audit_predict_codes(res, X_TIE).tolist() == EXPECTED


def test_m1_engine_cascade_agrees_with_exact_on_near_ties() -> None:
    """M1 networks: float32 -> float64 -> exact, equal to the exact argmax on inputs placed
    almost exactly between two representatives."""
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    res = mn.construct(X, [0, 1, 2], method="efficient", condense="none", rng=0)
    mid = np.array([[0.5, 0.0], [0.5 + 2.0**-40, 0.0], [0.5 - 2.0**-40, 0.0], [0.0, 0.5 + 2.0**-45]])
    exact = decide.predict_codes_exact(res.network, mid)
    assert exact.tolist() == [0, 1, 0, 2]  # the exact tie resolves to the lowest index
    assert decide.predict_codes(res.network, mid, "m1-certified").tolist() == exact.tolist()
    assert res.predict(mid).tolist() == [0, 1, 0, 2]


def _lying_within(bias: np.ndarray, err: float):
    """A certified evaluator that returns ``exact + bias`` with the bound ``err`` (honest:
    ``|bias| <= err``), as a float pass may round the top two scores in opposite directions."""
    assert np.abs(bias).max() <= err

    def evaluate(net: mn.ReLUNetwork, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return decide.exact_scores_as_float(net, X) + bias, np.full(X.shape[0], err)

    return evaluate


def test_a_top_two_gap_below_twice_the_bound_goes_on_to_exact(monkeypatch, exact_calls) -> None:
    """Each score may be off by ``err`` in either direction, so a top-two gap is certain only
    above ``2 err``. Exact scores (0.5, 0.525, 0) have argmax 1; a pass within ``err = 0.03``
    may return (0.53, 0.495, 0) (with ``err = 0.031`` covering float64 rounding too): gap
    0.035, between ``err`` and ``2 err``, with the wrong
    leader. That sample must go on to exact evaluation; the second one (gap 0.5 > 2 err,
    leader unchanged) is decided by the float pass."""
    net = mn.ReLUNetwork([(np.eye(3), np.zeros(3))])
    X = np.array([[0.5, 0.525, 0.0], [0.0, 0.5, 0.0]])
    assert decide.predict_codes_exact(net, X).tolist() == [1, 1]
    exact_calls.clear()  # the reference call above is not the engine's
    monkeypatch.setitem(decide.ENGINES, "float", (_lying_within(np.array([0.03, -0.03, 0.0]), 0.031),))
    assert decide.predict_codes(net, X, "float").tolist() == [1, 1]
    assert exact_calls == [1]  # only the undecided sample was evaluated exactly
    # the margins path keeps the same rule: a float margin is within 2 err of the exact one
    Xm = np.vstack([X, [[0.9, 0.0, 0.0], [0.0, 0.0, 0.7]]])
    data = check_dataset(Xm, [1, 1, 0, 2])
    vals, bounds = decide.certified_margins(net, data, "float")
    exact = decide.margins_exact(net, data)
    assert vals[0] == pytest.approx(-0.035) and exact[0] == Fraction(0.525) - Fraction(0.5)
    assert all(abs(Fraction(float(v)) - e) <= Fraction(float(b)) for v, e, b in zip(vals, exact, bounds, strict=True))


def test_a_sign_below_the_bound_goes_on_to_exact(monkeypatch) -> None:
    """One output: ``F = 0.01`` exactly, a pass within ``err = 0.026`` returns ``-0.015``: its
    sign is not certain (``|F| <= err``), so the sample goes on to exact evaluation."""
    net = mn.ReLUNetwork([(np.array([[1.0, -1.0]]), np.zeros(1))])
    X = np.array([[0.26, 0.25], [0.75, 0.25]])
    monkeypatch.setitem(decide.ENGINES, "float", (_lying_within(np.array([-0.025]), 0.026),))
    assert decide.predict_codes(net, X, "float").tolist() == [1, 1]
