"""Networks side by side (one-vs-rest): equal depths by exact identity padding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from memnets._core.network import AffineLayer, SparseWeight


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
    m = last.n_outputs
    r, c, v = _entries(last)
    one = 1 if exact else 1.0
    neg = np.empty(v.size, dtype=object) if exact else np.empty(v.size)
    neg[:] = [-x for x in v.tolist()] if exact else -v
    bias = np.concatenate([last.bias, -last.bias])
    doubled = AffineLayer(
        SparseWeight.from_coo(np.concatenate([r, r + m]), np.concatenate([c, c]), np.concatenate([v, neg]),
                              (2 * m, last.n_inputs)),
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
            r0 += layer.n_outputs
            c0 += layer.n_inputs
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
