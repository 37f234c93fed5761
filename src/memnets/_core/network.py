"""The framework-free network object: a chain of affine layers with ReLU between them.

.. math::

    F(x) = W_L\\,\\sigma(W_{L-1} \\cdots \\sigma(W_1 x + b_1) \\cdots) + b_L,
    \\qquad \\sigma(t) = \\max(t, 0).

Entries are Python ``int``, :class:`fractions.Fraction` (kept in ``object`` arrays) or
``float64``. A float64 entry *is* an exact number (a dyadic rational), so every network has
one exact meaning, computed by :meth:`ReLUNetwork.forward_exact`; :meth:`ReLUNetwork.forward`
is its float64 approximation, and :meth:`ReLUNetwork.forward_certified` adds a rigorous
bound on the float error. Weights may be dense arrays or :class:`SparseWeight` (CSR) so that
the narrow, deep networks of the constructions are never densified.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from memnets._core.checks import check_X
from memnets._core.errors import ExactnessError, InputError
from memnets._core.linalg import exact_rank

__all__ = ["AffineLayer", "ReLUNetwork", "SparseWeight"]

Number = int | Fraction | float
UNIT_ROUNDOFF = 2.0**-53
_FLOAT_TARGET_ELEMENTS = 2**24  # activations kept per chunk in the float engine


def _exact_scalar(v: Any) -> int | Fraction:
    """Convert one entry to int or Fraction, exactly (floats become dyadic fractions)."""
    if isinstance(v, bool | np.bool_):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, Fraction):
        return v.numerator if v.denominator == 1 else v
    if isinstance(v, float | np.floating):
        f = float(v)
        if not math.isfinite(f):
            raise InputError(f"network entries must be finite, got {f}")
        q = Fraction(f)
        return q.numerator if q.denominator == 1 else q
    raise InputError(f"network entries must be int, Fraction or float, got {type(v).__name__}")


def _as_entries(a: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Return a float64 array, or an object array of int/Fraction, for layer entries."""
    arr = np.asarray(a)
    if arr.dtype == object:
        out = np.empty(arr.shape, dtype=object)
        flat_in, flat_out = arr.ravel(), out.ravel()
        for k, v in enumerate(flat_in):
            flat_out[k] = _exact_scalar(v)
        arr = out
    elif np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
        # Python ints for the range test: astype(int64) would wrap uint64 >= 2**63
        if arr.size and max(int(arr.max()), -int(arr.min())) < 2**53:
            arr = arr.astype(np.float64)
        else:
            arr = np.array([int(v) for v in arr.ravel()], dtype=object).reshape(arr.shape)
    elif np.issubdtype(arr.dtype, np.floating):
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        if not np.isfinite(arr).all():
            raise InputError("network entries must be finite")
    else:
        raise InputError(f"network entries must be numeric, got dtype {arr.dtype}")
    if shape is not None and arr.shape != shape:
        raise InputError(f"expected entries of shape {shape}, got {arr.shape}")
    return arr


