"""Benchmark: parameters against N for the 1-D memorizers, as log-log slopes.

Methods: ``optimal`` (ours, Theorem 4.1; expected slope ~1/2 plus the log factor),
``vardi2022`` (Vardi, Yehudai & Shamir; ~1/2 plus logs), ``park2021`` (Park et al.,
reconstructed; ``O(N^(2/3))``) and ``interval`` (one step per boundary; ~1). Data: seeded
uniform ``[0, 1]^20`` with fair random labels (the worst case, ``~N/2`` runs); one seed per
``N``, the same data and ``rng`` for every method. Every network is verified on every sample
(exactly for all but interval, whose sweep is exact too).

The slope is the least-squares fit of ``log params`` on ``log N`` over the grid (and over
``N >= 1000``); for vardi2022 and park2021 also per stage (group lookup vs decoding), which
shows where the asymptotic term takes over. ``--widths`` adds the Theorem 4.1 width trade-off
of ``optimal`` (``max_width`` 6 / 8 / 12: params and depth).

Run ``python benchmarks/bench_memorizers.py`` (N = 100 ... 10,000, a few minutes on one core),
``--quick`` (N <= 1000), ``--n 100,300,1000`` for a custom grid. Prints a table and writes
``benchmarks/results/bench_memorizers.json``. Not a test: it asserts nothing but memorization.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import memnets as mn
from _common import write_result

METHODS = ("optimal", "vardi2022", "park2021", "interval")
GRID = (100, 300, 1000, 3000, 10000)
QUICK = (100, 300, 1000)
FEATURES = 20
TAIL = 1000


def _data(N: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((N, FEATURES))
    y = rng.integers(0, 2, N)
    y[0], y[-1] = 0, 1
    return X, y


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ``log y`` on ``log x`` (nan with fewer than two points)."""
    if len(xs) < 2:
        return float("nan")
    lx, ly = np.log(np.asarray(xs, dtype=float)), np.log(np.asarray(ys, dtype=float))
    return float(np.polyfit(lx, ly, 1)[0])


def run(grid: tuple[int, ...], seed: int, widths: bool) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for N in grid:
        X, y = _data(N, seed + N)
        for method in METHODS:
            t0 = time.perf_counter()
            res = mn.construct(X, y, method=method, rng=seed)
            s = res.stats
            if not res.verified:  # pragma: no cover - construct raises instead
                raise SystemExit(f"{method} at N={N} is not verified")
            rows.append({
                "N": N, "method": method, "params": s["params"], "params_nonzero": s["params_nonzero"],
                "width": s["width"], "depth": s["depth"], "max_weight_bits": s["max_weight_bits"],
                "seconds": time.perf_counter() - t0, "stage_params": s.get("stage_params"),
                "groups": s.get("groups"), "group_size": s.get("group_size"), "within_R": s.get("within_R"),
            })
            print(f"N={N:6d} {method:10s} params {s['params']:8d} width {s['width']:3d} "
                  f"depth {s['depth']:6d} bits {s['max_weight_bits']:5d} "
                  f"{time.perf_counter() - t0:6.1f} s", flush=True)
    slopes: dict[str, dict[str, float]] = {}
    for method in METHODS:
        r = [row for row in rows if row["method"] == method]
        tail = [row for row in r if row["N"] >= TAIL]
        slopes[method] = {
            "params": slope([row["N"] for row in r], [row["params"] for row in r]),
            "params_tail": slope([row["N"] for row in tail], [row["params"] for row in tail]),
            "nonzero": slope([row["N"] for row in r], [row["params_nonzero"] for row in r]),
        }
        if method in ("vardi2022", "park2021"):
            for stage in ("lookup", "decode"):
                slopes[method][stage] = slope([row["N"] for row in r],
                                              [row["stage_params"][stage] for row in r])
    out: dict[str, Any] = {"grid": list(grid), "seed": seed, "features": FEATURES, "rows": rows,
                           "slopes": slopes}
    if widths:
        wrows = []
        for N in grid:
            X, y = _data(N, seed + N)
            row: dict[str, Any] = {"N": N}
            for w in (6, 8, 12):
                s = mn.construct(X, y, method="optimal", rng=seed, max_width=w).stats
                row[f"w{w}"] = (s["params"], s["depth"], s["width"])
            wrows.append(row)
        out["optimal_widths"] = wrows
    return out


def table(out: dict[str, Any]) -> str:
    grid = out["grid"]
    lines = ["| method | " + " | ".join(f"N = {N:,}" for N in grid) + " | slope | slope N >= 1000 | non-zero slope |",
             "|---|" + "---|" * (len(grid) + 3)]
    for method in METHODS:
        ps = {row["N"]: row["params"] for row in out["rows"] if row["method"] == method}
        sl = out["slopes"][method]
        lines.append(f"| `{method}` | " + " | ".join(f"{ps[N]:,}" for N in grid)
                     + f" | {sl['params']:.2f} | {sl['params_tail']:.2f} | {sl['nonzero']:.2f} |")
    stages = [f"{m}: lookup {out['slopes'][m]['lookup']:.2f}, decode {out['slopes'][m]['decode']:.2f}"
              for m in ("vardi2022", "park2021")]
    lines.append("")
    lines.append("per-stage slopes: " + "; ".join(stages))
    widths = {row["method"]: max(r["width"] for r in out["rows"] if r["method"] == row["method"])
              for row in out["rows"]}
    lines.append("largest width: " + ", ".join(f"{m} {w}" for m, w in widths.items()))
    if "optimal_widths" in out:
        lines.append("")
        lines.append("| N | optimal params / depth, max_width 6 | 8 | 12 |")
        lines.append("|---|---|---|---|")
        for row in out["optimal_widths"]:
            lines.append(f"| {row['N']:,} | " + " | ".join(f"{row[f'w{w}'][0]:,} / {row[f'w{w}'][1]:,}"
                                                         for w in (6, 8, 12)) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N in {100, 300, 1000}")
    ap.add_argument("--n", default=None, help="comma-separated grid of N")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--widths", action="store_true", help="also optimal at max_width 6 / 8 / 12")
    args = ap.parse_args(argv)
    grid = tuple(int(v) for v in args.n.split(",")) if args.n else (QUICK if args.quick else GRID)
    if any(N < 2 for N in grid) or len(grid) < 2:
        raise SystemExit("need at least two grid sizes N >= 2")
    out = run(grid, args.seed, args.widths)
    text = table(out)
    print()
    print(text)
    out["table"] = text
    out["log2_grid"] = [math.log2(N) for N in grid]
    write_result("bench_memorizers", {"args": vars(args), **out})
    return out


if __name__ == "__main__":
    main()
