"""Networks shared by the core tests: seeded random networks and a big-integer popcount net."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from memnets import AffineLayer, ReLUNetwork, SparseWeight
from memnets._blocks import exact_layer

ENTRY_KINDS = ("float", "int", "fraction", "dyadic", "mixed")


def _entry(rng: np.random.Generator, kind: str) -> Any:
    if kind == "mixed":
        kind = str(rng.choice(["float", "int", "fraction", "dyadic"]))
    if kind == "float":
        return float(rng.normal() * 2.0 ** int(rng.integers(-8, 9)))
    if kind == "int":
        return int(rng.integers(-(2**20), 2**20)) * 2 ** int(rng.integers(0, 50))
    if kind == "fraction":
        return Fraction(int(rng.integers(-50, 51)), int(rng.integers(1, 40)))
    return Fraction(int(rng.integers(-(2**30), 2**30)), 2 ** int(rng.integers(0, 40)))


def random_layer(rng: np.random.Generator, n_in: int, n_out: int, kind: str, sparse: bool,
                 density: float = 0.6) -> AffineLayer:
    """A layer with entries of one kind (float64 array for 'float', exact object array else)."""
    mask = rng.random((n_out, n_in)) < density
    if kind == "float":
        w = rng.normal(size=(n_out, n_in)) * 2.0 ** rng.integers(-6, 7, size=(n_out, n_in)) * mask
        b = rng.normal(size=n_out)
    else:
        w = np.empty((n_out, n_in), dtype=object)
        for i in range(n_out):
            for j in range(n_in):
                w[i, j] = _entry(rng, kind) if mask[i, j] else 0
        b = np.empty(n_out, dtype=object)
        b[:] = [_entry(rng, kind) for _ in range(n_out)]
    return AffineLayer(SparseWeight.from_dense(w) if sparse else w, b)


def random_network(seed: int, *, max_depth: int = 4, max_width: int = 5, kinds=ENTRY_KINDS) -> ReLUNetwork:
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, max_depth + 1))
    sizes = [int(rng.integers(1, max_width + 1)) for _ in range(depth + 1)]
    layers = []
    for k in range(depth):
        kind = str(rng.choice(list(kinds)))
        layers.append(random_layer(rng, sizes[k], sizes[k + 1], kind, sparse=bool(rng.random() < 0.5)))
    return ReLUNetwork(layers)


def random_inputs(seed: int, n: int, n_features: int) -> np.ndarray:
    """Floats of widely varying exponents, with exact zeros and negative values."""
    rng = np.random.default_rng(seed + 1)
    X = rng.uniform(-1.0, 1.0, size=(n, n_features)) * 2.0 ** rng.integers(-30, 3, size=(n, n_features))
    X[rng.random((n, n_features)) < 0.1] = 0.0
    return X


def popcount_network(register_bits: int, input_bits: int, constant: int) -> ReLUNetwork:
    """F(x) = popcount(constant + 2**input_bits * x) for x = k / 2**input_bits, 0 <= k < 2**input_bits.

    Units (P, H1, H2, ACC); bit ``k`` of the register ``P`` (an integer ``< 2**(k+1)``) is
    ``relu(P - 2**k + 1) - relu(P - 2**k)``; each layer removes the previous bit from ``P`` and
    adds it to ``ACC``. Depth ``register_bits + 1``, width 4, weights up to ``register_bits`` bits.
    """
    if not 0 <= constant < 2**register_bits - 2**input_bits:
        raise ValueError("constant + k must stay below 2**register_bits")
    top = register_bits - 1
    scale = 2**input_bits
    layers = [exact_layer([{0: scale}, {0: scale}, {0: scale}, {}],
                          [constant, constant - 2**top + 1, constant - 2**top, 0], 1)]
    for k in range(top - 1, -1, -1):
        kp = k + 1
        p_row = {0: 1, 1: -(2**kp), 2: 2**kp}
        layers.append(exact_layer([p_row, dict(p_row), dict(p_row), {3: 1, 1: 1, 2: -1}],
                                  [0, -(2**k) + 1, -(2**k), 0], 4))
    layers.append(exact_layer([{3: 1, 1: 1, 2: -1}], [0], 4))
    return ReLUNetwork(layers)
