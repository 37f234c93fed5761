"""The one result type every construction returns, and the shared verification step."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._core.checks import Dataset, check_X
from memnets._core.errors import VerificationError
from memnets._core.exact import exact_units
from memnets._core.network import ReLUNetwork

__all__ = ["ConstructionResult", "finish", "margins_exact", "margins_float"]

#: engine name -> "module:function" mapping (network, checked float64 X) to class indices.
#: "m1-certified" is M1's float32 evaluator whose error bound uses the max-tree structure;
#: it falls back to float64 and then exact arithmetic, so its decisions are exact.
ENGINES: dict[str, str] = {
    "float": "memnets._constructions.result:predict_codes_float",
    "exact": "memnets._constructions.result:predict_codes_exact",
    "m1-certified": "memnets._constructions.efficient:predict_codes_m1",
}


def _predictor(engine: str) -> Any:
    import importlib

    module, func = ENGINES[engine].split(":")
    return getattr(importlib.import_module(module), func)


@dataclass
class ConstructionResult:
    """A constructed network together with what was proven about it.

    Attributes
    ----------
    network : ReLUNetwork
        The network; binary tasks have one output (``F(x) > 0`` means ``classes[1]``),
        multi-class tasks one score per class (argmax).
    classes : ndarray
        The original labels, sorted.
    method : str
        Registry name of the construction.
    verified : bool
        True only after ``y_i F(x_i) > 0`` (or the class-score gap) was proven on every sample.
    min_margin : Fraction or float
        Smallest margin over the training samples (exact when ``stats['verification']`` is
        ``'exact'``; a float whose certified error is ``stats['margin_error_bound']`` otherwise).
    stats : dict
        params, params_nonzero, width, depth, bottleneck, max_weight_bits, seconds, the
        method's options, seed and library version, plus construction-specific numbers.
    engine : {'float', 'exact', 'm1-certified'}
        Engine used by :meth:`predict` (see :data:`ENGINES`; ``'exact'`` when float64
        cannot be trusted).
    info : dict
        Construction-specific artefacts (indices of representatives, projection, ...).
    """

    network: ReLUNetwork
    classes: np.ndarray
    method: str
    verified: bool
    min_margin: Fraction | float
    stats: dict[str, Any]
    engine: str = "float"
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def is_binary(self) -> bool:
        return len(self.classes) == 2 and self.network.n_outputs == 1

    def decision_function(self, X: Any) -> np.ndarray:
        """Network outputs: float64, or exact values converted to float when engine is exact."""
        Xa = check_X(X, n_features=self.network.n_inputs, unit_interval=False)
        if self.engine == "exact":
            return _exact_scores_as_float(self.network, Xa)
        return self.network.forward(Xa)

    def predict_codes(self, X: Any) -> np.ndarray:
        """Indices into :attr:`classes` of the predictions, computed by :attr:`engine`."""
        Xa = check_X(X, n_features=self.network.n_inputs, unit_interval=False)
        codes: np.ndarray = _predictor(self.engine)(self.network, Xa)
        return codes

    def predict(self, X: Any) -> np.ndarray:
        """Predicted original labels (sign / argmax of the outputs, by :attr:`engine`)."""
        return self.classes[self.predict_codes(X)]

    def score(self, X: Any, y: Any) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def __repr__(self) -> str:
        s = self.stats
        return (
            f"ConstructionResult(method={self.method!r}, verified={self.verified}, "
            f"params={s.get('params')}, width={s.get('width')}, depth={s.get('depth')}, "
            f"min_margin={float(self.min_margin):.4g})"
        )


def _exact_scores_as_float(net: ReLUNetwork, X: np.ndarray) -> np.ndarray:
    out = np.empty((X.shape[0], net.n_outputs))
    for s, units in exact_units(net, X):
        for o, (num, den) in enumerate(units):
            out[s : s + len(num), o] = [float(Fraction(int(v), den)) for v in num]
    return out[:, 0] if net.n_outputs == 1 else out


def predict_codes_float(net: ReLUNetwork, X: np.ndarray) -> np.ndarray:
    """Class indices from float64 outputs: ``F > 0`` for one output, argmax otherwise."""
    scores = net.forward(X)
    return (scores > 0).astype(np.int64) if scores.ndim == 1 else np.argmax(scores, axis=1)


def predict_codes_exact(net: ReLUNetwork, X: np.ndarray) -> np.ndarray:
    """Class indices from exact outputs: sign for one output, argmax otherwise."""
    codes = np.empty(X.shape[0], dtype=np.int64)
    for s, units in exact_units(net, X):
        if len(units) == 1:
            num, _ = units[0]
            codes[s : s + len(num)] = (num > 0).astype(np.int64)
        else:
            best = np.zeros(len(units[0][0]), dtype=np.int64)
            for o in range(1, len(units)):
                cur = _compare(units[o], _gather(units, best))
                best = np.where(cur > 0, o, best)
            codes[s : s + len(best)] = best
    return codes


def _gather(units: list[tuple[np.ndarray, int]], idx: np.ndarray) -> list[Fraction]:
    return [Fraction(int(units[c][0][b]), units[c][1]) for b, c in enumerate(idx.tolist())]


def _compare(unit: tuple[np.ndarray, int], other: list[Fraction]) -> np.ndarray:
    num, den = unit
    return np.array(
        [(Fraction(int(v), den) > o) - (Fraction(int(v), den) < o) for v, o in zip(num, other, strict=True)]
    )


def margins_exact(net: ReLUNetwork, data: Dataset) -> list[Fraction]:
    """Exact margins: ``y_i F(x_i)`` (binary) or ``F_{y_i}(x_i) - max_{c != y_i} F_c(x_i)``."""
    margins: list[Fraction] = []
    signs = data.signs if net.n_outputs == 1 else None
    for s, units in exact_units(net, data.X):
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


def margins_float(net: ReLUNetwork, data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Float margins and a certified bound on their error (see ``forward_certified``)."""
    vals, err = net.forward_certified(data.X)
    if vals.ndim == 1:
        sg = data.signs
        if sg is None:
            raise VerificationError("a one-output network needs exactly two classes")
        return sg * vals, err
    n = len(vals)
    own = vals[np.arange(n), data.codes]
    masked = vals.copy()
    masked[np.arange(n), data.codes] = -np.inf
    rival_idx = np.argmax(masked, axis=1)
    rival = vals[np.arange(n), rival_idx]
    # the rival could be any other class: bound by own error + the largest other error
    err_other = err.copy()
    err_other[np.arange(n), data.codes] = 0.0
    return own - rival, err[np.arange(n), data.codes] + err_other.max(axis=1)


