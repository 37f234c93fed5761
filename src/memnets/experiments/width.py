r"""``memnets experiment width``: networks that erase a direction cannot generalize (Section 5).

Family: alternating shells in :math:`[0,1]^n` (:func:`memnets.datasets.alternating_shells`,
K shells of equal width, gap = width, labels 0, 1, 0, ..., uniform on the support). For each
dimension n, sample size N and seed, the experiment builds every *arm* on the same sample,
measures its test accuracy on fresh samples, and audits it (:func:`memnets.audit`):

- ``efficient`` (M1, Theorem 7.3): rank W_1 = n;
- ``optimal`` (M2, Theorem 4.1): projects to one dimension, rank W_1 = 1;
- ``constant`` (M3, Theorem 4.3): per-coordinate staircases (rank W_1 = n) then a width-1
  code: its *bottleneck* is 1 but no direction is erased by W_1, so the audit's argument
  does not apply to it (reported as a caveat to "bottleneck < n cannot generalize");
- ``trained`` with first-layer width n - 1 (< n) and 4n (>= n): gradient-trained MLPs
  (``method="trained"``) driven to 100% training accuracy; a run that does not get there
  within its epoch budget is recorded as *not memorized* with its best training accuracy.

For every network with :math:`\operatorname{rank} W_1 < n` the audit gives a certified lower
bound b on its error (probability >= 1 - delta over the audit's lines), so its accuracy is
at most 1 - b **whatever N is**: the claim checked here is that such memorizers stay below
that ceiling while M1 (and wide trained nets) approach accuracy 1 as N grows.

Outputs: ``width.json`` (every cell, seeds, version), ``width_accuracy.png`` (accuracy vs N per
arm, one panel per n, with the audit ceiling), ``width_audit.png`` (certified bound vs
measured error).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

import memnets as mn
from memnets import ConstructionError, OptionError
from memnets.experiments import _plots
from memnets.experiments._options import RunOptions
from memnets.experiments._runner import header, image_links, summary, write_json

__all__ = ["ARMS", "run"]

#: arm name -> (method, description)
ARMS: dict[str, tuple[str, str]] = {
    "efficient": ("efficient", "M1 (rank W_1 = n)"),
    "optimal": ("optimal", "M2 (projects to 1-D)"),
    "constant": ("constant", "M3 (staircases, then width-1 code)"),
    "trained_narrow": ("trained", "trained MLP, first width n-1"),
    "trained_wide": ("trained", "trained MLP, first width 4n"),
}

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
DELTA = 0.05


def _first_width(arm: str, n: int) -> int | None:
    if arm == "trained_narrow":
        return max(1, n - 1)
    if arm == "trained_wide":
        return 4 * n
    return None


def _cell(cell: dict[str, Any]) -> dict[str, Any]:
    """Build one arm on one sample, score it, audit it."""
    n, N, seed, arm = cell["n"], cell["N"], cell["seed"], cell["arm"]
    D = mn.datasets.alternating_shells(n_features=n, n_shells=cell["n_shells"])
    X, y = D.sample(N, rng=seed)
    Xt, yt = D.sample(cell["n_test"], rng=10**6 + seed)
    method = ARMS[arm][0]
    options: dict[str, Any] = {}
    w = _first_width(arm, n)
    if w is not None:
        options = {"first_width": w, "hidden": [w, cell["head"]], "max_epochs": cell["max_epochs"]}
    out: dict[str, Any] = {"n": n, "N": N, "seed": seed, "arm": arm, "method": method, "options": options}
    t0 = time.perf_counter()
    try:
        res = mn.construct(X, y, method=method, rng=seed, **options)
    except ConstructionError as exc:
        out.update(memorized=False, reason=str(exc), seconds=time.perf_counter() - t0,
                   train_accuracy=getattr(exc, "train_accuracy", None))
        return out
    built = time.perf_counter() - t0
    acc = res.score(Xt, yt)
    rep = mn.audit(res, D, n_lines=cell["n_lines"], delta=DELTA, rng=2 * 10**6 + seed)
    s = res.stats
    out.update(
        memorized=True, verified=res.verified, train_accuracy=1.0, test_accuracy=acc,
        test_error=1.0 - acc, params=s["params"], width=s["width"], depth=s["depth"],
        bottleneck=s["bottleneck"], rank_first_layer=rep.rank_first_layer,
        epochs=s.get("epochs"), construct_seconds=built,
        audit_bound=rep.error_lower_bound, audit_minority_mean=rep.minority_mean,
        audit_line_error=rep.line_error, audit_line_halfwidth=rep.line_error_halfwidth,
        audit_exact=rep.exact, audit_note=rep.note,
        seconds=time.perf_counter() - t0,
    )
    return out


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
    **run_options: Any,
) -> dict[str, Any]:
    """Run the width sweep; write ``width.json`` and two PNGs into ``out_dir``.

    ``out_dir`` is the output folder or the whole :class:`~memnets.experiments.RunOptions`;
    ``run_options`` are its other fields (``full``, ``jobs``, ``seed``, ``profile`` ...).

    Quick default (about 2 minutes on 2 loaded cores with ``jobs=2``): n in {2, 3, 4},
    N in {30, 100, 300, 1000}, one seed, 2000 test points, 2000 audit lines, trained MLPs with
    a 128-unit head and 1500 epochs. ``full``: n = 2..8, N up to 10^4, 3 seeds, 10^4 test
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
        **header("width", opts),
        "distribution": {d: mn.datasets.alternating_shells(n_features=d, n_shells=plan["n_shells"]).describe()
                         for d in plan["dims"]},
        "plan": plan,
        "delta": DELTA,
        "claims": claims,
        "table": table,
        "cells": got,
        "timing": {"wall_seconds": time.perf_counter() - started},
    }
    json_path = write_json(opts.out_dir / "width.json", doc)
    plots = _plots.width_plots(opts.out_dir, got, table, plan, {arm: label for arm, (_, label) in ARMS.items()},
                               DELTA)
    return summary("width", json_path, plots, _markdown(table, claims, plan, plots), claims=claims)


