"""M1's structure check and its error bound's ingredients (memnets._engines.maxtree), at the
points mutation testing found unguarded (``make mutate MODULE=maxtree``; the table in
benchmarks/README.md): what :func:`max_tree_groups` accepts, the rounded-up ``w_max``, a
bound that is positive even where the computation is exact, and the refusal message.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp

import memnets as mn
from memnets._blocks import max_tree, max_tree_readout
from memnets._core.layers import AffineLayer
from memnets._engines import maxtree


def _m1(W: np.ndarray, b: np.ndarray, sizes: list[int]) -> mn.ReLUNetwork:
    """An efficient-shaped network built from its blocks: first layer ``(W, b)``, the max-tree
    over contiguous groups ``sizes`` and the class readout (``F_1 - F_0`` for two groups)."""
    tree, readout = max_tree(sizes)
    out = max_tree_readout(readout, len(sizes) == 2)
    return mn.ReLUNetwork([AffineLayer(W, b), *tree, AffineLayer(out, np.zeros(out.shape[0]))])


@pytest.mark.parametrize("sizes", [[1, 1], [2, 1], [3, 5], [4, 1, 2], [1, 1, 1], [8, 3]])
def test_max_tree_groups_recovers_the_group_sizes(sizes: list[int]) -> None:
    """Trees of depth 0 to 3: the groups are found through every tree layer."""
    R = sum(sizes)
    W = np.arange(1.0, 2.0 * R + 1).reshape(R, 2) / (4 * R)
    groups = maxtree.max_tree_groups(_m1(W, np.zeros(R), sizes))
    assert groups is not None
    assert groups[0].tolist() == sizes and groups[1] == (len(sizes) == 2)


def test_a_single_layer_or_a_sparse_first_layer_is_not_m1() -> None:
    R, sizes = 5, [2, 3]
    W = np.arange(1.0, 11.0).reshape(R, 2) / 16
    net = _m1(W, np.zeros(R), sizes)
    assert maxtree.max_tree_groups(net) is not None
    sparse_first = mn.ReLUNetwork([AffineLayer(sp.csr_array(W), np.zeros(R)), *net.layers[1:]])
    assert maxtree.max_tree_groups(sparse_first) is None
    assert maxtree.max_tree_groups(mn.ReLUNetwork([(W, np.zeros(R))])) is None


def test_ranges_need_contiguous_tiles_in_row_order() -> None:
    assert maxtree._ranges(sp.csr_array(np.array([[1.0, 1, 0, 0], [0, 0, 1, 1]])), 4).tolist() == [2, 2]
    assert maxtree._ranges(sp.csr_array(np.array([[1.0, 0, 1, 0], [0, 1, 0, 1]])), 4) is None  # interleaved
    assert maxtree._ranges(sp.csr_array(np.array([[0.0, 0, 1, 1], [1, 1, 0, 0]])), 4) is None  # out of order
    assert maxtree._ranges(sp.csr_array(np.array([[1.0, 1, 0, 0], [0, 0, 0, 0]])), 4) is None  # an empty row
    assert maxtree._ranges(sp.csr_array(np.array([[1.0, 1, 0], [0, 0, 1]])), 4) is None  # unit 3 unreached


def test_same_csr_compares_shape_and_entries_not_storage() -> None:
    a = sp.csr_array(np.eye(2))
    assert not maxtree._same_csr(a, sp.csr_array(np.hstack([np.eye(2), np.zeros((2, 1))])))
    stored = sp.csr_array((np.array([1.0, 0.0, 0.5, 0.5]), np.array([0, 1, 1, 1]), np.array([0, 2, 4])),
                          shape=(2, 2))  # an explicit zero and a duplicate entry
    assert maxtree._same_csr(a, stored) and maxtree._same_csr(stored, a)
    assert stored.nnz == 4 and stored.data.tolist() == [1.0, 0.0, 0.5, 0.5]  # the caller's matrix is left as it was


def test_forward_m1_refuses_another_network_with_the_documented_message() -> None:
    net = mn.ReLUNetwork([(np.ones((2, 2)), np.zeros(2)), (np.ones((1, 2)), np.zeros(1))])
    msg = ("forward_m1 needs an efficient network: a dense first layer, the max-tree layers of "
           "memnets._blocks.max_tree and the class readout (as built by construct(method='efficient')); "
           "use ReLUNetwork.forward_certified otherwise")
    with pytest.raises(mn.InputError, match=f"^{re.escape(msg)}$"):
        maxtree.forward_m1(net, np.zeros((1, 2)))
    m1 = _m1(np.eye(2), np.zeros(2), [1, 1])
    msg = "forward_m1 certifies inputs with x >= 0 only (efficient networks act on [0,1]^n)"
    with pytest.raises(mn.InputError, match=f"^{re.escape(msg)}$"):
        maxtree.forward_m1(m1, np.array([[0.5, -0.25]]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_w_max_is_rounded_up(dtype) -> None:
    """The bound's ``w_max`` is at least the exact largest row norm (checked in rationals:
    ``w_max^2 >= max_k sum_j w_kj^2``), for row norms that float64 ``sqrt`` rounds down."""
    rng = np.random.default_rng(3)
    W = rng.random((6, 7))
    net = _m1(W, np.zeros(6), [3, 3])
    plan = maxtree._plan(net, dtype)
    exact = max(sum(Fraction(v) ** 2 for v in row) for row in W.tolist())
    assert Fraction(plan.wmax) ** 2 >= exact
    assert plan.wmax <= float(exact) ** 0.5 * (1 + 1e-11)


def test_the_bound_is_positive_where_the_float_result_is_exact() -> None:
    """At ``x = 0`` with zero biases every value is exactly 0 and the formula is 0; the bound
    is still ``> 0`` (a bound of exactly 0 would claim the value exact, and must never be
    negative)."""
    W = np.arange(1.0, 13.0).reshape(6, 2) / 16
    for sizes in ([3, 3], [2, 2, 2]):
        vals, err = maxtree.forward_m1(_m1(W, np.zeros(6), sizes), np.zeros((2, 2)))
        assert (vals == 0).all() and (err > 0).all()


@pytest.mark.parametrize("sizes", [[1, 1], [1, 2]])
def test_a_group_of_negative_units_has_maximum_zero(sizes: list[int]) -> None:
    """The ReLU of the first layer: a group whose units are all negative contributes 0, not
    its (negative) maximum. ``h = (x_1 - 1, x_2)`` at ``x = (1/2, 1/4)``: ``(-1/2, 1/4)``."""
    W = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.5]])[: sum(sizes)]
    net = _m1(W, np.array([-1.0, 0.0, 0.0])[: sum(sizes)], sizes)
    x = np.array([[0.5, 0.25]])
    vals, err = maxtree.forward_m1(net, x)
    exact = net.forward_exact(x)
    assert np.ravel(exact).tolist() == [0.25]
    assert abs(Fraction(float(vals[0])) - Fraction(exact[0])) <= Fraction(float(err[0]))
    assert float(vals[0]) == 0.25


def test_the_bound_is_its_formula_for_a_thousand_inputs() -> None:
    """float32, 1000 used inputs, three classes: ``e_1`` dominates the bound, and the bound is
    at least ``e_1 + 4 gamma_4 (M + e_1)`` with ``M = |x| w_max + b_max`` (computed in float64
    from the exact norms), within its factor ``1 + 1e-6``."""
    rng = np.random.default_rng(5)
    n, R = 1000, 6
    W, b = rng.random((R, n)), rng.random(R)
    X = rng.random((4, n))
    _, err = maxtree.forward_m1(_m1(W, b, [2, 2, 2]), X)
    u = 2.0**-24

    def gamma(m: int) -> float:
        return m * u / (1 - m * u)

    mag = np.linalg.norm(X, axis=1) * np.linalg.norm(W, axis=1).max() + b.max()
    e1 = gamma(n + 5) * mag
    want = e1 + 4 * gamma(4) * (mag + e1)
    assert (err >= want).all()
    assert (err <= want * (1 + 2e-6)).all()


def test_the_float32_maxima_are_float64_arrays() -> None:
    """float32 maxima are returned as float64 (what the decision path and the margins read):
    ``F_1 - F_0`` is then formed without a second float32 rounding."""
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    b = np.array([2.0**-30, 0.0])
    x = np.array([[0.5, 0.5 + 2.0**-20]])
    vals, _ = maxtree.forward_m1(_m1(W, b, [1, 1]), x)
    assert vals.dtype == np.float64
    h = np.float32(x[0] @ W.T + b)  # each maximum rounded once to float32
    assert vals.tolist() == [float(h[1]) - float(h[0])]


@pytest.mark.parametrize("bad", [0, 2.5, True])
def test_chunk_size_must_be_a_positive_int_named_in_the_refusal(bad: object) -> None:
    """``check_scalar`` for ``chunk_size``: ``2.5`` is not truncated to 2 (mutants dropping
    ``int`` or renaming the argument survived the selection before)."""
    net = _m1(np.array([[0.5, 0.25], [0.25, 0.5]]), np.zeros(2), [1, 1])
    X = np.array([[0.25, 0.75], [0.5, 0.5]])
    with pytest.raises(mn.OptionError, match=rf"^chunk_size must be an int >= 1, got {bad}$"):
        maxtree.forward_m1(net, X, chunk_size=bad)
    values, _ = maxtree.forward_m1(net, X, chunk_size=1)
    assert np.array_equal(values, maxtree.forward_m1(net, X)[0])
