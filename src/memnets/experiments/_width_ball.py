r"""Theorem 5.1's sweep of the ``width`` experiment: a ball inside a thin shell.

:func:`memnets.datasets.ball_shell` (Appendix D): label 0 uniform in a ball, label 1 uniform
in a thin shell around it, equal masses, radii :math:`r_1 : r_2 : r_3 = 1 : 2^{1/n} : 3^{1/n}`
with :math:`r_3 = 1/2` and the fibre condition :math:`3^{1-w/n} - 2^{1-w/n} \ge 0.99`. Every
network whose first layer has rank :math:`< n` is constant on the fibres :math:`x + \ker W_1`,
and every fibre through the ball carries about as much shell as ball, so its error is
:math:`\ge 0.49` *whatever N is*; the audit certifies it per network (fibre masses in closed
form, a Hoeffding bound). Arms (:data:`BALL_ARMS`):

- rank-w memorizers: ``optimal`` and ``interval`` (rank 1), ``vardi2022`` and ``park2021``
  (both project to one dimension), trained MLPs of first width w (``method="trained"``,
  ``first_width=w``);
- wide networks: ``efficient`` (rank W_1 = number of representatives, so rank n once it keeps
  more than n of them), the paper's own Theorem 7.3 network ``pairwise`` and a trained MLP of
  first width n. The audit has no null space to work with for them: they are *not certified
  to fail*, and their measured accuracy at feasible N is reported as it is.

:func:`ball_sweep` runs it for :func:`memnets.experiments.width.run`, which writes its result
under ``"ball_shell"`` of ``width.json`` and draws ``width_ball_shell.png``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

import memnets as mn
from memnets.experiments._options import RunOptions
from memnets.experiments._tail import image_links, table_head
from memnets.experiments._width_cells import DELTA, arm_cell, arm_row, arms, fmt, trained_options

__all__ = ["BALL_ARMS", "BALL_FULL", "BALL_QUICK", "BALL_TINY", "ball_cell", "ball_features", "ball_markdown",
           "ball_sweep"]

#: Theorem 5.1's arms: name -> (method, label). Rank-w memorizers first, then wide networks.
BALL_ARMS: dict[str, tuple[str, str]] = arms(
    optimal="projects to 1-D", interval="projects to 1-D", vardi2022="projects to 1-D", park2021="projects to 1-D",
    trained_w="w", efficient="rank = representatives", pairwise="Theorem 7.3's network", trained_wide="n",
)


def ball_features(width: int) -> int:
    """n for ``ball_shell(n, width)`` in the full profile: the smallest n meeting the fibre
    condition (:func:`memnets.datasets.min_features_ball_shell`), rounded up to a multiple of 100.

    >>> [ball_features(w) for w in (1, 2, 4)]
    [200, 400, 800]
    """
    return 100 * math.ceil(mn.datasets.min_features_ball_shell(width) / 100)


BALL_QUICK: dict[str, Any] = {"cases": [[200, 1]], "Ns": [100, 300, 1000], "seeds": 1, "n_test": 5000,
                              "n_lines": 2000, "pairwise_max_N": 300}
BALL_FULL: dict[str, Any] = {"cases": [[ball_features(w), w] for w in (1, 2, 4)], "Ns": [100, 300, 1000, 3000],
                             "seeds": 3, "n_test": 10000, "n_lines": 10000, "pairwise_max_N": 1000}
BALL_TINY: dict[str, Any] = {"cases": [[200, 1]], "Ns": [100, 300], "seeds": 1, "n_test": 2000,
                             "n_lines": 2000, "pairwise_max_N": 300}


def ball_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """One arm on one sample of ``ball_shell(n, w)``: test accuracy and the fibre audit."""
    n, w, arm = cell["n"], cell["w"], cell["arm"]
    first = {"trained_w": w, "trained_wide": n}.get(arm)
    options = trained_options(first, cell) if first is not None else {}
    return arm_cell(cell, mn.datasets.ball_shell(n, w), BALL_ARMS[arm][0], options,
                    {"n": n, "w": w, "N": cell["N"], "seed": cell["seed"], "arm": arm})


def _ball_geometry(n: int, w: int, N: int, n_test: int, seed: int) -> dict[str, Any]:
    """The numbers that say why nearest-neighbour rules are at chance here: c_D against the
    median distance from a test point to its nearest training point (largest N)."""
    D = mn.datasets.ball_shell(n, w)
    X, _ = D.sample(N, rng=seed)
    Xt, _ = D.sample(min(n_test, 1000), rng=10**6 + seed)
    d2 = (Xt * Xt).sum(1)[:, None] - 2.0 * Xt @ X.T + (X * X).sum(1)[None, :]
    nn = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    (_, r1), (r2, r3) = D.radii
    # Definition 7.1: a shell point x has L(x) <= (r2 - r1) + (r3 - r2), and balls centred in the
    # inner ball (radius L/3.1 < L) never reach the shell, so covering the shell (volume
    # V_n r1^n: equal masses) takes at least (r1 / ((r3 - r1) / 3.1))^n nearby balls
    log10_sd = n * math.log10(r1 / ((r3 - r1) / 3.1))
    return {"n": n, "w": w, "radii": [r1, r2, r3], "separation": D.separation,
            "fibre_ratio": mn.datasets.fibre_ratio(n, w),
            "min_features": mn.datasets.min_features_ball_shell(w),
            "log10_S_D_lower": log10_sd,
            "N_for_nn_distance": N, "nn_distance_median": float(np.median(nn))}


def ball_sweep(opts: RunOptions, bplan: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    """Theorem 5.1's sweep: every (n, w) case, N, seed and arm; tables and claims."""
    cells = []
    for n, w in bplan["cases"]:
        for N in bplan["Ns"]:
            for s in range(bplan["seeds"]):
                for arm in bplan["arms"]:
                    if arm == "pairwise" and bplan["pairwise_max_N"] < N:
                        continue  # O(N^2 n) params
                    cells.append({"n": int(n), "w": int(w), "N": int(N), "seed": opts.seed_for(s), "arm": arm,
                                  "n_test": bplan["n_test"], "n_lines": bplan["n_lines"], **common})
    got = opts.run_cells(ball_cell, cells, desc="width: ball-shell",
                         order=lambda c: (BALL_ARMS[c["arm"]][0] != "trained", -c["N"]))
    geometry = [_ball_geometry(int(n), int(w), max(bplan["Ns"]), bplan["n_test"], opts.seed_for(0))
                for n, w in bplan["cases"]]
    table = []
    for n, w in bplan["cases"]:
        for N in bplan["Ns"]:
            for arm in bplan["arms"]:
                rs = [g for g in got if g["n"] == n and g["w"] == w and g["N"] == N and g["arm"] == arm]
                bounds = [g["audit_bound"] for g in rs if g.get("memorized") and g.get("audit_bound") is not None]
                table.append({**arm_row(rs, n=n, w=w, N=N, arm=arm), "audit_bound": min(bounds, default=None)})
    return {"plan": bplan, "geometry": geometry, "table": table, "claims": _ball_claims(got, bplan), "cells": got}


