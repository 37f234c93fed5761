"""Experiments that reproduce the paper's claims; each is ``memnets experiment NAME``.

Every experiment module defines ``run(options, *, <its own options>, **run_options) ->
dict``. ``options`` is a :class:`RunOptions` (or just the output folder, the run options
then given as keywords: ``full``, ``jobs``, ``seed``, ``dask_scheduler``, ``progress``,
``cache_dir``, ``data_dir``, ``profile``, declared and validated by :class:`RunOptions`).
It writes ``NAME.json`` (every number, with seeds and library version) and PNG plots into
``options.out_dir`` and returns a summary dict with at least ``{"name", "json", "plots":
[...], "markdown": str}`` (the markdown is the experiment's section of the ``reproduce``
report).
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

from memnets import OptionError
from memnets.experiments._options import RunOptions
from memnets.experiments._runner import write_json

__all__ = ["EXPERIMENTS", "RunOptions", "check_name", "module", "run", "write_json"]

#: name -> (module, description)
EXPERIMENTS: dict[str, tuple[str, str]] = {
    "scaling": ("memnets.experiments.scaling", "M2 vs interval: params against N (issue: optimal memorization)"),
    "constant": ("memnets.experiments.constant", "M3: params independent of N on separated-ball mixtures"),
    "width": ("memnets.experiments.width", "Section 5: bottleneck < n cannot generalize (Theorem 5.1's ball-shell, alternating shells)"),
    "density": ("memnets.experiments.density", "Theorem 5.3: small memorizers need not generalize (density-bounded ball mixtures)"),
    "sample-complexity": ("memnets.experiments.sample_complexity", "Section 6: accuracy vs N/2^n on cube corners; the N_D^2 law"),
    "exponential": ("memnets.experiments.exponential", "Section 6: params needed to generalize grow exponentially in n"),
    "guarantee": ("memnets.experiments.guarantee", "Theorem 7.3: M1 success probability vs (S_D/eps) ln(S_D/delta)"),
    "pairs": ("memnets.experiments.pairs", "M1 on every class pair (the paper's 10x10 tables)"),
    "compare": ("memnets.experiments.compare", "Table 4: M1 vs M2 (Park 2021) vs M3 (Vardi 2022), our memorizers, 1-NN, MLP on five MNIST pairs"),
    "certify": ("memnets.experiments.certify", "M1's accuracy certified from the training set alone (sample compression), per pair"),
    "robustness": ("memnets.experiments.robustness", "certified robustness radii of every construction vs the distance an attack (PGD + bisection) needs to flip the label"),
}


def check_name(name: str) -> str:
    """``name`` if it is a registered experiment, else :class:`memnets.OptionError`."""
    if name not in EXPERIMENTS:
        valid = ", ".join(repr(n) for n in EXPERIMENTS)
        raise OptionError(f"unknown experiment {name!r}; valid experiments are {valid}")
    return name


def module(name: str) -> ModuleType:
    """The module of experiment ``name`` (imported on first use)."""
    return importlib.import_module(EXPERIMENTS[check_name(name)][0])


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
