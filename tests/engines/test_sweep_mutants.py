"""The exact sweep (memnets._engines.sweep) at its edges, on hand-made tables and on small
networks whose first-layer scalar hits them: step pairs of lazy units (biases one apart or
not, duplicates, ``-1 < z < 0``), kinks beyond ``2**53``, first layers with a bias of 1/3 or
54- and 59-bit directions, more table combinations than int64 can key, depth 1 and 2.

``s(z + 1) - s(z) = [z >= 0]`` holds only where ``z >= 0`` or ``z <= -1``; for ``-1 < z < 0``
the pair must be evaluated as it is. With ``z = a / d + bp / bq`` per table entry, the rule
decides ``[z >= 0]`` exactly at ``z = 0`` and ``z = -1`` and refuses (None) any entry strictly
between. Every network test checks hand-worked values and the generic exact engine. Written
against mutants of ``sweep.py`` that the sweep-vs-generic tests let survive (``make mutate
MODULE=sweep``; benchmarks/README.md names the mutant each test kills).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import memnets as mn
from _helpers import generic_columns, swept_columns
from memnets._engines import sweep

ONE = sweep._Map(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), 1)


def _mask(a: list[int], d: int, bp: int, bq: int) -> np.ndarray | None:
    """``[z >= 0]`` for ``z = a / d + bp / bq`` through a lazy pair ``s(z + 1), s(z)``."""
    lin = sweep._Fn(ONE, sweep._obj(a), None, d)
    lo = sweep._Fn(ONE, None, None, d * bq, True, (lin, bp, bq))
    hi = sweep._Fn(ONE, None, None, d * bq, True, (lin, bp + bq, bq))
    return sweep._step_mask(hi, lo)


@pytest.mark.parametrize(("a", "d", "bp", "bq", "want"), [
    ([4, 8, 0, -4], 4, -1, 1, [True, True, False, False]),  # z = 0, 1, -1, -2
    ([4, 8, 12], 4, -2, 1, [False, True, True]),  # z = -1, 0, 1
    ([2, -5, 6, -6], 3, -1, 2, [True, False, True, False]),  # z = 1/6, -13/6, 3/2, -5/2
])
def test_a_step_is_read_where_z_is_at_least_0_or_at_most_minus_1(a, d, bp, bq, want) -> None:
    got = _mask(a, d, bp, bq)
    assert got is not None and got.dtype == bool and got.tolist() == want


@pytest.mark.parametrize(("a", "d", "bp", "bq"), [
    ([4, 3], 4, -1, 1),  # z = 0 and -1/4
    ([1], 3, -1, 2),  # z = 1/3 - 1/2 = -1/6
    ([5], 4, -2, 1),  # z = -3/4
])
def test_an_entry_strictly_between_minus_1_and_0_is_not_a_step(a, d, bp, bq) -> None:
    assert _mask(a, d, bp, bq) is None


# --- networks whose hidden layers exercise the step pairs, exact cuts and wide alignments ---

S7 = np.arange(7.0).reshape(-1, 1)  # s = x = 0 .. 6: S = s, D = 1
T7 = [0, 0, 0, 1, 1, 1, 1]  # [s >= 3]


def _net(*layers: tuple[list[list[Any]], list[Any]]) -> mn.ReLUNetwork:
    return mn.ReLUNetwork([(np.array(W, dtype=object), np.array(b, dtype=object)) for W, b in layers])


def _step_net(w: Any, biases: list[Any], extra: list[tuple[list[list[Any]], list[Any]]]) -> mn.ReLUNetwork:
    """``s = x``; ``t = s(2s - 5) - s(2s - 6) = [s >= 3]`` on integers (no sample on the ramp,
    so ``w t`` is a constant table); one ReLU row ``s(w t + bias)`` per bias: lazy units that
    share one linear part; then ``extra``."""
    hidden = ([[w, -w]] * len(biases), biases)
    return _net(([[1]], [0]), ([[2], [2]], [-5, -6]), hidden, *extra)


def test_step_pairs_are_read_without_evaluating_the_lazy_units(monkeypatch: pytest.MonkeyPatch) -> None:
    """``z = 5t - 3``; ``q1, q0 = s(z + 1), s(z)`` and ``p0, p1 = s(z + 3), s(z + 4)`` (listed
    lower unit first), passed on by identity rows, then read as ``7 [z >= 0] + 3 [z + 3 >= 0]``
    and ``-2 [z >= 0]`` (``z + 3 = 0`` exactly at ``t = 0``): no lazy unit is ever evaluated."""
    net = _step_net(5, [-2, -3, 0, 1], [(np.eye(4, dtype=int).tolist(), [0] * 4),
                                        ([[7, -7, -3, 3], [-2, 2, 0, 0]], [0, 0])])

    def forced(self: sweep._Fn) -> None:
        raise AssertionError("a lazy unit of a step pair was evaluated")

    monkeypatch.setattr(sweep._Fn, "_force", forced)
    want = [[Fraction(7 * t + 3) for t in T7], [Fraction(-2 * t) for t in T7]]
    assert swept_columns(net, S7) == want
    assert generic_columns(net, S7) == want


def test_only_biases_exactly_one_apart_on_one_denominator_make_a_step_pair() -> None:
    """``z = (5/2) t`` in {0, 5/2}. Row by row: a pair and a second copy of its upper unit; then
    bias pairs 3/2 and 2, 6 and 5/2, 2 and -4, -1 and 2 (numerators or sums one apart, not
    the values); and 1/2, -1/2 (``z - 1/2 = -1/2`` is strictly between -1 and 0): none of the
    latter is ``[z >= 0]``."""
    net = _step_net(Fraction(5, 2), [1, 0, 1, Fraction(3, 2), 2, 6, Fraction(5, 2), 2, -4, -1,
                                     Fraction(1, 2), Fraction(-1, 2), 2],
                    [([[7, -7, 7] + [0] * 10,
                       [0] * 3 + [7, -7] + [0] * 8,
                       [0] * 5 + [7, -7] + [0] * 6,
                       [0] * 7 + [7, -7] + [0] * 4,
                       [0] * 9 + [-7, 0, 0, 7],  # each row its own units: a unit read as a term is evaluated
                       [0] * 10 + [7, -7, 0]], [0] * 6)])
    h = Fraction(1, 2)
    per_t = [(14, 63 * h), (-7 * h, -7 * h), (49 * h, 49 * h), (14, 63 * h), (14, 21), (7 * h, 7)]
    want = [[Fraction(pair[t]) for t in T7] for pair in per_t]
    assert swept_columns(net, S7) == want
    assert generic_columns(net, S7) == want


def test_a_single_input_of_weight_one_half_is_not_passed_on_as_it_is() -> None:
    net = _net(([[1]], [0]), ([[1]], [-2]), ([[Fraction(1, 2)], [1]], [0, 0]), ([[1, 1]], [0]))
    want = [[Fraction(3 * max(s - 2, 0), 2) for s in range(7)]]  # s(s - 2) / 2 + s(s - 2)
    assert swept_columns(net, S7) == want == generic_columns(net, S7)


def test_kinks_beyond_2_to_the_53_are_cut_at_the_exact_sample() -> None:
    """``s = x + 2**60``; ``s(2**60 + 2 - s)`` (negative slope) and ``s(s - 2**60 - 1)``: the
    cut positions ``a // -b`` must stay integer (``2**60 + 2`` is not a float)."""
    big = 1 << 60
    net = _net(([[1]], [big]), ([[-1], [1]], [big + 2, -big - 1]), ([[1, 0], [0, 1]], [0, 0]))
    X = np.arange(4.0).reshape(-1, 1)
    want = [[Fraction(v) for v in (2, 1, 0, 0)], [Fraction(v) for v in (0, 0, 1, 2)]]
    assert swept_columns(net, X) == want == generic_columns(net, X)


