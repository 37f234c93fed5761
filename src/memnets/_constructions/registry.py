"""One registry of constructions and one entry point, :func:`construct`.

Each construction lives in its own module under ``memnets._constructions`` and exposes
``build(data, *, rng, seed, **options) -> ConstructionResult``. Modules are imported
lazily, so optional dependencies (torch for ``"trained"``) are only needed when used.

Options are checked once, here, from ``build``'s signature: an unknown name, or a value
that does not fit its annotation (:func:`memnets._core.annotations.fit_hint`, the rule the
experiments' ``--set`` options follow too: a ``Literal[...]`` choice, an ``int``/``float``/
``bool``/``str``, a list or tuple whose items fit, ``None`` where admitted) raises
:class:`~memnets.OptionError` naming the method, the option and the valid values. The value
reaches ``build`` as given (an int passed for a float option stays an int, a list for a
tuple option a list): this check converts nothing, so what a result records is what the
caller passed or what ``build`` made of it. Range checks that the type cannot express
(``0 < alpha < 1``) stay in the construction.

One vocabulary across methods: ``max_tries`` bounds the draws of a random projection or
code; ``verify`` takes ``"certificate"`` (the construction's proof checked on every sample,
the network evaluated on a random subset), ``"engine"`` (the network evaluated on every
sample by the construction's own sound engine) or ``"generic"`` (by the generic
layer-by-layer engines), each method accepting those it has. Earlier spellings
(:data:`RENAMED_OPTIONS`, :data:`RENAMED_VALUES`) still work for one release, with a
:class:`DeprecationWarning`.
"""

from __future__ import annotations

import dataclasses
import importlib
import warnings
from typing import Any

from memnets._constructions.options import MethodOption, option_hints, options_of
from memnets._constructions.result import ConstructionResult
from memnets._core.annotations import describe_hint, fit_hint
from memnets._core.checks import RNGLike, as_rng, check_dataset, check_name
from memnets._core.deprecated import warn_renamed
from memnets._core.errors import OptionError
from memnets._core.progress import progress_enabled
from memnets._core.scaling import InputScaling

__all__ = [
    "METHODS",
    "RENAMED_OPTIONS",
    "RENAMED_VALUES",
    "MethodOption",
    "check_options",
    "construct",
    "method_options",
    "methods_rst",
]

#: name -> one-line description; method ``name`` is built by module ``memnets._constructions.<name>``
_DESCRIPTIONS: dict[str, str] = {
    "efficient": "ours, after Theorem 7.3 (not the paper's network): nearest-representative max-trees, O(R n) params",
    "pairwise": "the paper's Theorem 7.3 network as written (Table 4's M1): one unit per ordered opposite pair, O(N^2 n) params",
    "optimal": "Theorem 4.1 (after Vardi et al. 2022): O~(sqrt N) params, width 6 (max_width=8/12 optional), exact big-integer weights",
    "interval": "Theta(N) reference: one ReLU step per run boundary of a 1-D projection",
    "constant": "ours, Theorem 4.3's bound reached another way: grid quantization + integer codes + optimal (params independent of N)",
    "robust": "robust memorization (ours, after Yu, Gao & Zhang ICLR 2024): nearest-sample network, label kept on B(x_i, mu) for mu < c/2, O(N n) params; net=True: Theorem 4.3's c0/3-net route (params <= Q O(n))",
    "vardi2022": "Vardi, Yehudai & Shamir (ICLR 2022): O~(sqrt N) params, width 12, projection + group lookup + bit extraction, multi-class (Table 4's M3)",
    "park2021": "Park, Lee, Yun & Shin (COLT 2021): O(N^(2/3)) params, projection + N^(2/3) groups of N^(1/3) (reconstructed; Table 4's M2)",
    "thm53": "ours, after Theorem 5.3 / Appendix E (decoys and a cube-slicing bound instead of Lemmas E.2-E.3, majority label from the sample): O(n + sqrt(N) ln(Nnr/c)) params, built NOT to generalize (accuracy <= P(y != b) + mass when D's density <= r)",
    "trained": "baseline: gradient-trained MLP (PyTorch) driven to 100% training accuracy",
}

#: name -> (module, one-line description)
METHODS: dict[str, tuple[str, str]] = {
    name: (f"memnets._constructions.{name}", text) for name, text in _DESCRIPTIONS.items()
}


