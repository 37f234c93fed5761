"""``memnets experiment`` and ``memnets reproduce``: the experiments and the full report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from memnets import MemnetsError, OptionError
from memnets.cli._app import app, console, fail, warn
from memnets.cli._options import (
    BaseSeed,
    CifarDir,
    DaskScheduler,
    FullFlag,
    Jobs,
    Profile,
    ResNet,
    ResNetDevice,
)
from memnets.experiments import EXPERIMENTS

#: What ResNet-18 costs without a GPU, measured for Table 3's column (``pairs``, CIFAR-10).
RESNET_CPU_NOTE = (
    "the ResNet-18 column (Table 3) is left out: no CUDA GPU here, and on CPU it costs 330-360 s "
    "per epoch on 6,000 images on 2 cores, so 45 pairs x 20 epochs take about 70-115 hours. "
    "Pass --resnet to run it anyway."
)


def gpu_available() -> bool:
    """Whether torch sees a CUDA device (False without torch)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def _resnet_left_out(resnet: bool | None, profile: str | None, device: str | None) -> bool:
    """Whether the ResNet-18 column is left out (with a note): the profile would train it,
    nobody asked for it or named a device, and torch sees no GPU."""
    if resnet is None and profile in ("full", "paper") and device is None and not gpu_available():
        warn(RESNET_CPU_NOTE)
        return True
    return False


def _profile(full: bool, profile: str | None) -> str | None:
    if full and profile not in (None, "full"):
        raise OptionError(f"--full and --profile {profile} disagree; give --profile only")
    return "full" if full else profile


def _own_options(name: str, set_: list[str] | None, data: str | None, resnet: bool | None,
                 device: str | None) -> dict[str, Any]:
    """The experiment's own options: ``--set`` pairs typed by its ``run`` signature
    (:func:`memnets.experiments.parse_experiment_options`), then the dedicated flags."""
    from memnets.experiments import parse_experiment_options

    own = parse_experiment_options(name, set_ or [])
    for key, value in (("data", data), ("resnet", resnet), ("resnet_device", device)):
        if value is not None:
            if key in own and own[key] != value:
                raise OptionError(f"--{key} {value!r} and --set {key}={own[key]!r} disagree; give one")
            own[key] = value
    return own


_SET_HELP = ("An option of the experiment's run as KEY=VALUE, repeatable (e.g. --set n_train=200 --set "
             "pairs=[[3,5],[4,9]]); values are typed by the experiment's signature (numbers, lists, "
             "true/false, none); an unknown KEY is an error listing the valid ones")


@app.command(help="Run one experiment; writes NAME.json and PNG plots into --out.")
def experiment(
    name: Annotated[str, typer.Argument(help=f"Experiment name: {', '.join(EXPERIMENTS)}")],
    out: Annotated[Path, typer.Option(help="Output folder")] = Path("memnets-report"),
    full: FullFlag = False,
    profile: Profile = None,
    jobs: Jobs = 1,
    seed: BaseSeed = 0,
    dask_scheduler: DaskScheduler = None,
    data: Annotated[str | None, typer.Option(help="Dataset, for experiments that take one")] = None,
    data_dir: CifarDir = None,
    resnet: ResNet = None,
    device: ResNetDevice = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help=_SET_HELP)] = None,
) -> None:
    from memnets import experiments

    try:
        profile = _profile(full, profile)
        own = _own_options(experiments.check_name(name), set_, data, resnet, device)
        if name == "pairs" and _resnet_left_out(own.get("resnet"), profile, own.get("resnet_device")):
            own["resnet"] = False
        options = experiments.RunOptions(out, jobs=jobs, seed=seed, dask_scheduler=dask_scheduler,
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
    full: FullFlag = False,
    profile: Profile = None,
    jobs: Jobs = 2,
    seed: BaseSeed = 0,
    dask_scheduler: DaskScheduler = None,
    data_dir: CifarDir = None,
    resnet: ResNet = None,
    device: ResNetDevice = None,
) -> None:
    """The main job: run every experiment and write report.md with tables and plots."""
    from memnets.experiments import RunOptions
    from memnets.experiments.reproduce import reproduce as run_reproduce

    try:
        profile = _profile(full, profile)
        pairs: dict[str, Any] = {} if device is None else {"resnet_device": device}
        if _resnet_left_out(resnet, profile, device):
            resnet = False
        if resnet is not None:
            pairs["resnet"] = resnet
        report = run_reproduce(RunOptions(out, jobs=jobs, seed=seed, dask_scheduler=dask_scheduler,
                                          data_dir=data_dir, profile=profile),
                               experiment_options={"pairs": pairs} if pairs else None)
    except MemnetsError as exc:
        fail(exc)
    console.print(f"[bold green]report written:[/] {report}")
