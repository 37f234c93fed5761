"""Experiments that reproduce the paper's claims; each is ``memnets experiment NAME``.

Every experiment module defines ``run(options, *, <its own options>, **run_options) ->
dict``. ``options`` is a :class:`RunOptions` (or just the output folder, the run options
then given as keywords: ``profile`` (one of :data:`PROFILES`), ``jobs``, ``seed``,
``dask_scheduler``, ``progress``, ``cache_dir``, ``data_dir``, declared and validated by
:class:`RunOptions`). Every ``run`` ends in one shared tail
(:func:`memnets.experiments._tail.finish`): it writes ``NAME.json`` (every number, with
seeds and library version) and PNG plots into ``options.out_dir`` and returns a summary
dict with at least ``{"name", "json", "plots": [...], "markdown": str}`` (the markdown is
the experiment's section of the ``reproduce`` report).
"""

from __future__ import annotations

import os
from typing import Any

from memnets.experiments._options import PROFILES, RunOptions
from memnets.experiments._registry import (
    EXPERIMENTS,
    check_name,
    experiment_options,
    module,
    parse_experiment_options,
)
from memnets.experiments._runner import write_json

__all__ = [
    "EXPERIMENTS",
    "PROFILES",
    "RunOptions",
    "check_name",
    "experiment_options",
    "module",
    "parse_experiment_options",
    "run",
    "write_json",
]


def run(name: str, out_dir: RunOptions | str | os.PathLike[str], **options: Any) -> dict[str, Any]:
    """Run experiment ``name`` writing into ``out_dir``; see the module docstring.

    ``out_dir`` may be a :class:`RunOptions`; the run options among ``options`` are
    validated here, the rest go to the experiment's ``run``.
    """
    mod = module(name)
    common = {k: options.pop(k) for k in RunOptions.names()[1:] if k in options}
    opts = RunOptions.coerce(out_dir, common, experiment=name)
    result: dict[str, Any] = mod.run(opts, **options)
    return result
