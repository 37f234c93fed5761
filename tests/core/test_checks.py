"""Input checks shared by everything: every bad input raises its error, naming the problem."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memnets as mn
import memnets._core.checks as checks_mod
from memnets import ConflictingLabelsError, InputError, MemnetsError, OptionError
from memnets._core.checks import as_rng, check_dataset, check_scalar, check_X, find_conflict

GOOD_X = np.array([[0.0, 0.5], [1.0, 0.25], [0.5, 0.5], [0.75, 1.0]])
GOOD_Y = [0, 1, 1, 0]


def test_good_dataset_encoding():
    d = check_dataset(GOOD_X, ["b", "a", "a", "b"])
    assert d.classes.tolist() == ["a", "b"]
    assert d.codes.tolist() == [1, 0, 0, 1]
    assert d.signs.tolist() == [1, -1, -1, 1]  # classes[1] -> +1
    assert (d.n_samples, d.n_features, d.n_classes) == (4, 2, 2)
    assert d.X.dtype == np.float64 and d.X.flags.c_contiguous
    multi = check_dataset(GOOD_X, [2, 0, 1, 2])
    assert multi.signs is None and multi.classes.tolist() == [0, 1, 2]
    col = check_dataset(GOOD_X, np.array(GOOD_Y).reshape(-1, 1))  # (N, 1) labels are accepted
    assert col.y.shape == (4,)
    ints = check_dataset(np.array([[0, 1], [1, 0]]), [0, 1])  # integer X is fine in [0, 1]
    assert ints.X.dtype == np.float64


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        ([[0.0, np.nan], [1.0, 0.0]], [0, 1], "X contains nan at sample 0, feature 1"),
        ([[0.0, 0.0], [1.0, 0.0], [0.5, np.inf]], [0, 1, 0], "X contains inf at sample 2, feature 1"),
        ([[0.0, 0.0], [-np.inf, 0.0]], [0, 1], "X contains -inf at sample 1, feature 0"),
        ([0.0, 1.0], [0, 1], r"X must be 2-D \(n_samples, n_features\), got shape \(2,\)"),
        (np.zeros((2, 2, 2)), [0, 1], r"got shape \(2, 2, 2\)"),
        (np.zeros((0, 3)), [], "X has no samples"),
        (np.zeros((3, 0)), [0, 1, 0], "X has no features"),
        (GOOD_X, [0, 1, 1], "X has 4 samples but y has 3 labels"),
        (GOOD_X, [[0, 1], [1, 0], [0, 0], [1, 1]], r"y must be 1-D \(n_samples,\), got shape \(4, 2\)"),
        (GOOD_X, [1, 1, 1, 1], r"y has 1 class \(\[1\]\); at least 2 are needed"),
        (GOOD_X, [0.0, np.nan, 1.0, 0.0], "y contains nan at sample 1"),
        (np.array([[0.0, 0.5], [1.2, 0.0]]), [0, 1], r"sample 1, feature 0 is 1.2"),
        (np.array([[0.0, -0.5], [1.0, 0.0]]), [0, 1], r"sample 0, feature 1 is -0.5"),
        (np.array([["a", "b"], ["c", "d"]]), [0, 1], "X must be numeric"),
        (np.array([[1j, 0], [0, 0]]), [0, 1], "X must be real"),
        ([[0.0, 1.0], [0.5]], [0, 1], "X cannot be read as a numeric array"),
        (np.array([[0.0], [1.0]], dtype=object), [0, 1], "X must be numeric"),
        (GOOD_X, np.array([0, None, 1, 0], dtype=object), "y contains None at sample 1"),
        (GOOD_X, np.array([0, "a", 1, 0], dtype=object), "labels in y cannot be sorted"),
    ],
)
def test_every_bad_input_raises_input_error(X, y, message):
    with pytest.raises(InputError, match=message) as info:
        check_dataset(X, y)
    assert isinstance(info.value, MemnetsError) and isinstance(info.value, ValueError)


def test_conflicting_duplicates_name_both_indices():
    X = np.random.default_rng(0).random((10, 3))
    y = np.array([0, 1] * 5)
    X[7] = X[3]
    y[3], y[7] = 0, 1
    with pytest.raises(ConflictingLabelsError, match="samples 3 and 7 are identical but labelled 0 and 1") as info:
        check_dataset(X, y)
    assert info.value.indices == (3, 7)
    assert isinstance(info.value, InputError)
    # same duplicate with the same label is fine
    y[7] = 0
    check_dataset(X, y)
    # string labels appear as plain strings
    with pytest.raises(ConflictingLabelsError, match="labelled 'cat' and 'dog'"):
        check_dataset([[0.5], [0.5]], ["cat", "dog"])


def test_negative_zero_is_the_same_point():
    with pytest.raises(ConflictingLabelsError, match="samples 0 and 2"):
        check_dataset([[0.0, 0.5], [0.2, 0.1], [-0.0, 0.5]], [0, 1, 1])


def test_conflict_check_can_be_skipped_and_rescale():
    d = check_dataset([[0.5], [0.5], [0.1]], [0, 1, 0], check_conflicts=False)
    assert d.n_samples == 3
    r = check_dataset(np.array([[-2.0, 10.0], [2.0, 30.0], [0.0, 20.0]]), [0, 1, 0], rescale=True)
    assert r.X.tolist() == [[0.0, 0.0], [1.0, 1.0], [0.5, 0.5]]
    one_class = check_dataset([[0.1], [0.2]], [5, 5], min_classes=1)
    assert one_class.classes.tolist() == [5]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 30), st.integers(1, 3), st.integers(2, 4))
def test_find_conflict_matches_brute_force(seed, n, d, n_classes):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 3, size=(n, d)) / 2.0  # few distinct points: many duplicates
    codes = rng.integers(0, n_classes, size=n)
    pairs = [(i, j) for i, j in itertools.combinations(range(n), 2)
             if (X[i] == X[j]).all() and codes[i] != codes[j]]
    got = find_conflict(X, codes)
    if not pairs:
        assert got is None
    else:
        assert got in pairs
        i, j = got
        assert i < j and (X[i] == X[j]).all() and codes[i] != codes[j]


def test_find_conflict_survives_hash_collisions_and_signed_zeros(monkeypatch):
    X = np.array([[0.0, 1.0], [0.5, 0.5], [-0.0, 1.0], [0.5, 0.5]])
    assert find_conflict(X, np.array([0, 1, 1, 1])) == (0, 2)  # -0.0 == 0.0
    assert find_conflict(X, np.array([0, 1, 0, 1])) is None
    # every row hashed alike: the exact comparison still separates different rows
    monkeypatch.setattr(checks_mod, "_row_hashes", lambda X: np.zeros(X.shape[0], dtype=np.uint64))
    assert find_conflict(X, np.array([0, 1, 1, 1])) == (0, 2)
    assert find_conflict(X, np.array([0, 1, 0, 0])) == (1, 3)
    assert find_conflict(X[:2], np.array([0, 1])) is None


def test_check_X_options():
    assert check_X([[5.0, -1.0]], unit_interval=False).tolist() == [[5.0, -1.0]]
    with pytest.raises(InputError, match="X has 2 features, expected 3"):
        check_X([[0.0, 1.0]], n_features=3)
    with pytest.raises(InputError, match="Xtest must be 2-D"):
        check_X([0.5], name="Xtest")


def test_as_rng():
    g, seed = as_rng(42)
    assert seed == 42 and g.random() == np.random.default_rng(42).random()
    g, seed = as_rng(np.int64(7))
    assert seed == 7
    g, seed = as_rng(None)
    assert isinstance(seed, int) and 0 <= seed < 2**63
    assert g.random() == np.random.default_rng(seed).random()  # the recorded seed replays the run
    mine = np.random.default_rng(1)
    g, seed = as_rng(mine)
    assert g is mine and seed is None
    for bad, msg in [(-1, "non-negative"), (True, "got bool"), (0.5, "got float"), ("3", "got str")]:
        with pytest.raises(OptionError, match=msg):
            as_rng(bad)


def test_one_exception_hierarchy():
    errors = [mn.InputError, mn.ConflictingLabelsError, mn.OptionError, mn.ConstructionError,
              mn.VerificationError, mn.ExactnessError, mn.ModelFileError, mn.DataUnavailableError]
    for err in errors:
        assert issubclass(err, mn.MemnetsError)
    assert issubclass(mn.ConflictingLabelsError, mn.InputError)
    for err in (mn.InputError, mn.OptionError, mn.ExactnessError, mn.ModelFileError):
        assert issubclass(err, ValueError)
    assert issubclass(mn.DataUnavailableError, FileNotFoundError)


def test_checks_are_shared_by_the_engines_and_separation():
    net = mn.ReLUNetwork([([[1.0, 1.0]], [0.0])])
    for fn in (net.forward, net.forward_exact, net.forward_certified):
        with pytest.raises(InputError, match="X contains nan at sample 1, feature 0"):
            fn(np.array([[0.0, 0.0], [np.nan, 0.0]]))
    with pytest.raises(InputError, match="X contains inf"):
        mn.separation([[0.0], [np.inf]], [0, 1])
    with pytest.raises(InputError, match="X has 2 samples but y has 3 labels"):
        mn.separation([[0.0], [1.0]], [0, 1, 1])


@pytest.mark.parametrize("method", ["optimal", "interval", "constant"])
def test_binary_builds_refuse_three_classes_by_name(method):
    import importlib

    module = importlib.import_module(f"memnets._constructions.{method}")
    assert module.BINARY_ONLY  # memnets.construct goes one-vs-rest for these (tests/test_ovr.py)
    data = check_dataset(np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]), [0, 1, 2])
    with pytest.raises(mn.InputError, match=rf"method '{method}' is binary; y has 3 classes"):
        module.build(data, rng=np.random.default_rng(0), seed=0)


# --------------------------------------------------------------------------- check_scalar
@pytest.mark.parametrize(
    ("value", "kind", "bounds", "expected"),
    [
        (3, int, {"ge": 1}, 3),
        (np.int64(3), int, {"ge": 3}, 3),  # inclusive bound: the bound itself passes
        (0.5, float, {"gt": 0, "le": 1}, 0.5),
        (1, float, {"gt": 0, "le": 1}, 1.0),  # an int is a real number
        (Fraction(1, 4), float, {"gt": 0, "lt": 1}, 0.25),
        (np.float32(0.5), float, {}, 0.5),
        (-7, int, {}, -7),
        (math.inf, float, {"finite": False, "gt": 0}, math.inf),
    ],
)
def test_check_scalar_accepts_and_converts(value, kind, bounds, expected) -> None:
    out = check_scalar("x", value, kind, **bounds)
    assert out == expected and type(out) is kind


@pytest.mark.parametrize(
    ("value", "kind", "bounds", "message"),
    [
        (True, float, {"gt": 0}, "x must be a finite number > 0, got True"),
        (np.True_, int, {}, "x must be an int, got (np.)?True"),
        (False, int, {"ge": 0}, "x must be an int >= 0, got False"),
        (math.nan, float, {}, "x must be a finite number, got nan"),
        (math.inf, float, {}, "x must be a finite number, got inf"),
        (-math.inf, float, {"finite": False, "gt": 0}, "x must be a number > 0, got -inf"),
        (10**400, float, {}, "x must be a finite number"),
        ("0.5", float, {}, "x must be a finite number, got '0.5'"),
        (2.0, int, {"ge": 1}, r"x must be an int >= 1, got 2\.0"),
        (0, int, {"ge": 1}, "x must be an int >= 1, got 0"),
        (0.0, float, {"gt": 0, "le": 1}, r"x must be a finite number in \(0, 1\], got 0\.0"),
        (1.0, float, {"gt": 0, "lt": 1}, r"x must be a finite number in \(0, 1\), got 1\.0"),
        (1.5, float, {"ge": 0, "le": 1}, r"in \[0, 1\], got 1\.5"),
        (5, int, {"ge": 0, "le": 4}, r"x must be an int in \[0, 4\], got 5"),
        (2, float, {"lt": 2}, "x must be a finite number < 2, got 2"),
        (None, float, {}, "got None"),
        ([1.0], float, {}, r"got \[1\.0\]"),
    ],
)
def test_check_scalar_refuses_with_a_message_naming_the_argument(value, kind, bounds, message) -> None:
    with pytest.raises(OptionError, match=message):
        check_scalar("x", value, kind, **bounds)


def test_check_scalar_error_class_and_misuse() -> None:
    with pytest.raises(InputError, match="radius"):
        check_scalar("radius", -1.0, float, gt=0, error=InputError)
    with pytest.raises(TypeError, match="one lower"):
        check_scalar("x", 1.0, float, gt=0, ge=0)
    with pytest.raises(TypeError, match="kind"):
        check_scalar("x", 1, complex)  # type: ignore[call-overload]


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(-10, 10), st.floats(-10, 10))
def test_check_scalar_agrees_with_the_interval_it_names(v: float, a: float, b: float) -> None:
    lo, hi = min(a, b), max(a, b)
    inside = math.isfinite(v) and lo < v <= hi
    if inside:
        assert check_scalar("v", v, float, gt=lo, le=hi) == v
    else:
        with pytest.raises(OptionError, match=r"v must be a finite number in \("):
            check_scalar("v", v, float, gt=lo, le=hi)


def test_the_library_refuses_booleans_for_numbers_everywhere() -> None:
    """One check (issue #23 item 5): a bool is not a number in any of the five places that
    used to check by hand, and each names the argument."""
    from memnets._core import pac
    from memnets._geometry.condense import condense

    X, y = [[0.0], [1.0]], [0, 1]
    cases = [
        (lambda: mn.datasets.ball_mixture(separation=True), "separation"),  # once accepted as 1.0
        (lambda: mn.theory.sample_size_thm73(True, 0.1, 0.1), "S_D"),
        (lambda: condense(X, y, "hart", lam=True), "lam"),
        (lambda: pac.binomial_tail(10, 2, True), "p"),
        (lambda: pac.held_out_bound(100, 3, True), "delta"),
        (lambda: mn.construct(X, y, method="efficient", condense="hart", lam=True), "lam"),
    ]
    for call, name in cases:
        with pytest.raises(OptionError, match=rf"{name}\b.* must be .*, got True"):
            call()


def test_the_float_options_once_checked_by_hand_are_check_scalar_too() -> None:
    """The last hand-written float checks (``two_moons``' noise and offset, ``thm53``'s density
    and mass, the grid's separation, the ResNet's ``lr``): a bool is refused by name, a value
    out of range too, and a valid value still passes."""
    from memnets._constructions import thm53
    from memnets._geometry import grid as G
    from memnets.experiments._resnet import train_resnet18

    data = checks_mod.check_dataset([[0.1, 0.1], [0.9, 0.9]], [0, 1])
    gen = np.random.default_rng(0)
    calls = {
        "noise": lambda v: mn.datasets.two_moons(noise=v),
        "offset": lambda v: mn.datasets.two_moons(offset=v),
        "thm53: density": lambda v: thm53.build(data, rng=gen, seed=0, density=v),
        "thm53: mass": lambda v: thm53.build(data, rng=gen, seed=0, mass=v),
        "separation": lambda v: G.choose_grid(data.X, data.codes, rng=gen, separation=v),
        "lr": lambda v: train_resnet18(data.X, data.y, lr=v),
    }
    for name, call in calls.items():
        for bad in (True, -1.0, float("nan")):
            with pytest.raises(OptionError, match=rf"^{name} must be a finite number .*, got {bad}$"):
                call(bad)
    with pytest.raises(OptionError, match=r"^offset must be a finite number in \[0, 1\), got 1\.0$"):
        mn.datasets.two_moons(offset=1.0)
    with pytest.raises(OptionError, match=r"^thm53: mass must be a finite number in \(0, 1\), got 1\.0$"):
        thm53.build(data, rng=gen, seed=0, mass=1.0)
    assert mn.datasets.two_moons(noise=0.05, offset=0.25).offset == 0.25


@pytest.mark.parametrize("bad", [True, 2.5])
def test_positive_int_options_are_one_check_below_construct_too(bad: object) -> None:
    """Item 5 again: the positive-int checks once written by hand in the engines, the
    projections, ``constant``, ``vardi2022``, the audit and the data loader are
    ``check_scalar``: a bool or a float is refused by name (``int(2.5)`` once passed as 2)."""
    from memnets._constructions import vardi2022
    from memnets._constructions.constant import draw_codes
    from memnets._engines.maxtree import forward_m1
    from memnets._engines.pair_units import forward_pairwise
    from memnets._geometry.projection import find_projection

    X, y = np.array([[0.0], [0.25], [1.0]]), np.array([0, 0, 1])
    efficient = mn.construct(X, y, method="efficient", rng=0).network
    pairwise = mn.construct(X, y, method="pairwise").network
    idx, gen, data = np.array([[0], [1], [3]]), np.random.default_rng(0), checks_mod.check_dataset(X, y)
    cases = [
        (lambda: forward_m1(efficient, X, chunk_size=bad), "chunk_size"),
        (lambda: forward_pairwise(pairwise, X, chunk_size=bad), "chunk_size"),
        (lambda: find_projection(X, 2.0 * y - 1, y, rng=gen, method="interval", max_tries=bad), "max_tries"),
        (lambda: draw_codes(idx, rng=gen, code_range=bad, max_tries=4), "code_range"),
        (lambda: draw_codes(idx, rng=gen, code_range=None, max_tries=bad), "max_tries"),
        (lambda: vardi2022.build(data, rng=gen, seed=0, group_size=bad), "group_size"),
        (lambda: mn.audit(efficient, n_lines=bad), "n_lines"),
        (lambda: mn.datasets.load("digits", n=bad), "n"),
    ]
    for call, name in cases:
        with pytest.raises(OptionError, match=rf"\b{name}\b.* must be an int >= 1, got {bad}"):
            call()
    with pytest.raises(OptionError, match=r"^delta must be a finite number in \(0, 1\), got True$"):
        mn.audit(efficient, delta=True)


def test_check_name_returns_known_names_and_lists_every_valid_one_otherwise():
    from memnets._core.checks import check_name

    table = {"zeta": 1, "alpha": 2}
    assert check_name("alpha", table, "method") == "alpha"
    for bad in ("gamma", 1, None, ["alpha"]):
        with pytest.raises(OptionError) as info:
            check_name(bad, table, "experiment")
        assert str(info.value) == f"unknown experiment {bad!r}; valid experiments are 'zeta', 'alpha'"
