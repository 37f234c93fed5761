"""The decision rules of memnets._engines.decide at their edges: bounds of exactly 0, of
exactly the value, gaps of exactly ``2 err``, one sample, several exact chunks, many outputs.

Each test was written against a mutant of ``decide.py`` that the behavioural tests of
``test_decide.py`` let survive (``make mutate MODULE=decide``; the table in
benchmarks/README.md names the mutant each test kills). The evaluators below stand in for a
float pass: they return the exact scores shifted by a chosen amount with a chosen bound, all
dyadic so that every value is exact in float64.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import memnets as mn
from memnets._core import exact as exact_mod
from memnets._core.checks import check_dataset
from memnets._engines import decide, sweep
from memnets._engines.maxtree import forward_m1
from memnets._engines.pair_units import forward_pairwise

DIFF = mn.ReLUNetwork([(np.array([[1.0, -1.0]]), np.zeros(1))])  # F(x) = x1 - x2
X_ZERO_POS_NEG = np.array([[0.25, 0.25], [0.5, 0.25], [0.25, 0.5]])  # F = 0, 1/4, -1/4


def _eye(n: int) -> mn.ReLUNetwork:
    """Scores equal to the input: ``F(x) = x`` (one linear layer)."""
    return mn.ReLUNetwork([(np.eye(n), np.zeros(n))])


def _shifted(bias: float | np.ndarray, err: float):
    """A certified evaluator: exact scores ``+ bias`` with the bound ``err`` per sample."""

    def evaluate(net: mn.ReLUNetwork, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return decide.exact_scores_as_float(net, X) + bias, np.full(X.shape[0], float(err))

    return evaluate


def _engine(monkeypatch, *evaluators) -> str:
    monkeypatch.setitem(decide.ENGINES, "float", tuple(evaluators))
    return "float"


# --------------------------------------------------------------------------- _decide
def test_a_zero_bound_decides_F_equal_0_as_class_0_without_exact(monkeypatch, exact_calls) -> None:
    """A bound of exactly 0 is the exact value: ``F = 0`` is class 0 (``F > 0`` decides),
    and an exact tie of scores is the lowest index, both without exact arithmetic."""
    engine = _engine(monkeypatch, _shifted(0.0, 0.0))
    assert decide.predict_codes(DIFF, X_ZERO_POS_NEG, engine).tolist() == [0, 1, 0]
    assert decide.predict_codes(_eye(3), np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]]), engine).tolist() == [0, 1]
    assert exact_calls == []


def test_a_bound_of_one_is_a_bound_not_an_exact_value(monkeypatch, exact_calls) -> None:
    """``F = 1/2`` reported as ``-1/4`` within ``err = 1``: undecided, so exact says class 1."""
    engine = _engine(monkeypatch, _shifted(-0.75, 1.0))
    assert decide.predict_codes(DIFF, np.array([[0.75, 0.25]]), engine).tolist() == [1]
    assert exact_calls == [1]
    engine = _engine(monkeypatch, _shifted(np.array([0.5, -0.5]), 1.0))  # (1/4, 1/2) read as (3/4, 0)
    assert decide.predict_codes(_eye(2), np.array([[0.25, 0.5]]), engine).tolist() == [1]


def test_a_sign_equal_to_the_bound_goes_on_to_exact(monkeypatch, exact_calls) -> None:
    """``F = 0`` exactly, reported as ``2^-6`` within ``err = 2^-6``: ``|F| > err`` fails, so
    the sample is not decided by the float sign (which says class 1); exact says class 0."""
    engine = _engine(monkeypatch, _shifted(2.0**-6, 2.0**-6))
    assert decide.predict_codes(DIFF, X_ZERO_POS_NEG[:1], engine).tolist() == [0]
    assert exact_calls == [1]


def test_a_gap_of_exactly_twice_the_bound_goes_on_to_exact(monkeypatch, exact_calls) -> None:
    """Exact tie (1/2, 1/2) -> class 0; reported as (1/2 - e, 1/2 + e) within ``e``: the
    float leader is class 1 with gap ``2 e``, not above ``2 e``, so exact decides."""
    e = 2.0**-6
    engine = _engine(monkeypatch, _shifted(np.array([-e, e]), e))
    assert decide.predict_codes(_eye(2), np.array([[0.5, 0.5]]), engine).tolist() == [0]
    assert exact_calls == [1]


def test_a_gap_above_twice_the_bound_is_decided_by_the_float_pass(monkeypatch, exact_calls) -> None:
    """Gap 1/8 with ``err = 1/20`` (``2 err < 1/8 < 3 err``) and ``|F| = 1/4 > err = 0.2``:
    decided by the float pass, no exact evaluation."""
    engine = _engine(monkeypatch, _shifted(0.0, 0.05))
    assert decide.predict_codes(_eye(2), np.array([[0.5, 0.625], [0.625, 0.5]]), engine).tolist() == [1, 0]
    engine = _engine(monkeypatch, _shifted(0.0, 0.2))
    assert decide.predict_codes(DIFF, X_ZERO_POS_NEG[1:], engine).tolist() == [1, 0]
    assert exact_calls == []


def test_the_gap_is_between_the_top_two_of_many_outputs(monkeypatch, exact_calls) -> None:
    """1000 outputs ``k/1024`` in shuffled order; the exact leader ``999/1024`` and the
    runner-up ``998/1024`` are reported swapped within ``e = 3/4096``: float gap
    ``1/2048 < 2 e``, so every sample goes on to exact, which names the true leader. (Any
    other pair of scores is at least ``2/1024 > 2 e`` apart: a gap read off the wrong pair
    would decide the wrong class.)"""
    n, e = 1000, 3.0 / 4096
    rng = np.random.default_rng(0)
    X = np.array([rng.permutation(n) / 1024.0 for _ in range(6)])
    lead, second = X.argmax(axis=1), np.argsort(X, axis=1)[:, -2]
    bias = np.zeros_like(X)
    bias[np.arange(6), lead], bias[np.arange(6), second] = -e, e

    def evaluate(net, X_):
        rows = [int(np.flatnonzero((r == X).all(axis=1))[0]) for r in X_]
        return X_ + bias[rows], np.full(X_.shape[0], e)

    engine = _engine(monkeypatch, evaluate)
    assert decide.predict_codes(_eye(n), X, engine).tolist() == lead.tolist()
    assert exact_calls == [6]


# --------------------------------------------------------------------------- predict_codes
def test_one_sample_is_decided(exact_calls) -> None:
    """A batch of one sample: the float pass decides ``F = 1/2`` (class 1); the exact tie
    ``x_1 + 1 - 1 = 2^-60`` of the decide tests needs exact arithmetic, also alone."""
    assert decide.predict_codes(DIFF, np.array([[0.75, 0.25]]), "float").tolist() == [1]
    tie = mn.ReLUNetwork([(np.eye(2), np.array([1.0, 0.0])), (np.array([[1.0, -1.0]]), np.array([-1.0]))])
    assert decide.predict_codes(tie, np.array([[2.0**-60, 0.0]]), "float").tolist() == [1]
    assert exact_calls == [1]
    assert decide.predict_codes(DIFF, np.zeros((0, 2)), "float").tolist() == []


def test_exact_codes_are_int64_indices_and_F_equal_0_is_class_0() -> None:
    classes = np.array(["neg", "pos"])
    codes = decide.predict_codes_exact(DIFF, X_ZERO_POS_NEG)
    assert codes.dtype == np.int64
    assert classes[codes].tolist() == ["neg", "pos", "neg"]
    assert decide.predict_codes(DIFF, X_ZERO_POS_NEG, "exact").tolist() == [0, 1, 0]


def test_every_exact_chunk_is_decided(monkeypatch) -> None:
    """Exact arithmetic in chunks of 2 samples (5 samples: chunks 2, 2, 1): every chunk's
    labels and margins are filled in, one output and three."""
    monkeypatch.setattr(exact_mod, "DEFAULT_CHUNK", 2)
    X = np.array([[0.25, 0.25], [0.5, 0.25], [0.25, 0.5], [1.0, 0.0], [0.0, 0.75]])
    assert decide.predict_codes_exact(DIFF, X).tolist() == [0, 1, 0, 1, 0]
    data = check_dataset(X, [0, 1, 0, 1, 0])
    q = Fraction(1, 4)
    assert decide.margins_exact(DIFF, data) == [0, q, q, 1, 3 * q]
    X3 = np.hstack([X, np.full((5, 1), 0.375)])
    assert decide.predict_codes_exact(_eye(3), X3).tolist() == [2, 0, 1, 0, 1]
    assert decide.margins_exact(_eye(3), check_dataset(X3, [2, 0, 1, 0, 1])) == [q / 2, q / 2, q / 2, 5 * q / 2, 3 * q / 2]


def test_the_sweep_takes_over_from_MIN_SAMPLES_samples(row_counts) -> None:
    """The 1-D fast path starts at ``MIN_SAMPLES`` samples (inclusive) and agrees with the
    generic exact engine; below, the generic engine runs."""
    net = mn.ReLUNetwork([(np.array([[1.0, -1.0]]), np.zeros(1)), (np.array([[2.0]]), np.array([-0.5]))])
    used = row_counts("scalar_outputs")
    X = np.random.default_rng(1).uniform(0.0, 1.0, size=(sweep.MIN_SAMPLES, 2))
    want = (2 * np.maximum(X[:, 0] - X[:, 1], 0) > 0.5).astype(int)
    assert decide.predict_codes_exact(net, X).tolist() == want.tolist()
    assert used == [sweep.MIN_SAMPLES]
    assert decide.predict_codes_exact(net, X[:-1]).tolist() == want[:-1].tolist()
    assert used == [sweep.MIN_SAMPLES]


def test_default_engine_is_exact_only_for_exact_entries() -> None:
    assert decide.default_engine(DIFF) == "float"
    exact_net = mn.ReLUNetwork([(np.array([[Fraction(1, 3), -1]], dtype=object), np.zeros(1))])
    assert decide.default_engine(exact_net) == "exact"


# --------------------------------------------------------------------------- engines' evaluators
def test_the_float64_stage_of_m1_decides_what_float32_cannot(exact_calls) -> None:
    """M1 network of three points; inputs ``2^-40`` off the bisectors. float32's bound
    cannot separate them, float64's can: only the exact tie reaches exact arithmetic, and
    every certified margin but the tie's exceeds its bound (set by the float64 stage)."""
    res = mn.construct(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), [0, 1, 2], method="efficient",
                       condense="none", rng=0)
    mid = np.array([[0.5, 0.0], [0.5 + 2.0**-40, 0.0], [0.5 - 2.0**-40, 0.0], [0.0, 0.5 + 2.0**-45]])
    v32, e32 = forward_m1(res.network, mid)
    top2 = np.sort(v32, axis=1)[:, -2:]
    assert ((top2[:, 1] - top2[:, 0]) <= 2 * e32).all()  # float32 decides none of them
    assert decide.predict_codes(res.network, mid, "m1-certified").tolist() == [0, 1, 0, 2]
    assert exact_calls == [1]
    vals, bounds = decide.certified_margins(res.network, check_dataset(mid, [0, 1, 0, 2]), "m1-certified")
    assert (vals[1:] > bounds[1:]).all() and vals[0] <= bounds[0]
    assert (bounds[1:] < 1e-12).all()


