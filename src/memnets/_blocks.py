"""Shared ReLU building blocks: every construction assembles its layers from these.

Conventions: a *block* is a list of :class:`~memnets.AffineLayer` with ReLU understood
between consecutive layers (as in :class:`~memnets.ReLUNetwork`). Exact constructions build
layers from ``{column: value}`` rows with int/Fraction values; float constructions use
NumPy/SciPy arrays. Sections below are owned by the constructions that introduced them;
add new blocks here rather than copying them into a construction module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import scipy.sparse as sp

from memnets._core.network import AffineLayer, SparseWeight

__all__ = [
    "compose_affine",
    "exact_layer",
    "identity_rows",
    "max_tree",
    "max_tree_readout",
    "side_by_side",
    "staircase",
    "staircase_index",
    "step_rows",
]

Exact = int | Fraction


# --------------------------------------------------------------------------- generic
def exact_layer(rows: Sequence[Mapping[int, Exact]], bias: Sequence[Exact], n_in: int) -> AffineLayer:
    """An exact sparse affine layer from one ``{input index: weight}`` mapping per output."""
    if len(rows) != len(bias):
        raise ValueError(f"{len(rows)} rows but {len(bias)} biases")
    b = np.empty(len(bias), dtype=object)
    b[:] = list(bias)
    return AffineLayer(SparseWeight.from_rows(rows, n_in), b)


def identity_rows(indices: Sequence[int]) -> list[dict[int, Exact]]:
    """Rows copying the given (non-negative) units unchanged through the next ReLU."""
    return [{j: 1} for j in indices]


def compose_affine(first: AffineLayer, second: AffineLayer) -> AffineLayer:
    """``second(first(x))`` as one affine layer (valid only with no ReLU in between).

    Exact layers compose exactly (object arithmetic); float layers in float64.
    """
    w1, w2 = first.dense_weight(), second.dense_weight()
    if w2.shape[1] != w1.shape[0]:
        raise ValueError(f"cannot compose {w1.shape} then {w2.shape}")
    w = w2.dot(w1)
    b = w2.dot(first.bias) + second.bias
    if w.dtype == object:
        return AffineLayer(SparseWeight.from_dense(w), b)
    return AffineLayer(w, b)


def _as_object(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


# --------------------------------------------------------------------------- staircases (M3)
# Owner: M3 (constant-parameter memorization). An exact per-coordinate ReLU staircase:
#
#   step_theta(x) = s((x - theta)/w + 1/2) - s((x - theta)/w - 1/2)
#                 = 0 for x <= theta - w/2,   1 for x >= theta + w/2,   linear in between,
#
#   idx_j(x) = sum_{theta in T_j} step_theta(x_j) = #{theta in T_j : theta < x_j}
#
# exactly, for every x whose coordinate x_j is at distance >= w/2 from every threshold of
# T_j. With w = 2**-q and dyadic thresholds every entry is an integer (2**q) or a dyadic
# fraction, so the exact engine keeps the 0/1 outputs at denominator 1.
# This is M2's integer step ``[v >= 0] = s(v + 1) - s(v)`` (``step_preacts`` below) applied
# to the rescaled coordinate ``v = (x_j - theta)/w - 1/2``; :func:`step_rows` builds it with
# ``step_preacts`` so there is one step in the code base. This section adds the
# multi-coordinate form: one layer for all coordinates plus the affine read-out that sums
# the steps of each coordinate.
def step_rows(j: int, theta: Exact, width: Exact) -> tuple[list[dict[int, Exact]], list[Exact]]:
    """The two ReLU rows of one exact step on input ``j`` at ``theta`` with ramp ``width``.

    Returns ``(rows, biases)`` for ``u+ = s(x_j/w - theta/w + 1/2)`` and
    ``u- = s(x_j/w - theta/w - 1/2)``; the step is ``u+ - u-`` (see the section comment).
    """
    w = Fraction(width)
    if w <= 0:
        raise ValueError(f"step width must be positive, got {width}")
    x = Lin({j: _exact(1 / w)})
    pre = step_preacts(x, _exact(Fraction(theta) / w + Fraction(1, 2)))
    return [dict(e.terms) for e in pre], [_exact(Fraction(e.const)) for e in pre]


def staircase(
    thresholds: Sequence[Sequence[Exact]], width: Exact
) -> tuple[AffineLayer, AffineLayer]:
    """Exact staircases on every coordinate: ``(hidden, readout)``.

    ``thresholds[j]`` lists the thresholds of input coordinate ``j`` (``n = len(thresholds)``
    inputs). ``hidden`` maps x (n,) to the 2T step units (T = total thresholds), to be
    followed by ReLU; ``readout`` is affine (2T,) -> (n,) with
    ``readout(s(hidden(x)))_j = idx_j(x) = #{theta in thresholds[j] : theta < x_j}``,
    exact whenever every ``x_j`` is at distance >= ``width / 2`` from ``thresholds[j]``.
    ``readout`` has no ReLU after it: compose it into the next affine map with
    :func:`compose_affine`.

    >>> hidden, readout = staircase([[Fraction(1, 4), Fraction(1, 2)], []], Fraction(1, 8))
    >>> from memnets import ReLUNetwork
    >>> ReLUNetwork([hidden, readout]).forward_exact([[0.375, 0.9], [0.75, 0.1]]).tolist()
    [[1, 0], [2, 0]]
    """
    n = len(thresholds)
    rows: list[dict[int, Exact]] = []
    bias: list[Exact] = []
    out_rows: list[dict[int, Exact]] = []
    for j, ts in enumerate(thresholds):
        out: dict[int, Exact] = {}
        for theta in ts:
            r, b = step_rows(j, theta, width)
            out[len(rows)] = 1
            out[len(rows) + 1] = -1
            rows.extend(r)
            bias.extend(b)
        out_rows.append(out)
    hidden = exact_layer(rows, bias, n)
    readout = exact_layer(out_rows, [0] * n, len(rows))
    return hidden, readout


def staircase_index(X: np.ndarray, thresholds: Sequence[Sequence[float]]) -> np.ndarray:
    """Reference for :func:`staircase`: ``idx[i, j] = #{theta in thresholds[j] : theta < X[i, j]}``.

    Thresholds must be float64-representable (dyadic with <= 53 significant bits) so the
    comparisons are exact.
    """
    X = np.asarray(X, dtype=np.float64)
    out = np.zeros(X.shape, dtype=np.int64)
    for j, ts in enumerate(thresholds):
        if len(ts):
            out[:, j] = np.searchsorted(np.sort(np.asarray(ts, dtype=np.float64)), X[:, j], side="left")
    return out


def _exact(v: Fraction) -> Exact:
    return v.numerator if v.denominator == 1 else v


# --------------------------------------------------------------------------- max-trees (M1)
def max_tree(group_sizes: Sequence[int]) -> tuple[list[AffineLayer], sp.csr_array]:
    """ReLU layers computing the maximum of each contiguous group of non-negative inputs.

    The input ``a`` (length ``sum(group_sizes)``, every entry ``>= 0``) is split into
    contiguous groups; level by level, nodes of a group are paired and each pair is merged
    with

    .. math::  \\max(a, b) = \\sigma(a - b) + \\sigma(b) \\qquad (b \\ge 0),

    so a pair costs two ReLU units (``u = s(a - b)``, ``v = s(b)``) whose *sum* is the
    node value of the next level (a lone last node passes through one unit ``s(a) = a``).
    The sums are never materialised: they are folded into the next layer's weights, which
    are therefore combinations of at most four ``+-1`` entries per row.

    Returns ``(layers, readout)``: ``layers`` has ``L = ceil(log2(max group size))`` affine
    maps (ReLU after each), float64 sparse weights in ``{-1, 0, 1}`` and zero biases;
    ``readout`` (scipy CSR, ``n_groups x width_L``, entries 1) gives the group maxima as
    ``readout @ relu(layers[-1](...))`` (``readout`` is the identity on the input for
    ``L = 0``). Exact arithmetic gives the maxima exactly; the map is monotone and
    1-Lipschitz in the sup-norm, which float error analyses may rely on. Sizes: layer
    width ``<= sum(group_sizes)``, non-zeros ``<= 3 * sum(group_sizes)`` in the first layer
    and ``<= 1.5 * sum(group_sizes) / 2**(l-2)`` in layer ``l >= 2`` (``< 4.5 *
    sum(group_sizes)`` in total). Built with vectorised index arithmetic and sparse
    products, one step per level (no Python loop per node).

    >>> import numpy as np
    >>> from memnets import ReLUNetwork
    >>> layers, readout = max_tree([3, 2])
    >>> net = ReLUNetwork([*layers, (readout.toarray(), np.zeros(2))])
    >>> net.forward(np.array([[0.5, 2.0, 1.0, 0.25, 0.75]])).tolist()
    [[2.0, 0.75]]
    """
    sizes = np.asarray(group_sizes, dtype=np.int64)
    if sizes.ndim != 1 or sizes.size == 0 or (sizes < 1).any():
        raise ValueError(f"group sizes must be a non-empty list of positive ints, got {group_sizes!r}")
    n_in = int(sizes.sum())
    # P: node values as combinations of the current layer's units (starts as the identity)
    P = sp.identity(n_in, dtype=np.float64, format="csr")
    layers: list[AffineLayer] = []
    while (sizes > 1).any():
        n_nodes = int(sizes.sum())
        group = np.repeat(np.arange(sizes.size), sizes)
        start = np.repeat(np.cumsum(sizes) - sizes, sizes)
        rank = np.arange(n_nodes) - start
        m = sizes[group]
        lone = (rank == m - 1) & (m % 2 == 1)
        new_sizes = (sizes + 1) // 2
        new_start = np.repeat(np.cumsum(new_sizes) - new_sizes, sizes)
        parent = new_start + rank // 2  # index of the merged node at the next level
        n_new = int(new_sizes.sum())
        # units per new node: 2 for a pair, 1 for a lone node
        is_pair = np.ones(n_new, dtype=bool)
        is_pair[parent[lone]] = False
        units_per = np.where(is_pair, 2, 1)
        unit_start = np.cumsum(units_per) - units_per
        n_units = int(units_per.sum())
        first = (rank % 2 == 0) & ~lone  # the "a" of a pair
        second = rank % 2 == 1  # the "b" of a pair
        a_idx, b_idx, l_idx = np.flatnonzero(first), np.flatnonzero(second), np.flatnonzero(lone)
        q_rows = np.concatenate(
            [unit_start[parent[a_idx]], unit_start[parent[b_idx]], unit_start[parent[b_idx]] + 1,
             unit_start[parent[l_idx]]]
        )
        q_cols = np.concatenate([a_idx, b_idx, b_idx, l_idx])
        q_vals = np.concatenate(
            [np.ones(a_idx.size), -np.ones(b_idx.size), np.ones(b_idx.size), np.ones(l_idx.size)]
        )
        Q = sp.csr_array((q_vals, (q_rows, q_cols)), shape=(n_units, n_nodes))
        W = sp.csr_array(Q @ P)
        W.sum_duplicates()
        W.eliminate_zeros()
        W.sort_indices()
        layers.append(
            AffineLayer(SparseWeight(W.shape, W.indptr, W.indices, W.data), np.zeros(n_units))
        )
        # next level's node values: the sum of each new node's units
        P = sp.csr_array(
            (np.ones(n_units), (np.repeat(np.arange(n_new), units_per), np.arange(n_units))),
            shape=(n_new, n_units),
        )
        sizes = new_sizes
    return layers, sp.csr_array(P)


def max_tree_readout(readout: sp.csr_array, binary: bool) -> sp.csr_array:
    """Output weights over the last max-tree layer: ``F_1 - F_0`` of the two group maxima
    (``binary``) or the group maxima themselves (one output per group).

    ``readout`` is the second value returned by :func:`max_tree`.

    >>> _, readout = max_tree([2, 1])
    >>> max_tree_readout(readout, True).toarray().tolist()
    [[-1.0, -1.0, 1.0]]
    """
    G = readout.shape[0]
    if binary:
        if G != 2:
            raise ValueError(f"a binary readout needs exactly two groups, got {G}")
        E = sp.csr_array((np.array([-1.0, 1.0]), (np.array([0, 0]), np.array([0, 1]))), shape=(1, G))
    else:
        E = sp.identity(G, dtype=np.float64, format="csr")
    w = sp.csr_array(E @ readout)
    w.sort_indices()
    return w


# --------------------------------------------------------------------------- parallel networks
def _entries(layer: AffineLayer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, cols, values)`` of a layer's stored non-zero weights."""
    w = layer.weight
    if isinstance(w, SparseWeight):
        return w.entry_rows(), np.asarray(w.indices), np.asarray(w.data)
    nz = np.nonzero(w != 0)
    return nz[0], nz[1], w[nz]


