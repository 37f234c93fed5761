r"""``memnets experiment width``: networks that erase a direction cannot generalize (Section 5).

Two families, the same kind of arms built on the same sample, test accuracy on fresh
samples, and the width audit (:func:`memnets.audit`) of every network: Theorem 5.1's ball
inside a thin shell (:mod:`memnets.experiments._width_ball`) and, here, alternating shells.

**Alternating shells** (:func:`memnets.datasets.alternating_shells`, K shells of equal width,
gap = width, labels 0, 1, 0, ..., uniform on the support) in low dimension, where
``efficient`` does generalize. Arms (:data:`ARMS`):

- ``efficient`` (Theorem 7.3's guarantee, our nearest-representative network): rank W_1 = n;
- ``optimal`` (Theorem 4.1): projects to one dimension, rank W_1 = 1;
- ``constant`` (Theorem 4.3): per-coordinate staircases (rank W_1 = n) then a width-1 code:
  its *bottleneck* is 1 but no direction is erased by W_1, so the audit's argument does not
  apply to it (reported as a caveat to "bottleneck < n cannot generalize");
- ``trained`` with first-layer width n - 1 (< n) and 4n (>= n): gradient-trained MLPs
  (``method="trained"``) driven to 100% training accuracy; a run that does not get there
  within its epoch budget is recorded as *not memorized* with its best training accuracy.

For every network with :math:`\operatorname{rank} W_1 < n` the audit gives a certified lower
bound b on its error (probability >= 1 - delta over the audit's draws), so its accuracy is
at most 1 - b **whatever N is**: the claim checked here is that such memorizers stay below
that ceiling, while on the shells ``efficient`` (and wide trained nets) approach accuracy 1
as N grows.

Outputs: ``width.json`` (every cell, seeds, version; the ball-shell sweep under
``"ball_shell"``), ``width_ball_shell.png`` (accuracy vs N per arm on Theorem 5.1's
distribution, with the certified ceiling), ``width_accuracy.png`` (shells: accuracy vs N per
arm, one panel per n, with the audit ceiling), ``width_audit.png`` (certified bound vs
measured error, both families).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import memnets as mn
from memnets import OptionError
from memnets.experiments._options import RunOptions
from memnets.experiments._plots.width import ball_shell_plot, width_plots
from memnets.experiments._runner import mean_or_none
from memnets.experiments._tail import finish, image_links, table_head
from memnets.experiments._width_ball import (
    BALL_ARMS,
    BALL_FULL,
    BALL_QUICK,
    BALL_TINY,
    ball_features,
    ball_markdown,
    ball_sweep,
)
from memnets.experiments._width_cells import DELTA, arm_cell, arm_row, arms, fmt, trained_options

__all__ = ["ARMS", "BALL_ARMS", "ball_features", "run"]

#: arm name -> (method, description)
ARMS: dict[str, tuple[str, str]] = arms(
    efficient="rank W_1 = n", optimal="projects to 1-D", constant="staircases, then width-1 code",
    trained_narrow="n-1", trained_wide="4n",
)

QUICK: dict[str, Any] = {
    "dims": [2, 3, 4], "Ns": [30, 100, 300, 1000], "seeds": 1, "n_test": 2000,
    "n_lines": 2000, "max_epochs": 1500, "head": 128,
}
FULL: dict[str, Any] = {
    "dims": [2, 3, 4, 5, 6, 7, 8], "Ns": [30, 100, 300, 1000, 3000, 10000], "seeds": 3,
    "n_test": 10000, "n_lines": 10000, "max_epochs": 4000, "head": 256,
}
#: the test suite's size (``profile="tiny"``)
TINY: dict[str, Any] = {
    "dims": [2], "Ns": [40, 400], "seeds": 1, "n_test": 2000, "n_lines": 2000, "max_epochs": 150,
    "head": 64,
}
QUICK["ball_shell"] = BALL_QUICK
FULL["ball_shell"] = BALL_FULL
TINY["ball_shell"] = BALL_TINY


def _cell(cell: dict[str, Any]) -> dict[str, Any]:
    """One arm on one sample of the alternating shells: test accuracy and the audit."""
    n, arm = cell["n"], cell["arm"]
    first = {"trained_narrow": max(1, n - 1), "trained_wide": 4 * n}.get(arm)
    options = trained_options(first, cell) if first is not None else {}
    D = mn.datasets.alternating_shells(n_features=n, n_shells=cell["n_shells"])
    return arm_cell(cell, D, ARMS[arm][0], options, {"n": n, "N": cell["N"], "seed": cell["seed"], "arm": arm})


def run(
    out_dir: RunOptions | str | os.PathLike[str],
    *,
    dims: list[int] | None = None,
    Ns: list[int] | None = None,
    seeds: int | None = None,
    arms: list[str] | None = None,
    n_shells: int = 4,
    n_test: int | None = None,
    n_lines: int | None = None,
    max_epochs: int | None = None,
    ball_cases: list[list[int]] | None = None,
    ball_Ns: list[int] | None = None,
    ball_arms: list[str] | None = None,
    **run_options: Any,
) -> dict[str, Any]:
    """Run both sweeps; write ``width.json`` and three PNGs into ``out_dir``.

    ``out_dir`` is the output folder or the whole :class:`~memnets.experiments.RunOptions`;
    ``run_options`` are its other fields (``profile``, ``jobs``, ``seed`` ...).

    Theorem 5.1's sweep (``ball_cases``: (n, w) pairs, ``[]`` to skip it; ``ball_Ns``;
    ``ball_arms``, default every arm of :data:`BALL_ARMS`): quick
    ``ball_shell(200, 1)`` with N in {100, 300, 1000} and 5000 test points; full (n, w) in {(200, 1), (400, 2),
    (800, 4)} (n = :func:`ball_features` (w)), N up to 3000, 3 seeds; tiny N in {100, 300}.
    The pairwise network (O(N^2 n) params) runs up to N = 300 (quick) or 1000 (full).

    Shells: quick default (about 2 minutes on 2 loaded cores with ``jobs=2``): n in {2, 3, 4},
    N in {30, 100, 300, 1000}, one seed, 2000 test points, 2000 audit lines, trained MLPs with
    a 128-unit head and 1500 epochs. ``profile="full"``: n = 2..8, N up to 10^4, 3 seeds, 10^4 test
    points and lines, 256-unit head, 4000 epochs. ``profile="tiny"``: n = 2, N in {40, 400},
    150 epochs (the test suite).
    """
    opts = RunOptions.coerce(out_dir, run_options, experiment="width")
    started = time.perf_counter()
    plan = opts.plan(QUICK, FULL, TINY, dims=dims, Ns=Ns, seeds=seeds, n_test=n_test, n_lines=n_lines,
                     max_epochs=max_epochs)
    plan["arms"] = list(arms) if arms is not None else list(ARMS)
    plan["n_shells"] = int(n_shells)
    bad = [a for a in plan["arms"] if a not in ARMS]
    if bad:
        raise OptionError(f"width: unknown arm(s) {bad}; valid arms are {list(ARMS)}")
    if not plan["dims"] or min(plan["dims"]) < 2:
        raise OptionError(f"width: dims must be >= 2, got {plan['dims']!r}")
    if not plan["Ns"] or min(plan["Ns"]) < 4:
        raise OptionError(f"width: Ns must be >= 4, got {plan['Ns']!r}")
    bplan = plan.pop("ball_shell")
    if ball_cases is not None:
        bplan["cases"] = [[int(n), int(w)] for n, w in ball_cases]
    if ball_Ns is not None:
        bplan["Ns"] = [int(N) for N in ball_Ns]
    bplan["arms"] = list(ball_arms) if ball_arms is not None else list(BALL_ARMS)
    bad = [a for a in bplan["arms"] if a not in BALL_ARMS]
    if bad:
        raise OptionError(f"width: unknown ball arm(s) {bad}; valid arms are {list(BALL_ARMS)}")
    for n, w in bplan["cases"]:
        mn.datasets.ball_shell(n, w)  # OptionError naming the smallest n when the fibre condition fails
    if bplan["cases"] and (not bplan["Ns"] or min(bplan["Ns"]) < 4):
        raise OptionError(f"width: ball_Ns must be >= 4, got {bplan['Ns']!r}")
    common = {"max_epochs": plan["max_epochs"], "head": plan["head"]}
    ball = ball_sweep(opts, bplan, common) if bplan["cases"] else None
    cells = [
        {"n": int(n), "N": int(N), "seed": opts.seed_for(s), "arm": arm, "n_shells": plan["n_shells"],
         "n_test": plan["n_test"], "n_lines": plan["n_lines"], "max_epochs": plan["max_epochs"],
         "head": plan["head"]}
        for n in plan["dims"] for N in plan["Ns"] for s in range(plan["seeds"]) for arm in plan["arms"]
    ]
    # the slowest cells (trained, large N) first, so parallel workers finish together
    got = opts.run_cells(_cell, cells, desc="width", order=lambda c: (ARMS[c["arm"]][0] != "trained", -c["N"]))
    table = _table(got, plan)
    claims = _claims(got, table, plan)
    doc = {
        "distribution": {d: mn.datasets.alternating_shells(n_features=d, n_shells=plan["n_shells"]).to_dict()
                         for d in plan["dims"]},
        "plan": plan,
        "delta": DELTA,
        "claims": claims,
        "table": table,
        "cells": got,
        "ball_shell": ball,
    }

    def plots() -> list[Path]:
        drawn = [] if ball is None else [ball_shell_plot(
            opts.out_dir, ball["table"], ball["cells"], ball["plan"],
            {arm: label for arm, (_, label) in BALL_ARMS.items()}, DELTA)]
        return drawn + width_plots(opts.out_dir, got, table, plan, {arm: label for arm, (_, label) in ARMS.items()},
                                   DELTA)

    def markdown(drawn: list[Path]) -> str:
        shells = _markdown(table, claims, plan, drawn[-2:])
        return shells if ball is None else ball_markdown(ball, drawn[:1]) + "\n\n### Alternating shells\n\n" + shells

    return finish("width", opts, doc, started=started, plots=plots, markdown=markdown,
                  claims={**claims, "ball_shell": ball["claims"] if ball else None})


def _table(got: list[dict[str, Any]], plan: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for n in plan["dims"]:
        for N in plan["Ns"]:
            for arm in plan["arms"]:
                rs = [g for g in got if g["n"] == n and g["N"] == N and g["arm"] == arm]
                mem = [g for g in rs if g.get("memorized")]
                rows.append({**arm_row(rs, n=n, N=N, arm=arm),
                             "audit_bound": mean_or_none([g.get("audit_bound") for g in mem]),
                             "audit_line_error": mean_or_none([g.get("audit_line_error") for g in mem])})
    return rows


def _claims(got: list[dict[str, Any]], table: list[dict[str, Any]], plan: dict[str, Any]) -> dict[str, Any]:
    """The statements of the issue, as booleans with the numbers behind them.

    ``test_slack`` = sqrt(ln(2/delta) / (2 n_test)): two-sided Hoeffding half-width of a
    measured accuracy, so "accuracy <= 1 - bound" is checked as ``acc <= 1 - bound + slack``.
    """
    slack = math.sqrt(math.log(2 / DELTA) / (2 * plan["n_test"]))
    erased = [g for g in got if g.get("memorized") and g.get("audit_bound") is not None]
    below_ceiling = all(g["test_accuracy"] <= 1 - g["audit_bound"] + slack for g in erased)
    bound_le_err = all(g["audit_bound"] <= g["test_error"] + slack for g in erased)
    line_agrees = all(
        abs(g["audit_line_error"] - g["test_error"]) <= g["audit_line_halfwidth"] + slack for g in erased
    )
    largest = max(plan["Ns"])
    per_dim: dict[str, Any] = {}
    for n in plan["dims"]:
        row: dict[str, Any] = {}
        for arm in plan["arms"]:
            r = next(t for t in table if t["n"] == n and t["N"] == largest and t["arm"] == arm)
            row[arm] = {"accuracy_at_largest_N": r["test_accuracy"], "audit_bound": r["audit_bound"],
                        "memorized_runs": r["memorized"], "runs": r["runs"]}
        opt = [g for g in erased if g["n"] == n and g["arm"] == "optimal"]
        row["optimal_best_accuracy_any_N"] = max((g["test_accuracy"] for g in opt), default=None)
        row["optimal_min_bound"] = min((g["audit_bound"] for g in opt), default=None)
        per_dim[str(n)] = row
    return {
        "test_slack": slack,
        "rank_deficient_memorizers": len(erased),
        "rank_deficient_below_audit_ceiling": below_ceiling,
        "audit_bound_at_most_measured_error": bound_le_err,
        "line_error_agrees_with_test_error": line_agrees,
        "max_bound": max((g["audit_bound"] for g in erased), default=None),
        "per_dimension": per_dim,
        "trained_narrow_memorized": sum(1 for g in got if g["arm"] == "trained_narrow" and g.get("memorized")),
        "trained_narrow_runs": sum(1 for g in got if g["arm"] == "trained_narrow"),
    }


def _markdown(table: list[dict[str, Any]], claims: dict[str, Any], plan: dict[str, Any], plots: list[Path]) -> str:
    arms = plan["arms"]
    lines = [
        f"Alternating shells ({plan['n_shells']} shells, labels alternating, uniform on the support) "
        f"in n = {plan['dims']} dimensions; test accuracy of each memorizer (memorized runs / runs), "
        f"and for networks with rank W_1 < n the certified audit bound on the error "
        f"(probability >= {1 - DELTA:g}).",
        "",
        *table_head("n", "N", *(ARMS[a][1] for a in arms)),
    ]
    for n in plan["dims"]:
        for N in plan["Ns"]:
            cells = []
            for a in arms:
                t = next(r for r in table if r["n"] == n and r["N"] == N and r["arm"] == a)
                if t["memorized"] == 0:
                    cells.append(f"not memorized (train acc. {fmt(t['best_train_accuracy'])})")
                    continue
                b = "" if t["audit_bound"] is None else f", bound {t['audit_bound']:.3f}"
                cells.append(f"{t['test_accuracy']:.3f}{b} ({t['memorized']}/{t['runs']})")
            lines.append(f"| {n} | {N} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"- Every memorizing network with rank W_1 < n ({claims['rank_deficient_memorizers']} runs) stays "
        f"below its certified ceiling 1 - bound: **{claims['rank_deficient_below_audit_ceiling']}**; "
        f"bound <= measured error: **{claims['audit_bound_at_most_measured_error']}**; the audit's line "
        f"estimate of the error agrees with the test error: **{claims['line_error_agrees_with_test_error']}**.",
    ]
    if claims["trained_narrow_runs"]:
        lines.append(
            f"- Trained MLPs with first width n - 1 reached 100% training accuracy in "
            f"{claims['trained_narrow_memorized']} of {claims['trained_narrow_runs']} runs (gradient "
            "descent rarely memorizes through a first layer narrower than n)."
        )
    bounds = {n: row["optimal_min_bound"] for n, row in claims["per_dimension"].items()
              if row.get("optimal_min_bound") is not None}
    if len(bounds) > 1:
        lines.append(
            "- `optimal`'s certified bound by dimension: "
            + ", ".join(f"n={n}: {b:.3f}" for n, b in bounds.items())
            + f" (with {plan['n_shells']} fixed shells the bound shrinks with n: a line through a "
            "typical point passes the centre at distance about r(1 - 1/(2n)), so it rarely leaves "
            "the point's own shell)."
        )
    if "constant" in arms:
        lo, hi = min(plan["Ns"]), max(plan["Ns"])
        acc = {(t["n"], t["N"]): t["test_accuracy"] for t in table if t["arm"] == "constant"}
        trend = ", ".join(f"n={n}: {fmt(acc[(n, lo)])} -> {fmt(acc[(n, hi)])}" for n in plan["dims"])
        lines.append(
            "- `constant` has bottleneck 1 after its staircase layer but rank W_1 = n, so the line argument "
            f"does not apply to it; its accuracy from N = {lo} to N = {hi}: {trend}."
        )
    return "\n".join([*lines, "", *image_links(plots)])
