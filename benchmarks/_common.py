"""Small helpers shared by the benchmark scripts: timing, ratio reporting, JSON output.

Every benchmark measures its subject *and* a baseline in the same run and reports the
ratio, because absolute seconds on a shared 2-core machine mean little. Results go to
``benchmarks/results/NAME.json`` (gitignored) with the machine, versions and arguments.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def timed(fn: Callable[[], Any], *, repeat: int = 1) -> tuple[Any, float, float]:
    """Run ``fn`` ``repeat`` times; return (last result, median wall s, median CPU s).

    CPU seconds (this process) are the steadier number on a shared machine; wall seconds
    are what a user waits. Report ratios of like with like.
    """
    walls, cpus = [], []
    out = None
    for _ in range(max(1, repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return out, statistics.median(walls), statistics.median(cpus)


def environment() -> dict[str, Any]:
    """Machine and library versions to store next to every measurement."""
    import numpy as np

    import memnets

    return {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "memnets": memnets.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def report_ratio(name: str, subject_per_item: float, baseline_per_item: float, unit: str = "input") -> float:
    """Print ``subject`` vs ``baseline`` cost per item and return baseline / subject."""
    ratio = baseline_per_item / subject_per_item if subject_per_item > 0 else float("inf")
    print(f"{name}: {subject_per_item * 1e3:.3f} ms/{unit} vs baseline "
          f"{baseline_per_item * 1e3:.3f} ms/{unit}  ->  {ratio:.1f}x faster")
    return ratio


def write_result(name: str, payload: dict[str, Any], out_dir: Path | None = None) -> Path:
    """Write ``payload`` (plus :func:`environment`) to ``out_dir/NAME.json`` and return the path."""
    out_dir = RESULTS_DIR if out_dir is None else Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.json"
    data = {"benchmark": name, "environment": environment(), **payload}
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(f"wrote {path}")
    return path
