r"""``memnets experiment certify``: accuracy certified from the training set alone, per class pair.

Theorem 7.3 promises :math:`A_D \ge 1 - \varepsilon` once
:math:`N \ge (S_D/\varepsilon)\ln(S_D/\delta)`, but :math:`S_D` is a property of the unknown
distribution. M1 is a *sample-compression scheme*: its network is a fixed function of its
``k`` representatives and is right on the other ``N - k`` training samples, which bounds
its accuracy rigorously with no test set and no knowledge of D
(:meth:`memnets.ConstructionResult.certify`; Littlestone–Warmuth 1986, Floyd–Warmuth 1995):

.. math:: A_D \ge 1 - \varepsilon_k, \qquad \binom{N}{k} (1 - \varepsilon_k)^{N-k} = \delta / N.

For every pair of classes the experiment builds M1 with the smallest consistent subsets
memnets finds (``condense="mcs"``) on the pair's training images, and reports

* ``certified_accuracy`` (training set only, rigorous), ``k``, ``N``, ``k / N``, and the
  same certificate for FCNN's subset (``k_fcnn``, ``certified_accuracy_fcnn``);
* ``test_accuracy`` measured on every test image of the pair, and the held-out
  (Clopper–Pearson) certificate ``held_out_certified_accuracy`` from those test images;
* ``theorem73_accuracy_estimated_SD``: :math:`1 - \hat S_D \ln(\hat S_D/\delta)/N` with
  :math:`\hat S_D` = :func:`memnets.theory.estimate_SD` on the same sample (clipped at 0).
  **Not rigorous**: S_D is estimated, and the theorem's hypotheses (cells of diameter
  < c_D/2, cover radius <= c_D/2) are not checked.

The training sample must be i.i.d. for the certificate: the quick profile takes a
*uniformly random* subset of the pair's training images (a random subset of an i.i.d.
sample is i.i.d.; a per-class stratified one would not be), the full profile all of them.

Profiles: quick (default) MNIST pairs 0-1, 1-7, 2-3, 3-5, 4-9, 5-6, 8-9 with N = 1,000
random training images (~500 per label); ``full``: all 45 pairs on all training images
(~12,000 per pair; ~15-40 s per pair); ``profile="tiny"``: three pairs of ``digits``
(the test suite).

Outputs: ``certify.json``, ``certify_scatter.png`` (certified vs measured, with the
diagonal), ``certify_table.png`` (10 x 10 certified accuracies, when every pair ran).
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from memnets._core.errors import OptionError
from memnets.experiments._runner import header, run_cells, write_json

__all__ = ["run"]

QUICK_PAIRS = ((0, 1), (1, 7), (2, 3), (3, 5), (4, 9), (5, 6), (8, 9))
QUICK: dict[str, Any] = {"data": "mnist", "pairs": QUICK_PAIRS, "n_train": 1000}
FULL: dict[str, Any] = {"data": "mnist", "pairs": tuple(itertools.combinations(range(10), 2)), "n_train": None}
TINY: dict[str, Any] = {"data": "digits", "pairs": ((0, 1), (3, 5), (4, 9)), "n_train": None}
DATASETS = ("mnist", "fashion-mnist", "digits", "cifar10")
#: certified accuracy the report counts pairs against
TARGET = 0.9


def _derived_seed(*parts: int) -> int:
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1, np.uint32)[0])


def _train_sample(cell: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The pair's training images, or a uniformly random subset of ``n_train`` of them
    (i.i.d. like the whole: the choice ignores labels and pixels)."""
    from memnets import datasets

    X, y = datasets.load(cell["data"], classes=(cell["a"], cell["b"]), split="train", data_dir=cell["data_dir"])
    n = cell["n_train"]
    if n is not None and n < len(y):
        gen = np.random.default_rng(_derived_seed(cell["seed"], cell["a"], cell["b"]))
        keep = np.sort(gen.choice(len(y), size=n, replace=False))
        X, y = X[keep], y[keep]
    return X, y


