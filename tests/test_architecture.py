"""The layering contract (pyproject.toml, ``[tool.importlinter]``) holds, and it would catch
an upward import or a cycle: the check runs on a copy of the package with one bad import
added."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")


def _lint(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT), str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=src, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def test_the_package_keeps_its_contracts() -> None:
    run = _lint(ROOT / "src")
    assert run.returncode == 0, run.stdout + run.stderr
    assert " kept, 0 broken" in run.stdout
    assert "only the experiments' plotting modules import matplotlib KEPT" in run.stdout


def test_every_registered_construction_is_in_the_independence_contract() -> None:
    """A new construction cannot escape the rule that constructions do not import each other."""
    import tomllib

    from memnets._constructions.registry import METHODS

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    independent = [set(c["modules"]) for c in contracts if c["type"] == "independence"]
    assert len(independent) == 1
    assert {module for module, _ in METHODS.values()} == independent[0]


@pytest.mark.parametrize(
    ("module", "line", "message"),
    [
        # the core reaching up to a construction
        ("_core/checks.py", "import memnets._constructions.registry",
         "memnets._core is not allowed to import memnets._constructions"),
        # an engine reaching up to the result type
        ("_engines/decide.py", "import memnets._constructions.result",
         "memnets._engines is not allowed to import memnets._constructions"),
        # a construction leaning on another one
        ("_constructions/park2021.py", "import memnets._constructions.vardi2022",
         "memnets._constructions.park2021 -> memnets._constructions.vardi2022"),
        # a cycle inside one room: exact <-> network at run time
        ("_core/exact.py", "import memnets._core.network", "No cycles are allowed in memnets._core"),
        # the run options and the cell runner: run_options uses run_cells, never the other way
        ("experiments/_runner.py", "import memnets.experiments._options",
         "No cycles are allowed in memnets.experiments"),
        # an experiment drawing its own figure instead of leaving it to its _plots module
        ("experiments/compare.py", "import matplotlib.pyplot", "memnets is not allowed to import matplotlib"),
    ],
)
def test_an_upward_import_or_a_cycle_breaks_the_build(tmp_path: Path, module: str, line: str, message: str) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "memnets", src / "memnets", ignore=shutil.ignore_patterns("__pycache__"))
    target = src / "memnets" / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    run = _lint(src)
    assert run.returncode != 0
    assert message in run.stdout.split("Broken contracts")[-1]


def test_no_source_file_over_450_lines() -> None:
    """STYLE.md: a module passing ~450 lines is split along its seams, not apologised for."""
    pkg = ROOT / "src" / "memnets"
    long = {
        str(p.relative_to(pkg)): n
        for p in pkg.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 450
    }
    assert not long, long

