"""The paper's quantities, estimated from data, and the width audit.

Estimators of :math:`c_D`, :math:`M_D`, :math:`S_D` (Definition 7.1), the cells of M1's
guarantee, :math:`N_D`, the sample-size bounds and Proposition 7.7
(:mod:`memnets.theory.estimators`), and :func:`memnets.audit` (:mod:`memnets.theory.audit`).
"""

from memnets.theory.bounds import (
    bound_prop77,
    sample_size_cells,
    sample_size_m1,
    sample_size_thm73,
    samples_lower_bound,
    samples_upper_bound_constant,
)
from memnets.theory.estimators import (
    CellCount,
    estimate_all,
    estimate_cells,
    estimate_MD,
    estimate_ND_upper,
    estimate_SD,
    estimate_separation,
    greedy_cover,
)

__all__ = [
    "CellCount",
    "bound_prop77",
    "estimate_MD",
    "estimate_ND_upper",
    "estimate_SD",
    "estimate_all",
    "estimate_cells",
    "estimate_separation",
    "greedy_cover",
    "sample_size_cells",
    "sample_size_m1",
    "sample_size_thm73",
    "samples_lower_bound",
    "samples_upper_bound_constant",
]
