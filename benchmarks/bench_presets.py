"""``efficient``'s presets against 1-NN: test accuracy and network size on real data.

For every preset (``--presets``: ``name=option:value,...``; default: the library's presets)
and every dataset, measured in the same run as its 1-NN baseline (scikit-learn
``KNeighborsClassifier(n_neighbors=1)`` on the same training set):

* ``digits``: scikit-learn's digits, 3-fold cross-validation (``StratifiedKFold(3)``, no
  shuffle) of ``MemorizationClassifier(method="efficient", **preset)`` against 1-NN;
* ``mnist`` / ``fashion``: every pair of labels (45 each), ``--per-label`` training images
  per label (default 500, the paper's Table 1; a seeded stratified subsample), tested on
  every test image of the pair;
* ``mnist10``: all ten digits, ``--per-label`` images per label, the full test set;
* ``cifar``: CIFAR-10 pairs (``--cifar-pairs``), read from a PNG folder
  ``DIR/{train,test}/<class>/*.png`` (``--cifar-dir``, classes sorted by name),
  ``--cifar-per-label`` training images per label, every test image of the pair.

Every network is built by ``memnets.construct`` and so verified on every training sample
(margin checked) before it is measured. Size: representatives ``R`` and parameters (dense
count). Prints a Markdown table per dataset group and writes
``benchmarks/results/bench_presets.json``.

Usage::

    .venv/bin/python benchmarks/bench_presets.py                       # everything
    .venv/bin/python benchmarks/bench_presets.py --datasets digits,mnist10
    .venv/bin/python benchmarks/bench_presets.py --presets "a=preset:compact" "b=alpha:0.7"
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import memnets as mn
from _common import write_result

CIFAR_DIR = Path("/work/data/cifar10-png")
DATASETS = ("digits", "mnist", "fashion", "mnist10", "cifar")


def parse_preset(text: str) -> tuple[str, dict[str, Any]]:
    """``"name=opt:val,opt:val"`` -> (name, options); values parsed as int, float or str."""
    name, _, rest = text.partition("=")
    opts: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, _, raw = item.partition(":")
        value: Any = raw
        for cast in (int, float):
            try:
                value = cast(raw)
                break
            except ValueError:
                continue
        opts[key] = value
    return name, opts


def default_presets() -> list[tuple[str, dict[str, Any]]]:
    from memnets._constructions.efficient import PRESETS

    return [(name, {"preset": name}) for name in PRESETS]


def one_nn(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray) -> float:
    from sklearn.neighbors import KNeighborsClassifier

    return float((KNeighborsClassifier(n_neighbors=1).fit(Xtr, ytr).predict(Xte) == yte).mean())


def measure(Xtr: np.ndarray, ytr: np.ndarray, Xte: np.ndarray, yte: np.ndarray, opts: dict[str, Any]
            ) -> dict[str, Any]:
    t0 = time.perf_counter()
    res = mn.construct(Xtr, ytr, method="efficient", rng=0, **opts)
    assert res.verified  # construct verified the margin on every training sample
    return {"accuracy": float(res.score(Xte, yte)), "reps": int(res.stats["n_reps"]),
            "params": int(res.network.num_params()), "seconds": time.perf_counter() - t0}


def digits_cv(presets: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    X, y = load_digits(return_X_y=True)
    cv = StratifiedKFold(3)
    row: dict[str, Any] = {"name": "digits", "1nn": float(cross_val_score(KNeighborsClassifier(1), X, y, cv=cv).mean())}
    for name, opts in presets:
        acc = float(cross_val_score(mn.MemorizationClassifier("efficient", **opts), X, y, cv=cv).mean())
        full = mn.MemorizationClassifier("efficient", **opts).fit(X, y).result_
        row[name] = {"accuracy": acc, "reps": int(full.stats["n_reps"]), "params": int(full.network.num_params())}
    return row


def split(name: str, classes: Any, per_label: int) -> tuple[np.ndarray, ...]:
    k = len(classes)
    Xtr, ytr = mn.datasets.load(name, classes=classes, split="train", n=per_label * k, rng=0)
    Xte, yte = mn.datasets.load(name, classes=classes, split="test")
    return Xtr, ytr, Xte, yte


def cifar_split(a: int, b: int, per_label: int, root: Path) -> tuple[np.ndarray, ...]:
    """A CIFAR-10 pair from PNG class folders (sorted names), pixels / 255, train subsample
    of ``per_label`` files per class drawn with seed 0, every test file."""
    from PIL import Image

    names = sorted(p.name for p in (root / "train").iterdir() if p.is_dir())
    out = []
    for part in ("train", "test"):
        xs, ys = [], []
        for c in (a, b):
            files = sorted((root / part / names[c]).glob("*.png"))
            if part == "train":
                keep = np.sort(np.random.default_rng(c).choice(len(files), per_label, replace=False))
                files = [files[i] for i in keep]
            xs += [np.asarray(Image.open(f).convert("RGB"), dtype=np.float64).ravel() / 255.0 for f in files]
            ys += [c] * len(files)
        out += [np.array(xs), np.array(ys)]
    return tuple(out)


def run_group(label: str, splits: Any, presets: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    rows = []
    for key, (Xtr, ytr, Xte, yte) in splits:
        row: dict[str, Any] = {"name": key, "1nn": one_nn(Xtr, ytr, Xte, yte), "n_train": len(ytr)}
        for name, opts in presets:
            row[name] = measure(Xtr, ytr, Xte, yte, opts)
        worst = min(row[n]["accuracy"] - row["1nn"] for n, _ in presets)
        print(f"{label} {key}: 1-NN {row['1nn']:.4f}; " + "; ".join(
            f"{n} {row[n]['accuracy']:.4f} ({row[n]['reps']}, {row[n]['params']})" for n, _ in presets) + f"  worst {100 * worst:+.2f}",
            flush=True)
        rows.append(row)
    return rows


def summarise(group: str, rows: list[dict[str, Any]], presets: list[tuple[str, dict[str, Any]]]) -> str:
    """One Markdown row per preset: mean accuracy, mean / worst difference to 1-NN, rows
    more than 0.5 points below 1-NN, mean representatives and parameters."""
    lines = [f"| {group} | preset | accuracy (mean) | vs 1-NN (mean) | vs 1-NN (worst) | > 0.5 pt below | reps (mean) | params (mean) |",
             "|---|---|---|---|---|---|---|---|"]
    nn = np.array([r["1nn"] for r in rows])
    lines.append(f"| {len(rows)} | 1-NN | {nn.mean():.4f} | | | | {np.mean([r.get('n_train', 0) for r in rows]):.0f} | |")
    for name, _ in presets:
        acc = np.array([r[name]["accuracy"] for r in rows])
        d = 100 * (acc - nn)
        lines.append(
            f"| | {name} | {acc.mean():.4f} | {d.mean():+.2f} | {d.min():+.2f} | {int((d < -0.5).sum())} | "
            f"{np.mean([r[name]['reps'] for r in rows]):.0f} | {np.mean([r[name]['params'] for r in rows]):.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", nargs="*", default=None, help="name=option:value,... (default: the library's presets)")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--per-label", type=int, default=500)
    ap.add_argument("--pairs", default="all", help="'all' or pairs like 0-1,3-5 (MNIST and Fashion-MNIST)")
    ap.add_argument("--cifar-dir", type=Path, default=CIFAR_DIR)
    ap.add_argument("--cifar-pairs", default="3-5,0-1,2-4,8-9,0-8")
    ap.add_argument("--cifar-per-label", type=int, default=1000)
    ap.add_argument("--out", default="bench_presets")
    args = ap.parse_args(argv)
    presets = [parse_preset(p) for p in args.presets] if args.presets else default_presets()
    wanted = args.datasets.split(",")
    pairs = (list(itertools.combinations(range(10), 2)) if args.pairs == "all"
             else [tuple(int(v) for v in p.split("-")) for p in args.pairs.split(",")])
    groups: dict[str, list[dict[str, Any]]] = {}
    started = time.perf_counter()
    if "digits" in wanted:
        groups["digits (3-fold CV)"] = [digits_cv(presets)]
        print(groups["digits (3-fold CV)"], flush=True)
    for data, label in (("mnist", "MNIST pairs"), ("fashion-mnist", "Fashion-MNIST pairs")):
        if data.split("-")[0] in wanted:
            groups[label] = run_group(label, ((f"{a}-{b}", split(data, (a, b), args.per_label)) for a, b in pairs),
                                      presets)
    if "mnist10" in wanted:
        groups["MNIST, ten classes"] = run_group("MNIST10", [("0-9", split("mnist", tuple(range(10)), args.per_label))],
                                                 presets)
    if "cifar" in wanted:
        cp = [tuple(int(v) for v in p.split("-")) for p in args.cifar_pairs.split(",")]
        groups["CIFAR-10 pairs"] = run_group(
            "CIFAR-10", ((f"{a}-{b}", cifar_split(a, b, args.cifar_per_label, args.cifar_dir)) for a, b in cp), presets)
    tables = "\n\n".join(summarise(g, rows, presets) for g, rows in groups.items())
    print(tables)
    write_result(args.out, {"presets": dict(presets), "per_label": args.per_label,
                            "cifar_per_label": args.cifar_per_label, "groups": groups, "markdown": tables,
                            "wall_seconds": time.perf_counter() - started})


if __name__ == "__main__":
    main()
