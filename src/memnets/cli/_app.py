"""The typer application every command module registers on, and the helpers they share.

A command module imports ``app`` (or a sub-application) from here and decorates its commands;
``memnets.cli.__init__`` imports every command module so that the commands exist once
``memnets.cli:app`` is loaded. Heavy imports happen inside the commands so that
``memnets --help`` stays fast.
"""

from __future__ import annotations

from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from memnets import OptionError

app = typer.Typer(
    name="memnets",
    help="Construct, verify and evaluate ReLU networks that provably memorize a dataset.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def fail(exc: Exception) -> NoReturn:
    """Print ``exc`` as a one-line error and leave with exit code 2 (no traceback)."""
    console.print(f"[bold red]error:[/] {exc}")
    raise typer.Exit(code=2)


def warn(message: str) -> None:
    """Print a one-line warning (deprecated flags, skipped work) on standard error."""
    err_console.print(f"[bold yellow]warning:[/] {message}")


def parse_classes(classes: str | None) -> tuple[Any, ...] | None:
    """``"3,5"`` or ``"3-5"`` -> ``(3, 5)``; names stay strings (``"cat,dog"``)."""
    if not classes:
        return None
    parts = [c.strip() for c in classes.replace("-", ",").split(",") if c.strip()]
    return tuple(int(p) if p.lstrip("-").isdigit() else p for p in parts)


def stats_table(title: str, rows: dict[str, Any]) -> Table:
    """A two-column key/value table."""
    table = Table(title=title, show_header=False)
    table.add_column("key", style="bold")
    table.add_column("value")
    for k, v in rows.items():
        table.add_row(str(k), str(v))
    return table


def parse_set(items: list[str]) -> dict[str, Any]:
    """``["k=2", "radius=local", "alpha=0.9", "x=true"]`` -> ``{"k": 2, "radius": "local", ...}``.

    Numbers become ``int`` or ``float``, ``true``/``false`` become ``bool``, ``none`` becomes
    ``None``; everything else stays a string.
    """
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise OptionError(f"--set expects KEY=VALUE with a Python name as KEY, got {item!r}")
        value: Any = text.strip()
        if value.lower() in ("true", "false"):
            value = value.lower() == "true"
        elif value.lower() == "none":
            value = None
        else:
            for kind in (int, float):
                try:
                    value = kind(value)
                    break
                except ValueError:
                    pass
        out[key] = value
    return out


def subsample_flag(n_train: int | None, n_old: int | None, new: str = "--n-train") -> int | None:
    """The value of a renamed subsample flag: ``new`` wins; the old ``--n`` still works for one
    release and prints a deprecation warning."""
    if n_old is None:
        return n_train
    warn(f"--n is deprecated and will be removed in the next release; use {new}")
    if n_train is not None and n_train != n_old:
        raise OptionError(f"--n {n_old} and {new} {n_train} disagree; give {new} only")
    return n_old


def _show_version(value: bool) -> None:
    if value:
        from memnets import __version__

        console.print(f"memnets {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", help="Print the memnets version and exit.", callback=_show_version, is_eager=True
    ),
) -> None:
    """memnets: memorization networks with exact verification."""
