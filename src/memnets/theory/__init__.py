"""The paper's quantities, estimated from data, and the width audit.

Estimators of :math:`c_D`, :math:`M_D`, :math:`S_D`, :math:`N_D` and the sample-size bounds
(:mod:`memnets.theory.estimators`), and :func:`memnets.audit` (:mod:`memnets.theory.audit`).
"""

from memnets.theory.estimators import (
    CellCount,
    estimate_all,
    estimate_MD,
    estimate_ND_upper,
    estimate_SD,
    estimate_separation,
    greedy_cover,
    sample_size_cells,
    sample_size_m1,
    samples_lower_bound,
    samples_upper_bound_constant,
)

__all__ = [
    "CellCount",
    "estimate_MD",
    "estimate_ND_upper",
    "estimate_SD",
    "estimate_all",
    "estimate_separation",
    "greedy_cover",
    "sample_size_cells",
    "sample_size_m1",
    "samples_lower_bound",
    "samples_upper_bound_constant",
]
