r"""``r``-nets of a sample and the volume bound on their size (the paper's Appendix C, Steps 2-3).

A subset ``D_s`` of the samples is an ``r``-net when (c1) its points are pairwise more
than ``r`` apart and (c2) every sample lies within ``r`` of one of them. The greedy scan
(keep a sample unless a kept one is within ``r``) gives both. Appendix C bounds the size
of a ``c_0/3``-net of points of ``[0,1]^n`` by comparing volumes inside
``[-r, 1 + r]^n``:

.. math:: |D_s| \le Q = \frac{(1 + 2r)^n}{C_n\, r^n}, \qquad
          C_n = \frac{\pi^{n/2}}{\Gamma(n/2 + 1)}, \qquad r = c_0/3,

as written. **The step as written does not hold**: (c1) makes only the balls of radius
``r/2`` disjoint (two net points ``1.01 r`` apart have overlapping ``r``-balls), and the
volume argument then proves

.. math:: |D_s| \le Q_{\text{sound}} = \frac{(1 + r)^n}{C_n\, (r/2)^n}

instead; in 1-D, points ``0, 1.02 r, 2.04 r, ...`` form a net larger than ``Q``
(``tests/theory/test_thm43.py``). Theorem 4.3 survives (``Q_sound`` is also independent
of ``N``). memnets computes both and checks ``|D_s| <= Q_sound``.
"""

from __future__ import annotations

import math

import numpy as np

from memnets._core.rounding import U64, gamma

__all__ = ["greedy_net", "log_unit_ball_volume", "net_volume_bound_log", "net_volume_bound_log_sound"]


def greedy_net(X: np.ndarray, r: float) -> tuple[np.ndarray, int]:
    """Greedy ``r``-net of the rows of ``X`` in order: ``(indices, uncertain)``.

    A row is dropped only when a kept row is *certainly* within ``r`` (float64 squared
    distance plus its rounding bound ``<= r^2``), so (c2) holds exactly for every dropped
    row; a row within the rounding band of ``r`` is kept (``uncertain`` counts them: (c1)
    may then fail by a rounding error for that pair, which only affects the volume bound).

    >>> greedy_net(np.array([[0.0], [0.1], [0.5], [0.55], [1.0]]), 0.2)
    (array([0, 2, 4]), 0)
    """
    N, n = X.shape
    kept = np.empty((N, n))
    idx: list[int] = []
    g = 1.01 * gamma(n + 2)
    t2 = r * r
    lo, hi = t2 * (1 - 4 * U64), t2 * (1 + 4 * U64)
    uncertain = 0
    for i in range(N):
        x = X[i]
        if idx:
            diff = kept[: len(idx)] - x
            d2 = np.einsum("ij,ij->i", diff, diff)
            m = float(d2.min())
            if m * (1 + g) <= lo:
                continue
            if m * (1 - g) <= hi:
                uncertain += 1
        kept[len(idx)] = x
        idx.append(i)
    return np.asarray(idx, dtype=np.int64), uncertain


def log_unit_ball_volume(n: int) -> float:
    """``ln C_n = (n/2) ln pi - ln Gamma(n/2 + 1)`` (log-gamma: no overflow for large ``n``).

    >>> round(math.exp(log_unit_ball_volume(2)), 12) == round(math.pi, 12)
    True
    """
    return 0.5 * n * math.log(math.pi) - math.lgamma(0.5 * n + 1.0)


def net_volume_bound_log(n: int, r: float) -> float:
    """``ln Q`` with ``Q = (1 + 2r)^n / (C_n r^n)`` (Appendix C's bound at ``r = c_0/3``).

    >>> round(math.exp(net_volume_bound_log(1, 0.5)), 12)     # (1 + 1) / (2 * 0.5)
    2.0
    """
    return n * math.log1p(2.0 * r) - log_unit_ball_volume(n) - n * math.log(r)


def net_volume_bound_log_sound(n: int, r: float) -> float:
    """``ln Q_sound`` with ``Q_sound = (1 + r)^n / (C_n (r/2)^n)``: what (c1) and the volume
    argument prove for an ``r``-net of points of ``[0,1]^n``.

    >>> round(math.exp(net_volume_bound_log_sound(1, 0.1)), 12)     # 1.1 / (2 * 0.05)
    11.0
    """
    return n * math.log1p(r) - log_unit_ball_volume(n) - n * math.log(0.5 * r)
