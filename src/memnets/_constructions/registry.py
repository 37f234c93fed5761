"""One registry of constructions and one entry point, :func:`construct`.

Each construction lives in its own module under ``memnets._constructions`` and exposes
``build(data, *, rng, seed, **options) -> ConstructionResult``. Modules are imported
lazily, so optional dependencies (torch for ``"trained"``) are only needed when used.

Options are checked once, here, from ``build``'s signature: an unknown name, a value
outside a ``Literal[...]`` choice, or a value of the wrong kind for an ``int``/``float``/
``bool``/``str`` annotation (``None`` where the annotation admits it) raises
:class:`~memnets.OptionError` naming the method, the option and the valid values. Range
checks that the type cannot express (``0 < alpha < 1``) stay in the construction.
"""

from __future__ import annotations

import importlib
import inspect
import numbers
import types
import typing
from typing import Any, Literal

import numpy as np

from memnets._constructions.result import ConstructionResult
from memnets._core.checks import RNGLike, as_rng, check_dataset
from memnets._core.errors import OptionError

__all__ = ["METHODS", "check_options", "construct", "method_options"]

#: name -> (module, one-line description)
METHODS: dict[str, tuple[str, str]] = {
    "efficient": ("memnets._constructions.efficient", "ours, after Theorem 7.3 (not the paper's network): nearest-representative max-trees, O(R n) params"),
    "pairwise": ("memnets._constructions.pairwise", "the paper's Theorem 7.3 network as written (Table 4's M1): one unit per ordered opposite pair, O(N^2 n) params"),
    "optimal": ("memnets._constructions.optimal", "Theorem 4.1 (after Vardi et al. 2022): O~(sqrt N) params, width 6 (max_width=8/12 optional), exact big-integer weights"),
    "interval": ("memnets._constructions.interval", "Theta(N) reference: one ReLU step per run boundary of a 1-D projection"),
    "constant": ("memnets._constructions.constant", "ours, Theorem 4.3's bound reached another way: grid quantization + integer codes + optimal (params independent of N)"),
    "vardi2022": ("memnets._constructions.vardi2022", "Vardi, Yehudai & Shamir (ICLR 2022): O~(sqrt N) params, width 12, projection + group lookup + bit extraction, multi-class (Table 4's M3)"),
    "park2021": ("memnets._constructions.park2021", "Park, Lee, Yun & Shin (COLT 2021): O(N^(2/3)) params, projection + N^(2/3) groups of N^(1/3) (reconstructed; Table 4's M2)"),
    "thm53": ("memnets._constructions.thm53", "ours, after Theorem 5.3 / Appendix E (decoys and a cube-slicing bound instead of Lemmas E.2-E.3, majority label from the sample): O(n + sqrt(N) ln(Nnr/c)) params, built NOT to generalize (accuracy <= P(y != b) + mass when D's density <= r)"),
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


def _kind_ok(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits the annotation ``hint`` (unknown annotations admit anything)."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin is Literal:
        return any(type(value) is type(c) and value == c for c in typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return any(_kind_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool | np.bool_)
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
    if hint is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    if hint is str:
        return isinstance(value, str)
    if origin is tuple:
        return isinstance(value, tuple | list)
    return True


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(repr(c) for c in typing.get_args(hint))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(h) for h in typing.get_args(hint))
    if hint is type(None):
        return "None"
    return f"{'an' if getattr(hint, '__name__', '')[:1] in 'aeiou' else 'a'} {getattr(hint, '__name__', str(hint))}"


def check_options(method: str, options: dict[str, Any]) -> None:
    """Raise :class:`OptionError` unless every option is a parameter of ``method``'s
    ``build`` and fits its annotation (see the module docstring)."""
    build = _module(method).build
    allowed = method_options(method)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise OptionError(
            f"method {method!r} has no option {', '.join(map(repr, unknown))}; "
            f"its options are {', '.join(map(repr, allowed)) or 'none'}"
        )
    hints = typing.get_type_hints(build)
    for name, value in options.items():
        hint = hints.get(name, Any)
        if not _kind_ok(value, hint):
            raise OptionError(f"method {method!r}: option {name!r} must be {_describe(hint)}, got {value!r}")


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
    method : one of :data:`METHODS` (``"efficient"``, ``"pairwise"``, ``"optimal"``,
        ``"interval"``, ``"constant"``, ``"trained"``). The two-class constructions
        (``pairwise``, ``optimal``, ``interval``, ``constant``) handle more classes one-vs-rest
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
    check_options(method, options)
    data = check_dataset(X, y)
    gen, seed = as_rng(rng)
    if data.n_classes > 2 and getattr(module, "BINARY_ONLY", False):
        from memnets._constructions.ovr import one_vs_rest

        return one_vs_rest(module, method, data, rng=gen, seed=seed, options=options)
    result: ConstructionResult = module.build(data, rng=gen, seed=seed, **options)
    return result
