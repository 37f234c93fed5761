"""The ``robustness`` experiment's figure: certified radius against attacked distance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from memnets.experiments._plots._figure import decorate, save

__all__ = ["robustness_plot"]


def robustness_plot(out: Path, rows: list[dict[str, Any]]) -> list[Path]:
    """``robustness``: certified radius against attacked distance, one colour per method,
    filled markers for training points, open ones for test points, and the diagonal."""
    fig, ax = plt.subplots(figsize=(6.2, 5.4), layout="constrained")
    methods = sorted({r["method"] for r in rows})
    colours = {m: f"C{k}" for k, m in enumerate(methods)}
    lo, hi = np.inf, 0.0
    for r in rows:
        for split, face in (("train", None), ("test", "none")):
            pts = [p for p in r["points"] if p["split"] == split]
            if not pts:
                continue
            a = np.array([p["attacked"] for p in pts])
            c = np.maximum(np.array([p["certified"] for p in pts]), 1e-12)
            lo, hi = min(lo, float(c.min()), float(a.min())), max(hi, float(a.max()))
            ax.scatter(a, c, s=14, marker="o", edgecolors=colours[r["method"]],
                       facecolors=colours[r["method"]] if face is None else face)
    for m in methods:
        ax.scatter([], [], color=colours[m], s=14, label=m)
    if hi > 0:
        ax.plot([max(lo, 1e-12), hi], [max(lo, 1e-12), hi], color="gray", ls="--", lw=1, label="certified = attacked")
    ax.set_xscale("log")
    ax.set_yscale("log")
    decorate(ax, "attacked distance (PGD + bisection)", "certified radius (0 drawn at 1e-12)",
              title="certified radius vs attack (filled: train, open: test)", loc="lower right")
    return [save(fig, out / "robustness_scatter.png")]
