"""``memnets methods``: every registered construction and its options."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from memnets import METHODS, MemnetsError, method_options
from memnets.cli._app import app, console, fail


@app.command()
def methods(
    method: Annotated[str | None, typer.Argument(help="Show only this method")] = None,
) -> None:
    """List the constructions and each one's options: default, allowed values, meaning."""
    names = list(METHODS) if method is None else [method]
    try:
        described = {name: method_options(name) for name in names}
    except MemnetsError as exc:
        fail(exc)
    for name, options in described.items():
        table = Table(title=f"{name}: {METHODS[name][1]}", title_justify="left", show_lines=False)
        for col in ("option", "default", "allowed", "meaning"):
            table.add_column(col, overflow="fold")
        for opt in options.values():
            table.add_row(opt.name, repr(opt.default), opt.allowed, opt.meaning)
        if not options:
            table.add_row("-", "", "", "no options")
        console.print(table)
    console.print("Pass options as [bold]memnets build DATA --method NAME --set OPTION=VALUE[/] "
                  "or memnets.construct(X, y, method=NAME, OPTION=VALUE).")
