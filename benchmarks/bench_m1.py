"""M1 (efficient memorization) on MNIST: speed against 1-NN baselines, and accuracy.

Speed (``--speed``, default): for all 10 classes (60,000 training images) and the pair 3-vs-5,
measured in the same run:

* scikit-learn ``KNeighborsClassifier(n_neighbors=1, algorithm="brute")``: predict on the
  10,000 test images (float64 input, as users pass it);
* FAISS ``IndexFlatL2`` (float32): add + search k=1;
* the machine's float32 GEMM bound for that work: one ``test @ train.T`` product;
* memnets M1: ``construct(condense="none")`` and ``"cover"`` (wall time, verification
  included), and the network's own forward pass with certified decisions
  (:func:`memnets._constructions.efficient.predict_codes_m1`), checked equal to 1-NN.

Accuracy (``--accuracy``): pairs 0-1, 3-5, 4-9 and all 10 classes, condense none / cover /
consistent: test accuracy, number of representatives, parameters, and 1-NN accuracy; prints
a Markdown table.

Usage::

    .venv/bin/python benchmarks/bench_m1.py --speed [--n-train N] [--n-test M]
    .venv/bin/python benchmarks/bench_m1.py --accuracy

Results are written to ``benchmarks/results/bench_m1_*.json`` with the load average (the
machine is shared: compare ratios, not seconds).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import memnets as mn
from _common import environment, timed, write_result
from memnets._constructions import efficient as eff
from memnets._constructions.efficient import predict_codes_m1

TASKS: dict[str, tuple[int, ...] | None] = {"all10": None, "3-5": (3, 5), "0-1": (0, 1), "4-9": (4, 9)}


def _load(task: str, split: str, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    X, y = mn.datasets.load("mnist", classes=TASKS[task], split=split)
    if n is not None and n < X.shape[0]:
        X, y = X[:n], y[:n]
    return X, y


def speed(task: str, n_train: int | None, n_test: int | None, repeat: int) -> dict[str, Any]:
    import faiss
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _load(task, "train", n_train)
    Xt, yt = _load(task, "test", n_test)
    print(f"[{task}] train {X.shape}, test {Xt.shape}, load {os.getloadavg()[0]:.1f}", flush=True)
    out: dict[str, Any] = {"task": task, "n_train": X.shape[0], "n_test": Xt.shape[0], "n_features": X.shape[1]}

    knn = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X, y)
    knn_pred, out["sklearn_1nn_predict_s"], out["sklearn_1nn_predict_cpu_s"] = timed(
        lambda: knn.predict(Xt), repeat=repeat
    )

    def faiss_run() -> np.ndarray:
        index = faiss.IndexFlatL2(X.shape[1])
        index.add(np.ascontiguousarray(X, dtype=np.float32))
        _, idx = index.search(np.ascontiguousarray(Xt, dtype=np.float32), 1)
        return y[idx[:, 0]]

    faiss_pred, out["faiss_flatl2_s"], out["faiss_flatl2_cpu_s"] = timed(faiss_run, repeat=repeat)

    X32, Xt32 = X.astype(np.float32), Xt.astype(np.float32)
    _, out["sgemm_bound_s"], out["sgemm_bound_cpu_s"] = timed(lambda: X32 @ Xt32.T, repeat=repeat)

    for condense in ("none", "cover"):
        eff._SEPARATION_CACHE.clear()  # time the full construction
        res, out[f"m1_{condense}_construct_s"], out[f"m1_{condense}_construct_cpu_s"] = timed(
            lambda c=condense: mn.construct(X, y, method="efficient", condense=c, rng=0)
        )
        out[f"m1_{condense}_n_reps"] = res.stats["n_reps"]
        out[f"m1_{condense}_stats"] = {
            k: res.stats[k]
            for k in ("params", "params_nonzero", "params_first_layer", "params_tree_nonzero", "width", "depth",
                      "bottleneck", "margin_guarantee", "verify_seconds")
        }
        codes, out[f"m1_{condense}_predict_s"], out[f"m1_{condense}_predict_cpu_s"] = timed(
            lambda r=res: predict_codes_m1(r.network, Xt), repeat=repeat
        )
        pred = res.classes[codes]
        out[f"m1_{condense}_accuracy"] = float(np.mean(pred == yt))
        if condense == "none":
            out["m1_none_equals_sklearn_1nn"] = float(np.mean(pred == knn_pred))
            out["faiss_equals_sklearn_1nn"] = float(np.mean(faiss_pred == knn_pred))
        print(f"  {condense}: construct {out[f'm1_{condense}_construct_s']:.1f}s "
              f"(cpu {out[f'm1_{condense}_construct_cpu_s']:.1f}s), reps {res.stats['n_reps']}, "
              f"predict {out[f'm1_{condense}_predict_s']:.2f}s (cpu {out[f'm1_{condense}_predict_cpu_s']:.2f}s)",
              flush=True)
    out["sklearn_1nn_accuracy"] = float(np.mean(knn_pred == yt))
    out["ratio_sklearn_over_m1"] = out["sklearn_1nn_predict_s"] / out["m1_none_predict_s"]
    out["ratio_m1_over_faiss"] = out["m1_none_predict_s"] / out["faiss_flatl2_s"]
    out["ratio_m1_over_sgemm"] = out["m1_none_predict_s"] / out["sgemm_bound_s"]
    out["cpu_ratio_sklearn_over_m1"] = out["sklearn_1nn_predict_cpu_s"] / out["m1_none_predict_cpu_s"]
    out["cpu_ratio_m1_over_faiss"] = out["m1_none_predict_cpu_s"] / out["faiss_flatl2_cpu_s"]
    out["load_average_after"] = os.getloadavg()
    print(f"  sklearn 1-NN {out['sklearn_1nn_predict_s']:.2f}s, FAISS {out['faiss_flatl2_s']:.2f}s, "
          f"sgemm {out['sgemm_bound_s']:.2f}s | M1 forward: {out['ratio_sklearn_over_m1']:.2f}x faster than "
          f"sklearn (target >= 3), {out['ratio_m1_over_faiss']:.2f}x FAISS (target <= 1.3), "
          f"{out['ratio_m1_over_sgemm']:.2f}x sgemm; agrees with 1-NN on {out['m1_none_equals_sklearn_1nn']:.4%}; "
          f"CPU-time ratios: sklearn/M1 {out['cpu_ratio_sklearn_over_m1']:.2f}, "
          f"M1/FAISS {out['cpu_ratio_m1_over_faiss']:.2f}", flush=True)
    return out


DEFAULT_VARIANTS = "none,cover,cover:local,cover:local:0.8,cover:local:0.9,consistent"


def _variants(spec: str) -> list[tuple[str, dict[str, Any]]]:
    """``condense[:radius[:alpha]]`` items, comma-separated."""
    out: list[tuple[str, dict[str, Any]]] = []
    for item in spec.split(","):
        parts = item.strip().split(":")
        extra: dict[str, Any] = {}
        if len(parts) > 1:
            extra["radius"] = parts[1]
        if len(parts) > 2:
            extra["alpha"] = float(parts[2])
        out.append((parts[0], extra))
    return out


def accuracy(
    n_train: int | None, n_test: int | None, variants: str = DEFAULT_VARIANTS
) -> tuple[list[dict[str, Any]], str]:
    from sklearn.neighbors import KNeighborsClassifier

    rows: list[dict[str, Any]] = []
    for task in ("0-1", "3-5", "4-9", "all10"):
        X, y = _load(task, "train", n_train)
        Xt, yt = _load(task, "test", n_test)
        knn_acc = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X, y).score(Xt, yt)
        for condense, extra in _variants(variants):
            t0 = time.perf_counter()
            res = mn.construct(X, y, method="efficient", condense=condense, rng=0, **extra)
            secs = time.perf_counter() - t0
            acc = float(np.mean(res.classes[predict_codes_m1(res.network, Xt)] == yt))
            name = condense + "".join(f" {k}={v}" for k, v in extra.items())
            row = {
                "task": task, "condense": name, "n_train": X.shape[0], "n_test": Xt.shape[0],
                "n_reps": res.stats["n_reps"], "params_first_layer": res.stats["params_first_layer"],
                "params_tree_nonzero": res.stats["params_tree_nonzero"],
                "params_fraction_of_Nn": res.stats["params_first_layer"] / (X.shape[0] * X.shape[1]),
                "depth": res.stats["depth"], "width": res.stats["width"], "accuracy": acc,
                "knn_accuracy": knn_acc, "min_margin": float(res.min_margin),
                "margin_guarantee": res.stats["margin_guarantee"], "seconds": secs,
            }
            rows.append(row)
            print(f"{task:>5} {name:<12} reps {row['n_reps']:>6} ({row['params_fraction_of_Nn']:.3f} N n) "
                  f"acc {acc:.4f} (1-NN {knn_acc:.4f}) {secs:.1f}s", flush=True)
    lines = [
        "| task | condense | #reps | params (first layer + tree nnz) | fraction of N*n | depth | accuracy | 1-NN |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['task']} | {r['condense']} | {r['n_reps']} | {r['params_first_layer']} + "
            f"{r['params_tree_nonzero']} | {r['params_fraction_of_Nn']:.3f} | {r['depth']} | "
            f"{100 * r['accuracy']:.2f} | {100 * r['knn_accuracy']:.2f} |"
        )
    return rows, "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--speed", action="store_true", help="speed against sklearn 1-NN and FAISS (default)")
    ap.add_argument("--accuracy", action="store_true", help="accuracy table (pairs 0-1, 3-5, 4-9, all 10)")
    ap.add_argument("--tasks", default="all10,3-5", help="speed tasks, comma-separated (all10, 3-5, 0-1, 4-9)")
    ap.add_argument("--n-train", type=int, default=None, help="first N training images (default all)")
    ap.add_argument("--n-test", type=int, default=None, help="first M test images (default all 10,000)")
    ap.add_argument("--variants", default=DEFAULT_VARIANTS,
                    help="accuracy variants condense[:radius[:alpha]], comma-separated")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="results folder (default benchmarks/results)")
    args = ap.parse_args(argv)
    if args.accuracy:
        rows, table = accuracy(args.n_train, args.n_test, args.variants)
        print(table)
        write_result("bench_m1_accuracy", {"rows": rows, "markdown": table, "args": vars(args)}, args.out)
    if args.speed or not args.accuracy:
        runs = [speed(t, args.n_train, args.n_test, args.repeat) for t in args.tasks.split(",")]
        write_result("bench_m1_speed", {"runs": runs, "args": vars(args), "env_start": environment()}, args.out)


if __name__ == "__main__":
    main()
