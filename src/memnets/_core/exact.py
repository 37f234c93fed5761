"""Exact evaluation of a :class:`~memnets.ReLUNetwork` in integer arithmetic.

Every unit of every layer is carried, for a whole batch, as integer numerators over one
common positive denominator per unit: ``value[b] = num[b] / den``. Inputs are float64,
read as the exact binary fractions they are. For an output ``i`` of a layer with entries
``w_ij = p_ij / q_ij`` and bias ``c_i = r_i / s_i`` the new denominator is
``D = lcm(s_i, q_ij * den_j)`` and the numerators are
``sum_j p_ij (D / (q_ij den_j)) num_j + r_i D / s_i``: integers only, no rounding.
ReLU keeps the denominator; afterwards the unit is reduced by the gcd of its numerators,
so steps that output 0/1 get denominator 1 again.

Speed comes from two facts of the constructions: layers are sparse (only non-zero terms
are visited; nothing is densified) and most units stay small. A unit whose numerators are
known to fit in 62 bits is an ``int64`` NumPy array and is combined with vectorised int64
arithmetic (the bound ``|bias| + sum |m_j| bound_j < 2**62`` is checked before every
such operation, so it never overflows); only units that really hold big numbers use
Python integers (``object`` arrays). Batches are chunked so memory stays bounded.

Step pairs ``s(x + 1), s(x)`` on big integers ``x`` (bit tests of a packed register) are
kept unevaluated: the next layer reads them as ``c (s(x + 1) - s(x)) = c [x >= 0]``, one
comparison pass instead of two big additions, two ReLUs and a big subtraction; a unit is
evaluated only if some row reads it on its own.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._core.checks import check_scalar, check_X
from memnets._core.errors import InputError
from memnets._core.layers import AffineLayer, LayerStack
from memnets._core.progress import track

__all__ = ["compile_rows", "exact_units", "forward_exact", "reference_forward_exact"]

_INT64_SAFE = 2**62
DEFAULT_CHUNK = 16_384

# A compiled row: (linear-part id, columns, weight numerators, weight denominators,
# bias numerator, bias denominator). Rows of one layer with the same (columns, weights)
# share an id, and their linear part is evaluated once (the step and bit-test pairs
# relu(L - c + 1), relu(L - c) of the constructions are such rows).
_Row = tuple[int, list[int], list[int], list[int], int, int]


def _as_pq(v: Any) -> tuple[int, int]:
    if isinstance(v, int):
        return v, 1
    if isinstance(v, Fraction):
        return v.numerator, v.denominator
    if isinstance(v, float | np.floating):
        q = Fraction(float(v))
        return q.numerator, q.denominator
    return int(v), 1


def compile_rows(layer: AffineLayer) -> list[_Row]:
    """Row-wise exact form of a layer, cached on the layer (it is immutable)."""
    cached: list[_Row] | None = layer.__dict__.get("_exact_rows")
    if cached is not None:
        return cached
    w: Any = layer.weight  # SparseWeight (CSR fields) or a dense array: see layer.is_sparse
    rows: list[_Row] = []
    ids: dict[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]], int] = {}
    bias = layer.bias.tolist()
    for i in range(layer.n_outputs):
        if layer.is_sparse:
            lo, hi = int(w.indptr[i]), int(w.indptr[i + 1])
            cols = w.indices[lo:hi].tolist()
            vals = w.data[lo:hi].tolist()
        else:
            nz = np.flatnonzero(w[i] != 0)
            cols = nz.tolist()
            vals = w[i, nz].tolist()
        ps: list[int] = []
        qs: list[int] = []
        keep: list[int] = []
        for j, v in zip(cols, vals, strict=True):
            p, q = _as_pq(v)
            if p != 0:
                keep.append(j)
                ps.append(p)
                qs.append(q)
        bp, bq = _as_pq(bias[i])
        lin = ids.setdefault((tuple(keep), tuple(ps), tuple(qs)), len(ids))
        rows.append((lin, keep, ps, qs, bp, bq))
    layer.__dict__["_exact_rows"] = rows
    return rows


class _Unit:
    """``num / den`` for a batch, with ``bound >= max |num|``.

    A *lazy* unit (``_num`` None) is one half of a step pair ``s(x + 1)``, ``s(x)`` on a
    big integer ``x = x_num + x_bias`` (denominator 1): its values are computed only if
    something reads ``num``; a next-layer row reading ``c (s(x + 1) - s(x))`` uses
    :meth:`step` instead, ``[x >= 0]`` (0/1), one comparison pass over ``x_num``.
    """

    __slots__ = ("_num", "bound", "den", "pair", "x_bias", "x_num")

    def __init__(self, num: np.ndarray | None, den: int, bound: int) -> None:
        self._num = num
        self.den = den
        self.bound = bound
        self.pair: _Unit | None = None  # for the upper unit s(x + 1) of a lazy pair: s(x)
        self.x_num: np.ndarray | None = None
        self.x_bias = 0

    @property
    def num(self) -> np.ndarray:
        if self._num is None:
            assert self.x_num is not None
            self._num = np.maximum(self.x_num + self.x_bias, 0)
        return self._num

    def step(self) -> np.ndarray:
        """``s(x + 1) - s(x) = [x >= 0]`` as int64 0/1 (``x`` an integer: denominator 1)."""
        assert self.pair is not None and self.pair.x_num is not None
        return (self.pair.x_num >= -self.pair.x_bias).astype(np.int64)


def _lazy_pair(x_num: np.ndarray, bias_lo: int, bound: int) -> tuple[_Unit, _Unit]:
    """The units ``s(x + 1)``, ``s(x)`` for ``x = x_num + bias_lo`` (integers), unevaluated."""
    hi, lo = _Unit(None, 1, bound + 1), _Unit(None, 1, bound + 1)  # |x + 1|, |x| <= bound + 1
    hi.x_num, hi.x_bias = x_num, bias_lo + 1
    lo.x_num, lo.x_bias = x_num, bias_lo
    hi.pair = lo
    return hi, lo


def _max_abs(a: np.ndarray, nonneg: bool = False) -> int:
    if a.size == 0:
        return 0
    if nonneg:
        return int(a.max())
    return max(int(a.max()), -int(a.min()))


def _prefix_gcd(num: np.ndarray, den: int, k: int = 8) -> int:
    """``gcd(den, num[0], ..., num[k-1])``, a multiple of ``gcd(den, every num)``.

    When it is 1 (the usual case for a unit with a genuine denominator) the full
    reduction over the batch is skipped: the full gcd divides it.
    """
    g = den
    for v in num[:k].tolist():
        g = math.gcd(g, int(v))
        if g == 1:
            break
    return g


def _normalise(num: np.ndarray, den: int, nonneg: bool = False) -> _Unit:
    """Reduce ``num/den`` by the common gcd and store as int64 when it fits.

    An object unit whose first entries already reach ``2**62`` stays an object unit with
    the bound ``2**62`` ("big"): every later combination of it takes the object path, so
    its exact maximum (a full pass over big integers) is never needed.
    """
    if den > 1 and num.size and _prefix_gcd(num, den) > 1:
        g_num = int(np.gcd.reduce(num))
        if g_num == 0:  # all zero: 0/1 (a huge den would not fit int64 in num // den)
            return _Unit(np.zeros(num.shape, dtype=np.int64), 1, 0)
        g = math.gcd(den, g_num)
        if g > 1:
            num = num // g
            den //= g
    if num.dtype == object and any(abs(v) >= _INT64_SAFE for v in num[:4].tolist()):
        return _Unit(num, den, _INT64_SAFE)
    bound = _max_abs(num, nonneg)
    if num.dtype == object and bound < _INT64_SAFE:
        num = num.astype(np.int64)
    return _Unit(num, den, bound)


def _input_units(X: np.ndarray) -> list[_Unit]:
    """Each input column as exact integers over a common power-of-two denominator."""
    mant, ex = np.frexp(X)
    m = (mant * 2.0**53).astype(np.int64)  # exact: |mant| < 1 has 53 significant bits
    e = ex.astype(np.int64) - 53  # X = m * 2**e
    units = []
    for j in range(X.shape[1]):
        mj, ej = m[:, j], e[:, j]
        nz = mj != 0
        if not nz.any():
            units.append(_Unit(np.zeros(X.shape[0], dtype=np.int64), 1, 0))
            continue
        big_e = max(0, int(-(ej[nz].min())))  # common denominator 2**big_e
        shift = np.where(nz, ej + big_e, 0)
        top = int((np.log2(np.abs(mj[nz]).astype(np.float64)) + 1 + shift[nz]).max())
        if top < 62:
            num = np.left_shift(mj, shift)
        else:
            num = mj.astype(object) << shift.astype(object)
        units.append(_normalise(num, 1 << big_e))
    return units


class _Linear:
    """The linear part ``sum_j w_ij a_j`` of a row: numerators over ``den``, and a bound."""

    __slots__ = ("bound", "den", "num")

    def __init__(self, num: np.ndarray | None, den: int, bound: int) -> None:
        self.num = num  # None when every term is zero
        self.den = den
        self.bound = bound


def _linear(units: list[_Unit], cols: list[int], ps: list[int], qs: list[int], batch: int) -> _Linear:
    den = 1
    for j, q in zip(cols, qs, strict=True):
        d = q * units[j].den
        den = den * d // math.gcd(den, d)
    terms = []
    bound = 0
    small = True
    mults = {j: p * (den // (q * units[j].den)) for j, p, q in zip(cols, ps, qs, strict=True)}
    # lazy step pairs read as c (s(x + 1) - s(x)): one 0/1 term [x >= 0] instead of two
    done: set[int] = set()
    for j, mult in mults.items():
        u = units[j]
        lo = u.pair
        if lo is None or u._num is not None:
            continue
        k = next((i for i in mults if units[i] is lo and i not in done), None)
        if k is not None and mults[k] == -mult:
            terms.append((mult, u.step()))
            bound += abs(mult)
            done.update((j, k))
    for j, mult in mults.items():
        u = units[j]
        if j in done or u.bound == 0:
            continue
        terms.append((mult, u.num))
        bound += abs(mult) * u.bound
        small = small and u.num.dtype != object
    small = small and all(a.dtype != object for _, a in terms)
    if not terms:
        return _Linear(None, den, 0)
    dtype: Any = np.int64 if small and bound < _INT64_SAFE else object
    # group terms by |multiplier|: c*a - c*b is computed as c*(a - b), one big product
    # instead of two (the step and bit-test pairs of the constructions look like this);
    # every partial sum is bounded by ``bound``, so the int64 path cannot overflow
    groups: dict[int, tuple[list[np.ndarray], list[np.ndarray]]] = {}
    for mult, a in terms:
        if dtype is object and a.dtype != object:
            a = a.astype(object)
        groups.setdefault(abs(mult), ([], []))[0 if mult > 0 else 1].append(a)
    acc: np.ndarray | None = None
    for m, (pos, neg) in groups.items():
        # sum(pos) - sum(neg), then one product by m; an all-negative group is subtracted
        # from the accumulator instead of being negated (one pass less over big integers)
        sign = 1
        if not pos:
            pos, neg, sign = neg, [], -1
        g = pos[0]
        for a in pos[1:]:
            g = g + a
        for b in neg:
            g = g - b
        term = g if m == 1 else m * g
        if acc is None:
            acc = term if sign > 0 else -term
        else:
            acc = acc + term if sign > 0 else acc - term
    assert acc is not None
    return _Linear(acc, den, bound)


def _apply_layer(
    units: list[_Unit], rows: list[_Row], batch: int, relu: bool, inputs_nonneg: bool = False
) -> list[_Unit]:
    """One layer; ``inputs_nonneg`` (the inputs are ReLU outputs) lets an identity row
    ``s(u_j)`` reuse unit ``j`` itself (units are never modified in place)."""
    out: list[_Unit] = []
    shared: dict[int, _Linear] = {}
    pending: dict[tuple[int, int], _Unit] = {}  # lazy lower units s(x) by (lin_id, bias)
    for i, (lin_id, cols, ps, qs, bp, bq) in enumerate(rows):
        if relu and inputs_nonneg and bp == 0 and bq == 1 and ps == [1] and qs == [1]:
            out.append(units[cols[0]])
            continue
        lin = shared.get(lin_id)
        if lin is None:
            lin = shared[lin_id] = _linear(units, cols, ps, qs, batch)
        lazy = pending.pop((lin_id, bp), None) if bq == 1 else None
        if lazy is not None:  # the s(x) of a pair whose s(x + 1) came just before
            out.append(lazy)
            continue
        if (relu and bq == 1 and lin.den == 1 and lin.num is not None and lin.num.dtype == object
                and i + 1 < len(rows) and rows[i + 1][0] == lin_id and rows[i + 1][4:] == (bp - 1, 1)):
            # s(L + bp), s(L + bp - 1) on big integers: a step pair, evaluated on demand
            hi, lo = _lazy_pair(lin.num, bp - 1, lin.bound + abs(bp))
            out.append(hi)
            pending[(lin_id, bp - 1)] = lo
            continue
        den = lin.den * bq // math.gcd(lin.den, bq)
        scale = den // lin.den
        bias_term = bp * (den // bq)
        if lin.num is None:
            value = max(bias_term, 0) if relu else bias_term
            acc = np.full(batch, value, dtype=np.int64 if abs(value) < _INT64_SAFE else object)
            out.append(_normalise(acc, den, nonneg=relu))
            continue
        bound = lin.bound * scale + abs(bias_term)
        num = lin.num
        if num.dtype != object and bound < _INT64_SAFE:
            # a fresh array (``lin.num`` is shared between rows and must not be modified)
            acc = num * scale if scale != 1 else num.copy()
            if bias_term:
                acc += bias_term
            if relu:
                np.maximum(acc, 0, out=acc)
        else:
            if num.dtype != object:
                num = num.astype(object)
            acc = num * scale if scale != 1 else num
            if bias_term:
                acc = acc + bias_term
            if relu:
                acc = np.maximum(acc, 0)  # a new array: shared inputs are never modified
        out.append(_normalise(acc, den, nonneg=relu))
    return out


def exact_units(
    net: LayerStack, X: np.ndarray, *, chunk_size: int | None = None
) -> Iterator[tuple[int, list[tuple[np.ndarray, int]]]]:
    """Yield ``(start, [(numerators, denominator) per output unit])`` chunk by chunk.

    ``X`` must already be a checked float64 array. Numerators are int64 or object arrays;
    output ``o`` of sample ``start + b`` equals ``numerators[b] / denominator`` exactly.
    ``chunk_size`` must be positive (``None``: :data:`DEFAULT_CHUNK`), as for ``forward``.
    """
    step = DEFAULT_CHUNK if chunk_size is None else check_scalar("chunk_size", chunk_size, int, ge=1, error=InputError)
    compiled = [compile_rows(layer) for layer in net.layers]
    last = len(compiled) - 1
    ticks = iter(track(range(-(-X.shape[0] // step) * len(compiled) + 1), "exact evaluation (layers x chunks)"))
    for s in range(0, X.shape[0], step):
        chunk = X[s : s + step]
        units = _input_units(chunk)
        for k, rows in enumerate(compiled):
            units = _apply_layer(units, rows, chunk.shape[0], relu=k < last, inputs_nonneg=k > 0)
            next(ticks, None)
        yield s, [(u.num, u.den) for u in units]
    for _ in ticks:  # the last tick ends the bar
        pass


def forward_exact(net: LayerStack, X: Any, *, chunk_size: int | None = None) -> np.ndarray:
    """Exact outputs of ``net`` on ``X`` as an object array of ``int``/``Fraction``."""
    arr = np.asarray(X)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    Xa = check_X(arr, n_features=net.n_inputs, unit_interval=False)
    out = np.empty((Xa.shape[0], net.n_outputs), dtype=object)
    for s, units in exact_units(net, Xa, chunk_size=chunk_size):
        for o, (num, den) in enumerate(units):
            vals = num.tolist()
            col = [Fraction(v, den) if den != 1 else v for v in vals]
            col = [v.numerator if isinstance(v, Fraction) and v.denominator == 1 else v for v in col]
            out[s : s + len(vals), o] = col
    return out[:, 0] if net.n_outputs == 1 else out


def reference_forward_exact(net: LayerStack, x: Any) -> list[Fraction]:
    """Plain-Python Fraction evaluation of one input (slow; the independent reference)."""
    a = [Fraction(float(v)) for v in np.asarray(x, dtype=np.float64).ravel()]
    last = len(net.layers) - 1
    for k, layer in enumerate(net.layers):
        w = layer.dense_weight().tolist()
        b = layer.bias.tolist()
        new = []
        for row, bias in zip(w, b, strict=True):
            z = Fraction(bias)
            for wij, aj in zip(row, a, strict=True):
                if wij != 0:
                    z += Fraction(wij) * aj
            new.append(max(z, Fraction(0)) if k < last else z)
        a = new
    return a
