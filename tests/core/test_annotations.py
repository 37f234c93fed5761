"""One check of a value against an option's annotation (issue #23, one decision path):
``fit_hint`` serves ``construct``'s options (checked, passed on as given) and the experiments'
``--set`` options (checked and converted); ``describe_hint`` words the annotation for both.

The hand-worked cases go branch by branch; the property tests hold ``fit_hint`` against the
two functions it replaced (frozen below as they were at 70c6248), so every difference from
either is one this file names."""

from __future__ import annotations

import math
import numbers
import re
import types
import typing
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memnets as mn
from memnets._core.annotations import describe_hint, fit_hint
from memnets.experiments import parse_experiment_options

# ---------------------------------------------------------------------------------------------
# hand-worked cases, one branch at a time: (value, hint, ok, converted)

CASES = [
    # Any: everything, unchanged
    (object, Any, True, object),
    ([1, "a"], Any, True, [1, "a"]),
    # Literal: equal AND of exactly the choice's type
    ("cover", Literal["cover", "mss"], True, "cover"),
    ("hart", Literal["cover", "mss"], False, "hart"),
    (np.str_("cover"), Literal["cover", "mss"], False, np.str_("cover")),
    (1, Literal[1, 2], True, 1),
    (True, Literal[1, 2], False, True),  # True == 1, but a bool is not the int 1
    (1.0, Literal[1, 2], False, 1.0),
    (np.int64(1), Literal[1, 2], False, np.int64(1)),
    # None
    (None, None, True, None),
    (None, type(None), True, None),
    (0, type(None), False, 0),
    ("None", type(None), False, "None"),
    # Union / Optional: the first member that fits, converted by it
    (None, float | None, True, None),
    (3, float | None, True, 3.0),
    (3, int | float, True, 3),
    (3, float | int, True, 3.0),
    ("x", int | None, False, "x"),
    ("local", Optional[Literal["global", "local"]], True, "local"),  # noqa: UP045 (typing.Optional on purpose)
    (2, Union[Literal[1, 2], None], True, 2),  # noqa: UP007 (typing.Union on purpose)
    # bool: Python and NumPy booleans, converted to bool; 0 and 1 are not booleans
    (True, bool, True, True),
    (np.True_, bool, True, True),
    (np.False_, bool, True, False),
    (1, bool, False, 1),
    ("true", bool, False, "true"),
    # int: Python and NumPy integers, never a bool, converted to int
    (3, int, True, 3),
    (np.int64(3), int, True, 3),
    (np.uint8(200), int, True, 200),
    (True, int, False, True),
    (np.True_, int, False, np.True_),
    (3.0, int, False, 3.0),
    (Fraction(3), int, False, Fraction(3)),
    ("3", int, False, "3"),
    # float: every real number but a bool, converted to float
    (0.5, float, True, 0.5),
    (1, float, True, 1.0),
    (np.int64(2), float, True, 2.0),
    (np.float32(0.5), float, True, 0.5),
    (Fraction(1, 4), float, True, 0.25),
    (10**400, float, True, math.inf),  # beyond float64: inf, as check_scalar reads it
    (-(10**400), float, True, -math.inf),
    (math.inf, float, True, math.inf),
    (True, float, False, True),
    (np.False_, float, False, np.False_),
    (1j, float, False, 1j),
    ("0.5", float, False, "0.5"),
    (None, float, False, None),
    # str
    ("mnist", str, True, "mnist"),
    (np.str_("mnist"), str, True, "mnist"),
    (b"mnist", str, False, b"mnist"),
    (3, str, False, 3),
    # tuple, fixed length: a list or tuple of that length whose items fit; a tuple out
    ([1, 7], tuple[int, int], True, (1, 7)),
    ((1, 7), tuple[int, int], True, (1, 7)),
    ((1, 2, 3), tuple[int, int], False, (1, 2, 3)),
    ((1,), tuple[int, int], False, (1,)),
    ((1, "a"), tuple[int, int], False, (1, "a")),
    ([1, "a"], tuple[int, str], True, (1, "a")),
    ((1, 2), tuple[float, int], True, (1.0, 2)),
    ((), tuple[()], True, ()),
    ((1,), tuple[()], False, (1,)),
    ("ab", tuple[str, str], False, "ab"),
    # tuple, variadic: a list or tuple whose items all fit; a tuple out
    ([64, 64], tuple[int, ...], True, (64, 64)),
    ((np.int64(8),), tuple[int, ...], True, (8,)),
    ([], tuple[int, ...], True, ()),
    ([8, 2.5], tuple[int, ...], False, [8, 2.5]),
    ([True], tuple[int, ...], False, [True]),
    ("88", tuple[str, ...], False, "88"),
    (np.array([8, 8]), tuple[int, ...], False, None),  # refused: the array comes back (`is`)
    (range(3), tuple[int, ...], False, range(3)),
    # list: a list or tuple whose items all fit; a list out
    ((2, 3), list[int], True, [2, 3]),
    ([0.5, 1], list[float], True, [0.5, 1.0]),
    ([2, "x"], list[int], False, [2, "x"]),
    ("2,3", list[str], False, "2,3"),
    # Sequence: as list (a str, itself a sequence of str, is refused)
    (("cover", "hart"), Sequence[str], True, ["cover", "hart"]),
    ("cover", Sequence[str], False, "cover"),
    ([], typing.Sequence[str], True, []),
    # nested
    ([(1, 7), [2, 3]], Sequence[tuple[int, int]] | None, True, [(1, 7), (2, 3)]),
    ([(1, 2, 3)], Sequence[tuple[int, int]] | None, False, [(1, 2, 3)]),
    ([[200, 1], (400, 2)], list[list[int]], True, [[200, 1], [400, 2]]),
    ([[200, 1.5]], list[list[int]], False, [[200, 1.5]]),
    (["a", "b"], tuple[str, ...] | list[str] | str | None, True, ("a", "b")),  # tuple listed first
    ("a", tuple[str, ...] | list[str] | str | None, True, "a"),
    ([None, 1], list[int | None], True, [None, 1]),
    ([1, 2], list[float | int], True, [1.0, 2.0]),
    (["x", 1], tuple[Literal["x", "y"], ...], False, ["x", 1]),
    # Annotated: as its type
    (3, Annotated[int, "meta"], True, 3),
    (3.5, Annotated[int, "meta"], False, 3.5),
    # unknown annotations (a class, bare containers, dict[...]): anything, unchanged
    ("anything", Path, True, "anything"),
    (3, tuple, True, 3),
    ("x", list, True, "x"),
    (5, dict[str, int], True, 5),
]


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types, items and dict values too."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):  # == alone would take {"eps": 1} for {"eps": 1.0}
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b) or a is b