def _padded_layers(layers: list[AffineLayer], depth: int, exact: bool) -> list[AffineLayer]:
    """``layers`` (output ``z``) extended to ``depth`` affine layers with the same output:
    the last layer is doubled into ``s(z), s(-z)``, carried by identity ReLU layers (both
    are ``>= 0``) and recombined as ``s(z) - s(-z) = z``; exact in any arithmetic."""
    extra = depth - len(layers)
    if extra == 0:
        return layers
    last = layers[-1]
    m = last.out_features
    r, c, v = _entries(last)
    one = 1 if exact else 1.0
    neg = np.empty(v.size, dtype=object) if exact else np.empty(v.size)
    neg[:] = [-x for x in v.tolist()] if exact else -v
    bias = np.concatenate([last.bias, -last.bias])
    doubled = AffineLayer(
        SparseWeight.from_coo(np.concatenate([r, r + m]), np.concatenate([c, c]), np.concatenate([v, neg]),
                              (2 * m, last.in_features)),
        bias,
    )
    eye = np.arange(2 * m)
    carry = [AffineLayer(SparseWeight.from_coo(eye, eye, [one] * (2 * m), (2 * m, 2 * m)), np.zeros(2 * m))
             for _ in range(extra - 1)]
    out = AffineLayer(
        SparseWeight.from_coo(np.concatenate([np.arange(m), np.arange(m)]), eye,
                              [one] * m + [-one] * m, (m, 2 * m)),
        np.zeros(m),
    )
    return [*layers[:-1], doubled, *carry, out]


