"""``memnets data ...``: the datasets memnets can load."""

from __future__ import annotations

import typer
from rich.table import Table

from memnets.cli._app import app, console

data_app = typer.Typer(help="Datasets: list what is available offline.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("list")
def data_list() -> None:
    """List the datasets memnets can load, and whether each is installed here."""
    from memnets import datasets

    table = Table(title="memnets datasets")
    for col in ("name", "kind", "available", "features", "classes", "source / note"):
        table.add_column(col)
    for entry in datasets.catalog():
        table.add_row(
            entry["name"],
            entry["kind"],
            "yes" if entry["available"] else "no",
            "any" if entry.get("n_features") is None else str(entry["n_features"]),
            "any" if entry.get("n_classes") is None else str(entry["n_classes"]),
            entry.get("note", ""),
        )
    console.print(table)
