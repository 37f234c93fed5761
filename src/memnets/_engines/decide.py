"""The one decision path: class labels and margins of a network, exact where floats cannot decide.

Every prediction in memnets (``ConstructionResult.predict``/``score``,
``MemorizationClassifier``, :func:`memnets.audit`, the experiments) and every verification
(:func:`memnets._constructions.result.finish`) goes through this module. An *engine* names a
cascade of certified float evaluators, each returning ``(values, err)`` with
``|F_exact(x) - value| <= err`` for every output of a sample:

================  =================================================================
engine            cascade
================  =================================================================
``"float"``       :meth:`~memnets.ReLUNetwork.forward_certified` (float64, any network)
``"m1-certified"`` :func:`~memnets._engines.maxtree.forward_m1` in float32, then float64
``"pairwise"``    :func:`~memnets._engines.pair_units.forward_pairwise` (float64), then
                  :func:`~memnets._engines.pair_units.forward_pairwise_exact` (exact on the
                  few units and terms the float pass leaves possible)
``"exact"``       none: integer/rational arithmetic from the start (big-integer weights)
================  =================================================================

A sample is *decided* by an evaluator when its sign (one output) or its top-two gap
(argmax) exceeds the error bound, or when the bound is exactly 0 (the value is then the
exact output, so its sign / argmax is the exact one, ties included: the pairwise engine
returns ``F = 0`` this way); undecided samples go to the next evaluator and finally to
exact arithmetic (:mod:`memnets._core.exact`), so every label returned is the sign / argmax
of the **exact** network output. Exact ties resolve as ``F > 0`` and :func:`numpy.argmax`
do (negative class; lowest index).

>>> import numpy as np
>>> from memnets import ReLUNetwork
>>> net = ReLUNetwork([(np.array([[1.0, -1.0]]), np.array([0.0]))])
>>> x = np.array([[0.1 + 0.2, 0.3]])      # 0.30000000000000004 - 0.3 > 0 exactly
>>> predict_codes(net, x, "float").tolist()
[1]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from fractions import Fraction

import numpy as np

from memnets._core.checks import Dataset
from memnets._core.errors import OptionError, VerificationError
from memnets._core.exact import exact_units
from memnets._core.network import ReLUNetwork
from memnets._engines.maxtree import forward_m1
from memnets._engines.pair_units import forward_pairwise, forward_pairwise_exact
from memnets._engines.sweep import MIN_SAMPLES, applies, scalar_outputs

__all__ = [
    "ENGINES",
    "certified_margins",
    "check_engine",
    "default_engine",
    "exact_chunks",
    "exact_scores_as_float",
    "float_scores",
    "margins_exact",
    "predict_codes",
    "predict_codes_exact",
]

#: ``(network, X) -> (values, err)``; ``err`` has one bound per sample, valid for every output
CertifiedForward = Callable[[ReLUNetwork, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _generic64(net: ReLUNetwork, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    vals, err = net.forward_certified(X)
    return vals, (err if err.ndim == 1 else err.max(axis=1))


def _m1_32(net: ReLUNetwork, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return forward_m1(net, X)


def _m1_64(net: ReLUNetwork, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return forward_m1(net, X, dtype=np.float64)


#: engine name -> certified evaluators tried in turn before exact arithmetic
ENGINES: dict[str, tuple[CertifiedForward, ...]] = {
    "float": (_generic64,),
    "m1-certified": (_m1_32, _m1_64),
    "pairwise": (forward_pairwise, forward_pairwise_exact),
    "exact": (),
}


def check_engine(engine: object) -> str:
    """``engine`` if it names an engine, else :class:`OptionError` listing the valid ones."""
    if not isinstance(engine, str) or engine not in ENGINES:
        raise OptionError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    return engine


def default_engine(net: ReLUNetwork) -> str:
    """``"exact"`` for a network with int/Fraction entries, else ``"float"``."""
    return "exact" if any(layer.is_exact for layer in net.layers) else "float"


def exact_chunks(net: ReLUNetwork, X: np.ndarray) -> Iterator[tuple[int, list[tuple[np.ndarray, int]]]]:
    """Exact outputs chunk by chunk, as :func:`memnets._core.exact.exact_units` yields them.

    A network whose first layer has one unit (the 1-D memorizers) is evaluated by the sweep
    along that scalar (:mod:`memnets._engines.sweep`, one chunk), whose work does not grow
    with ``N`` layer by layer; any other network, or a handful of samples, by the generic
    engine. Both are exact: the tests check that they agree sample by sample.
    """
    if X.shape[0] >= MIN_SAMPLES and applies(net):
        yield 0, scalar_outputs(net, X)
        return
    yield from exact_units(net, X)


# --------------------------------------------------------------------------- labels
def _decide(scores: np.ndarray, err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes from certified scores, and the indices whose decision the bound cannot settle.

    A bound of exactly 0 says the value *is* the exact output: decided, ties included
    (``F = 0`` -> code 0, equal scores -> the lowest index, as the exact path decides).
    """
    exact = err == 0
    if scores.ndim == 1:
        return (scores > 0).astype(np.int64), np.flatnonzero(~((np.abs(scores) > err) | exact))
    top = np.argmax(scores, axis=1)
    part = np.partition(scores, -2, axis=1)
    gap = part[:, -1] - part[:, -2]
    return top, np.flatnonzero(~((gap > 2.0 * err) | exact))


