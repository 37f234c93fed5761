"""Benchmark: the paper's Theorem 7.3 network (``method="pairwise"``) at the paper's scales.

Subject: ``memnets.construct(X, y, method="pairwise")`` -- exact constants, layers, the
certified pass over every training sample -- then ``predict`` on test points, both through
the ``"pairwise"`` engine (:mod:`memnets._engines.pair_units`). Baseline, in the same run:
the generic layer-by-layer certified engine (``ReLUNetwork.forward_certified``, engine
``"float"``) on networks built from subsamples small enough for it (``--baseline-per-label``
samples per label, several sizes: its cost grows like the number of pairs, ours like
``N n``), both engines timed on the same queries of that network; their predictions must
agree (the script exits with an error otherwise), and on the full network every nonzero
output must carry the 1-nearest-neighbour label.

Workloads:

* ``--cifar`` (default): CIFAR-10-shaped, 3,000 + 3,000 training images of 3,072 values
  (18 million ordered opposite pairs), 1,000 + 1,000 test images. CIFAR-10 is not on this
  machine: the images are **synthetic**, each class a smooth random 32x32x3 template plus a
  per-image low-rank deformation and pixel noise, quantised to ``k/255`` like real pixels
  (so the exact constants need the same ~140 bits). ``--per-label`` changes the size.
* ``--mnist``: MNIST 3 vs 5, 500 training images per label (Table 1's setting), all test
  images of the two digits.

Memory: peak resident set of the process (``ru_maxrss``, includes the data) and, with
``--tracemalloc``, the peak of traced allocations (NumPy arrays included; slows the run).

Run ``python benchmarks/bench_pairwise.py [--mnist] [--quick]``; results in
``benchmarks/results/bench_pairwise.json``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import memnets as mn
from _common import report_ratio, timed, write_result
from memnets._engines import decide
from memnets._engines.pair_units import forward_pairwise


def synthetic_images(per_label: int, test_per_label: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Two classes of 32x32x3 'images' in {k/255}: smooth template + low-rank deformation + noise."""
    rng = np.random.default_rng(seed)
    side, ch, rank = 32, 3, 16
    n = side * side * ch
    grid = np.linspace(0.0, 1.0, side)
    out: list[list[np.ndarray]] = [[], [], [], []]
    for label in range(2):
        # template: a few random low-frequency cosines per channel, in [0.2, 0.8]
        t = np.zeros((side, side, ch))
        for _ in range(6):
            fx, fy = rng.integers(0, 4, 2)
            phase = rng.random(2) * 2 * np.pi
            t += np.outer(np.cos(np.pi * fx * grid + phase[0]), np.cos(np.pi * fy * grid + phase[1]))[..., None] * rng.normal(size=ch)
        t = 0.5 + 0.3 * t / np.abs(t).max()
        basis = rng.normal(size=(n, rank)) * 0.04
        for k, m in ((0, per_label), (1, test_per_label)):
            z = rng.normal(size=(m, rank))
            img = t.ravel()[None, :] + z @ basis.T + rng.normal(size=(m, n)) * 0.06
            out[2 * k].append(np.round(np.clip(img, 0.0, 1.0) * 255) / 255)
            out[2 * k + 1].append(np.full(m, label))
    X, y, Xt, yt = (np.concatenate(v) for v in out)
    return X, y, Xt, yt


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def _nn_labels(Xt: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    d = np.einsum("ij,ij->i", X, X)[None, :] - 2.0 * (Xt @ X.T)
    return y[np.argmin(d, axis=1)]


def run_full(X: np.ndarray, y: np.ndarray, Xt: np.ndarray, yt: np.ndarray, *, trace: bool) -> dict[str, Any]:
    """Construct + verify + predict on the full data; times, memory, agreement with 1-NN."""
    rss0 = _rss_gib()
    if trace:
        tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    res = mn.construct(X, y, method="pairwise", rng=0)
    build_wall, build_cpu = time.perf_counter() - t0, time.process_time() - c0
    pred, test_wall, test_cpu = timed(lambda: res.predict(Xt))
    traced = tracemalloc.get_traced_memory()[1] / 2**30 if trace else None
    if trace:
        tracemalloc.stop()
    vals, _ = forward_pairwise(res.network, Xt)
    nn = _nn_labels(Xt, X, y)
    nonzero = vals != 0
    disagree = int(np.count_nonzero(pred[nonzero] != nn[nonzero]))
    if disagree:
        raise SystemExit(f"pairwise: {disagree} nonzero outputs disagree with 1-NN")
    s = res.stats
    return {
        "n_train": int(X.shape[0]), "n_test": int(Xt.shape[0]), "n_features": int(X.shape[1]),
        "n_pairs": s["n_pairs"], "params_paper": s["params_paper"], "params_nonzero": s["params_nonzero"],
        "params_dense_stored_layers": s["params"], "depth": s["depth"], "width": s["width"],
        "max_weight_bits": s["max_weight_bits"], "constant_terms": s["constant_terms"],
        "verified": res.verified, "min_margin": float(res.min_margin), "margin_error_bound": s["margin_error_bound"],
        "construct_wall_seconds": build_wall, "construct_cpu_seconds": build_cpu,
        "network_seconds": s["network_seconds"], "engine_verify_seconds": s["engine_verify_seconds"],
        "test_wall_seconds": test_wall, "test_cpu_seconds": test_cpu,
        "total_wall_seconds": build_wall + test_wall, "total_cpu_seconds": build_cpu + test_cpu,
        "peak_rss_gib": _rss_gib(), "rss_before_gib": rss0, "tracemalloc_peak_gib": traced,
        "test_accuracy": float(np.mean(pred == yt)), "nn_accuracy": float(np.mean(nn == yt)),
        "zero_outputs": int(np.count_nonzero(~nonzero)),
    }


def run_baseline(X: np.ndarray, y: np.ndarray, Xt: np.ndarray, per_label: int, n_queries: int,
                 full_pairs: int) -> dict[str, Any]:
    """Both engines on one subsample network: per-input cost of the certified float pass
    (values + bounds) and of the whole decision (with its exact fallbacks); the decisions
    must agree. The generic pass costs O(P) per input: its cost at the full network's
    ``full_pairs`` is extrapolated linearly (reported as such)."""
    idx = np.concatenate([np.flatnonzero(y == c)[:per_label] for c in (0, 1)])
    res = mn.construct(X[idx], y[idx], method="pairwise", rng=0)
    net, Q = res.network, Xt[:n_queries]
    _, _, cpu = timed(lambda: forward_pairwise(net, Q), repeat=3)
    _, _, b_cpu = timed(lambda: net.forward_certified(Q))
    ratio = report_ratio(f"certified pass: pairwise engine vs forward_certified ({2 * per_label} samples, "
                         f"{res.stats['n_pairs']} pairs)", cpu / len(Q), b_cpu / len(Q))
    ours, _, d_cpu = timed(lambda: decide.predict_codes(net, Q, "pairwise"), repeat=3)
    base, _, db_cpu = timed(lambda: decide.predict_codes(net, Q, "float"))
    if not np.array_equal(ours, base):
        raise SystemExit("pairwise engine and forward_certified disagree on the subsample network")
    d_ratio = report_ratio("decision (predict_codes, exact fallbacks included)", d_cpu / len(Q), db_cpu / len(Q))
    P = res.stats["n_pairs"]
    return {"per_label": per_label, "n_pairs": P, "queries": len(Q),
            "engine_cpu_per_input": cpu / len(Q), "forward_certified_cpu_per_input": b_cpu / len(Q),
            "speedup_cpu": ratio,
            "decision_engine_cpu_per_input": d_cpu / len(Q), "decision_float_cpu_per_input": db_cpu / len(Q),
            "decision_speedup_cpu": d_ratio,
            "forward_certified_cpu_per_input_extrapolated_to_full": b_cpu / len(Q) * full_pairs / P}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mnist", action="store_true", help="MNIST 3 vs 5, 500 per label (Table 1 setting)")
    ap.add_argument("--per-label", type=int, default=None, help="training samples per label")
    ap.add_argument("--test-per-label", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="500 + 500 synthetic images (a few seconds)")
    ap.add_argument("--baseline-per-label", default="150,300,600",
                    help="comma-separated subsample sizes (per label) for the forward_certified baseline")
    ap.add_argument("--baseline-queries", type=int, default=100)
    ap.add_argument("--tracemalloc", action="store_true", help="also trace allocations (slower)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.mnist:
        per = args.per_label or 500
        X, y = mn.datasets.load("mnist", classes=(3, 5), split="train")
        Xt, yt = mn.datasets.load("mnist", classes=(3, 5), split="test")
        keep = np.concatenate([np.flatnonzero(y == c)[:per] for c in (3, 5)])
        X, y = X[keep], (y[keep] == 5).astype(np.int64)
        yt = (yt == 5).astype(np.int64)
        workload = f"MNIST 3 vs 5, {per} per label"
    else:
        per = args.per_label or (500 if args.quick else 3000)
        X, y, Xt, yt = synthetic_images(per, args.test_per_label, args.seed)
        workload = f"synthetic CIFAR-shaped images, {per} per label, n = {X.shape[1]}"
    print(f"{workload}: N = {X.shape[0]}, test {Xt.shape[0]}")
    full_pairs = 2 * int((y == 0).sum()) * int((y == 1).sum())
    sizes = [int(v) for v in str(args.baseline_per_label).split(",")]
    if args.quick:
        sizes = sizes[:1]
    bases = [run_baseline(X, y, Xt, k, args.baseline_queries, full_pairs) for k in sizes]
    base = bases[-1]
    full = run_full(X, y, Xt, yt, trace=args.tracemalloc)
    print(f"construct + verify {full['construct_wall_seconds']:.1f} s wall / {full['construct_cpu_seconds']:.1f} s CPU "
          f"(exact constants + layers {full['network_seconds']:.1f} s, certified pass over the samples "
          f"{full['engine_verify_seconds']:.1f} s); predict {full['n_test']}: {full['test_wall_seconds']:.1f} s wall / "
          f"{full['test_cpu_seconds']:.1f} s CPU; total {full['total_wall_seconds']:.1f} s wall")
    print(f"pairs {full['n_pairs']}, paper's params {full['params_paper']:.3g}, stored non-zeros "
          f"{full['params_nonzero']:.3g}; peak RSS {full['peak_rss_gib']:.2f} GiB"
          + (f", traced peak {full['tracemalloc_peak_gib']:.2f} GiB" if full["tracemalloc_peak_gib"] else "")
          + f"; test accuracy {full['test_accuracy']:.4f} (1-NN {full['nn_accuracy']:.4f}), "
          f"{full['zero_outputs']} outputs exactly 0")
    per_input = full["test_cpu_seconds"] / full["n_test"]
    print(f"full network: {per_input * 1e3:.2f} ms CPU per test input; forward_certified extrapolated "
          f"linearly in P: {base['forward_certified_cpu_per_input_extrapolated_to_full'] * 1e3:.0f} ms "
          f"(~{base['forward_certified_cpu_per_input_extrapolated_to_full'] / per_input:.0f}x)")
    payload = {"args": vars(args), "workload": workload, "baseline": bases, "full": full}
    write_result("bench_pairwise" + ("_mnist" if args.mnist else ""), payload)
    return payload


if __name__ == "__main__":
    main()