def finish(
    network: ReLUNetwork,
    data: Dataset,
    *,
    method: str,
    options: dict[str, Any],
    seed: int | None,
    started: float,
    engine: str = "float",
    verification: str = "auto",
    info: dict[str, Any] | None = None,
    extra_stats: dict[str, Any] | None = None,
    certified_margins: tuple[np.ndarray, np.ndarray] | None = None,
) -> ConstructionResult:
    """Verify that ``network`` memorizes ``data`` and package the result.

    ``verification``: ``'exact'`` evaluates every sample in integer arithmetic;
    ``'certified'`` uses float64 with a rigorous error bound and re-checks exactly every
    sample whose margin is not larger than its bound; ``'auto'`` picks ``'exact'`` when
    ``engine == 'exact'`` and ``'certified'`` otherwise. Raises :class:`VerificationError`
    when some sample is not memorized (a bug in the construction, never silent).
    ``certified_margins``: optional ``(values, error_bounds)`` from a construction-specific certified
    evaluator of this very network, with the contract of :func:`margins_float`
    (``|exact margin - value| <= bound``); used by ``'certified'`` instead of the generic
    engine (whose bound grows with depth), with the same exact re-check of unsure samples.
    """
    from memnets._version import __version__

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    mode = verification if verification != "auto" else ("exact" if engine == "exact" else "certified")
    built = time.perf_counter()
    margin_error: float = 0.0
    min_margin: Fraction | float
    if mode == "exact":
        margins = margins_exact(network, data)
        min_margin = min(margins)
        if not min_margin > 0:
            bad = next(i for i, m in enumerate(margins) if not m > 0)
            raise VerificationError(
                f"{method}: sample {bad} is not memorized (margin {float(margins[bad]):.6g}); "
                "this is a bug in memnets, please report it with the data and seed"
            )
    elif mode == "certified":
        vals, err = (
            margins_float(network, data) if certified_margins is None
            else (np.array(certified_margins[0], dtype=np.float64), np.array(certified_margins[1], dtype=np.float64))
        )
        # not (margin > error) also catches NaN/inf from weights too large for float64
        unsure = np.flatnonzero(~(vals > err))
        if unsure.size:
            sub = Dataset(X=data.X[unsure], y=data.y[unsure], classes=data.classes, codes=data.codes[unsure])
            exact = margins_exact(network, sub)
            for k, m in zip(unsure.tolist(), exact, strict=True):
                if not m > 0:
                    raise VerificationError(
                        f"{method}: sample {k} is not memorized (exact margin {float(m):.6g}); "
                        "this is a bug in memnets, please report it with the data and seed"
                    )
                vals[k] = float(m)
                err[k] = 0.0
        low = vals - err
        worst = int(np.argmin(low))
        min_margin = float(vals[worst])
        margin_error = float(err.max())
    else:
        raise ValueError(f"verification must be 'exact', 'certified' or 'auto', got {verification!r}")
    stats: dict[str, Any] = {
        **network.summary(),
        "n_samples": data.n_samples,
        "n_features": data.n_features,
        "n_classes": data.n_classes,
        "seconds": built - started,
        "verify_seconds": time.perf_counter() - built,
        "verification": mode,
        "margin_error_bound": margin_error,
        "method": method,
        "options": dict(options),
        "seed": seed,
        "version": __version__,
    }
    if extra_stats:
        stats.update(extra_stats)
    return ConstructionResult(
        network=network,
        classes=data.classes,
        method=method,
        verified=True,
        min_margin=min_margin,
        stats=stats,
        engine=engine,
        info=dict(info or {}),
    )