#: method -> {earlier option name: current name}
RENAMED_OPTIONS: dict[str, dict[str, str]] = {
    "constant": {"max_code_tries": "max_tries"},
}
#: method -> option -> {earlier value: current value}
RENAMED_VALUES: dict[str, dict[str, dict[Any, Any]]] = {
    "efficient": {"verify": {"network": "engine"}},
    "interval": {"verify": {"sweep": "engine", "network": "generic"}},
    "pairwise": {"verify": {"certified": "engine", "exact": "generic"}},
}


def current_options(method: str, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with every earlier spelling of ``method``'s option names and values
    replaced by the current one, each after a :class:`DeprecationWarning`.

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DeprecationWarning)
    ...     current_options("pairwise", {"verify": "certified"})
    {'verify': 'engine'}
    """
    names = RENAMED_OPTIONS.get(method, {})
    values = RENAMED_VALUES.get(method, {})
    out: dict[str, Any] = {}
    for name, value in options.items():
        new = names.get(name)
        if new is not None:
            if new in options:
                raise OptionError(f"method {method!r}: pass {new!r} only ({name!r} is its earlier name)")
            warn_renamed(f"option {name!r} of method {method!r}", repr(new), stacklevel=4)
            name = new
        renamed = values.get(name, {})
        if isinstance(value, str) and value in renamed:
            warn_renamed(f"{name}={value!r} for method {method!r}", f"{name}={renamed[value]!r}", stacklevel=4)
            value = renamed[value]
        out[name] = value
    return out


def _module(method: str) -> Any:
    return importlib.import_module(METHODS[check_name(method, METHODS, "method")][0])


def method_options(method: str) -> dict[str, MethodOption]:
    """The options a method accepts: each one's default, allowed values and meaning.

    Read from the method's ``build`` signature (defaults, annotations) and its numpydoc
    docstring (meanings), so it cannot drift from the code.

    Parameters
    ----------
    method : str
        A registered method (:data:`METHODS`).

    Returns
    -------
    dict of str to MethodOption
        In signature order; ``option.default``, ``option.allowed`` (in words),
        ``option.meaning`` (one line), ``option.choices`` (finite choices or ``None``).
        Until memnets 0.1 the values were the defaults themselves: use ``.default``
        (comparing a ``MethodOption`` with a plain value still works, with a
        ``DeprecationWarning``).

    Raises
    ------
    OptionError
        Unknown method (the message lists the registered ones).

    Examples
    --------
    >>> import memnets as mn
    >>> opt = mn.method_options("efficient")["condense"]
    >>> opt.default, opt.choices
    ('cover', ('cover', 'mss', 'hart', 'fcnn', 'mcs', 'none'))
    >>> {name: o.default for name, o in mn.method_options("pairwise").items()}
    {'verify': 'engine', 'memory_limit_gib': 4.0}
    """
    return options_of(_module(method).build)


def methods_rst(indent: str = "") -> str:
    """One line per registered method, ``name``: description (for docstrings and help texts)."""
    return "\n".join(f"{indent}- ``{name}``: {text}" for name, (_, text) in METHODS.items())


def check_options(method: str, options: dict[str, Any]) -> None:
    """Raise :class:`OptionError` unless every option is a parameter of ``method``'s
    ``build`` and fits its annotation (see the module docstring)."""
    allowed = method_options(method)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise OptionError(
            f"method {method!r} has no option {', '.join(map(repr, unknown))}; "
            f"its options are {', '.join(map(repr, allowed)) or 'none'}"
        )
    hints = option_hints(_module(method).build)
    for name, value in options.items():
        hint = hints.get(name, Any)
        if not fit_hint(value, hint)[0]:  # the value goes on as given, not converted
            raise OptionError(f"method {method!r}: option {name!r} must be {describe_hint(hint)}, got {value!r}")


def construct(
    X: Any,
    y: Any,
    method: str = "efficient",
    *,
    rng: RNGLike = None,
    rescale: bool | str = False,
    progress: bool = False,
    **options: Any,
) -> ConstructionResult:
    r"""Construct a ReLU network that memorizes ``(X, y)`` and verify it.

    The one entry point to every construction of the registry :data:`METHODS`. The
    returned network :math:`F` satisfies, on every training sample,

    .. math::

        y_i F(x_i) > 0 \quad\text{(binary)}, \qquad
        F_{y_i}(x_i) > \max_{c \ne y_i} F_c(x_i) \quad\text{(more classes)},

    proven before the function returns (exactly, or by certified float arithmetic with
    exact re-checks; see ``result.stats["verification"]``).

    Parameters
    ----------
    X : array-like of shape (N, n)
        Training samples, every value in [0, 1] (the domain of every construction's
        guarantee), or any finite values with ``rescale``.
    y : array-like of shape (N,)
        Labels: any sortable values, at least two classes; identical samples must have the
        same label.
    method : str, default "efficient"
        A key of :data:`METHODS`:

