"""Figures of ``constant``: params, accuracy and the estimators against N."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from memnets.experiments._plots._figure import decorate, save

__all__ = ["constant_plots"]


def constant_plots(out: Path, table: list[dict[str, Any]], predicted: int, D: Any, K: int) -> list[Path]:
    """``constant``: params vs N, accuracy vs N (predicted N marked), the estimators."""
    N = np.array([r["N"] for r in table], dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    ax.loglog(N, [r["constant_params"] for r in table], "o-", label="constant params")
    ax.loglog(N, [r["constant_params_nonzero"] for r in table], "o--", label="constant non-zero params")
    opt = np.array([r["optimal_params"] for r in table])
    ok = ~np.isnan(opt)
    if ok.any():
        ax.loglog(N[ok], opt[ok], "s-", label="optimal params")
        ref = opt[ok][-1] * np.sqrt(N[ok] / N[ok][-1])
        ax.loglog(N[ok], ref, ":", color="gray", label=r"$\propto\sqrt{N}$")
    decorate(ax, "training samples N", "parameters", legend=8,
              title=f"Params vs N: {K} balls in [0,1]^{D.n_features}, c_D={D.separation:.3g}")
    paths = [save(fig, out / "constant_params.png")]

    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    ax.semilogx(N, [r["constant_accuracy"] for r in table], "o-", label="constant, mean")
    ax.semilogx(N, [r["constant_accuracy_min"] for r in table], "v:", label="constant, worst seed")
    oacc = np.array([r["optimal_accuracy"] for r in table])
    if (~np.isnan(oacc)).any():
        ax.semilogx(N[~np.isnan(oacc)], oacc[~np.isnan(oacc)], "s-", label="optimal")
    ax.axhline(0.99, color="gray", ls="--", lw=0.8)
    ax.axvline(predicted, color="red", ls="--", lw=1,
               label=rf"predicted $N=(M/\epsilon)\ln(M/\delta)$={predicted}")
    ax.set_ylim(0.4, 1.01)
    decorate(ax, "training samples N", "test accuracy", title="Test accuracy vs N (eps=0.01, delta=0.05)",
              legend=8, loc="lower right")
    paths.append(save(fig, out / "constant_accuracy.png"))

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    ax.semilogx(N, [r["S_D"] for r in table], "o-", label="S_D estimate (greedy cover)")
    ax.semilogx(N, [r["M_D_occupied"] for r in table], "s-", label="occupied grid cells")
    ax.semilogx(N, [r["M_D_chao1"] for r in table], "^:", label="Chao1 cells")
    ax.semilogx(N, [r["true_cells"] for r in table], "k--", lw=0.8, label="true grid cells meeting support")
    ax.axhline(K, color="red", ls="--", lw=0.8, label=f"K = {K} balls")
    ax.set_ylim(0, 3 * max(r["true_cells"] for r in table) + 1)
    decorate(ax, "training samples N", "count")
    ax2.semilogx(N, [r["separation_estimate"] / D.separation for r in table], "o-", label="c(X, y) / c_D")
    ax2.semilogx(N, [r["coverage"] for r in table], "s-", label="Good-Turing coverage 1 - f1/N")
    ax2.axhline(1.0, color="gray", ls="--", lw=0.8)
    decorate(ax2, "training samples N", legend=8)
    paths.append(save(fig, out / "constant_estimators.png", title="Estimators on the ball mixture"))
    return paths
