"""Benchmark: memnets at the paper's real-data scales, against scikit-learn's brute 1-NN in the same run.

Tasks (``--task``):

* ``cifar-pair``: the paper's Theorem 7.3 network (``method="pairwise"``) on one genuine
  CIFAR-10 pair (default airplane vs automobile), 3,000 training images per label (the first
  3,000 PNG files of each class folder, sorted by name) read with PIL from
  ``--cifar-root/{train,test}/<class>/*.png``: built, verified on every training sample,
  then ``score`` on the pair's 2,000 test images. Baseline: ``KNeighborsClassifier(1,
  algorithm="brute")`` fitted on the same 6,000 images, predicting the same 8,000 queries
  (training + test images).
* ``mnist-efficient``: ``method="efficient"`` on all of MNIST (60,000 x 784, ten classes),
  built and verified, with the default options and with ``--options`` (a Python dict literal,
  default the compact preset spelled out, so the figure stays comparable if the default
  changes). Baseline: the brute 1-NN predicting the 10,000 test images.

Every figure is given as wall and CPU seconds (``time.process_time``; BLAS threads count)
and as a ratio to the baseline measured in the same run; peak RSS of the process. Results:
``benchmarks/results/bench_paper_scale_<task>.json``. ``--profile`` prints the top functions.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import io
import pstats
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import memnets as mn
from _common import write_result

COMPACT = {"condense": "cover", "alpha": 0.9, "radius": "local", "k": 2}


def _rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


def _clock(fn: Any) -> tuple[Any, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def _pngs(root: Path, split: str, cls: str, n: int | None) -> np.ndarray:
    from PIL import Image

    files = sorted((root / split / cls).glob("*.png"))[:n]
    if not files:
        raise SystemExit(f"no PNG files in {root / split / cls}")
    return np.stack([np.asarray(Image.open(f), dtype=np.uint8).reshape(-1) for f in files]) / 255.0


def _knn(X: np.ndarray, y: np.ndarray, Q: np.ndarray) -> tuple[np.ndarray, float, float]:
    from sklearn.neighbors import KNeighborsClassifier

    return _clock(lambda: KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X, y).predict(Q))


def _profiled(fn: Any, profile: bool, top: int) -> tuple[Any, float, float, list[str]]:
    prof = cProfile.Profile() if profile else None
    if prof:
        prof.enable()
    out, wall, cpu = _clock(fn)
    lines: list[str] = []
    if prof:
        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("cumtime").print_stats(top)
        lines = buf.getvalue().splitlines()
    return out, wall, cpu, lines


def cifar_pair(args: argparse.Namespace) -> dict[str, Any]:
    a, b = args.classes.split(",")
    root = Path(args.cifar_root)
    X = np.vstack([_pngs(root, "train", a, args.per_label), _pngs(root, "train", b, args.per_label)])
    y = np.repeat([0, 1], [X.shape[0] // 2, X.shape[0] - X.shape[0] // 2])
    Xt = np.vstack([_pngs(root, "test", a, None), _pngs(root, "test", b, None)])
    yt = np.repeat([0, 1], [Xt.shape[0] // 2, Xt.shape[0] - Xt.shape[0] // 2])
    pred, k_wall, k_cpu = _knn(X, y, np.vstack([X, Xt]))

    def run() -> tuple[Any, float]:
        res = mn.construct(X, y, method="pairwise", rng=0)
        return res, res.score(Xt, yt)

    (res, acc), wall, cpu, lines = _profiled(run, args.profile, args.top)
    return {
        "task": "cifar-pair", "classes": [a, b], "n_train": int(X.shape[0]), "n_test": int(Xt.shape[0]),
        "subject_wall": wall, "subject_cpu": cpu, "build_verify_seconds": res.stats["seconds"] + res.stats["verify_seconds"],
        "accuracy": acc, "knn_accuracy": float(np.mean(pred[X.shape[0]:] == yt)),
        "baseline_wall": k_wall, "baseline_cpu": k_cpu,
        "ratio_wall": wall / k_wall, "ratio_cpu": cpu / k_cpu, "peak_rss_gib": _rss_gib(), "profile": lines,
    }


def mnist_efficient(args: argparse.Namespace) -> dict[str, Any]:
    X, y = mn.datasets.load("mnist", split="train")
    Xt, _ = mn.datasets.load("mnist", split="test")
    _, k_wall, k_cpu = _knn(X, y, Xt)
    out: dict[str, Any] = {"task": "mnist-efficient", "n_train": int(X.shape[0]), "baseline_wall": k_wall,
                           "baseline_cpu": k_cpu, "runs": []}
    options = ast.literal_eval(args.options) if args.options else COMPACT
    for name, opts in (("default", {}), ("explicit", options)):
        res, wall, cpu, lines = _profiled(lambda o=opts: mn.construct(X, y, method="efficient", rng=0, **o),
                                          args.profile, args.top)
        out["runs"].append({"options": name, "resolved": res.stats.get("options"), "verified": res.verified,
                            "wall": wall, "cpu": cpu, "ratio_wall": wall / k_wall, "ratio_cpu": cpu / k_cpu,
                            "profile": lines})
    out["peak_rss_gib"] = _rss_gib()
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", choices=("cifar-pair", "mnist-efficient"), default="cifar-pair")
    ap.add_argument("--cifar-root", default="/work/data/cifar10-png")
    ap.add_argument("--classes", default="airplane,automobile")
    ap.add_argument("--per-label", type=int, default=3000)
    ap.add_argument("--options", default="", help="mnist-efficient: explicit options (dict literal)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args(argv)
    r = cifar_pair(args) if args.task == "cifar-pair" else mnist_efficient(args)
    if args.task == "cifar-pair":
        print(f"pairwise, {r['classes']} ({r['n_train']} train, {r['n_test']} test): {r['subject_wall']:.1f} s wall, "
              f"{r['subject_cpu']:.1f} s CPU; 1-NN brute on the same {r['n_train'] + r['n_test']} queries "
              f"{r['baseline_wall']:.1f} s wall, {r['baseline_cpu']:.1f} s CPU; ratio {r['ratio_wall']:.2f}x wall, "
              f"{r['ratio_cpu']:.2f}x CPU; peak RSS {r['peak_rss_gib']:.2f} GiB; accuracy {r['accuracy']:.4f} "
              f"(1-NN {r['knn_accuracy']:.4f})")
    else:
        print(f"1-NN brute, 10,000 MNIST test images: {r['baseline_wall']:.1f} s wall, {r['baseline_cpu']:.1f} s CPU")
        for run in r["runs"]:
            print(f"efficient ({run['options']}: {run['resolved']}): {run['wall']:.1f} s wall, {run['cpu']:.1f} s CPU; "
                  f"ratio {run['ratio_wall']:.2f}x wall, {run['ratio_cpu']:.2f}x CPU")
        print(f"peak RSS {r['peak_rss_gib']:.2f} GiB")
    if args.profile:
        for lines in [r.get("profile", [])] + [run["profile"] for run in r.get("runs", [])]:
            print("\n".join(lines[: args.top + 10]))
    write_result(f"bench_paper_scale_{args.task}", {"args": vars(args), **r})
    return r


if __name__ == "__main__":
    main()
