"""Exact affine layers from ``{column: value}`` rows, and their composition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from memnets._core.network import AffineLayer, SparseWeight

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


def project_first(w: Sequence[int] | np.ndarray, E: int, layers: Sequence[AffineLayer]) -> list[AffineLayer]:
    """``layers`` (a network on one input ``t``) on ``t = 2**E <w, x>`` instead: the exact
    integer projection composed into the first layer (no ReLU in between)."""
    ws = [int(v) for v in (w.tolist() if isinstance(w, np.ndarray) else w)]
    proj = exact_layer([{j: v << E for j, v in enumerate(ws) if v}], [0], len(ws))
    return [compose_affine(proj, layers[0]), *layers[1:]]


def _as_object(values: Sequence[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def exact_value(v: Fraction) -> Exact:
    """``v`` as an ``int`` when it is integral (exact layers keep ints as ints), else as is."""
    return v.numerator if v.denominator == 1 else v