def _cell(cell: dict[str, Any]) -> dict[str, Any]:
    from memnets import datasets
    from memnets._constructions.registry import construct
    from memnets._core.pac import compression_bound
    from memnets._geometry.condense import condense
    from memnets.theory.estimators import estimate_SD

    delta = cell["delta"]
    X, y = _train_sample(cell)
    Xt, yt = datasets.load(cell["data"], classes=(cell["a"], cell["b"]), split="test", data_dir=cell["data_dir"])
    N = len(y)
    t0 = time.perf_counter()
    res = construct(X, y, method="efficient", condense="mcs", rng=_derived_seed(cell["seed"], cell["a"], cell["b"], 1))
    build_seconds = time.perf_counter() - t0
    cert = res.certify(delta)
    held = res.certify(delta, X_test=Xt, y_test=yt)
    k_fcnn = int(condense(X, y, "fcnn", lam=1.0).size)
    S_D = int(estimate_SD(X, y))
    eps73 = S_D * math.log(S_D / delta) / N if S_D >= 1 else math.inf
    return {
        "pair": f"{cell['a']}-{cell['b']}", "a": cell["a"], "b": cell["b"], "N": N, "n_test": len(yt),
        "k": cert.k, "k_over_N": cert.k / N, "verified": bool(res.verified),
        "certified_accuracy": cert.accuracy,
        "test_accuracy": 1.0 - held.errors / held.n_samples, "test_errors": held.errors,
        "held_out_certified_accuracy": held.accuracy,
        "k_fcnn": k_fcnn, "certified_accuracy_fcnn": 1.0 - compression_bound(N, k_fcnn, delta),
        "S_D_estimate": S_D, "theorem73_accuracy_estimated_SD": max(0.0, 1.0 - eps73),
        "theorem73_rigorous": False,
        "build_seconds": build_seconds,
    }


def run(
    out_dir: str | os.PathLike[str],
    *,
    full: bool = False,
    jobs: int = 1,
    seed: int = 0,
    dask_scheduler: str | None = None,
    progress: bool = True,
    data: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    delta: float = 0.05,
    pairs: Sequence[tuple[int, int]] | None = None,
    n_train: int | None = None,
    profile: str | None = None,
) -> dict[str, Any]:
    """Certify M1 on class pairs; write ``certify.json`` and the plots into ``out_dir``.

    Parameters
    ----------
    full : every pair on every training image (default: the quick plan)
    data : dataset (``mnist`` unless the tiny profile; also ``fashion-mnist``, ``digits``,
        ``cifar10`` with ``data_dir``)
    delta : failure probability of the certificates
    pairs : class pairs to run (default: the profile's)
    n_train : training images per pair, a uniformly random subset (default: the profile's;
        None = all)
    profile : ``"tiny"`` (the test suite)

    Returns the summary ``{"name", "json", "plots", "markdown", "claims"}``.
    """
    from memnets._core.pac import check_delta

    started = time.perf_counter()
    if profile not in (None, "tiny"):
        raise OptionError(f"certify: profile must be None or 'tiny', got {profile!r}")
    d = check_delta(delta)
    plan: dict[str, Any] = dict(TINY if profile == "tiny" else FULL if full else QUICK)
    if data is not None:
        if data not in DATASETS:
            raise OptionError(f"certify: unknown dataset {data!r}; valid datasets are {DATASETS}")
        plan["data"] = data
    if pairs is not None:
        plan["pairs"] = tuple(sorted({(min(a, b), max(a, b)) for a, b in pairs}))
    for a, b in plan["pairs"]:
        if a == b or not (0 <= a <= 9 and 0 <= b <= 9):
            raise OptionError(f"certify: bad class pair ({a}, {b}); classes are 0..9 and must differ")
    if n_train is not None:
        if isinstance(n_train, bool) or not isinstance(n_train, int) or n_train < 2:
            raise OptionError(f"certify: n_train must be an int >= 2 or None, got {n_train!r}")
        plan["n_train"] = n_train
    ddir = str(data_dir) if data_dir is not None else None
    cells = [{"data": plan["data"], "a": a, "b": b, "n_train": plan["n_train"], "seed": seed, "delta": d,
              "data_dir": ddir} for a, b in plan["pairs"]]
    rows = run_cells(_cell, cells, jobs=jobs, dask_scheduler=dask_scheduler, desc="certify", progress=progress)
    cert = np.array([r["certified_accuracy"] for r in rows])
    test = np.array([r["test_accuracy"] for r in rows])
    claims = {
        "delta": d, "pairs": len(rows),
        "certified_at_most_measured_every_pair": bool((cert <= test).all()),
        "pairs_certified_above_measured": [r["pair"] for r in rows if r["certified_accuracy"] > r["test_accuracy"]],
        "target": TARGET,
        "pairs_certified_at_least_target": int((cert >= TARGET).sum()),
        "pairs_certified_at_least_target_fcnn": int(sum(r["certified_accuracy_fcnn"] >= TARGET for r in rows)),
        "mean_certified_accuracy": float(cert.mean()), "mean_test_accuracy": float(test.mean()),
        "min_certified_accuracy": float(cert.min()),
        "mean_k_over_N": float(np.mean([r["k_over_N"] for r in rows])),
        "all_verified": all(r["verified"] for r in rows),
        "theorem73_note": "theorem73_accuracy_estimated_SD uses an estimate of S_D from the same sample: "
                          "NOT a rigorous bound (unlike certified_accuracy)",
    }
    doc = {
        **header("certify", seed=seed, full=full, profile=profile),
        "plan": {**plan, "pairs": [list(p) for p in plan["pairs"]], "delta": d, "condense": "mcs"},
        "claims": claims, "table": rows, "timing": {"wall_seconds": time.perf_counter() - started},
    }
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = write_json(out / "certify.json", doc)
    plots = _plots(out, rows, plan, d)
    return {"name": "certify", "json": str(json_path), "plots": [str(p) for p in plots],
            "markdown": _markdown(rows, claims, plan, plots), "claims": claims}