class SparseWeight:
    """A CSR matrix whose data are float64 or exact (object array of int/Fraction).

    Parameters
    ----------
    shape : (out_features, in_features)
    indptr, indices : CSR structure (row ``i`` owns ``indices[indptr[i]:indptr[i+1]]``)
    data : entries, float64 or object
    """

    __slots__ = ("__dict__", "data", "indices", "indptr", "shape")

    def __init__(self, shape: tuple[int, int], indptr: Any, indices: Any, data: Any) -> None:
        self.shape = (int(shape[0]), int(shape[1]))
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int64)
        self.data = _as_entries(data)
        if self.indptr.shape != (self.shape[0] + 1,) or self.indptr[0] != 0:
            raise InputError(f"CSR indptr must have length {self.shape[0] + 1} and start at 0")
        if np.any(np.diff(self.indptr) < 0) or self.indptr[-1] != len(self.indices):
            raise InputError("CSR indptr must be non-decreasing and end at nnz")
        if self.data.shape != self.indices.shape:
            raise InputError("CSR data and indices must have the same length")
        if len(self.indices) and (self.indices.min() < 0 or self.indices.max() >= self.shape[1]):
            raise InputError(f"CSR column index out of range for {self.shape[1]} columns")

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[int, Number]], n_cols: int) -> SparseWeight:
        """Build from one ``{column: value}`` mapping per output row (zeros dropped)."""
        indptr = [0]
        indices: list[int] = []
        data: list[Any] = []
        for row in rows:
            for j in sorted(row):
                v = row[j]
                if v != 0:
                    indices.append(int(j))
                    data.append(v)
            indptr.append(len(indices))
        obj = np.empty(len(data), dtype=object)
        obj[:] = data
        return cls((len(rows), n_cols), indptr, indices, obj)

    @classmethod
    def from_coo(
        cls, rows: Any, cols: Any, vals: Any, shape: tuple[int, int]
    ) -> SparseWeight:
        """Build from coordinate triplets (duplicates are not allowed)."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vals = _as_entries(vals)
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        if len(rows) > 1 and np.any((np.diff(rows) == 0) & (np.diff(cols) == 0)):
            raise InputError("duplicate (row, column) entries in sparse weight")
        indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        np.add.at(indptr, rows + 1, 1)
        return cls(shape, np.cumsum(indptr), cols, vals)

    @classmethod
    def from_dense(cls, a: Any) -> SparseWeight:
        arr = _as_entries(a)
        if arr.ndim != 2:
            raise InputError(f"a weight matrix must be 2-D, got shape {arr.shape}")
        nz = np.nonzero(arr != 0)
        return cls.from_coo(nz[0], nz[1], arr[nz], arr.shape)

    @property
    def nnz(self) -> int:
        return len(self.indices)

    @property
    def is_exact(self) -> bool:
        return self.data.dtype == object

    def toarray(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=self.data.dtype)
        if self.data.dtype == object:
            out[...] = 0
        out[self.entry_rows(), self.indices] = self.data
        return out

    @cached_property
    def scipy(self) -> sp.csr_array:
        """float64 scipy CSR copy (entries rounded to nearest if exact)."""
        data = self.data if self.data.dtype != object else _to_float(self.data)
        return sp.csr_array((data, self.indices, self.indptr), shape=self.shape)

    @cached_property
    def abs_scipy(self) -> sp.csr_array:
        m = self.scipy.copy()
        m.data = np.abs(m.data)
        return m

    def row_nnz(self) -> np.ndarray:
        return np.diff(self.indptr)

    def entry_rows(self) -> np.ndarray:
        """The row of every stored entry (aligned with ``indices`` and ``data``)."""
        return np.repeat(np.arange(self.shape[0]), self.row_nnz())

    def __repr__(self) -> str:
        kind = "exact" if self.is_exact else "float64"
        return f"SparseWeight(shape={self.shape}, nnz={self.nnz}, {kind})"


def _to_float(a: np.ndarray) -> np.ndarray:
    """Round exact entries to float64 (nearest); raises nothing, may give inf."""
    if a.dtype != object:
        return np.asarray(a, dtype=np.float64)
    out = np.empty(a.shape, dtype=np.float64)
    flat_in, flat_out = a.ravel(), out.ravel()
    for k, v in enumerate(flat_in):
        try:
            flat_out[k] = float(v)
        except OverflowError:  # |v| >= 2**1024 (copysign would overflow converting v too)
            flat_out[k] = math.inf if v > 0 else -math.inf
    return out


Weight = np.ndarray | SparseWeight


class AffineLayer:
    """One affine map ``x -> W x + b``; ``W`` has shape (out_features, in_features)."""

    __slots__ = ("__dict__", "bias", "weight")

    def __init__(self, weight: Any, bias: Any) -> None:
        if isinstance(weight, SparseWeight):
            self.weight: Weight = weight
        elif sp.issparse(weight):
            csr = sp.csr_array(weight)
            self.weight = SparseWeight(csr.shape, csr.indptr, csr.indices, csr.data)
        else:
            w = _as_entries(weight)
            if w.ndim != 2:
                raise InputError(f"a weight matrix must be 2-D, got shape {w.shape}")
            self.weight = w
        b = _as_entries(bias)
        if b.ndim != 1 or b.shape[0] != self.weight.shape[0]:
            raise InputError(
                f"bias must have shape ({self.weight.shape[0]},) to match weight "
                f"{self.weight.shape}, got {b.shape}"
            )
        self.bias = b

    @property
    def in_features(self) -> int:
        return int(self.weight.shape[1])

    @property
    def out_features(self) -> int:
        return int(self.weight.shape[0])

    @property
    def is_sparse(self) -> bool:
        return isinstance(self.weight, SparseWeight)

    @property
    def is_exact(self) -> bool:
        """True when some entry is stored exactly (int/Fraction), not as float64."""
        w_exact = self.weight.is_exact if isinstance(self.weight, SparseWeight) else self.weight.dtype == object
        return bool(w_exact or self.bias.dtype == object)

    def weight_values(self) -> np.ndarray:
        """The stored (structurally non-zero for sparse) weight entries, flat."""
        return self.weight.data if isinstance(self.weight, SparseWeight) else self.weight.ravel()

    def num_params(self, nonzero: bool = False) -> int:
        if not nonzero:
            return self.out_features * self.in_features + self.out_features
        w = self.weight_values()
        return int(np.count_nonzero(w != 0)) + int(np.count_nonzero(self.bias != 0))

    def dense_weight(self) -> np.ndarray:
        return self.weight.toarray() if isinstance(self.weight, SparseWeight) else self.weight

    @cached_property
    def float_weight(self) -> np.ndarray | sp.csr_array:
        if isinstance(self.weight, SparseWeight):
            return self.weight.scipy
        return _to_float(self.weight)

    @cached_property
    def float_bias(self) -> np.ndarray:
        return _to_float(self.bias)

    @cached_property
    def abs_float_weight(self) -> np.ndarray | sp.csr_array:
        if isinstance(self.weight, SparseWeight):
            return self.weight.abs_scipy
        return np.abs(self.float_weight)

    @cached_property
    def max_row_terms(self) -> int:
        """Largest number of non-zero terms in one output's sum (the ``k`` of gamma_k)."""
        if isinstance(self.weight, SparseWeight):
            return int(self.weight.row_nnz().max(initial=0))
        return self.in_features

    def apply_float(self, a: np.ndarray) -> np.ndarray:
        """``a @ W.T + b`` for a batch ``a`` of shape (B, in_features), float64."""
        w = self.float_weight
        out = np.asarray((w @ a.T).T) if isinstance(w, sp.csr_array) else a @ w.T
        out += self.float_bias
        return out

    def apply_abs_float(self, a: np.ndarray, *, bias: bool = True) -> np.ndarray:
        """``a @ |W|.T + |b|`` (used by the float error bound); ``bias=False`` omits ``|b|``."""
        w = self.abs_float_weight
        out = np.asarray((w @ a.T).T) if isinstance(w, sp.csr_array) else a @ w.T
        if bias:
            out += np.abs(self.float_bias)
        return out

    def __repr__(self) -> str:
        kind = "sparse" if self.is_sparse else "dense"
        num = "exact" if self.is_exact else "float64"
        return f"AffineLayer({self.in_features} -> {self.out_features}, {kind}, {num})"


