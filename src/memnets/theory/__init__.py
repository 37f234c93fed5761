"""The paper's quantities, estimated from data; its bounds as calculators; the width audit.

- ``memnets.theory.estimators``: :math:`c_D`, :math:`M_D`, :math:`S_D` (Definition 7.1), the
  cells of ``efficient``'s guarantee, :math:`N_D` from a sample, and :func:`estimate_all` (what ``memnets estimate`` prints).
- ``memnets.theory.bounds``: the sample-size bounds of Sections 6 and 7 and
  Proposition 7.7.
- ``memnets.theory.robustness``: :func:`robust_radii` (certified radii and the bound used).
- ``memnets.theory.audit``: :func:`memnets.audit` (a null direction of the first layer and
  a certified lower bound on the error, Section 5).
- certificates that need no knowledge of D (pure maths in :mod:`memnets._core.pac`, so that
  :meth:`memnets.ConstructionResult.certify` can use it): the sample-compression bound
  (:func:`compression_bound`) and the held-out test-set bound (:func:`held_out_bound`), both
  by exact binomial-tail inversion (:func:`binomial_tail_inverse`).
"""

from memnets._core import pac
from memnets._core.pac import *  # noqa: F403
from memnets.theory import bounds, estimators, robustness
from memnets.theory.bounds import *  # noqa: F403  (the public names are listed in __all__)
from memnets.theory.estimators import *  # noqa: F403
from memnets.theory.robustness import *  # noqa: F403

__all__ = [*bounds.__all__, *estimators.__all__, *pac.__all__, *robustness.__all__]
