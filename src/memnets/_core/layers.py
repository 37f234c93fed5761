"""Layers of a :class:`~memnets.ReLUNetwork`: exact or float64 entries, dense or sparse.

Entries are Python ``int``, :class:`fractions.Fraction` (kept in ``object`` arrays) or
``float64`` (a float64 entry *is* an exact dyadic rational). :class:`SparseWeight` stores a
CSR matrix whose entries may be exact, so the narrow, deep networks of the constructions are
never densified; :class:`AffineLayer` is one map ``x -> W x + b`` with cached float64 views
for the float engines. The bit-size helpers at the end answer "does this entry fit
float64?" for the exactness checks of exporters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from functools import cached_property
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp

from memnets._core.deprecated import warn_renamed
from memnets._core.errors import InputError
from memnets._core.rounding import dyadic_parts

__all__ = ["AffineLayer", "LayerStack", "Number", "SparseWeight", "Weight", "entry_bits"]

Number = int | Fraction | float


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
    shape
        (n_outputs, n_inputs)
    indptr, indices
        CSR structure (row ``i`` owns ``indices[indptr[i]:indptr[i+1]]``); kept as int32
        when given as int32 (half the memory: large constructions store them so), else int64
    data
        entries, float64 or object
    """

    __slots__ = ("__dict__", "data", "indices", "indptr", "shape")

    def __init__(self, shape: tuple[int, int], indptr: Any, indices: Any, data: Any) -> None:
        self.shape = (int(shape[0]), int(shape[1]))
        self.indptr = _index_array(indptr)
        self.indices = _index_array(indices)
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
    def _prechecked(cls, shape: tuple[int, int], indptr: np.ndarray, indices: np.ndarray,
                    data: np.ndarray) -> SparseWeight:
        """A weight from CSR arrays a construction built valid (int32/int64 indices in range,
        rows non-decreasing, finite float64 data): only the ``O(rows)`` checks, not the
        ``O(nnz)`` scans of ``__init__`` (about a second for a CIFAR pair's 108 M entries)."""
        self = cls.__new__(cls)
        self.shape = (int(shape[0]), int(shape[1]))
        self.indptr, self.indices = _index_array(indptr), _index_array(indices)
        self.data = np.ascontiguousarray(data)
        if (self.data.dtype != np.float64 or self.indptr.shape != (self.shape[0] + 1,) or self.indptr[0] != 0
                or self.indptr[-1] != len(self.indices) or self.data.shape != self.indices.shape):
            raise InputError("SparseWeight._prechecked: inconsistent CSR arrays")
        return self

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
        """Build from coordinate triplets (duplicates and rows out of range are refused)."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vals = _as_entries(vals)
        if not (rows.ndim == cols.ndim == vals.ndim == 1 and len(rows) == len(cols) == len(vals)):
            raise InputError(f"COO rows, cols and vals must be 1-D of one length, got shapes "
                             f"{rows.shape}, {cols.shape} and {vals.shape}")
        # checked here: a negative row would count in another row's slot of indptr below
        if len(rows) and (rows.min() < 0 or rows.max() >= shape[0]):
            raise InputError(f"COO row index out of range for {shape[0]} rows")
        order = np.lexsort((cols, rows))
        rows, cols, vals = rows[order], cols[order], vals[order]
        if len(rows) > 1 and np.any((np.diff(rows) == 0) & (np.diff(cols) == 0)):
            raise InputError("duplicate (row, column) entries in sparse weight")
        indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        np.add.at(indptr, rows + 1, 1)
        return cls(shape, np.cumsum(indptr), cols, vals)

    @classmethod
    def from_dense(cls, a: Any) -> SparseWeight:
        """A sparse copy of the dense 2-D array ``a`` (its non-zero entries; exact entries stay exact)."""
        arr = _as_entries(a)
        if arr.ndim != 2:
            raise InputError(f"a weight matrix must be 2-D, got shape {arr.shape}")
        nz = np.nonzero(arr != 0)
        return cls.from_coo(nz[0], nz[1], arr[nz], arr.shape)

    @property
    def nnz(self) -> int:
        """Number of stored (structurally non-zero) entries."""
        return len(self.indices)

    @property
    def is_exact(self) -> bool:
        """True when the entries are stored exactly (int/Fraction objects), not as float64."""
        return self.data.dtype == object

    def toarray(self) -> np.ndarray:
        """The dense 2-D array (object dtype when the entries are exact)."""
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
        """Entry-wise absolute value of :attr:`scipy` (for rounding-error bounds)."""
        m = self.scipy.copy()
        m.data = np.abs(m.data)
        return m

    def row_nnz(self) -> np.ndarray:
        """Number of stored entries in each row, shape ``(rows,)``."""
        return np.diff(self.indptr)

    def entry_rows(self) -> np.ndarray:
        """The row of every stored entry (aligned with ``indices`` and ``data``)."""
        return np.repeat(np.arange(self.shape[0]), self.row_nnz())

    def __repr__(self) -> str:
        kind = "exact" if self.is_exact else "float64"
        return f"SparseWeight(shape={self.shape}, nnz={self.nnz}, {kind})"


def _index_array(a: Any) -> np.ndarray:
    """A CSR index array: int32 stays int32, anything else becomes int64 (contiguous)."""
    arr = np.asarray(a)
    return np.ascontiguousarray(arr, dtype=np.int32 if arr.dtype == np.int32 else np.int64)


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
    """One affine map ``x -> W x + b``; ``W`` has shape (n_outputs, n_inputs)."""

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
    def n_inputs(self) -> int:
        """Inputs of the map (columns of ``W``), as :attr:`memnets.ReLUNetwork.n_inputs`."""
        return int(self.weight.shape[1])

    @property
    def n_outputs(self) -> int:
        """Outputs of the map (rows of ``W``), as :attr:`memnets.ReLUNetwork.n_outputs`."""
        return int(self.weight.shape[0])

    @property
    def in_features(self) -> int:
        """Deprecated earlier name of :attr:`n_inputs` (removed in the next release)."""
        warn_renamed("AffineLayer.in_features", "AffineLayer.n_inputs")
        return self.n_inputs

    @property
    def out_features(self) -> int:
        """Deprecated earlier name of :attr:`n_outputs` (removed in the next release)."""
        warn_renamed("AffineLayer.out_features", "AffineLayer.n_outputs")
        return self.n_outputs

    @property
    def is_sparse(self) -> bool:
        """True when the weight is a :class:`~memnets.SparseWeight`."""
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
        """Weights and biases counted densely (``out * in + out``), or only the non-zero ones (``nonzero=True``)."""
        if not nonzero:
            return self.n_outputs * self.n_inputs + self.n_outputs
        w = self.weight_values()
        return int(np.count_nonzero(w != 0)) + int(np.count_nonzero(self.bias != 0))

    def dense_weight(self) -> np.ndarray:
        """The weight as a dense 2-D array."""
        return self.weight.toarray() if isinstance(self.weight, SparseWeight) else self.weight

    @cached_property
    def float_weight(self) -> np.ndarray | sp.csr_array:
        """The weight rounded to float64 (dense array, or scipy CSR when sparse); cached."""
        if isinstance(self.weight, SparseWeight):
            return self.weight.scipy
        return _to_float(self.weight)

    @cached_property
    def float_bias(self) -> np.ndarray:
        """The bias rounded to float64; cached."""
        return _to_float(self.bias)

    @cached_property
    def abs_float_weight(self) -> np.ndarray | sp.csr_array:
        """Entry-wise absolute value of :attr:`float_weight` (for rounding-error bounds); cached."""
        if isinstance(self.weight, SparseWeight):
            return self.weight.abs_scipy
        return np.abs(self.float_weight)

    @cached_property
    def max_row_terms(self) -> int:
        """Largest number of non-zero terms in one output's sum (the ``k`` of gamma_k)."""
        if isinstance(self.weight, SparseWeight):
            return int(self.weight.row_nnz().max(initial=0))
        return self.n_inputs

    def apply_float(self, a: np.ndarray) -> np.ndarray:
        """``a @ W.T + b`` for a batch ``a`` of shape (B, n_inputs), float64."""
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
        return f"AffineLayer({self.n_inputs} -> {self.n_outputs}, {kind}, {num})"


