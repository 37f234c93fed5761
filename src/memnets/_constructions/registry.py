"""One registry of constructions and one entry point, :func:`construct`.

Each construction lives in its own module under ``memnets._constructions`` and exposes
``build(data, *, rng, seed, **options) -> ConstructionResult``. Modules are imported
lazily, so optional dependencies (torch for ``"trained"``) are only needed when used.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from memnets._constructions.result import ConstructionResult
from memnets._core.checks import RNGLike, as_rng, check_dataset
from memnets._core.errors import OptionError

__all__ = ["METHODS", "construct", "method_options"]

#: name -> (module, one-line description)
METHODS: dict[str, tuple[str, str]] = {
    "efficient": ("memnets._constructions.efficient", "M1, Theorem 7.3: nearest-representative max-trees (polynomial time, generalizes)"),
    "optimal": ("memnets._constructions.optimal", "M2, Theorem 4.1: O~(sqrt N) params, width <= 12, exact big-integer weights"),
    "interval": ("memnets._constructions.interval", "Theta(N) reference: one ReLU step per run boundary of a 1-D projection"),
    "constant": ("memnets._constructions.constant", "M3, Theorem 4.3: grid quantization + integer codes + M2 (params independent of N)"),
    "trained": ("memnets._constructions.trained", "baseline: gradient-trained MLP (PyTorch) driven to 100% training accuracy"),
}


def _module(method: str) -> Any:
    if not isinstance(method, str) or method not in METHODS:
        valid = ", ".join(repr(m) for m in METHODS)
        raise OptionError(f"unknown method {method!r}; valid methods are {valid}")
    return importlib.import_module(METHODS[method][0])


def method_options(method: str) -> dict[str, Any]:
    """The options a method accepts, with their defaults."""
    sig = inspect.signature(_module(method).build)
    return {
        name: p.default
        for name, p in sig.parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in ("rng", "seed")
    }


def construct(
    X: Any,
    y: Any,
    method: str = "efficient",
    *,
    rng: RNGLike = None,
    **options: Any,
) -> ConstructionResult:
    """Construct a ReLU network that memorizes ``(X, y)`` and verify it.

    Parameters
    ----------
    X : array of shape (N, n), values in [0, 1]
    y : array of shape (N,), any sortable labels (at least two classes)
    method : one of :data:`METHODS` (``"efficient"``, ``"optimal"``, ``"interval"``,
        ``"constant"``, ``"trained"``). The two-class constructions (``optimal``,
        ``interval``, ``constant``) handle more classes one-vs-rest
        (:mod:`memnets._constructions.ovr`: one part per class, run side by side).
    rng : Generator, int seed or None; every random choice draws from it and the seed is
        recorded in ``result.stats['seed']``
    **options : method options (see ``memnets.method_options(method)``)

    Returns
    -------
    ConstructionResult
        With ``verified=True``: memorization was checked on every sample before returning.
    """
    module = _module(method)
    allowed = method_options(method)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise OptionError(
            f"method {method!r} has no option {', '.join(map(repr, unknown))}; "
            f"its options are {', '.join(map(repr, allowed)) or 'none'}"
        )
    data = check_dataset(X, y)
    gen, seed = as_rng(rng)
    if data.n_classes > 2 and getattr(module, "BINARY_ONLY", False):
        from memnets._constructions.ovr import one_vs_rest

        return one_vs_rest(module, method, data, rng=gen, seed=seed, options=options)
    result: ConstructionResult = module.build(data, rng=gen, seed=seed, **options)
    return result
