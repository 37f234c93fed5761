"""Command-line options that several commands declare alike, one definition each.

Each is an ``Annotated`` type that typer reads as the option (flag, help text); the
parameter's default stays at the command that declares it::

    seed: SubsampleSeed = 0
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["ClassSubset", "DataDir", "DeprecatedNTest", "LabelColumn", "SubsampleSeed"]

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