def entry_bits(values: np.ndarray) -> int:
    """Bits of the widest entry written as a reduced fraction p/q: max(bitlen p, bitlen q)."""
    if values.size == 0:
        return 0
    if values.dtype != object:
        return _float_entry_bits(np.asarray(values, dtype=np.float64))
    best = 0
    for v in values:
        if isinstance(v, Fraction):
            best = max(best, abs(v.numerator).bit_length(), v.denominator.bit_length())
        else:
            best = max(best, abs(int(v)).bit_length())
    return best




def _float_entry_bits(values: np.ndarray, chunk: int = 1 << 20) -> int:
    """:func:`entry_bits` of float64 entries, from their bit patterns, in chunks.

    With ``|v| = odd * 2**e`` (:func:`memnets._core.rounding.dyadic_parts`):
    ``bitlen(odd) + e`` bits if ``e >= 0``, else ``max(bitlen(odd), 1 - e)``.
    """
    best = 0
    for odd, e in dyadic_parts(values, chunk):
        blen = np.frexp(odd.astype(np.float64))[1].astype(np.int64)  # exact: odd < 2**53
        bits = np.where(e >= 0, blen + e, np.maximum(blen, 1 - e))
        best = max(best, int(bits.max()))
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


class LayerStack(Protocol):
    """What the exact evaluator (:mod:`memnets._core.exact`) and the exporters
    (:mod:`memnets._core.export`) read from a network: its affine layers (ReLU between
    consecutive ones), its input and output sizes and its float64 exactness.

    :class:`~memnets.ReLUNetwork` is the implementation; the protocol lives in this lower
    module so that the evaluator and the exporters never import the network module that
    calls them (no import cycle in the core).
    """

    @property
    def layers(self) -> tuple[AffineLayer, ...]: ...

    @property
    def n_inputs(self) -> int: ...

    @property
    def n_outputs(self) -> int: ...

    @property
    def float64_bits_needed(self) -> int | None: ...

    def check_float64_representable(self, target: str = "float64") -> None: ...
