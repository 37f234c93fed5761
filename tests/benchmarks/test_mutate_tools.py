"""The source rewrite of ``benchmarks/mutate.py`` (no mutmut run): :func:`undecorate` spells the
``@property`` / ``@cached_property`` methods of top-level classes and the top-level
``@contextmanager`` functions as a plain ``def`` and an assignment, so that mutmut 3 (which skips
decorated functions) mutates them; :func:`decorated_names` names their mutants. Hand-worked
snippets: the rewritten text exactly, what is left alone, and that both versions behave the same."""

from __future__ import annotations

import ast
import importlib.util
import textwrap
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("memnets_mutate_script", ROOT / "benchmarks" / "mutate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mutate = _load()


def _exec(text: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "snippet"}
    exec(compile(text, "<snippet>", "exec"), namespace)
    return namespace


SNIPPET = textwrap.dedent('''\
    from contextlib import contextmanager
    from functools import cached_property, lru_cache
    import functools

    LOG = []


    def noted(f):
        LOG.append(f.__name__)
        return f


    class Box:
        def __init__(self, n):
            self.n = n
            self.calls = 0

        @property
        def double(self):
            """Twice n."""
            return 2 * self.n

        @cached_property
        def square(self):
            self.calls += 1
            return self.n * self.n

        @staticmethod
        def zero():
            return 0

        @classmethod
        def one(cls):
            return cls(1)

        @property  # a comment after the decorator
        def wide(
            self,
        ) -> int:
            return self.n + 100

        @functools.cached_property
        def dotted(self):
            return -self.n

        @lru_cache(maxsize=2)
        def cached(self, k):
            return self.n + k

        @property
        @noted
        def stacked(self):
            return 3

        class Inner:
            @property
            def seven(self):
                return 7


    @contextmanager
    def logged(tag):
        LOG.append(("enter", tag))
        try:
            yield tag * 2
        finally:
            LOG.append(("exit", tag))


    @lru_cache(maxsize=None)
    def fib(k):
        return k if k < 2 else fib(k - 1) + fib(k - 2)
''')

#: SNIPPET rewritten by hand: only ``double``, ``square``, ``wide`` and ``logged`` change
EXPECTED = textwrap.dedent('''\
    from contextlib import contextmanager
    from functools import cached_property, lru_cache
    import functools

    LOG = []


    def noted(f):
        LOG.append(f.__name__)
        return f


    class Box:
        def __init__(self, n):
            self.n = n
            self.calls = 0

        def double(self):
            """Twice n."""
            return 2 * self.n
        double = property(double)

        def square(self):
            self.calls += 1
            return self.n * self.n
        square = cached_property(square)

        @staticmethod
        def zero():
            return 0

        @classmethod
        def one(cls):
            return cls(1)

        def wide(
            self,
        ) -> int:
            return self.n + 100
        wide = property(wide)

        @functools.cached_property
        def dotted(self):
            return -self.n

        @lru_cache(maxsize=2)
        def cached(self, k):
            return self.n + k

        @property
        @noted
        def stacked(self):
            return 3

        class Inner:
            @property
            def seven(self):
                return 7


    def logged(tag):
        LOG.append(("enter", tag))
        try:
            yield tag * 2
        finally:
            LOG.append(("exit", tag))
    logged = contextmanager(logged)


    @lru_cache(maxsize=None)
    def fib(k):
        return k if k < 2 else fib(k - 1) + fib(k - 2)
''')


def test_the_rewrite_of_the_snippet_is_the_hand_written_one() -> None:
    assert mutate.undecorate(SNIPPET) == EXPECTED


def test_names_are_those_of_the_rewritten_functions_only() -> None:
    assert mutate.decorated_names("_core/box.py", SNIPPET) == [
        "memnets._core.box.xǁBoxǁdouble__mutmut_*",
        "memnets._core.box.xǁBoxǁsquare__mutmut_*",
        "memnets._core.box.xǁBoxǁwide__mutmut_*",
        "memnets._core.box.x_logged__mutmut_*",
    ]


def test_what_is_left_alone_keeps_its_decorator() -> None:
    """``@staticmethod`` / ``@classmethod`` (mutmut 3.8.1 mutates those itself), a dotted
    ``@functools.cached_property``, a decorator with arguments, a property with a second decorator,
    a nested class's property and a top-level function whose decorator is not ``@contextmanager``."""
    tree = ast.parse(mutate.undecorate(SNIPPET))
    box = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    decorators = {fn.name: [ast.unparse(d) for d in fn.decorator_list]
                  for fn in box.body if isinstance(fn, ast.FunctionDef)}
    assert decorators == {"__init__": [], "double": [], "square": [], "zero": ["staticmethod"],
                          "one": ["classmethod"], "wide": [], "dotted": ["functools.cached_property"],
                          "cached": ["lru_cache(maxsize=2)"], "stacked": ["property", "noted"]}
    inner = next(n for n in box.body if isinstance(n, ast.ClassDef))
    seven = inner.body[0]
    assert isinstance(seven, ast.FunctionDef) and [ast.unparse(d) for d in seven.decorator_list] == ["property"]
    fib = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "fib")
    assert [ast.unparse(d) for d in fib.decorator_list] == ["lru_cache(maxsize=None)"]


