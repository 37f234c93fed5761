"""Every figure of the experiments; the only module that imports matplotlib.

The backend is set to ``Agg`` once, here, at import; every figure is written to a PNG file
and closed by :func:`_save`, so experiments can run in worker processes and on headless
machines. Shared shapes: :func:`pair_heatmaps` (class-pair tables), :func:`grouped_bars`;
the other functions draw one experiment's figures from the numbers of its JSON and return
their paths.

Size (~520 lines): every figure of every experiment, on purpose: this is the only module that
imports matplotlib (Agg set once) and owns the save/close tail.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "ball_shell_plot",
    "compare_plot",
    "constant_plots",
    "density_plot",
    "exponential_plots",
    "exponential_samples_plot",
    "grouped_bars",
    "guarantee_plots",
    "pair_heatmaps",
    "sample_complexity_plots",
    "scaling_plots",
    "width_plots",
]

_MARKERS = "osv^Dpx*"


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
    return _save(fig, path, title=title)


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
    return _save(fig, path, title=title)


def compare_plot(
    path: str | os.PathLike[str],
    groups: Sequence[str],
    columns: Sequence[str],
    *,
    accuracy: Mapping[str, Sequence[float]],
    params_nonzero: Mapping[str, Sequence[float]],
    title: str,
) -> Path:
    """``compare`` (the paper's Table 4): per pair, one bar per column; test accuracy (chance
    dashed) above, non-zero params (log scale) below."""
    panels: dict[str, dict[str, Sequence[float]]] = {
        "test accuracy": {m: accuracy[m] for m in columns},
        "non-zero params": {m: params_nonzero[m] for m in columns},
    }
    return grouped_bars(path, groups, panels, title=title, log_panels=("non-zero params",),
                        ylims={"test accuracy": (0.0, 1.0)}, hlines={"test accuracy": 0.5})


def constant_plots(out: Path, table: list[dict[str, Any]], predicted: int, D: Any, K: int) -> list[Path]:
    """``constant``: params vs N, accuracy vs N (predicted N marked), the estimators."""
    N = np.array([r["N"] for r in table], dtype=float)
    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    ax.loglog(N, [r["constant_params"] for r in table], "o-", label="constant (M3) params")
    ax.loglog(N, [r["constant_params_nonzero"] for r in table], "o--", label="constant (M3) non-zero params")
    opt = np.array([r["optimal_params"] for r in table])
    ok = ~np.isnan(opt)
    if ok.any():
        ax.loglog(N[ok], opt[ok], "s-", label="optimal (M2) params")
        ref = opt[ok][-1] * np.sqrt(N[ok] / N[ok][-1])
        ax.loglog(N[ok], ref, ":", color="gray", label=r"$\propto\sqrt{N}$")
    _decorate(ax, "training samples N", "parameters", legend=8,
              title=f"Params vs N: {K} balls in [0,1]^{D.n_features}, c_D={D.separation:.3g}")
    paths = [_save(fig, out / "constant_params.png")]

    fig, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    ax.semilogx(N, [r["constant_accuracy"] for r in table], "o-", label="constant (M3), mean")
    ax.semilogx(N, [r["constant_accuracy_min"] for r in table], "v:", label="constant (M3), worst seed")
    oacc = np.array([r["optimal_accuracy"] for r in table])
    if (~np.isnan(oacc)).any():
        ax.semilogx(N[~np.isnan(oacc)], oacc[~np.isnan(oacc)], "s-", label="optimal (M2)")
    ax.axhline(0.99, color="gray", ls="--", lw=0.8)
    ax.axvline(predicted, color="red", ls="--", lw=1,
               label=rf"predicted $N=(M/\epsilon)\ln(M/\delta)$={predicted}")
    ax.set_ylim(0.4, 1.01)
    _decorate(ax, "training samples N", "test accuracy", title="Test accuracy vs N (eps=0.01, delta=0.05)",
              legend=8, loc="lower right")
    paths.append(_save(fig, out / "constant_accuracy.png"))

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    ax.semilogx(N, [r["S_D"] for r in table], "o-", label="S_D estimate (greedy cover)")
    ax.semilogx(N, [r["M_D_occupied"] for r in table], "s-", label="occupied grid cells")
    ax.semilogx(N, [r["M_D_chao1"] for r in table], "^:", label="Chao1 cells")
    ax.semilogx(N, [r["true_cells"] for r in table], "k--", lw=0.8, label="true grid cells meeting support")
    ax.axhline(K, color="red", ls="--", lw=0.8, label=f"K = {K} balls")
    ax.set_ylim(0, 3 * max(r["true_cells"] for r in table) + 1)
    _decorate(ax, "training samples N", "count")
    ax2.semilogx(N, [r["separation_estimate"] / D.separation for r in table], "o-", label="c(X, y) / c_D")
    ax2.semilogx(N, [r["coverage"] for r in table], "s-", label="Good-Turing coverage 1 - f1/N")
    ax2.axhline(1.0, color="gray", ls="--", lw=0.8)
    _decorate(ax2, "training samples N", legend=8)
    paths.append(_save(fig, out / "constant_estimators.png", title="Estimators on the ball mixture"))
    return paths


def density_plot(out: Path, got: list[dict[str, Any]], table: list[dict[str, Any]], fits: dict[str, Any],
                 plan: dict[str, Any], labels: Mapping[str, str], mass: float) -> Path:
    """``density``: params against Theorem 5.3's expression (fitted constant), accuracy vs N."""
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.5, 4.4), layout="constrained")
    for i, m in enumerate(("thm53", "optimal")):
        rs = [g for g in got if g["method"] == m]
        if not rs:
            continue
        E = np.array([g["expression"] for g in rs])
        ax.loglog(E, [g["params"] for g in rs], _MARKERS[i], color=f"C{i}", ms=5,
                  label=f"{labels[m]} (slope {fits[m]['slope_vs_expression']:.2f})")
        if m == "thm53":  # M2's params follow its projection's label runs, not E: no line for it
            xs = np.geomspace(E.min(), E.max(), 50)
            ax.loglog(xs, fits[m]["C"] * xs, "-", color=f"C{i}", lw=0.8, label=f"fit: {fits[m]['C']:.2f} E")
    _decorate(ax, r"$E = n + \sqrt{N}\,\ln(N n r / c)$", "parameters", title="Params vs Theorem 5.3's expression")
    for i, m in enumerate(labels):
        for j, n in enumerate(plan["dims"]):
            rs = [t for t in table if t["method"] == m and t["n"] == n and t["test_accuracy"] is not None]
            ax2.semilogx([t["N"] for t in rs], [t["test_accuracy"] for t in rs], _MARKERS[i] + "-", color=f"C{i}",
                         alpha=0.4 + 0.6 * (j + 1) / len(plan["dims"]), ms=4,
                         label=labels[m] if j == len(plan["dims"]) - 1 else None)
    ax2.axhline(0.51, color="black", ls="-.", lw=0.8, label="0.51 (Theorem 5.3)")
    ax2.axhline(0.5, color="gray", lw=0.6)
    ax2.set_ylim(0.3, 1.02)
    _decorate(ax2, "training samples N", "test accuracy", loc="center right",
              title=f"Accuracy vs N, n = {plan['dims']} (thm53's slabs: mass <= {mass:g})")
    return _save(fig, out / "density.png", title="Theorem 5.3 on density-bounded ball mixtures")


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
        ax.semilogy(ns, ps, _MARKERS[i % 8], color=f"C{i}", label=f"{m} (base {base:.2f})" if base else m)
        if base:
            coef = np.polyfit(np.asarray(ns, dtype=float), np.log(np.asarray(ps, dtype=float)), 1)
            xs = np.array([min(ns), max(ns)], dtype=float)
            ax.semilogy(xs, np.exp(np.polyval(coef, xs)), "-", color=f"C{i}", lw=0.8)
    d = np.array(plan["dims"], dtype=float)
    ax.semilogy(d, 2.0 ** (d / 2), "k:", label=r"$2^{n/2}$ (lower-bound order)")
    _decorate(ax, "dimension n", f"params of the smallest network with accuracy >= {target}",
              title="Cube corners: generalizing needs exponentially many params")
    return [_save(fig, out / "exponential_params.png")]


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
            ax.semilogy(ns, vs, _MARKERS[i % 8] + "-", color=f"C{i}", ms=5, lw=0.8,
                        label=f"{m} (base {base:.2f})" if base else m)
    d = [int(n) for n in plan["dims"]]
    info = cor64["information"]
    ax.semilogy(d, [info[str(n)] for n in d], "k--", label=f"information bound (base {cor64['bases']['information']:.2f})")
    if cor64["v_information"] is not None:
        ax.semilogy(d, [cor64["v_information"] * cor64["shape_v1"][str(n)] for n in d], "-.", color="tab:brown", lw=1.4,
                    label=rf"Cor 6.4: $v\,2^{{2n}}(1-2\epsilon-\delta)/n^2$ (c = 1), fitted v = {cor64['v_information']:.2g}"
                          f" (base {cor64['bases']['shape']:.2f})")
    _decorate(ax, "dimension n", f"smallest N with accuracy >= {target}", legend=7,
              title="Cube corners: samples needed against n")
    return _save(fig, out / "exponential_samples.png")


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
    _decorate(ax, "training samples N", "fraction of runs", loc="lower right",
              title=f"M1 on {D.n_balls} balls in [0,1]^{D.n_features} (S_D = {claims['S_D']})")
    return [_save(fig, out / "guarantee_success.png")]


