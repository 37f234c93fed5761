"""Exact layer-by-layer construction with symbolic linear forms (:class:`Lin`), ReLU steps
and bit extraction: the gadgets of ``optimal`` (Theorem 4.1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from memnets._blocks.affine import Exact, exact_layer, exact_value
from memnets._core.network import AffineLayer


# --------------------------------------------------------------------------- steps (optimal)
# Owner: optimal (optimal-parameter memorization). Deep narrow exact networks are easiest to write as
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
        self.layers.append(exact_layer(rows, [exact_value(Fraction(v)) for v in bias], self._n))
        self._n = len(rows)
        return out

    def output(self, exprs: Sequence[Lin]) -> None:
        """Append the final affine layer (no ReLU after it)."""
        rows = [e.terms for e in exprs]
        self.layers.append(exact_layer(rows, [exact_value(Fraction(e.const)) for e in exprs], self._n))
        self._n = len(rows)


def step_preacts(x: Lin, theta: Exact | Lin) -> list[Lin]:
    """``[x - theta + 1, x - theta]``: after ReLU, their difference is ``[x >= theta]``.

    Exact for every value of ``x - theta`` outside the open interval ``(-1, 0)`` (in
    particular when both are integers); ``theta`` may itself be an expression.
    """
    return [x - theta + 1, x - theta]


def load_by_steps(
    b: LayerBuilder,
    x: Lin,
    starts: Sequence[Exact],
    registers: Sequence[Sequence[Exact]],
    q: int = 1,
) -> tuple[Lin, list[Lin]]:
    """Select the block of an integer input and load its constants, ``q`` steps per layer.

    Blocks ``j = 0 .. J - 1`` cover ``starts[j] <= x < starts[j + 1]`` (``starts`` increasing
    integers; ``starts[0]`` is never tested, every ``x`` at or above it belongs to block 0 or
    later). Register ``r`` holds ``registers[r][j]`` on block ``j``:

    .. math::  R_r(x) = R_{r,0} + \\sum_{j \\ge 1} (R_{r,j} - R_{r,j-1})\\,[x \\ge S_j],

    each bracket the exact integer step (:func:`step_preacts`), so ``R_r`` is exact for every
    integer ``x`` (Park et al.'s and Vardi et al.'s "map the input to its group's value",
    with unit ramps). Layers: ``ceil((J - 1) / q)``; the first has ``1 + 2q`` units (the
    registers are still constants), the others ``1 + len(registers) + 2q`` (``x`` and every
    register carried; registers must be non-negative), except that a register equal on
    blocks ``0 .. j - 1`` stays a constant, with no unit, up to the layer that takes step
    ``j``. Returns ``x`` carried and the register expressions (affine in the last layer's
    units).

    >>> b = LayerBuilder(1)
    >>> (x,) = b.inputs()
    >>> x, (r,) = load_by_steps(b, x, [0, 3, 5], [[10, 20, 7]])
    >>> b.output([r])
    >>> from memnets import ReLUNetwork
    >>> ReLUNetwork(b.layers).forward_exact([[0.0], [2.0], [3.0], [4.0], [5.0], [9.0]]).tolist()
    [10, 10, 20, 20, 7, 7]
    """
    if q < 1:
        raise ValueError(f"need q >= 1 steps per layer, got {q}")
    J = len(starts)
    if any(len(v) != J for v in registers):
        raise ValueError(f"every register needs {J} values, one per block")
    regs = [Lin(const=v[0]) for v in registers]
    todo = list(range(1, J))
    for g in range(0, len(todo), q):
        group = todo[g : g + q]
        carried = [x, *regs]
        units = b.relu(carried + [e for j in group for e in step_preacts(x, starts[j])])
        x, regs = units[0], units[1 : len(carried)]
        for k, j in enumerate(group):
            ind = units[len(carried) + 2 * k] - units[len(carried) + 1 + 2 * k]
            regs = [R + ind * (v[j] - v[j - 1]) for R, v in zip(regs, registers, strict=True)]
    return x, regs


def gate_preact(value: Lin, bit: Lin, bound: Exact) -> Lin:
    """``value - bound (1 - bit)``: after ReLU it is ``value * bit``, exactly, whenever
    ``bit`` is 0 or 1 and ``0 <= value <= bound`` (a product of a bounded value and a bit
    as one unit: Vardi et al.'s "output the label if the point matched").

    >>> b = LayerBuilder(2)
    >>> v, t = b.inputs()
    >>> (u,) = b.relu([gate_preact(v, t, 5)])
    >>> b.output([u])
    >>> from memnets import ReLUNetwork
    >>> ReLUNetwork(b.layers).forward_exact([[3.0, 1.0], [3.0, 0.0], [5.0, 1.0], [0.0, 1.0]]).tolist()
    [3, 0, 5, 0]
    """
    return value - (1 - bit) * bound


# --------------------------------------------------------------------------- bit extraction (optimal)
# Owner: optimal. For an integer ``P`` with ``0 <= P < 2**(k + r)`` the digit of ``P`` in base
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
