"""Atomic file writes: the one way memnets replaces a file it writes.

A reader (another process, a later run, a crash) sees the old file or the whole new one,
never a half-written file: the data goes to a fresh temporary file beside the target
(created exclusively, so two writers never share it, and with the ordinary umask
permissions), which is renamed over the target only when it is complete and removed on any
failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_open"]


@contextmanager
def atomic_open(
    path: str | os.PathLike[str], mode: str = "w", *, parents: bool = True, **kwargs: Any
) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; rename it to ``path`` on success.

    ``mode`` is ``"w"`` (text; ``kwargs`` as for :func:`open`, e.g. ``newline=""``) or
    ``"wb"``. The parent folder is created unless ``parents=False`` (then a missing folder
    is the ``FileNotFoundError`` of :func:`open`). On any exception (``KeyboardInterrupt``
    included) the temporary file is removed, ``path`` is left as it was and the exception
    propagates.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "sub" / "a.txt"
    >>> with atomic_open(p) as fh:
    ...     _ = fh.write("new")
    >>> p.read_text(), sorted(q.name for q in p.parent.iterdir())
    ('new', ['a.txt'])
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open: mode must be 'w' or 'wb', got {mode!r}")
    target = Path(path)
    if parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(tmp, mode.replace("w", "x"), **kwargs) as fh:
            yield fh
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