def test_certified_margin_bounds_are_per_sample_and_twice_the_score_bound() -> None:
    """The generic float evaluator bounds each sample by its own largest output error; a
    margin (difference of two scores) carries twice that."""
    net = mn.ReLUNetwork([(np.eye(2), np.zeros(2)), (np.array([[1.0, 0.5], [0.5, 1.0]]), np.zeros(2))])
    X = np.array([[0.002, 0.001], [0.5, 1.0]])
    data = check_dataset(X, [0, 1])
    vals, bounds = decide.certified_margins(net, data, "float")
    _, err = net.forward_certified(X)
    assert bounds.tolist() == (2 * err.max(axis=1)).tolist()
    assert 0 < bounds[0] < bounds[1]
    assert vals[0] == pytest.approx(0.0005) and vals[1] == 0.25


def test_certified_margins_bound_is_twice_the_evaluators(monkeypatch) -> None:
    """Scores exact within ``err = 1/4`` -> margin bound 1/2; a margin equal to its bound is
    handed on to the next evaluator (here one with bound 0)."""
    engine = _engine(monkeypatch, _shifted(0.0, 0.25))
    X = np.array([[0.75, 0.25], [0.0, 1.0]])
    vals, bounds = decide.certified_margins(_eye(2), check_dataset(X, [0, 1]), engine)
    assert vals.tolist() == [0.5, 1.0] and bounds.tolist() == [0.5, 0.5]
    engine = _engine(monkeypatch, _shifted(0.0, 0.25), _shifted(0.0, 0.0))
    vals, bounds = decide.certified_margins(_eye(2), check_dataset(X, [0, 1]), engine)
    assert vals.tolist() == [0.5, 1.0] and bounds.tolist() == [0.0, 0.5]