@pytest.mark.parametrize(("value", "hint", "ok", "converted"), CASES)
def test_fit_hint_by_hand(value, hint, ok, converted):
    got_ok, got = fit_hint(value, hint)
    assert got_ok is ok
    if ok:
        assert _same(got, converted), (got, converted)
    else:
        assert got is value  # refused: handed back untouched


@pytest.mark.parametrize(
    ("hint", "words"),
    [
        (Any, "any value"),
        (Literal["cover", "mss"], "one of 'cover', 'mss'"),
        (Literal["global", "local"] | None, "one of 'global', 'local' or None"),
        (type(None), "None"),
        (bool, "a bool"),
        (int, "an int"),
        (float | None, "a float or None"),
        (int | float, "an int or a float"),
        (str, "a str"),
        (tuple[int, ...], "a list or tuple of int"),
        (tuple[int, int], "a list or tuple (int, int)"),
        (tuple[int], "a list or tuple (int,)"),
        (tuple[()], "an empty list or tuple"),
        (list[float] | None, "a list or tuple of float or None"),
        (Sequence[str], "a list or tuple of str"),
        (Sequence[tuple[int, int]] | None, "a list or tuple of (int, int) or None"),
        (list[list[int]] | None, "a list or tuple of (list or tuple of int) or None"),
        (list[int | None], "a list or tuple of (int or None)"),
        (tuple[Literal["a", "b"], ...], "a list or tuple of (one of 'a', 'b')"),
        (tuple[int, ...] | list[int] | None, "a list or tuple of int or None"),  # said once
        (tuple[str, ...] | list[str] | str | None, "a list or tuple of str, a str or None"),
        (Annotated[int, "meta"], "an int"),
        (Path, "a Path"),
    ],
)
def test_describe_hint_by_hand(hint, words):
    assert describe_hint(hint) == words


# ---------------------------------------------------------------------------------------------
# both callers, end to end


