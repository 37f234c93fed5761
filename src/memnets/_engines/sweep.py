"""Exact outputs of a network whose first layer has one unit, by a sweep along that scalar.

When the first layer of a :class:`~memnets.ReLUNetwork` has a single unit ``s(x) = <w, x> + c``
(``optimal``, ``vardi2022``, ``park2021`` and ``interval`` project every sample to one number
before anything else), every later unit is a function of the scalar ``s`` alone. On the
samples, sorted by ``s``, each unit is *piecewise affine* in the exact integer numerator
``S = D s`` (``D`` the common denominator of the first layer's outputs):

.. math::  v(x_i) = \\frac{a_c + b_c S_i}{\\mathrm{den}}, \\qquad c = \\mathrm{code}(\\text{piece of } i),

where the pieces are runs of consecutive sorted samples and a *code* indexes a table of
integer pairs ``(a_c, b_c)`` that several pieces may share. This module carries, layer by
layer, the pieces and the table instead of the ``N`` values:

* an affine row combines the tables of its inputs; inputs on different partitions are first
  aligned on the union of their piece starts, and equal ``(a, b)`` pairs are merged again
  (so a big register that two thousand samples share is one table entry, whatever the
  number of pieces);
* ``ReLU`` keeps an entry whose ``b = 0`` as ``max(a, 0)`` and cuts a piece whose ``b != 0``
  at the first sorted sample where ``a + b S`` changes sign (one binary search in the sorted
  ``S``): on each side the unit is affine again, and exact.

Every number is a Python integer, nothing is rounded; the outputs equal those of the generic
engine (:mod:`memnets._core.exact`) sample by sample, which the tests check on random and
adversarial networks. The work per layer is proportional to the table and piece counts, not
to ``N``: ``optimal``'s stage 1 selects one of ``J`` blocks (``J`` entries), stage 2 extracts bits of
the block's register (``<= 2 J`` entries: register and counter), and the samples are touched
only where a comparison or step cuts their block, and once at the end.

References: the same sweep, for the depth-3 ``interval`` network, is
:func:`memnets._constructions.interval.sweep_outputs`.
"""

from __future__ import annotations

import bisect
import math
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._core.exact import compile_rows, exact_units
from memnets._core.network import ReLUNetwork
from memnets._geometry.projection import exact_projection

__all__ = ["MAX_WIDTH", "MIN_SAMPLES", "applies", "scalar_outputs"]

#: below this many samples the generic engine is as fast; callers use the sweep above it
MIN_SAMPLES = 64
#: widest hidden layer the sweep takes: every unit of a layer carries its own partition, so a
#: wide layer (``interval``'s one step per run) is left to the generic engine
MAX_WIDTH = 32

_I64 = np.int64


class _Map:
    """A partition of the sorted positions ``0 .. M - 1`` into pieces and the piece codes."""

    __slots__ = ("code", "size", "starts")

    def __init__(self, starts: np.ndarray, code: np.ndarray, size: int) -> None:
        self.starts = starts  # int64, strictly increasing, starts[0] == 0
        self.code = code  # int64 per piece, in [0, size)
        self.size = size


class _Fn:
    """A unit: ``(a[code] + b[code] S) / den`` on each piece of ``map`` (``b`` None: all 0).

    A ReLU of a constant-table row is kept *lazy* (``src = (linear part, bias numerator,
    bias denominator)``) until something reads ``a``: a next-layer row that reads it only as
    one half of a step pair ``c (s(z + 1) - s(z))`` takes ``c [z >= 0]`` from comparisons of
    the linear part's table, without the three big-integer passes of the two ReLUs and their
    difference.
    """

    __slots__ = ("_a", "_b", "den", "map", "nonneg", "src")

    def __init__(
        self, m: _Map, a: np.ndarray | None, b: np.ndarray | None, den: int, nonneg: bool = False,
        src: tuple[_Fn, int, int] | None = None,
    ) -> None:
        self.map, self._a, self._b, self.den, self.nonneg, self.src = m, a, b, den, nonneg, src

    @property
    def a(self) -> np.ndarray:
        if self._a is None:
            self._force()
        assert self._a is not None
        return self._a

    @property
    def b(self) -> np.ndarray | None:
        if self._a is None:
            self._force()
        return self._b

    def _force(self) -> None:
        assert self.src is not None
        lin, bp, bq = self.src
        fn = _relu(_add_bias(lin, bp, bq), [])
        self._a, self._b = fn.a, fn.b


