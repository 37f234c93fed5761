"""The paper's 10 x 10 accuracy tables (Tables 1-3): memorization networks on every pair of classes.

For each dataset and each unordered pair of classes ``{a, b}`` (45 pairs for 10 classes)
we take the training images of the two classes, construct ``efficient`` (ours, after
Theorem 7.3: ``memnets.construct(X, y, method="efficient", condense=...)``) for every condense
option, verify memorization on every training image, and measure the accuracy on the test
images of the two classes. The paper (Yu, Gao, Zhang, Miao, NeurIPS 2024, Appendix I) reports
these accuracies as two 10 x 10 tables (MNIST and CIFAR-10); row ``a``, column ``b`` of our
table holds the accuracy on the pair ``{a, b}`` (the table is symmetric, the diagonal blank).

Sizes
-----
quick (default)  ``digits`` (all images of each pair) and ``mnist`` with ``500`` training and
                 ``500`` test images per class (seeded subsample).
full (``profile="full"``)  every training and test image of ``digits``, ``mnist`` and ``fashion-mnist``, plus
                 ``cifar10`` when found (``cifar-10-batches-py`` or PNG class folders)
                 (``data_dir``, or where :mod:`memnets.datasets` looks); without it the
                 section says how to supply it and the others run. More data than the
                 paper used: not its settings.
paper (``profile="paper"``)  the paper's Tables 1 and 2 at its settings (Appendix I): see
                 :mod:`memnets.experiments._pairs_paper`.

Table 3's baseline (``resnet``): a ResNet-18 trained from scratch on the same images of each
CIFAR-10 pair (:func:`memnets.experiments._resnet.train_resnet18`: 20 epochs, SGD with
learning rate 0.1, momentum 0.9, weight decay 5e-4, mini-batches of 128, cross-entropy),
run through the same grid (joblib or Dask) as a column next to the memorizers. On by default in the
paper and full profiles when CIFAR-10 is present and this machine sees a CUDA device, off
otherwise (``resnet=True`` forces it, e.g. for Dask workers with GPUs; ``resnet_device``
picks the device, resolved where each cell runs; ``resnet_pairs`` a subset of the pairs);
CIFAR-10 only (it takes 32x32 RGB images). It is expensive on CPUs: one epoch on 6,000 images took 280-460 s wall
(330-360 s CPU) on 2 shared cores here, so the 45 pairs x 20 epochs take 70-115 hours; use a
Dask cluster.

Outputs in ``out_dir``: ``pairs.json`` (every number; wall-clock times under ``"timing"``),
``pairs.csv`` (one row per pair, dataset and condense option) and ``pairs_<data>.png`` (one
heat map per condense option, laid out as the paper's table).

The images of a pair (seeded subsamples, label conflicts dropped) come from
:mod:`memnets.experiments._pair_data`, shared with ``compare``.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import memnets as mn
from memnets import MemnetsError, OptionError
from memnets.experiments._options import RunOptions
from memnets.experiments._pair_data import (
    derived_seed,
    drop_conflicts,
    load_pair,
    load_splits,
    unavailable,
)
from memnets.experiments._pairs_paper import (
    PAPER_COLUMNS,
    PAPER_SIZES,
    paper_cell,
    paper_claims,
    paper_markdown,
    paper_rows,
)
from memnets.experiments._plots.pairs import pairs_plot
from memnets.experiments._resnet import check_device, cuda_available
from memnets.experiments._runner import write_csv
from memnets.experiments._tail import finish

__all__ = ["CONDENSE", "DATASETS", "drop_conflicts", "load_pair", "run"]

#: datasets with ten classes 0..9 that the experiment knows how to lay out
DATASETS = ("mnist", "fashion-mnist", "cifar10", "digits")
#: ``efficient``'s condense options, in the order of the tables
CONDENSE = ("cover", "hart", "none")

CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "fashion-mnist": ("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
}

#: per-class (train, test) image counts; None = every image of the class
QUICK_SIZES: dict[str, tuple[int | None, int | None]] = {"digits": (None, None), "mnist": (500, 500)}
TINY_SIZES: dict[str, tuple[int | None, int | None]] = {"digits": (60, 40)}
#: Table 3's recipe (the paper: 20 epochs, learning rate 0.1, cross-entropy; the rest is ours)
RESNET_EPOCHS = 20
RESNET_LR = 0.1
RESNET_BATCH = 128
CSV_COLUMNS = (
    "data", "class_a", "class_b", "condense", "n_train", "n_test", "accuracy", "train_accuracy",
    "params", "params_nonzero", "width", "depth", "representatives", "construction_seconds",
)

def _pair_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """One (dataset, pair, condense) cell: construct ``efficient``, verify, test."""
    pair = (int(cell["a"]), int(cell["b"]))
    X, y, Xt, yt = load_splits(cell["data"], pair, cell["n_train"], cell["n_test"], cell["seed"], cell["data_dir"])
    X, y, dropped = drop_conflicts(X, y)
    res = mn.construct(X, y, method="efficient", rng=derived_seed(cell["seed"], *pair), condense=cell["condense"])
    start = time.perf_counter()
    accuracy = res.score(Xt, yt)
    test_seconds = time.perf_counter() - start
    stats = res.stats
    if res.representatives is None:  # efficient records them, always
        raise MemnetsError(f"pairs: the efficient network of pair {pair} does not record its representatives")
    return {
        "data": cell["data"],
        "a": pair[0],
        "b": pair[1],
        "condense": cell["condense"],
        "n_train": len(y),
        "n_test": len(yt),
        "dropped_conflicts": dropped,
        "accuracy": accuracy,
        "train_accuracy": res.score(X, y),
        "verified": bool(res.verified),
        "min_margin": float(res.min_margin),
        "params": stats["params"],
        "params_nonzero": stats["params_nonzero"],
        "width": stats["width"],
        "depth": stats["depth"],
        "representatives": len(res.representatives),
        "timing": {
            "construction_seconds": stats["seconds"],
            "verify_seconds": stats.get("verify_seconds"),
            "test_seconds": test_seconds,
        },
    }


def _resnet_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """One CIFAR-10 pair: ResNet-18 trained from scratch on the pair's training images (Table 3)."""
    from memnets.experiments._resnet import train_resnet18

    pair = (int(cell["a"]), int(cell["b"]))
    X, y, Xt, yt = load_splits(cell["data"], pair, cell["n_train"], cell["n_test"], cell["seed"], cell["data_dir"])
    pred = train_resnet18(X, y, epochs=cell["epochs"], lr=RESNET_LR, batch_size=cell["batch_size"],
                          rng=derived_seed(cell["seed"], *pair, 18), device=cell.get("device", "auto"))
    start = time.perf_counter()
    accuracy = pred.score(Xt, yt)
    return {
        "data": cell["data"], "a": pair[0], "b": pair[1], "method": "resnet18", "n_train": len(y), "n_test": len(yt),
        "accuracy": accuracy, "train_accuracy": pred.score(X, y), "params": pred.num_params,
        "epochs": cell["epochs"], "final_loss": pred.history[-1]["loss"] if pred.history else None,
        "device": pred.device,
        "timing": {"training_seconds": pred.seconds, "test_seconds": time.perf_counter() - start,
                   "epoch_seconds": [h["seconds"] for h in pred.history]},
    }


