"""The paper's Table 4: M1 vs M2 vs M3 on five MNIST pairs, beside memnets' methods and baselines.

The paper (Yu, Gao, Zhang, Miao, NeurIPS 2024, Appendix I.3, Table 4) compares three
memorization algorithms on the MNIST pairs **1-7, 2-3, 4-9, 5-6, 8-9** (chosen because the two
digits look alike), "the smaller number labelled -1 and the larger number 1", with the settings
of its Table 1: **500 training images per label**, tested on **every test image** of the two
labels. Its columns:

* ``M1``: the paper's own network (Theorem 7.3), construction ``"pairwise"``;
* ``M2``: Park, Lee, Yun & Shin (COLT 2021), ``"park2021"`` (a documented reconstruction);
* ``M3``: Vardi, Yehudai & Shamir (ICLR 2022), ``"vardi2022"``.

M1, M2 and M3 mean these three here and nowhere else. Its text: "We can see that our method
performs much better in all cases" and "From table 4, our method gets the best accuracy";
M2 and M3 compress the data into one dimension, which breaks the features of the image.
Beside the three we put memnets' own constructions, by their registry names:

* ``efficient`` (ours, after Theorem 7.3: exact 1-NN over representatives) with default options;
* ``optimal`` (Theorem 4.1, width 6), ``constant`` (Theorem 4.3) and ``interval``;
* ``1-NN``: scikit-learn's 1-nearest-neighbour classifier (its "params" are the ``N (n + 1)``
  stored numbers);
* ``MLP``: ``memnets.construct(..., method="trained")``, a gradient-trained MLP driven to 100%
  training accuracy.

What memnets' M2 and M3 do off the data: both look the input's projected value up among the
stored training values and output the label only on an exact match (``F = 0`` otherwise, the
-1 side), so they answer "the smaller digit" on almost every test image; their test accuracy is
then the share of the smaller digit among the test images, shown beside the table ("all -1")
and measured per row (``predicted_share_smaller``). The paper's tables are images that could
not be read here (only its text could), so none of its numbers is compared: only its words.

Labels: memnets sorts the two classes and sends ``classes[0]``, the smaller digit, to the
network's negative side, so the smaller digit is the -1 class as in the paper; every row
records ``negative_class`` as read off the built model.

Every memorizing network is verified on every training image (by ``construct``) before it is
tested; the JSON, the CSV and the markdown record params, non-zero params, width, depth, the
largest weight's bits, the seconds, and test and training accuracy.

Sizes: quick (default) is exactly Table 4: ``PAPER_PER_CLASS`` training images per label
(seeded subsample) and every test image of the pair. ``profile="full"`` repeats Table 4 over
``FULL_REPLICATES`` subsamples (replicate 0 is the quick run's draw) and reports means. The
``"tiny"`` profile (test suite): ``digits`` pairs 1-7 and 2-3, 40 + 40 images per class.
``pairs="ours"`` runs the five pairs earlier memnets releases used (0-1, 1-7, 3-5, 4-9, 2-8);
any list of pairs works too.

Outputs in ``out_dir``: ``compare.json`` (wall-clock times under ``"timing"``),
``compare.csv`` (one row per pair, method and replicate) and ``compare.png`` (grouped bars:
accuracy and non-zero params per pair).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

import memnets as mn
from memnets import OptionError
from memnets.experiments._compare_report import CSV_COLUMNS, write_csv
from memnets.experiments._compare_report import markdown as write_markdown
from memnets.experiments._options import RunOptions
from memnets.experiments._pair_data import derived_seed, drop_conflicts, load_splits
from memnets.experiments._plots.compare import compare_plot
from memnets.experiments._tail import finish
from memnets.experiments.pairs import DATASETS

__all__ = ["CSV_COLUMNS", "METHODS", "OUR_PAIRS", "PAIRS", "resolve_methods", "run"]

#: the paper's Table 4 pairs (Appendix I.3)
PAIRS: tuple[tuple[int, int], ...] = ((1, 7), (2, 3), (4, 9), (5, 6), (8, 9))
#: the pairs earlier memnets releases compared on (``pairs="ours"``)
OUR_PAIRS: tuple[tuple[int, int], ...] = ((0, 1), (1, 7), (3, 5), (4, 9), (2, 8))
#: column -> memnets construction (M1, M2, M3: the paper's Table 4 columns)
METHODS: dict[str, str] = {
    "M1": "pairwise",
    "M2": "park2021",
    "M3": "vardi2022",
    "efficient": "efficient",
    "optimal": "optimal",
    "constant": "constant",
    "interval": "interval",
    "1-NN": "sklearn-1nn",
    "MLP": "trained",
}
#: what each column is, for the markdown and the JSON
DESCRIPTIONS: dict[str, str] = {
    "M1": "the paper's Theorem 7.3 network",
    "M2": "Park, Lee, Yun & Shin 2021 (reconstruction)",
    "M3": "Vardi, Yehudai & Shamir 2022",
    "efficient": "ours, exact 1-NN over representatives",
    "optimal": "Theorem 4.1 (width 6)",
    "constant": "Theorem 4.3",
    "interval": "one unit per label run of a projection",
    "1-NN": "scikit-learn 1-nearest neighbour",
    "MLP": "gradient-trained MLP (100% training accuracy)",
}
PAPER_PER_CLASS = (500, None)  # Table 1's settings: 500 training images per label, every test image
TINY_PER_CLASS = (40, 40)
FULL_REPLICATES = 5



def resolve_methods(methods: Sequence[str] | None) -> dict[str, str]:
    """Column -> construction for ``methods`` (default: every column of :data:`METHODS`);
    :class:`OptionError` on an unknown column."""
    methods = list(METHODS) if methods is None else list(methods)
    for m in methods:
        if m not in METHODS:
            raise OptionError(f"compare: unknown method {m!r}; valid methods are {tuple(METHODS)}")
    return {m: METHODS[m] for m in dict.fromkeys(methods)}


def _pair_list(pairs: str | Sequence[Sequence[int]] | None, default: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    if pairs is None or pairs == "paper":
        return list(default)
    if pairs == "ours":
        return list(OUR_PAIRS)
    if isinstance(pairs, str):
        raise OptionError(f"compare: pairs must be 'paper', 'ours' or a list of class pairs, got {pairs!r}")
    out: list[tuple[int, int]] = []
    for p in pairs:
        a, b = (int(c) for c in p)
        if a == b or not (0 <= a <= 9 and 0 <= b <= 9):
            raise OptionError(f"compare: bad class pair ({a}, {b}); classes are 0..9 and must differ")
        out.append((min(a, b), max(a, b)))
    return out


def _data_seed(seed: int, replicate: int) -> int:
    """Seed of replicate ``replicate``'s subsample; replicate 0 draws the images the
    ``pairs`` experiment draws with the same seed."""
    return seed if replicate == 0 else derived_seed(seed, replicate, 13)


def _compare_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """One (pair, column, replicate) cell: build on the training images, score on the test images."""
    pair = (int(cell["a"]), int(cell["b"]))
    seed = _data_seed(int(cell["seed"]), int(cell["replicate"]))
    X, y, Xt, yt = load_splits(cell["data"], pair, cell["n_train"], cell["n_test"], seed, None)
    X, y, dropped = drop_conflicts(X, y)
    construction = cell["construction"]
    row: dict[str, Any] = {
        "pair": f"{pair[0]}-{pair[1]}", "method": cell["method"], "construction": construction,
        "replicate": cell["replicate"], "n_train": len(y), "n_test": len(yt), "dropped_conflicts": dropped,
        "test_share_smaller": float(np.mean(yt == min(pair))),
    }
    start = time.perf_counter()
    if construction == "sklearn-1nn":
        from sklearn.neighbors import KNeighborsClassifier

        knn = KNeighborsClassifier(n_neighbors=1).fit(X, y)
        built = time.perf_counter()
        predicted = knn.predict(Xt)
        accuracy = float(np.mean(predicted == yt))
        row.update(
            negative_class=int(knn.classes_[0]), predicted_share_smaller=float(np.mean(predicted == min(pair))),
            accuracy=accuracy, train_accuracy=float(np.mean(knn.predict(X) == y)), verified=None,
            params=int(X.size + len(y)), params_nonzero=int(np.count_nonzero(X) + len(y)),
            width=None, depth=None, max_weight_bits=None,
            timing={"construction_seconds": built - start, "test_seconds": time.perf_counter() - built},
        )
        return row
    res = mn.construct(X, y, method=construction, rng=derived_seed(seed, *pair, 7))
    built = time.perf_counter()
    predicted = res.predict(Xt)
    accuracy = float(np.mean(predicted == yt))
    tested = time.perf_counter()
    s = res.stats
    row.update(
        negative_class=_negative_class(res, X, y), predicted_share_smaller=float(np.mean(predicted == min(pair))),
        accuracy=accuracy, train_accuracy=res.score(X, y), verified=bool(res.verified),
        params=s["params"], params_nonzero=s["params_nonzero"], width=s["width"], depth=s["depth"],
        max_weight_bits=s.get("max_weight_bits"), engine=res.engine,
        timing={"construction_seconds": s["seconds"], "verify_seconds": s.get("verify_seconds"),
                "wall_build_seconds": built - start, "test_seconds": tested - built},
    )
    return row


def _negative_class(res: Any, X: np.ndarray, y: np.ndarray) -> int | None:
    """The class whose training images the network sends to negative outputs (it memorizes,
    so all of them), read off the outputs; None if the network has not one output."""
    neg = res.classes[0]
    out = np.asarray(res.decision_function(X[y == neg][:8]))
    if out.ndim != 1:
        return None
    return int(neg) if bool(np.all(out < 0)) else int(res.classes[1])


def run(
    out_dir: RunOptions | str | os.PathLike[str],
    *,
    data: str | None = None,
    pairs: str | Sequence[tuple[int, int]] | None = None,
    methods: Sequence[str] | None = None,
    n_train: int | None = None,
    n_test: int | None = None,
    replicates: int | None = None,
    **run_options: Any,
) -> dict[str, Any]:
    """Table 4 of the paper (see the module docstring); write ``compare.json/.csv/.png``.

    Parameters
    ----------
    out_dir : output folder, or the whole :class:`~memnets.experiments.RunOptions`
    data : any ten-class dataset of :mod:`memnets.experiments.pairs` (default ``"mnist"``;
        ``"digits"`` in the tiny profile)
    pairs : ``"paper"`` (default: Table 4's 1-7, 2-3, 4-9, 5-6, 8-9), ``"ours"`` (0-1, 1-7,
        3-5, 4-9, 2-8) or a list of class pairs (each stored smaller digit first)
    methods : columns of :data:`METHODS` (default: all)
    n_train, n_test : images per class (None: the profile's, i.e. 500 and every test image)
    replicates : subsamples of the training images (default 1, full ``FULL_REPLICATES``);
        the tables show the mean over them
    run_options : the other run options (``profile``, ``jobs``, ``seed`` ...)

    Returns ``{"name", "json", "csv", "plots", "markdown", "mean_accuracy", "claim", ...}``.
    """
    opts = RunOptions.coerce(out_dir, run_options, experiment="compare")
    started = time.perf_counter()
    columns = resolve_methods(methods)
    if opts.profile == "tiny":
        default: tuple[int | None, int | None] = TINY_PER_CLASS
        data = data or "digits"
        pair_list = _pair_list(pairs, PAIRS[:2])
    else:
        default = PAPER_PER_CLASS
        pair_list = _pair_list(pairs, PAIRS)
    data = data or "mnist"
    if data not in DATASETS:
        raise OptionError(f"compare: unknown dataset {data!r}; valid datasets are {DATASETS}")
    reps = replicates if replicates is not None else (FULL_REPLICATES if opts.profile == "full" else 1)
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise OptionError(f"compare: replicates must be an integer >= 1, got {reps!r}")
    ntr = n_train if n_train is not None else default[0]
    nte = n_test if n_test is not None else default[1]
    cells = [
        {"data": data, "a": a, "b": b, "method": m, "construction": c, "replicate": r,
         "n_train": ntr, "n_test": nte, "seed": opts.seed}
        for r in range(reps)
        for a, b in pair_list
        for m, c in columns.items()
    ]
    counts: dict[str, int] = {}
    rows = opts.run_cells(_compare_cell, cells, desc="compare", counts=counts)
    groups = [f"{a}-{b}" for a, b in pair_list]
    table = _table(rows, groups, columns)
    mean = {m: float(np.mean([table[(g, m)]["accuracy"] for g in groups])) for m in columns}
    claim = _claim(table, groups, list(columns))
    doc = {
        "pairs": groups,
        "negative_class": "the smaller class of each pair (memnets sorts classes; classes[0] -> -1)",
        "methods": columns,
        "m1_construction": columns.get("M1"),
        "m1_is_paper_network": columns.get("M1") == "pairwise",
        "mean_accuracy": mean,
        "table": [{"pair": g, "method": m, **table[(g, m)]} for g in groups for m in columns],
        "claim": claim,
        "rows": rows,
    }
    csv_path = write_csv(opts.out_dir / "compare.csv", rows)
    labels = {m: f"{m} ({c})" if m in ("M1", "M2", "M3") else m for m, c in columns.items()}
    return finish(
        "compare", opts, doc, started=started, timing={"cells": counts},
        provenance={"data": data, "per_class": {"train": ntr, "test": nte}, "replicates": reps},
        plots=lambda: [compare_plot(
            opts.out_dir / "compare.png", groups, list(labels.values()),
            accuracy={labels[m]: [table[(g, m)]["accuracy"] for g in groups] for m in columns},
            params_nonzero={labels[m]: [float(table[(g, m)]["params_nonzero"]) for g in groups] for m in columns},
            title=f"The paper's Table 4 on {data} pairs: memorization algorithms and baselines")],
        markdown=lambda plots: write_markdown(table, groups, columns, mean, data, ntr, nte, reps, plots[0], claim,
                                              DESCRIPTIONS),
        csv=str(csv_path), mean_accuracy=mean, claim=claim)


_SIZE_KEYS = ("params", "params_nonzero", "width", "depth", "max_weight_bits")


def _table(rows: list[dict[str, Any]], groups: list[str], columns: dict[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(pair, column) -> accuracies averaged over the replicates; sizes and seconds too
    (sizes are those of replicate 0 when the replicates differ)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for g in groups:
        for m in columns:
            got = sorted((r for r in rows if r["pair"] == g and r["method"] == m), key=lambda r: r["replicate"])
            acc = [r["accuracy"] for r in got]
            out[(g, m)] = {
                "accuracy": float(np.mean(acc)), "accuracy_min": min(acc), "accuracy_max": max(acc),
                "train_accuracy": min(r["train_accuracy"] for r in got),
                **{k: got[0][k] for k in _SIZE_KEYS},
                "seconds": float(np.mean([r["timing"]["construction_seconds"] for r in got])),
                "verify_seconds": got[0]["timing"].get("verify_seconds"),
                "test_share_smaller": float(np.mean([r["test_share_smaller"] for r in got])),
                "predicted_share_smaller": float(np.mean([r["predicted_share_smaller"] for r in got])),
            }
    return out


def _claim(table: dict[tuple[str, str], dict[str, Any]], groups: list[str], columns: list[str]) -> dict[str, Any]:
    """The paper's sentence, checked: on how many pairs M1's test accuracy is the best of
    M1/M2/M3 (strictly above both), and the best of every column (at least as high as all)."""
    rivals = [m for m in ("M2", "M3") if m in columns]
    if "M1" not in columns or not rivals:
        return {"checked": False}
    acc = {key: v["accuracy"] for key, v in table.items()}
    others = [m for m in columns if m != "M1"]
    per_pair: dict[str, dict[str, Any]] = {}
    for g in groups:
        best = max(others, key=lambda m: acc[(g, m)])
        per_pair[g] = {
            "gap_to_M2_M3": acc[(g, "M1")] - max(acc[(g, m)] for m in rivals),
            "best_other": best,
            "gap_to_best_other": acc[(g, "M1")] - acc[(g, best)],
            "best": "M1" if acc[(g, "M1")] >= acc[(g, best)] else best,
        }
    best_paper = sum(p["gap_to_M2_M3"] > 0 for p in per_pair.values())
    return {
        "checked": True,
        "rivals": rivals,
        "pairs": len(groups),
        "m1_best_of_paper_methods": best_paper,
        "m1_best_of_all": sum(p["gap_to_best_other"] >= 0 for p in per_pair.values()),
        "m1_strictly_best_of_all": sum(p["gap_to_best_other"] > 0 for p in per_pair.values()),
        "holds": best_paper == len(groups),
        "smallest_gap": min(p["gap_to_M2_M3"] for p in per_pair.values()),
        "per_pair": per_pair,
    }