{methods}

        The two-class constructions handle more classes one-vs-rest (one part per class, run
        side by side, verified again). ``memnets.method_options(method)`` lists each
        method's options.
    rng : numpy.random.Generator, int or None
        Every random choice draws from it; the seed is recorded in
        ``result.stats["seed"]``.
    rescale : bool or {"feature", "global"}, default False
        ``False``: ``X`` must lie in ``[0, 1]^n``. ``True`` (= ``"feature"``): fit a min-max
        scaling per feature on ``X`` (``"global"``: one min and max for all features, which
        keeps nearest neighbours), build on the scaled data and store the scaling in
        ``result.scaling``; ``predict``, ``score``, ``save``/``load`` and the torch/ONNX
        exports apply it to new raw points (clipped into ``[0, 1]``).
    progress : bool, default False
        Show progress bars on the long loops (cover, verification, engines) of builds that
        take more than a few seconds (on standard error).
    **options
        Options of the method, checked against its signature (unknown names and values
        outside the allowed ones raise :class:`OptionError` listing the valid ones).

    Returns
    -------
    ConstructionResult
        With ``verified=True``: memorization was checked on every sample before returning.
        ``stats["params"]`` counts the stored network, ``stats["params_paper"]`` (where
        present) the paper's; ``min_margin`` is in the units of the network's output
        (``100 F`` for ``"pairwise"``): see :class:`ConstructionResult`'s Notes.

    Raises
    ------
    OptionError
        Unknown method, unknown option, or an option of the wrong kind (the message lists
        the valid ones).
    InputError
        ``X`` or ``y`` malformed: NaN/inf, wrong shape, values outside [0, 1] without
        ``rescale`` (the message says how to get data in), one class.
    ConflictingLabelsError
        Two identical samples with different labels.

    See Also
    --------
    method_options : The options of a method: default, allowed values, meaning.
    MemorizationClassifier : The same constructions as a scikit-learn estimator.

    Examples
    --------
    >>> import memnets as mn
    >>> X, y = [[0.0, 0.0], [0.0, 0.25], [1.0, 1.0], [1.0, 0.75]], [0, 0, 1, 1]
    >>> res = mn.construct(X, y, method="efficient", rng=0)
    >>> res.verified, res.predict([[0.1, 0.2], [0.9, 0.9]]).tolist()
    (True, [0, 1])
    >>> mn.construct(X, y, method="optimal", rng=0).stats["verification"]
    'exact'
    >>> raw = mn.construct([[0.0, 10.0], [4.0, 30.0]], ["a", "b"], rescale=True, rng=0)
    >>> raw.predict([[0.5, 12.0], [9.0, 40.0]]).tolist()
    ['a', 'b']
    """
    module = _module(method)
    options = current_options(method, {k: _unwrap(v) for k, v in options.items()})
    check_options(method, options)
    scaling = None
    if rescale is not False:
        if rescale is not True and rescale not in ("feature", "global"):
            raise OptionError(f"rescale must be True, False, 'feature' or 'global', got {rescale!r}")
        scaling = InputScaling.fit(X, "feature" if rescale is True else str(rescale))
        X = scaling.transform(X)
    data = check_dataset(X, y)
    gen, seed = as_rng(rng)
    with progress_enabled(progress):
        if data.n_classes > 2 and getattr(module, "BINARY_ONLY", False):
            from memnets._constructions.ovr import one_vs_rest

            result: ConstructionResult = one_vs_rest(module, method, data, rng=gen, seed=seed, options=options)
        else:
            result = module.build(data, rng=gen, seed=seed, **options)
    if scaling is not None:
        result = dataclasses.replace(result, scaling=scaling)
    return result


def _unwrap(value: Any) -> Any:
    if isinstance(value, MethodOption):
        warnings.warn("an option value is a MethodOption (method_options now describes options); "
                      "pass its .default", DeprecationWarning, stacklevel=3)
        return value.default
    return value


if construct.__doc__:
    construct.__doc__ = construct.__doc__.replace("{methods}", methods_rst(" " * 8))