def _ball_claims(got: list[dict[str, Any]], bplan: dict[str, Any]) -> dict[str, Any]:
    """Theorem 5.1 checked per network: rank W_1 < n => certified error bound b, and the
    measured accuracy is <= 1 - b + test_slack (Hoeffding half-width of the test accuracy).

    ``theorem_level`` compares the audit's mean minority mass with the theorem's 0.49; the
    certified bound is lower by the audit's own Hoeffding slack (1/2) sqrt(ln(1/delta) / (2 L)).
    """
    slack = math.sqrt(math.log(2 / DELTA) / (2 * bplan["n_test"]))
    audit_slack = 0.5 * math.sqrt(math.log(1 / DELTA) / (2 * bplan["n_lines"]))
    mem = [g for g in got if g.get("memorized")]
    deficient = [g for g in mem if g["rank_first_layer"] < g["n"]]
    narrow = [g for g in deficient if g["rank_first_layer"] <= g["w"]]  # the theorem's networks
    full = [g for g in mem if g["rank_first_layer"] >= g["n"]]
    by_arm: dict[str, Any] = {}
    for arm in bplan["arms"]:
        rs = [g for g in got if g["arm"] == arm]
        ms = [g for g in rs if g.get("memorized")]
        by_arm[arm] = {
            "runs": len(rs), "memorized": len(ms),
            "max_accuracy": max((g["test_accuracy"] for g in ms), default=None),
            "min_accuracy": min((g["test_accuracy"] for g in ms), default=None),
            "min_bound": min((g["audit_bound"] for g in ms if g.get("audit_bound") is not None), default=None),
            "ranks": sorted({int(g["rank_first_layer"]) for g in ms}),
        }
    return {
        "test_slack": slack,
        "audit_slack": audit_slack,
        "rank_deficient_runs": len(deficient),
        "every_rank_deficient_run_certified": all(g.get("audit_bound") is not None for g in deficient),
        "rank_deficient_below_ceiling": all(
            g["test_accuracy"] <= 1 - g["audit_bound"] + slack for g in deficient if g.get("audit_bound") is not None),
        "min_bound": min((g["audit_bound"] for g in deficient if g.get("audit_bound") is not None), default=None),
        "rank_at_most_w_runs": len(narrow),
        "rank_at_most_w_min_bound": min((g["audit_bound"] for g in narrow), default=None),
        "rank_at_most_w_max_ceiling": max((1 - g["audit_bound"] for g in narrow), default=None),
        "rank_at_most_w_max_accuracy": max((g["test_accuracy"] for g in narrow), default=None),
        "rank_at_most_w_min_minority_mean": min((g["audit_minority_mean"] for g in narrow), default=None),
        "rank_at_most_w_at_theorem_level": all(g["audit_minority_mean"] >= 0.49 - 2 * audit_slack for g in narrow),
        "full_rank_runs": len(full),
        "full_rank_uncertified": all(g.get("audit_bound") is None for g in full),
        "full_rank_max_accuracy": max((g["test_accuracy"] for g in full), default=None),
        "by_arm": by_arm,
    }