def side_by_side(networks: Sequence[Any]) -> list[AffineLayer]:
    """Layers of one network computing every network's outputs, concatenated in order.

    The networks read the same input: their first layers are stacked, every later layer is
    block-diagonal, and a network shallower than the deepest is padded exactly
    (:func:`_padded_layers`: ``z = s(z) - s(-z)``, two units per output carried through
    identity layers). Widths add up; the result is exact when any part is exact
    (float64 entries become their exact dyadic values).

    >>> import numpy as np
    >>> from memnets import ReLUNetwork
    >>> a = ReLUNetwork([(np.array([[1.0, -1.0]]), np.array([0.5]))])
    >>> b = ReLUNetwork([(np.array([[2.0, 0.0]]), np.array([0.0])), (np.array([[-1.0]]), np.array([1.0]))])
    >>> x = np.array([[0.25, 1.0], [1.0, 0.0]])
    >>> ReLUNetwork(side_by_side([a, b])).forward(x).tolist()
    [[-0.25, 0.5], [1.5, -1.0]]
    """
    nets = list(networks)
    if not nets:
        raise ValueError("side_by_side needs at least one network")
    n_in = nets[0].n_inputs
    if any(net.n_inputs != n_in for net in nets):
        raise ValueError(f"networks read different input sizes: {[net.n_inputs for net in nets]}")
    exact = any(layer.is_exact for net in nets for layer in net.layers)
    depth = max(net.depth for net in nets)
    padded = [_padded_layers(list(net.layers), depth, exact) for net in nets]
    out: list[AffineLayer] = []
    for k in range(depth):
        parts = [layers[k] for layers in padded]
        rows, cols, vals, biases = [], [], [], []
        r0 = c0 = 0
        for layer in parts:
            r, c, v = _entries(layer)
            rows.append(r + r0)
            cols.append(c + (0 if k == 0 else c0))
            vals.append(v)
            biases.append(layer.bias)
            r0 += layer.out_features
            c0 += layer.in_features
        n_cols = n_in if k == 0 else c0
        if exact:
            v_all = np.empty(sum(v.size for v in vals), dtype=object)
            v_all[:] = [x for v in vals for x in v.tolist()]
            b_all = np.empty(r0, dtype=object)
            b_all[:] = [x for b in biases for x in b.tolist()]
        else:
            v_all = np.concatenate([np.asarray(v, dtype=np.float64) for v in vals])
            b_all = np.concatenate([np.asarray(b, dtype=np.float64) for b in biases])
        weight = SparseWeight.from_coo(np.concatenate(rows), np.concatenate(cols), v_all, (r0, n_cols))
        out.append(AffineLayer(weight, b_all))
    return out


