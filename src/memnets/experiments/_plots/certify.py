"""Figures of ``certify``: certified against measured accuracy per pair."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from memnets.experiments._plots._figure import decorate, pair_heatmaps, save

__all__ = ["certify_plots"]


def certify_plots(out: Path, rows: list[dict[str, Any]], data: str, delta: float, target: float) -> list[Path]:
    """``certify``: certified vs measured accuracy per pair (with the diagonal), and the two
    10 x 10 tables when every pair ran."""
    test = np.array([r["test_accuracy"] for r in rows])
    fig, ax = plt.subplots(figsize=(5.6, 5.2), layout="constrained")
    shown = [r[key] for r in rows for key in ("certified_accuracy", "certified_accuracy_fcnn")]
    lo = float(min(0.9, min(shown) - 0.03))
    ax.plot([lo, 1], [lo, 1], color="gray", lw=1, ls="--", label="certified = measured")
    ax.scatter(test, [r["certified_accuracy"] for r in rows], s=22, label="training set only, mcs (rigorous)")
    ax.scatter(test, [r["certified_accuracy_fcnn"] for r in rows], s=12, marker="x",
               label="training set only, FCNN's subset")
    ax.scatter(test, [r["held_out_certified_accuracy"] for r in rows], s=10, marker="s", alpha=0.6,
               label="held-out test-set bound")
    ax.axhline(target, color="red", lw=0.8, ls=":")
    for r in rows:
        ax.annotate(r["pair"], (r["test_accuracy"], r["certified_accuracy"]), fontsize=6,
                    xytext=(2, -7), textcoords="offset points")
    ax.set_xlim(max(lo, float(test.min()) - 0.02), 1.0)
    ax.set_ylim(lo, 1.0)
    decorate(ax, "measured test accuracy", f"certified accuracy (probability >= {1 - delta:g})",
              title=f"efficient on {data} pairs: certified vs measured", loc="upper left")
    paths = [save(fig, out / "certify_scatter.png")]
    if len(rows) == 45:
        tables = {}
        for key, name in (("certified_accuracy", "certified (training set only)"), ("test_accuracy", "measured (test)")):
            t = np.full((10, 10), np.nan)
            for r in rows:
                t[r["a"], r["b"]] = t[r["b"], r["a"]] = r[key]
            tables[name] = t
        paths.append(pair_heatmaps(out / "certify_table.png", tables, [str(c) for c in range(10)],
                                   title=f"efficient (condense='mcs') on {data}: certified vs measured accuracy",
                                   vmin=0.6, cbar_label="accuracy"))
    return paths
