"""The one result type every construction returns, and the shared verification step."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._core.checks import Dataset, check_X
from memnets._core.errors import VerificationError
from memnets._core.network import ReLUNetwork
from memnets._engines.decide import (
    certified_margins,
    check_engine,
    float_scores,
    margins_exact,
    predict_codes,
)
from memnets._version import __version__

__all__ = ["ConstructionResult", "finish"]

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
    engine : {'float', 'exact', 'm1-certified', 'pairwise'}
        The evaluator cascade :meth:`predict` starts with
        (:data:`memnets._engines.decide.ENGINES`; ``'exact'`` when float64 cannot be
        trusted). Whatever the engine, predictions are the sign / argmax of the *exact*
        outputs: samples a float bound cannot decide are re-evaluated exactly.
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
        """Network outputs in float64: exact values rounded when engine is exact, the pairwise
        engine's certified values for ``"pairwise"``, else :meth:`ReLUNetwork.forward`."""
        Xa = check_X(X, n_features=self.network.n_inputs, unit_interval=False)
        return float_scores(self.network, Xa, self.engine)

    def predict_codes(self, X: Any) -> np.ndarray:
        """Indices into :attr:`classes` of the predictions, computed by :attr:`engine`."""
        Xa = check_X(X, n_features=self.network.n_inputs, unit_interval=False)
        return predict_codes(self.network, Xa, self.engine)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted original labels: sign / argmax of the exact outputs (see :attr:`engine`)."""
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


def finish(
    network: ReLUNetwork,
    data: Dataset,
    *,
    method: str,
    options: dict[str, Any],
    seed: int | None,
    started: float,
    engine: str = "float",
    arithmetic: str = "auto",
    info: dict[str, Any] | None = None,
    extra_stats: dict[str, Any] | None = None,
    given_margins: tuple[np.ndarray, np.ndarray] | None = None,
) -> ConstructionResult:
    """Verify that ``network`` memorizes ``data`` and package the result.

    ``arithmetic``: ``'exact'`` evaluates every sample in integer arithmetic;
    ``'certified'`` uses float64 with a rigorous error bound and re-checks exactly every
    sample whose margin is not larger than its bound; ``'auto'`` picks ``'exact'`` when
    ``engine == 'exact'`` and ``'certified'`` otherwise. Raises :class:`VerificationError`
    when some sample is not memorized (a bug in the construction, never silent).
    ``given_margins``: optional ``(values, error_bounds)`` from a construction-specific certified
    evaluator of this very network, with the contract of :func:`memnets._engines.decide.certified_margins`
    (``|exact margin - value| <= bound``); used by ``'certified'`` instead of the engine's
    evaluators, with the same exact re-check of unsure samples.
    """
    check_engine(engine)
    mode = arithmetic if arithmetic != "auto" else ("exact" if engine == "exact" else "certified")
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
            certified_margins(network, data, engine) if given_margins is None
            else (np.array(given_margins[0], dtype=np.float64), np.array(given_margins[1], dtype=np.float64))
        )
        # not (margin > error) also catches NaN/inf from weights too large for float64
        unsure = np.flatnonzero(~(vals > err))
        exact_at: dict[int, Fraction] = {}
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
                exact_at[k] = m
        low = vals - err
        worst = int(np.argmin(low))
        # a sample re-checked exactly keeps its exact margin (float() may round it to 0.0)
        min_margin = exact_at.get(worst, float(vals[worst]))
        margin_error = float(err.max())
    else:
        raise ValueError(f"arithmetic must be 'exact', 'certified' or 'auto', got {arithmetic!r}")
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