# --------------------------------------------------------------------------- steps (M2)
# Owner: M2 (optimal memorization). Deep narrow exact networks are easiest to write as
# *affine expressions over the units of the current layer*: a :class:`Lin` is
# ``sum_j c_j u_j + c_0``; :class:`LayerBuilder.relu` turns a list of expressions into one
# exact layer (each non-constant expression becomes a unit ``s(expression)``) and returns
# the expressions ``u_k`` that stand for the new units. A non-negative quantity is carried
# through a layer by ``s(q) = q``; affine combinations of units (a step's ``u+ - u-``, an
# extracted digit) are never materialised, they are folded into the next layer's rows.
#
# The integer step. For an expression ``x`` whose values on the data are integers (or at
# least never strictly between ``theta - 1`` and ``theta``) and an integer ``theta``:
#
#   [x >= theta] = s(x - theta + 1) - s(x - theta)      (0 for x <= theta - 1, 1 for x >= theta)
#
# exactly: it is the two-unit step of ``step_rows`` with ramp width 1 centred at
# ``theta - 1/2``. Both units carry the denominator of ``x``; their difference is 0/1.
class Lin:
    """An exact affine expression ``sum_j terms[j] * u_j + const`` over the current units."""

    __slots__ = ("const", "terms")

    def __init__(self, terms: Mapping[int, Exact] | None = None, const: Exact = 0) -> None:
        self.terms: dict[int, Exact] = {j: c for j, c in (terms or {}).items() if c != 0}
        self.const: Exact = const

    @property
    def is_const(self) -> bool:
        return not self.terms

    def __add__(self, other: Lin | Exact) -> Lin:
        if not isinstance(other, Lin):
            return Lin(self.terms, self.const + other)
        terms = dict(self.terms)
        for j, c in other.terms.items():
            terms[j] = terms.get(j, 0) + c
        return Lin(terms, self.const + other.const)

    __radd__ = __add__

    def __neg__(self) -> Lin:
        return Lin({j: -c for j, c in self.terms.items()}, -self.const)

    def __sub__(self, other: Lin | Exact) -> Lin:
        return self + (-other)

    def __rsub__(self, other: Exact) -> Lin:
        return (-self) + other

    def __mul__(self, c: Exact) -> Lin:
        return Lin({j: c * v for j, v in self.terms.items()}, c * self.const)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"Lin({self.terms}, {self.const})"


