"""``optimal`` (Theorem 4.1) vs the interval reference: parameters against the number of samples N.

Theorem 4.1 (after Vardi, Yehudai & Shamir 2022) memorizes ``N`` samples with
``O(n + sqrt(N log(N n / c)))`` parameters at constant width; the one-step-per-boundary
reference needs ``Theta(N)``. For every ``N`` of a grid we construct both networks
(``method="optimal"`` and ``method="interval"``, same seed, hence the same projection),
verify memorization on every sample (exactly for ``optimal``), and record params (dense and
non-zero), width, depth, max weight bits, runs ``K``, ``rho`` and the times. Then:

- log-log slope of params against ``N`` (least squares over the grid, and over
  ``N >= 1000`` where ``optimal`` is past its small-``K`` direct mode, per method, dataset and
  count); theory: ``~1/2`` (plus the logarithmic factor) for ``optimal``, ``1`` for interval;
- ``params / sqrt(K rho)`` for ``optimal`` (``rho`` the bits per boundary, ``bitlen`` of the largest
  coarse projected value: a property of the data and the direction, not of the plan), which
  the construction keeps in a constant band, and the slope ``sqrt(K rho)`` alone has on the
  same grid (above 1/2 because ``rho`` grows like ``log N``); per-stage params of ``optimal``;
- the crossover ``N`` where ``optimal`` becomes smaller than interval (first grid point, and the
  log-log interpolated crossing), dense and non-zero;
- test accuracy on MNIST pairs (the theory predicts no generalization; recorded, not tuned):
  the 3-vs-5 subsets of the grid, and five digit pairs at ``N = 1000``.

Data: ``synthetic`` -- uniform ``[0, 1]^20`` with independent fair labels (the worst case
for memorization, ``K ~ N / 2`` runs); ``mnist`` -- seeded subsets of the 3-vs-5 training
images (at most 11,552), tested on the 3-vs-5 test images.

Sizes: quick ``N in {100, 300, 1000, 3000, 10000}``; ``profile="full"`` adds 30,000 and 100,000
(synthetic; MNIST stops at its 11,552 images). ``profile="tiny"`` (test suite): N <= 300.

Outputs: ``scaling.json`` (every number, seeds, version) and ``scaling.png``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from typing import Any

import numpy as np

import memnets as mn
from memnets import OptionError
from memnets.experiments._options import RunOptions
from memnets.experiments._pair_data import unavailable
from memnets.experiments._plots.scaling import scaling_plots
from memnets.experiments._runner import fit_slope
from memnets.experiments._tail import finish

__all__ = ["fit_slope", "run"]

METHODS = ("optimal", "interval", "vardi2022", "park2021")
QUICK_N = (100, 300, 1000, 3000, 10000)
FULL_N = (*QUICK_N, 30000, 100000)
TINY_N = (100, 300)
MNIST_MAX = 11552  # 3-vs-5 training images
SYNTH_FEATURES = 20
#: MNIST digit pairs on which test accuracy is recorded at a fixed N (``PAIR_N`` per pair)
PAIRS = ((0, 1), (3, 5), (4, 9), (7, 9), (1, 7))
PAIR_N = 1000
TAIL_N = 1000  # slopes are also fitted over N >= TAIL_N (past the small-K, few-slot regime)


def _data(cell: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    N, seed = int(cell["N"]), int(cell["seed"])
    if cell["data"] == "synthetic":
        rng = np.random.default_rng(seed)
        X = rng.random((N, SYNTH_FEATURES))
        y = rng.integers(0, 2, N)
        y[0], y[-1] = 0, 1
        return X, y, None, None
    pair = tuple(cell.get("pair", (3, 5)))
    X, y = mn.datasets.load("mnist", classes=pair, split="train", n=N, rng=seed)
    Xt, yt = mn.datasets.load("mnist", classes=pair, split="test")  # every test image of the pair
    return X, y, Xt, yt


def _cell(cell: dict[str, Any]) -> dict[str, Any]:
    """Construct and verify one (data, N, method); returns its statistics."""
    X, y, Xt, yt = _data(cell)
    t0 = time.perf_counter()
    res = mn.construct(X, y, method=cell["method"], rng=int(cell["seed"]))
    total = time.perf_counter() - t0
    s = res.stats
    out = {
        **cell,
        "n_samples": int(X.shape[0]),
        "params": s["params"],
        "params_nonzero": s["params_nonzero"],
        "width": s["width"],
        "depth": s["depth"],
        "max_weight_bits": s["max_weight_bits"],
        "runs": s.get("runs"),
        "rho": s.get("rho"),
        "verified": bool(res.verified),
        "min_margin": float(res.min_margin),
        "verification": s["verification"],
        # interval verifies by an exact sweep computed before finish(): count it as verification
        "construct_seconds": s["seconds"] - s.get("sweep_seconds", 0.0),
        "verify_seconds": s["verify_seconds"] + s.get("sweep_seconds", 0.0),
        "total_seconds": total,
        "float64_exact": res.network.float64_representable,
    }
    if cell["method"] == "optimal":
        out["params_over_sqrt_K_rho"] = s["params_over_sqrt_K_rho"]
        out["nonzero_over_sqrt_K_rho"] = s["params_nonzero"] / math.sqrt(s["runs"] * max(s["rho"], 1))
        out["sqrt_K_rho"] = math.sqrt(s["runs"] * max(s["rho"], 1))
        for key in ("offset_bits", "boundaries_per_block", "blocks", "mode", "stage_params",
                    "bits_per_layer_used", "steps_per_layer"):
            out[key] = s.get(key)
    if Xt is not None and yt is not None:
        t1 = time.perf_counter()
        out["test_accuracy"] = res.score(Xt, yt)
        out["n_test"] = int(Xt.shape[0])
        out["test_seconds"] = time.perf_counter() - t1
    return out


def _crossover(Ns: list[int], opt: list[float], ref: list[float]) -> dict[str, Any]:
    """First grid N with opt < ref, and the log-log interpolated crossing before it."""
    for k, (a, b) in enumerate(zip(opt, ref, strict=True)):
        if a < b:
            if k == 0:
                return {"first_grid_N": Ns[0], "interpolated_N": None, "note": "optimal smaller at every N"}
            # log(opt/ref) changes sign between k-1 and k
            d0 = math.log(opt[k - 1] / ref[k - 1])
            d1 = math.log(a / b)
            x0, x1 = math.log(Ns[k - 1]), math.log(Ns[k])
            x = x0 + (x1 - x0) * d0 / (d0 - d1)
            return {"first_grid_N": Ns[k], "interpolated_N": round(math.exp(x))}
    return {"first_grid_N": None, "interpolated_N": None, "note": "interval smaller on the whole grid"}


def _pairs_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Test accuracy of both methods on each MNIST pair (fixed N)."""
    table = []
    for r in rows:
        if r["data"] == "mnist-pair" and r["method"] == "optimal":
            other = next(q for q in rows if q["data"] == "mnist-pair" and q["method"] == "interval"
                         and q["pair"] == r["pair"])
            table.append({"pair": r["pair"], "N": r["n_samples"], "n_test": r["n_test"],
                          "optimal_test_accuracy": r["test_accuracy"],
                          "interval_test_accuracy": other["test_accuracy"],
                          "optimal_params": r["params"], "interval_params": other["params"]})
    return table


