"""Old spellings (:mod:`memnets._core.deprecated`): the warning's text, category and the line
it points at, and the alias's call, result and name (written to kill the survivors of
``benchmarks/mutate.py deprecated``; see benchmarks/README.md)."""

from __future__ import annotations

import warnings

import pytest

from memnets._core.deprecated import deprecated_alias, warn_renamed

OLD_NEW = "old_f is deprecated: use new_f (the old spelling is removed in the next release)"


def _caller_of_warn(stacklevel=None):
    # the warning must point at the line that called this helper (stacklevel 3 by default)
    if stacklevel is None:
        warn_renamed("old_f", "new_f")
    else:
        warn_renamed("old_f", "new_f", stacklevel=stacklevel)


def _where(**kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_renamed("old_f", "new_f", **kw)
    (w,) = caught
    return w.filename, w.lineno


def test_the_default_stacklevel_is_three_and_is_passed_on():
    # relative checks: they hold under mutmut's trampoline too (which adds frames)
    assert _where() == _where(stacklevel=3)
    assert _where(stacklevel=1)[0].endswith("deprecated.py")
    assert _where(stacklevel=3) != _where(stacklevel=1)
    assert _where(stacklevel=2) != _where(stacklevel=1)


# the two tests below check the exact frame a warning points at: mutmut's trampoline adds
# frames between a caller and a mutated function, so benchmarks/mutate.py deselects them
# ("points_at") and test_the_default_stacklevel_is_three_and_is_passed_on stands in
def test_warn_renamed_says_what_to_write_and_points_at_the_callers_caller():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _caller_of_warn()
    (w,) = caught
    assert w.category is DeprecationWarning
    assert str(w.message) == OLD_NEW
    assert w.filename == __file__
    assert w.lineno == test_warn_renamed_says_what_to_write_and_points_at_the_callers_caller.__code__.co_firstlineno + 3


def test_an_alias_warning_points_at_the_aliass_caller():
    old = deprecated_alias(_add, "old_add")
    with pytest.warns(DeprecationWarning) as caught:
        old(0)
    assert caught[0].filename == __file__


def test_an_explicit_stacklevel_points_at_its_frame():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _caller_of_warn(stacklevel=2)  # the helper's own line
    (w,) = caught
    assert w.lineno == _caller_of_warn.__code__.co_firstlineno + 5


def _add(a, b=10, *, c=100):
    """Add."""
    return a + b + c


def test_an_alias_calls_the_function_with_every_argument_after_the_warning():
    old = deprecated_alias(_add, "pkg.old_add", "pkg.add")
    with pytest.warns(DeprecationWarning) as caught:
        assert old(1, 2, c=3) == 6
    assert [str(w.message) for w in caught] == [
        "pkg.old_add is deprecated: use pkg.add (the old spelling is removed in the next release)"]
    with pytest.warns(DeprecationWarning):
        assert old(1) == 111


def test_an_alias_without_a_new_name_names_the_function():
    old = deprecated_alias(_add, "old_add")
    with pytest.warns(DeprecationWarning) as caught:
        old(0)
    assert str(caught[0].message) == "old_add is deprecated: use _add (the old spelling is removed in the next release)"


def test_an_alias_carries_the_old_name_and_its_own_docstring():
    old = deprecated_alias(_add, "pkg.sub.old_add", "pkg.add")
    assert old.__name__ == "old_add"
    assert old.__qualname__ == "old_add"
    assert old.__doc__ == f"Deprecated alias of :func:`{__name__}._add` (same call and result)."
    assert old.__wrapped__ is _add
    assert old.__module__ == _add.__module__
