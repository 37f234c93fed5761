"""The paper's quantities, estimated from data; its bounds as calculators; the width audit.

- :mod:`memnets.theory.estimators`: :math:`c_D`, :math:`M_D`, :math:`S_D` (Definition 7.1), the
  cells of M1's guarantee, :math:`N_D` from a sample, and :func:`estimate_all` (what ``memnets estimate`` prints).
- :mod:`memnets.theory.bounds`: the sample-size bounds of Sections 6 and 7 and
  Proposition 7.7.
- :mod:`memnets.theory.audit`: :func:`memnets.audit` (a null direction of the first layer and
  a certified lower bound on the error, Section 5).
"""

from memnets.theory import bounds, estimators
from memnets.theory.bounds import *  # noqa: F403  (the public names are listed in __all__)
from memnets.theory.estimators import *  # noqa: F403

__all__ = [*bounds.__all__, *estimators.__all__]
