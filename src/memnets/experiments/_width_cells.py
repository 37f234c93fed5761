"""What both families of the ``width`` experiment share: one cell (build an arm on a sample,
score it on fresh points, audit it) and one table row per (sample size, arm).

The alternating shells (:mod:`memnets.experiments.width`) and Theorem 5.1's ball-shell
(:mod:`memnets.experiments._width_ball`) differ only in the distribution and the arms; the
cell and the row of numbers per arm are the same, so they live here once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import memnets as mn
from memnets import ConstructionError
from memnets.experiments._runner import mean_or_none

__all__ = ["DELTA", "arm_cell", "arm_row", "arms", "fmt", "trained_options"]

#: the audit's (and the test accuracies') failure probability
DELTA = 0.05


def arms(**notes: str) -> dict[str, tuple[str, str]]:
    """An arm table, name -> (method, label), from one note per arm: an arm named ``trained_*``
    trains an MLP (``method="trained"``) and its note is the first layer's width; any other arm
    builds the method of its own name, and its note says what matters about it here.

    >>> arms(optimal="projects to 1-D", trained_wide="4n")  # doctest: +NORMALIZE_WHITESPACE
    {'optimal': ('optimal', 'optimal (projects to 1-D)'),
     'trained_wide': ('trained', 'trained MLP, first width 4n')}
    """
    return {name: ("trained", f"trained MLP, first width {note}") if name.startswith("trained_")
            else (name, f"{name} ({note})") for name, note in notes.items()}


def trained_options(first_width: int, cell: dict[str, Any]) -> dict[str, Any]:
    """Options of a trained MLP whose first layer has ``first_width`` units, then the cell's head."""
    return {"first_width": first_width, "hidden": [first_width, cell["head"]], "max_epochs": cell["max_epochs"]}


def arm_cell(cell: dict[str, Any], D: Any, method: str, options: dict[str, Any], ident: dict[str, Any]
             ) -> dict[str, Any]:
    """Build ``method`` on ``cell["N"]`` samples of ``D``, score it on ``cell["n_test"]`` fresh
    points and audit it (:func:`memnets.audit`) with ``cell["n_lines"]`` lines.

    Returns ``ident`` with the method, its options and the numbers; a construction that refuses
    (a trained MLP that does not reach 100% training accuracy) is recorded as not memorized.
    """
    seed = cell["seed"]
    X, y = D.sample(cell["N"], rng=seed)
    Xt, yt = D.sample(cell["n_test"], rng=10**6 + seed)
    out: dict[str, Any] = {**ident, "method": method, "options": options}
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
        bottleneck=s["bottleneck"], rank_first_layer=rep.rank_first_layer, fibre_dim=rep.fibre_dim,
        audit_bound=rep.error_lower_bound, audit_minority_mean=rep.minority_mean,
        audit_line_error=rep.line_error, audit_line_halfwidth=rep.line_error_halfwidth,
        audit_exact=rep.exact, audit_note=rep.note, epochs=s.get("epochs"), construct_seconds=built,
        seconds=time.perf_counter() - t0,
    )
    return out


def arm_row(runs: Sequence[dict[str, Any]], **ident: Any) -> dict[str, Any]:
    """One table row: ``ident`` and the means over the memorizing ``runs`` of one arm."""
    mem = [g for g in runs if g.get("memorized")]
    return {
        **ident, "runs": len(runs), "memorized": len(mem),
        "test_accuracy": mean_or_none([g["test_accuracy"] for g in mem]),
        "rank_first_layer": mean_or_none([g["rank_first_layer"] for g in mem]),
        "fibre_dim": mean_or_none([g.get("fibre_dim") for g in mem]),
        "bottleneck": mean_or_none([g["bottleneck"] for g in mem]),
        "params": mean_or_none([g["params"] for g in mem]),
        "best_train_accuracy": mean_or_none([g.get("train_accuracy") for g in runs]),
    }


def fmt(v: Any, spec: str = ".3f") -> str:
    """``v`` formatted, or ``-`` for None."""
    return "-" if v is None else format(v, spec)
