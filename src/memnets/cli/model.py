"""``memnets build``, ``memnets eval``, ``memnets inspect``: one model, from data to file and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from memnets import MemnetsError
from memnets.cli._app import (
    app,
    console,
    fail,
    parse_classes,
    parse_set,
    stats_table,
    subsample_flag,
)


@app.command()
def build(
    data: Annotated[str, typer.Argument(help="Dataset name (see `memnets data list`)")],
    method: Annotated[str, typer.Option(help="Construction (efficient, optimal, interval, constant, trained)")] = "efficient",
    classes: Annotated[str | None, typer.Option(help="Class subset, e.g. 3,5")] = None,
    n_train: Annotated[int | None, typer.Option(help="Subsample this many training points")] = None,
    seed: Annotated[int, typer.Option(help="Seed of every random choice")] = 0,
    out: Annotated[Path, typer.Option(help="Where to save the model")] = Path("model.memnet"),
    data_dir: Annotated[Path | None, typer.Option(help="Folder of a dataset that is not bundled (CIFAR-10)")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Option of the method as KEY=VALUE, repeatable (e.g. --set condense=cover "
                     "--set k=2); numbers and true/false are converted"),
    ] = None,
) -> None:
    """Construct a memorizing network on a dataset, verify it and save it.

    The compact ``efficient`` of the README: ``memnets build mnist --set radius=local --set alpha=0.9
    --set k=2``.
    """
    from memnets import construct, datasets, save

    try:
        options = parse_set(set_ or [])
        X, y = datasets.load(
            data, classes=parse_classes(classes), split="train", n=n_train, rng=seed, data_dir=data_dir
        )
        with console.status(f"constructing {method} on {len(y)} samples..."):
            res = construct(X, y, method=method, rng=seed, **options)
        save(res, out)
    except MemnetsError as exc:
        fail(exc)
    console.print(stats_table(f"{method} on {data} -> {out}", {k: v for k, v in res.stats.items() if k != "options"}))


@app.command("eval")
def evaluate(
    model: Annotated[Path, typer.Argument(help="A .memnet file")],
    data: Annotated[str, typer.Option(help="Dataset name")],
    classes: Annotated[str | None, typer.Option(help="Class subset, e.g. 3,5")] = None,
    split: Annotated[str, typer.Option(help="train or test")] = "test",
    n_test: Annotated[int | None, typer.Option(help="Subsample this many points of the split")] = None,
    n: Annotated[int | None, typer.Option("--n", hidden=True, help="Deprecated: use --n-test")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the subsample")] = 0,
    data_dir: Annotated[Path | None, typer.Option(help="Folder of a dataset that is not bundled")] = None,
) -> None:
    """Accuracy of a saved model on a dataset split."""
    from memnets import datasets, load

    try:
        n_test = subsample_flag(n_test, n, "--n-test")
        res = load(model)
        X, y = datasets.load(data, classes=parse_classes(classes), split=split, n=n_test, rng=seed, data_dir=data_dir)
        acc = res.score(X, y)
    except MemnetsError as exc:
        fail(exc)
    console.print(f"accuracy on {data} {split} ({len(y)} samples): [bold]{acc:.4f}[/]")


@app.command()
def inspect(path: Annotated[Path, typer.Argument(help="A .memnet file written by memnets")]) -> None:
    """Show the structure, statistics and provenance of a saved model."""
    from memnets import load

    try:
        res = load(path)
    except MemnetsError as exc:
        fail(exc)
    net = res.network
    rows = {
        "method": res.method,
        "verified": res.verified,
        "classes": list(res.classes.tolist()),
        "min_margin": float(res.min_margin),
        "engine": res.engine,
        "layer sizes": " -> ".join(map(str, net.layer_sizes))
        if net.depth <= 12
        else f"{net.n_inputs} -> ... ({net.depth} layers) -> {net.n_outputs}",
        **{k: v for k, v in res.stats.items() if k not in ("options",)},
        "options": res.stats.get("options"),
    }
    console.print(stats_table(str(path), rows))

