"""M1 vs M2 vs M3 and the baselines people would pick instead, on five MNIST pairs.

The paper (Yu, Gao, Zhang, Miao, NeurIPS 2024, Section 7) compares its three memorization
algorithms on the MNIST pairs 0-1, 1-7, 3-5, 4-9 and 2-8 and finds the efficient algorithm
M1 (Theorem 7.3) far ahead of the parameter-optimal M2 (Theorem 4.1) and the
constant-parameter M3 (Theorem 4.3): M2 and M3 memorize through a one-dimensional projection
of the data, which (Section 5) cannot generalize because their bottleneck is < n. Beside them
we put the two baselines a practitioner would use instead:

* ``1-NN``: scikit-learn's 1-nearest-neighbour classifier (stores the training set; its
  "params" are the ``N (n + 1)`` stored numbers);
* ``MLP``: ``memnets.construct(..., method="trained")``, a gradient-trained PyTorch MLP driven
  to 100% training accuracy (the same baseline as the width experiment).

Every memorizing network is verified on every training image before it is tested.

Sizes: quick (default) ``QUICK_PER_CLASS`` training and test images per class (seeded
subsample); ``full=True`` every training and test image of each pair.

Outputs in ``out_dir``: ``compare.json`` (wall-clock times under ``"timing"``),
``compare.csv`` and ``compare.png`` (grouped bars: accuracy and non-zero params per pair).
"""

from __future__ import annotations

import csv
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import memnets as mn
from memnets import OptionError
from memnets.experiments import _plots
from memnets.experiments._options import RunOptions
from memnets.experiments._pair_data import derived_seed, drop_conflicts, load_pair_cached
from memnets.experiments._runner import header, summary, write_json
from memnets.experiments.pairs import DATASETS

__all__ = ["METHODS", "PAIRS", "run"]

#: the paper's five MNIST pairs
PAIRS: tuple[tuple[int, int], ...] = ((0, 1), (1, 7), (3, 5), (4, 9), (2, 8))
#: display name -> memnets construction (None: the scikit-learn 1-NN baseline)
METHODS: dict[str, str | None] = {
    "M1": "efficient",
    "M2": "optimal",
    "M3": "constant",
    "1-NN": None,
    "MLP": "trained",
}
QUICK_PER_CLASS = (500, 500)  # the same images as the pairs experiment's MNIST cells
TINY_PER_CLASS = (40, 40)
CSV_COLUMNS = (
    "pair", "method", "construction", "n_train", "n_test", "accuracy", "train_accuracy", "params",
    "params_nonzero", "width", "depth", "max_weight_bits", "seconds",
)


def _compare_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """One (pair, method) cell: build on the training images, score on the test images."""
    pair = (int(cell["a"]), int(cell["b"]))
    X, y = load_pair_cached(cell["data"], pair, "train", cell["n_train"], cell["seed"], None)
    Xt, yt = load_pair_cached(cell["data"], pair, "test", cell["n_test"], cell["seed"], None)
    X, y, dropped = drop_conflicts(X, y)
    method = METHODS[cell["method"]]
    row: dict[str, Any] = {
        "pair": f"{pair[0]}-{pair[1]}", "method": cell["method"], "construction": method or "sklearn-1nn",
        "n_train": len(y), "n_test": len(yt), "dropped_conflicts": dropped,
    }
    start = time.perf_counter()
    if method is None:
        from sklearn.neighbors import KNeighborsClassifier

        knn = KNeighborsClassifier(n_neighbors=1).fit(X, y)
        built = time.perf_counter()
        accuracy = float(np.mean(knn.predict(Xt) == yt))
        row.update(
            accuracy=accuracy, train_accuracy=float(np.mean(knn.predict(X) == y)), verified=None,
            params=int(X.size + len(y)), params_nonzero=int(np.count_nonzero(X) + len(y)),
            width=None, depth=None, max_weight_bits=None,
            timing={"construction_seconds": built - start, "test_seconds": time.perf_counter() - built},
        )
        return row
    res = mn.construct(X, y, method=method, rng=derived_seed(cell["seed"], *pair, 7))
    built = time.perf_counter()
    accuracy = res.score(Xt, yt)
    tested = time.perf_counter()
    s = res.stats
    row.update(
        accuracy=accuracy, train_accuracy=res.score(X, y), verified=bool(res.verified),
        params=s["params"], params_nonzero=s["params_nonzero"], width=s["width"], depth=s["depth"],
        max_weight_bits=s.get("max_weight_bits"), engine=res.engine,
        timing={"construction_seconds": s["seconds"], "verify_seconds": s.get("verify_seconds"),
                "wall_build_seconds": built - start, "test_seconds": tested - built},
    )
    return row


