"""``memnets robust``: certified robustness radii of a model on a dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from memnets import MemnetsError
from memnets.cli._app import app, console, fail, parse_classes, stats_table
from memnets.cli._options import ClassSubset, DataDir, SubsampleSeed


@app.command()
def robust(
    model: Annotated[Path, typer.Argument(help="A .memnet file written by memnets")],
    data: Annotated[str, typer.Option(help="Dataset whose points get a radius (see `memnets data list`)")],
    classes: ClassSubset = None,
    split: Annotated[str, typer.Option(help="Split of --data")] = "test",
    n_test: Annotated[int | None, typer.Option(help="Subsample this many points")] = 1000,
    seed: SubsampleSeed = 0,
    data_dir: DataDir = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write every radius as JSON")] = None,
) -> None:
    """Per point, a radius within which the model's decision provably cannot change; prints
    their distribution and the bound used (nearest-bisector for efficient/robust, the
    pairwise-unit bound for pairwise, a generic Lipschitz lower bound otherwise)."""
    from memnets import datasets, load
    from memnets.theory import robust_radii

    try:
        res = load(model)
        X, y = datasets.load(data, classes=parse_classes(classes), split=split, n=n_test, rng=seed, data_dir=data_dir)
        with console.status(f"certifying radii of {len(X)} points..."):
            rr = robust_radii(res, X)
    except MemnetsError as exc:
        fail(exc)
    r = rr.radii
    correct = res.classes[rr.codes] == np.asarray(y)
    q = np.quantile(r, [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    rows = {
        "points": f"{len(r):,} ({data} {split})",
        "bound": rr.statement,
        "radius > 0": f"{np.mean(r > 0):.2%}",
        "min / 10% / 25%": " / ".join(f"{v:.4g}" for v in q[:3]),
        "median": f"{q[3]:.4g}",
        "75% / 90% / max": " / ".join(f"{v:.4g}" for v in q[4:]),
        "mean": f"{float(r.mean()):.4g}",
        "median on correctly classified points": f"{float(np.median(r[correct])):.4g}" if correct.any() else "-",
        "statement": "the decision is constant on the closed L2 ball of that radius (in R^n)",
    }
    console.print(stats_table(f"memnets robust {model}", rows))
    if json_out is not None:
        from memnets.experiments import write_json

        write_json(json_out, {"model": str(model), "data": data, "split": split, "bound": rr.bound,
                              "radii": r.tolist(), "correct": correct.tolist()})
