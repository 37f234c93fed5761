"""What every experiment figure shares: the class-pair heat maps, grouped bars, axis
decoration and the save/close tail (:func:`save`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["MARKERS", "decorate", "grouped_bars", "pair_heatmaps", "save"]

#: marker cycle of the line plots
MARKERS = "osv^Dpx*"


def pair_heatmaps(
    path: str | os.PathLike[str],
    tables: dict[str, np.ndarray],
    labels: Sequence[str],
    *,
    title: str,
    vmin: float = 0.5,
    vmax: float = 1.0,
    cbar_label: str = "test accuracy",
) -> Path:
    """Draw one annotated K x K heat map per entry of ``tables`` side by side.

    Each table is laid out like the paper's: row ``i``, column ``j`` holds the accuracy on
    the pair of classes ``(labels[i], labels[j])``; NaN cells (the diagonal, pairs not run)
    are left blank. Values are printed in each cell in percent (one decimal).
    """
    names = list(tables)
    k = len(labels)
    size = 0.42 * k + 1.0
    fig, axes = plt.subplots(1, len(names), figsize=(size * len(names) + 1.2, size + 0.5), squeeze=False,
                             layout="constrained")
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="white")
    image = None
    for ax, name in zip(axes[0], names, strict=True):
        table = np.asarray(tables[name], dtype=float)
        image = ax.imshow(np.ma.masked_invalid(table), cmap=cmap, vmin=vmin, vmax=vmax)
        for i in range(k):
            for j in range(k):
                v = table[i, j]
                if np.isfinite(v):
                    dark = (v - vmin) / max(vmax - vmin, 1e-12) < 0.6
                    text = f"{100 * v:.1f}" if v < 0.9995 else "100"
                    ax.text(j, i, text, ha="center", va="center", fontsize=6, color="white" if dark else "black")
        ax.set_xticks(range(k), labels=list(labels), rotation=90 if max(map(len, labels)) > 2 else 0, fontsize=7)
        ax.set_yticks(range(k), labels=list(labels), fontsize=7)
        finite = table[np.isfinite(table)]
        mean = f"mean {finite.mean():.3f}, min {finite.min():.3f}" if finite.size else "no cells"
        ax.set_title(f"{name}\n{mean}", fontsize=8)
    if image is not None:
        fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8, label=cbar_label + " (cells: %)")
    return save(fig, path, title=title)


def grouped_bars(
    path: str | os.PathLike[str],
    groups: Sequence[str],
    panels: dict[str, dict[str, Sequence[float]]],
    *,
    title: str,
    log_panels: Sequence[str] = (),
    ylims: dict[str, tuple[float, float]] | None = None,
    hlines: dict[str, float] | None = None,
) -> Path:
    """Grouped bar chart: one panel per entry of ``panels``.

    ``panels[panel][series]`` is a sequence with one value per group (NaN = missing bar).
    Panels named in ``log_panels`` use a logarithmic y axis; ``hlines[panel]`` draws a
    dashed reference line (e.g. chance accuracy).
    """
    names = list(panels)
    fig, axes = plt.subplots(len(names), 1, figsize=(1.3 * len(groups) + 3.5, 2.8 * len(names)), squeeze=False,
                             layout="constrained")
    for ax, panel in zip(axes[:, 0], names, strict=True):
        series = panels[panel]
        width = 0.8 / max(len(series), 1)
        x = np.arange(len(groups))
        for s, (label, values) in enumerate(series.items()):
            vals = np.asarray(values, dtype=float)
            ok = np.isfinite(vals) & ((vals > 0) if panel in log_panels else True)
            pos = x + (s - (len(series) - 1) / 2) * width
            ax.bar(pos[ok], vals[ok], width, label=label)
        ax.set_xticks(x, labels=list(groups))
        ax.set_ylabel(panel)
        if panel in log_panels:
            ax.set_yscale("log")
        if ylims and panel in ylims:
            ax.set_ylim(*ylims[panel])
        if hlines and panel in hlines:
            ax.axhline(hlines[panel], color="gray", linestyle="--", linewidth=1)
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].legend(fontsize=7, ncols=min(len(panels[names[0]]), 5), loc="lower center",
                      bbox_to_anchor=(0.5, 1.02))
    return save(fig, path, title=title)


def decorate(ax: Any, xlabel: str, ylabel: str | None = None, *, title: str | None = None,
              legend: float | None = 7, loc: str | None = None) -> None:
    """Axis labels, title, a light grid and (``legend`` = font size, None for none) a legend."""
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if legend is not None:
        ax.legend(fontsize=legend, loc=loc)


def save(fig: Any, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Title the figure (when ``title``), write it to ``path`` (folders created), close it."""
    if title is not None:
        fig.suptitle(title, fontsize=10)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out
