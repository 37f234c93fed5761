"""memnets._core.checks: the tests that kill mutmut's survivors (benchmarks/README.md,
"Mutation testing"): recorded seeds, the bounds as the messages print them, overflow to
infinity, defaults of check_X, min-max scaling of constant columns, messages word for word,
and the conflict check past its first block of hashed rows."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from memnets._core import checks
from memnets._core.checks import (
    as_rng,
    check_dataset,
    check_scalar,
    check_X,
    check_y,
    find_conflict,
    label_codes,
    minmax_scale,
)
from memnets._core.errors import InputError, OptionError


def test_a_fresh_seed_is_recorded_below_2_to_63_and_repeats_the_run() -> None:
    seeds = []
    for _ in range(12):
        gen, seed = as_rng(None)
        assert seed is not None and 0 <= seed < 2**63
        assert gen.random(3).tolist() == np.random.default_rng(seed).random(3).tolist()
        seeds.append(seed)
    assert max(seeds) > 2**40 and len(set(seeds)) == 12  # drawn from the whole range, not a few values
    assert as_rng(0)[1] == 0 and as_rng(np.int64(1))[1] == 1
    with pytest.raises(OptionError, match=r"^rng seed must be non-negative, got -1$"):
        as_rng(-1)


@pytest.mark.parametrize(("kw", "shown"), [
    ({"gt": 0.0, "le": 1.0}, "in (0, 1]"),
    ({"ge": 0.5}, ">= 0.5"),
    ({"lt": 200.0}, "< 200"),
    ({"le": 3}, "<= 3"),
    ({"le": 2.0**53}, "<= 9007199254740992.0"),
    ({"ge": -(2.0**52)}, ">= -4503599627370496"),
    ({"lt": 1e300}, "< 1e+300"),
    ({"gt": 0.25, "lt": 2.0**54}, "in (0.25, 1.8014398509481984e+16)"),
])
def test_bounds_are_printed_as_ints_only_when_exact(kw: dict[str, float], shown: str) -> None:
    with pytest.raises(OptionError) as info:
        check_scalar("a", math.nan, float, **kw)
    assert str(info.value) == f"a must be a finite number {shown}, got nan"


def test_misuse_and_overflow_to_infinity() -> None:
    with pytest.raises(TypeError, match=r"^check_scalar: give at most one lower \(gt/ge\) and one upper \(lt/le\) bound$"):
        check_scalar("a", 1.0, gt=0, ge=0)
    assert check_scalar("a", 10**400, float, finite=False) == math.inf
    assert check_scalar("a", -(10**400), float, finite=False) == -math.inf
    assert check_scalar("a", Fraction(-(10**400), 3), float, finite=False) == -math.inf
    with pytest.raises(OptionError, match=r"^a must be a finite number, got -1000"):
        check_scalar("a", -(10**400), float)


def test_check_X_defaults_refuse_out_of_range_data_by_name_and_entry() -> None:
    with pytest.raises(InputError, match=r"^X must lie in \[0, 1\]\^n; sample 0, feature 1 is 1\.5 \(pass memnets"):
        check_X([[1.0, 1.5]])
    with pytest.raises(InputError, match=r"^X must lie in \[0, 1\]\^n; sample 1, feature 0 is -0\.5 "):
        check_X([[0.0, 1.0], [-0.5, 1.0]])
    with pytest.raises(InputError, match=r"^X must be 2-D \(n_samples, n_features\), got shape \(2,\); "
                                          r"reshape a single sample with x\.reshape\(1, -1\)$"):
        check_X([0.5, 0.5])
    out = check_X(np.array([[True, False]]))
    assert out.dtype == np.float64 and out.tolist() == [[1.0, 0.0]]


def test_minmax_scale_maps_constant_columns_to_0() -> None:
    X = np.array([[3.0, -1.0, 7.0], [3.0, 1.0, 7.0], [3.0, 0.0, 7.0]])
    assert minmax_scale(X).tolist() == [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.5, 0.0]]
    assert check_X(X, rescale=True).tolist() == [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.5, 0.0]]


def test_dataset_messages_and_codes_word_for_word() -> None:
    ds = check_dataset([[0.0], [1.0], [0.5]], ["b", "a", "b"])
    assert ds.binary_signs("pairwise").tolist() == [1, -1, 1]
    assert ds.codes.dtype == np.int64 and label_codes(np.array([2, 0, 2]))[1].dtype == np.int64
    many = check_dataset(np.linspace(0, 1, 12)[:, None], list(range(12)))
    with pytest.raises(InputError) as info:
        many.binary_signs("optimal")
    assert str(info.value) == ("method 'optimal' is binary; y has 12 classes ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); "
                               "memnets.construct builds it one-vs-rest, or use method='efficient' which is multi-class")
    with pytest.raises(InputError, match=r"^y has 1 class \(\['a'\]\); at least 2 are needed$"):
        check_dataset([[0.0], [1.0]], ["a", "a"])
    with pytest.raises(InputError, match=r"^y has 2 classes \(\['a', 'b'\]\); at least 3 are needed$"):
        check_dataset([[0.0], [1.0]], ["a", "b"], min_classes=3)
    with pytest.raises(InputError, match=r"^y cannot be read as an array: "):
        check_y([[1], [1, 2]], 2)


def test_conflicts_across_blocks_of_hashed_rows_are_found() -> None:
    N = 2 * checks._HASH_ROWS + 900  # three blocks of hashed rows
    X = np.zeros((N, 2))
    X[:, 0] = np.arange(N) / N
    X[N - 1] = X[100]  # a duplicate in the last block of one in the first, with another label
    codes = np.zeros(N, dtype=np.int64)
    codes[N - 1] = 1
    assert find_conflict(X, codes) == (100, N - 1)
    assert find_conflict(X[:, :1], codes) == (100, N - 1)  # one feature: fewer columns than blocks
    codes[N - 1] = 0
    assert find_conflict(X, codes) is None


def test_colliding_hashes_of_close_but_different_rows_are_no_conflict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "_row_hashes", lambda X: np.zeros(X.shape[0], dtype=np.uint64))
    X = np.array([[0.0, 0.5], [1e-17, 0.5], [-0.0, 0.5]])
    assert find_conflict(X, np.array([0, 1, 0])) is None  # 1e-17 is not 0 (1 + 1e-17 would be)
    assert find_conflict(X, np.array([0, 0, 1])) == (0, 2)  # -0.0 is 0.0


def test_signs_are_int64_plus_or_minus_one_in_label_order() -> None:
    """``Dataset.signs`` (a property: mutated through ``UNDECORATE``) is the int64 -1/+1 of the
    codes; float signs would turn ``int(v) * g`` in ``margins_exact`` into a float (a rounded
    margin, or a TypeError from ``Fraction``)."""
    data = check_dataset([[0.0], [0.5], [1.0], [0.25]], ["b", "a", "b", "a"])
    assert (data.n_samples, data.n_features, data.n_classes) == (4, 1, 2)
    assert data.classes.tolist() == ["a", "b"] and data.codes.tolist() == [1, 0, 1, 0]
    signs = data.signs
    assert signs is not None and signs.dtype == np.int64
    assert signs.tolist() == [1, -1, 1, -1] and all(type(g) is int for g in signs.tolist())
    assert data.binary_signs("pairwise").tolist() == [1, -1, 1, -1]
    assert (2**60 + 1) * signs.tolist()[1] == -(2**60 + 1)  # exact, as margins_exact multiplies
    assert check_dataset([[0.0], [0.5], [1.0]], [0, 1, 2]).signs is None
