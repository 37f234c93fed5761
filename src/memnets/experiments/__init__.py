"""Experiments that reproduce the paper's claims; each is ``memnets experiment NAME``.

Every experiment module defines ``run(out_dir, *, full=False, jobs=1, seed=0,
dask_scheduler=None, progress=True, **options) -> dict``: it writes ``NAME.json`` (every
number, with seeds and library version) and PNG plots into ``out_dir`` and returns a
summary dict with at least ``{"name", "json", "plots": [...], "markdown": str}`` (the
markdown is the experiment's section of the ``reproduce`` report).
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from memnets._core.errors import OptionError

__all__ = ["EXPERIMENTS", "run"]

#: name -> (module, description)
EXPERIMENTS: dict[str, tuple[str, str]] = {
    "scaling": ("memnets.experiments.scaling", "M2 vs interval: params against N (issue: optimal memorization)"),
    "constant": ("memnets.experiments.constant", "M3: params independent of N on separated-ball mixtures"),
    "width": ("memnets.experiments.width", "Section 5: bottleneck < n cannot generalize (alternating shells)"),
    "sample-complexity": ("memnets.experiments.sample_complexity", "Section 6: accuracy vs N/2^n on cube corners; the N_D^2 law"),
    "exponential": ("memnets.experiments.exponential", "Section 6: params needed to generalize grow exponentially in n"),
    "guarantee": ("memnets.experiments.guarantee", "Theorem 7.3: M1 success probability vs (S_D/eps) ln(S_D/delta)"),
    "pairs": ("memnets.experiments.pairs", "M1 on every class pair (the paper's 10x10 tables)"),
    "compare": ("memnets.experiments.compare", "M1 vs M2 vs M3 vs 1-NN vs trained MLP on five MNIST pairs"),
    "certify": ("memnets.experiments.certify", "M1's accuracy certified from the training set alone (sample compression), per pair"),
}


def run(name: str, out_dir: str | os.PathLike[str], **options: Any) -> dict[str, Any]:
    """Run experiment ``name`` writing into ``out_dir``; see the module docstring."""
    if name not in EXPERIMENTS:
        valid = ", ".join(repr(n) for n in EXPERIMENTS)
        raise OptionError(f"unknown experiment {name!r}; valid experiments are {valid}")
    module = importlib.import_module(EXPERIMENTS[name][0])
    result: dict[str, Any] = module.run(out_dir, **options)
    return result
