"""Old spellings that keep working for one release, with a :class:`DeprecationWarning`.

Every renamed public name, option or option value goes through :func:`warn_renamed`, so the
warnings read alike and say what to write instead.

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     warn_renamed("old_name", "new_name")
>>> str(caught[0].message)
'old_name is deprecated: use new_name (the old spelling is removed in the next release)'
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["deprecated_alias", "warn_renamed"]

F = TypeVar("F", bound=Callable[..., Any])


def warn_renamed(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Emit the :class:`DeprecationWarning` for a renamed name, option or value."""
    warnings.warn(
        f"{old} is deprecated: use {new} (the old spelling is removed in the next release)",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def deprecated_alias(func: F, old: str, new: str | None = None) -> F:
    """``func`` under its old name ``old``: the same call, after a :class:`DeprecationWarning`."""

    @functools.wraps(func)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warn_renamed(old, new or func.__name__)
        return func(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old.rsplit(".", 1)[-1]
    alias.__doc__ = f"Deprecated alias of :func:`{func.__module__}.{func.__name__}` (same call and result)."
    return alias  # type: ignore[return-value]
