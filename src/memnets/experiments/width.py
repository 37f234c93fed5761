r"""``memnets experiment width``: networks that erase a direction cannot generalize (Section 5).

Two families, the same arms of memorizers built on the same sample, test accuracy on fresh
samples, and the width audit (:func:`memnets.audit`) of every network.

**Theorem 5.1's distribution** (:func:`memnets.datasets.ball_shell`, Appendix D): label 0
uniform in a ball, label 1 uniform in a thin shell around it, equal masses, radii
:math:`r_1 : r_2 : r_3 = 1 : 2^{1/n} : 3^{1/n}` with :math:`r_3 = 1/2` and the fibre condition
:math:`3^{1-w/n} - 2^{1-w/n} \ge 0.99`. Every network whose first layer has rank :math:`< n`
is constant on the fibres :math:`x + \ker W_1`, and every fibre through the ball carries
about as much shell as ball, so its error is :math:`\ge 0.49` *whatever N is*; the audit
certifies it per network (fibre masses in closed form, a Hoeffding bound). Arms (``BALL_ARMS``):

- rank-w memorizers: ``optimal`` (M2) and ``interval`` (rank 1), trained MLPs of first width
  w (``method="trained"``, ``first_width=w``), and ``vardi2022`` / ``park2021`` when they are
  registered in :data:`memnets.METHODS` (skipped otherwise, and said so);
- wide networks: ``efficient`` (M1: rank W_1 = number of representatives, so rank n once it
  keeps more than n of them), the paper's own ``pairwise`` network when registered, and a
  trained MLP of first width n. The audit has no null space to work with for them: they are
  *not certified to fail*, and their measured accuracy at feasible N is reported as it is.

**Alternating shells** (:func:`memnets.datasets.alternating_shells`, K shells of equal width,
gap = width, labels 0, 1, 0, ..., uniform on the support) in low dimension, where M1 does
generalize. Arms (``ARMS``):

- ``efficient`` (M1, Theorem 7.3): rank W_1 = n;
- ``optimal`` (M2, Theorem 4.1): projects to one dimension, rank W_1 = 1;
- ``constant`` (M3, Theorem 4.3): per-coordinate staircases (rank W_1 = n) then a width-1
  code: its *bottleneck* is 1 but no direction is erased by W_1, so the audit's argument
  does not apply to it (reported as a caveat to "bottleneck < n cannot generalize");
- ``trained`` with first-layer width n - 1 (< n) and 4n (>= n): gradient-trained MLPs
  (``method="trained"``) driven to 100% training accuracy; a run that does not get there
  within its epoch budget is recorded as *not memorized* with its best training accuracy.

For every network with :math:`\operatorname{rank} W_1 < n` the audit gives a certified lower
bound b on its error (probability >= 1 - delta over the audit's draws), so its accuracy is
at most 1 - b **whatever N is**: the claim checked here is that such memorizers stay below
that ceiling, while on the shells M1 (and wide trained nets) approach accuracy 1 as N grows.

Outputs: ``width.json`` (every cell, seeds, version; the ball-shell sweep under
``"ball_shell"``), ``width_ball_shell.png`` (accuracy vs N per arm on Theorem 5.1's
distribution, with the certified ceiling), ``width_accuracy.png`` (shells: accuracy vs N per
arm, one panel per n, with the audit ceiling), ``width_audit.png`` (certified bound vs
measured error, both families).

Size (~630 lines): one experiment with two families (alternating shells and Theorem 5.1's
ball-shell) sharing arms, audit and report; a candidate for a split (the ball-shell part into
its own module).
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

import memnets as mn
from memnets import ConstructionError, MemnetsError, OptionError
from memnets.experiments import _plots
from memnets.experiments._options import RunOptions
from memnets.experiments._runner import header, image_links, mean_or_none, summary, write_json

__all__ = ["ARMS", "BALL_ARMS", "OPTIONAL_METHODS", "ball_features", "run"]

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

#: Theorem 5.1's arms: name -> (method, label). Rank-w memorizers first, then wide networks.
BALL_ARMS: dict[str, tuple[str, str]] = {
    "optimal": ("optimal", "M2 (projects to 1-D)"),
    "interval": ("interval", "interval (projects to 1-D)"),
    "vardi2022": ("vardi2022", "Vardi et al. 2022 (projects to 1-D)"),
    "park2021": ("park2021", "Park et al. 2021 (projects to 1-D)"),
    "trained_w": ("trained", "trained MLP, first width w"),
    "efficient": ("efficient", "M1 (rank = representatives)"),
    "pairwise": ("pairwise", "Thm 7.3's pairwise network"),
    "trained_wide": ("trained", "trained MLP, first width n"),
}
#: methods other work adds to the registry; their arms are skipped (and reported) when absent
OPTIONAL_METHODS = ("vardi2022", "park2021", "pairwise")


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
QUICK["ball_shell"] = BALL_QUICK
FULL["ball_shell"] = BALL_FULL
TINY["ball_shell"] = BALL_TINY


def _first_width(arm: str, n: int) -> int | None:
    if arm == "trained_narrow":
        return max(1, n - 1)
    if arm == "trained_wide":
        return 4 * n
    return None


def _measure(out: dict[str, Any], res: Any, D: Any, Xt: Any, yt: Any, n_lines: int, seed: int,
             t0: float) -> dict[str, Any]:
    """Score a built network on the test sample and audit it on D; ``out`` gains the numbers."""
    built = time.perf_counter() - t0
    acc = res.score(Xt, yt)
    rep = mn.audit(res, D, n_lines=n_lines, delta=DELTA, rng=2 * 10**6 + seed)
    s = res.stats
    out.update(
        memorized=True, verified=res.verified, train_accuracy=1.0, test_accuracy=acc,
        test_error=1.0 - acc, params=s["params"], width=s["width"], depth=s["depth"],
        bottleneck=s["bottleneck"], rank_first_layer=rep.rank_first_layer, fibre_dim=rep.fibre_dim,
        audit_bound=rep.error_lower_bound, audit_minority_mean=rep.minority_mean,
        audit_line_error=rep.line_error, audit_line_halfwidth=rep.line_error_halfwidth,
        audit_exact=rep.exact, audit_note=rep.note, epochs=s.get("epochs"), construct_seconds=built,
        seconds=time.perf_counter() - t0,
    )
    return out


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
    return _measure(out, res, D, Xt, yt, cell["n_lines"], seed, t0)


def _ball_options(arm: str, n: int, w: int, cell: dict[str, Any]) -> dict[str, Any]:
    if arm == "trained_w":
        return {"first_width": w, "hidden": [w, cell["head"]], "max_epochs": cell["max_epochs"]}
    if arm == "trained_wide":
        return {"first_width": n, "hidden": [n, cell["head"]], "max_epochs": cell["max_epochs"]}
    return {}


def _ball_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """One arm on one sample of ``ball_shell(n, w)``: test accuracy and the fibre audit."""
    n, w, N, seed, arm = cell["n"], cell["w"], cell["N"], cell["seed"], cell["arm"]
    D = mn.datasets.ball_shell(n, w)
    X, y = D.sample(N, rng=seed)
    Xt, yt = D.sample(cell["n_test"], rng=10**6 + seed)
    method = BALL_ARMS[arm][0]
    options = _ball_options(arm, n, w, cell)
    out: dict[str, Any] = {"n": n, "w": w, "N": N, "seed": seed, "arm": arm, "method": method,
                           "options": options}
    t0 = time.perf_counter()
    try:
        res = mn.construct(X, y, method=method, rng=seed, **options)
    except ConstructionError as exc:
        out.update(memorized=False, reason=str(exc), seconds=time.perf_counter() - t0,
                   train_accuracy=getattr(exc, "train_accuracy", None))
        return out
    except MemnetsError as exc:
        if method not in OPTIONAL_METHODS:
            raise
        # another engineer's construction, its options unknown here: report, do not stop the sweep
        out.update(memorized=False, failed=True, reason=f"{type(exc).__name__}: {exc}",
                   seconds=time.perf_counter() - t0, train_accuracy=None)
        return out
    return _measure(out, res, D, Xt, yt, cell["n_lines"], seed, t0)


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


def _ball_sweep(opts: RunOptions, bplan: dict[str, Any], common: dict[str, Any]) -> dict[str, Any]:
    """Theorem 5.1's sweep: every (n, w) case, N, seed and available arm; tables and claims."""
    arms = [a for a in bplan["arms"] if BALL_ARMS[a][0] in mn.METHODS]
    skipped = {a: f"method {BALL_ARMS[a][0]!r} is not registered in memnets.METHODS"
               for a in bplan["arms"] if a not in arms}
    cells = []
    for n, w in bplan["cases"]:
        for N in bplan["Ns"]:
            for s in range(bplan["seeds"]):
                for arm in arms:
                    if arm == "pairwise" and bplan["pairwise_max_N"] < N:
                        continue  # O(N^2 n) params
                    cells.append({"n": int(n), "w": int(w), "N": int(N), "seed": opts.seed_for(s), "arm": arm,
                                  "n_test": bplan["n_test"], "n_lines": bplan["n_lines"], **common})
    got = opts.run_cells(_ball_cell, cells, desc="width: ball-shell",
                         order=lambda c: (BALL_ARMS[c["arm"]][0] != "trained", -c["N"]))
    geometry = [_ball_geometry(int(n), int(w), max(bplan["Ns"]), bplan["n_test"], opts.seed_for(0))
                for n, w in bplan["cases"]]
    table = []
    for n, w in bplan["cases"]:
        for N in bplan["Ns"]:
            for arm in bplan["arms"]:
                rs = [g for g in got if g["n"] == n and g["w"] == w and g["N"] == N and g["arm"] == arm]
                mem = [g for g in rs if g.get("memorized")]
                table.append({
                    "n": n, "w": w, "N": N, "arm": arm, "runs": len(rs), "memorized": len(mem),
                    "skipped": skipped.get(arm), "failed": [g["reason"] for g in rs if g.get("failed")],
                    "test_accuracy": mean_or_none([g["test_accuracy"] for g in mem]),
                    "audit_bound": min((g["audit_bound"] for g in mem if g.get("audit_bound") is not None),
                                       default=None),
                    "rank_first_layer": mean_or_none([g["rank_first_layer"] for g in mem]),
                    "fibre_dim": mean_or_none([g.get("fibre_dim") for g in mem]),
                    "params": mean_or_none([g["params"] for g in mem]),
                    "best_train_accuracy": mean_or_none([g.get("train_accuracy") for g in rs]),
                })
    return {"plan": {**bplan, "arms_run": arms}, "skipped": skipped, "geometry": geometry, "table": table,
            "claims": _ball_claims(got, bplan), "cells": got}


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
    ``run_options`` are its other fields (``full``, ``jobs``, ``seed``, ``profile`` ...).

    Theorem 5.1's sweep (``ball_cases``: (n, w) pairs, ``[]`` to skip it; ``ball_Ns``;
    ``ball_arms``, default every arm of :data:`BALL_ARMS` whose method is registered): quick
    ``ball_shell(200, 1)`` with N in {100, 300, 1000} and 5000 test points; full (n, w) in {(200, 1), (400, 2),
    (800, 4)} (n = :func:`ball_features` (w)), N up to 3000, 3 seeds; tiny N in {100, 300}.
    The pairwise network (O(N^2 n) params) runs up to N = 300 (quick) or 1000 (full).

    Shells: quick default (about 2 minutes on 2 loaded cores with ``jobs=2``): n in {2, 3, 4},
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
    ball = _ball_sweep(opts, bplan, common) if bplan["cases"] else None
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
        "distribution": {d: mn.datasets.alternating_shells(n_features=d, n_shells=plan["n_shells"]).to_dict()
                         for d in plan["dims"]},
        "plan": plan,
        "delta": DELTA,
        "claims": claims,
        "table": table,
        "cells": got,
        "ball_shell": ball,
        "timing": {"wall_seconds": time.perf_counter() - started},
    }
    json_path = write_json(opts.out_dir / "width.json", doc)
    plots = []
    if ball is not None:
        plots.append(_plots.ball_shell_plot(opts.out_dir, ball["table"], ball["cells"], ball["plan"],
                                            {arm: label for arm, (_, label) in BALL_ARMS.items()}, DELTA))
    plots += _plots.width_plots(opts.out_dir, got, table, plan, {arm: label for arm, (_, label) in ARMS.items()},
                                DELTA)
    markdown = (_ball_markdown(ball, plots[:1]) + "\n\n" if ball else "") + _markdown(table, claims, plan, plots[-2:])
    return summary("width", json_path, plots, markdown,
                   claims={**claims, "ball_shell": ball["claims"] if ball else None})


