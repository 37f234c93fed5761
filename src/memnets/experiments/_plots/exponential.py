"""Figures of ``exponential``: params and samples needed against the dimension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from memnets.experiments._plots._figure import MARKERS, decorate, save

__all__ = ["exponential_plots", "exponential_samples_plot"]


def exponential_plots(out: Path, smallest: dict[str, Any], fits: dict[str, Any], plan: dict[str, Any],
                      target: float) -> list[Path]:
    """``exponential``: params of the smallest generalizing network against n, fitted lines."""
    fig, ax = plt.subplots(figsize=(6.4, 4.6), layout="constrained")
    for i, m in enumerate(plan["methods"]):
        pts = [(int(n), v["params"]) for n, v in smallest[m].items() if v]
        if not pts:
            continue
        ns, ps = zip(*pts, strict=True)
        base = fits[m]["base"]
        ax.semilogy(ns, ps, MARKERS[i % 8], color=f"C{i}", label=f"{m} (base {base:.2f})" if base else m)
        if base:
            coef = np.polyfit(np.asarray(ns, dtype=float), np.log(np.asarray(ps, dtype=float)), 1)
            xs = np.array([min(ns), max(ns)], dtype=float)
            ax.semilogy(xs, np.exp(np.polyval(coef, xs)), "-", color=f"C{i}", lw=0.8)
    d = np.array(plan["dims"], dtype=float)
    ax.semilogy(d, 2.0 ** (d / 2), "k:", label=r"$2^{n/2}$ (lower-bound order)")
    decorate(ax, "dimension n", f"params of the smallest network with accuracy >= {target}",
              title="Cube corners: generalizing needs exponentially many params")
    return [save(fig, out / "exponential_params.png")]


def exponential_samples_plot(out: Path, samples: dict[str, Any], cor64: dict[str, Any], plan: dict[str, Any],
                             target: float) -> Path:
    """``exponential``: the smallest N reaching ``target`` against n, with Corollary 6.4's
    expression (fitted v) and the information bound."""
    fig, ax = plt.subplots(figsize=(6.4, 4.6), layout="constrained")
    for i, m in enumerate(plan["methods"]):
        pts = sorted((int(n), v) for n, v in samples.get(m, {}).items() if v)
        if pts:
            ns, vs = zip(*pts, strict=True)
            base = cor64["bases"].get(m)
            ax.semilogy(ns, vs, MARKERS[i % 8] + "-", color=f"C{i}", ms=5, lw=0.8,
                        label=f"{m} (base {base:.2f})" if base else m)
    d = [int(n) for n in plan["dims"]]
    info = cor64["information"]
    ax.semilogy(d, [info[str(n)] for n in d], "k--", label=f"information bound (base {cor64['bases']['information']:.2f})")
    if cor64["v_information"] is not None:
        ax.semilogy(d, [cor64["v_information"] * cor64["shape_v1"][str(n)] for n in d], "-.", color="tab:brown", lw=1.4,
                    label=rf"Cor 6.4: $v\,2^{{2n}}(1-2\epsilon-\delta)/n^2$ (c = 1), fitted v = {cor64['v_information']:.2g}"
                          f" (base {cor64['bases']['shape']:.2f})")
    decorate(ax, "dimension n", f"smallest N with accuracy >= {target}", legend=7,
              title="Cube corners: samples needed against n")
    return save(fig, out / "exponential_samples.png")
