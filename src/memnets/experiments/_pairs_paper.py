"""The ``paper`` profile of ``memnets experiment pairs``: the paper's Tables 1 and 2 at its settings.

Appendix I: ``mnist`` with **500 training images per label** (seeded) and ``cifar10`` (when
present) with **3,000 per label**, each tested on **all test images of the two classes**. Per
pair three columns, each verified to memorize: ``pairwise`` (the paper's own Theorem 7.3
network), ``efficient`` (ours) with every sample a representative (``condense="none"``) and
scikit-learn's ``1-NN``, plus the fraction of test images on which the three give the same
label. The report puts the paper's words next to the counts that test them.

**F(x) = 0.** The paper's network is exactly 0 where every unit is dead (a thin band along the
1-NN boundary), and the paper's Sgn leaves the label there undefined. memnets' convention sends
F = 0 to ``classes[0]`` (the ``accuracy`` column). Per pair the ``pairwise`` column also counts
the test images with F(x) = 0 exactly (``zero_outputs``: certified by the pairwise engine's
float bound, the undecided ones evaluated exactly) and the accuracy with F = 0 counted as an
error (``accuracy_zero_as_error``).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import numpy as np

import memnets as mn
from memnets.experiments._pair_data import derived_seed, drop_conflicts, load_splits

__all__ = ["PAPER_COLUMNS", "PAPER_SIZES", "PAPER_WORDS", "paper_cell", "paper_claims", "paper_markdown",
           "paper_rows"]

#: the paper's Appendix I: training images per label, every test image of the two classes
PAPER_SIZES: dict[str, tuple[int | None, int | None]] = {"mnist": (500, None), "cifar10": (3000, None)}
#: the paper profile's columns: name -> (method, construction options; None = 1-NN)
PAPER_COLUMNS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "pairwise": ("pairwise", {}),
    "efficient": ("efficient", {"condense": "none"}),
    "1-NN": (None, {}),
}
#: the paper's words about its Tables 1-2 (Appendix I) and the threshold each one names
PAPER_WORDS: dict[str, tuple[str, float]] = {
    "mnist": ("“almost all” pairs above 90%", 0.90),
    "cifar10": ("most pairs above 70%; poor on some pairs such as cat-dog (3-5)", 0.70),
}


def exact_zeros(res: Any, X: np.ndarray) -> np.ndarray:
    """Where the paper's network (a ``pairwise`` result) outputs F(x) = 0 exactly.

    The pairwise engine's certified float pass returns value 0 with bound 0 exactly when every
    unit is certainly dead; the inputs whose interval still contains 0 are evaluated in exact
    arithmetic (:func:`memnets._engines.pair_units.forward_pairwise_exact`, bound 0 = exact).
    """
    from memnets._engines.pair_units import forward_pairwise, forward_pairwise_exact

    vals, bounds = forward_pairwise(res.network, X)
    zero = (vals == 0) & (bounds == 0)
    undecided = np.flatnonzero((np.abs(vals) <= bounds) & (bounds > 0))
    if undecided.size:
        exact, exact_bounds = forward_pairwise_exact(res.network, X[undecided])
        zero[undecided] = (exact == 0) & (exact_bounds == 0)
    return zero


def paper_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """One pair at the paper's settings: ``pairwise`` (the paper's network), ``efficient`` and
    1-NN on the same images, how often they agree on the test images, and where the paper's
    network is exactly 0."""
    from sklearn.neighbors import KNeighborsClassifier

    pair = (int(cell["a"]), int(cell["b"]))
    X, y, Xt, yt = load_splits(cell["data"], pair, cell["n_train"], cell["n_test"], cell["seed"], cell["data_dir"])
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
                             # verified = every (conflict-free) training sample proven memorized:
                             # accuracy 1 on them, without a second pass over the training set
                             "train_accuracy": 1.0 if res.verified else res.score(X, y),
                             "width": res.stats["width"], "depth": res.stats["depth"]}
            if method == "pairwise":
                # F(x) = 0 exactly only where the prediction is classes[0] (code 0 is F <= 0)
                zero = np.zeros(len(yt), dtype=bool)
                low = np.flatnonzero(preds[name] == res.classes[0])
                zero[low] = exact_zeros(res, Xt[low])
                columns[name].update(zero_outputs=int(zero.sum()),
                                     accuracy_zero_as_error=float(np.mean((preds[name] == yt) & ~zero)),
                                     zero_label=res.classes[0].item())
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
                         **{k: col[k] for k in ("zero_outputs", "accuracy_zero_as_error") if k in col},
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
    zero = [r for r in rows if "zero_outputs" in r]
    if zero:
        strict = np.array([r["accuracy_zero_as_error"] for r in zero])
        out["zero_outputs"] = {
            "test_images": int(sum(r["zero_outputs"] for r in zero)),
            "of": int(sum(r["n_test"] for r in zero)),
            "most_in_one_pair": max(r["zero_outputs"] for r in zero),
            "mean_accuracy": float(np.mean([r["accuracy"] for r in zero])),
            "mean_accuracy_zero_as_error": float(strict.mean()),
            "above_threshold_zero_as_error": int((strict > threshold).sum()),
            "per_pair": [{"a": r["a"], "b": r["b"], "n_test": r["n_test"], "zero_outputs": r["zero_outputs"],
                          "accuracy": r["accuracy"], "accuracy_zero_as_error": r["accuracy_zero_as_error"]}
                         for r in zero],
        }
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
    z = claims.get("zero_outputs")
    if z:
        out += [f"**F(x) = 0** (every unit of the paper's network dead; the paper's Sgn leaves the label "
                f"undefined): {z['test_images']} of {z['of']} test images (at most {z['most_in_one_pair']} in one "
                f"pair). Mean accuracy of `pairwise` with F = 0 sent to the first class (memnets' convention, the "
                f"table): {z['mean_accuracy']:.4f}; with F = 0 counted as an error: "
                f"{z['mean_accuracy_zero_as_error']:.4f} ({z['above_threshold_zero_as_error']} pairs above {t:.0%}).",
                "", "| pair | test images | F(x) = 0 | accuracy, F = 0 -> first class | accuracy, F = 0 an error |",
                "|---|---|---|---|---|"]
        out += [f"| {p['a']}-{p['b']} | {p['n_test']} | {p['zero_outputs']} | {p['accuracy']:.4f} | "
                f"{p['accuracy_zero_as_error']:.4f} |" for p in z["per_pair"]]
        out.append("")
    if claims["agreement_mean"]:
        out += ["How far `pairwise` (the paper's network), `efficient` (every sample a representative) and 1-NN "
                "agree on the test images (mean over pairs, worst pair):", "",
                "| pair of methods | mean agreement | min agreement |", "|---|---|---|"]
        out += [f"| {k} | {v:.4f} | {claims['agreement_min'][k]:.4f} |" for k, v in claims["agreement_mean"].items()]
        out.append("")
    return out
