"""Which condensing rule gives M1 the best training-set certificate on MNIST pairs.

M1 is a sample-compression scheme: its network is a fixed function of its ``k``
representatives, and it is right on the other ``N - k`` training samples, so
:meth:`memnets.ConstructionResult.certify` bounds its accuracy from the training set alone
(:func:`memnets.theory.compression_bound`, roughly ``1 - k ln(N e / k) / N``). The
certificate is only as good as the smallest *consistent* subset: this benchmark measures
``k / N`` per rule of :mod:`memnets._geometry.condense` on full MNIST training pairs,

* ``hart`` / ``fcnn`` (``lam = 1``: plain consistency), the baselines;
* ``cover`` / ``mss`` at ``alpha = 1, k = 1`` (Ritter's selective subset: nearer a
  same-label sample than the nearest enemy *sample*; stronger than consistency);
* ``mcs`` (``lam = 1``): FCNN, then alternating per-class greedy set covers, then pruning;

proves each subset consistent on every training sample (exact check,
:func:`memnets._geometry.condense.is_consistent`; an inconsistent one would give no
certificate), and reports the certified accuracy at ``delta = 0.05`` next to the measured
test accuracy of the nearest-representative classifier (= the M1 network) on the pair's
test images. Time is reported as a ratio to FCNN in the same run.

Usage::

    .venv/bin/python benchmarks/bench_certify.py                 # 0-1, 1-7, 3-5, 4-9 (~3-6 min)
    .venv/bin/python benchmarks/bench_certify.py --quick         # 2,000 samples per pair
    .venv/bin/python benchmarks/bench_certify.py --pairs 2-3,5-6 --rules fcnn,mcs

Writes ``benchmarks/results/bench_certify.json``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import memnets as mn
from _common import write_result
from memnets._geometry.condense import condense, is_consistent
from memnets._geometry.enemies import nearest_enemy_sq
from memnets.theory import compression_bound

RULES: dict[str, dict[str, Any]] = {
    "hart": {"lam": 1.0},
    "fcnn": {"lam": 1.0},
    "cover": {"alpha": 1.0, "k": 1},
    "mss": {"alpha": 1.0, "k": 1},
    "mcs": {"lam": 1.0},
}
DELTA = 0.05


def nearest_rep_accuracy(X: np.ndarray, y: np.ndarray, reps: np.ndarray, Xt: np.ndarray, yt: np.ndarray) -> float:
    """Test accuracy of the nearest-representative classifier (what M1's network computes)."""
    S = X[reps].astype(np.float32)
    T = Xt.astype(np.float32)
    d2 = (T * T).sum(1)[:, None] - 2.0 * (T @ S.T) + (S * S).sum(1)[None, :]
    return float(np.mean(y[reps][np.argmin(d2, axis=1)] == yt))


def run_pair(pair: tuple[int, int], rules: list[str], n: int | None, seed: int) -> list[dict[str, Any]]:
    X, y = mn.datasets.load("mnist", classes=pair, split="train", n=n, rng=seed)
    Xt, yt = mn.datasets.load("mnist", classes=pair, split="test")
    low = nearest_enemy_sq(X, y)[1]
    N = len(y)
    rows = []
    base = None
    for rule in ["fcnn", *[r for r in rules if r != "fcnn"]]:
        t0, c0 = time.perf_counter(), time.process_time()
        reps = condense(X, y, rule, c2_lower=low, **RULES[rule])
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        if rule == "fcnn":
            base = cpu
        consistent = bool(is_consistent(X, y, reps).all())
        if not consistent:
            raise SystemExit(f"{rule} on {pair}: the subset is not consistent, no certificate (a bug)")
        k = int(reps.size)
        row = {
            "pair": f"{pair[0]}-{pair[1]}", "rule": rule, "params": RULES[rule], "N": N, "k": k,
            "k_over_N": k / N, "consistent": consistent,
            "certified_accuracy": 1.0 - compression_bound(N, k, DELTA),
            "test_accuracy": nearest_rep_accuracy(X, y, reps, Xt, yt), "n_test": len(yt),
            "seconds": wall, "cpu_seconds": cpu, "cpu_vs_fcnn": cpu / base if base else None,
        }
        if rule in rules:
            rows.append(row)
            print(f"  {row['pair']} {rule:6s} k = {k:5d} ({k / N:6.2%})  certified {row['certified_accuracy']:.4f}"
                  f"  test {row['test_accuracy']:.4f}  cpu x{row['cpu_vs_fcnn']:.1f} vs fcnn", flush=True)
    return rows


def markdown(rows: list[dict[str, Any]], rules: list[str]) -> str:
    pairs = list(dict.fromkeys(r["pair"] for r in rows))
    head = "| pair | N | " + " | ".join(f"{r} k (k/N)" for r in rules) + " | best certified | test (best) |"
    lines = [head, "|" + "---|" * (len(rules) + 4)]
    for p in pairs:
        rs = {r["rule"]: r for r in rows if r["pair"] == p}
        best = min(rs.values(), key=lambda r: r["k"])
        cells = [f"{rs[r]['k']} ({rs[r]['k_over_N']:.2%})" for r in rules]
        lines.append(f"| {p} | {best['N']} | " + " | ".join(cells)
                     + f" | {best['certified_accuracy']:.4f} ({best['rule']}) | {best['test_accuracy']:.4f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", default="0-1,1-7,3-5,4-9", help="comma-separated digit pairs")
    ap.add_argument("--rules", default=",".join(RULES), help=f"subset of {','.join(RULES)}")
    ap.add_argument("--quick", action="store_true", help="2,000 training samples per pair")
    ap.add_argument("--n", type=int, default=None, help="training samples per pair (default: all)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rules = [r for r in args.rules.split(",") if r]
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        ap.error(f"unknown rules {unknown}; choose from {list(RULES)}")
    pairs = [tuple(int(d) for d in p.split("-")) for p in args.pairs.split(",") if p]
    n = 2000 if args.quick and args.n is None else args.n
    t0 = time.perf_counter()
    rows: list[dict[str, Any]] = []
    for pair in pairs:
        rows += run_pair(pair, rules, n, args.seed)  # type: ignore[arg-type]
    table = markdown(rows, rules)
    print(table)
    write_result("bench_certify", {"args": vars(args), "delta": DELTA, "rows": rows, "markdown": table,
                                   "wall_seconds": time.perf_counter() - t0})


if __name__ == "__main__":
    main()
