"""Benchmark: M2 (``method="optimal"``) construction + exact verification at N = 100,000,
against the Theta(N) ``"interval"`` reference in the same run.

For each method the whole ``memnets.construct`` call runs under cProfile; the report splits
its time into the phases of the construction (exact projection, runs and network
building, verification, structural statistics) from the profile's cumulative times, prints
the top functions by own time, and the ratio of the two methods. Both networks are verified
on every sample (M2 exactly, layer by layer in integer arithmetic; interval exactly, by a
sweep of its piecewise-linear function of the projected scalar).

Run ``python benchmarks/bench_m2.py`` (N = 100,000 synthetic points in [0,1]^20 with random
labels), ``--n 10000`` for a shorter run, ``--data mnist`` for the MNIST 3-vs-5 training
images (at most 11,552). Results: ``benchmarks/results/bench_m2.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import memnets as mn
from _common import write_result

#: phase name -> function names whose cumulative time is that phase
PHASES = {
    "projection (exact integer <w, x>)": ("exact_projection",),
    "runs + gap": ("label_runs",),
    "network building": ("line_memorizer", "interval_layers", "compose_affine"),
    "verification": ("margins_exact", "margins_float", "_sweep_margins"),
    "structural stats (rank, bits)": ("summary",),
}


def _data(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if name == "synthetic":
        rng = np.random.default_rng(seed)
        X = rng.random((n, 20))
        y = rng.integers(0, 2, n)
        return X, y
    return mn.datasets.load("mnist", classes=(3, 5), split="train", n=min(n, 11552), rng=seed)


def _cumulative(stats: pstats.Stats, names: tuple[str, ...]) -> float:
    total = 0.0
    for (_file, _line, fn), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if fn in names:
            total += ct
    return total


def bench(method: str, X: np.ndarray, y: np.ndarray, seed: int, top: int) -> dict[str, Any]:
    prof = cProfile.Profile()
    t0, c0 = time.perf_counter(), time.process_time()
    prof.enable()
    res = mn.construct(X, y, method=method, rng=seed)
    prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    stats = pstats.Stats(prof)
    phases = {name: _cumulative(stats, fns) for name, fns in PHASES.items()}
    profiled = sum(phases.values())
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    s = res.stats
    return {
        "method": method,
        "verified": res.verified,
        "verification": s["verification"],
        "min_margin": float(res.min_margin),
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "construct_seconds": s["seconds"] - s.get("sweep_seconds", 0.0),
        "verify_seconds": s["verify_seconds"] + s.get("sweep_seconds", 0.0),
        "verifier": s.get("verifier", s["verification"]),
        "phases_profiled_seconds": phases,
        "phases_share_of_profiled": {k: v / profiled for k, v in phases.items()} if profiled else {},
        "params": s["params"],
        "params_nonzero": s["params_nonzero"],
        "depth": s["depth"],
        "width": s["width"],
        "max_weight_bits": s["max_weight_bits"],
        "runs": s["runs"],
        "rho": s.get("rho"),
        "offset_bits": s.get("offset_bits"),
        "stage_params": s.get("stage_params"),
        "top_functions": buf.getvalue().splitlines()[:top + 12],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--data", choices=("synthetic", "mnist"), default="synthetic")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--methods", default="optimal,interval")
    ap.add_argument("--top", type=int, default=12)
    args = ap.parse_args(argv)
    X, y = _data(args.data, args.n, args.seed)
    print(f"data {args.data}: N = {X.shape[0]}, n = {X.shape[1]}")
    results = []
    for method in args.methods.split(","):
        r = bench(method, X, y, args.seed, args.top)
        results.append(r)
        print(f"\n== {method}: verified={r['verified']} ({r['verification']}), wall {r['wall_seconds']:.1f} s "
              f"(construct {r['construct_seconds']:.1f} s, verify {r['verify_seconds']:.1f} s), "
              f"params {r['params']} (nz {r['params_nonzero']}), depth {r['depth']}, width {r['width']}, "
              f"max bits {r['max_weight_bits']}")
        if r["stage_params"]:
            print(f"   params per stage: {r['stage_params']}")
        for k, v in r["phases_profiled_seconds"].items():
            print(f"   {k:36s} {v:8.2f} s")
        print("\n".join(r["top_functions"][-args.top - 2:]))
    if len(results) == 2:
        a, b = results
        ratio = b["wall_seconds"] / a["wall_seconds"]
        print(f"\n{b['method']} / {a['method']} wall time: {ratio:.2f}  "
              f"(params {a['params']} vs {b['params']}: {b['params'] / a['params']:.2f}x)")
    payload = {"args": vars(args), "n_samples": int(X.shape[0]), "results": results}
    write_result("bench_m2", payload)
    return payload


if __name__ == "__main__":
    main()