def _entry_bits(values: np.ndarray) -> int:
    """Bits of the widest entry written as a reduced fraction p/q: max(bitlen p, bitlen q)."""
    if values.size == 0:
        return 0
    if values.dtype != object:
        v = values[values != 0]
        if v.size == 0:
            return 0
        mant, ex = np.frexp(np.abs(v))
        m = (mant * 2.0**53).astype(np.int64)
        tz = _trailing_zeros(m)
        m_bits = 53 - tz
        e = ex.astype(np.int64) - 53 + tz  # v = odd * 2**e
        bits = np.where(e >= 0, m_bits + e, np.maximum(m_bits, 1 - e))
        return int(bits.max())
    best = 0
    for v in values:
        if isinstance(v, Fraction):
            best = max(best, abs(v.numerator).bit_length(), v.denominator.bit_length())
        else:
            best = max(best, abs(int(v)).bit_length())
    return best


def _trailing_zeros(m: np.ndarray) -> np.ndarray:
    """Number of trailing zero bits of each positive int64."""
    low = m & -m
    return np.log2(low.astype(np.float64)).astype(np.int64)


def _float_significand_bits(values: np.ndarray) -> int:
    """Largest number of significand bits (odd part of the mantissa) among float64 entries."""
    v = values[values != 0]
    if v.size == 0:
        return 0
    m = (np.frexp(np.abs(v))[0] * 2.0**53).astype(np.int64)
    return int((53 - _trailing_zeros(m)).max())


