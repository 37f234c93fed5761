r"""``memnets experiment robustness``: certified robustness radii against the distance an attack needs.

For every dataset (MNIST class pairs and the synthetic families: moons, balls, shells,
corners) and every construction, on training points and on held-out test points:

* the **certified radius** :math:`\rho(x)` (:meth:`memnets.ConstructionResult.robust_radius`;
  the bound used is recorded: ``nearest-bisector`` for ``efficient``/``robust``,
  ``pairwise-unit`` for ``pairwise``, the generic ``lipschitz`` lower bound otherwise);
* the **attacked distance** :math:`a(x)`: projected gradient descent (L2 steps on the
  margin of the float64 torch export, projected on the ball of radius ``d_opp`` = distance to
  the nearest opposite-label training sample and on ``[0,1]^n``), then a bisection along the
  direction it found, with the library's exact decision (:meth:`~memnets.ConstructionResult.predict`),
  down to the first distance where the label flips. When PGD does not flip the label
  (zero gradients: dead units, step functions), the direction to the nearest opposite-label
  training sample is bisected instead (the network memorizes that sample, so it flips).
  Networks whose weights float64 cannot hold (``optimal``, ``constant``, ...) have no torch
  export: they are attacked along that direction only (``attack = "segment"``).

Every point must satisfy :math:`\rho(x) < a(x)` (the attacked point is outside the closed
certified ball); the experiment records every violation and raises
:class:`~memnets.VerificationError` after writing its JSON if there is one (a bug).

Profiles: quick (default, < 30 s of CPU) -- moons and balls (N = 150), MNIST 1-7 (N = 60), 8
training + 8 test points per set, methods ``efficient``, ``pairwise``, ``robust``,
``robust`` with ``net=True``, ``interval``; ``profile="full"`` -- five MNIST pairs and every
synthetic family, N = 400, 40 + 40 points, plus ``optimal`` and ``vardi2022``;
``profile="tiny"`` -- moons only (the test suite).

Outputs: ``robustness.json``, ``robustness_scatter.png`` (certified vs attacked, log-log,
with the diagonal).
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from memnets import OptionError
from memnets.experiments._options import RunOptions
from memnets.experiments._plots.robustness import robustness_plot
from memnets.experiments._runner import write_json
from memnets.experiments._tail import header, image_links, summary

__all__ = ["attack_distance", "run"]

QUICK_METHODS = ("efficient", "pairwise", "robust", "robust-net", "interval")
QUICK: dict[str, Any] = {"sets": ("moons", "balls", "mnist-1-7"), "N": 150, "N_mnist": 60, "points": 8,
                         "methods": QUICK_METHODS, "pgd_steps": 20}
FULL: dict[str, Any] = {"sets": ("moons", "balls", "shells", "corners", "mnist-1-7", "mnist-2-3", "mnist-4-9",
                                 "mnist-5-6", "mnist-8-9"),
                        "N": 400, "N_mnist": 200, "points": 40,
                        "methods": (*QUICK_METHODS, "optimal", "vardi2022"), "pgd_steps": 60}
TINY: dict[str, Any] = {"sets": ("moons",), "N": 80, "N_mnist": 60, "points": 6,
                        "methods": ("efficient", "pairwise", "robust", "interval"), "pgd_steps": 15}


def _data(name: str, N: int, seed: int, data_dir: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from memnets import datasets

    gen = np.random.default_rng(seed)
    if name.startswith("mnist-"):
        a, b = (int(v) for v in name.split("-")[1:])
        X, y = datasets.load("mnist", classes=(a, b), split="train", data_dir=data_dir)
        Xt, yt = datasets.load("mnist", classes=(a, b), split="test", data_dir=data_dir)
        keep, kt = gen.choice(len(y), size=N, replace=False), gen.choice(len(yt), size=N, replace=False)
        return X[keep], y[keep], Xt[kt], yt[kt]
    D: Any = {"moons": lambda: datasets.two_moons(),
         "balls": lambda: datasets.ball_mixture(n_features=3, n_balls=6, separation=0.2, rng=1),
         "shells": lambda: datasets.alternating_shells(),
         "corners": lambda: datasets.cube_corners(n_features=6, rng=0)}[name]()
    X, y = D.sample(N, rng=gen)
    Xt, yt = D.sample(N, rng=gen)
    return X, y, Xt, yt


def _margin_fn(model: Any, torch: Any, code: int, binary: bool) -> Any:
    def margin(x: Any) -> Any:
        out = model(x)
        if binary:
            return out.reshape(-1) * (1.0 if code == 1 else -1.0)
        own = out[:, code]
        other = out.clone()
        other[:, code] = -float("inf")
        return own - other.max(dim=1).values
    return margin


def _bisect(res: Any, x: np.ndarray, v: np.ndarray, code: int, rounds: int = 3) -> float | None:
    """Smallest ``t`` found in ``(0, 1]`` with a flipped decision at ``x + t v`` (``None``: none
    at ``t <= 1``): a 32-point scan, then ``rounds`` of 16-way sections of the first bracket
    (one batched decision per round; resolution ``32^-1 16^-rounds``, 7.6e-6 of the segment:
    finer steps land within the float bound of the boundary and cost exact evaluations)."""
    lo, hi = 0.0, 1.0
    for k in range(rounds + 1):
        m = 32 if k == 0 else 16
        ts = lo + (hi - lo) * np.arange(1, m + 1) / m
        flips = res.predict_codes(x + ts[:, None] * v) != code
        if not flips.any():
            if k == 0:
                return None
            break  # the bracket's end flipped before: keep it (decision path is exact)
        j = int(np.argmax(flips))
        lo, hi = (ts[j - 1] if j else lo), ts[j]
    return float(hi)


def attack_distance(res: Any, model: Any, x: np.ndarray, code: int, toward: np.ndarray, steps: int) -> tuple[float, str]:
    """Distance from ``x`` to a point where ``res``'s decision differs, and how it was found
    (``"pgd"`` or ``"segment"``): PGD on ``model`` (the torch export, or None), then bisection."""
    d_opp = float(np.linalg.norm(toward - x))
    if model is not None:
        import torch

        margin = _margin_fn(model, torch, code, res.network.n_outputs == 1)
        xt = torch.tensor(x[None], dtype=torch.float64)
        z = xt.clone()
        step = 2.5 * d_opp / steps
        tol = 1e-6 * (1.0 + abs(float(margin(xt).sum())))  # far above float64 error: surely not flipped
        for _ in range(steps):
            z.requires_grad_(True)
            mz = margin(z).sum()
            g, = torch.autograd.grad(mz, z)
            gn = float(g.norm())
            if gn == 0.0:
                break
            with torch.no_grad():
                z = z - step * g / gn
                delta = z - xt
                nd = float(delta.norm())
                if nd > d_opp:
                    z = xt + delta * (d_opp / nd)
                z = z.clamp(0.0, 1.0)
            zn = z.detach().numpy()[0]
            if float(margin(z).sum()) <= tol and res.predict_codes(zn[None])[0] != code:
                t = _bisect(res, x, zn - x, code)
                if t is not None:
                    return t * float(np.linalg.norm(zn - x)), "pgd"
            z = z.detach()
    t = _bisect(res, x, toward - x, code)
    return (t if t is not None else 1.0) * d_opp, "segment"


def _cell(cell: dict[str, Any]) -> dict[str, Any]:
    from memnets import ExactnessError, MemnetsError
    from memnets._constructions.registry import construct
    from memnets.theory.robustness import robust_radii

    X, y, Xt, _yt = _data(cell["set"], cell["N"], cell["seed"], cell["data_dir"])
    method, net = ("robust", True) if cell["method"] == "robust-net" else (cell["method"], False)
    t0 = time.perf_counter()
    try:
        res = construct(X, y, method=method, rng=cell["seed"], **({"net": True} if net else {}))
    except MemnetsError as exc:
        return {**{k: cell[k] for k in ("set", "method")}, "error": f"{type(exc).__name__}: {exc}", "points": []}
    build = time.perf_counter() - t0
    try:
        model = res.network.to_torch()
    except (ExactnessError, MemnetsError):
        model = None
    gen = np.random.default_rng(cell["seed"] + 17)
    k = cell["points"]
    points = []
    for split, P in (("train", X), ("test", Xt)):
        idx = gen.choice(len(P), size=min(k, len(P)), replace=False)
        Q = P[idx]
        rr = robust_radii(res, Q)
        for x, r, code in zip(Q, rr.radii, rr.codes, strict=True):
            opp = X[res.classes[code] != y]  # training samples of another class: memorized, so a flip
            toward = opp[int(np.argmin(((opp - x) ** 2).sum(axis=1)))]
            a, how = attack_distance(res, model, x, int(code), toward, cell["pgd_steps"])
            points.append({"split": split, "certified": float(r), "attacked": float(a), "attack": how,
                           "violation": bool(not r < a)})
        bound = rr.bound
    return {"set": cell["set"], "method": cell["method"], "bound": bound, "params": res.stats["params"],
            "build_seconds": build, "exportable": model is not None, "points": points}


def run(out_dir: RunOptions | str | os.PathLike[str], *, methods: tuple[str, ...] | None = None,
        sets: tuple[str, ...] | None = None, **run_options: Any) -> dict[str, Any]:
    """Certified radii against attacked distances; writes ``robustness.json`` and the plot.

    Parameters
    ----------
    out_dir : output folder or :class:`~memnets.experiments.RunOptions`
    methods : constructions (registry names, plus ``"robust-net"`` for ``robust`` with
        ``net=True``); default: the profile's
    sets : datasets (``moons``, ``balls``, ``shells``, ``corners``, ``mnist-A-B``); default:
        the profile's

    Returns the summary ``{"name", "json", "plots", "markdown", "claims"}``; raises
    :class:`~memnets.VerificationError` (after writing the JSON) if some certified radius is
    not below its attacked distance.
    """
    from memnets import METHODS, VerificationError

    opts = RunOptions.coerce(out_dir, run_options, experiment="robustness")
    started = time.perf_counter()
    plan = opts.plan(QUICK, FULL, TINY, methods=methods, sets=sets)
    for m in plan["methods"]:
        if m != "robust-net" and m not in METHODS:
            raise OptionError(f"robustness: unknown method {m!r}")
    ddir = str(opts.data_dir) if opts.data_dir is not None else None
    cells = [{"set": s, "method": m, "seed": opts.seed, "points": plan["points"], "pgd_steps": plan["pgd_steps"],
              "N": plan["N_mnist"] if s.startswith("mnist") else plan["N"], "data_dir": ddir}
             for s in plan["sets"] for m in plan["methods"]]
    rows = opts.run_cells(_cell, cells, desc="robustness")
    table = []
    for r in rows:
        for split in ("train", "test"):
            pts = [p for p in r["points"] if p["split"] == split]
            if not pts:
                continue
            cert = np.array([p["certified"] for p in pts])
            att = np.array([p["attacked"] for p in pts])
            table.append({"set": r["set"], "method": r["method"], "split": split, "bound": r.get("bound"),
                          "n": len(pts), "certified_median": float(np.median(cert)),
                          "attacked_median": float(np.median(att)), "ratio_median": float(np.median(cert / att)),
                          "certified_positive": float(np.mean(cert > 0)),
                          "pgd_share": float(np.mean([p["attack"] == "pgd" for p in pts])),
                          "violations": int(sum(p["violation"] for p in pts))})
    violations = sum(t["violations"] for t in table)
    claims = {"points": int(sum(t["n"] for t in table)), "violations": violations,
              "certified_below_attacked_every_point": violations == 0,
              "errors": {f"{r['set']}/{r['method']}": r["error"] for r in rows if "error" in r}}
    doc = {**header("robustness", opts), "plan": {k: list(v) if isinstance(v, tuple) else v for k, v in plan.items()},
           "claims": claims, "table": table, "cells": rows, "timing": {"wall_seconds": time.perf_counter() - started}}
    json_path = write_json(opts.out_dir / "robustness.json", doc)
    plots = robustness_plot(opts.out_dir, rows)
    if violations:
        raise VerificationError(f"robustness: {violations} point(s) have a certified radius not below the distance "
                                f"at which the attack flipped the label (see {json_path}); this is a bug in memnets")
    return summary("robustness", json_path, plots, _markdown(table, claims, plots), claims=claims)


def _markdown(table: list[dict[str, Any]], claims: dict[str, Any], plots: list[Any]) -> str:
    lines = ["Certified robustness radius (rigorous, rounded down) against the L2 distance at which PGD on the "
             "torch export + bisection (or the segment to the nearest opposite-label training sample) flips "
             "the label. Medians per set, method and split.", "",
             "| set | method | split | bound | certified | attacked | certified / attacked | certified > 0 | "
             "violations |", "|---|---|---|---|---|---|---|---|---|"]
    for t in table:
        lines.append(f"| {t['set']} | {t['method']} | {t['split']} | {t['bound']} | {t['certified_median']:.4g} | "
                     f"{t['attacked_median']:.4g} | {t['ratio_median']:.3f} | {t['certified_positive']:.0%} | "
                     f"{t['violations']} |")
    lines += ["", f"- Certified < attacked on every one of the {claims['points']} points: "
              f"**{claims['certified_below_attacked_every_point']}**."]
    if claims["errors"]:
        lines.append("- Not built: " + "; ".join(f"{k}: {v}" for k, v in claims["errors"].items()))
    return "\n".join([*lines, "", *image_links(plots)])