def test_the_exact_engine_certifies_margins_with_the_float_evaluator() -> None:
    net = mn.ReLUNetwork([(np.eye(2), np.zeros(2)), (np.array([[1.0, -1.0]]), np.zeros(1))])
    data = check_dataset(np.array([[0.75, 0.25], [0.25, 1.0]]), [1, 0])
    got = decide.certified_margins(net, data, "exact")
    want = decide.certified_margins(net, data, "float")
    assert got[0].dtype == got[1].dtype == np.float64
    assert got[0].tolist() == want[0].tolist() == [0.5, 0.75]
    assert got[1].tolist() == want[1].tolist() and np.isfinite(got[1]).all()


def test_a_one_output_network_needs_two_classes() -> None:
    data = check_dataset(X_ZERO_POS_NEG, [0, 1, 2])
    with pytest.raises(mn.VerificationError, match=r"^a one-output network needs exactly two classes$"):
        decide.certified_margins(DIFF, data, "float")


def test_two_outputs_two_classes_margins_are_score_differences() -> None:
    """Two classes on a two-output network: ``F_y - F_other``, not the binary ``y F``."""
    data = check_dataset(np.array([[0.75, 0.25], [0.25, 0.5]]), [0, 1])
    assert decide.margins_exact(_eye(2), data) == [Fraction(1, 2), Fraction(1, 4)]


