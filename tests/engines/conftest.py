"""Fixtures shared by the engine tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from memnets._engines import decide


@pytest.fixture
def row_counts(monkeypatch) -> Callable[[str], list[int]]:
    """``row_counts(name)`` wraps ``decide.<name>(net, X)`` and returns the list that records
    how many rows each call gets."""

    def install(name: str) -> list[int]:
        calls: list[int] = []
        real = getattr(decide, name)

        def counting(net, X):
            calls.append(X.shape[0])
            return real(net, X)

        monkeypatch.setattr(decide, name, counting)
        return calls

    return install


@pytest.fixture
def exact_calls(row_counts) -> list[int]:
    """Sizes of the batches :func:`decide.predict_codes` hands on to exact arithmetic."""
    return row_counts("predict_codes_exact")
