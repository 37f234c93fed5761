"""memnets: construct ReLU networks that provably memorize a dataset, verify them exactly,
and measure whether they generalize (Yu, Gao, Zhang, Miao, NeurIPS 2024, arXiv 2411.00372).

>>> import memnets as mn
>>> res = mn.construct([[0.0, 0.0], [1.0, 1.0]], [0, 1], method="efficient", rng=0)
>>> res.verified, res.predict([[0.1, 0.0]]).tolist()
(True, [0])

Heavy or optional parts (datasets, exporters, experiments) are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._errors import (
    ConflictingLabelsError,
    ConstructionError,
    DataUnavailableError,
    ExactnessError,
    InputError,
    MemnetsError,
    ModelFileError,
    OptionError,
    VerificationError,
)
from ._network import AffineLayer, ReLUNetwork, SparseWeight
from ._registry import METHODS, construct, method_options
from ._result import ConstructionResult
from ._separation import closest_opposite_pair, separation

__version__ = "0.1.0"

# name -> module that defines it (imported lazily on first attribute access)
_LAZY: dict[str, str] = {
    "save": "memnets._io",
    "load": "memnets._io",
    "load_network": "memnets._io",
    "MemorizationClassifier": "memnets._sklearn",
    "audit": "memnets._audit",
    "AuditReport": "memnets._audit",
    "datasets": "memnets.datasets",
    "theory": "memnets.theory",
    "experiments": "memnets.experiments",
}

__all__ = [
    "METHODS",
    "AffineLayer",
    "AuditReport",
    "ConflictingLabelsError",
    "ConstructionError",
    "ConstructionResult",
    "DataUnavailableError",
    "ExactnessError",
    "InputError",
    "MemnetsError",
    "MemorizationClassifier",
    "ModelFileError",
    "OptionError",
    "ReLUNetwork",
    "SparseWeight",
    "VerificationError",
    "__version__",
    "audit",
    "closest_opposite_pair",
    "construct",
    "datasets",
    "experiments",
    "load",
    "load_network",
    "method_options",
    "save",
    "separation",
    "theory",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'memnets' has no attribute {name!r}")
    mod = importlib.import_module(module)
    value = mod if module.endswith("." + name) else getattr(mod, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