# --------------------------------------------------------------------------- float_scores
def test_float_scores_per_engine() -> None:
    """``"exact"`` rounds the exact outputs (``2^-60``, which float64 loses), ``"float"`` and
    ``"m1-certified"`` are ``forward``, ``"pairwise"`` the pairwise engine's certified values."""
    tie = mn.ReLUNetwork([(np.eye(2), np.array([1.0, 0.0])), (np.array([[1.0, -1.0]]), np.array([-1.0]))])
    X = np.array([[2.0**-60, 0.0], [0.5, 0.25]])
    assert decide.float_scores(tie, X, "exact").tolist() == [2.0**-60, 0.25]
    assert decide.float_scores(tie, X, "float").tolist() == [0.0, 0.25]
    assert decide.float_scores(tie, X, "m1-certified").tolist() == [0.0, 0.25]
    res = mn.construct([[0.0], [0.25], [1.0]], ["a", "a", "b"], method="pairwise", rng=0)
    Q = np.array([[0.125], [0.625], [0.9]])  # class a, the F = 0 band between the classes, class b
    vals, bounds = forward_pairwise(res.network, Q)
    got = decide.float_scores(res.network, Q, "pairwise")
    assert got.tolist() == vals.tolist()
    exact = [Fraction(v) for v in res.network.forward_exact(Q)]
    assert all(abs(Fraction(g) - e) <= Fraction(b) for g, e, b in zip(got.tolist(), exact, bounds.tolist(), strict=True))
    assert np.sign(got).tolist() == [-1.0, 0.0, 1.0]


def test_pairwise_float_scores_are_the_pairwise_engines_values() -> None:
    """On 200 random queries of a 30-sample pairwise network, ``float_scores`` is the pairwise
    engine's value bit for bit (``forward`` sums the same units in another order and differs
    from it in the last bits at some of these queries), within its bound of the exact output."""
    rng = np.random.default_rng(0)
    res = mn.construct(rng.random((30, 3)), rng.integers(0, 2, 30), method="pairwise", rng=0)
    Q = rng.random((200, 3))
    vals, bounds = forward_pairwise(res.network, Q)
    got = decide.float_scores(res.network, Q, "pairwise")
    assert got.tolist() == vals.tolist()
    exact = decide.exact_scores_as_float(res.network, Q)
    assert (np.abs(got - exact) <= bounds + np.abs(exact) * 2.0**-52).all()
