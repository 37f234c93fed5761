"""What a method's options are: default, allowed values and meaning, read from its ``build``.

Each construction's ``build(data, *, rng, seed, **options)`` is the one source: its keyword
parameters are the options, their annotations the allowed values and their numpydoc
``Parameters`` entries (``name : meaning. More text...``) the meaning, whose first sentence
is the one-line summary :func:`memnets.method_options` reports.

Options that several constructions share are declared once, as an option group
(:mod:`memnets._core.option_groups`), and a ``build`` takes them as
``**name: Unpack[Group]``: their annotations and defaults come from the group, their meanings
from the group's docstring, and they are listed where ``build``'s docstring lists
``**name`` (after the options it lists before that entry).
"""

from __future__ import annotations

import inspect
import re
import types
import typing
import warnings
from dataclasses import dataclass
from typing import Any, Literal, Unpack

from memnets._core.annotations import describe_hint
from memnets._core.option_groups import group_fields

__all__ = ["MethodOption", "describe_hint", "option_docs", "option_hints", "options_of"]

_NOT_OPTIONS = ("data", "rng", "seed")


@dataclass(frozen=True, eq=False)
class MethodOption:
    """One option of a construction method.

    Attributes
    ----------
    name : str
        The keyword of ``memnets.construct``.
    default : object
        The value used when the option is not given.
    allowed : str
        The values it accepts, in words (from the annotation: ``"one of 'cover', 'mcs'"``,
        ``"a float or None"``).
    meaning : str
        One line: what the option does (the first sentence of the ``build`` docstring's entry).
    choices : tuple or None
        The admissible values when they form a finite set (a ``Literal`` annotation, plus
        ``None`` when admitted), else ``None``.

    Comparing a ``MethodOption`` with a plain value compares its :attr:`default` and warns:
    before memnets 0.2, ``method_options`` returned ``{name: default}``; use ``.default``.
    """

    name: str
    default: Any
    allowed: str
    meaning: str
    choices: tuple[Any, ...] | None = None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MethodOption):
            return (self.name, self.allowed, self.meaning, self.choices) == (
                other.name, other.allowed, other.meaning, other.choices
            ) and type(self.default) is type(other.default) and self.default == other.default
        warnings.warn(
            "method_options(method) now maps each option to a MethodOption; compare its .default "
            "(the value the old dict held) instead of the MethodOption itself",
            DeprecationWarning,
            stacklevel=2,
        )
        return bool(self.default == other)

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        return f"{self.name}={self.default!r}: {self.meaning} ({self.allowed})"


def _choices(hint: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return tuple(typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for h in typing.get_args(hint):
            if h is type(None):
                out.append(None)
                continue
            sub = _choices(h)
            if sub is None:
                return None
            out.extend(sub)
        return tuple(out)
    return None


_SECTION = re.compile(r"^\s*(Parameters|Options)\s*\n\s*-{3,}\s*$", re.MULTILINE)
_NEXT_SECTION = re.compile(r"^\s*[A-Z][A-Za-z ]+\s*\n\s*-{3,}\s*$", re.MULTILINE)


def option_docs(func: Any) -> dict[str, str]:
    """``{name: description}`` from the numpydoc ``Parameters`` (or ``Options``) section of
    ``func``'s docstring, in its order; an entry ``a, b : text`` describes both ``a`` and
    ``b``, an entry ``**name : text`` is kept under ``"**name"``."""
    doc = inspect.getdoc(func) or ""
    out: dict[str, str] = {}
    for m in _SECTION.finditer(doc):
        body = doc[m.end():]
        nxt = _NEXT_SECTION.search(body)
        body = body[: nxt.start()] if nxt else body
        names: list[str] = []
        for line in body.splitlines():
            entry = re.match(r"^((?:\*\*)?[A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_]\w*)*)\s*:\s?(.*)$", line)
            if entry and not line.startswith(" "):
                names = [n.strip() for n in entry.group(1).split(",")]
                for n in names:
                    out[n] = entry.group(2).strip()
            elif names and line.strip():
                for n in names:
                    out[n] = (out[n] + " " + line.strip()).strip()
    return out


def _first_sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r":(?:func|meth|class|mod|data|attr):`~?([^`]+)`", r"\1", text).replace("``", "")
    depth, end = 0, len(text)
    for i, ch in enumerate(text):
        depth += (ch in "([{") - (ch in ")]}")
        if depth <= 0 and ch in ".;" and (i + 1 == len(text) or text[i + 1] == " "):
            end = i
            break
    first = text[:end]
    return first[:1].upper() + first[1:] if first else ""


def _options(build: Any) -> list[tuple[str, Any, Any, str]]:
    """``(name, annotation, default, description)`` of every option of ``build``: its own
    keyword options in signature order, a group's inserted where the docstring lists it."""
    sig = inspect.signature(build)
    hints = typing.get_type_hints(build)
    docs = option_docs(build)
    own: list[tuple[str, Any, Any, str]] = []
    groups: list[tuple[str, list[tuple[str, Any, Any, str]]]] = []
    for name, p in sig.parameters.items():
        hint = hints.get(name, Any)
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in _NOT_OPTIONS:
            own.append((name, hint, p.default, docs.get(name, "")))
        elif p.kind is inspect.Parameter.VAR_KEYWORD and typing.get_origin(hint) is Unpack:
            (group,) = typing.get_args(hint)
            group_docs = option_docs(group)
            groups.append((f"**{name}", [(option, h, default, group_docs.get(option, ""))
                                         for option, (h, default) in group_fields(group).items()]))
    order = list(docs)
    for key, fields in groups:
        later = set(order[order.index(key) + 1:]) if key in order else set()
        at = next((i for i, (name, *_) in enumerate(own) if name in later), len(own))
        own[at:at] = fields
    return own


def option_hints(build: Any) -> dict[str, Any]:
    """``{option: annotation}`` of every option of ``build`` (a group's options included)."""
    return {name: hint for name, hint, _, _ in _options(build)}


def options_of(build: Any) -> dict[str, MethodOption]:
    """Every option of ``build`` as a :class:`MethodOption`: signature order, with the options
    of a group (``**name: Unpack[Group]``) where ``build``'s docstring lists ``**name``."""
    return {
        name: MethodOption(name=name, default=default, allowed=describe_hint(hint),
                           meaning=_first_sentence(text), choices=_choices(hint))
        for name, hint, default, text in _options(build)
    }
