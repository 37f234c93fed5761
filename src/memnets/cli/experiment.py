"""``memnets experiment`` and ``memnets reproduce``: the experiments and the full report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from memnets import MemnetsError
from memnets.cli._app import app, console, fail


@app.command()
def experiment(
    name: Annotated[str, typer.Argument(help="Experiment name (see `memnets experiment --help`)")],
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("memnets-report"),
    full: Annotated[bool, typer.Option("--full", help="Every image / the large grid instead of the quick default (more than the paper used)")] = False,
    profile: Annotated[str | None, typer.Option(help="'paper': the paper's own settings where the experiment reproduces a table (pairs: Tables 1-2)")] = None,
    jobs: Annotated[int, typer.Option(help="Parallel jobs on this machine")] = 1,
    seed: Annotated[int, typer.Option(help="Base seed")] = 0,
    dask_scheduler: Annotated[str | None, typer.Option(help="Address of a Dask scheduler to run the grid on")] = None,
    data: Annotated[str | None, typer.Option(help="Dataset, for experiments that take one")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Folder of a dataset that is not bundled (CIFAR-10)")] = None,
) -> None:
    """Run one experiment; writes NAME.json and PNG plots into --out."""
    from memnets import experiments

    own: dict[str, Any] = {} if data is None else {"data": data}
    try:
        options = experiments.RunOptions(out, full=full, jobs=jobs, seed=seed, dask_scheduler=dask_scheduler,
                                         data_dir=data_dir, profile=profile)
        summary = experiments.run(name, options, **own)
    except MemnetsError as exc:
        fail(exc)
    console.print(f"[bold green]{name}[/] done: {summary.get('json')}")
    for plot in summary.get("plots", []):
        console.print(f"  plot: {plot}")


@app.command()
def reproduce(
    out: Annotated[Path, typer.Option(help="Report folder")] = Path("memnets-report"),
    full: Annotated[bool, typer.Option("--full", help="Every image (all of MNIST/Fashion-MNIST, CIFAR-10 if given) and the large grids: more than the paper used")] = False,
    profile: Annotated[str | None, typer.Option(help="'paper': Tables 1-2 at the paper's settings (MNIST 500/label, CIFAR-10 3,000/label, all test images), the rest quick")] = None,
    jobs: Annotated[int, typer.Option(help="Parallel jobs on this machine")] = 2,
    seed: Annotated[int, typer.Option(help="Base seed")] = 0,
    dask_scheduler: Annotated[str | None, typer.Option(help="Address of a Dask scheduler")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="CIFAR-10 folder (cifar-10-batches-py, or train/ and test/ class folders of PNGs)")] = None,
) -> None:
    """The main job: run every experiment and write report.md with tables and plots."""
    from memnets.experiments import RunOptions
    from memnets.experiments.reproduce import reproduce as run_reproduce

    try:
        report = run_reproduce(RunOptions(out, full=full, jobs=jobs, seed=seed, dask_scheduler=dask_scheduler,
                                          data_dir=data_dir, profile=profile))
    except MemnetsError as exc:
        fail(exc)
    console.print(f"[bold green]report written:[/] {report}")

