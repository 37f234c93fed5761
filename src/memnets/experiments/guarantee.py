r"""``memnets experiment guarantee``: ``efficient``'s generalization guarantee (Theorem 7.3).

Family: a mixture of K labelled balls (:func:`memnets.datasets.ball_mixture`), each ball of
diameter < c_D / 2, so the support splits into :math:`S_D = K` cells of diameter < c_D/2.
Theorem 7.3: if :math:`N \ge N^* = (S_D/\varepsilon)\ln(S_D/\delta)`, ``efficient`` (``method="efficient"``)
trained on N i.i.d. samples has accuracy :math:`A_D \ge 1 - \varepsilon` with probability
:math:`\ge 1 - \delta`.

For N on a grid of multiples of :math:`N^*` the experiment runs ``efficient`` on ``seeds`` independent
samples, measures the accuracy on fresh test samples, and reports the fraction of runs with
accuracy >= 1 - eps (with its Wilson 95% interval), together with the fraction of runs in
which every ball was hit (the event the proof uses: all K cells hold a sample, whose
probability is at least :math:`1 - K(1 - 1/K)^N`), and the estimate
:func:`memnets.theory.estimate_cells` of S_D (the cells of diameter < c/2; the JSON keys keep
the name ``S_D``) on each sample. The claim checked: from
:math:`N^*` on, the empirical success probability is at least :math:`1 - \delta`.

Outputs: ``guarantee.json``, ``guarantee_success.png``.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np

import memnets as mn
from memnets import OptionError
from memnets.experiments._options import RunOptions
from memnets.experiments._plots.guarantee import guarantee_plots
from memnets.experiments._tail import finish

__all__ = ["run", "wilson_interval"]

QUICK: dict[str, Any] = {"factors": [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0, 2.0], "seeds": 20,
                         "n_test": 4000}
FULL: dict[str, Any] = {"factors": [1 / 128, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 3 / 4, 1.0, 1.5, 2.0, 4.0],
                        "seeds": 100, "n_test": 20000}
#: the test suite's size (``profile="tiny"``; also 6 balls in [0,1]^3 unless given)
TINY: dict[str, Any] = {"factors": [1 / 32, 1.0, 2.0], "seeds": 20, "n_test": 2000}


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion.

    >>> [round(v, 4) for v in wilson_interval(20, 20)]
    [0.8389, 1.0]
    """
    if trials == 0:
        return (0.0, 1.0)
    p = successes / trials
    den = 1 + z * z / trials
    mid = (p + z * z / (2 * trials)) / den
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))


def _distribution(dist: dict[str, Any]) -> Any:
    from memnets.datasets import ball_mixture

    return ball_mixture(n_features=dist["n_features"], n_balls=dist["n_balls"],
                        separation=dist["separation"], rng=dist["seed"])


def _cell(cell: dict[str, Any]) -> dict[str, Any]:
    from memnets.theory import estimate_cells, estimate_SD

    D = _distribution(cell["dist"])
    N, seed = cell["N"], cell["seed"]
    X, y = D.sample(N, rng=seed)
    Xt, yt = D.sample(cell["n_test"], rng=10**6 + seed)
    hit = np.unique(D.ball_index(X))
    out: dict[str, Any] = {"N": N, "seed": seed, "balls_hit": int((hit >= 0).sum()),
                           "all_balls_hit": bool((hit >= 0).sum() == D.n_balls)}
    if len(np.unique(y)) < 2:
        # one class seen: efficient (any memorizer) needs two classes; the run fails the target
        out.update(memorized=False, accuracy=None, success=False, reason="one class in the sample")
        return out
    t0 = time.perf_counter()
    res = mn.construct(X, y, method="efficient", rng=seed)
    acc = res.score(Xt, yt)
    out.update(memorized=True, verified=res.verified, accuracy=acc, success=acc >= 1 - cell["eps"],
               params=res.stats["params"], S_D_estimate=int(estimate_cells(X, y)),
               S_D_def71_estimate=int(estimate_SD(X, y)), seconds=time.perf_counter() - t0)
    paper = mn.construct(X, y, method="pairwise", rng=seed)
    paper_acc = paper.score(Xt, yt)
    out.update(paper_verified=paper.verified, paper_accuracy=paper_acc,
               paper_success=paper_acc >= 1 - cell["eps"], paper_params=paper.stats.get("params_paper"))
    return out