class LayerBuilder:
    """Accumulate exact layers written with :class:`Lin` expressions.

    >>> b = LayerBuilder(1)
    >>> (x,) = b.inputs()
    >>> hi, lo = b.relu(step_preacts(x, 3))
    >>> b.output([hi - lo])
    >>> from memnets import ReLUNetwork
    >>> ReLUNetwork(b.layers).forward_exact([[2.0], [3.0], [7.0]]).tolist()
    [0, 1, 1]
    """

    def __init__(self, n_inputs: int) -> None:
        self.layers: list[AffineLayer] = []
        self._n = int(n_inputs)

    def inputs(self) -> list[Lin]:
        if self.layers:
            raise ValueError("inputs() refers to the network input, before any layer")
        return [Lin({j: 1}) for j in range(self._n)]

    def relu(self, exprs: Sequence[Lin]) -> list[Lin]:
        """Append ``s(W a + b)`` for the non-constant expressions; constants ``c`` pass as ``max(c, 0)``."""
        rows: list[dict[int, Exact]] = []
        bias: list[Exact] = []
        out: list[Lin] = []
        for e in exprs:
            if e.is_const:
                out.append(Lin(const=max(e.const, 0)))
                continue
            out.append(Lin({len(rows): 1}))
            rows.append(e.terms)
            bias.append(e.const)
        if not rows:
            raise ValueError("a hidden layer needs at least one non-constant unit")
        self.layers.append(exact_layer(rows, [_exact(Fraction(v)) for v in bias], self._n))
        self._n = len(rows)
        return out

    def output(self, exprs: Sequence[Lin]) -> None:
        """Append the final affine layer (no ReLU after it)."""
        rows = [e.terms for e in exprs]
        self.layers.append(exact_layer(rows, [_exact(Fraction(e.const)) for e in exprs], self._n))
        self._n = len(rows)


