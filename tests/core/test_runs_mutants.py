"""Label runs (:mod:`memnets._core.runs`): what the 1-D memorizer stores, pinned on
hand-worked cases and checked against a brute-force regrouping (written to kill the
survivors of ``benchmarks/mutate.py runs``; see benchmarks/README.md)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memnets._core.runs import ProjectionCollision, Runs, label_runs


def test_runs_of_the_docstring_with_the_samples_attaining_them():
    r = label_runs([5, 1, 3, 3, 9], [1, -1, 1, 1, -1])
    assert (r.first, r.last, r.labels) == ([1, 3, 9], [1, 5, 9], [-1, 1, -1])
    # run 1 = {3 (samples 2, 3), 5 (sample 0)}: first attained by sample 2 (the first of the
    # equal values in input order), last by sample 0
    assert (r.first_index, r.last_index) == ([1, 2, 4], [1, 0, 4])
    assert r.n_runs == 3
    assert r.gaps() == [2, 4]
    assert r.min_gap() == (2, 0)


def test_equal_values_keep_the_first_sample_as_their_witness():
    r = label_runs([7, 7, 7, 1], [-1, -1, -1, 1])
    assert (r.first, r.last, r.labels, r.first_index, r.last_index) == ([1, 7], [1, 7], [1, -1], [3, 0], [3, 0])
    one = label_runs([4, 4], [1, 1])
    assert (one.first, one.last, one.labels, one.first_index, one.last_index) == ([4], [4], [1], [0], [0])


def test_a_run_merges_every_value_of_its_label_up_to_the_next_label():
    r = label_runs([10, 0, 2, 4, 6, 8], [1, 1, 1, -1, -1, 1])
    assert (r.first, r.last, r.labels) == ([0, 4, 8], [2, 6, 10], [1, -1, 1])
    assert (r.first_index, r.last_index) == ([1, 3, 5], [2, 4, 0])


def test_signs_are_python_ints():
    r = label_runs(np.array([3, 1]), np.array([True, False]))
    assert r.labels == [0, 1]
    assert all(type(s) is int for s in r.labels)


def test_a_collision_names_the_two_samples_in_order():
    with pytest.raises(ProjectionCollision) as e:
        label_runs([2, 7, 5, 2], [1, 1, -1, -1])
    assert (e.value.i, e.value.j) == (0, 3)
    assert str(e.value) == "samples 0 and 3 have different labels but the same projected value"
    assert isinstance(e.value, ValueError)


def test_a_collision_after_a_merged_run_is_found():
    # 1 and 3 merge into one run of +1; the -1 at value 3 collides with sample 1
    with pytest.raises(ProjectionCollision) as e:
        label_runs([1, 3, 3], [1, 1, -1])
    assert (e.value.i, e.value.j) == (1, 2)


def test_values_and_signs_of_different_lengths_or_none_are_refused():
    with pytest.raises(ValueError, match=r"^3 values but 2 signs$"):
        label_runs([1, 2, 3], [1, -1])
    with pytest.raises(ValueError, match=r"^no values$"):
        label_runs([], [])


def test_one_run_has_no_gap_and_coarse_max_zero():
    r = label_runs([3, 8], [1, 1])
    assert r.n_runs == 1
    assert r.gaps() == []
    assert r.min_gap() == (0, -1)
    assert r.coarse_max() == 0  # without the one-run case: s = 2, (8 - 3) << 2 = 20


@pytest.mark.parametrize(("gamma", "s"), [(1, 1), (2, 0), (3, 0), (4, -1), (7, -1), (8, -2), (1000, -8)])
def test_coarse_scale_is_the_smallest_s_with_two_to_the_s_gamma_at_least_two(gamma, s):
    r = label_runs([0, gamma], [1, -1])
    assert r.coarse_scale() == s
    assert 2.0**s * gamma >= 2 > 2.0 ** (s - 1) * gamma


def test_coarse_max_shifts_left_for_small_gaps_and_right_for_large_ones():
    up = label_runs([0, 1, 5], [1, -1, 1])  # gamma 1, s = 1
    assert (up.coarse_scale(), up.coarse_max()) == (1, 10)
    down = label_runs([0, 4, 9, 13], [1, 2, 2, 1])  # gamma 4, s = -1
    assert (down.coarse_scale(), down.coarse_max()) == (-1, 6)
    down2 = label_runs([2, 10, 27], [1, -1, 1])  # gamma 8, s = -2: (27 - 2) >> 2
    assert (down2.coarse_scale(), down2.coarse_max()) == (-2, 6)
    flat = label_runs([5, 7, 12], [1, -1, 1])  # gamma 2, s = 0: 12 - 5
    assert (flat.coarse_scale(), flat.coarse_max()) == (0, 7)


def test_min_gap_is_the_first_smallest_boundary():
    r = label_runs([0, 3, 4, 5, 20], [1, -1, 1, -1, 1])
    assert r.gaps() == [3, 1, 1, 15]
    assert r.min_gap() == (1, 1)
    r = label_runs([0, 5, 6, 8], [1, -1, 1, -1])
    assert r.min_gap() == (1, 1)
    r = label_runs([0, 1, 9], [1, -1, 1])
    assert r.min_gap() == (1, 0)


def test_runs_is_frozen():
    r = label_runs([0, 1], [1, -1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.first = [5]  # type: ignore[misc]
    assert r == Runs([0, 1], [0, 1], [1, -1], [0, 1], [0, 1])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-40, 40), st.sampled_from([-1, 1])), min_size=1, max_size=14))
def test_runs_agree_with_a_brute_force_regrouping(pairs):
    values = [v for v, _ in pairs]
    signs = [s for _, s in pairs]
    sign_of: dict[int, set[int]] = {}
    for v, s in pairs:
        sign_of.setdefault(v, set()).add(s)
    if any(len(s) > 1 for s in sign_of.values()):
        with pytest.raises(ProjectionCollision) as e:
            label_runs(values, signs)
        i, j = e.value.i, e.value.j
        assert i < j and values[i] == values[j] and signs[i] != signs[j]
        return
    r = label_runs(values, signs)
    distinct = sorted(sign_of)
    groups = [list(g) for _, g in itertools.groupby(distinct, key=lambda v: next(iter(sign_of[v])))]
    assert r.first == [g[0] for g in groups]
    assert r.last == [g[-1] for g in groups]
    assert r.labels == [next(iter(sign_of[g[0]])) for g in groups]
    assert r.n_runs == len(groups)
    assert all(a != b for a, b in itertools.pairwise(r.labels))
    assert [values[i] for i in r.first_index] == r.first
    assert [values[i] for i in r.last_index] == r.last
    assert r.first_index == [values.index(v) for v in r.first]
    assert r.last_index == [values.index(v) for v in r.last]
    gaps = [b[0] - a[-1] for a, b in itertools.pairwise(groups)]
    assert r.gaps() == gaps
    if gaps:
        gamma = min(gaps)
        assert r.min_gap() == (gamma, gaps.index(gamma))
        s = r.coarse_scale()
        assert 2.0**s * gamma >= 2 > 2.0 ** (s - 1) * gamma
        span = r.last[-1] - r.first[0]
        assert r.coarse_max() == int(np.floor(span * 2.0**s))
    else:
        assert r.min_gap() == (0, -1)
        assert r.coarse_max() == 0