def run(
    out_dir: RunOptions | str | os.PathLike[str],
    *,
    n_features: int | None = None,
    n_balls: int | None = None,
    separation: float = 0.2,
    eps: float = 0.1,
    delta: float = 0.1,
    factors: list[float] | None = None,
    seeds: int | None = None,
    n_test: int | None = None,
    **run_options: Any,
) -> dict[str, Any]:
    """Run the sweep; write ``guarantee.json`` and ``guarantee_success.png`` into ``out_dir``.

    ``out_dir`` is the output folder or the whole :class:`~memnets.experiments.RunOptions`;
    ``run_options`` are its other fields (``profile``, ``jobs``, ``seed`` ...).

    Quick default (well under a minute): K = 12 balls in [0,1]^4 (c_D >= 0.2, radius c_D/5),
    eps = delta = 0.1, N = N* x {1/64, 1/32, ..., 2}, 20 seeds per N, 4000 test points.
    ``profile="full"``: twelve multiples from 1/128 to 4, 100 seeds, 20000 test points.
    ``profile="tiny"``: 6 balls in [0,1]^3, N = N* x {1/32, 1, 2}, 20 seeds (the test suite).
    """
    opts = RunOptions.coerce(out_dir, run_options, experiment="guarantee")
    started = time.perf_counter()
    tiny = opts.profile == "tiny"
    n_features = n_features if n_features is not None else (3 if tiny else 4)
    n_balls = n_balls if n_balls is not None else (6 if tiny else 12)
    if not (0 < eps < 1 and 0 < delta < 1):
        raise OptionError(f"guarantee: eps and delta must lie in (0, 1), got {eps}, {delta}")
    plan = opts.plan(QUICK, FULL, TINY, factors=factors, seeds=seeds, n_test=n_test)
    dist = {"n_features": n_features, "n_balls": n_balls, "separation": separation, "seed": opts.seed}
    D = _distribution(dist)
    S_D = D.n_cells
    N_star = int(mn.theory.sample_size_thm73(S_D, eps, delta))
    Ns = sorted({max(2, round(f * N_star)) for f in plan["factors"]})
    cells = [{"dist": dist, "N": N, "seed": opts.seed * 100_000 + N * 1000 + s, "n_test": plan["n_test"],
              "eps": eps} for N in Ns for s in range(plan["seeds"])]
    got = opts.run_cells(_cell, cells, desc="guarantee")
    table = []
    for N in Ns:
        rs = [g for g in got if g["N"] == N]
        k = sum(bool(g["success"]) for g in rs)
        lo, hi = wilson_interval(k, len(rs))
        accs = [g["accuracy"] for g in rs if g["accuracy"] is not None]
        table.append({
            "N": N, "N_over_N_star": N / N_star, "runs": len(rs), "successes": k,
            "success_fraction": k / len(rs), "wilson_low": lo, "wilson_high": hi,
            "all_balls_hit_fraction": float(np.mean([g["all_balls_hit"] for g in rs])),
            "coverage_lower_bound": max(0.0, 1 - S_D * (1 - 1 / S_D) ** N),
            "mean_accuracy": float(np.mean(accs)) if accs else None,
            "min_accuracy": float(np.min(accs)) if accs else None,
            "mean_S_D_estimate": float(np.mean([g["S_D_estimate"] for g in rs if "S_D_estimate" in g]))
            if any("S_D_estimate" in g for g in rs) else None,
            "mean_S_D_def71_estimate": float(np.mean([g["S_D_def71_estimate"] for g in rs if "S_D_def71_estimate" in g]))
            if any("S_D_def71_estimate" in g for g in rs) else None,
            "paper_success_fraction": sum(bool(g.get("paper_success")) for g in rs) / len(rs),
        })
    past = [t for t in table if t["N"] >= N_star]
    at_star = next((t for t in table if t["N"] >= N_star), None)
    est = at_star["mean_S_D_estimate"] if at_star else None
    claims = {
        "S_D": S_D, "eps": eps, "delta": delta, "N_star": N_star,
        "success_at_least_1_minus_delta_from_N_star": bool(past) and all(
            t["success_fraction"] >= 1 - delta for t in past),
        "min_success_fraction_from_N_star": min((t["success_fraction"] for t in past), default=None),
        "paper_network_success_at_least_1_minus_delta_from_N_star": bool(past) and all(
            t["paper_success_fraction"] >= 1 - delta for t in past),
        "smallest_N_with_success_1_minus_delta": next(
            (t["N"] for t in table if t["success_fraction"] >= 1 - delta), None),
        # what a user without the true S_D would plan: the estimator's S_D on an N*-sized sample
        "S_D_estimate_at_N_star": est,
        "N_star_from_estimate": int(mn.theory.sample_size_thm73(max(1.0, est), eps, delta)) if est else None,
    }
    doc = {"distribution": D.to_dict(), "plan": {**plan, "Ns": Ns}, "claims": claims, "table": table, "cells": got}
    return finish("guarantee", opts, doc, started=started, plots=lambda: guarantee_plots(opts.out_dir, table, claims, D),
                  markdown=lambda plots: _markdown(table, claims, D), claims=claims)