def sample_complexity_plots(out: Path, table: list[dict[str, Any]], law: dict[str, Any], plan: dict[str, Any],
                            target: float) -> list[Path]:
    """``sample-complexity``: accuracy against N/2^n with the information bound; the N_D^2 law."""
    fig, ax = plt.subplots(figsize=(6.8, 4.6), layout="constrained")
    for i, m in enumerate(plan["methods"]):
        for j, n in enumerate(plan["dims"]):
            rows = [t for t in table if t["method"] == m and t["n"] == n and t["accuracy"] is not None]
            if rows:
                ax.semilogx([t["rho"] for t in rows], [t["accuracy"] for t in rows], _MARKERS[i % 8],
                            color=f"C{i}", alpha=0.35 + 0.65 * (j + 1) / len(plan["dims"]), ms=4,
                            label=m if j == len(plan["dims"]) - 1 else None)
    r = np.geomspace(min(plan["rhos"]) / 1.5, max(plan["rhos"]) * 1.5, 200)
    ax.semilogx(r, 1 - 0.5 * np.exp(-r), "k-", lw=1.5, label=r"information bound $1-\frac{1}{2}e^{-N/2^n}$")
    ax.axhline(target, color="gray", ls=":", lw=0.8)
    ax.minorticks_off()
    ax.set_xticks(plan["rhos"])
    ax.set_xticklabels([f"{v:g}" for v in plan["rhos"]])
    _decorate(ax, r"$N / 2^n$", "accuracy over all corners", loc="lower right",
              title=f"Cube corners, n = {plan['dims']} (lighter = smaller n)")
    paths = [_save(fig, out / "sample_complexity_accuracy.png")]

    fig, ax = plt.subplots(figsize=(6.2, 4.6), layout="constrained")
    nd = {int(k): v for k, v in law["N_D"].items()}
    for i, m in enumerate(plan["methods"]):
        pts = law["methods"][m]["N_target"]
        if pts:
            slope = law["methods"][m]["slope_vs_N_D"]
            lab = f"{m}" + (f" (slope {slope:.2f})" if slope is not None else "")
            ax.loglog([nd[int(n)] for n in pts], list(pts.values()), _MARKERS[i % 8] + "-", color=f"C{i}",
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
    _decorate(ax, r"measured $N_D$ (params memorizing the whole support)", f"samples for accuracy {target}",
              title=r"The $N_D^2$ law on cube corners")
    paths.append(_save(fig, out / "sample_complexity_nd2.png"))
    return paths


def scaling_plots(out: Path, rows: list[dict[str, Any]], summ: dict[str, Any], methods: Sequence[str]) -> list[Path]:
    """``scaling``: params against N per method and data; M2's params per sqrt(K rho)."""
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
    _decorate(ax, "N (training samples)", "parameters", title="Params vs N: optimal (Thm 4.1, width 6), vardi2022, park2021, interval",
              legend=6.5)
    ax2.set_ylim(bottom=0)
    _decorate(ax2, "N", "params / sqrt(K rho)", title="M2 parameters per sqrt(runs x bits)")
    return [_save(fig, out / "scaling.png")]


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
                            _MARKERS[i % 8] + ("--" if dashed else "-"), color=f"C{i}", ms=5, label=labels[arm])
        bounds = [t["audit_bound"] for t in table if t["n"] == n and t["w"] == w and t["audit_bound"] is not None
                  and t["rank_first_layer"] <= w]
        if bounds:
            ax.axhline(1 - min(bounds), color="red", ls=":", lw=1.2, label=r"certified ceiling (rank $W_1 \leq w$)")
        ax.axhline(0.51, color="black", ls="-.", lw=0.8, label="Theorem 5.1: 0.51")
        ax.set_ylim(0.3, 1.02)
        _decorate(ax, "training samples N", "test accuracy", title=f"ball_shell(n={n}, w={w})",
                  legend=6.5 if k == 0 else None, loc="upper left")
    ax = axes[0][-1]
    for i, arm in enumerate(plan["arms"]):
        pts = [(g["test_error"], g["audit_bound"]) for g in cells
               if g["arm"] == arm and g.get("memorized") and g.get("audit_bound") is not None]
        if pts:
            e, b = zip(*pts, strict=True)
            ax.scatter(e, b, s=18, color=f"C{i}", marker=_MARKERS[i % 8], label=labels[arm])
    ax.plot([0.4, 0.6], [0.4, 0.6], color="gray", ls="--", lw=0.8, label="bound = error")
    ax.set_xlim(0.4, 0.6)
    ax.set_ylim(0.4, 0.6)
    _decorate(ax, "measured test error", f"certified error bound (prob >= {1 - delta:g})",
              title="Fibre audit: bound vs error", legend=6.5)
    return _save(fig, out / "width_ball_shell.png",
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
        _decorate(ax, "training samples N", "test accuracy", title=f"n = {n}",
                  legend=6.5 if k == 0 else None, loc="lower right")
    for k in range(len(dims), rows * cols):
        axes[k // cols][k % cols].axis("off")
    paths = [_save(fig, out / "width_accuracy.png",
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
    _decorate(ax, "measured test error", f"certified error lower bound (prob >= {1 - delta:g})",
              title="Width audit: bound vs measured error")
    paths.append(_save(fig, out / "width_audit.png"))
    return paths


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
    _decorate(ax, "measured test accuracy", f"certified accuracy (probability >= {1 - delta:g})",
              title=f"M1 on {data} pairs: certified vs measured", loc="upper left")
    paths = [_save(fig, out / "certify_scatter.png")]
    if len(rows) == 45:
        tables = {}
        for key, name in (("certified_accuracy", "certified (training set only)"), ("test_accuracy", "measured (test)")):
            t = np.full((10, 10), np.nan)
            for r in rows:
                t[r["a"], r["b"]] = t[r["b"], r["a"]] = r[key]
            tables[name] = t
        paths.append(pair_heatmaps(out / "certify_table.png", tables, [str(c) for c in range(10)],
                                   title=f"M1 (condense='mcs') on {data}: certified vs measured accuracy",
                                   vmin=0.6, cbar_label="accuracy"))
    return paths


def _decorate(ax: Any, xlabel: str, ylabel: str | None = None, *, title: str | None = None,
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


def _save(fig: Any, path: str | os.PathLike[str], *, title: str | None = None) -> Path:
    """Title the figure (when ``title``), write it to ``path`` (folders created), close it."""
    if title is not None:
        fig.suptitle(title, fontsize=10)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out
