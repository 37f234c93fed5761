"""Progress bars for the long loops of a construction, off unless the caller asks.

:func:`memnets.construct` (``progress=True``) and the estimator (``verbose``) switch them on
for the duration of one call with :func:`progress_enabled` (a context variable, so nothing
global changes and concurrent calls do not interfere). A long loop wraps its iterable in
:func:`track`, a one-line change; when progress is off :func:`track` returns the iterable
itself. A bar appears only once its loop has run for ``DELAY`` seconds, so short builds stay
quiet even with ``progress=True``. Bars are rich progress bars on standard error.

>>> list(track(range(3), "counting"))  # off by default: the iterable itself
[0, 1, 2]
>>> with progress_enabled(True):
...     enabled()
True
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["DELAY", "enabled", "progress_enabled", "track"]

T = TypeVar("T")

#: seconds a loop runs before its bar is shown
DELAY = 2.0

_ENABLED: ContextVar[bool] = ContextVar("memnets_progress", default=False)


def enabled() -> bool:
    """Whether the current call asked for progress bars."""
    return _ENABLED.get()


@contextmanager
def progress_enabled(on: bool = True) -> Iterator[None]:
    """Switch progress bars on (or off) inside the ``with`` block."""
    token = _ENABLED.set(bool(on))
    try:
        yield
    finally:
        _ENABLED.reset(token)


def track(iterable: Iterable[T], description: str, total: int | None = None) -> Iterable[T]:
    """``iterable`` itself when progress is off; else a generator over it that shows a bar
    (``total`` steps, default ``len(iterable)``) once the loop has run ``DELAY`` seconds."""
    if not _ENABLED.get():
        return iterable
    if total is None and isinstance(iterable, Sized):
        total = len(iterable)
    return _tracked(iterable, description, total)


def _tracked(iterable: Iterable[T], description: str, total: int | None) -> Iterator[T]:
    start = time.perf_counter()
    bar: Any = None
    task: Any = None
    done = 0
    try:
        for item in iterable:
            yield item
            done += 1
            if bar is None and time.perf_counter() - start >= DELAY:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TimeElapsedColumn,
                    TimeRemainingColumn,
                )

                bar = Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                               TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True))
                bar.start()
                task = bar.add_task(description, total=total, completed=done)
            elif bar is not None:
                bar.update(task, completed=done)
    finally:
        if bar is not None:
            bar.stop()
