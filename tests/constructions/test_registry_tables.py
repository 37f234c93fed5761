"""The public registry tables keep their type and contents: ``METHODS`` (name -> (module,
description)) and ``EXPERIMENTS`` are built from one description per name, the module path
derived from the name; the tables themselves are public API and must read as before."""

from __future__ import annotations

import hashlib
import importlib

import pytest

import memnets as mn
import memnets.experiments as experiments


def _digest(table: dict[str, tuple[str, str]]) -> str:
    return hashlib.sha256(repr(table).encode()).hexdigest()


def test_methods_table_is_unchanged():
    assert type(mn.METHODS) is dict and all(type(v) is tuple and len(v) == 2 for v in mn.METHODS.values())
    assert list(mn.METHODS) == ["efficient", "pairwise", "optimal", "interval", "constant", "robust",
                                "vardi2022", "park2021", "thm53", "trained"]
    assert mn.METHODS["park2021"][0] == "memnets._constructions.park2021"
    assert mn.METHODS["trained"][1] == "baseline: gradient-trained MLP (PyTorch) driven to 100% training accuracy"
    # every module path and description exactly as in memnets 0.1 (719724c), in this order
    assert _digest(mn.METHODS) == "67e6704f4bdb38c163f1418e4d98b204732a8ceea70f3d8ac6283640097d043b"


def test_experiments_table_is_unchanged():
    table = experiments.EXPERIMENTS
    assert type(table) is dict and all(type(v) is tuple and len(v) == 2 for v in table.values())
    assert list(table) == ["scaling", "constant", "width", "density", "sample-complexity", "exponential",
                           "guarantee", "pairs", "compare", "certify", "robustness"]
    assert table["sample-complexity"][0] == "memnets.experiments.sample_complexity"
    assert table["exponential"][1] == "Section 6: params needed to generalize grow exponentially in n"
    assert _digest(table) == "9c751a3c7e1b67268236a12c3b787df17270b944a3af9568e590700a41ba12d6"


@pytest.mark.parametrize(("table", "entry"), [(mn.METHODS, "build"), (experiments.EXPERIMENTS, "run")])
def test_every_module_path_imports(table, entry):
    for module, _ in table.values():
        assert callable(getattr(importlib.import_module(module), entry))
