"""memnets._core.scaling: the tests that kill mutmut's survivors (benchmarks/README.md,
"Mutation testing"): the checks of ``InputScaling`` word for word, its arrays stored as flat
float64, ``fit`` for the "clip" and "global" kinds and spans below 1, the feature count and
the name checked by ``transform``, ``compose`` with exact and non-square sparse first
layers, ``from_dict`` and ``==`` field by field."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from memnets import InputError, InputScaling, OptionError, ReLUNetwork, SparseWeight


def test_low_and_span_are_stored_as_flat_float64() -> None:
    s = InputScaling([[1, -2]], [[2, 4]])            # nested int lists
    assert s.low.dtype == np.float64 and s.span.dtype == np.float64
    assert s.low.shape == (2,) and s.low.tolist() == [1.0, -2.0] and s.span.tolist() == [2.0, 4.0]
    assert s.n_features == 2
    d = s.to_dict()
    assert d["low"].dtype == np.float64 and d["span"].dtype == np.float64


@pytest.mark.parametrize(("low", "span", "shapes"), [([0.0, 0.0], [1.0], r"\(2,\) and \(1,\)"), ([], [], r"\(0,\) and \(0,\)")],
                         ids=["lengths", "empty"])
def test_low_and_span_need_one_non_empty_length(low: list[float], span: list[float], shapes: str) -> None:
    with pytest.raises(InputError, match=rf"^input scaling: low and span need the same non-empty length, got {shapes}$"):
        InputScaling(low, span)


def test_one_feature_is_a_scaling() -> None:
    s = InputScaling([2.0], [0.5])
    assert s.n_features == 1 and s.transform([[2.25], [9.0]]).tolist() == [[0.5], [1.0]]


@pytest.mark.parametrize(("low", "span"), [(np.nan, 1.0), (np.inf, 1.0), (0.0, 0.0), (0.0, -1.0), (0.0, np.inf)])
def test_low_must_be_finite_and_span_finite_and_positive(low: float, span: float) -> None:
    with pytest.raises(InputError, match=r"^input scaling: low must be finite and span finite and positive$"):
        InputScaling([0.0, low], [1.0, span])


def test_an_unknown_kind_is_refused_naming_the_kinds() -> None:
    with pytest.raises(OptionError, match=r"^input scaling kind must be one of 'feature', 'global', 'clip', got 'minmax'$"):
        InputScaling([0.0], [1.0], "minmax")


def test_fit_clip_is_the_identity_scaling_whatever_the_data() -> None:
    s = InputScaling.fit([[-3.0, 10.0], [5.0, 30.0]], "clip")
    assert s.kind == "clip" and s.low.tolist() == [0.0, 0.0] and s.span.tolist() == [1.0, 1.0]
    assert s.transform([[0.25, 2.0], [-1.0, 0.5]]).tolist() == [[0.25, 1.0], [0.0, 0.5]]


def test_fit_keeps_spans_below_one_and_the_kind() -> None:
    s = InputScaling.fit([[0.0, 0.25], [0.5, 0.25]])
    assert s.span.tolist() == [0.5, 1.0] and s.kind == "feature"   # constant column: span 1
    g = InputScaling.fit([[0.0, 0.125], [0.25, 0.0]], "global")
    assert g.kind == "global" and g.low.tolist() == [0.0, 0.0] and g.span.tolist() == [0.25, 0.25]


def test_transform_checks_the_feature_count_under_the_callers_name() -> None:
    s = InputScaling([0.0, 0.0], [1.0, 2.0])
    with pytest.raises(InputError, match=r"^X has 1 features, expected 2$"):
        s.transform([[0.5]])
    with pytest.raises(InputError, match=r"^predict: X has 3 features, expected 2$"):
        s.transform([[0.5, 0.5, 0.5]], name="predict: X")


def test_compose_refuses_another_input_size_word_for_word() -> None:
    net = ReLUNetwork([([[1.0, 2.0, 3.0]], [0.0])])
    with pytest.raises(InputError, match=r"^the scaling has 2 features but the network takes 3 inputs$"):
        InputScaling([0.0, 0.0], [1.0, 1.0]).compose(net)


def test_compose_keeps_exact_sparse_entries_and_more_rows_than_inputs() -> None:
    # 3 rows on 2 inputs, exact thirds: the doubled layer is [W, -W] entry for entry
    W = SparseWeight.from_rows([{0: Fraction(1, 3)}, {0: 1, 1: Fraction(-2, 3)}, {1: Fraction(5, 3)}], 2)
    net = ReLUNetwork([(W, [0, Fraction(1, 3), -1]), ([[1, -1, 1]], [0])])
    s = InputScaling([2.0, -1.0], [4.0, 8.0])                     # spans powers of 2: transform is exact
    full = s.compose(net)
    doubled = full.layers[1].weight
    assert isinstance(doubled, SparseWeight) and doubled.is_exact and doubled.shape == (3, 4)
    Wd = W.toarray()
    assert doubled.toarray().tolist() == np.hstack([Wd, -Wd]).tolist()
    pts = np.array([[2.0, -1.0], [6.0, 7.0], [4.0, 3.0], [-10.0, 40.0], [3.0, 0.0], [5.0, 1.0]])
    got = full.forward_exact(pts).tolist()
    assert got == net.forward_exact(s.transform(pts)).tolist()
    assert any(isinstance(v, Fraction) and v.denominator == 3 for v in got)   # thirds survive: exact


def test_from_dict_needs_exactly_kind_low_span_and_keeps_the_kind() -> None:
    g = InputScaling([0.0, 1.0], [2.0, 2.0], "global")
    assert InputScaling.from_dict(g.to_dict()).kind == "global"
    with pytest.raises(InputError, match=r"^input scaling must be a dict with kind, low, span, got \{'kind': 'global'"):
        InputScaling.from_dict({**g.to_dict(), "extra": 1})


def test_scalings_are_equal_field_by_field() -> None:
    s = InputScaling([0.0, 1.0], [2.0, 2.0])
    assert s == InputScaling([0.0, 1.0], [2.0, 2.0])
    assert s != InputScaling([0.0, 5.0], [2.0, 2.0])              # same span and kind, other low
    assert s != InputScaling([0.0, 1.0], [2.0, 4.0])              # same low and kind, other span
    assert s != InputScaling([0.0, 1.0], [2.0, 2.0], "global")    # same arrays, other kind