def run(
    out_dir: RunOptions | str | os.PathLike[str],
    *,
    data: str | None = None,
    pairs: Sequence[tuple[int, int]] | None = None,
    methods: Sequence[str] = tuple(METHODS),
    n_train: int | None = None,
    n_test: int | None = None,
    **run_options: Any,
) -> dict[str, Any]:
    """Compare M1, M2, M3, 1-NN and a trained MLP on class pairs; write ``compare.*``.

    ``out_dir`` is the output folder or the whole :class:`~memnets.experiments.RunOptions`;
    ``run_options`` are its other fields (``full``, ``jobs``, ``seed``, ``profile`` ...).
    ``n_train``/``n_test`` are images per class (default: quick ``QUICK_PER_CLASS``, full
    all). ``data`` (default ``"mnist"``) may be any ten-class dataset of
    :mod:`memnets.experiments.pairs`; ``pairs`` defaults to :data:`PAIRS`. The ``"tiny"``
    profile (test suite) runs the first two pairs on ``digits``, 40 + 40 images per class.
    Returns ``{"name", "json", "csv", "plots", "markdown", "mean_accuracy", ...}``.
    """
    opts = RunOptions.coerce(out_dir, run_options, experiment="compare")
    started = time.perf_counter()
    for m in methods:
        if m not in METHODS:
            raise OptionError(f"compare: unknown method {m!r}; valid methods are {tuple(METHODS)}")
    if opts.profile == "tiny":
        default: tuple[int | None, int | None] = TINY_PER_CLASS
        data = data or "digits"
        pairs = pairs or PAIRS[:2]
    elif opts.full:
        default = (None, None)
    else:
        default = QUICK_PER_CLASS
    data = data or "mnist"
    if data not in DATASETS:
        raise OptionError(f"compare: unknown dataset {data!r}; valid datasets are {DATASETS}")
    ntr = n_train if n_train is not None else default[0]
    nte = n_test if n_test is not None else default[1]
    pair_list = [(int(a), int(b)) for a, b in (pairs or PAIRS)]
    cells = [
        {"data": data, "a": a, "b": b, "method": m, "n_train": ntr, "n_test": nte, "seed": opts.seed}
        for a, b in pair_list
        for m in methods
    ]
    counts: dict[str, int] = {}
    rows = opts.run_cells(_compare_cell, cells, desc="compare", counts=counts)
    mean = {m: float(np.mean([r["accuracy"] for r in rows if r["method"] == m])) for m in methods}
    claim = _claim(rows, pair_list, methods)
    doc = {
        **header("compare", opts, data=data, per_class={"train": ntr, "test": nte}),
        "pairs": [f"{a}-{b}" for a, b in pair_list],
        "methods": {m: METHODS[m] or "sklearn-1nn" for m in methods},
        "mean_accuracy": mean,
        "claim": claim,
        "rows": rows,
        "timing": {"wall_seconds": time.perf_counter() - started, "cells": counts},
    }
    json_path = write_json(opts.out_dir / "compare.json", doc)
    csv_path = _write_csv(opts.out_dir / "compare.csv", rows)
    plot = _plot(opts.out_dir / "compare.png", rows, pair_list, methods, data)
    return summary("compare", json_path, [plot], _markdown(rows, methods, mean, data, ntr, nte, plot, claim),
                   csv=str(csv_path), mean_accuracy=mean, claim=claim)


