"""The ``memnets`` command line (typer): a face over the public ``memnets`` names only.

``memnets reproduce`` is the main job. Each command is a thin layer over the library: parse
options, call the public function, print a table.

One module per command group; each registers its commands on :data:`app` from ``_app``:

- ``data``: ``memnets data list``
- ``methods``: ``memnets methods``
- ``model``: ``build``, ``eval``, ``inspect``, ``export``
- ``experiment``: ``experiment``, ``reproduce``
- ``theory``: ``estimate``, ``audit``, ``certify``
- ``robust``: ``robust`` (certified robustness radii of a model on a dataset)

To add a command group, write ``memnets/cli/NAME.py`` that imports ``app`` (and helpers such as
``fail``, ``stats_table``) from ``memnets.cli._app``, and add ``NAME`` to the import line below.
Use public ``memnets`` names only (import-linter checks it).
"""

from __future__ import annotations

from memnets.cli import data, experiment, methods, model, robust, theory  # noqa: F401  (register the commands)
from memnets.cli._app import app

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry point
    """Run the command line (the ``memnets`` console script)."""
    app()
