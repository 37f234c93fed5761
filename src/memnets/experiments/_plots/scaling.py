"""Figures of ``scaling``: params against N."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from memnets.experiments._plots._figure import decorate, save

__all__ = ["scaling_plots"]


def scaling_plots(out: Path, rows: list[dict[str, Any]], summ: dict[str, Any], methods: Sequence[str]) -> list[Path]:
    """``scaling``: params against N per method and data; optimal's params per sqrt(K rho)."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    colors = {"optimal": "tab:blue", "interval": "tab:red", "vardi2022": "tab:green", "park2021": "tab:purple"}
    marks = {"synthetic": "o", "mnist": "s"}
    for data, d in summ.items():
        mark = marks.get(data, "o")
        for m in methods:
            if f"slope_{m}_params" not in d:
                continue  # a method this run did not build
            rs = sorted((r for r in rows if r["data"] == data and r["method"] == m), key=lambda r: r["N"])
            for kind, style in (("params", "-"), ("params_nonzero", ":")):
                label = f"{m} {data} {'dense' if kind == 'params' else 'non-zero'} (slope {d[f'slope_{m}_{kind}']:.2f})"
                ax.loglog([r["n_samples"] for r in rs], [r[kind] for r in rs], style, marker=mark,
                          color=colors[m], label=label, alpha=0.9 if kind == "params" else 0.6)
        rs = sorted((r for r in rows if r["data"] == data and r["method"] == "optimal"), key=lambda r: r["N"])
        Ns = [r["n_samples"] for r in rs]
        ax2.semilogx(Ns, [r["params_over_sqrt_K_rho"] for r in rs], marker=mark, label=f"{data}: dense / sqrt(K rho)")
        ax2.semilogx(Ns, [r["nonzero_over_sqrt_K_rho"] for r in rs], ":", marker=mark,
                     label=f"{data}: non-zero / sqrt(K rho)")
        if all(r.get("stage_params") for r in rs):
            ax2.semilogx(Ns, [(r["params"] - r["stage_params"]["first"]) / r["sqrt_K_rho"] for r in rs], "-.",
                         marker=mark, label=f"{data}: (dense - first layer) / sqrt(K rho)")
    decorate(ax, "N (training samples)", "parameters", title="Params vs N: optimal (Thm 4.1, width 6), vardi2022, park2021, interval",
              legend=6.5)
    ax2.set_ylim(bottom=0)
    decorate(ax2, "N", "params / sqrt(K rho)", title="optimal: parameters per sqrt(runs x bits)")
    return [save(fig, out / "scaling.png")]
