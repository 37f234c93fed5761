"""The shared verification step: prove that a constructed network memorizes its data and
package it as a :class:`~memnets._constructions.result.ConstructionResult`."""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._constructions.result import ConstructionResult
from memnets._core.checks import Dataset
from memnets._core.errors import VerificationError
from memnets._core.network import ReLUNetwork
from memnets._engines.decide import certified_margins, check_engine, margins_exact
from memnets._version import __version__

__all__ = ["check_margin_guarantee", "finish"]


def check_margin_guarantee(
    margins: tuple[np.ndarray, np.ndarray], guarantee: float, *, method: str, what: str
) -> None:
    """Hold a construction to its own margin promise, stronger than :func:`finish`'s ``> 0``.

    ``margins`` are certified ``(values, error_bounds)`` of every sample (the contract of
    ``given_margins``); a sample whose ``value + bound`` is below ``guarantee`` cannot have
    the promised margin, a bug in the construction: :class:`VerificationError` names the
    first such sample, its margin, and ``what`` (the guarantee in words and numbers).

    >>> check_margin_guarantee((np.array([3.0, 0.5]), np.array([0.0, 0.25])), 1.0,
    ...                        method="demo", what="the promised 1")
    Traceback (most recent call last):
    ...
    memnets._core.errors.VerificationError: demo: sample 1 has margin 0.5 +- 0.25, below the promised 1; this is a bug in memnets
    """
    vals, bound = margins
    short = np.flatnonzero(vals + bound < guarantee)
    if short.size:
        i = int(short[0])
        raise VerificationError(
            f"{method}: sample {i} has margin {float(vals[i]):.6g} +- {float(bound[i]):.3g}, below "
            f"{what}; this is a bug in memnets"
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