def test_more_table_combinations_than_int64_keys_are_aligned_exactly() -> None:
    """65 units ``s(s - k_i)``, each with its own two-entry table: ``2**65`` combinations, so
    the alignment cannot key them in int64 and must keep the first unit's kink at 10 apart
    from its neighbours (no other kink in ``(10, 20)``)."""
    kinks = [10, *range(20, 84)]
    net = _net(([[1]], [0]), ([[1]] * 65, [-k for k in kinks]), ([list(range(1, 66))], [0]))
    X = np.arange(100.0).reshape(-1, 1)
    want = [[Fraction(sum((i + 1) * max(s - k, 0) for i, k in enumerate(kinks))) for s in range(100)]]
    assert swept_columns(net, X) == want == generic_columns(net, X)


@pytest.mark.parametrize(("first", "bias", "X", "want"), [
    # a bias of 1/3: D = lcm(2**E, 3); s = x + 1/3
    ([1], Fraction(1, 3), [[0.0], [0.5], [1.0]], [Fraction(1, 3), Fraction(5, 6), Fraction(4, 3)]),
    # 54-bit direction on 2 features (projection path; 2**53 + 1 is not a float)
    ([(1 << 53) + 1, 1], 0, [[1.0, 0.0], [0.0, 1.0], [0.5, 0.25]],
     [(1 << 53) + 1, 1, Fraction((1 << 53) + 1, 2) + Fraction(1, 4)]),
    # 59 bits on 7 features: beyond the projection's limb budget, the generic first layer
    ([(1 << 58) + 1, 1, 0, 0, 0, 0, 0], 0, [[1.0] + [0.0] * 6, [0.0, 1.0] + [0.0] * 5, [0.5] * 7],
     [(1 << 58) + 1, 1, Fraction((1 << 58) + 2, 2)]),
])
def test_first_layer_scalars_are_exact(first: list[int], bias: Any, X: list[list[float]], want: list[Any]) -> None:
    net = _net(([first], [bias]), ([[1]], [0]))
    Xa = np.array(X)
    assert swept_columns(net, Xa) == [[Fraction(v) for v in want]] == generic_columns(net, Xa)