def _plots(out: Path, rows: list[dict[str, Any]], plan: dict[str, Any], delta: float) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    test = np.array([r["test_accuracy"] for r in rows])
    fig, ax = plt.subplots(figsize=(5.6, 5.2))
    shown = [r[key] for r in rows for key in ("certified_accuracy", "certified_accuracy_fcnn")]
    lo = float(min(0.9, min(shown) - 0.03))
    ax.plot([lo, 1], [lo, 1], color="gray", lw=1, ls="--", label="certified = measured")
    ax.scatter(test, [r["certified_accuracy"] for r in rows], s=22, label="training set only, mcs (rigorous)")
    ax.scatter(test, [r["certified_accuracy_fcnn"] for r in rows], s=12, marker="x",
               label="training set only, FCNN's subset")
    ax.scatter(test, [r["held_out_certified_accuracy"] for r in rows], s=10, marker="s", alpha=0.6,
               label="held-out test-set bound")
    ax.axhline(TARGET, color="red", lw=0.8, ls=":")
    for r in rows:
        ax.annotate(r["pair"], (r["test_accuracy"], r["certified_accuracy"]), fontsize=6,
                    xytext=(2, -7), textcoords="offset points")
    ax.set_xlim(max(lo, float(test.min()) - 0.02), 1.0)
    ax.set_ylim(lo, 1.0)
    ax.set_xlabel("measured test accuracy")
    ax.set_ylabel(f"certified accuracy (probability >= {1 - delta:g})")
    ax.set_title(f"M1 on {plan['data']} pairs: certified vs measured")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    paths = [out / "certify_scatter.png"]
    fig.savefig(paths[0], dpi=110)
    plt.close(fig)
    if len(rows) == 45:
        from memnets.experiments._plots import pair_heatmaps

        tables = {}
        for key, name in (("certified_accuracy", "certified (training set only)"), ("test_accuracy", "measured (test)")):
            t = np.full((10, 10), np.nan)
            for r in rows:
                t[r["a"], r["b"]] = t[r["b"], r["a"]] = r[key]
            tables[name] = t
        paths.append(pair_heatmaps(out / "certify_table.png", tables, [str(c) for c in range(10)],
                                   title=f"M1 (condense='mcs') on {plan['data']}: certified vs measured accuracy",
                                   vmin=0.6, cbar_label="accuracy"))
    return paths


def _markdown(rows: list[dict[str, Any]], claims: dict[str, Any], plan: dict[str, Any], plots: list[Path]) -> str:
    n = plan["n_train"]
    lines = [
        f"M1 with the smallest consistent subsets (`condense=\"mcs\"`) on {plan['data']} class pairs, "
        + (f"N = {n} uniformly random training images per pair" if n else "every training image")
        + f"; certificates at delta = {claims['delta']:g} (probability >= {1 - claims['delta']:g}).",
        "",
        "| pair | N | k (k/N) | certified (training only) | FCNN k / certified | measured test | "
        "held-out bound | Thm 7.3 with estimated S_D (not rigorous) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['pair']} | {r['N']} | {r['k']} ({r['k_over_N']:.2%}) | **{r['certified_accuracy']:.4f}** | "
            f"{r['k_fcnn']} / {r['certified_accuracy_fcnn']:.4f} | {r['test_accuracy']:.4f} | "
            f"{r['held_out_certified_accuracy']:.4f} | {r['theorem73_accuracy_estimated_SD']:.3f} "
            f"(S_D ~ {r['S_D_estimate']}) |"
        )
    lines += [
        "",
        f"- Certified <= measured on every pair: **{claims['certified_at_most_measured_every_pair']}**"
        + (f" (above on {', '.join(claims['pairs_certified_above_measured'])})"
           if claims["pairs_certified_above_measured"] else "") + ".",
        f"- Pairs certified >= {claims['target']:g} from the training set alone: "
        f"**{claims['pairs_certified_at_least_target']} of {claims['pairs']}** "
        f"(with FCNN's subsets: {claims['pairs_certified_at_least_target_fcnn']}); mean certified "
        f"{claims['mean_certified_accuracy']:.4f} vs mean measured {claims['mean_test_accuracy']:.4f}.",
        "- The Theorem 7.3 column plugs an *estimate* of S_D into N >= (S_D/eps) ln(S_D/delta): "
        "not a certificate (S_D is unknown), shown for comparison.",
        "",
    ]
    lines += [f"![{p.stem}]({p.name})" for p in plots]
    return "\n".join(lines)