def _table(got: list[dict[str, Any]], plan: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for n in plan["dims"]:
        for N in plan["Ns"]:
            for arm in plan["arms"]:
                rs = [g for g in got if g["n"] == n and g["N"] == N and g["arm"] == arm]
                mem = [g for g in rs if g.get("memorized")]
                rows.append({
                    "n": n, "N": N, "arm": arm, "runs": len(rs), "memorized": len(mem),
                    "test_accuracy": mean_or_none([g["test_accuracy"] for g in mem]),
                    "audit_bound": mean_or_none([g.get("audit_bound") for g in mem]),
                    "audit_line_error": mean_or_none([g.get("audit_line_error") for g in mem]),
                    "rank_first_layer": mean_or_none([g["rank_first_layer"] for g in mem]),
                    "bottleneck": mean_or_none([g["bottleneck"] for g in mem]),
                    "params": mean_or_none([g["params"] for g in mem]),
                    "best_train_accuracy": mean_or_none([g.get("train_accuracy") for g in rs]),
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


def _ball_cell_text(t: dict[str, Any], n: int) -> str:
    if t["skipped"]:
        return "not registered"
    if t["runs"] == 0:
        return "not run"
    if t["memorized"] == 0:
        if t["failed"]:
            return "failed: " + t["failed"][0][:60]
        return f"not memorized (train acc. {_fmt(t['best_train_accuracy'])})"
    rank = round(t["rank_first_layer"])
    if t["audit_bound"] is not None:
        return f"{t['test_accuracy']:.3f} (ceiling {1 - t['audit_bound']:.3f}, rank {rank})"
    return f"{t['test_accuracy']:.3f}, no bound (rank {rank}{' = n' if rank >= n else ''})"


def _ball_markdown(ball: dict[str, Any], plots: list[Path]) -> str:
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
            "| N | " + " | ".join(BALL_ARMS[a][1] for a in arms) + " |",
            "|---|" + "---|" * len(arms),
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
        f"smallest certified error bound {_fmt(claims['rank_at_most_w_min_bound'])} (mean fibre minority mass "
        f">= {_fmt(claims['rank_at_most_w_min_minority_mean'])}: the theorem's 0.49 within the audit's Hoeffding "
        f"slack {claims['audit_slack']:.3f}: **{claims['rank_at_most_w_at_theorem_level']}**), i.e. accuracy <= "
        f"{_fmt(claims['rank_at_most_w_max_ceiling'])}; largest measured accuracy "
        f"{_fmt(claims['rank_at_most_w_max_accuracy'])} (a test accuracy on {plan['n_test']} points is within "
        f"{claims['test_slack']:.3f} of the true one with probability >= {1 - DELTA:g}). This ceiling holds "
        "**whatever N is** (Theorem 5.1): it "
        "depends on the network's first layer and the distribution, not on the sample.",
        f"- Every memorizing network with rank W_1 < n ({claims['rank_deficient_runs']} runs, wider ones "
        f"included) is certified: **{claims['every_rank_deficient_run_certified']}**, and its measured accuracy "
        f"is below its own ceiling 1 - b (test slack {claims['test_slack']:.3f}): "
        f"**{claims['rank_deficient_below_ceiling']}**.",
        f"- Networks with rank W_1 = n ({claims['full_rank_runs']} runs) have no null space, so the audit gives "
        f"them no bound (uncertified: **{claims['full_rank_uncertified']}**): they are not certified to fail. "
        f"Their measured accuracy is at most {_fmt(claims['full_rank_max_accuracy'])} at every N run here: "
        "chance as well, measured rather than proven. M1 is at chance on this distribution at feasible N "
        "because nearest-neighbour rules need S_D samples and S_D is huge here; the theorem says nothing "
        "about M1, and no claim is made that M1 would generalize with more samples than were run.",
    ]
    m1 = claims["by_arm"].get("efficient")
    if m1 and m1["min_bound"] is not None:
        lines.append(
            f"- At N < n, M1 keeps at most N representatives, so its first layer has rank < n and the same audit "
            f"certifies it too (smallest bound {m1['min_bound']:.3f}, ranks {m1['ranks']})."
        )
    tw = claims["by_arm"].get("trained_w")
    if tw and tw["runs"]:
        lines.append(
            f"- Trained MLPs with first width w memorized {tw['memorized']} of {tw['runs']} samples (gradient "
            "descent through a width-w first layer rarely reaches 100% training accuracy here); those that did "
            "are audited like M2."
        )
    if ball["skipped"]:
        lines.append("- Skipped arms (method not registered when this ran): "
                     + ", ".join(f"{a}" for a in ball["skipped"]) + ".")
    lines.append("")
    lines.append("### Alternating shells")
    lines.append("")
    return "\n".join([*lines[:-2], "", *image_links(plots), "", *lines[-2:]])
