"""Fixtures only; shared helpers and tolerances live in ``_helpers.py``."""

from __future__ import annotations

import os
import sys
import types

import numpy as np
import pytest
from hypothesis import settings

# Hypothesis: no per-example deadline (a loaded 2-core machine runs an example many times
# slower than an idle one; a slow example is not a failure); under CI (CI=true, as
# .ci/run is started) the examples are derived from each test's name, so a red CI run
# fails again the same way. Each test keeps its own max_examples.
settings.register_profile("memnets", deadline=None, print_blob=True)
settings.register_profile("ci", settings.get_profile("memnets"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("1", "true") else "memnets")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


# ``--doctest-modules`` would import every conftest.py as a module named ``conftest``; two of
# them would clash. They hold fixtures, not doctests.
collect_ignore_glob = ["conftest.py", "*/conftest.py"]


# --------------------------------------------------------------------------- command line
@pytest.fixture
def cli():
    """``cli("build", "digits", ...)`` runs ``memnets build digits ...`` and returns the result."""
    from typer.testing import CliRunner

    from memnets.cli import _app, app

    runner = CliRunner()

    def invoke(*args: object, env: dict[str, str] | None = None):
        env = {"COLUMNS": "200", **(env or {})}
        # rich reads COLUMNS once, when the console is made: set the width of this call
        old = _app.console._width
        _app.console.width = int(env["COLUMNS"])
        try:
            return runner.invoke(app, [str(a) for a in args], env=env)
        finally:
            _app.console._width = old

    return invoke


@pytest.fixture
def fake_experiments(monkeypatch):
    """Registered experiments ``rec`` (records its options and keywords), ``boom`` (raises)."""
    import memnets.experiments as experiments
    from memnets.experiments import _registry

    calls: list[tuple[experiments.RunOptions, dict]] = []
    rec = types.ModuleType("_memnets_cli_test_rec")

    def run(out_dir, *, knob=0, label="a", flag=False, **run_options):
        options = experiments.RunOptions.coerce(out_dir, run_options, experiment="rec")
        calls.append((options, {"knob": knob, "label": label, "flag": flag}))
        return {"name": "rec", "json": "", "plots": [], "markdown": f"knob={knob} seed={options.seed}"}

    rec.run = run  # type: ignore[attr-defined]
    boom = types.ModuleType("_memnets_cli_test_boom")

    def run_boom(options):
        raise RuntimeError("boom in boom")

    boom.run = run_boom  # type: ignore[attr-defined]
    for mod in (rec, boom):
        monkeypatch.setitem(sys.modules, mod.__name__, mod)
    registry = {"rec": (rec.__name__, "records its options"), "boom": (boom.__name__, "fails")}
    monkeypatch.setattr(experiments, "EXPERIMENTS", registry)
    monkeypatch.setattr(_registry, "EXPERIMENTS", registry)
    return calls
