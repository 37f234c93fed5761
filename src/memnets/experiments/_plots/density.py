"""Figures of ``density``: params against Theorem 5.3's expression, accuracy against N."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from memnets.experiments._plots._figure import MARKERS, decorate, save

__all__ = ["density_plot"]


def density_plot(out: Path, got: list[dict[str, Any]], table: list[dict[str, Any]], fits: dict[str, Any],
                 plan: dict[str, Any], labels: Mapping[str, str], mass: float) -> Path:
    """``density``: params against Theorem 5.3's expression (fitted constant), accuracy vs N."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.5, 4.4), layout="constrained")
    for i, m in enumerate(("thm53", "optimal")):
        rs = [g for g in got if g["method"] == m]
        if not rs:
            continue
        E = np.array([g["expression"] for g in rs])
        ax.loglog(E, [g["params"] for g in rs], MARKERS[i], color=f"C{i}", ms=5,
                  label=f"{labels[m]} (slope {fits[m]['slope_vs_expression']:.2f})")
        if m == "thm53":  # optimal's params follow its projection's label runs, not E: no line for it
            xs = np.geomspace(E.min(), E.max(), 50)
            ax.loglog(xs, fits[m]["C"] * xs, "-", color=f"C{i}", lw=0.8, label=f"fit: {fits[m]['C']:.2f} E")
    decorate(ax, r"$E = n + \sqrt{N}\,\ln(N n r / c)$", "parameters", title="Params vs Theorem 5.3's expression")
    for i, m in enumerate(labels):
        for j, n in enumerate(plan["dims"]):
            rs = [t for t in table if t["method"] == m and t["n"] == n and t["test_accuracy"] is not None]
            ax2.semilogx([t["N"] for t in rs], [t["test_accuracy"] for t in rs], MARKERS[i] + "-", color=f"C{i}",
                         alpha=0.4 + 0.6 * (j + 1) / len(plan["dims"]), ms=4,
                         label=labels[m] if j == len(plan["dims"]) - 1 else None)
    ax2.axhline(0.51, color="black", ls="-.", lw=0.8, label="0.51 (Theorem 5.3)")
    ax2.axhline(0.5, color="gray", lw=0.6)
    ax2.set_ylim(0.3, 1.02)
    decorate(ax2, "training samples N", "test accuracy", loc="center right",
              title=f"Accuracy vs N, n = {plan['dims']} (thm53's slabs: mass <= {mass:g})")
    return save(fig, out / "density.png", title="Theorem 5.3 on density-bounded ball mixtures")
