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

from collections.abc import Iterable
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from memnets._core.checks import check_scalar, check_X
from memnets._core.errors import ExactnessError, InputError
from memnets._core.exact import forward_exact
from memnets._core.export import to_onnx, to_torch, torch_layers
from memnets._core.layers import (
    AffineLayer,
    SparseWeight,
    Weight,
    _float_exponent_ok,
    _float_significand_bits,
    _significand_bits,
    entry_bits,
)
from memnets._core.linalg import exact_rank
from memnets._core.rounding import U64, gamma

__all__ = ["AffineLayer", "ReLUNetwork", "SparseWeight"]

_FLOAT_TARGET_ELEMENTS = 2**24  # activations kept per chunk in the float engine


class ReLUNetwork:
    """A ReLU network: affine layers with ReLU after every layer but the last.

    Parameters
    ----------
    layers
        sequence of :class:`AffineLayer` (or ``(weight, bias)`` pairs); shapes must
        chain: ``layers[k].n_inputs == layers[k-1].n_outputs``.

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
            if built and layer.n_inputs != built[-1].n_outputs:
                raise InputError(
                    f"layer {k} takes {layer.n_inputs} inputs but layer {k - 1} "
                    f"produces {built[-1].n_outputs}"
                )
            built.append(layer)
        if not built:
            raise InputError("a network needs at least one layer")
        self.layers: tuple[AffineLayer, ...] = tuple(built)

    # ------------------------------------------------------------------ structure
    @property
    def n_inputs(self) -> int:
        """Input dimension n."""
        return self.layers[0].n_inputs

    @property
    def n_outputs(self) -> int:
        """Output dimension: 1 for a binary network, C for C class scores."""
        return self.layers[-1].n_outputs

    @property
    def depth(self) -> int:
        """Number of affine layers."""
        return len(self.layers)

    @property
    def hidden_sizes(self) -> tuple[int, ...]:
        """Sizes of the hidden layers, in order."""
        return tuple(layer.n_outputs for layer in self.layers[:-1])

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """``(n_inputs, *hidden_sizes, n_outputs)``."""
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
            max(entry_bits(layer.weight_values()), entry_bits(layer.bias)) for layer in self.layers
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
        """True when every entry is exactly a float64, so ``to_torch()`` and ``to_onnx()`` reproduce the network."""
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
            return check_scalar("chunk_size", chunk_size, int, ge=1, error=InputError)
        widest = max(self.layer_sizes)
        return max(1, min(n, _FLOAT_TARGET_ELEMENTS // max(widest, 1)))

    def forward(self, X: Any, *, chunk_size: int | None = None) -> np.ndarray:
        """float64 outputs, chunked over samples.

        Parameters
        ----------
        X : array-like of shape (N, n)
            Inputs.
        chunk_size : int, optional
            Rows per chunk (default: chosen from the layer sizes).

        Returns
        -------
        ndarray
            Shape ``(N,)`` for one output unit, else ``(N, C)``. Rounding errors are not
            bounded here: :meth:`forward_certified` bounds them, :meth:`forward_exact` has
            none.
        """
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
                g = gamma(m, U64)
                mag = layer.apply_abs_float(np.abs(a))
                # |W| err without the bias: adding then subtracting |b| would cancel err away
                prop = layer.apply_abs_float(err, bias=False) if err.any() else 0.0
                a = layer.apply_float(a)
                # the bound itself is computed in float: inflate by (1 + 4(k+2)u) and add eta
                err = (g * mag + prop) * (1.0 + 4.0 * m * U64) + m * 2.0**-1070
                if k < last:
                    np.maximum(a, 0.0, out=a)
            out[s : s + step] = a
            err_out[s : s + step] = err

    def forward_exact(self, X: Any, *, chunk_size: int | None = None) -> np.ndarray:
        """Exact outputs, float inputs read as exact binary fractions; ``X`` and
        ``chunk_size`` as in :meth:`forward`.

        Returns
        -------
        ndarray of object
            ``int``/``Fraction`` entries, shape ``(N,)`` for one output unit, else ``(N, C)``
            (the exact engine, ``memnets._core.exact``).
        """
        return forward_exact(self, X, chunk_size=chunk_size)

    # ------------------------------------------------------------------ exporters
    @classmethod
    def from_torch(cls, model: Any) -> ReLUNetwork:
        """A ``torch.nn.Sequential`` of ``Linear`` / ``ReLU`` (optionally led by ``Flatten``) as a
        network with the same float64 weights, bit for bit: the inverse of :meth:`to_torch`
        (:func:`memnets._core.export.torch_layers`). Other modules raise InputError."""
        return cls(torch_layers(model))

    def to_torch(self, dtype: Any = None) -> Any:
        """A ``torch.nn.Sequential`` of Linear/ReLU computing the same function (float64).

        Parameters
        ----------
        dtype : torch.dtype, optional
            The parameters' dtype (default ``torch.float64``).

        Returns
        -------
        torch.nn.Sequential
            Linear and ReLU layers with this network's weights.

        Raises
        ------
        ExactnessError
            An entry is not exactly a float64 (the message names the bits needed).
        """
        return to_torch(self, dtype=dtype)

    def to_onnx(self, path: Any) -> None:
        """Write an ONNX model (float64) computing this network.

        Parameters
        ----------
        path : str or os.PathLike
            The ``.onnx`` file to write (input ``x`` of shape ``(N, n)``, output ``y``).

        Raises
        ------
        ExactnessError
            An entry is not exactly a float64, as for :meth:`to_torch`.
        """
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
    """W^T W for a tall sparse W, W W^T for a wide one: same rank, min(m, n) square (float;
    fine for a structural report)."""
    gram = w @ w.T if w.shape[0] < w.shape[1] else w.T @ w
    return np.asarray(gram.toarray())
