"""Benchmark: the 1-D memorizers (``optimal``, ``vardi2022``, ``park2021``, ``interval``)
constructed and verified exactly at large N, against the generic exact engine in the same run.

Subject: ``memnets.construct(X, y, method=...)`` end to end (projection, network, exact
verification of every sample), whose exact margins now come from the sweep along the
first layer's scalar (:mod:`memnets._engines.sweep`). Baseline, in the same run: the
generic layer-by-layer exact engine (:func:`memnets._core.exact.exact_units`, the engine of
the previous release) on ``--check`` random samples (``--check 0``: on all of them); its
margins must equal the subject's sample by sample (the script exits with an error
otherwise), and the report gives both engines' CPU seconds per sample and their ratio.

Run ``python benchmarks/bench_m2.py`` (N = 100,000 synthetic points in [0,1]^20 with random
labels), ``--n 1000000`` for the issue's scale, ``--methods vardi2022,park2021``,
``--data mnist`` for the MNIST 3-vs-5 training images (at most 11,552), ``--profile`` to
print the top functions of the construction by own time. Results: ``benchmarks/results/bench_m2.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import memnets as mn
from _common import write_result
from memnets._core.checks import check_dataset
from memnets._core.exact import exact_units
from memnets._engines.decide import margins_exact


def _data(name: str, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if name == "synthetic":
        rng = np.random.default_rng(seed)
        X = rng.random((n, 20))
        y = rng.integers(0, 2, n)
        return X, y
    return mn.datasets.load("mnist", classes=(3, 5), split="train", n=min(n, 11552), rng=seed)


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def generic_margins(net: mn.ReLUNetwork, X: np.ndarray, signs: np.ndarray) -> list[Fraction]:
    """``y_i F(x_i)`` by the generic exact engine (the previous release's verification)."""
    out: list[Fraction] = []
    for s, units in exact_units(net, X):
        num, den = units[0]
        sg = signs[s : s + len(num)].tolist()
        out.extend(Fraction(int(v) * g, den) for v, g in zip(num.tolist(), sg, strict=True))
    return out


def bench(method: str, X: np.ndarray, y: np.ndarray, seed: int, check: int, profile: bool, top: int) -> dict[str, Any]:
    prof = cProfile.Profile() if profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    res = mn.construct(X, y, method=method, rng=seed)
    if prof:
        prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = res.stats
    net = res.network
    signs = np.where(y == res.classes[1], 1, -1)
    data = check_dataset(X, y)
    # the subject's verification alone, timed again (construct's own split is in the stats)
    t1, c1 = time.perf_counter(), time.process_time()
    subject = margins_exact(net, data)
    v_wall, v_cpu = time.perf_counter() - t1, time.process_time() - c1
    rng = np.random.default_rng(seed + 1)
    idx = np.arange(X.shape[0]) if check <= 0 or check >= X.shape[0] else np.sort(rng.choice(X.shape[0], check, replace=False))
    t2, c2 = time.perf_counter(), time.process_time()
    base = generic_margins(net, X[idx], signs[idx])
    b_wall, b_cpu = time.perf_counter() - t2, time.process_time() - c2
    if [subject[i] for i in idx.tolist()] != base:
        raise SystemExit(f"{method}: the sweep's margins differ from the generic exact engine's")
    if not min(subject) > 0 or min(subject) != res.min_margin:
        raise SystemExit(f"{method}: a sample is not memorized, or min_margin disagrees")
    out: dict[str, Any] = {
        "method": method,
        "verified": res.verified,
        "verification": s["verification"],
        "min_margin": float(res.min_margin),
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "construct_seconds": s["seconds"],
        "verify_seconds_in_construct": s["verify_seconds"],
        "sweep_verify_wall": v_wall,
        "sweep_verify_cpu": v_cpu,
        "baseline_samples": int(idx.size),
        "baseline_wall": b_wall,
        "baseline_cpu": b_cpu,
        "cpu_per_sample_ratio": (b_cpu / idx.size) / (v_cpu / X.shape[0]) if v_cpu > 0 else None,
        "peak_rss_gib": _rss_gib(),
        "params": s["params"],
        "depth": s["depth"],
        "width": s["width"],
        "max_weight_bits": s["max_weight_bits"],
        "runs": s.get("runs"),
    }
    if prof:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
        out["top_functions"] = buf.getvalue().splitlines()[: top + 12]
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--data", choices=("synthetic", "mnist"), default="synthetic")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--methods", default="optimal")
    ap.add_argument("--check", type=int, default=2000,
                    help="samples the generic exact engine re-verifies (0: all; its time grows like N^2 depth)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=15)
    args = ap.parse_args(argv)
    X, y = _data(args.data, args.n, args.seed)
    print(f"data {args.data}: N = {X.shape[0]}, n = {X.shape[1]}")
    results = []
    for method in args.methods.split(","):
        r = bench(method, X, y, args.seed, args.check, args.profile, args.top)
        results.append(r)
        print(f"\n== {method}: verified={r['verified']} ({r['verification']}); construct+verify "
              f"{r['wall_seconds']:.1f} s wall, {r['cpu_seconds']:.1f} s CPU (verification inside: "
              f"{r['verify_seconds_in_construct']:.1f} s wall); peak RSS {r['peak_rss_gib']:.2f} GiB")
        print(f"   params {r['params']}, depth {r['depth']}, width {r['width']}, max bits {r['max_weight_bits']}, "
              f"runs {r['runs']}")
        print(f"   sweep verification of all {X.shape[0]} samples: {r['sweep_verify_cpu']:.1f} s CPU "
              f"({r['sweep_verify_wall']:.1f} s wall); generic engine on {r['baseline_samples']}: "
              f"{r['baseline_cpu']:.1f} s CPU ({r['baseline_wall']:.1f} s wall), margins identical; "
              f"CPU per sample {r['cpu_per_sample_ratio']:.1f}x less")
        if args.profile:
            print("\n".join(r["top_functions"][-args.top - 2 :]))
    payload = {"args": vars(args), "n_samples": int(X.shape[0]), "results": results}
    write_result("bench_m2", payload)
    return payload


if __name__ == "__main__":
    main()