def test_one_and_two_layer_networks() -> None:
    """Depth 1 is affine (no ReLU on the first unit); depth 2 takes the ReLU of it."""
    assert swept_columns(_net(([[1]], [-3])), S7) == [[Fraction(s - 3) for s in range(7)]]
    assert swept_columns(_net(([[1]], [-3]), ([[2]], [0])), S7) == [[Fraction(2 * max(s - 3, 0)) for s in range(7)]]


def test_outputs_keep_the_least_common_denominator() -> None:
    """Integer weights on integer inputs give denominator 1, for a row reading a unit and for
    a row reading none (all-zero weights, bias 5)."""
    net = _net(([[1]], [0]), ([[1]], [-2]), ([[3], [0]], [1, 5]))
    got = [(num.tolist(), den) for num, den in sweep.scalar_outputs(net, S7)]
    assert got == [([1, 1, 1, 4, 7, 10, 13], 1), ([5] * 7, 1)]


def test_scalar_outputs_needs_one_first_unit_and_applies_up_to_MAX_WIDTH() -> None:
    two = _net(([[1], [1]], [0, 0]), ([[1, 1]], [0]))
    with pytest.raises(ValueError, match=r"^scalar_outputs needs a network whose first layer has one unit$"):
        sweep.scalar_outputs(two, S7)
    for width, want in [(sweep.MAX_WIDTH, True), (sweep.MAX_WIDTH + 1, False)]:
        assert sweep.applies(_net(([[1]], [0]), ([[1]] * width, [0] * width), ([[1] * width], [0]))) is want
    assert not sweep.applies(two)


# --- the table operations, on hand-made tables ---


def _map(starts: list[int], code: list[int], size: int) -> sweep._Map:
    return sweep._Map(np.array(starts, dtype=np.int64), np.array(code, dtype=np.int64), size)


def _values(fn: sweep._Fn, S: list[int]) -> list[Fraction]:
    """``(a + b S) / den`` at every sorted position."""
    ends = [*fn.map.starts.tolist()[1:], len(S)]
    out = []
    for start, end, c in zip(fn.map.starts.tolist(), ends, fn.map.code.tolist(), strict=True):
        out += [Fraction(fn.a[c] + (0 if fn.b is None else fn.b[c]) * S[i], fn.den) for i in range(start, end)]
    return out


def test_compact_merges_equal_neighbours_and_drops_unused_codes() -> None:
    m, rows = sweep._compact(np.array([0, 4]), np.array([1, 1]), 2)
    assert (m.starts.tolist(), m.code.tolist(), m.size, rows.tolist()) == ([0], [0], 1, [1])
    m, rows = sweep._compact(np.array([0, 2, 5, 6]), np.array([3, 3, 1, 1]), 5)
    assert (m.starts.tolist(), m.code.tolist(), m.size, rows.tolist()) == ([0, 5], [1, 0], 2, [1, 3])
    m, rows = sweep._compact(np.array([0, 3]), np.array([1, 0]), 2)
    assert (m.starts.tolist(), m.code.tolist(), m.size, rows) == ([0, 3], [1, 0], 2, None)


