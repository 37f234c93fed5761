"""Figures of the paper's Table 4 (``compare``): grouped bars of accuracy and non-zero params."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from memnets.experiments._plots._figure import grouped_bars

__all__ = ["compare_plot"]


def compare_plot(
    path: str | os.PathLike[str],
    groups: Sequence[str],
    columns: Sequence[str],
    *,
    accuracy: Mapping[str, Sequence[float]],
    params_nonzero: Mapping[str, Sequence[float]],
    title: str,
) -> Path:
    """``compare`` (the paper's Table 4): per pair, one bar per column; test accuracy (chance
    dashed) above, non-zero params (log scale) below."""
    panels: dict[str, dict[str, Sequence[float]]] = {
        "test accuracy": {m: accuracy[m] for m in columns},
        "non-zero params": {m: params_nonzero[m] for m in columns},
    }
    return grouped_bars(path, groups, panels, title=title, log_panels=("non-zero params",),
                        ylims={"test accuracy": (0.0, 1.0)}, hlines={"test accuracy": 0.5})