def _significand_bits(v: int | Fraction) -> int | None:
    """Bits float64 would need for ``v`` exactly (odd part of a dyadic), None if not dyadic."""
    if isinstance(v, Fraction):
        d = v.denominator
        if d & (d - 1):
            return None
        n = abs(v.numerator)
    else:
        n = abs(int(v))
    if n == 0:
        return 0
    n >>= (n & -n).bit_length() - 1
    return n.bit_length()


def _float_exponent_ok(v: int | Fraction) -> bool:
    """For a dyadic ``v`` with <= 53 significand bits: is it inside float64's range?

    Below 2**-1022 the significand shrinks (subnormals), so the test is on the lowest set
    bit (denominator <= 2**1074), not on the magnitude.
    """
    if v == 0:
        return True
    a = abs(Fraction(v))
    return a.denominator <= 2**1074 and a < 2**1024


class ReLUNetwork:
    """A ReLU network: affine layers with ReLU after every layer but the last.

    Parameters
    ----------
    layers : sequence of :class:`AffineLayer` (or ``(weight, bias)`` pairs); shapes must
        chain: ``layers[k].in_features == layers[k-1].out_features``.

    Examples
    --------
    ``|x| = relu(x) + relu(-x)``, exactly:

    >>> import numpy as np
    >>> from fractions import Fraction
    >>> net = ReLUNetwork([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])
    >>> net.forward(np.array([[0.25], [0.5]])).tolist()
    [0.25, 0.5]
    >>> net.depth, net.width, net.num_params()
    (2, 2, 7)
    """

    def __init__(self, layers: Iterable[AffineLayer | tuple[Any, Any]]) -> None:
        built: list[AffineLayer] = []
        for k, layer in enumerate(layers):
            if not isinstance(layer, AffineLayer):
                try:
                    w, b = layer
                except (TypeError, ValueError) as exc:
                    raise InputError(f"layer {k} must be an AffineLayer or a (weight, bias) pair") from exc
                layer = AffineLayer(w, b)
            if built and layer.in_features != built[-1].out_features:
                raise InputError(
                    f"layer {k} takes {layer.in_features} inputs but layer {k - 1} "
                    f"produces {built[-1].out_features}"
                )
            built.append(layer)
        if not built:
            raise InputError("a network needs at least one layer")
        self.layers: tuple[AffineLayer, ...] = tuple(built)

    # ------------------------------------------------------------------ structure
    @property
    def n_inputs(self) -> int:
        return self.layers[0].in_features

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].out_features

    @property
    def depth(self) -> int:
        """Number of affine layers."""
        return len(self.layers)

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        return tuple(layer.out_features for layer in self.layers[:-1])

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        return (self.n_inputs, *self.hidden_sizes, self.n_outputs)

    @property
    def width(self) -> int:
        """Largest hidden layer (0 for a purely affine network)."""
        return max(self.hidden_sizes, default=0)

    def num_params(self, nonzero: bool = False) -> int:
        """Number of weights and biases: dense count, or only the non-zero ones."""
        return sum(layer.num_params(nonzero) for layer in self.layers)

    @cached_property
    def rank_first_layer(self) -> int:
        """Rank of W_1 (exact Gaussian elimination over the rationals for exact layers).

        A first layer whose rows each have at most one non-zero entry (staircases, coordinate
        reads) has rank equal to the number of distinct columns it reads, exactly and fast.
        """
        layer = self.layers[0]
        single = _single_entry_rank(layer.weight)
        if single is not None:
            return single
        if not layer.is_exact:
            w = layer.float_weight
            if isinstance(w, sp.csr_array):
                if w.shape[0] * w.shape[1] > 50_000_000:
                    w = _gram_for_rank(w)
                else:
                    w = w.toarray()
            return int(np.linalg.matrix_rank(w)) if min(w.shape) else 0
        return exact_rank(layer.dense_weight())

    @property
    def bottleneck(self) -> int:
        """min(n_inputs, every hidden size, rank W_1): the narrowest point information crosses."""
        return min(self.n_inputs, *self.hidden_sizes, self.rank_first_layer)

    @cached_property
    def max_weight_bits(self) -> int:
        """Bits of the widest entry written as a reduced fraction p/q (max of bitlen p, q)."""
        return max(
            max(_entry_bits(layer.weight_values()), _entry_bits(layer.bias)) for layer in self.layers
        )

    # ------------------------------------------------------------------ float exactness
    @cached_property
    def float64_bits_needed(self) -> int | None:
        """Significand bits needed to store every entry exactly; None if some entry is not dyadic.

        Entries stored as float64 need at most 53. An exact entry ``p / 2**k`` needs the bit
        length of the odd part of ``p``; any other denominator cannot be stored in binary.
        Returns ``10**9`` when an entry is outside float64's exponent range.
        """
        need = 0
        for layer in self.layers:
            for arr in (layer.weight_values(), layer.bias):
                if arr.dtype != object:
                    need = max(need, _float_significand_bits(arr))
                    continue
                for v in arr:
                    bits = _significand_bits(v)
                    if bits is None:
                        return None
                    if not _float_exponent_ok(v):
                        return 10**9
                    need = max(need, bits)
        return need

    @property
    def float64_representable(self) -> bool:
        bits = self.float64_bits_needed
        return bits is not None and bits <= 53

    def check_float64_representable(self, target: str = "float64") -> None:
        """Raise :class:`ExactnessError` (naming the bits needed) if some entry is not a float64."""
        bits = self.float64_bits_needed
        if bits is None:
            raise ExactnessError(
                f"cannot export to {target}: some weight is a fraction whose denominator is not "
                "a power of two, so no binary floating-point format stores it exactly"
            )
        if bits > 53:
            what = "exceed float64's exponent range" if bits >= 10**9 else f"need {bits} significand bits"
            raise ExactnessError(
                f"cannot export to {target}: the weights {what} (max_weight_bits="
                f"{self.max_weight_bits}); float64 stores 53 significand bits. Evaluate with "
                "forward_exact() instead."
            )

    # ------------------------------------------------------------------ engines
    def _check_inputs(self, X: Any) -> tuple[np.ndarray, bool]:
        arr = np.asarray(X)
        single = arr.ndim == 1
        if single:
            arr = arr.reshape(1, -1)
        return check_X(arr, n_features=self.n_inputs, unit_interval=False), single

    def _chunk(self, n: int, chunk_size: int | None) -> int:
        if chunk_size is not None:
            if chunk_size < 1:
                raise InputError(f"chunk_size must be positive, got {chunk_size}")
            return chunk_size
        widest = max(self.layer_sizes)
        return max(1, min(n, _FLOAT_TARGET_ELEMENTS // max(widest, 1)))

    def forward(self, X: Any, *, chunk_size: int | None = None) -> np.ndarray:
        """float64 outputs, shape (N,) for one output unit or (N, C); chunked over samples."""
        Xa, _ = self._check_inputs(X)
        out = np.empty((Xa.shape[0], self.n_outputs))
        step = self._chunk(Xa.shape[0], chunk_size)
        last = len(self.layers) - 1
        for s in range(0, Xa.shape[0], step):
            a = Xa[s : s + step]
            for k, layer in enumerate(self.layers):
                a = layer.apply_float(a)
                if k < last:
                    np.maximum(a, 0.0, out=a)
            out[s : s + step] = a
        return out[:, 0] if self.n_outputs == 1 else out

    def forward_certified(
        self, X: Any, *, chunk_size: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """float64 outputs with a rigorous bound ``err`` such that ``|F_exact - F_float| <= err``.

        Per layer, with ``u = 2**-53`` and ``k`` the largest number of terms of one output,
        a float sum satisfies ``|fl(Wa+b) - (Wa+b)| <= gamma_{k+2} (|W||a| + |b|)`` with
        ``gamma_m = m u / (1 - m u)`` for any summation order (FMA included); the extra two
        terms cover rounding of exact entries to float64. Errors already in ``a`` pass
        through ``|W|`` (ReLU is 1-Lipschitz). A tiny absolute term covers underflow.
        Returns ``(values, err)`` with the shapes of :meth:`forward`; ``err`` is ``inf`` where
        the float evaluation overflowed (weights beyond float64's range give inf/NaN values).
        """
        Xa, _ = self._check_inputs(X)
        out = np.empty((Xa.shape[0], self.n_outputs))
        err_out = np.empty_like(out)
        step = self._chunk(Xa.shape[0], chunk_size)
        last = len(self.layers) - 1
        with np.errstate(over="ignore", invalid="ignore"):
            self._certified_chunks(Xa, out, err_out, step, last)
        err_out[~(np.isfinite(out) & np.isfinite(err_out))] = np.inf
        if self.n_outputs == 1:
            return out[:, 0], err_out[:, 0]
        return out, err_out

    def _certified_chunks(
        self, Xa: np.ndarray, out: np.ndarray, err_out: np.ndarray, step: int, last: int
    ) -> None:
        for s in range(0, Xa.shape[0], step):
            a = Xa[s : s + step]
            err = np.zeros_like(a)
            for k, layer in enumerate(self.layers):
                m = layer.max_row_terms + 2
                gamma = m * UNIT_ROUNDOFF / (1 - m * UNIT_ROUNDOFF)
                mag = layer.apply_abs_float(np.abs(a))
                # |W| err without the bias: adding then subtracting |b| would cancel err away
                prop = layer.apply_abs_float(err, bias=False) if err.any() else 0.0
                a = layer.apply_float(a)
                # the bound itself is computed in float: inflate by (1 + 4(k+2)u) and add eta
                err = (gamma * mag + prop) * (1.0 + 4.0 * m * UNIT_ROUNDOFF) + m * 2.0**-1070
                if k < last:
                    np.maximum(a, 0.0, out=a)
            out[s : s + step] = a
            err_out[s : s + step] = err

    def forward_exact(self, X: Any, *, chunk_size: int | None = None) -> np.ndarray:
        """Exact outputs (object array of int/Fraction), float inputs read as exact binary fractions.

        Shape (N,) for one output unit, else (N, C). See :mod:`memnets._core.exact`.
        """
        from memnets._core.exact import forward_exact

        return forward_exact(self, X, chunk_size=chunk_size)

    # ------------------------------------------------------------------ exporters
    def to_torch(self, dtype: Any = None) -> Any:
        """A ``torch.nn.Sequential`` of Linear/ReLU computing the same function (float64).

        Raises :class:`ExactnessError` naming the bits needed when an entry is not a float64.
        """
        from memnets._core.export import to_torch

        return to_torch(self, dtype=dtype)

    def to_onnx(self, path: Any) -> None:
        """Write an ONNX model (float64) computing this network; same refusal as ``to_torch``."""
        from memnets._core.export import to_onnx

        to_onnx(self, path)

    # ------------------------------------------------------------------ misc
    def summary(self) -> dict[str, Any]:
        """The structural statistics reported for every construction."""
        return {
            "params": self.num_params(),
            "params_nonzero": self.num_params(nonzero=True),
            "width": self.width,
            "depth": self.depth,
            "bottleneck": self.bottleneck,
            "max_weight_bits": self.max_weight_bits,
            "n_inputs": self.n_inputs,
            "n_outputs": self.n_outputs,
        }

    def __repr__(self) -> str:
        sizes = self.layer_sizes
        shown = " -> ".join(map(str, sizes)) if len(sizes) <= 8 else (
            " -> ".join(map(str, sizes[:4])) + f" -> ... ({len(sizes) - 6} more) -> "
            + " -> ".join(map(str, sizes[-2:]))
        )
        return f"ReLUNetwork({shown}; depth={self.depth}, width={self.width}, params={self.num_params()})"


def _single_entry_rank(w: Weight) -> int | None:
    """Rank of a matrix whose rows hold at most one non-zero each, else None."""
    if isinstance(w, SparseWeight):
        nz = w.data != 0
        rows = w.entry_rows()[nz]
        if np.bincount(rows, minlength=w.shape[0]).max(initial=0) > 1:
            return None
        return int(np.unique(w.indices[nz]).size)
    mask = w != 0
    if mask.sum(axis=1).max(initial=0) > 1:
        return None
    return int(mask.any(axis=0).sum())


def _gram_for_rank(w: sp.csr_array) -> np.ndarray:
    """W^T W for a tall sparse W: same rank, n x n (float; fine for a structural report)."""
    return np.asarray((w.T @ w).toarray())
