"""The experiments memnets knows, by name, and the options each one's ``run`` takes.

:data:`EXPERIMENTS` is the one list that ``run``, ``reproduce``, the run options' error
messages and the command line read. :func:`experiment_options` reads an experiment's own
options (and defaults) off its ``run`` signature; :func:`parse_experiment_options` turns
``key=value`` strings (the command line's ``--set``) into values of the annotated types by
the rule :func:`memnets._constructions.registry.check_options` follows too
(:func:`memnets._core.annotations.fit_hint`): an unknown key or a value of the wrong kind
raises :class:`memnets.OptionError` listing the valid options or wording the type.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import typing
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any

from memnets import OptionError
from memnets._core.annotations import describe_hint, fit_hint
from memnets._core.checks import check_name as check_known

__all__ = ["EXPERIMENTS", "check_name", "experiment_options", "module", "own_options", "parse_experiment_options"]

#: name -> one-line description; experiment ``name`` runs in module
#: ``memnets.experiments.<name with "-" as "_">``
_DESCRIPTIONS: dict[str, str] = {
    "scaling": "Theorem 4.1: optimal's params against N, beside interval, vardi2022 and park2021",
    "constant": "Theorem 4.3: constant's params independent of N on separated-ball mixtures",
    "width": "Section 5: bottleneck < n cannot generalize (Theorem 5.1's ball-shell, alternating shells)",
    "density": "Theorem 5.3: small memorizers need not generalize (density-bounded ball mixtures)",
    "sample-complexity": "Section 6: accuracy vs N/2^n on cube corners; the N_D^2 law",
    "exponential": "Section 6: params needed to generalize grow exponentially in n",
    "guarantee": "Theorem 7.3: efficient's success probability vs (S_D/eps) ln(S_D/delta)",
    "pairs": "Tables 1-3: efficient (and at the paper's settings the paper's network) on every class pair",
    "compare": "Table 4: M1 (pairwise) vs M2 (park2021) vs M3 (vardi2022), our constructions, 1-NN, MLP on five MNIST pairs",
    "certify": "efficient's accuracy certified from the training set alone (sample compression), per pair",
    "robustness": "certified robustness radii of every construction vs the distance an attack (PGD + bisection) needs to flip the label",
}

#: name -> (module, description)
EXPERIMENTS: dict[str, tuple[str, str]] = {
    name: (f"memnets.experiments.{name.replace('-', '_')}", text) for name, text in _DESCRIPTIONS.items()
}


def check_name(name: str) -> str:
    """``name`` if it is a registered experiment, else :class:`memnets.OptionError`."""
    return check_known(name, EXPERIMENTS, "experiment")


def module(name: str) -> ModuleType:
    """The module of experiment ``name`` (imported on first use)."""
    return importlib.import_module(EXPERIMENTS[check_name(name)][0])


def _own_parameters(name: str) -> dict[str, inspect.Parameter]:
    run = module(name).run
    return {p.name: p for p in inspect.signature(run).parameters.values() if p.kind is p.KEYWORD_ONLY}


def own_options(name: str) -> list[str]:
    """The keyword arguments of experiment ``name``'s ``run`` besides the run options."""
    return list(_own_parameters(name))


def experiment_options(name: str) -> dict[str, Any]:
    """The options of experiment ``name``'s ``run``, with their defaults.

    These are the experiment's own options, read off the signature of its ``run`` (``None``
    as a default means "the profile's size"). The options every experiment shares
    (``profile``, ``jobs``, ``seed`` ...) are the fields of
    :class:`~memnets.experiments.RunOptions`.

    Parameters
    ----------
    name : a name of :data:`EXPERIMENTS`

    Returns
    -------
    dict
        option name -> default, in the order of the signature.

    Raises
    ------
    memnets.OptionError
        ``name`` is not an experiment (the message lists them).

    Examples
    --------
    >>> from memnets.experiments import experiment_options
    >>> experiment_options("guarantee")["eps"]
    0.1
    >>> list(experiment_options("scaling"))
    ['data', 'sizes']
    """
    return {k: p.default for k, p in _own_parameters(name).items()}


def parse_experiment_options(name: str, items: Iterable[str]) -> dict[str, Any]:
    """Typed options of experiment ``name`` from ``key=value`` strings.

    Each value is read as a Python literal where it is one (``3``, ``0.5``, ``[2, 3]``,
    ``((1, 7), (2, 3))``), ``true``/``false``/``none`` in any case as ``True``/``False``/
    ``None``, a comma-separated list (``2,3,4``) as a list, and otherwise as the text
    itself; the first reading that fits the option's annotation in ``run``'s signature
    (:func:`memnets._core.annotations.fit_hint`, the rule of ``construct``'s options) is
    kept, converted to it: an int where a float goes becomes a float, a list or tuple
    becomes a tuple for ``tuple[...]`` and a list for ``list[...]``/``Sequence[...]``, its
    items converted too. A later ``key`` replaces an earlier one.

    Parameters
    ----------
    name : a name of :data:`EXPERIMENTS`
    items : strings ``"key=value"``

    Returns
    -------
    dict
        option name -> typed value, ready for ``memnets.experiments.run(name, out, **options)``.

    Raises
    ------
    memnets.OptionError
        an item is not ``key=value``, ``key`` is not an option of ``name`` (the message lists
        them), or no reading of the value fits the option's type (the message words it as
        ``construct``'s do: ``"must be a list or tuple of int or None"``).

    Examples
    --------
    >>> from memnets.experiments import parse_experiment_options
    >>> parse_experiment_options("width", ["dims=2,3", "n_shells=5", "ball_cases=[[200, 1]]"])
    {'dims': [2, 3], 'n_shells': 5, 'ball_cases': [[200, 1]]}
    >>> parse_experiment_options("compare", ["pairs=ours", "replicates=2"])
    {'pairs': 'ours', 'replicates': 2}
    """
    params = _own_parameters(name)
    hints = _hints(name)
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = str(item).partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise OptionError(f"experiment {name!r}: expected key=value with a Python name as key, got {item!r}")
        if key not in params:
            raise OptionError(
                f"experiment {name!r} has no option {key!r}; its options are "
                f"{', '.join(map(repr, params)) or 'none'}"
            )
        hint = hints.get(key, Any)
        for candidate in _readings(text):
            ok, value = fit_hint(candidate, hint)
            if ok:
                out[key] = value
                break
        else:
            raise OptionError(f"experiment {name!r}: option {key!r} must be {describe_hint(hint)}, got {text.strip()!r}")
    return out


def _hints(name: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(module(name).run)
    except (NameError, TypeError):  # an annotation this Python cannot resolve: accept any value
        return {}


def _readings(text: str) -> Iterator[Any]:
    """The ways ``text`` can be read, most specific first."""
    t = text.strip()
    low = t.lower()
    if low in ("true", "false"):
        yield low == "true"
    if low in ("none", "null"):
        yield None
    try:
        literal = ast.literal_eval(t)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        pass  # not a Python literal: the readings below
    else:
        yield literal
    if "," in t:
        yield [part.strip() for part in t.split(",")]
    yield t
