"""Option groups: keyword options that several functions take, declared once.

A group is a ``TypedDict`` (``total=False``) whose fields are the options, each annotated
``Annotated[type, Default(value)]``, and whose numpydoc ``Parameters`` section says what each
option means. A function takes the group as ``**name: Unpack[Group]``, so a type checker
checks the keywords of its callers; :func:`with_defaults` completes what a caller passed.
The construction registry lists a group's options beside the function's own
(:func:`memnets._constructions.options.options_of`), so one declaration serves every
construction that shares the stage the group configures.

>>> class Tries(typing.TypedDict, total=False):
...     max_tries: typing.Annotated[int, Default(8)]
>>> group_fields(Tries)
{'max_tries': (<class 'int'>, 8)}
>>> with_defaults(Tries, {})
{'max_tries': 8}
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Default", "group_fields", "with_defaults"]


@dataclass(frozen=True)
class Default:
    """The value an option of a group takes when a caller does not pass it."""

    value: Any


def group_fields(group: type) -> dict[str, tuple[Any, Any]]:
    """``{option: (annotation, default)}`` of a group, in declaration order; the annotation
    without its ``Annotated`` wrapper, the default from its :class:`Default` marker."""
    plain = typing.get_type_hints(group)
    extras = typing.get_type_hints(group, include_extras=True)
    out: dict[str, tuple[Any, Any]] = {}
    for name, hint in plain.items():
        marks = [m for m in getattr(extras[name], "__metadata__", ()) if isinstance(m, Default)]
        if len(marks) != 1:
            raise TypeError(f"option {name!r} of {group.__name__} needs exactly one Default(...)")
        out[name] = (hint, marks[0].value)
    return out


def with_defaults(group: type, given: Mapping[str, Any]) -> dict[str, Any]:
    """Every option of ``group``: the value in ``given``, else its default."""
    return {name: given.get(name, default) for name, (_, default) in group_fields(group).items()}
