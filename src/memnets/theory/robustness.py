"""Certified robustness radii of a constructed network, with the bound that gave them."""

from __future__ import annotations

from typing import Any

from memnets._constructions.result import ConstructionResult
from memnets._core.checks import check_X
from memnets._engines.radius import BOUNDS, RobustRadii, certified_radii

__all__ = ["BOUNDS", "RobustRadii", "robust_radii"]


def robust_radii(result: ConstructionResult, X: Any) -> RobustRadii:
    """Per input, a radius on whose closed ball the decision of ``result`` cannot change,
    and the name of the bound used (``"nearest-bisector"``, ``"pairwise-unit"`` or the
    generic ``"lipschitz"``; :data:`BOUNDS`). Same numbers as
    :meth:`memnets.ConstructionResult.robust_radius`.

    >>> import memnets as mn
    >>> res = mn.construct([[0.0], [1.0]], [0, 1], method="efficient", preset="theorem")
    >>> rr = robust_radii(res, [[0.0], [0.75]])
    >>> rr.bound, [round(float(r), 12) for r in rr.radii], rr.codes.tolist()
    ('nearest-bisector', [0.5, 0.25], [0, 1])
    """
    Xa = check_X(X, n_features=result.network.n_inputs, unit_interval=False)
    return certified_radii(result.network, Xa, result.predict_codes(Xa), result.classes, engine=result.engine)
