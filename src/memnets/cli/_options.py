"""Command-line options that several commands declare alike, one definition each.

Each is an ``Annotated`` type that typer reads as the option (flag, help text); the
parameter's default stays at the command that declares it::

    seed: SubsampleSeed = 0
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = [
    "BaseSeed",
    "CifarDir",
    "ClassSubset",
    "DaskScheduler",
    "DataDir",
    "DeprecatedNTest",
    "FullFlag",
    "Jobs",
    "LabelColumn",
    "Profile",
    "ResNet",
    "ResNetDevice",
    "SubsampleSeed",
]

#: the classes of a dataset to keep
ClassSubset = Annotated[str | None, typer.Option(help="Class subset, e.g. 3,5")]
#: the label column of a .csv file
LabelColumn = Annotated[str | None, typer.Option(help="Column of the labels in a .csv file")]
#: the seed of a subsample of the data
SubsampleSeed = Annotated[int, typer.Option(help="Seed of the subsample")]
#: the folder of a dataset that is not bundled
DataDir = Annotated[Path | None, typer.Option(help="Folder of a dataset that is not bundled")]
#: the earlier name of --n-test, kept for one release
DeprecatedNTest = Annotated[int | None, typer.Option("--n", hidden=True, help="Deprecated: use --n-test")]

# the run options of ``memnets experiment`` and ``memnets reproduce``
#: the deprecated spelling of --profile full
FullFlag = Annotated[bool, typer.Option("--full", help="Same as --profile full")]
#: the run's size (memnets.experiments.PROFILES)
Profile = Annotated[str | None, typer.Option(help=(
    "quick (default), full (every image, the large grids: more than the paper used), paper (the paper's "
    "settings where an experiment reproduces a table: pairs = Tables 1-2), tiny (tests)"))]
#: joblib worker processes
Jobs = Annotated[int, typer.Option(help="Parallel jobs on this machine")]
#: the seed every cell derives its seeds from
BaseSeed = Annotated[int, typer.Option(help="Base seed")]
#: a Dask distributed scheduler
DaskScheduler = Annotated[str | None, typer.Option(help="Address of a Dask scheduler to run the grid on")]
#: the CIFAR-10 folder (the only dataset an experiment reads that is not bundled)
CifarDir = Annotated[Path | None, typer.Option(
    "--data-dir", help="CIFAR-10 folder (cifar-10-batches-py, or train/ and test/ class folders of PNGs)")]
#: Table 3's ResNet-18 column of the pairs experiment
ResNet = Annotated[bool | None, typer.Option("--resnet/--no-resnet", help=(
    "pairs: train Table 3's ResNet-18 on the CIFAR-10 pairs (default: paper and full profiles, on a "
    "machine with a GPU)"))]
#: the torch device of that ResNet-18
ResNetDevice = Annotated[str | None, typer.Option("--device", help="pairs: torch device of the ResNet-18 (cpu, cuda, cuda:1)")]
