"""Fixtures shared by the engine tests."""

from __future__ import annotations

import pytest

from memnets._engines import decide


@pytest.fixture
def exact_calls(monkeypatch) -> list[int]:
    """Sizes of the batches :func:`decide.predict_codes` hands on to exact arithmetic."""
    calls: list[int] = []
    real = decide.predict_codes_exact

    def counting(net, X):
        calls.append(X.shape[0])
        return real(net, X)

    monkeypatch.setattr(decide, "predict_codes_exact", counting)
    return calls