def predict_codes(net: ReLUNetwork, X: np.ndarray, engine: str) -> np.ndarray:
    """Class indices (sign ``F > 0`` for one output, else argmax) of the *exact* outputs.

    ``X`` is a checked float64 array of shape (N, n). Each evaluator of ``engine`` decides
    what its error bound settles; the rest is evaluated exactly.
    """
    codes = np.zeros(X.shape[0], dtype=np.int64)
    todo = np.arange(X.shape[0])
    for evaluate in ENGINES[check_engine(engine)]:
        if todo.size == 0:
            return codes
        part, unsure = _decide(*evaluate(net, X[todo]))
        codes[todo] = part
        todo = todo[unsure]
    if todo.size:
        codes[todo] = predict_codes_exact(net, X[todo])
    return codes


def predict_codes_exact(net: ReLUNetwork, X: np.ndarray) -> np.ndarray:
    """Class indices from exact outputs: sign for one output, argmax otherwise."""
    codes = np.empty(X.shape[0], dtype=np.int64)
    for s, units in exact_chunks(net, X):
        if len(units) == 1:
            num, _ = units[0]
            codes[s : s + len(num)] = (num > 0).astype(np.int64)
            continue
        cols = [[Fraction(int(v), den) for v in num.tolist()] for num, den in units]
        for b in range(len(cols[0])):
            best = 0
            for o in range(1, len(cols)):
                if cols[o][b] > cols[best][b]:
                    best = o
            codes[s + b] = best
    return codes


def float_scores(net: ReLUNetwork, X: np.ndarray, engine: str) -> np.ndarray:
    """float64 outputs (shape of :meth:`ReLUNetwork.forward`) as ``engine`` computes them:
    exact outputs rounded for ``"exact"``, the pairwise engine's certified values for
    ``"pairwise"`` (``forward`` would visit all ``O(N^2)`` pair units per input), else
    :meth:`ReLUNetwork.forward`."""
    if check_engine(engine) == "exact":
        return exact_scores_as_float(net, X)
    if engine == "pairwise":
        return forward_pairwise(net, X)[0]
    return net.forward(X)


def exact_scores_as_float(net: ReLUNetwork, X: np.ndarray) -> np.ndarray:
    """Exact outputs rounded to float64 (shape of :meth:`ReLUNetwork.forward`)."""
    out = np.empty((X.shape[0], net.n_outputs))
    for s, units in exact_chunks(net, X):
        for o, (num, den) in enumerate(units):
            out[s : s + len(num), o] = [float(Fraction(int(v), den)) for v in num]
    return out[:, 0] if net.n_outputs == 1 else out


# --------------------------------------------------------------------------- margins
def _margins_from(
    scores: np.ndarray, err: np.ndarray, codes: np.ndarray, signs: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    if scores.ndim == 1:
        if signs is None:
            raise VerificationError("a one-output network needs exactly two classes")
        return signs * scores, err
    n = scores.shape[0]
    own = scores[np.arange(n), codes]
    masked = scores.copy()
    masked[np.arange(n), codes] = -np.inf
    return own - masked.max(axis=1), 2.0 * err


def certified_margins(net: ReLUNetwork, data: Dataset, engine: str) -> tuple[np.ndarray, np.ndarray]:
    """Float margins and rigorous bounds ``(values, bounds)``, ``|exact - value| <= bound``.

    The margin is ``y_i F(x_i)`` (one output, ``y_i = +-1``) or
    ``F_{y_i}(x_i) - max_{c != y_i} F_c(x_i)``. Evaluators of ``engine`` run in turn on the
    samples whose margin does not yet exceed its bound (the ``"exact"`` engine uses the
    generic float64 evaluator here); callers re-check the rest exactly (:func:`margins_exact`).
    """
    evaluators = ENGINES[check_engine(engine)] or ENGINES["float"]
    vals = np.zeros(data.n_samples)
    bound = np.full(data.n_samples, np.inf)
    todo = np.arange(data.n_samples)
    for evaluate in evaluators:
        if todo.size == 0:
            break
        signs = None if data.signs is None else data.signs[todo]
        v, b = _margins_from(*evaluate(net, data.X[todo]), data.codes[todo], signs)
        vals[todo], bound[todo] = v, b
        todo = todo[~(v > b)]
    return vals, bound


def margins_exact(net: ReLUNetwork, data: Dataset) -> list[Fraction]:
    """Exact margins: ``y_i F(x_i)`` (binary) or ``F_{y_i}(x_i) - max_{c != y_i} F_c(x_i)``."""
    margins: list[Fraction] = []
    signs = data.signs if net.n_outputs == 1 else None
    for s, units in exact_chunks(net, data.X):
        if signs is not None:
            num, den = units[0]
            sg = signs[s : s + len(num)].tolist()
            margins.extend(Fraction(int(v) * g, den) for v, g in zip(num.tolist(), sg, strict=True))
            continue
        codes = data.codes[s : s + len(units[0][0])]
        cols = [[Fraction(int(v), den) for v in num.tolist()] for num, den in units]
        for b, c in enumerate(codes.tolist()):
            own = cols[c][b]
            rival = max(cols[o][b] for o in range(len(cols)) if o != c)
            margins.append(own - rival)
    return margins