def applies(net: ReLUNetwork) -> bool:
    """True when the first layer has one unit and no hidden layer is wider than :data:`MAX_WIDTH`."""
    return net.layers[0].n_outputs == 1 and net.width <= MAX_WIDTH


def _obj(values: Any) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _union(arrays: list[np.ndarray]) -> np.ndarray:
    """Sorted distinct values of int64 arrays (sort and mask: numpy's hash-based
    :func:`numpy.unique` is ten times slower on these sizes)."""
    s = np.sort(np.concatenate(arrays), kind="stable")  # runs of sorted arrays: linear
    if s.size > 1:
        s = s[np.concatenate(([True], s[1:] != s[:-1]))]
    return s


def _groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(first, inverse)`` of the distinct values of ``key`` (sorted by value; ``first`` the
    first index of each, ``inverse`` the group of every element)."""
    order = np.argsort(key, kind="stable")
    ks = key[order]
    new = np.empty(ks.size, dtype=bool)
    new[:1] = True
    np.not_equal(ks[1:], ks[:-1], out=new[1:])
    grp = np.cumsum(new) - 1
    inv = np.empty_like(grp)
    inv[order] = grp
    return order[new], inv


def _compact(starts: np.ndarray, code: np.ndarray, size: int) -> tuple[_Map, np.ndarray | None]:
    """Merge adjacent pieces with equal codes and drop unused codes.

    Returns the map and the table rows to keep (None: the table is unchanged).
    """
    if code.size > 1:
        keep = np.empty(code.size, dtype=bool)
        keep[0] = True
        np.not_equal(code[1:], code[:-1], out=keep[1:])
        if not keep.all():
            starts, code = starts[keep], code[keep]
    used = np.zeros(size, dtype=bool)
    used[code] = True
    if used.all():
        return _Map(starts, code, size), None
    rows = np.flatnonzero(used)
    remap = np.full(size, -1, dtype=_I64)
    remap[rows] = np.arange(rows.size, dtype=_I64)
    return _Map(starts, remap[code], int(rows.size)), rows


def _align(maps: list[_Map], cache: dict[tuple[int, ...], Any]) -> tuple[_Map, list[np.ndarray | None]]:
    """A common refinement of ``maps`` and, per map, the table row of each new code."""
    ids = tuple(id(m) for m in maps)
    hit = cache.get(ids)
    if hit is not None:
        return hit
    distinct: dict[int, _Map] = {}
    for m in maps:
        distinct.setdefault(id(m), m)
    if len(distinct) == 1:
        out: tuple[_Map, list[np.ndarray | None]] = (maps[0], [None] * len(maps))
        cache[ids] = out
        return out
    ms = list(distinct.values())
    starts = _union([m.starts for m in ms])
    codes = [m.code[np.searchsorted(m.starts, starts, side="right") - 1] for m in ms]
    if math.prod(m.size for m in ms) < 2**62:
        key = codes[0].copy()
        for c, m in zip(codes[1:], ms[1:], strict=True):
            key = key * m.size + c
        first, inv = _groups(key)
    else:  # 2**62 combinations or more (65 two-entry tables already): rows of codes
        _, first, inv = np.unique(np.stack(codes, axis=1), axis=0, return_index=True, return_inverse=True)
    new, _ = _compact(starts, inv.astype(_I64).ravel(), int(first.size))
    rows = {id(m): c[first] for m, c in zip(ms, codes, strict=True)}
    out = (new, [rows[id(m)] for m in maps])
    cache[ids] = out
    return out


def _dedup(fn: _Fn) -> _Fn:
    """Merge table entries with equal ``(a, b)`` (after an alignment multiplied them)."""
    keys = fn.a.tolist() if fn.b is None else list(zip(fn.a.tolist(), fn.b.tolist(), strict=True))
    seen: dict[Any, int] = {}
    remap = np.fromiter((seen.setdefault(k, len(seen)) for k in keys), dtype=_I64, count=len(keys))
    if len(seen) == len(keys):
        return fn
    first = np.full(len(seen), -1, dtype=_I64)
    first[remap[::-1]] = np.arange(len(keys) - 1, -1, -1, dtype=_I64)
    m, rows = _compact(fn.map.starts, remap[fn.map.code], len(seen))
    a, b = fn.a[first], None if fn.b is None else fn.b[first]
    if rows is not None:  # pragma: no cover - every merged code is used
        a, b = a[rows], None if b is None else b[rows]
    return _Fn(m, a, b, fn.den, fn.nonneg)


def _nonzero(b: np.ndarray | None) -> np.ndarray | None:
    if b is None:
        return None
    return b if bool((b != 0).any()) else None


def _step_mask(u: _Fn, lo: _Fn) -> np.ndarray | None:
    """``[z >= 0]`` for the pair ``u = s(z + 1)``, ``lo = s(z)`` of lazy units on one constant
    table, or None when some entry has ``-1 < z < 0`` (then the pair is evaluated as it is)."""
    assert u.src is not None and lo.src is not None
    lin, bp, bq = lo.src
    a, d = lin.a, lin.den
    az = a if bq == 1 else a * bq  # z >= 0  <=>  a bq + bp d >= 0  (d, bq > 0)
    one = az >= -bp * d
    zero = az <= -(bp + bq) * d  # z <= -1
    if not bool((one | zero).all()):
        return None
    return np.asarray(one, dtype=bool)


def _pairs(terms: list[tuple[int, _Fn]]) -> tuple[list[tuple[int, _Fn]], list[tuple[int, _Fn, np.ndarray]]]:
    """Split ``terms`` into ordinary terms and step pairs ``(c, unit, [z >= 0])`` read as
    ``c (s(z + 1) - s(z))`` (same lazy linear part, biases one apart, opposite multipliers)."""
    lazy = [(k, m, u) for k, (m, u) in enumerate(terms) if u.src is not None and u._a is None]
    if len(lazy) < 2:
        return terms, []
    used: set[int] = set()
    steps: list[tuple[int, _Fn, np.ndarray]] = []
    for k1, m1, u1 in lazy:
        if k1 in used:
            continue
        assert u1.src is not None
        for k2, m2, u2 in lazy:
            assert u2.src is not None
            if (k2 in used or k2 == k1 or m2 != -m1 or u2.src[0] is not u1.src[0] or u2.den != u1.den
                    or Fraction(u1.src[1], u1.src[2]) - Fraction(u2.src[1], u2.src[2]) != 1):
                continue
            mask = _step_mask(u1, u2)
            if mask is not None:
                steps.append((m1, u1, mask))
                used.update((k1, k2))
            break
    return [t for k, t in enumerate(terms) if k not in used], steps


def _linear(units: list[_Fn], cols: list[int], ps: list[int], qs: list[int], cache: dict[Any, Any]) -> _Fn:
    """``sum_j (p_j / q_j) unit_j`` on the common refinement of the inputs' partitions."""
    den = 1
    for j, q in zip(cols, qs, strict=True):
        den = math.lcm(den, q * units[j].den)
    terms, steps = _pairs([(p * (den // (q * units[j].den)), units[j]) for j, p, q in zip(cols, ps, qs, strict=True)])
    if not terms and not steps:
        return _Fn(_Map(np.zeros(1, dtype=_I64), np.zeros(1, dtype=_I64), 1), _obj([0]), None, 1)
    m, rows = _align([u.map for _, u in terms] + [u.map for _, u, _ in steps], cache)
    parts: dict[str, dict[int, list[tuple[int, np.ndarray]]]] = {"a": {}, "b": {}}
    for (mult, u), r in zip(terms, rows, strict=False):
        for name, arr in (("a", u.a), ("b", u.b)):
            if arr is not None:
                parts[name].setdefault(abs(mult), []).append((mult, arr if r is None else arr[r]))
    sums = {name: _sum_groups(groups) for name, groups in parts.items()}
    a = sums["a"].copy() if sums["a"] is not None else _obj([0] * m.size)
    for (mult, u, mask), r in zip(steps, rows[len(terms):], strict=True):
        sel = mask if r is None else mask[r]
        a[sel] = a[sel] + mult * u.den  # c (s(z + 1) - s(z)) = c [z >= 0], numerator c den
    fn = _Fn(m, a, _nonzero(sums["b"]), den)
    # an alignment can multiply the table (register x counter x step): merge equal entries
    # when it grew by more than a quarter (stage-1 style growth by one entry is left alone)
    if any(r is not None for r in rows) and m.size > 1.25 * max(mm.size for mm in _maps(terms, steps)) + 16:
        fn = _dedup(fn)
    return fn


def _sum_groups(groups: dict[int, list[tuple[int, np.ndarray]]]) -> np.ndarray | None:
    """``sum mult * arr``, grouped by ``|mult|``: ``c a - c b`` is computed as ``c (a - b)``
    (one product by a big multiplier per group)."""
    acc: np.ndarray | None = None
    for k, items in groups.items():
        mult, g = items[0]
        g = g if mult > 0 else -g
        for mult, arr in items[1:]:
            g = g + arr if mult > 0 else g - arr
        t = g if k == 1 else g * k
        acc = t if acc is None else acc + t
    return acc


def _maps(terms: list[tuple[int, _Fn]], steps: list[tuple[int, _Fn, np.ndarray]]) -> list[_Map]:
    return [u.map for _, u in terms] + [u.map for _, u, _ in steps]


def _add_bias(lin: _Fn, bp: int, bq: int) -> _Fn:
    den = math.lcm(lin.den, bq)
    scale, bias = den // lin.den, bp * (den // bq)
    if scale == 1 and bias == 0:
        return lin
    a = lin.a * scale if scale != 1 else lin.a
    if bias:
        a = a + bias
    b = None if lin.b is None else (lin.b * scale if scale != 1 else lin.b)
    return _Fn(lin.map, a, b, den)


def _relu(fn: _Fn, S: list[int]) -> _Fn:
    """``max(unit, 0)``: constant entries clipped, affine pieces cut where they change sign."""
    if fn.nonneg:
        return fn
    a, b = fn.a, fn.b
    const_neg = a < 0 if b is None else (a < 0) & (b == 0)
    if b is None:
        if not const_neg.any():
            return _Fn(fn.map, a, None, fn.den, True)
        return _Fn(fn.map, np.where(const_neg, 0, a), None, fn.den, True)
    m = fn.map
    size = m.size
    sign = np.zeros(size, dtype=_I64)
    pstar = np.full(size, -1, dtype=_I64)
    for c in np.flatnonzero(b != 0).tolist():
        ac, bc = a[c], b[c]
        if bc > 0:  # a + b S >= 0  <=>  S >= ceil(-a / b): kept from position p on
            sign[c], pstar[c] = 1, bisect.bisect_left(S, -(ac // bc))
        else:  # a + b S >= 0  <=>  S <= floor(a / -b): kept before position p
            sign[c], pstar[c] = -1, bisect.bisect_right(S, ac // (-bc))
    starts, code = m.starts, m.code
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[-1] = len(S)
    ps = pstar[code]
    cut = (ps > starts) & (ps < ends)
    if cut.any():
        starts = np.concatenate([starts, ps[cut]])
        order = np.argsort(starts, kind="stable")
        starts = starts[order]
        code = np.concatenate([code, code[cut]])[order]
    sg, pc = sign[code], pstar[code]
    zero = ((sg > 0) & (starts < pc)) | ((sg < 0) & (starts >= pc))
    a2 = np.where(const_neg, 0, a)
    if not zero.any():
        if cut.any():  # pragma: no cover - a cut always leaves one side at zero
            new, _ = _compact(starts, code, size)
            return _Fn(new, a2, b, fn.den, True)
        return _Fn(m, a2, b, fn.den, True)
    code = np.where(zero, size, code)
    new, rows = _compact(starts, code, size + 1)
    a3 = np.empty(size + 1, dtype=object)
    a3[:size] = a2
    a3[size] = 0
    b3 = np.empty(size + 1, dtype=object)
    b3[:size] = b
    b3[size] = 0
    if rows is not None:
        a3, b3 = a3[rows], b3[rows]
    return _Fn(new, a3, _nonzero(b3), fn.den, True)


def _first_layer(net: ReLUNetwork, X: np.ndarray) -> tuple[list[int], int]:
    """Exact numerators ``S_i`` of the single first-layer unit over one denominator ``D``."""
    layer = net.layers[0]
    ((_, cols, ps, qs, bp, bq),) = compile_rows(layer)
    if not cols:
        D = bq
        return [bp] * X.shape[0], D
    Q = math.lcm(*qs)
    wi = [p * (Q // q) for p, q in zip(ps, qs, strict=True)]
    g = math.gcd(*wi)
    small = [v // g for v in wi]
    n = X.shape[1]
    # a direction beyond exact_projection's limb budget goes through the generic engine's first layer
    if max(abs(v) for v in small).bit_length() + math.ceil(math.log2(n + 1)) <= 56:
        w = np.zeros(n, dtype=_I64)
        w[cols] = small
        p, E = exact_projection(X, w)  # p_i = 2**E <w, x_i>, so s_i = g p_i / (Q 2**E) + bp / bq
        D = math.lcm(Q << E, bq)
        m1, m0 = g * (D // (Q << E)), bp * (D // bq)
        return [m1 * v + m0 for v in p], D
    chunks = list(exact_units(ReLUNetwork([layer]), X))  # directions of more than ~50 bits
    D = math.lcm(*(units[0][1] for _, units in chunks))
    return [int(v) * (D // units[0][1]) for _, units in chunks for v in units[0][0].tolist()], D


def scalar_outputs(net: ReLUNetwork, X: np.ndarray) -> list[tuple[np.ndarray, int]]:
    """Exact outputs of ``net`` on every row of ``X``: ``[(numerators, denominator)]`` per output.

    ``net.layers[0]`` must have one unit; ``X`` is a checked float64 array. (Any width is
    exact; :func:`applies` says when it is also the faster engine.)
    Output ``o`` of sample ``i`` is ``numerators[i] / denominator`` exactly (an object array
    of Python ints), as :func:`memnets._core.exact.exact_units` gives it chunk by chunk.

    >>> import numpy as np
    >>> net = ReLUNetwork([(np.array([[1.0, 1.0]]), np.array([-1.0])),
    ...                    (np.array([[1.0], [1.0]]), np.array([0.0, -1.0])),
    ...                    (np.array([[1.0, -2.0]]), np.array([0.0]))])
    >>> X = np.array([[0.25, 0.5], [1.0, 1.0], [0.5, 1.0], [1.0, 0.75]])  # s = -1/4, 1, 1/2, 3/4
    >>> [(num.tolist(), den) for num, den in scalar_outputs(net, X)]
    [([0, 4, 2, 3], 4)]
    """
    if net.layers[0].n_outputs != 1:
        raise ValueError("scalar_outputs needs a network whose first layer has one unit")
    S_all, D = _first_layer(net, X)
    uniq, inv = np.unique(_obj(S_all), return_inverse=True)
    S = uniq.tolist()
    one = _Map(np.zeros(1, dtype=_I64), np.zeros(1, dtype=_I64), 1)
    units = [_Fn(one, _obj([0]), _obj([1]), D)]
    last = net.depth - 1
    for k, layer in enumerate(net.layers):
        if k == 0:
            if last > 0:
                units = [_relu(units[0], S)]
            continue
        units = _apply(units, compile_rows(layer), S, relu=k < last)
    out = []
    S_obj = _obj(S)
    for fn in units:
        lengths = np.diff(np.append(fn.map.starts, len(S)))
        code = np.repeat(fn.map.code, lengths)
        vals = fn.a[code]
        if fn.b is not None:
            vals = vals + fn.b[code] * S_obj
        out.append((vals[inv.ravel()], fn.den))
    return out


def _apply(units: list[_Fn], rows: list[Any], S: list[int], relu: bool) -> list[_Fn]:
    out: list[_Fn] = []
    shared: dict[int, _Fn] = {}
    cache: dict[Any, Any] = {}
    for lin_id, cols, ps, qs, bp, bq in rows:
        if relu and bp == 0 and bq == 1 and ps == [1] and qs == [1] and units[cols[0]].nonneg:
            out.append(units[cols[0]])
            continue
        lin = shared.get(lin_id)
        if lin is None:
            lin = shared[lin_id] = _linear(units, cols, ps, qs, cache)
        if relu and lin.b is None:  # a constant table: its map stays, evaluate on demand
            out.append(_Fn(lin.map, None, None, math.lcm(lin.den, bq), True, (lin, bp, bq)))
            continue
        fn = _add_bias(lin, bp, bq)
        out.append(_relu(fn, S) if relu else fn)
    return out