def test_construct_checks_without_converting():
    """construct refuses by fit_hint's verdict and passes the value on as given: constant
    records ``min_band=0`` as the int 0 (the experiments would have converted it to 0.0)."""
    X, y = [[0.0, 0.0], [0.0, 0.25], [1.0, 1.0], [1.0, 0.75]], [0, 0, 1, 1]
    res = mn.construct(X, y, method="constant", rng=0, min_band=0)
    assert type(res.options["min_band"]) is int and res.options["min_band"] == 0
    with pytest.raises(mn.OptionError, match=r"^method 'efficient': option 'lam' must be a float, got True$"):
        mn.construct(X, y, method="efficient", rng=0, lam=True)


def test_construct_checks_tuple_items():
    """A tuple option's items are checked (they were not: trained refused 2.5 later, itself);
    a list is as good as a tuple and reaches build as a list."""
    from memnets._constructions.registry import check_options

    for bad in [(2.5,), ["8"], [True], [8, None]]:
        with pytest.raises(mn.OptionError,
                           match=rf"^method 'trained': option 'hidden' must be a list or tuple of int, got {re.escape(repr(bad))}$"):
            check_options("trained", {"hidden": bad})
    check_options("trained", {"hidden": [np.int64(8), 4]})  # NumPy ints are ints
    check_options("robust", {"net": np.True_})  # and NumPy booleans booleans
    assert mn.method_options("trained")["hidden"].allowed == "a list or tuple of int"


def test_experiments_convert():
    """parse_experiment_options keeps the converted value: ints where floats go become floats,
    tuples where lists go lists, lists where tuples go tuples; an int beyond float64 is inf
    (it raised OverflowError from float() before)."""
    g = parse_experiment_options("guarantee", ["eps=1", "factors=(1, 0.5)"])
    assert _same(g, {"eps": 1.0, "factors": [1.0, 0.5]})
    assert _same(parse_experiment_options("robustness", ["methods=efficient,optimal"]),
                 {"methods": ("efficient", "optimal")})
    assert parse_experiment_options("guarantee", ["eps=1" + "0" * 400]) == {"eps": math.inf}


# ---------------------------------------------------------------------------------------------
# property tests: against the two functions fit_hint replaced, and against its own rules


def _old_kind_ok(value: Any, hint: Any) -> bool:
    """construct's check before fit_hint (registry.py at 70c6248), verbatim."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin is Literal:
        return any(type(value) is type(c) and value == c for c in typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return any(_old_kind_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool | np.bool_)
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
    if hint is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    if hint is str:
        return isinstance(value, str)
    if origin is tuple:
        return isinstance(value, tuple | list)
    return True


def _old_fit(value: Any, hint: Any) -> tuple[bool, Any]:
    """The experiments' check before fit_hint (experiments/_registry.py at 70c6248), verbatim."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True, value
    if origin is Literal:
        return any(type(value) is type(c) and value == c for c in args), value
    if origin in (typing.Union, types.UnionType):
        for h in args:
            ok, got = _old_fit(value, h)
            if ok:
                return True, got
        return False, value
    if hint is type(None):
        return value is None, value
    if hint is bool:
        return isinstance(value, bool), value
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool), value
    if hint is float:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
        return ok, float(value) if ok else value
    if hint is str:
        return isinstance(value, str), value
    if origin in (list, tuple, Sequence):
        if not isinstance(value, list | tuple):
            return False, value
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(value):
                return False, value
            fitted = [_old_fit(v, h) for v, h in zip(value, args, strict=True)]
        else:
            fitted = [_old_fit(v, args[0] if args else Any) for v in value]
        if not all(ok for ok, _ in fitted):
            return False, value
        items = [got for _, got in fitted]
        return True, tuple(items) if origin is tuple else items
    return True, value


_SCALAR_HINTS = [Any, bool, int, float, str, type(None), Literal["a", "b"], Literal[1, 2], Literal[True],
                 Path, dict[str, int]]


def _compound(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.tuples(inner, inner).map(lambda t: Union[t[0], t[1]]),  # noqa: UP007 (members may be Literal/Any)
        inner.map(lambda h: Optional[h]),  # noqa: UP045
        inner.map(lambda h: tuple[h, ...]),
        st.tuples(inner, inner).map(lambda t: tuple[t[0], t[1]]),
        inner.map(lambda h: list[h]),
        inner.map(lambda h: Sequence[h]),
    )


