"""Fixtures only: the theory experiments at ``profile="tiny"``, run once per test session."""

from __future__ import annotations

import pytest

#: the experiments of the shared tiny run (width is the slowest: it trains MLPs); the
#: theory tests list them again as NAMES
THEORY_NAMES = ["width", "density", "sample-complexity", "exponential", "guarantee"]


@pytest.fixture(scope="session")
def tiny_report(tmp_path_factory):
    """``(out_dir, report_text)`` of the theory experiments at profile="tiny", seed 0, run
    through ``memnets reproduce``'s driver once for every test that reads them."""
    from memnets.experiments.reproduce import reproduce

    out = tmp_path_factory.mktemp("theory")
    report = reproduce(out, names=THEORY_NAMES, profile="tiny", jobs=1, seed=0, progress=False)
    return out, report.read_text()
