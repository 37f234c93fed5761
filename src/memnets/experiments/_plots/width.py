"""Figures of ``width``: accuracy against N with the audit's ceiling, bound against error."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from memnets.experiments._plots._figure import MARKERS, decorate, save

__all__ = ["ball_shell_plot", "width_plots"]


def ball_shell_plot(out: Path, table: list[dict[str, Any]], cells: list[dict[str, Any]], plan: dict[str, Any],
                    labels: Mapping[str, str], delta: float) -> Path:
    """``width`` on Theorem 5.1's distribution: accuracy against N per arm (one panel per (n, w),
    the certified ceiling of the rank-deficient networks, chance), and certified bound against
    measured error for every rank-deficient run."""
    cases = plan["cases"]
    fig, axes = plt.subplots(1, len(cases) + 1, figsize=(4.6 * (len(cases) + 1), 3.9), squeeze=False,
                             layout="constrained")
    for k, (n, w) in enumerate(cases):
        ax = axes[0][k]
        for i, arm in enumerate(plan["arms"]):
            rs = [t for t in table if t["n"] == n and t["w"] == w and t["arm"] == arm and t["memorized"] > 0]
            if rs:
                dashed = any(t["audit_bound"] is None for t in rs)
                ax.semilogx([t["N"] for t in rs], [t["test_accuracy"] for t in rs],
                            MARKERS[i % 8] + ("--" if dashed else "-"), color=f"C{i}", ms=5, label=labels[arm])
        bounds = [t["audit_bound"] for t in table if t["n"] == n and t["w"] == w and t["audit_bound"] is not None
                  and t["rank_first_layer"] <= w]
        if bounds:
            ax.axhline(1 - min(bounds), color="red", ls=":", lw=1.2, label=r"certified ceiling (rank $W_1 \leq w$)")
        ax.axhline(0.51, color="black", ls="-.", lw=0.8, label="Theorem 5.1: 0.51")
        ax.set_ylim(0.3, 1.02)
        decorate(ax, "training samples N", "test accuracy", title=f"ball_shell(n={n}, w={w})",
                  legend=6.5 if k == 0 else None, loc="upper left")
    ax = axes[0][-1]
    for i, arm in enumerate(plan["arms"]):
        pts = [(g["test_error"], g["audit_bound"]) for g in cells
               if g["arm"] == arm and g.get("memorized") and g.get("audit_bound") is not None]
        if pts:
            e, b = zip(*pts, strict=True)
            ax.scatter(e, b, s=18, color=f"C{i}", marker=MARKERS[i % 8], label=labels[arm])
    ax.plot([0.4, 0.6], [0.4, 0.6], color="gray", ls="--", lw=0.8, label="bound = error")
    ax.set_xlim(0.4, 0.6)
    ax.set_ylim(0.4, 0.6)
    decorate(ax, "measured test error", f"certified error bound (prob >= {1 - delta:g})",
              title="Fibre audit: bound vs error", legend=6.5)
    return save(fig, out / "width_ball_shell.png",
                 title="Theorem 5.1's distribution (solid: certified to fail; dashed: rank n, no bound)")


_WIDTH_STYLE = {"efficient": "o-", "optimal": "s-", "constant": "^-", "trained_narrow": "v--", "trained_wide": "D--"}


def width_plots(out: Path, got: list[dict[str, Any]], table: list[dict[str, Any]], plan: dict[str, Any],
                labels: Mapping[str, str], delta: float) -> list[Path]:
    """``width``: accuracy against N per arm (one panel per n, audit ceiling); bound vs error.

    ``labels`` maps each arm to its legend label."""
    dims = plan["dims"]
    cols = min(4, len(dims))
    rows = math.ceil(len(dims) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False, layout="constrained")
    for k, n in enumerate(dims):
        ax = axes[k // cols][k % cols]
        for arm in plan["arms"]:
            rs = [t for t in table if t["n"] == n and t["arm"] == arm and t["memorized"] > 0]
            if rs:
                ax.semilogx([t["N"] for t in rs], [t["test_accuracy"] for t in rs], _WIDTH_STYLE.get(arm, "o-"),
                            label=labels[arm], ms=4)
        bounds = [g["audit_bound"] for g in got
                  if g["n"] == n and g.get("memorized") and g.get("audit_bound") is not None]
        if bounds:
            ax.axhline(1 - min(bounds), color="red", ls=":", lw=1.2,
                       label="ceiling 1 - audit bound (rank $W_1$ < n)")
        ax.axhline(1.0, color="gray", lw=0.6)
        ax.set_ylim(0.4, 1.02)
        decorate(ax, "training samples N", "test accuracy", title=f"n = {n}",
                  legend=6.5 if k == 0 else None, loc="lower right")
    for k in range(len(dims), rows * cols):
        axes[k // cols][k % cols].axis("off")
    paths = [save(fig, out / "width_accuracy.png",
                   title=f"Alternating shells ({plan['n_shells']} shells): accuracy vs N")]

    fig, ax = plt.subplots(figsize=(5.4, 4.6), layout="constrained")
    for arm in plan["arms"]:
        pts = [(g["test_error"], g["audit_bound"]) for g in got
               if g["arm"] == arm and g.get("memorized") and g.get("audit_bound") is not None]
        if pts:
            e, b = zip(*pts, strict=True)
            ax.scatter(e, b, label=labels[arm], s=18)
    ax.plot([0, 0.6], [0, 0.6], color="gray", ls="--", lw=0.8, label="bound = error")
    ax.set_xlim(0, 0.6)
    ax.set_ylim(0, 0.6)
    decorate(ax, "measured test error", f"certified error lower bound (prob >= {1 - delta:g})",
              title="Width audit: bound vs measured error")
    paths.append(save(fig, out / "width_audit.png"))
    return paths