def _claim(rows: list[dict[str, Any]], pairs: list[tuple[int, int]], methods: Sequence[str]) -> dict[str, Any]:
    """The paper's claim, checked: M1's test accuracy above M2's and M3's on every pair."""
    rivals = [m for m in ("M2", "M3") if m in methods]
    if "M1" not in methods or not rivals:
        return {"checked": False}
    acc = {(r["pair"], r["method"]): r["accuracy"] for r in rows}
    gaps = {f"{a}-{b}": acc[(f"{a}-{b}", "M1")] - max(acc[(f"{a}-{b}", m)] for m in rivals) for a, b in pairs}
    return {"checked": True, "rivals": rivals, "holds": all(g > 0 for g in gaps.values()),
            "smallest_gap": min(gaps.values()), "gap_per_pair": gaps}


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            writer.writerow([
                r["pair"], r["method"], r["construction"], r["n_train"], r["n_test"], f"{r['accuracy']:.6f}",
                f"{r['train_accuracy']:.6f}", r["params"], r["params_nonzero"], r["width"], r["depth"],
                r["max_weight_bits"], f"{r['timing']['construction_seconds']:.4f}",
            ])
    return path


def _plot(path: Path, rows: list[dict[str, Any]], pairs: list[tuple[int, int]], methods: Sequence[str], data: str) -> Path:
    groups = [f"{a}-{b}" for a, b in pairs]
    pick = {(r["pair"], r["method"]): r for r in rows}
    panels: dict[str, dict[str, Sequence[float]]] = {
        "test accuracy": {m: [pick[(g, m)]["accuracy"] for g in groups] for m in methods},
        "non-zero params": {m: [float(pick[(g, m)]["params_nonzero"]) for g in groups] for m in methods},
    }
    return _plots.grouped_bars(path, groups, panels, title=f"Memorization algorithms and baselines on {data} pairs",
                        log_panels=("non-zero params",), ylims={"test accuracy": (0.0, 1.0)},
                        hlines={"test accuracy": 0.5})


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.2f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def _markdown(
    rows: list[dict[str, Any]], methods: Sequence[str], mean: dict[str, float], data: str,
    ntr: int | None, nte: int | None, plot: Path, claim: dict[str, Any],
) -> str:
    size = "all images of each pair" if ntr is None else f"{ntr} training / {nte} test images per class"
    lines = []
    if claim["checked"]:
        verdict = "holds" if claim["holds"] else "does NOT hold"
        lines += [
            f"**Paper's claim:** M1 is far ahead of {' and '.join(claim['rivals'])} on these pairs. "
            f"**Measured:** the claim {verdict} on every pair; smallest accuracy gap "
            f"M1 - max({', '.join(claim['rivals'])}) = {claim['smallest_gap']:.3f}.",
            "",
        ]
    lines += [
        f"Five {data} pairs, {size}. M1 = Theorem 7.3 (`efficient`), M2 = Theorem 4.1 (`optimal`), "
        "M3 = Theorem 4.3 (`constant`), 1-NN = scikit-learn, MLP = gradient-trained to 100% "
        "training accuracy (`trained`). Every memorizing network is verified on its training set "
        "(build s = construction, verify s = the exact or certified check on every training image).",
        "",
        "Mean test accuracy: " + ", ".join(f"{m} {mean[m]:.4f}" for m in methods)
        + ". All numbers: [compare.csv](compare.csv).",
        "",
        "| pair | method | test acc. | train acc. | params | nonzero | width | depth | weight bits | build s | verify s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['pair']} | {r['method']} | {r['accuracy']:.4f} | {r['train_accuracy']:.4f} | "
            f"{_fmt(r['params'])} | {_fmt(r['params_nonzero'])} | {_fmt(r['width'])} | {_fmt(r['depth'])} | "
            f"{_fmt(r['max_weight_bits'])} | {r['timing']['construction_seconds']:.2f} | "
            f"{_fmt(r['timing'].get('verify_seconds'))} |"
        )
    lines += ["", f"![compare]({plot.name})", ""]
    return "\n".join(lines)