def step_preacts(x: Lin, theta: Exact | Lin) -> list[Lin]:
    """``[x - theta + 1, x - theta]``: after ReLU, their difference is ``[x >= theta]``.

    Exact for every value of ``x - theta`` outside the open interval ``(-1, 0)`` (in
    particular when both are integers); ``theta`` may itself be an expression.
    """
    return [x - theta + 1, x - theta]


# --------------------------------------------------------------------------- bit extraction (M2)
# Owner: M2. For an integer ``P`` with ``0 <= P < 2**(k + r)`` the digit of ``P`` in base
# ``2**r`` at position ``k`` (i.e. ``floor(P / 2**k)``) is
#
#   d = sum_{c=1}^{2**r - 1} [P >= c 2**k] = sum_c s(P - c 2**k + 1) - s(P - c 2**k)
#
# exactly (each bracket is the integer step above), and ``P - 2**k d < 2**k`` is the rest.
# ``r = 1`` gives ``b = s(P - 2**k + 1) - s(P - 2**k)``. Reading the top digit first and
# subtracting it, a packed integer is unpacked digit by digit with ``2 (2**r - 1)`` units
# per layer.
def digit_preacts(p: Lin, k: int, r: int = 1) -> list[Lin]:
    """The ``2 (2**r - 1)`` pre-activations whose ReLU pairs sum to the digit ``floor(P / 2**k)``.

    Valid for integer ``0 <= P < 2**(k + r)``; pair ``c`` (entries ``2c-2, 2c-1``) is
    ``[P >= c 2**k]``. Use :func:`digit_value` on the resulting units.
    """
    if r < 1 or k < 0:
        raise ValueError(f"need r >= 1 and k >= 0, got r={r}, k={k}")
    out: list[Lin] = []
    for c in range(1, 2**r):
        out.extend(step_preacts(p, c << k))
    return out


def digit_value(units: Sequence[Lin]) -> Lin:
    """``sum_c (u_{2c} - u_{2c+1})``: the digit from the units of :func:`digit_preacts`."""
    total = Lin()
    for hi, lo in zip(units[0::2], units[1::2], strict=True):
        total = total + hi - lo
    return total
