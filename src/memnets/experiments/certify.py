r"""``memnets experiment certify``: accuracy certified from the training set alone, per class pair.

Theorem 7.3 promises :math:`A_D \ge 1 - \varepsilon` once
:math:`N \ge (S_D/\varepsilon)\ln(S_D/\delta)`, but :math:`S_D` is a property of the unknown
distribution. ``efficient`` is a *sample-compression scheme*: its network is a fixed function of its
``k`` representatives and is right on the other ``N - k`` training samples, which bounds
its accuracy rigorously with no test set and no knowledge of D
(:meth:`memnets.ConstructionResult.certify`; Littlestone–Warmuth 1986, Floyd–Warmuth 1995):

.. math:: A_D \ge 1 - \varepsilon_k, \qquad \binom{N}{k} (1 - \varepsilon_k)^{N-k} = \delta / N.

For every pair of classes the experiment builds ``efficient`` with the smallest consistent subsets
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
random training images (~500 per label); ``profile="full"``: all 45 pairs on all training images
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
from typing import Any

import numpy as np

from memnets import OptionError
from memnets.experiments._options import RunOptions
from memnets.experiments._plots.certify import certify_plots
from memnets.experiments._tail import finish

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
    out_dir: RunOptions | str | os.PathLike[str],
    *,
    data: str | None = None,
    delta: float = 0.05,
    pairs: Sequence[tuple[int, int]] | None = None,
    n_train: int | None = None,
    **run_options: Any,
) -> dict[str, Any]:
    """Certify ``efficient`` on class pairs; write ``certify.json`` and the plots into ``out_dir``.

    Parameters
    ----------
    out_dir : the output folder or the whole :class:`~memnets.experiments.RunOptions`
        (``profile="full"``: every pair on every training image; ``profile="tiny"``: the test suite)
    data : dataset (``mnist`` unless the tiny profile; also ``fashion-mnist``, ``digits``,
        ``cifar10`` with ``data_dir``)
    delta : failure probability of the certificates
    pairs : class pairs to run (default: the profile's)
    n_train : training images per pair, a uniformly random subset (default: the profile's;
        None = all)

    Returns the summary ``{"name", "json", "plots", "markdown", "claims"}``.
    """
    from memnets._core.pac import check_delta

    opts = RunOptions.coerce(out_dir, run_options, experiment="certify")
    started = time.perf_counter()
    d = check_delta(delta)
    plan = opts.plan(QUICK, FULL, TINY)
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
    ddir = str(opts.data_dir) if opts.data_dir is not None else None
    cells = [{"data": plan["data"], "a": a, "b": b, "n_train": plan["n_train"], "seed": opts.seed, "delta": d,
              "data_dir": ddir} for a, b in plan["pairs"]]
    rows = opts.run_cells(_cell, cells, desc="certify")
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
    doc = {"plan": {**plan, "pairs": [list(p) for p in plan["pairs"]], "delta": d, "condense": "mcs"},
           "claims": claims, "table": rows}
    return finish("certify", opts, doc, started=started,
                  plots=lambda: certify_plots(opts.out_dir, rows, plan["data"], d, TARGET),
                  markdown=lambda plots: _markdown(rows, claims, plan), claims=claims)


def _markdown(rows: list[dict[str, Any]], claims: dict[str, Any], plan: dict[str, Any]) -> str:
    n = plan["n_train"]
    lines = [
        f"`efficient` with the smallest consistent subsets (`condense=\"mcs\"`) on {plan['data']} class pairs, "
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
    ]
    return "\n".join(lines)
