"""``memnets build``, ``eval``, ``inspect``, ``export``: one model, from data to file and back."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from memnets import METHODS, InputError, MemnetsError
from memnets.cli._app import (
    app,
    console,
    fail,
    parse_classes,
    parse_set,
    stats_table,
    subsample_flag,
)
from memnets.cli._load import bare_network_predictions, is_data_file, load_any_model, load_data
from memnets.cli._options import ClassSubset, DataDir, DeprecatedNTest, LabelColumn, SubsampleSeed

_DATA_HELP = ("Dataset name (see `memnets data list`), or your own file: .npz with arrays X and y, "
              ".csv with a header and --label-column")
_RESCALE_HINT = " From the command line: add --rescale (min-max per feature, stored in the model)."


def _fail_data(exc: MemnetsError) -> None:
    if isinstance(exc, InputError) and "[0, 1]^n" in str(exc) and "rescale" in str(exc):
        fail(InputError(str(exc) + _RESCALE_HINT))
    fail(exc)


@app.command(help=f"""Construct a memorizing network on a dataset or your own file, verify it and save it.

Methods (`memnets methods` lists their options): {', '.join(METHODS)}.

Examples: `memnets build mnist --classes 4,9`; `memnets build data.csv --label-column label --rescale`; the README's certified M1: `memnets build mnist --classes 4,9 --set condense=mcs`.""")
def build(
    data: Annotated[str, typer.Argument(help=_DATA_HELP)],
    method: Annotated[str, typer.Option(help=f"Construction: {', '.join(METHODS)}")] = "efficient",
    classes: ClassSubset = None,
    n_train: Annotated[int | None, typer.Option(help="Subsample this many training points")] = None,
    seed: Annotated[int, typer.Option(help="Seed of every random choice")] = 0,
    out: Annotated[Path, typer.Option(help="Where to save the model")] = Path("model.memnet"),
    data_dir: Annotated[Path | None, typer.Option(help="Folder of a dataset that is not bundled (CIFAR-10)")] = None,
    label_column: LabelColumn = None,
    rescale: Annotated[bool, typer.Option("--rescale", help="Fit a min-max scaling per feature on the training "
                                          "data (for data outside [0,1]); the model stores and applies it")] = False,
    progress: Annotated[bool, typer.Option("--progress/--quiet", help="Progress bars on long builds")] = True,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Option of the method as KEY=VALUE, repeatable (e.g. --set condense=mcs "
                     "--set k=2); numbers, true/false and none are converted. `memnets methods` lists them"),
    ] = None,
) -> None:
    from memnets import construct, save

    try:
        options = parse_set(set_ or [])
        X, y = load_data(data, classes=parse_classes(classes), split="train", n=n_train, seed=seed,
                         data_dir=data_dir, label_column=label_column)
        console.print(f"constructing {method} on {len(y)} samples ...")
        res = construct(X, y, method=method, rng=seed, rescale=rescale, progress=progress, **options)
        save(res, out)
    except MemnetsError as exc:
        _fail_data(exc)
    console.print(stats_table(f"{method} on {data} -> {out}", {k: v for k, v in res.stats.items() if k != "options"}))


@app.command("eval")
def evaluate(
    model: Annotated[Path, typer.Argument(help="A .memnet file, or a torch file `memnets export` or torch.save wrote")],
    data: Annotated[str, typer.Option(help=_DATA_HELP)],
    classes: ClassSubset = None,
    split: Annotated[str, typer.Option(help="train or test (dataset names only)")] = "test",
    n_test: Annotated[int | None, typer.Option(help="Subsample this many points of the split")] = None,
    n: DeprecatedNTest = None,
    seed: SubsampleSeed = 0,
    data_dir: DataDir = None,
    label_column: LabelColumn = None,
) -> None:
    """Accuracy of a saved model on a dataset split or a file.

    A bare network (a torch file, a .memnet network) has no stored labels: its outputs are
    read as the sorted classes of the data (one output: F > 0 is the second class).
    """
    try:
        n_test = subsample_flag(n_test, n, "--n-test")
        res, net = load_any_model(model)
        X, y = load_data(data, classes=parse_classes(classes), split=split, n=n_test, seed=seed,
                         data_dir=data_dir, label_column=label_column)
        if res is not None:
            acc = res.score(X, y)
        else:
            acc = float((bare_network_predictions(net, X, y) == y).mean())
    except MemnetsError as exc:
        fail(exc)
    where = data if is_data_file(data) else f"{data} {split}"
    console.print(f"accuracy on {where} ({len(y)} samples): [bold]{acc:.4f}[/]")


@app.command()
def inspect(
    path: Annotated[Path, typer.Argument(help="A .memnet file, or a torch file (nn.Sequential of Linear/ReLU or its state_dict)")],
) -> None:
    """Show the structure, statistics and provenance of a saved model."""
    try:
        res, net = load_any_model(path)
    except MemnetsError as exc:
        fail(exc)
    sizes = (" -> ".join(map(str, net.layer_sizes)) if net.depth <= 12
             else f"{net.n_inputs} -> ... ({net.depth} layers) -> {net.n_outputs}")
    rows: dict[str, Any]
    if res is None:
        rows = {"kind": "bare network (no labels, no construction record)", "layer sizes": sizes,
                "params / nonzero": f"{net.num_params()} / {net.num_params(nonzero=True)}",
                "width": net.width, "depth": net.depth, "bottleneck": net.bottleneck}
    else:
        rows = {
            "method": res.method,
            "verified": res.verified,
            "classes": list(res.classes.tolist()),
            "min_margin": float(res.min_margin),
            "engine": res.engine,
            "input scaling": "none (inputs in [0, 1]^n)" if res.scaling is None else
            f"{res.scaling.kind} min-max, clipped into [0, 1]",
            "layer sizes": sizes,
            **{k: v for k, v in res.stats.items() if k not in ("options",)},
            "options": res.stats.get("options"),
        }
    console.print(stats_table(str(path), rows))


@app.command()
def export(
    model: Annotated[Path, typer.Argument(help="A .memnet file (result or network)")],
    onnx: Annotated[Path | None, typer.Option("--onnx", help="Write an ONNX file here")] = None,
    torch: Annotated[Path | None, typer.Option("--torch", help="Write a torch.save of an nn.Sequential here")] = None,
) -> None:
    """Export a model to ONNX and/or PyTorch, its input scaling included (float64).

    The exported network answers like `memnets eval` on raw inputs. A network whose exact
    weights float64 cannot hold (method optimal's big integers) is refused, naming the bits
    it needs.
    """
    if onnx is None and torch is None:
        fail(InputError("give --onnx OUT and/or --torch OUT"))
    try:
        res, net = load_any_model(model)
        full = net if res is None else res.network_with_scaling()
        written = []
        if torch is not None:
            import torch as th

            th.save(full.to_torch(), torch)
            written.append(f"torch: {torch}")
        if onnx is not None:
            full.to_onnx(onnx)
            written.append(f"onnx: {onnx}")
    except MemnetsError as exc:
        fail(exc)
    except ImportError as exc:
        fail(InputError(f"export needs the optional dependency: {exc} (pip install 'memnets[torch,onnx]')"))
    for line in written:
        console.print(f"[bold green]wrote[/] {line}")