def test_groups_union_and_nonzero() -> None:
    first, inv = sweep._groups(np.array([5, 3, 5, 3, 9]))
    assert (first.tolist(), inv.tolist()) == ([1, 0, 4], [1, 0, 1, 0, 2])
    assert sweep._union([np.array([0, 3]), np.array([0, 3, 5])]).tolist() == [0, 3, 5]
    assert sweep._union([np.array([0]), np.array([0])]).tolist() == [0]
    assert sweep._nonzero(sweep._obj([0, 0])) is None
    assert sweep._nonzero(sweep._obj([0, 2])).tolist() == [0, 2]


def test_align_refines_the_maps_and_caches_the_result() -> None:
    m1, m2 = _map([0, 3], [0, 1], 2), _map([0, 2], [1, 0], 2)
    cache: dict[Any, Any] = {}
    new, rows = sweep._align([m1, m2], cache)
    assert new.starts.tolist() == [0, 2, 3] and new.size == 3 and sorted(new.code.tolist()) == [0, 1, 2]
    # piece by piece, each input's row of the new code is that input's own code there
    assert [r[c] for r in rows for c in new.code.tolist()] == [0, 0, 1, 1, 0, 0]
    assert sweep._align([m1, m2], cache) is sweep._align([m1, m2], cache)
    same = sweep._align([m1, m1], cache)
    assert same[0] is m1 and same[1] == [None, None] and sweep._align([m1, m1], cache) is same


def test_dedup_merges_equal_entries_by_value_and_slope() -> None:
    S = list(range(8))
    fn = sweep._Fn(_map([0, 2, 4, 6], [0, 1, 2, 3], 4), sweep._obj([1, 1, 2, 1]), sweep._obj([0, 3, 0, 0]), 5)
    out = sweep._dedup(fn)
    assert (out.a.tolist(), out.b.tolist(), out.map.code.tolist(), out.map.size) == ([1, 1, 2], [0, 3, 0], [0, 1, 2, 0], 3)
    assert out.den == 5 and _values(out, S) == _values(fn, S)
    const = sweep._Fn(_map([0, 1, 3], [0, 1, 2], 3), sweep._obj([4, 4, 7]), None, 1)
    out = sweep._dedup(const)
    assert (out.a.tolist(), out.b, out.map.starts.tolist(), out.map.code.tolist()) == ([4, 7], None, [0, 3], [0, 1])
    distinct = sweep._Fn(_map([0, 1], [0, 1], 2), sweep._obj([4, 4]), sweep._obj([0, 1]), 1)
    assert sweep._dedup(distinct) is distinct


def test_relu_of_a_table_on_every_path() -> None:
    two = _map([0, 3], [0, 1], 2)
    for a, want in [([0, 4], [0, 4]), ([-2, 4], [0, 4])]:  # constant tables: clipped, same map
        out = sweep._relu(sweep._Fn(two, sweep._obj(a), None, 3), [])
        assert (out.map, out.a.tolist(), out.b, out.den, out.nonneg) == (two, want, None, 3, True)
    S = list(range(7))
    pos = sweep._relu(sweep._Fn(ONE, sweep._obj([1]), sweep._obj([1]), 2), S)  # 1 + S > 0: unchanged
    assert (pos.map, pos.a.tolist(), pos.b.tolist(), pos.den, pos.nonneg) == (ONE, [1], [1], 2, True)
    for a, b, want in [(-3, 1, [0, 0, 0, 0, 1, 2, 3]), (3, -1, [3, 2, 1, 0, 0, 0, 0])]:
        out = sweep._relu(sweep._Fn(ONE, sweep._obj([a]), sweep._obj([b]), 1), S)
        assert out.nonneg is True and out.map.size == 2 and _values(out, S) == [Fraction(v) for v in want]


def test_a_row_of_no_inputs_is_one_zero_piece() -> None:
    out = sweep._linear([], [], [], [], {})
    assert (out.map.starts.tolist(), out.map.code.tolist(), out.map.size) == ([0], [0], 1)
    assert (out.a.tolist(), out.b, out.den) == ([0], None, 1)
