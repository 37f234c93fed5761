"""M1 (efficient memorization) on MNIST: speed against 1-NN baselines, and accuracy.

Speed (``--speed``, default): for all 10 classes (60,000 training images) and the pair 3-vs-5,
measured in the same run:

* scikit-learn ``KNeighborsClassifier(n_neighbors=1, algorithm="brute")``: predict on the
  10,000 test images (float64 input, as users pass it);
* FAISS ``IndexFlatL2`` (float32): add + search k=1;
* the machine's float32 GEMM bound for that work: one ``test @ train.T`` product;
* memnets M1: ``construct(condense="none")`` and ``"cover"`` (wall time, verification
  included), and the network's own forward pass with certified decisions
  (:func:`memnets._engines.decide.predict_codes` with the ``m1-certified`` engine), checked equal to 1-NN.

Accuracy (``--accuracy``): pairs 0-1, 3-5, 4-9 and all 10 classes, condensing rules of
:mod:`memnets._geometry.condense` (``--methods``; ``--curves`` adds the
accuracy-vs-#representatives sweeps and a PNG): test accuracy, number of representatives,
first-layer parameters as a fraction of ``N n``, 1-NN accuracy, and an exact proof that each
representative set memorizes the training set; prints a Markdown table.

Usage::

    .venv/bin/python benchmarks/bench_m1.py --speed [--n-train N] [--n-test M]
    .venv/bin/python benchmarks/bench_m1.py --accuracy [--curves] [--cv 5] [--methods none,cover:0.9:2]

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
from memnets._engines.decide import predict_codes

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
            lambda r=res: predict_codes(r.network, Xt, "m1-certified"), repeat=repeat
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


#: the accuracy table: ``none`` (every sample, = 1-NN) and ``rule:param[:k]`` condensings
#: of :func:`memnets._geometry.condense.condense` (param = alpha for cover/mss,
#: lam for hart/fcnn); the first condensing listed is the recommended default
DEFAULT_METHODS = "none,cover:0.9:2,cover:0.95:3,cover:1:5,cover:0.85:1,mss:1:2,mss:1:3,hart:1,hart:0.85,fcnn:0.85"
#: the accuracy-vs-#reps curves (``--curves``): family -> sweep
CURVES: dict[str, list[str]] = {
    "cover k=1, alpha 1..0.8": [f"cover:{a}:1" for a in (1, 0.95, 0.9, 0.85, 0.8)],
    "cover alpha=1, k 1..6": [f"cover:1:{k}" for k in (1, 2, 3, 4, 5, 6)],
    "cover alpha=0.95, k 1..4": [f"cover:0.95:{k}" for k in (1, 2, 3, 4)],
    "mss alpha=1, k 1..5": [f"mss:1:{k}" for k in (1, 2, 3, 4, 5)],
    "hart lam 1..0.8": [f"hart:{lam}" for lam in (1, 0.95, 0.9, 0.85, 0.8)],
    "fcnn lam 1..0.8": [f"fcnn:{lam}" for lam in (1, 0.95, 0.9, 0.85, 0.8)],
}


def _method(spec: str) -> tuple[str, dict[str, Any]]:
    """``none`` or ``rule:param[:k]`` -> (rule, condense() keywords)."""
    parts = spec.strip().split(":")
    rule = parts[0]
    if rule == "none":
        return rule, {}
    if rule in ("cover", "mss"):
        kw: dict[str, Any] = {"alpha": float(parts[1]) if len(parts) > 1 else 1.0}
        kw["k"] = int(parts[2]) if len(parts) > 2 else 1
        return rule, kw
    if rule in ("hart", "fcnn"):
        return rule, {"lam": float(parts[1]) if len(parts) > 1 else 1.0}
    raise SystemExit(f"unknown accuracy method {spec!r} (none, cover:a[:k], mss:a[:k], hart:lam, fcnn:lam)")


def accuracy(
    n_train: int | None,
    n_test: int | None,
    methods: str = DEFAULT_METHODS,
    *,
    curves: bool = False,
    check: bool = True,
    tasks: str = "0-1,3-5,4-9,all10",
    out: Path | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """Condensed M1 against 1-NN on MNIST: #representatives, parameters, test accuracy.

    The test accuracy of M1 on representatives ``S`` is measured by scikit-learn's
    brute-force 1-NN on ``S`` (M1 *is* the nearest-representative rule: equality is
    tested in ``tests/test_efficient.py``). The nearest-enemy bounds ``c_x`` are computed
    once per task (``c2_seconds``) and shared by the rules. With ``check`` every rep set
    of ``methods`` is proven consistent on all training samples
    (:func:`_condense.is_consistent`, exact): M1 on it memorizes. ``fraction_of_Nn`` = first-layer parameters ``R (n + 1)`` over
    ``N n``. With ``curves`` the sweeps of :data:`CURVES` run too (checked as well) and
    ``bench_m1_accuracy.png`` plots accuracy minus 1-NN against ``R / N``.
    """
    from sklearn.neighbors import KNeighborsClassifier

    from _common import RESULTS_DIR
    from memnets._geometry import condense as _condense

    specs = [s.strip() for s in methods.split(",") if s.strip()]
    listed = set(specs)
    if curves:
        for fam in CURVES.values():
            specs += [s for s in fam if s not in specs]
    rows: list[dict[str, Any]] = []
    for task in tasks.split(","):
        X, y = _load(task, "train", n_train)
        Xt, yt = _load(task, "test", n_test)
        N, n = X.shape
        knn_acc = float(KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X, y).score(Xt, yt))
        t0 = time.perf_counter()
        c2_lower = _condense.nearest_enemy_sq(X, y)[1]
        c2_secs = time.perf_counter() - t0
        print(f"[{task}] N={N}, test {Xt.shape[0]}, 1-NN {knn_acc:.4f}, nearest-enemy pass {c2_secs:.1f}s", flush=True)
        for spec in specs:
            rule, kw = _method(spec)
            t0 = time.perf_counter()
            reps = np.arange(N) if rule == "none" else _condense.condense(X, y, rule, c2_lower=c2_lower, **kw)
            secs = time.perf_counter() - t0
            acc = float(KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X[reps], y[reps]).score(Xt, yt))
            # "none" is every sample (consistent as the separation is > 0); curve-only runs
            # are not re-checked (each rule proves consistency as it builds)
            checked = check and rule != "none" and spec in listed
            memorizes = bool(_condense.is_consistent(X, y, reps).all()) if checked else None
            row = {
                "task": task, "method": spec, "rule": rule, **kw, "n_train": N, "n_test": Xt.shape[0],
                "n_reps": int(reps.size), "reps_fraction": reps.size / N,
                "params_first_layer": int(reps.size) * (n + 1),
                "fraction_of_Nn": reps.size * (n + 1) / (N * n),
                "accuracy": acc, "knn_accuracy": knn_acc, "diff_points": 100 * (acc - knn_acc),
                "within_half_point": bool(100 * (knn_acc - acc) <= 0.5),
                "seconds": secs, "c2_seconds": c2_secs, "memorizes": memorizes,
            }
            rows.append(row)
            print(f"{task:>5} {spec:<12} reps {reps.size:>6} ({row['fraction_of_Nn']:.3f} N n) acc {acc:.4f} "
                  f"({row['diff_points']:+.2f} vs 1-NN) {secs:.1f}s memorizes={memorizes}", flush=True)
    lines = [
        "| task | method | #reps | first-layer params / (N n) | accuracy | 1-NN | diff (points) | seconds | memorizes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['task']} | {r['method']} | {r['n_reps']} | {r['fraction_of_Nn']:.3f} | "
            f"{100 * r['accuracy']:.2f} | {100 * r['knn_accuracy']:.2f} | {r['diff_points']:+.2f} | "
            f"{r['seconds']:.1f} | {'proven' if r['memorizes'] else ('FAILED' if r['memorizes'] is False else '-')} |"
        )
    if curves:
        _plot_curves(rows, (out or RESULTS_DIR) / "bench_m1_accuracy.png")
    return rows, "\n".join(lines)


def _plot_curves(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)

    tasks = list(dict.fromkeys(r["task"] for r in rows))
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.2 * len(tasks), 3.6), squeeze=False)
    for ax, task in zip(axes[0], tasks, strict=True):
        by_spec = {r["method"]: r for r in rows if r["task"] == task}
        for family, fam_specs in CURVES.items():
            fam = sorted((by_spec[s] for s in fam_specs if s in by_spec), key=lambda r: r["reps_fraction"])
            ax.plot([r["reps_fraction"] for r in fam], [r["diff_points"] for r in fam], "o-", ms=3, label=family)
        ax.axhline(-0.5, color="k", ls=":", lw=1)
        ax.axvline(1 / 3, color="grey", ls=":", lw=1)
        ax.set_title(f"MNIST {task}")
        ax.set_xlabel("#reps / N")
        ax.set_ylabel("accuracy - 1-NN (points)")
    axes[0][-1].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"wrote {path}")


def accuracy_cv(
    methods: str = DEFAULT_METHODS, *, folds: int = 5, tasks: str = "3-5,4-9", seed: int = 0
) -> tuple[list[dict[str, Any]], str]:
    """The same comparison by ``folds``-fold cross-validation on the *training* set.

    A second, independent estimate for choosing defaults (the test sets have 2k-10k
    images: +-0.2 points is noise). Per task, the training set is split by a seeded
    permutation; each fold is classified by 1-NN on the other folds and by 1-NN on their
    condensing; ``diff_points`` pools all held-out samples (= N of them).
    """
    from sklearn.neighbors import KNeighborsClassifier

    from memnets._geometry import condense as _condense

    specs = [s.strip() for s in methods.split(",") if s.strip() and s.strip() != "none"]
    rows: list[dict[str, Any]] = []
    for task in tasks.split(","):
        X, y = _load(task, "train", None)
        parts = np.array_split(np.random.default_rng(seed).permutation(len(y)), folds)
        hits = dict.fromkeys(specs, 0)
        frac = dict.fromkeys(specs, 0.0)
        full = 0
        for f in range(folds):
            tr = np.sort(np.concatenate([parts[g] for g in range(folds) if g != f]))
            va = parts[f]
            Xa, ya = X[tr], y[tr]
            full += int((KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(Xa, ya).predict(X[va]) == y[va]).sum())
            low = _condense.nearest_enemy_sq(Xa, ya)[1]
            for spec in specs:
                rule, kw = _method(spec)
                reps = _condense.condense(Xa, ya, rule, c2_lower=low, **kw)
                knn = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(Xa[reps], ya[reps])
                hits[spec] += int((knn.predict(X[va]) == y[va]).sum())
                frac[spec] += reps.size / len(ya) / folds
        for spec in specs:
            row = {"task": task, "method": spec, "folds": folds, "seed": seed, "reps_fraction": frac[spec],
                   "knn_accuracy": full / len(y), "accuracy": hits[spec] / len(y),
                   "diff_points": 100 * (hits[spec] - full) / len(y)}
            rows.append(row)
            print(f"[cv {task}] {spec:<12} reps {frac[spec]:.3f} N, {row['diff_points']:+.2f} points vs 1-NN", flush=True)
    lines = ["| task | method | #reps / N | diff vs 1-NN (points, CV) |", "|---|---|---:|---:|"]
    lines += [f"| {r['task']} | {r['method']} | {r['reps_fraction']:.3f} | {r['diff_points']:+.2f} |" for r in rows]
    return rows, "\n".join(lines)


#: ``construct`` options of the compact preset measured end to end by ``--end-to-end``
COMPACT = {"condense": "cover", "radius": "local", "alpha": 0.9, "k": 2}


def end_to_end(tasks: str, n_train: int | None, n_test: int | None) -> tuple[list[dict[str, Any]], str]:
    """The compact preset through the public API: ``mn.construct(X, y, method="efficient",
    **COMPACT)`` (verified on every training sample before it returns), then the network's
    own certified forward pass on the test set (``res.predict``), against 1-NN on all of
    ``X``. Checks that the network agrees with 1-NN on its representatives."""
    from sklearn.neighbors import KNeighborsClassifier

    rows: list[dict[str, Any]] = []
    for task in tasks.split(","):
        X, y = _load(task, "train", n_train)
        Xt, yt = _load(task, "test", n_test)
        knn_acc = float(KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X, y).score(Xt, yt))
        res, secs, cpu = timed(lambda X=X, y=y: mn.construct(X, y, method="efficient", rng=0, **COMPACT))
        pred, psecs, _ = timed(lambda r=res, Xt=Xt: r.predict(Xt))
        reps = res.info["representatives"]
        on_reps = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X[reps], y[reps]).predict(Xt)
        N, n = X.shape
        row = {
            "task": task, "options": COMPACT, "n_train": N, "n_test": Xt.shape[0],
            "n_reps": res.stats["n_reps"], "fraction_of_Nn": res.stats["params_first_layer"] / (N * n),
            "params": res.stats["params"], "params_nonzero": res.stats["params_nonzero"],
            "nonzero_fraction_of_Nn": res.stats["params_nonzero"] / (N * n),
            "depth": res.stats["depth"], "verified": res.verified, "min_margin": float(res.min_margin),
            "margin_guarantee": res.stats["margin_guarantee"],
            "accuracy": float(np.mean(pred == yt)), "knn_accuracy": knn_acc,
            "equals_1nn_on_reps": float(np.mean(pred == on_reps)),
            "construct_s": secs, "construct_cpu_s": cpu, "predict_s": psecs,
        }
        row["diff_points"] = 100 * (row["accuracy"] - knn_acc)
        rows.append(row)
        print(f"{task:>5} reps {row['n_reps']:>6} ({row['fraction_of_Nn']:.3f} N n) acc {row['accuracy']:.4f} "
              f"({row['diff_points']:+.2f} vs 1-NN) construct {secs:.1f}s predict {psecs:.1f}s "
              f"verified={res.verified} equals-1NN-on-reps={row['equals_1nn_on_reps']:.4f}", flush=True)
    lines = [
        "| task | #reps | first-layer params / (N n) | non-zero params / (N n) | depth | accuracy | 1-NN | "
        "diff (points) | construct s | verified |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['task']} | {r['n_reps']} | {r['fraction_of_Nn']:.3f} | {r['nonzero_fraction_of_Nn']:.3f} | {r['depth']} | "
            f"{100 * r['accuracy']:.2f} | "
            f"{100 * r['knn_accuracy']:.2f} | {r['diff_points']:+.2f} | {r['construct_s']:.1f} | {r['verified']} |"
        )
    return rows, "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--speed", action="store_true", help="speed against sklearn 1-NN and FAISS (default)")
    ap.add_argument("--accuracy", action="store_true", help="accuracy table (pairs 0-1, 3-5, 4-9, all 10)")
    ap.add_argument("--tasks", default="all10,3-5", help="speed tasks, comma-separated (all10, 3-5, 0-1, 4-9)")
    ap.add_argument("--n-train", type=int, default=None, help="first N training images (default all)")
    ap.add_argument("--n-test", type=int, default=None, help="first M test images (default all 10,000)")
    ap.add_argument("--methods", default=DEFAULT_METHODS,
                    help="accuracy: none and condensings rule:param[:k] (cover/mss: alpha, k; hart/fcnn: lam)")
    ap.add_argument("--curves", action="store_true", help="accuracy: also the accuracy-vs-#reps sweeps (+ PNG)")
    ap.add_argument("--no-check", action="store_true",
                    help="accuracy: skip the exact proof that every rep set memorizes the training set")
    ap.add_argument("--accuracy-tasks", default="0-1,3-5,4-9,all10", help="accuracy tasks, comma-separated")
    ap.add_argument("--cv", type=int, default=0, metavar="FOLDS",
                    help="accuracy: also FOLDS-fold cross-validation of --methods on the training sets of 3-5 and 4-9")
    ap.add_argument("--end-to-end", action="store_true",
                    help="the compact preset (COMPACT) through mn.construct + the network's predict, all 4 tasks")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="results folder (default benchmarks/results)")
    args = ap.parse_args(argv)
    if args.accuracy:
        rows, table = accuracy(args.n_train, args.n_test, args.methods, curves=args.curves,
                               check=not args.no_check, tasks=args.accuracy_tasks, out=args.out)
        print(table)
        payload: dict[str, Any] = {"rows": rows, "markdown": table, "args": vars(args)}
        if args.cv:
            payload["cv_rows"], payload["cv_markdown"] = accuracy_cv(args.methods, folds=args.cv)
            print(payload["cv_markdown"])
        write_result("bench_m1_accuracy", payload, args.out)
    if args.end_to_end:
        rows, table = end_to_end(args.accuracy_tasks, args.n_train, args.n_test)
        print(table)
        write_result("bench_m1_end_to_end", {"rows": rows, "markdown": table, "args": vars(args)}, args.out)
    if args.speed or not (args.accuracy or args.end_to_end):
        runs = [speed(t, args.n_train, args.n_test, args.repeat) for t in args.tasks.split(",")]
        write_result("bench_m1_speed", {"runs": runs, "args": vars(args), "env_start": environment()}, args.out)


if __name__ == "__main__":
    main()