def _ball_cell_text(t: dict[str, Any], n: int) -> str:
    if t["runs"] == 0:
        return "not run"
    if t["memorized"] == 0:
        return f"not memorized (train acc. {fmt(t['best_train_accuracy'])})"
    rank = round(t["rank_first_layer"])
    if t["audit_bound"] is not None:
        return f"{t['test_accuracy']:.3f} (ceiling {1 - t['audit_bound']:.3f}, rank {rank})"
    return f"{t['test_accuracy']:.3f}, no bound (rank {rank}{' = n' if rank >= n else ''})"


def ball_markdown(ball: dict[str, Any], plots: list[Path]) -> str:
    """The report's section on Theorem 5.1's distribution, ``plots`` linked at its end."""
    plan, claims = ball["plan"], ball["claims"]
    arms = plan["arms"]
    lines = ["### Theorem 5.1's distribution: a ball inside a thin shell", ""]
    for geo in ball["geometry"]:
        n, w = geo["n"], geo["w"]
        r1, r2, r3 = geo["radii"]
        lines += [
            f"`ball_shell(n={n}, w={w})`: label 0 uniform in the ball of radius r1 = {r1:.6f}, label 1 uniform "
            f"in the shell r2 = {r2:.6f} <= |x - q| <= r3 = {r3:g}, equal masses; fibre condition "
            f"3^(1-w/n) - 2^(1-w/n) = {geo['fibre_ratio']:.4f} >= 0.99 (n >= {geo['min_features']} meets it); "
            f"c_D = r2 - r1 = {geo['separation']:.3g}. Cells: test accuracy on {plan['n_test']} fresh points, with "
            f"the certified ceiling 1 - b for networks with rank W_1 < n (fibre audit, probability >= "
            f"{1 - DELTA:g}), or \"no bound\" when rank W_1 = n.",
            "",
            *table_head("N", *(BALL_ARMS[a][1] for a in arms)),
        ]
        for N in plan["Ns"]:
            row = [next(t for t in ball["table"] if t["n"] == n and t["w"] == w and t["N"] == N and t["arm"] == a)
                   for a in arms]
            lines.append(f"| {N} | " + " | ".join(_ball_cell_text(t, n) for t in row) + " |")
        lines += [
            "",
            f"- Geometry at N = {geo['N_for_nn_distance']}: the median distance from a test point to its nearest "
            f"training point is {geo['nn_distance_median']:.3f}, about {geo['nn_distance_median'] / geo['separation']:.0f} "
            "times c_D: the shell is thin compared with the distances between samples, so a nearest-neighbour "
            f"rule sees no structure at any feasible N. S_D (Definition 7.1) is at least 10^{geo['log10_S_D_lower']:.0f} "
            "(covering the shell alone: shell points have L(x) <= r3 - r1, so their nearby balls have radius "
            "<= (r3 - r1)/3.1, and balls centred in the ball never reach the shell).",
            "",
        ]
    lines += [
        f"- Width-w memorizers (rank W_1 <= w, the theorem's networks; {claims['rank_at_most_w_runs']} runs): "
        f"smallest certified error bound {fmt(claims['rank_at_most_w_min_bound'])} (mean fibre minority mass "
        f">= {fmt(claims['rank_at_most_w_min_minority_mean'])}: the theorem's 0.49 within the audit's Hoeffding "
        f"slack {claims['audit_slack']:.3f}: **{claims['rank_at_most_w_at_theorem_level']}**), i.e. accuracy <= "
        f"{fmt(claims['rank_at_most_w_max_ceiling'])}; largest measured accuracy "
        f"{fmt(claims['rank_at_most_w_max_accuracy'])} (a test accuracy on {plan['n_test']} points is within "
        f"{claims['test_slack']:.3f} of the true one with probability >= {1 - DELTA:g}). This ceiling holds "
        "**whatever N is** (Theorem 5.1): it "
        "depends on the network's first layer and the distribution, not on the sample.",
        f"- Every memorizing network with rank W_1 < n ({claims['rank_deficient_runs']} runs, wider ones "
        f"included) is certified: **{claims['every_rank_deficient_run_certified']}**, and its measured accuracy "
        f"is below its own ceiling 1 - b (test slack {claims['test_slack']:.3f}): "
        f"**{claims['rank_deficient_below_ceiling']}**.",
        f"- Networks with rank W_1 = n ({claims['full_rank_runs']} runs) have no null space, so the audit gives "
        f"them no bound (uncertified: **{claims['full_rank_uncertified']}**): they are not certified to fail. "
        f"Their measured accuracy is at most {fmt(claims['full_rank_max_accuracy'])} at every N run here: "
        "chance as well, measured rather than proven. `efficient` is at chance on this distribution at feasible N "
        "because nearest-neighbour rules need S_D samples and S_D is huge here; the theorem says nothing "
        "about `efficient`, and no claim is made that it would generalize with more samples than were run.",
    ]
    m1 = claims["by_arm"].get("efficient")
    if m1 and m1["min_bound"] is not None:
        lines.append(
            f"- At N < n, `efficient` keeps at most N representatives, so its first layer has rank < n and the same audit "
            f"certifies it too (smallest bound {m1['min_bound']:.3f}, ranks {m1['ranks']})."
        )
    tw = claims["by_arm"].get("trained_w")
    if tw and tw["runs"]:
        lines.append(
            f"- Trained MLPs with first width w memorized {tw['memorized']} of {tw['runs']} samples (gradient "
            "descent through a width-w first layer rarely reaches 100% training accuracy here); those that did "
            "are audited like `optimal`."
        )
    return "\n".join([*lines, "", *image_links(plots)])
