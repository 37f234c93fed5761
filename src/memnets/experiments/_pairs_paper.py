"""The ``paper`` profile of ``memnets experiment pairs``: the paper's Tables 1 and 2 at its settings.

Appendix I: ``mnist`` with **500 training images per label** (seeded) and ``cifar10`` (when
present) with **3,000 per label**, each tested on **all test images of the two classes**. Per
pair three columns, each verified to memorize: the paper's own Theorem 7.3 network
(``method="pairwise"``), our ``efficient`` network with every sample a representative
(``condense="none"``) and scikit-learn's 1-NN, plus the fraction of test images on which the
three give the same label. The report puts the paper's words next to the counts that test them.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np

import memnets as mn
from memnets.experiments._pair_data import derived_seed, drop_conflicts, load_pair_cached

__all__ = ["PAPER_COLUMNS", "PAPER_SIZES", "PAPER_WORDS", "paper_cell", "paper_claims", "paper_markdown",
           "paper_rows"]

#: the paper's Appendix I: training images per label, every test image of the two classes
PAPER_SIZES: dict[str, tuple[int | None, int | None]] = {"mnist": (500, None), "cifar10": (3000, None)}
#: the paper profile's columns: name -> (method, construction options; None = 1-NN)
PAPER_COLUMNS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "paper": ("pairwise", {}),
    "tree-M1": ("efficient", {"condense": "none"}),
    "1-NN": (None, {}),
}
#: the paper's words about its Tables 1-2 (Appendix I) and the threshold each one names
PAPER_WORDS: dict[str, tuple[str, float]] = {
    "mnist": ("“almost all” pairs above 90%", 0.90),
    "cifar10": ("most pairs above 70%; poor on some pairs such as cat-dog (3-5)", 0.70),
}


def paper_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """One pair at the paper's settings: the paper's network, our tree M1 and 1-NN on the same
    images, and how often they agree on the test images."""
    from sklearn.neighbors import KNeighborsClassifier

    pair = (int(cell["a"]), int(cell["b"]))
    X, y = load_pair_cached(cell["data"], pair, "train", cell["n_train"], cell["seed"], cell["data_dir"])
    Xt, yt = load_pair_cached(cell["data"], pair, "test", cell["n_test"], cell["seed"], cell["data_dir"])
    X, y, dropped = drop_conflicts(X, y)
    columns: dict[str, Any] = {}
    preds: dict[str, np.ndarray] = {}
    for name, (method, options) in PAPER_COLUMNS.items():
        start = time.perf_counter()
        if method is None:
            knn = KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X, y)
            preds[name] = knn.predict(Xt)
            columns[name] = {"params": int(X.size + len(y)), "params_nonzero": int(np.count_nonzero(X) + len(y)),
                             "verified": None, "train_accuracy": 1.0}
        else:
            res = mn.construct(X, y, method=method, rng=derived_seed(cell["seed"], *pair), **options)
            preds[name] = res.predict(Xt)
            columns[name] = {"params": res.stats.get("params_paper", res.stats["params"]),
                             "params_nonzero": res.stats["params_nonzero"], "verified": bool(res.verified),
                             "train_accuracy": res.score(X, y), "width": res.stats["width"],
                             "depth": res.stats["depth"]}
        columns[name]["accuracy"] = float(np.mean(preds[name] == yt))
        columns[name]["seconds"] = time.perf_counter() - start
    names = list(PAPER_COLUMNS)
    agree = {f"{a}={b}": float(np.mean(preds[a] == preds[b])) for a, b in itertools.combinations(names, 2)}
    agree["all"] = float(np.mean((preds[names[0]] == preds[names[1]]) & (preds[names[1]] == preds[names[2]])))
    return {"data": cell["data"], "a": pair[0], "b": pair[1], "n_train": len(y), "n_test": len(yt),
            "dropped_conflicts": dropped, "columns": {k: {kk: vv for kk, vv in v.items() if kk != "seconds"}
                                                      for k, v in columns.items()},
            "agreement": agree, "timing": {k: v["seconds"] for k, v in columns.items()}}


def paper_rows(got: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The paper cells as one row per column (the ``condense`` key names the column), so the
    tables and summaries of the other profiles serve them too."""
    rows = []
    for c in got:
        for name, col in c["columns"].items():
            rows.append({"data": c["data"], "a": c["a"], "b": c["b"], "condense": name, "n_train": c["n_train"],
                         "n_test": c["n_test"], "accuracy": col["accuracy"], "train_accuracy": col["train_accuracy"],
                         "params": col["params"], "params_nonzero": col["params_nonzero"],
                         "width": col.get("width"), "depth": col.get("depth"), "representatives": c["n_train"],
                         "verified": True if col["verified"] is None else col["verified"],
                         "timing": {"construction_seconds": c["timing"][name]}})
    return rows


def paper_claims(name: str, rows: list[dict[str, Any]], got: list[dict[str, Any]]) -> dict[str, Any]:
    """The paper's words about this dataset's table, and the measured counts that test them."""
    words, threshold = PAPER_WORDS.get(name, ("", 0.0))
    out: dict[str, Any] = {"paper_words": words, "threshold": threshold}
    for col in PAPER_COLUMNS:
        sel = [r for r in rows if r["condense"] == col]
        acc = np.array([r["accuracy"] for r in sel])
        worst = sel[int(np.argmin(acc))] if sel else None
        out[col] = {"above_threshold": int((acc > threshold).sum()), "pairs": len(sel),
                    "worst_pair": None if worst is None else [worst["a"], worst["b"]],
                    "worst_accuracy": None if worst is None else float(acc.min())}
    out["agreement_mean"] = {k: float(np.mean([c["agreement"][k] for c in got])) for k in got[0]["agreement"]} if got else {}
    out["agreement_min"] = {k: float(np.min([c["agreement"][k] for c in got])) for k in got[0]["agreement"]} if got else {}
    return out


def paper_markdown(claims: dict[str, Any]) -> list[str]:
    """The paper's words about the table next to the measured counts, and the agreement."""
    t = claims["threshold"]
    cols = [c for c in PAPER_COLUMNS if c in claims]
    out = [f"**The paper's words (Appendix I):** {claims['paper_words']}. **Measured** (pairs above "
           f"{t:.0%}, worst pair): " + "; ".join(
               f"{c}: {claims[c]['above_threshold']} of {claims[c]['pairs']}, worst "
               f"{claims[c]['worst_pair'][0]}-{claims[c]['worst_pair'][1]} at {claims[c]['worst_accuracy']:.4f}"
               for c in cols if claims[c]["pairs"]) + ".", ""]
    if claims["agreement_mean"]:
        out += ["How far the paper's network, our tree M1 (every sample a representative) and 1-NN "
                "agree on the test images (mean over pairs, worst pair):", "",
                "| pair of methods | mean agreement | min agreement |", "|---|---|---|"]
        out += [f"| {k} | {v:.4f} | {claims['agreement_min'][k]:.4f} |" for k, v in claims["agreement_mean"].items()]
        out.append("")
    return out
