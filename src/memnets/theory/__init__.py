"""The paper's quantities, estimated from data, and the width audit.

Estimators of :math:`c_D`, :math:`M_D`, :math:`S_D`, :math:`N_D` and the sample-size bounds
(:mod:`memnets.theory.estimators`), :func:`memnets.audit` (:mod:`memnets.theory.audit`), and
the certificates that need no knowledge of D (:mod:`memnets._core.pac`): the
sample-compression bound (:func:`compression_bound`, what
:meth:`memnets.ConstructionResult.certify` uses) and the held-out test-set bound
(:func:`held_out_bound`), both by exact binomial-tail inversion
(:func:`binomial_tail_inverse`).
"""

from memnets._core.pac import (
    Certificate,
    binomial_tail,
    binomial_tail_inverse,
    compression_bound,
    held_out_bound,
    log_binomial,
)
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
    "Certificate",
    "binomial_tail",
    "binomial_tail_inverse",
    "compression_bound",
    "estimate_MD",
    "estimate_ND_upper",
    "estimate_SD",
    "estimate_all",
    "estimate_separation",
    "greedy_cover",
    "held_out_bound",
    "log_binomial",
    "sample_size_cells",
    "sample_size_m1",
    "samples_lower_bound",
    "samples_upper_bound_constant",
]
