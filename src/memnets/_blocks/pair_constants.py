"""The exact constants of the paper's Theorem 7.3 network (``method="pairwise"``) and the
compact plan it is built from (:mod:`memnets._blocks.pair_layers` states the layout).

**Every entry is a float64, exactly.** With ``T`` the fixed-point exponent of the data
(:func:`memnets._core.exactgram.fixed_point_exponent`; 56-60 for pixels ``k/255``),
``V_ij 2^{2T}`` and ``c^2 2^{2T}`` are integers of ~140 bits, computed exactly by limb GEMMs
(:func:`memnets._core.exactgram.gram_words`) and split into ``K`` disjoint 52-bit
pieces: each piece times ``2^{-2T}`` is a float64, and their sum is the constant exactly
(:meth:`~memnets._core.exactgram.Words.to_float_terms`). The most significant piece is
the bias, the others are weights on constant-1 units. So the network exports to torch /
ONNX unchanged. Only data with entries below ``~2^{-480}`` (``2T > 1074`` would put the low
pieces under float64's range) get exact :class:`~fractions.Fraction` biases instead (and
export raises :class:`~memnets.ExactnessError`); that path is limited to small ``P``.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._blocks.pair_blocks import (
    digit_path,
    put_constants_digits,
    put_structure,
    rows_are_runs,
)
from memnets._core.errors import ConflictingLabelsError, InputError
from memnets._core.exactdigits import GridSide
from memnets._core.exactgram import (
    Split,
    Words,
    fixed_point_exponent,
    gram_ints,
    gram_words,
    sq_norm_ints,
    sq_norm_words,
)
from memnets._core.layers import entry_bits
from memnets._core.rounding import U64

__all__ = [
    "DEFAULT_MEMORY_LIMIT_GIB",
    "EXACT_MODE_MAX_PAIRS",
    "SCALE",
    "PairwisePlan",
    "estimate_bytes",
]

#: the stored network computes ``SCALE * F`` (makes 0.51, 0.49 and 0.01 integers)
SCALE = 100
#: memory the network, its plan and the evaluator may use unless told otherwise
DEFAULT_MEMORY_LIMIT_GIB = 4.0
#: pair count up to which data too fine for float64 expansions get exact Fraction biases
EXACT_MODE_MAX_PAIRS = 50_000
_BLOCK_ENTRIES = 2**21  # pairs per block of the exact Gram (words: ~16 MiB each)


@dataclass(frozen=True, eq=False)
class PairwisePlan:
    """What the pairwise network is, in compact form (derived exactly from ``X`` and ``signs``).

    ``D[a, b]`` approximates ``|x_pos[a] - x_neg[b]|^2`` with ``|D - exact| <= D_rel * D``;
    ``c2`` is the exact ``min`` of those squared distances (``= 100 r``), attained at
    ``closest``. ``v_terms``/``c2_terms`` count float64 terms per constant (0: exact biases).
    ``weight_bits`` is the network's ``max_weight_bits``, computed while building (the
    generic scan of every stored entry costs ~60 ns per entry).
    """

    X: np.ndarray
    signs: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    T: int
    c2: Fraction
    closest: tuple[int, int]
    D: np.ndarray
    D_rel: float
    v_terms: int
    c2_terms: int
    weight_bits: int

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_pairs(self) -> int:
        return 2 * int(self.pos.size) * int(self.neg.size)

    def rowptr(self) -> np.ndarray:
        """First pair row of every sample (length N + 1)."""
        opp = np.where(self.signs > 0, self.neg.size, self.pos.size)
        return np.concatenate([[0], np.cumsum(opp)]).astype(np.int64)


def _terms(bits: int) -> int:
    return max(1, math.ceil(bits / 52))


def _float_mode(T: int) -> bool:
    return 2 * T <= 1074


def estimate_bytes(n_pos: int, n_neg: int, n_features: int, v_terms: int, c2_terms: int = 3) -> int:
    """Bytes held by the network, its plan and the engine's tables (CSR int64 indices and
    float64 data, the ``N_+ x N_-`` distance table and its transpose, the samples)."""
    N, P = n_pos + n_neg, 2 * n_pos * n_neg
    width2 = 4 + max(v_terms, 1) - 1
    layer1 = (2 * N + v_terms) * n_features * 8
    layer2 = P * width2 * 16 + 2 * P * 8
    layer3 = (P + N * c2_terms) * 16 + 2 * N * 8
    plan = 2 * n_pos * n_neg * 8 + 2 * N * n_features * 8  # D and its transpose, X and a copy
    return int(layer1 + layer2 + layer3 + plan)


def _v_bits(S_max: int) -> int:
    # |51 S_i - 2 G_ij - 49 S_j| <= 102 max S (Cauchy-Schwarz)
    return (102 * S_max).bit_length()


class _Sink:
    """Receives every array slice the assembly produces: stores it, or compares it."""

    def __init__(self, arrays: dict[str, np.ndarray], check: bool) -> None:
        self.arrays = arrays
        self.check = check

    def put(self, name: str, index: Any, values: Any) -> None:
        if self.check:
            if not np.array_equal(self.arrays[name][index], values):
                raise _Mismatch(name)
        else:
            self.arrays[name][index] = values

    def put_view(self, name: str, start: int, shape: tuple[int, int], index: Any, values: Any) -> None:
        """:meth:`put` into rows ``start ..`` of ``name`` seen as a ``shape`` block of rows."""
        arr = self.arrays[name]
        view = arr[start : start + shape[0] * shape[1]].reshape(shape + arr.shape[1:])
        if self.check:
            if not np.array_equal(view[index], values):
                raise _Mismatch(name)
        else:
            view[index] = values


class _Mismatch(Exception):
    pass


def _plan_core(X: np.ndarray, signs: np.ndarray) -> dict[str, Any]:
    """Sample bookkeeping shared by building and matching."""
    signs = np.asarray(signs, dtype=np.int64)
    pos, neg = np.flatnonzero(signs > 0), np.flatnonzero(signs < 0)
    if pos.size == 0 or neg.size == 0 or pos.size + neg.size != signs.size:
        raise InputError("the pairwise network needs signs +-1 with both signs present")
    return {"pos": pos, "neg": neg, "T": fixed_point_exponent(X)}


def _fill(
    X: np.ndarray,
    signs: np.ndarray,
    sink: _Sink | None,
    memory_limit_gib: float | None,
) -> tuple[PairwisePlan, dict[str, Any]]:
    """Compute the exact constants block by block; hand every layer array to ``sink``.

    ``sink`` None: allocate the arrays (returned in the dict); else write/compare through it.
    """
    core = _plan_core(X, signs)
    pos, neg, T = core["pos"], core["neg"], core["T"]
    N, n = X.shape
    Np, Nn = int(pos.size), int(neg.size)
    P = 2 * Np * Nn
    float_mode = _float_mode(T)
    grid = GridSide.of(X, T) if float_mode else None
    if grid is not None and not grid.exact_with(grid):
        grid = None
    if grid is not None:
        S_ints = np.array(grid.sq_norms(T), dtype=object)
    elif float_mode:
        S_ints = sq_norm_words(X, T).to_ints()
    else:
        S_ints = sq_norm_ints(X, T)
    S_max = max(int(v) for v in S_ints.tolist())
    v_terms = _terms(_v_bits(S_max)) if float_mode else 0
    if memory_limit_gib is not None:
        need = estimate_bytes(Np, Nn, n, max(v_terms, 1))
        if need > memory_limit_gib * 2**30:
            raise InputError(
                f"the pairwise network for {Np} + {Nn} samples in {n} dimensions "
                f"({P} ordered opposite pairs) needs about {need / 2**30:.1f} GiB, above the "
                f"memory budget of {memory_limit_gib:g} GiB (option memory_limit_gib)"
            )
    if not float_mode and P > EXACT_MODE_MAX_PAIRS:
        raise InputError(
            f"entries as small as 2**-{T} leave float64's range in the pair constants; exact "
            f"Fraction constants are supported up to {EXACT_MODE_MAX_PAIRS} pairs, got {P}"
        )
    width2 = 4 + max(v_terms - 1, 0)
    rowptr = np.concatenate([[0], np.cumsum(np.where(signs > 0, Nn, Np))]).astype(np.int64)
    out: dict[str, Any] = {}
    if sink is None:
        idx_dtype = np.int32 if 2 * N + width2 < 2**31 else np.int64
        out = {
            "l2_indices": np.empty(P * width2, dtype=idx_dtype),
            "l2_data": np.empty(P * width2, dtype=np.float64),
            "l2_bias": np.empty(P, dtype=np.float64 if float_mode else object),
        }
        out["l2_rows"] = out["l2_data"].reshape(P, width2)
        snk = _Sink(out, check=False)
    else:
        snk = sink
    const_cols = 2 * N + np.arange(v_terms - 1, dtype=np.int64) if v_terms > 1 else np.zeros(0, np.int64)
    # the structure (columns, +-100) and the constants write disjoint entries: two threads
    path = digit_path(X, T, v_terms, S_max, grid) if float_mode else None
    fused = path is not None and rows_are_runs(rowptr, pos, neg)  # the digit path writes the +-100 too
    with ThreadPoolExecutor(max_workers=1) as pool:
        structure = pool.submit(put_structure, snk, signs, pos, neg, rowptr, width2, const_cols, not fused)
        best, d_terms, bits, D = _constants(X, pos, neg, T, S_ints, v_terms, rowptr, width2, snk, path)
        structure.result()
    del grid
    assert best is not None
    c2_int, ca, cb = best
    if c2_int == 0:
        i, j = int(pos[ca]), int(neg[cb])
        raise ConflictingLabelsError(min(i, j), max(i, j), int(signs[min(i, j)]), int(signs[max(i, j)]))
    c2 = Fraction(c2_int, 1 << (2 * T))
    c2_terms = _terms(c2_int.bit_length()) if float_mode else 0
    c2_vals = np.array(_pieces(c2_int, T, c2_terms) if float_mode else [c2], dtype=np.float64 if float_mode else object)
    plan = PairwisePlan(
        X=X, signs=signs, pos=pos, neg=neg, T=T, c2=c2, closest=(int(pos[ca]), int(neg[cb])),
        D=D, D_rel=(d_terms + 1.25) * U64, v_terms=v_terms, c2_terms=c2_terms,
        # +-100 (25 * 4: 7 bits), 0 and +-1 (1 bit), X (see _data_bits), the constant pieces
        weight_bits=max(7, bits, entry_bits(c2_vals), _data_bits(X, T)),
    )
    out["width2"] = width2
    out["rowptr"] = rowptr
    return plan, out


def _constants(X: np.ndarray, pos: np.ndarray, neg: np.ndarray, T: int, S_ints: np.ndarray, v_terms: int,
               rowptr: np.ndarray, width2: int, snk: _Sink,
               path: tuple[int, GridSide | None] | None) -> tuple[tuple[int, int, int], int, int, np.ndarray]:
    """Every pair constant (through ``snk``) and the table ``D``: by digits when the data allow
    (:func:`memnets._blocks.pair_blocks.put_constants_digits`), else by :class:`Words`, else
    (``T`` beyond float64's range) as exact Fractions. Returns ``(best, d_terms, bits, D)``."""
    Np, Nn = int(pos.size), int(neg.size)
    D = np.empty((Np, Nn), dtype=np.float64)
    fast = put_constants_digits(X, pos, neg, T, S_ints, v_terms, rowptr, width2, snk, D, _BLOCK_ENTRIES,
                                _data_bits(X, T), path) if path is not None else None
    float_mode = _float_mode(T)
    # ---- the exact constants, a block of positive samples at a time
    best: tuple[int, int, int] | None = None  # (exact D * 2**2T, a, b)
    if fast is not None:
        best, d_terms, bits = fast
    elif float_mode:
        S = sq_norm_words(X, T)
        neg_split = Split(X[neg], T)
        rows_per = max(1, _BLOCK_ENTRIES // max(Nn, 1))
        S_neg = Words([w[neg][None, :] for w in S.words], S.scale)
        d_terms = 1
        bits = 0
        for a0 in range(0, Np, rows_per):
            a1 = min(a0 + rows_per, Np)
            pos_split = Split(X[pos[a0:a1]], T)
            G = gram_words(pos_split, neg_split)
            S_pos = Words([w[pos[a0:a1]][:, None] for w in S.words], S.scale)
            Dw = G.combine([(-3, G), (1, S_pos), (1, S_neg)])  # S_i + S_j - 2 G
            terms = Dw.to_float_terms(_terms(Dw.bits()))
            d_terms = max(d_terms, len(terms))
            blk = terms[0].copy()
            for t in terms[1:]:
                blk += t  # disjoint same-sign pieces, smallest first: |error| <= 2u D
            D[a0:a1] = blk
            best = _track_min(best, Dw, blk, a0)
            for order, V in (("pn", G.combine([(-3, G), (51, S_pos), (-49, S_neg)])),
                             ("np", G.combine([(-3, G), (51, S_neg), (-49, S_pos)]))):
                vt = V.to_float_terms(v_terms)
                bits = max(bits, *(entry_bits(t) for t in vt))
                if order == "pn":  # pair (pos a, neg b): row rowptr[pos a] + b
                    rows = rowptr[pos[a0:a1]][:, None] + np.arange(Nn)[None, :]
                else:  # pair (neg b, pos a): row rowptr[neg b] + a; written b-major (contiguous)
                    rows = rowptr[neg][:, None] + np.arange(a0, a1)[None, :]
                    vt = [t.T for t in vt]
                snk.put("l2_bias", rows, vt[-1])
                if v_terms > 1:
                    snk.put("l2_rows", (rows, slice(4, width2)), np.stack(vt[:-1], axis=-1))
    else:
        Gi = gram_ints(X[pos], X[neg], T)
        Sp, Sn = S_ints[pos][:, None], S_ints[neg][None, :]
        Dint = Sp + Sn - 2 * Gi
        den = 1 << (2 * T)
        D[:] = [[float(Fraction(int(v), den)) for v in row] for row in Dint.tolist()]
        flat = [int(v) for v in Dint.ravel().tolist()]
        k = min(range(len(flat)), key=flat.__getitem__)
        best = (flat[k], k // Nn, k % Nn)
        d_terms = 1
        Vpn = 51 * Sp - 2 * Gi - 49 * Sn
        Vnp = 51 * Sn - 2 * Gi - 49 * Sp
        frac = np.vectorize(lambda v: Fraction(int(v), den), otypes=[object])
        snk.put("l2_bias", rowptr[pos][:, None] + np.arange(Nn)[None, :], frac(Vpn))
        snk.put("l2_bias", rowptr[neg][None, :] + np.arange(Np)[:, None], frac(Vnp))
        bits = max(entry_bits(frac(Vpn).ravel()), entry_bits(frac(Vnp).ravel()))
    assert best is not None
    return best, d_terms, bits, D


def _data_bits(X: np.ndarray, T: int) -> int:
    """``entry_bits(X)`` without a scan for data in ``[0, 1]``: an entry ``odd 2**e < 1``
    has ``bitlen(odd) <= -e`` so it needs ``1 - e`` bits, at most ``1 + T``; ``1`` needs 1."""
    if X.size and float(X.min()) >= 0.0 and float(X.max()) <= 1.0:
        return T + 1 if T > 0 else int(bool(X.any()))
    return entry_bits(X)


def _track_min(best: tuple[int, int, int] | None, Dw: Words, approx: np.ndarray, a0: int) -> tuple[int, int, int]:
    """Exact minimum over the block: candidates within the float error, compared as ints."""
    m = float(approx.min())
    cand = np.argwhere(approx <= m * (1 + 16 * U64) + 1e-300)
    sub = Words([w[cand[:, 0], cand[:, 1]] for w in Dw.words], Dw.scale).to_ints()
    for (a, b), v in zip(cand.tolist(), sub.tolist(), strict=True):
        key = (int(v), a + a0, b)
        if best is None or key < best:
            best = key
    assert best is not None
    return best


def _pieces(value: int, T: int, terms: int) -> list[float]:
    """``value * 2**-2T`` (a positive int) as ``terms`` float64 pieces, the convention of
    :meth:`~memnets._core.exactgram.Words.to_float_terms` (52-bit slices, the top one
    taking the rest), each exact, summing to the value exactly."""
    out = []
    for q in range(terms):
        piece = value >> (52 * q)
        if q < terms - 1:
            piece &= (1 << 52) - 1
        out.append(math.ldexp(float(piece), 52 * q - 2 * T))
    return out


def _c2_terms_values(plan: PairwisePlan) -> list[float] | None:
    """``c^2 = 100 r`` as the float64 pieces of layer 3 (None when it is an exact Fraction bias)."""
    if plan.c2_terms == 0:
        return None
    scale = 1 << (2 * plan.T)
    return _pieces(plan.c2.numerator * (scale // plan.c2.denominator), plan.T, plan.c2_terms)
