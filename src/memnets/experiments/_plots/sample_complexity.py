"""Figures of ``sample-complexity``: accuracy against N/2^n and the N_D^2 law."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from memnets.experiments._plots._figure import MARKERS, decorate, save

__all__ = ["sample_complexity_plots"]


def sample_complexity_plots(out: Path, table: list[dict[str, Any]], law: dict[str, Any], plan: dict[str, Any],
                            target: float) -> list[Path]:
    """``sample-complexity``: accuracy against N/2^n with the information bound; the N_D^2 law."""
    fig, ax = plt.subplots(figsize=(6.8, 4.6), layout="constrained")
    for i, m in enumerate(plan["methods"]):
        for j, n in enumerate(plan["dims"]):
            rows = [t for t in table if t["method"] == m and t["n"] == n and t["accuracy"] is not None]
            if rows:
                ax.semilogx([t["rho"] for t in rows], [t["accuracy"] for t in rows], MARKERS[i % 8],
                            color=f"C{i}", alpha=0.35 + 0.65 * (j + 1) / len(plan["dims"]), ms=4,
                            label=m if j == len(plan["dims"]) - 1 else None)
    r = np.geomspace(min(plan["rhos"]) / 1.5, max(plan["rhos"]) * 1.5, 200)
    ax.semilogx(r, 1 - 0.5 * np.exp(-r), "k-", lw=1.5, label=r"information bound $1-\frac{1}{2}e^{-N/2^n}$")
    ax.axhline(target, color="gray", ls=":", lw=0.8)
    ax.minorticks_off()
    ax.set_xticks(plan["rhos"])
    ax.set_xticklabels([f"{v:g}" for v in plan["rhos"]])
    decorate(ax, r"$N / 2^n$", "accuracy over all corners", loc="lower right",
              title=f"Cube corners, n = {plan['dims']} (lighter = smaller n)")
    paths = [save(fig, out / "sample_complexity_accuracy.png")]

    fig, ax = plt.subplots(figsize=(6.2, 4.6), layout="constrained")
    nd = {int(k): v for k, v in law["N_D"].items()}
    for i, m in enumerate(plan["methods"]):
        pts = law["methods"][m]["N_target"]
        if pts:
            slope = law["methods"][m]["slope_vs_N_D"]
            lab = f"{m}" + (f" (slope {slope:.2f})" if slope is not None else "")
            ax.loglog([nd[int(n)] for n in pts], list(pts.values()), MARKERS[i % 8] + "-", color=f"C{i}",
                      label=lab, ms=5)
    xs = [nd[n] for n in plan["dims"]]
    ax.loglog(xs, [law["information"][str(n)] for n in plan["dims"]], "k--",
              label=f"information bound (slope {law['information_slope_vs_N_D'] or float('nan'):.2f})")
    x0 = np.array([min(xs), max(xs)], dtype=float)
    y0 = law["information"][str(plan["dims"][0])]
    ax.loglog(x0, y0 * (x0 / x0[0]) ** 2, ":", color="gray", label=r"$\propto N_D^2$")
    paper = law.get("paper") or {}
    for name, style, tex in (("thm61", "-.", r"Thm 6.1: $v N_D^2/\ln^2 N_D$"),
                             ("thm65", (0, (1, 1)), r"Thm 6.5: $v N_D^2 \ln(N_D/\epsilon^2\delta)/\epsilon^2$")):
        b = paper.get(name)
        if b and b["v_pooled"] is not None:
            ns = [str(n) for n in plan["dims"] if str(n) in b["shape_v1"]]
            ax.loglog([nd[int(n)] for n in ns], [b["v_pooled"] * b["shape_v1"][n] for n in ns], linestyle=style,
                      color="black" if name == "thm61" else "tab:brown", lw=1.4,
                      label=f"{tex}, fitted v = {b['v_pooled']:.2g}")
    decorate(ax, r"measured $N_D$ (params memorizing the whole support)", f"samples for accuracy {target}",
              title=r"The $N_D^2$ law on cube corners")
    paths.append(save(fig, out / "sample_complexity_nd2.png"))
    return paths
