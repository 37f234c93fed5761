"""Fixtures only; shared helpers and tolerances live in ``_helpers.py``."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


# ``--doctest-modules`` would import every conftest.py as a module named ``conftest``; two of
# them (this one and tests/cli's) then clash. They hold fixtures, not doctests.
collect_ignore_glob = ["conftest.py", "*/conftest.py"]
