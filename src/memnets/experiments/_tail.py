"""The tail every experiment shares: :func:`finish` writes the JSON (provenance header first,
wall time last), draws the plots, links them into the markdown and returns the summary.
"""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from memnets.experiments._options import RunOptions
from memnets.experiments._runner import write_json

__all__ = ["finish", "header", "image_links", "summary", "table_head"]


def header(name: str, options: RunOptions, **extra: Any) -> dict[str, Any]:
    """Provenance recorded at the top of every experiment JSON.

    Of the run options only those that change the numbers are recorded (seed and profile;
    ``full`` says whether the profile is ``"full"``); jobs, the scheduler and the cache do not.
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


def table_head(*columns: str) -> list[str]:
    """The two lines that open a markdown table with ``columns``.

    >>> table_head("n", "N", "optimal")
    ['| n | N | optimal |', '|---|---|---|']
    """
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]


def finish(
    name: str,
    options: RunOptions,
    doc: Mapping[str, Any],
    *,
    started: float,
    markdown: Callable[[list[Path]], str],
    plots: Callable[[], Sequence[Path]] | None = None,
    provenance: Mapping[str, Any] | None = None,
    timing: Mapping[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The end of every experiment's ``run``: JSON, plots, markdown, summary.

    1. writes ``options.out_dir / f"{name}.json"``: :func:`header` (with ``provenance``
       added), then ``doc``, then ``"timing"``: ``{"wall_seconds"`` since ``started``
       (a :func:`time.perf_counter` reading), ``**timing}``;
    2. draws ``plots()`` once the numbers are safe on disk;
    3. builds ``markdown(plots)`` and appends an image link for every plot it does not
       link itself;
    4. returns :func:`summary` with ``extra``.
    """
    record = {**header(name, options, **(provenance or {})), **doc,
              "timing": {"wall_seconds": time.perf_counter() - started, **(timing or {})}}
    json_path = write_json(options.out_dir / f"{name}.json", record)
    drawn = list(plots()) if plots is not None else []
    text = markdown(drawn).rstrip()
    missing = [p for p in drawn if f"({p.name})" not in text]
    if missing:
        text = "\n".join([text, "", *image_links(missing)])
    return summary(name, json_path, drawn, text, **extra)
