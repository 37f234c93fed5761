"""The tail every experiment shares: provenance header, summary and report links.

Every experiment's JSON starts with :func:`header` (what produced the numbers) and every
``run`` returns :func:`summary` (``{"name", "json", "plots", "markdown", ...}``).
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from memnets.experiments._options import RunOptions

__all__ = ["header", "image_links", "summary"]


def header(name: str, options: RunOptions, **extra: Any) -> dict[str, Any]:
    """Provenance recorded at the top of every experiment JSON.

    Of the run options only those that change the numbers are recorded (seed, full,
    profile); jobs, the scheduler and the cache do not.
    """
    from memnets import __version__

    return {
        "experiment": name,
        "memnets_version": __version__,
        "seed": options.seed,
        "full": options.full,
        "profile": options.profile,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **extra,
    }


def summary(name: str, json_path: Path, plots: Sequence[Path], markdown: str, **extra: Any) -> dict[str, Any]:
    """What every experiment's ``run`` returns: ``{"name", "json", "plots", "markdown", ...}``."""
    return {"name": name, "json": str(json_path), "plots": [str(p) for p in plots], "markdown": markdown,
            **extra}


def image_links(plots: Sequence[Path]) -> list[str]:
    """Markdown image lines for ``plots`` (links relative to the report folder)."""
    return [f"![{p.stem}]({p.name})" for p in plots]
