"""The experiments memnets knows, by name: the one list that ``run``, ``reproduce``, the run
options' error messages and the command line read."""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

from memnets import OptionError

__all__ = ["EXPERIMENTS", "check_name", "module", "own_options"]

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


def own_options(name: str) -> list[str]:
    """The keyword arguments of experiment ``name``'s ``run`` besides the run options."""
    run = module(name).run
    return [p.name for p in inspect.signature(run).parameters.values() if p.kind is p.KEYWORD_ONLY]
