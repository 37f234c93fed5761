"""Figures of ``guarantee``: Theorem 7.3's success probability against N."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from memnets.experiments._plots._figure import decorate, save

__all__ = ["guarantee_plots"]


def guarantee_plots(out: Path, table: list[dict[str, Any]], claims: dict[str, Any], D: Any) -> list[Path]:
    """``guarantee``: success fraction (Wilson intervals) against N, N* marked."""
    N = np.array([t["N"] for t in table], dtype=float)
    frac = np.array([t["success_fraction"] for t in table])
    lo = np.array([t["wilson_low"] for t in table])
    hi = np.array([t["wilson_high"] for t in table])
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    ax.errorbar(N, frac, yerr=[frac - lo, hi - frac], fmt="o-", capsize=3,
                label=rf"P[accuracy $\geq$ 1 - {claims['eps']:g}] (Wilson 95%)")
    ax.semilogx(N, [t["all_balls_hit_fraction"] for t in table], "s--", ms=4, label="every ball hit")
    ax.semilogx(N, [t["coverage_lower_bound"] for t in table], ":", color="gray",
                label=r"$1 - S_D(1 - 1/S_D)^N$")
    ax.axvline(claims["N_star"], color="red", ls="--", lw=1,
               label=rf"$N^*=(S_D/\epsilon)\ln(S_D/\delta)$ = {claims['N_star']}")
    ax.axhline(1 - claims["delta"], color="black", lw=0.8, ls="-.", label=rf"$1-\delta$ = {1 - claims['delta']:g}")
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.05)
    decorate(ax, "training samples N", "fraction of runs", loc="lower right",
              title=f"efficient on {D.n_balls} balls in [0,1]^{D.n_features} (S_D = {claims['S_D']})")
    return [save(fig, out / "guarantee_success.png")]
