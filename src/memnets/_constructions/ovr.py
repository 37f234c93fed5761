"""One-vs-rest: a multi-class network from a two-class construction.

For classes ``0 .. C-1`` the two-class method is built on each task "class ``c`` (+1)
against the rest (-1)"; the ``C`` networks run side by side
(:func:`memnets._blocks.side_by_side`: shared input, block-diagonal layers, exact padding
of the shallower ones) and the class is the argmax of their ``C`` outputs. On a training
sample of class ``c`` the part for ``c`` outputs ``F_c(x) >= m_c > 0`` and every other part
``F_j(x) <= -m_j < 0``, so the combined margin ``F_c - max_{j != c} F_j`` is at least
``min_c m_c + min_j m_j > 0``: it memorizes whenever every part does, and
:func:`memnets._constructions.result.finish` verifies it again on every sample, exactly for exact parts.

Cost: width, parameters and construction time add up over the ``C`` parts (each part sees
all ``N`` samples); depth is the largest part's.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from memnets._blocks import side_by_side
from memnets._constructions.result import ConstructionResult
from memnets._constructions.verify import finish
from memnets._core.checks import Dataset
from memnets._core.network import ReLUNetwork

__all__ = ["one_vs_rest"]


def one_vs_rest(
    module: Any, method: str, data: Dataset, *, rng: np.random.Generator, seed: int | None, options: dict[str, Any]
) -> ConstructionResult:
    """Build ``module`` (a two-class construction) once per class and combine the parts.

    ``options`` go to every part unchanged; the parts draw from ``rng`` in class order (so
    a seed reproduces the whole result). ``stats['one_vs_rest']`` lists each part's size;
    ``info['parts']`` holds each part's ``info``.
    """
    started = time.perf_counter()
    parts: list[ConstructionResult] = []
    for c in range(data.n_classes):
        codes = (data.codes == c).astype(np.int64)
        task = Dataset(X=data.X, y=codes, classes=np.array([0, 1]), codes=codes)
        parts.append(module.build(task, rng=rng, seed=seed, **options))
    network = ReLUNetwork(side_by_side([p.network for p in parts]))
    # a construction-specific engine ("pairwise") reads one part's structure, not the
    # side-by-side network: the combination runs on the generic certified float engine
    engine = "exact" if any(p.engine == "exact" for p in parts) else "float"
    keys = ("params", "params_nonzero", "width", "depth", "max_weight_bits")
    return finish(
        network,
        data,
        method=method,
        # every part got the same options: its record has them resolved (defaults included)
        options=dict(parts[0].stats["options"]),
        seed=seed,
        started=started,
        engine=engine,
        info={"parts": [p.info for p in parts], "part_classes": data.classes},
        extra_stats={
            "one_vs_rest": [
                {"class": label, **{k: p.stats.get(k) for k in keys}, "min_margin": float(p.min_margin)}
                for label, p in zip(data.classes.tolist(), parts, strict=True)
            ],
        },
    )