def _tables(cells: list[dict[str, Any]], condense: Sequence[str]) -> dict[str, list[list[float | None]]]:
    out: dict[str, list[list[float | None]]] = {}
    for opt in condense:
        table: list[list[float | None]] = [[None] * 10 for _ in range(10)]
        for c in cells:
            if c["condense"] == opt:
                table[c["a"]][c["b"]] = table[c["b"]][c["a"]] = c["accuracy"]
        out[opt] = table
    return out


def _summary(cells: list[dict[str, Any]], condense: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for opt in condense:
        sel = [c for c in cells if c["condense"] == opt]
        if not sel:
            continue
        acc = np.array([c["accuracy"] for c in sel])
        worst = sel[int(np.argmin(acc))]
        out[opt] = {
            "pairs": len(sel),
            "mean_accuracy": float(acc.mean()),
            "min_accuracy": float(acc.min()),
            "worst_pair": [worst["a"], worst["b"]],
            "mean_params": float(np.mean([c["params"] for c in sel])),
            "mean_params_nonzero": float(np.mean([c["params_nonzero"] for c in sel])),
            "mean_representatives": float(np.mean([c["representatives"] for c in sel])),
            "mean_train_images": float(np.mean([c["n_train"] for c in sel])),
            "all_verified": all(c["verified"] for c in sel),
        }
    return out


def _plan(
    data: str | Sequence[str] | None, profile: str | None
) -> list[str]:
    if data is not None:
        names = [data] if isinstance(data, str) else list(data)
        for name in names:
            if name not in DATASETS:
                valid = ", ".join(repr(d) for d in DATASETS)
                raise OptionError(f"pairs: unknown dataset {name!r}; valid datasets are {valid}")
        return names
    if profile == "tiny":
        return list(TINY_SIZES)
    if profile == "paper":
        return list(PAPER_SIZES)
    if profile == "full":
        return ["digits", "mnist", "fashion-mnist", "cifar10"]
    return list(QUICK_SIZES)


def _sizes(name: str, profile: str | None) -> tuple[int | None, int | None]:
    if profile == "tiny":
        return TINY_SIZES.get(name, (60, 40))
    if profile == "paper":
        return PAPER_SIZES.get(name, (500, None))
    if profile == "full":
        return (None, None)
    return QUICK_SIZES.get(name, (500, 500))


def run(
    out_dir: RunOptions | str | os.PathLike[str],
    *,
    data: str | Sequence[str] | None = None,
    condense: Sequence[str] = CONDENSE,
    n_train: int | None = None,
    n_test: int | None = None,
    pairs: Sequence[tuple[int, int]] | None = None,
    resnet: bool | None = None,
    resnet_epochs: int = RESNET_EPOCHS,
    resnet_batch_size: int = RESNET_BATCH,
    resnet_device: str = "auto",
    resnet_pairs: Sequence[tuple[int, int]] | None = None,
    **run_options: Any,
) -> dict[str, Any]:
    """Run ``efficient`` on every class pair of each dataset (the paper profile: the paper's network too); write ``pairs.json/.csv/_<data>.png``.

    Parameters
    ----------
    out_dir : folder for the outputs, or the whole :class:`~memnets.experiments.RunOptions`
    data : one dataset name or a list (default: the quick or full plan above)
    condense : ``efficient``'s condense options to compare (``"cover"``, ``"hart"``, ``"none"``)
    n_train, n_test : images per class (override the profile's sizes; None = profile)
    pairs : restrict to these class pairs (default: all 45)
    resnet : train Table 3's ResNet-18 baseline on the CIFAR-10 pairs too (default: in the
        paper and full profiles when this machine sees a CUDA device; off on CPUs, where the
        45 pairs take days); ``resnet_epochs`` (20) and ``resnet_batch_size`` (128) size it
    resnet_device : ``"auto"`` (CUDA where the cell runs, else CPU), ``"cpu"``, ``"cuda"``,
        ``"cuda:N"``; carried by each cell, so Dask workers with GPUs train on them
    resnet_pairs : train the baseline on these pairs only (default: every pair of the run)
    run_options : the other run options: ``profile="full"`` is every image (more than the paper used; MNIST,
        Fashion-MNIST and CIFAR-10 when present), ``data_dir`` the CIFAR-10 folder
        (``cifar-10-batches-py`` or ``train/<class>/*.png`` folders), ``profile="tiny"`` (the test suite) shrinks everything;
        subsamples and constructions derive their seeds from ``seed`` and the pair

    Returns the summary ``{"name", "json", "csv", "plots", "markdown", "datasets", ...}``.
    """
    opts = RunOptions.coerce(out_dir, run_options, experiment="pairs")
    started = time.perf_counter()
    condense = tuple(condense)
    paper = opts.profile == "paper"
    columns = tuple(PAPER_COLUMNS) if paper else condense
    for opt in condense:
        if opt not in CONDENSE:
            raise OptionError(f"pairs: unknown condense option {opt!r}; valid options are {CONDENSE}")
    ddir = str(opts.data_dir) if opts.data_dir is not None else None
    pair_list = _pair_list(pairs) or list(itertools.combinations(range(10), 2))
    resnet_device = check_device(resnet_device)
    _pair_list(resnet_pairs)

    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {}
    for name in _plan(data, opts.profile):
        reason = unavailable(name, ddir)
        if reason is not None:
            skipped[name] = reason
            if opts.progress:
                from rich.console import Console

                Console(stderr=True).print(f"[yellow]pairs: skipping {name}:[/] {reason}")
            continue
        ntr, nte = _sizes(name, opts.profile)
        ntr = n_train if n_train is not None else ntr
        nte = n_test if n_test is not None else nte
        counts[name] = {}
        if paper:
            cells = [{"data": name, "a": a, "b": b, "n_train": ntr, "n_test": nte, "seed": opts.seed,
                      "data_dir": ddir if name == "cifar10" else None} for a, b in pair_list]
            got = opts.run_cells(paper_cell, cells, desc=f"pairs {name} (paper)", counts=counts[name])
            rows = paper_rows(got)
        else:
            cells = [
                {"data": name, "a": a, "b": b, "condense": opt, "n_train": ntr, "n_test": nte,
                 "seed": opts.seed, "data_dir": ddir if name == "cifar10" else None}
                for a, b in pair_list
                for opt in condense
            ]
            rows = got = opts.run_cells(_pair_cell, cells, desc=f"pairs {name}", counts=counts[name])
        results[name] = {
            "per_class": {"train": ntr, "test": nte},
            "labels": list(CLASS_NAMES.get(name, tuple(str(c) for c in range(10)))),
            "summary": _summary(rows, columns),
            "tables": _tables(rows, columns),
            "cells": rows,
        }
        if paper:
            results[name]["paper"] = paper_claims(name, rows, got)
            results[name]["agreement"] = [{"a": c["a"], "b": c["b"], **c["agreement"]} for c in got]
        on = opts.profile in ("full", "paper") and cuda_available() if resnet is None else resnet
        if name == "cifar10" and on:
            rcells = [{"data": name, "a": a, "b": b, "n_train": ntr, "n_test": nte, "seed": opts.seed,
                       "data_dir": ddir, "epochs": int(resnet_epochs), "batch_size": int(resnet_batch_size),
                       "device": resnet_device} for a, b in _pair_list(resnet_pairs) or pair_list]
            counts[f"{name}:resnet18"] = {}
            rgot = opts.run_cells(_resnet_cell, rcells, desc=f"pairs {name} resnet18",
                                  counts=counts[f"{name}:resnet18"])
            results[name]["resnet18"] = {
                "recipe": {"epochs": int(resnet_epochs), "lr": RESNET_LR, "batch_size": int(resnet_batch_size),
                           "optimizer": "SGD momentum 0.9, weight decay 5e-4", "loss": "cross-entropy",
                           "variant": "cifar (3x3 stride-1 stem, no max-pool)", "augmentation": None},
                "summary": _resnet_summary(rgot),
                "table": _tables([{**c, "condense": "resnet18"} for c in rgot], ("resnet18",))["resnet18"],
                "cells": rgot,
            }

    csv_path = _write_csv(opts.out_dir / "pairs.csv", results)
    return finish(
        "pairs", opts, {"datasets": results, "skipped": skipped}, started=started,
        provenance={"condense": list(condense), "columns": list(columns)}, timing={"cells": counts},
        plots=lambda: [pairs_plot(opts.out_dir, name, res, columns, _size_text(res["per_class"]))
                       for name, res in results.items()],
        markdown=lambda plots: _markdown(results, skipped, columns, csv_path, plots),
        csv=str(csv_path), datasets={k: v["summary"] for k, v in results.items()}, skipped=skipped)


def _write_csv(path: Path, results: dict[str, Any]) -> Path:
    return write_csv(path, CSV_COLUMNS, (
        [
            c["data"], c["a"], c["b"], c["condense"], c["n_train"], c["n_test"],
            f"{c['accuracy']:.6f}", f"{c['train_accuracy']:.6f}", c["params"], c["params_nonzero"],
            c["width"], c["depth"], c["representatives"], f"{c['timing']['construction_seconds']:.4f}",
        ]
        for res in results.values() for c in res["cells"]
    ))


def _pair_list(pairs: Sequence[tuple[int, int]] | None) -> list[tuple[int, int]]:
    """Sorted unordered class pairs, checked (empty when ``pairs`` is None or empty)."""
    out = sorted({(min(a, b), max(a, b)) for a, b in pairs} if pairs else set())
    for a, b in out:
        if a == b or not (0 <= a <= 9 and 0 <= b <= 9):
            raise OptionError(f"pairs: bad class pair ({a}, {b}); classes are 0..9 and must differ")
    return out


def _resnet_summary(cells: list[dict[str, Any]]) -> dict[str, Any]:
    acc = np.array([c["accuracy"] for c in cells])
    worst = cells[int(np.argmin(acc))]
    epoch = [s for c in cells for s in c["timing"]["epoch_seconds"]]
    return {"pairs": len(cells), "mean_accuracy": float(acc.mean()), "min_accuracy": float(acc.min()),
            "worst_pair": [worst["a"], worst["b"]],
            "mean_train_accuracy": float(np.mean([c["train_accuracy"] for c in cells])),
            "params": cells[0]["params"], "mean_epoch_seconds": float(np.mean(epoch)) if epoch else None}


def _size_text(per: dict[str, Any]) -> str:
    if per["train"] is None:
        return "all images"
    test = "all test images of the pair" if per["test"] is None else f"{per['test']} test"
    return f"{per['train']} train / {test} per class"


def _markdown(
    results: dict[str, Any], skipped: dict[str, str], condense: Sequence[str], csv_path: Path, plots: list[Path]
) -> str:
    paper = condense[0] not in CONDENSE
    lines = [
        "**Paper's claim (Appendix I, Tables 1-2):** its Theorem 7.3 network generalizes on real data: "
        "\"almost all\" MNIST pairs above 90%, most CIFAR-10 pairs above 70%, poor on some such as "
        "cat-dog. **Measured** with "
        + ("`pairwise` (the paper's own network)" if paper else
           "`efficient` (ours: exact 1-NN over representatives, not the paper's network, which runs in "
           "`memnets experiment pairs --profile paper`)")
        + ": "
        + "; ".join(
            f"{name}: mean {res['summary'][condense[0]]['mean_accuracy']:.4f}, "
            f"min {res['summary'][condense[0]]['min_accuracy']:.4f} over {res['summary'][condense[0]]['pairs']} pairs"
            for name, res in results.items() if condense[0] in res["summary"]
        )
        + (". Columns: `pairwise` the paper's network, `efficient` ours with every sample a "
           "representative, `1-NN` scikit-learn's." if paper else f" (condense={condense[0]})."),
        "",
        "Each network is built on the training images of each pair of classes and tested on "
        "the test images of the same two classes; every network is verified to memorize its "
        f"training set. All numbers per pair: [{csv_path.name}]({csv_path.name}).",
        "",
    ]
    for (name, res), plot in zip(results.items(), plots, strict=True):
        size = _size_text(res["per_class"])
        lines += [f"### {name} ({size})", ""]
        if "paper" in res:
            lines += paper_markdown(res["paper"])
        lines += [
                  f"| {'column' if 'paper' in res else 'condense'} | pairs | mean acc. | min acc. (pair) | mean params | mean representatives | mean train images |",
                  "|---|---|---|---|---|---|---|"]
        for opt, s in res["summary"].items():
            lines.append(
                f"| {opt} | {s['pairs']} | {s['mean_accuracy']:.4f} | {s['min_accuracy']:.4f} "
                f"({s['worst_pair'][0]}-{s['worst_pair'][1]}) | {s['mean_params']:,.0f} | "
                f"{s['mean_representatives']:.1f} | {s['mean_train_images']:.0f} |"
            )
        main = condense[0]
        labels = res["labels"]
        lines += ["", f"Test accuracy, {'column' if 'paper' in res else 'condense'}={main} (row a, column b = pair a-b):", "",
                  "| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
        for i, row in enumerate(res["tables"][main]):
            cells = ["" if v is None else f"{v:.3f}" for v in row]
            lines.append(f"| **{labels[i]}** | " + " | ".join(cells) + " |")
        if "resnet18" in res:
            r, rs = res["resnet18"], res["resnet18"]["summary"]
            rec = r["recipe"]
            lines += ["", f"Table 3's baseline: ResNet-18 trained from scratch on the same images ({rec['epochs']} "
                      f"epochs, lr {rec['lr']}, {rec['optimizer']}, batch {rec['batch_size']}, {rec['loss']}, "
                      f"{rec['variant']}, no augmentation; {rs['params']:,} params): mean test accuracy "
                      f"{rs['mean_accuracy']:.4f}, min {rs['min_accuracy']:.4f} ({rs['worst_pair'][0]}-"
                      f"{rs['worst_pair'][1]}) over {rs['pairs']} pairs; mean training accuracy "
                      f"{rs['mean_train_accuracy']:.4f} (not a memorizer: not verified, not required to reach 1); "
                      f"{rs['mean_epoch_seconds'] or 0:.1f} s per epoch.", "",
                      "| | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
            for i, row in enumerate(r["table"]):
                cells = ["" if v is None else f"{v:.3f}" for v in row]
                lines.append(f"| **{labels[i]}** | " + " | ".join(cells) + " |")
        lines += ["", f"![{name} pairs]({plot.name})", ""]
    for name, reason in skipped.items():
        lines += [f"### {name}: skipped", "", reason, ""]
    return "\n".join(lines)
