"""The fast assembly of the pairwise network (digits, the k/255 grid, block-wise structure)
builds the same layers, bit for bit, as the general Words path; the vectorised engine block
gives the same certified values as the row-by-row one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memnets._blocks.pair_constants as pc
from _helpers import pair_blocks_agree
from memnets._blocks.pair_layers import match_pairwise, pairwise_layers
from memnets._core.network import ReLUNetwork
from memnets._engines import pair_units


def _arrays(layers: list) -> list[np.ndarray]:
    out = []
    for layer in layers:
        w = layer.weight
        if hasattr(w, "indices"):
            out += [np.asarray(w.indptr, dtype=np.int64), np.asarray(w.indices, dtype=np.int64), w.data]
        else:
            out.append(w)
        out.append(layer.bias)
    return out


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape and (np.array_equal(x.view(np.int64), y.view(np.int64)) if x.dtype == np.float64
                                else np.array_equal(x, y))
        for x, y in zip(a, b, strict=True))


def _data(seed: int, kind: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    N, n = int(rng.integers(3, 30)), int(rng.integers(1, 12))
    if kind == 0:  # pixels k/255: the three-GEMM grid path
        X = rng.integers(0, 256, (N, n)) / 255.0
    elif kind == 1:  # random floats: three limbs
        X = rng.random((N, n))
    else:  # a coarse dyadic grid: one limb, many equal distances (ties for the minimum)
        X = rng.integers(0, 5, (N, n)) / 4.0
    signs = rng.choice([-1, 1], N)
    if kind == 2:
        signs = np.sort(signs)  # consecutive classes: the slice-writing branch
    signs[0], signs[-1] = -1, 1
    X = np.unique(X, axis=0)  # no duplicates across classes
    return X, signs[: X.shape[0]] if X.shape[0] > 1 else signs[:1]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), kind=st.integers(0, 2))
def test_digit_paths_build_the_words_network(seed: int, kind: int) -> None:
    X, signs = _data(seed, kind)
    if X.shape[0] < 2 or len(set(signs.tolist())) < 2:
        return
    fast, plan = pairwise_layers(X, signs)
    orig_digits, orig_grid = pc.digit_path, pc.GridSide.of
    try:
        pc.GridSide.of = classmethod(lambda cls, X, T: None)  # type: ignore[method-assign, assignment]
        limb, plan_l = pairwise_layers(X, signs)
        pc.digit_path = lambda *a, **k: None  # type: ignore[assignment]
        words, plan_w = pairwise_layers(X, signs)
    finally:
        pc.digit_path, pc.GridSide.of = orig_digits, orig_grid  # type: ignore[method-assign]
    ref = _arrays(words)
    assert _same(_arrays(fast), ref) and _same(_arrays(limb), ref)
    for p in (plan, plan_l):
        assert p.c2 == plan_w.c2 and p.closest == plan_w.closest and p.weight_bits == plan_w.weight_bits
        assert np.array_equal(p.D, plan_w.D) and p.D_rel == plan_w.D_rel
    assert match_pairwise(fast) is not None  # the recognition rebuilds through the same sink


def test_recognition_refuses_a_changed_constant_piece() -> None:
    X, signs = _data(7, 0)
    layers, _ = pairwise_layers(X, signs)
    assert match_pairwise(layers) is not None
    w = layers[1].weight.data
    w[4] = np.nextafter(w[4], np.inf)  # one ulp of the low piece of one pair constant
    assert match_pairwise(layers) is None


@pytest.mark.parametrize("kind", [0, 1, 2])
def test_vectorised_block_equals_the_row_by_row_block(kind: int) -> None:
    rng = np.random.default_rng(kind)
    X, signs = _data(100 + kind, kind)
    layers, plan = pairwise_layers(X, signs)
    net = ReLUNetwork(layers)
    pair_units.register_plan(net, plan)
    queries = np.vstack([X, rng.random((40, X.shape[1])), (X[:-1] + X[1:]) / 2])  # samples, random, midpoints
    v_vec, _, _ = pair_blocks_agree(net, queries)
    assert (np.abs(v_vec[: X.shape[0]]) >= float(plan.c2) * (1 - 1e-12)).all()  # the samples: |100 F| >= c^2


def test_own_samples_take_the_table_path_with_the_same_guarantee() -> None:
    X, signs = _data(11, 0)
    layers, plan = pairwise_layers(X, signs)
    net = ReLUNetwork(layers)
    pair_units.register_plan(net, plan)
    v, e = pair_units.forward_pairwise(net, X)
    vs, es = pair_units.forward_pairwise_samples(net)
    assert np.array_equal(v, vs) and np.array_equal(e, es)
    vg, eg = pair_units.forward_pairwise(net, X, chunk_size=7)  # the GEMM path: another certified value
    assert (np.abs(v - vg) <= e + eg).all() and (np.sign(v) == np.sign(vg)).all()
    assert (signs * v >= float(plan.c2) * (1 - 1e-12)).all()