def _mean(vals: list[Any]) -> float | None:
    v = [float(x) for x in vals if x is not None]
    return float(np.mean(v)) if v else None


def _table(got: list[dict[str, Any]], plan: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for n in plan["dims"]:
        for N in plan["Ns"]:
            for arm in plan["arms"]:
                rs = [g for g in got if g["n"] == n and g["N"] == N and g["arm"] == arm]
                mem = [g for g in rs if g.get("memorized")]
                rows.append({
                    "n": n, "N": N, "arm": arm, "runs": len(rs), "memorized": len(mem),
                    "test_accuracy": _mean([g["test_accuracy"] for g in mem]),
                    "audit_bound": _mean([g.get("audit_bound") for g in mem]),
                    "audit_line_error": _mean([g.get("audit_line_error") for g in mem]),
                    "rank_first_layer": _mean([g["rank_first_layer"] for g in mem]),
                    "bottleneck": _mean([g["bottleneck"] for g in mem]),
                    "params": _mean([g["params"] for g in mem]),
                    "best_train_accuracy": _mean([g.get("train_accuracy") for g in rs]),
                })
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


def _fmt(v: Any, spec: str = ".3f") -> str:
    if v is None:
        return "-"
    return format(v, spec)


def _markdown(table: list[dict[str, Any]], claims: dict[str, Any], plan: dict[str, Any], plots: list[Path]) -> str:
    arms = plan["arms"]
    lines = [
        f"Alternating shells ({plan['n_shells']} shells, labels alternating, uniform on the support) "
        f"in n = {plan['dims']} dimensions; test accuracy of each memorizer (memorized runs / runs), "
        f"and for networks with rank W_1 < n the certified audit bound on the error "
        f"(probability >= {1 - DELTA:g}).",
        "",
        "| n | N | " + " | ".join(ARMS[a][1] for a in arms) + " |",
        "|---|---|" + "---|" * len(arms),
    ]
    for n in plan["dims"]:
        for N in plan["Ns"]:
            cells = []
            for a in arms:
                t = next(r for r in table if r["n"] == n and r["N"] == N and r["arm"] == a)
                if t["memorized"] == 0:
                    cells.append(f"not memorized (train acc. {_fmt(t['best_train_accuracy'])})")
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
            "- M2's certified bound by dimension: "
            + ", ".join(f"n={n}: {b:.3f}" for n, b in bounds.items())
            + f" (with {plan['n_shells']} fixed shells the bound shrinks with n: a line through a "
            "typical point passes the centre at distance about r(1 - 1/(2n)), so it rarely leaves "
            "the point's own shell)."
        )
    if "constant" in arms:
        lo, hi = min(plan["Ns"]), max(plan["Ns"])
        acc = {(t["n"], t["N"]): t["test_accuracy"] for t in table if t["arm"] == "constant"}
        trend = ", ".join(f"n={n}: {_fmt(acc[(n, lo)])} -> {_fmt(acc[(n, hi)])}" for n in plan["dims"])
        lines.append(
            "- M3 has bottleneck 1 after its staircase layer but rank W_1 = n, so the line argument "
            f"does not apply to it; its accuracy from N = {lo} to N = {hi}: {trend}."
        )
    return "\n".join([*lines, "", *image_links(plots)])