def _summaries(rows: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [r for r in rows if r["data"] != "mnist-pair"]
    out: dict[str, Any] = {}
    for data in sorted({r["data"] for r in rows}):
        by = {m: sorted((r for r in rows if r["data"] == data and r["method"] == m), key=lambda r: r["N"])
              for m in METHODS}
        Ns = [r["n_samples"] for r in by["optimal"]]
        d: dict[str, Any] = {"N": Ns}
        for m in METHODS:
            for kind in ("params", "params_nonzero"):
                d[f"slope_{m}_{kind}"] = fit_slope([r["n_samples"] for r in by[m]], [r[kind] for r in by[m]])
                tail = [r for r in by[m] if r["n_samples"] >= TAIL_N]
                d[f"tail_slope_{m}_{kind}"] = fit_slope([r["n_samples"] for r in tail], [r[kind] for r in tail])
        for kind in ("params", "params_nonzero"):
            d[f"crossover_{kind}"] = _crossover(Ns, [r[kind] for r in by["optimal"]],
                                                [r[kind] for r in by["interval"]])
        ratios = [r["params_over_sqrt_K_rho"] for r in by["optimal"]]
        d["params_over_sqrt_K_rho_band"] = [min(ratios), max(ratios)] if ratios else None
        # the theorem's O(n + sqrt(K rho)): without the n -> 1 first layer (785 params on MNIST)
        line = [(r["params"] - r["stage_params"]["first"]) / r["sqrt_K_rho"] for r in by["optimal"]
                if r.get("stage_params")]
        d["line_params_over_sqrt_K_rho_band"] = [min(line), max(line)] if line else None
        nz_ratios = [r["nonzero_over_sqrt_K_rho"] for r in by["optimal"]]
        d["nonzero_over_sqrt_K_rho_band"] = [min(nz_ratios), max(nz_ratios)] if nz_ratios else None
        # what a constant params / sqrt(K rho) would give on the same grid: rho grows with log N
        d["slope_sqrt_K_rho"] = fit_slope(Ns, [r["sqrt_K_rho"] for r in by["optimal"]])
        tail = [r for r in by["optimal"] if r["n_samples"] >= TAIL_N]
        d["tail_slope_sqrt_K_rho"] = fit_slope([r["n_samples"] for r in tail], [r["sqrt_K_rho"] for r in tail])
        d["max_width_optimal"] = max((r["width"] for r in by["optimal"]), default=0)
        d["max_weight_bits_optimal"] = max((r["max_weight_bits"] for r in by["optimal"]), default=0)
        if any("test_accuracy" in r for r in by["optimal"]):
            d["test_accuracy"] = {m: {r["n_samples"]: r.get("test_accuracy") for r in by[m]} for m in METHODS}
        out[data] = d
    return out


def _markdown(summ: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    lines = ["Parameter scaling: `optimal` (Theorem 4.1) against the Theta(N) `interval` network.", ""]
    lines.append("| data | N | K | rho | optimal params (nz) | interval params (nz) | depth | width | max bits | verify s (opt / int) | test acc (opt / int) |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for data in summ:
        opt = {r["N"]: r for r in rows if r["data"] == data and r["method"] == "optimal"}
        itv = {r["N"]: r for r in rows if r["data"] == data and r["method"] == "interval"}
        for N in sorted(opt):
            o, i = opt[N], itv.get(N, {})
            acc = (f"{o['test_accuracy']:.3f} / {i.get('test_accuracy', float('nan')):.3f}"
                   if "test_accuracy" in o else "-")
            lines.append(
                f"| {data} | {o['n_samples']} | {o['runs']} | {o['rho']} | {o['params']} ({o['params_nonzero']}) | "
                f"{i.get('params', '-')} ({i.get('params_nonzero', '-')}) | {o['depth']} | {o['width']} | "
                f"{o['max_weight_bits']} | {o['verify_seconds']:.2f} / {i.get('verify_seconds', float('nan')):.2f} | {acc} |"
            )
    lines.append("")
    for data, d in summ.items():
        band = d["params_over_sqrt_K_rho_band"]
        lines.append(
            f"- **{data}**: log-log slope optimal {d['slope_optimal_params']:.3f} dense / "
            f"{d['slope_optimal_params_nonzero']:.3f} non-zero; interval {d['slope_interval_params']:.3f} / "
            f"{d['slope_interval_params_nonzero']:.3f} (over N >= {TAIL_N}: optimal "
            f"{d['tail_slope_optimal_params']:.3f} / {d['tail_slope_optimal_params_nonzero']:.3f}, interval "
            f"{d['tail_slope_interval_params']:.3f} / {d['tail_slope_interval_params_nonzero']:.3f}). "
            f"params / sqrt(K rho) in [{band[0]:.1f}, {band[1]:.1f}] (non-zero "
            f"[{d['nonzero_over_sqrt_K_rho_band'][0]:.1f}, {d['nonzero_over_sqrt_K_rho_band'][1]:.1f}]); "
            f"sqrt(K rho) alone has slope {d['slope_sqrt_K_rho']:.3f} (over N >= {TAIL_N}: "
            f"{d['tail_slope_sqrt_K_rho']:.3f}); without the first layer (the O(n) term) "
            f"params / sqrt(K rho) in [{d['line_params_over_sqrt_K_rho_band'][0]:.1f}, "
            f"{d['line_params_over_sqrt_K_rho_band'][1]:.1f}]. "
            f"Crossover (optimal smaller): dense {_fmt_cross(d['crossover_params'])}, non-zero "
            f"{_fmt_cross(d['crossover_params_nonzero'])}. Width <= {d['max_width_optimal']}, max weight "
            f"bits {d['max_weight_bits_optimal']}."
        )
    lines += ["", "`optimal`'s parameters per stage (dense; layout chosen by the planner for the fewest params):", "",
              "| data | N | K | rho | slots m | offset bits | blocks J | first | stage 1 | unfold | stage 2 | output | params / sqrt(K rho) |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for data in summ:
        for o in sorted((r for r in rows if r["data"] == data and r["method"] == "optimal"), key=lambda r: r["N"]):
            sp = o.get("stage_params") or {}
            lines.append(
                f"| {data} | {o['n_samples']} | {o['runs']} | {o['rho']} | {o.get('boundaries_per_block')} | "
                f"{o.get('offset_bits')} | {o.get('blocks')} | {sp.get('first', '-')} | {sp.get('stage1', '-')} | "
                f"{sp.get('unfold', '-')} | {sp.get('stage2', '-')} | {sp.get('output', '-')} | "
                f"{o['params_over_sqrt_K_rho']:.1f} |")
    lines.append("")
    lines.append("`optimal` is verified exactly on every sample (margin exactly 1); its weights do not fit "
                 "float64, so it is evaluated with the exact engine. Test accuracy on MNIST is recorded "
                 "as is: the theory predicts these networks do not generalize.")
    return "\n".join(lines) + "\n"


def _fmt_cross(c: dict[str, Any]) -> str:
    if c.get("first_grid_N") is None:
        return "not reached on the grid"
    if c.get("interpolated_N") is None:
        return f"already at N = {c['first_grid_N']}"
    return f"N ~ {c['interpolated_N']} (first grid point {c['first_grid_N']})"


def run(
    out_dir: RunOptions | str | os.PathLike[str],
    *,
    data: tuple[str, ...] | list[str] | str | None = None,
    sizes: tuple[int, ...] | list[int] | None = None,
    **run_options: Any,
) -> dict[str, Any]:
    """Params vs N for ``optimal`` and ``interval``; writes ``scaling.json`` and ``scaling.png``.

    Parameters
    ----------
    out_dir : output folder, or the whole :class:`~memnets.experiments.RunOptions`
    data : ``"synthetic"``, ``"mnist"`` or both (default both; MNIST skipped with a note
        when its files are not installed)
    sizes : override the N grid
    run_options : the other run options; ``profile="full"`` adds N = 30,000 and 100,000 (synthetic),
        ``profile="tiny"`` is the test suite's size (N in {100, 300}, synthetic only), and
        the resume cache ``cache_dir`` defaults to ``out_dir/.cache/scaling`` here

    Returns ``{"name", "json", "plots", "markdown", "summary", "mnist_pairs"}``.
    """
    opts = RunOptions.coerce(out_dir, run_options, experiment="scaling")
    if opts.cache_dir is None:
        opts = dataclasses.replace(opts, cache_dir=opts.out_dir / ".cache" / "scaling")
    started = time.perf_counter()
    tiny = opts.profile == "tiny"
    grid = tuple(sizes) if sizes is not None else (TINY_N if tiny else (FULL_N if opts.profile == "full" else QUICK_N))
    if data is None:
        datas = ["synthetic"] if tiny else ["synthetic", "mnist"]
    else:
        datas = [data] if isinstance(data, str) else list(data)
    for d in datas:
        if d not in ("synthetic", "mnist"):
            raise OptionError(f"scaling: unknown data {d!r}; valid are 'synthetic', 'mnist'")
    notes: list[str] = []
    reason = unavailable("mnist", None) if "mnist" in datas else None
    if reason is not None:
        datas.remove("mnist")
        notes.append(f"MNIST skipped: {reason}")
    cells = []
    for d in datas:
        for N in grid:
            if d == "mnist" and N > MNIST_MAX:
                continue
            for m in METHODS:
                cells.append({"data": d, "N": int(N), "method": m, "seed": opts.seed})
    if "mnist" in datas and not tiny:
        for pair in PAIRS:
            for m in METHODS:
                cells.append({"data": "mnist-pair", "pair": list(pair), "N": PAIR_N, "method": m,
                              "seed": opts.seed})
    rows = opts.run_cells(_cell, cells, desc="scaling cells")
    summ = _summaries(rows)
    pairs = _pairs_table(rows)
    doc = {"rows": rows, "summary": summ, "mnist_pairs": pairs, "notes": notes}
    return finish(
        "scaling", opts, doc, started=started, provenance={"grid": list(grid), "data": datas},
        plots=lambda: scaling_plots(opts.out_dir, [r for r in rows if r["data"] != "mnist-pair"], summ, METHODS),
        markdown=lambda plots: _markdown(summ, rows) + _pairs_markdown(pairs) + "".join(f"\n> {n}\n" for n in notes),
        summary=summ, mnist_pairs=pairs)


def _pairs_markdown(pairs: list[dict[str, Any]]) -> str:
    if not pairs:
        return ""
    lines = ["", f"Test accuracy on MNIST pairs (N = {PAIR_N} training images per pair, seeded subsets):", "",
             "| pair | optimal | interval | params optimal / interval |", "|---|---|---|---|"]
    for p in pairs:
        lines.append(f"| {p['pair'][0]} vs {p['pair'][1]} | {p['optimal_test_accuracy']:.3f} | "
                     f"{p['interval_test_accuracy']:.3f} | {p['optimal_params']} / {p['interval_params']} |")
    return "\n".join(lines) + "\n"