def _markdown(table: list[dict[str, Any]], claims: dict[str, Any], D: Any) -> str:
    lines = [
        f"`efficient` on a mixture of {D.n_balls} balls in [0,1]^{D.n_features} (radius {D.radius:.3g}, "
        f"c_D = {D.separation:.4g}, S_D = {claims['S_D']} cells); eps = {claims['eps']:g}, "
        f"delta = {claims['delta']:g}; Theorem 7.3's sample size N* = {claims['N_star']}.",
        "",
        "| N | N/N* | runs | efficient success fraction (Wilson 95%) | paper's network success | every ball hit | efficient mean / min accuracy | cells estimate | S_D (Def. 7.1) estimate |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in table:
        acc = "-" if t["mean_accuracy"] is None else f"{t['mean_accuracy']:.4f} / {t['min_accuracy']:.4f}"
        sd = "-" if t["mean_S_D_estimate"] is None else f"{t['mean_S_D_estimate']:.1f}"
        sd71 = "-" if t["mean_S_D_def71_estimate"] is None else f"{t['mean_S_D_def71_estimate']:.1f}"
        lines.append(
            f"| {t['N']} | {t['N_over_N_star']:.3g} | {t['runs']} | {t['success_fraction']:.2f} "
            f"[{t['wilson_low']:.2f}, {t['wilson_high']:.2f}] | {t['paper_success_fraction']:.2f} | "
            f"{t['all_balls_hit_fraction']:.2f} | {acc} | {sd} | {sd71} |"
        )
    lines += [
        "",
        f"- From N* on, the empirical success probability is >= 1 - delta: "
        f"**{claims['success_at_least_1_minus_delta_from_N_star']}** (min "
        f"{claims['min_success_fraction_from_N_star']}); the smallest N reaching it is "
        f"{claims['smallest_N_with_success_1_minus_delta']} (the theorem's N* is a sufficient size). "
        f"The paper's own network on the same samples: "
        f"**{claims['paper_network_success_at_least_1_minus_delta_from_N_star']}**.",
        f"- Planning with the estimator instead of the true S_D: estimate_cells gives "
        f"{claims['S_D_estimate_at_N_star']} on N*-sized samples (true {claims['S_D']}), hence "
        f"N* = {claims['N_star_from_estimate']} (conservative: the greedy cover at radius c/4 splits "
        "each ball).",
    ]
    return "\n".join(lines)
