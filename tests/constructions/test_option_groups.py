"""Option groups (memnets._core.option_groups): declared once as a TypedDict with Default
markers, completed by with_defaults, and listed by the registry where build's docstring
lists the group."""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict, Unpack

import pytest

from memnets._constructions.options import option_hints, options_of
from memnets._core.option_groups import Default, group_fields, with_defaults


class _Tries(TypedDict, total=False):
    """Parameters
    ----------
    max_tries : draws before giving up. More text.
    bits : size of the entries
    """

    max_tries: Annotated[int, Default(8)]
    bits: Annotated[int | None, Default(None)]


def _middle(data, *, rng, seed, first: float = 1.0, last: Literal["a", "b"] = "a", **tries: Unpack[_Tries]):
    """Parameters
    ----------
    first : the first option
    **tries : the draws
    last : the last option
    """


def _undocumented(data, *, rng, seed, own: int = 3, **tries: Unpack[_Tries]):
    """Parameters
    ----------
    own : an option of its own
    """


def test_group_fields_and_defaults():
    assert group_fields(_Tries) == {"max_tries": (int, 8), "bits": (int | None, None)}
    assert with_defaults(_Tries, {"bits": 3}) == {"max_tries": 8, "bits": 3}
    assert with_defaults(_Tries, {}) == {"max_tries": 8, "bits": None}


def test_a_group_stands_where_the_docstring_lists_it_else_last():
    opts = options_of(_middle)
    assert list(opts) == ["first", "max_tries", "bits", "last"]
    assert (opts["max_tries"].default, opts["max_tries"].meaning, opts["max_tries"].allowed) == (
        8, "Draws before giving up", "an int")
    assert opts["bits"].allowed == "an int or None" and opts["last"].choices == ("a", "b")
    assert list(options_of(_undocumented)) == ["own", "max_tries", "bits"]
    assert option_hints(_middle)["bits"] == int | None


def test_a_group_option_without_default_is_refused():
    class NoDefault(TypedDict, total=False):
        k: int

    with pytest.raises(TypeError, match=r"option 'k' of NoDefault needs exactly one Default"):
        group_fields(NoDefault)
