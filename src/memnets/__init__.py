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

from memnets._constructions.options import MethodOption
from memnets._constructions.registry import METHODS, construct, method_options
from memnets._constructions.result import ConstructionResult
from memnets._core.errors import (
    ConflictingLabelsError,
    ConstructionError,
    DataFileError,
    DataUnavailableError,
    ExactnessError,
    InputError,
    MemnetsError,
    ModelFileError,
    NotCompressibleError,
    OptionError,
    VerificationError,
)
from memnets._core.network import AffineLayer, ReLUNetwork, SparseWeight
from memnets._core.pac import Certificate
from memnets._core.scaling import InputScaling
from memnets._geometry.separation import closest_opposite_pair, separation
from memnets._version import __version__

# name -> (module, attribute) that defines it, imported on first access; attribute None
# means the name is the module itself
_LAZY: dict[str, tuple[str, str | None]] = {
    "save": ("memnets._io", "save"),
    "load": ("memnets._io", "load"),
    "load_network": ("memnets._io", "load_network"),
    "load_model": ("memnets._io", "load_model"),
    "MemorizationClassifier": ("memnets._sklearn", "MemorizationClassifier"),
    "audit": ("memnets.theory.audit", "audit"),
    "AuditReport": ("memnets.theory.audit", "AuditReport"),
    "datasets": ("memnets.datasets", None),
    "theory": ("memnets.theory", None),
    "experiments": ("memnets.experiments", None),
}

__all__ = [
    "METHODS",
    "AffineLayer",
    "AuditReport",
    "Certificate",
    "ConflictingLabelsError",
    "ConstructionError",
    "ConstructionResult",
    "DataFileError",
    "DataUnavailableError",
    "ExactnessError",
    "InputError",
    "InputScaling",
    "MemnetsError",
    "MemorizationClassifier",
    "MethodOption",
    "ModelFileError",
    "NotCompressibleError",
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
    "load_model",
    "load_network",
    "method_options",
    "save",
    "separation",
    "theory",
]


def __getattr__(name: str) -> Any:
    entry = _LAZY.get(name)
    if entry is None:
        raise AttributeError(f"module 'memnets' has no attribute {name!r}")
    module, attribute = entry
    mod = importlib.import_module(module)
    value = mod if attribute is None else getattr(mod, attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
