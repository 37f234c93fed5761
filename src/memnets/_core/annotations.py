"""Whether a value fits a type annotation, and the annotation in words: one decision for every
registry of options.

:func:`fit_hint` is the one check behind :func:`memnets.construct`'s options (which pass on
the value as given) and the experiments' ``key=value`` options (which take the converted
value); :func:`describe_hint` words an annotation for both registries' messages and for
:func:`memnets.method_options`. The annotations read are those options use: ``Any``,
``Literal[...]``, unions (``X | None``), ``None``, ``bool``, ``int``, ``float``, ``str``,
``tuple[...]``, ``list[...]`` and ``Sequence[...]``, nested; any other annotation (a class
such as ``pathlib.Path``, a bare ``tuple``, ``dict[...]``) admits every value unchanged.
"""

from __future__ import annotations

import math
import numbers
import types
import typing
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import numpy as np

__all__ = ["describe_hint", "fit_hint"]

_CONTAINERS = (tuple, list, Sequence)


def fit_hint(value: Any, hint: Any) -> tuple[bool, Any]:
    """Whether ``value`` fits the annotation ``hint``, and ``value`` converted to it.

    The rules, by annotation:

    ============================  =====================================================
    ``Any``                       every value
    ``Literal[c1, c2, ...]``      a value equal to one ``c`` and of exactly its type
                                  (``1`` is not ``True``, ``1.0`` is not ``1``)
    ``A | B`` (``Optional[A]``)   the first member that fits, converted by that member
    ``None``                      ``None``
    ``bool``                      ``bool`` or ``numpy.bool_``; converted by ``bool()``
    ``int``                       an integer (``numbers.Integral``: Python or NumPy),
                                  never a bool; converted by ``int()``
    ``float``                     a real number (``numbers.Real``: ints, NumPy scalars,
                                  Fractions), never a bool; converted by ``float()``, an
                                  int beyond float64's range to ``inf``
    ``str``                       a ``str``; converted by ``str()``
    ``tuple[A, B]``               a list or tuple of that length whose items fit
                                  ``A``, ``B``; converted to a tuple
    ``tuple[A, ...]``             a list or tuple whose items all fit ``A``; converted
                                  to a tuple
    ``list[A]``, ``Sequence[A]``  a list or tuple whose items all fit ``A`` (never a
                                  ``str``); converted to a list
    ``Annotated[A, ...]``         as ``A``
    anything else                 every value, unchanged
    ============================  =====================================================

    Parameters
    ----------
    value : object
        The value to check.
    hint : object
        A type annotation, as :func:`typing.get_type_hints` returns it (not a string).

    Returns
    -------
    ok : bool
        Whether ``value`` fits ``hint``. It never depends on the conversion.
    converted : object
        ``value`` as the annotated type where ``ok`` (items converted too); ``value``
        itself where not. :func:`memnets.construct` checks with ``ok`` and passes on
        ``value`` as given; the experiments' ``--set`` options take ``converted``.

    See Also
    --------
    describe_hint : The annotation in words, for the message when ``ok`` is false.

    Examples
    --------
    >>> from typing import Literal
    >>> fit_hint(3, float | None)
    (True, 3.0)
    >>> fit_hint(True, int)
    (False, True)
    >>> fit_hint(np.True_, bool)
    (True, True)
    >>> fit_hint([2, 3], tuple[int, ...])
    (True, (2, 3))
    >>> fit_hint([(1, 7), [2, 3]], list[tuple[int, int]])
    (True, [(1, 7), (2, 3)])
    >>> fit_hint([(1, 2, 3)], list[tuple[int, int]])
    (False, [(1, 2, 3)])
    >>> fit_hint("cover", Literal["cover", "mss"])
    (True, 'cover')
    """
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True, value
    if origin is Annotated:
        return fit_hint(value, args[0])
    if origin is Literal:
        return any(type(value) is type(c) and value == c for c in args), value
    if origin in (typing.Union, types.UnionType):
        for member in args:
            ok, converted = fit_hint(value, member)
            if ok:
                return True, converted
        return False, value
    if hint is None or hint is type(None):
        return value is None, value
    if hint is bool:
        ok = isinstance(value, bool | np.bool_)
        return ok, bool(value) if ok else value
    if hint is int:
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
        return ok, int(value) if ok else value
    if hint is float:
        if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
            return False, value
        return True, _float(value)
    if hint is str:
        ok = isinstance(value, str)
        return ok, str(value) if ok else value
    if origin in _CONTAINERS:
        return _fit_items(value, origin, args)
    return True, value


def _float(value: numbers.Real) -> float:
    try:
        return float(value)
    except OverflowError:  # an int or Fraction beyond float64's range (as check_scalar reads it)
        return math.inf if value > 0 else -math.inf  # type: ignore[operator]


def _fit_items(value: Any, origin: Any, args: tuple[Any, ...]) -> tuple[bool, Any]:
    """``tuple[...]``, ``list[...]`` or ``Sequence[...]``: a list or tuple whose items fit."""
    if not isinstance(value, list | tuple):
        return False, value
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        if len(value) != len(args):  # tuple[A, B] (and tuple[()], whose args are empty)
            return False, value
        item_hints = list(args)
    else:
        item_hints = [args[0] if args else Any] * len(value)
    converted = []
    for item, item_hint in zip(value, item_hints, strict=True):
        ok, got = fit_hint(item, item_hint)
        if not ok:
            return False, value
        converted.append(got)
    return True, tuple(converted) if origin is tuple else converted


def describe_hint(hint: Any) -> str:
    """An annotation in words, as :func:`fit_hint` reads it (for messages and help texts).

    Parameters
    ----------
    hint : object
        A type annotation, as :func:`typing.get_type_hints` returns it.

    Returns
    -------
    str
        A noun phrase: ``"an int"``, ``"one of 'a', 'b'"``, ``"a list or tuple of int"``
        (lists and tuples are interchangeable to :func:`fit_hint`), union members joined by
        commas and a last ``"or"``; an item that is itself a choice is put in parentheses.

    Examples
    --------
    >>> from collections.abc import Sequence
    >>> from typing import Literal
    >>> describe_hint(Literal["global", "local"] | None)
    "one of 'global', 'local' or None"
    >>> describe_hint(float | None)
    'a float or None'
    >>> describe_hint(tuple[int, ...])
    'a list or tuple of int'
    >>> describe_hint(Sequence[tuple[int, int]] | None)
    'a list or tuple of (int, int) or None'
    >>> describe_hint(tuple[str, ...] | list[str] | str | None)
    'a list or tuple of str, a str or None'
    """
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return "any value"
    if origin is Annotated:
        return describe_hint(args[0])
    if origin is Literal:
        return "one of " + ", ".join(repr(c) for c in args)
    if origin in (typing.Union, types.UnionType):
        words = list(dict.fromkeys(describe_hint(h) for h in args))  # list[A] | tuple[A, ...]: once
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    if hint is None or hint is type(None):
        return "None"
    if origin is tuple and not args:
        return "an empty list or tuple"
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        return "a list or tuple " + _item(hint)
    if origin in _CONTAINERS:
        return "a list or tuple of " + _item(args[0] if args else Any)
    name = getattr(hint, "__name__", str(hint))
    return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"


def _item(hint: Any) -> str:
    """An item's annotation in words, without an article: ``int``, ``(int, str)``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        return "(" + ", ".join(_item(h) for h in args) + ("," if len(args) == 1 else "") + ")"
    words = describe_hint(hint)
    for article in ("a ", "an "):
        words = words.removeprefix(article)
    return f"({words})" if " or " in words or ", " in words else words