HINTS = st.recursive(st.sampled_from(_SCALAR_HINTS), _compound, max_leaves=6)

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.booleans().map(np.bool_), st.integers(-(2**63), 2**63 - 1),
    st.integers(-(2**31), 2**31).map(np.int64), st.floats(allow_nan=False), st.floats(allow_nan=False).map(np.float64),
    st.fractions(max_denominator=10), st.sampled_from(["a", "b", "c", ""]), st.text(max_size=3),
    st.sampled_from(["a", "b"]).map(np.str_),
)
VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple),
                      max_leaves=8)


def _plain(x: Any) -> Any:
    """NumPy scalars as the Python scalars fit_hint converts them to, inside lists too."""
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, list | tuple):
        return type(x)(_plain(v) for v in x)
    return x


def _has_numpy_bool(x: Any) -> bool:
    if isinstance(x, list | tuple):
        return any(_has_numpy_bool(v) for v in x)
    return isinstance(x, np.bool_)


def _has_container(hint: Any) -> bool:
    if typing.get_origin(hint) in (tuple, list, Sequence):
        return True
    return any(_has_container(h) for h in typing.get_args(hint) if h is not Ellipsis)


@settings(max_examples=120, deadline=None)
@given(VALUES, HINTS)
def test_fit_hint_against_the_two_it_replaced(value, hint):
    """construct: nothing refused before is accepted now, and what is refused now but was not
    is refused inside a list, tuple or Sequence annotation (items were not looked at).
    Experiments: the same verdict and the same conversion (NumPy scalars now come out as
    Python scalars), except that a NumPy boolean is a bool now (a text reading never makes
    one)."""
    ok, converted = fit_hint(value, hint)
    if ok:
        assert _old_kind_ok(value, hint)
    elif _old_kind_ok(value, hint):
        assert _has_container(hint), (value, hint)
    old_ok, old_converted = _old_fit(value, hint)
    if old_ok:
        assert ok
        if not _has_numpy_bool(value):  # else a union may now take an earlier member
            assert _same(_plain(converted), _plain(old_converted)), (converted, old_converted)
    elif ok:
        assert _has_numpy_bool(value), (value, hint)


def _conforms(x: Any, hint: Any) -> bool:
    """Whether a converted value is exactly of the annotated types (type(x) is int, ...)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return any(type(x) is type(c) and x == c for c in args)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(x, h) for h in args)
    if hint is type(None):
        return x is None
    if hint in (bool, int, float, str):
        return type(x) is hint
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        return type(x) is tuple and len(x) == len(args) and all(map(_conforms, x, args))
    if origin in (tuple, list, Sequence):
        return type(x) is (tuple if origin is tuple else list) and all(_conforms(v, args[0]) for v in x)
    return True  # Any and unknown annotations


def _fitting(hint: Any) -> st.SearchStrategy[Any]:
    """Values that fit ``hint`` by construction, in every form fit_hint admits."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return st.sampled_from(args)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([_fitting(h) for h in args])
    if hint is type(None):
        return st.none()
    if hint is bool:
        return st.booleans() | st.booleans().map(np.bool_)
    if hint is int:
        return st.integers() | st.integers(-(2**31), 2**31).map(np.int64)
    if hint is float:
        return st.floats() | st.integers() | st.fractions() | st.floats(width=32).map(np.float32)
    if hint is str:
        return st.text(max_size=3) | st.text(max_size=3).map(np.str_)
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        items = st.tuples(*[_fitting(h) for h in args])
    elif origin in (tuple, list, Sequence):
        items = st.lists(_fitting(args[0]), max_size=3)
    else:
        return VALUES  # Any and unknown annotations
    return items.map(list) | items.map(tuple)


@settings(max_examples=100, deadline=None)
@given(st.data(), HINTS)
def test_a_fitting_value_fits_and_converts_to_the_annotated_types(data, hint):
    value = data.draw(_fitting(hint))
    ok, converted = fit_hint(value, hint)
    assert ok, (value, hint)
    assert _conforms(converted, hint), (converted, hint)
    # converted again it still fits (not always to itself: Literal[1] | int reads np.int64(1)
    # as the int 1, which Literal[1] takes the second time, a tuple[Literal[1], ...] | list[int]
    # then turns [np.int64(1)] into [1] and [1] into (1,))
    again_ok, again = fit_hint(converted, hint)
    assert again_ok and _conforms(again, hint)


@settings(max_examples=100, deadline=None)
@given(VALUES, HINTS)
def test_a_refused_value_comes_back_untouched(value, hint):
    ok, converted = fit_hint(value, hint)
    if not ok:
        assert converted is value
    else:
        assert fit_hint(converted, hint)[0]