def test_both_versions_behave_the_same() -> None:
    results = []
    for text in (SNIPPET, mutate.undecorate(SNIPPET)):
        ns = _exec(text)
        Box = ns["Box"]
        b = Box(5)
        assert isinstance(Box.__dict__["double"], property) and isinstance(Box.__dict__["wide"], property)
        with pytest.raises(AttributeError):
            b.double = 3  # a property without a setter, in both
        values = [b.double, b.square, b.square, b.calls, b.wide, b.dotted, b.cached(1), Box.zero(),
                  Box.one().n, Box.Inner().seven, ns["fib"](20), Box.double.__doc__, b.stacked]
        with ns["logged"]("a") as got:
            values.append(got)
        with pytest.raises(KeyError), ns["logged"]("b"):
            raise KeyError
        values.append(list(ns["LOG"]))
        results.append(values)
    assert results[0] == results[1]
    assert results[0] == [10, 25, 25, 1, 105, -5, 6, 0, 1, 7, 6765, "Twice n.", 3, "aa",
                          ["stacked", ("enter", "a"), ("exit", "a"), ("enter", "b"), ("exit", "b")]]


def test_a_function_on_the_last_line_without_a_newline_and_a_spaced_decorator() -> None:
    text = "from contextlib import contextmanager\n@ contextmanager\ndef f():\n    yield 3"
    assert mutate.undecorate(text) == ("from contextlib import contextmanager\ndef f():\n    yield 3\n"
                                       "f = contextmanager(f)\n")
    with _exec(mutate.undecorate(text))["f"]() as got:
        assert got == 3


def test_a_decorator_spread_over_lines_is_refused_not_mangled() -> None:
    text = "class A:\n    @(\n        property\n    )\n    def f(self):\n        return 1\n"
    assert _exec(text)["A"]().f == 1
    with pytest.raises(ValueError, match="@property of f is not alone on its line"):
        mutate.undecorate(text)


def _undo(tree: ast.Module) -> list[str]:
    """Put back, in place, each ``def f`` + ``f = deco(f)`` of a module or of its top-level classes
    as ``@deco def f``; the mutant-name globs of the functions put back."""
    undone = []
    owners: list[ast.Module | ast.ClassDef] = [tree, *(n for n in tree.body if isinstance(n, ast.ClassDef))]
    for owner in owners:
        prefix = f"xǁ{owner.name}ǁ" if isinstance(owner, ast.ClassDef) else "x_"
        k = 1
        while k < len(owner.body):
            fn, node = owner.body[k - 1], owner.body[k]
            if (isinstance(fn, ast.FunctionDef) and isinstance(node, ast.Assign)
                    and ast.unparse(node) == f"{fn.name} = {ast.unparse(node.value).split('(')[0]}({fn.name})"):
                assert isinstance(node.value, ast.Call)
                fn.decorator_list = [node.value.func]
                del owner.body[k]
                undone.append(f"{prefix}{fn.name}__mutmut_*")
            k += 1
    return undone


def test_every_mutated_module_rewrites_to_the_functions_it_names() -> None:
    """Over every module ``mutate.py`` mutates: undoing the rewrite gives the module's syntax
    tree back, and the functions it rewrote are exactly those :func:`decorated_names` names."""
    named = 0
    for rel in sorted({path for path, _ in mutate.MODULES.values()}):
        path = ROOT / "src" / "memnets" / rel
        text = path.read_text()
        new = ast.parse(mutate.undecorate(text))
        undone = _undo(new)
        assert ast.dump(new) == ast.dump(ast.parse(text)), rel
        module = "memnets." + rel.removesuffix(".py").replace("/", ".")
        assert sorted(mutate.decorated_names(rel)) == sorted(f"{module}.{u}" for u in undone), rel
        named += len(undone)
    assert named > 20


def test_progress_enabled_is_rewritten_and_still_switches_progress() -> None:
    assert "progress" in mutate.UNDECORATE and "progress" in mutate.MODULES
    assert mutate.decorated_names("_core/progress.py") == ["memnets._core.progress.x_progress_enabled__mutmut_*"]
    ns = _exec(mutate.undecorate((ROOT / "src" / "memnets" / "_core" / "progress.py").read_text()))
    assert ns["enabled"]() is False
    with ns["progress_enabled"]():
        assert ns["enabled"]() is True
        with ns["progress_enabled"](False):
            assert ns["enabled"]() is False
        assert ns["enabled"]() is True
    assert ns["enabled"]() is False
    items = [1, 2]
    assert ns["track"](items, "x") is items


def test_every_key_to_undecorate_is_a_module_key() -> None:
    assert set(mutate.MODULES) >= mutate.UNDECORATE
