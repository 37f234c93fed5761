"""ReLUNetwork structure: shape chain, parameter counts, width/depth/bottleneck, weight bits."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from _helpers import assert_close
from memnets import AffineLayer, ExactnessError, InputError, ReLUNetwork, SparseWeight


def obj(rows):
    """An object (exact) array from nested lists."""
    a = np.empty((len(rows), len(rows[0])), dtype=object)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            a[i, j] = v
    return a


def vec(values):
    a = np.empty(len(values), dtype=object)
    a[:] = list(values)
    return a


ABS = ReLUNetwork([([[1], [-1]], [0, 0]), ([[1, 1]], [0])])  # |x| = relu(x) + relu(-x)
# max(a, b) = relu(a - b) + relu(b) - relu(-b)
MAX2 = ReLUNetwork([([[1, -1], [0, 1], [0, -1]], [0, 0, 0]), ([[1, 1, -1]], [0])])


def test_abs_network_hand_worked():
    x = np.array([[-0.75], [0.0], [0.5], [-3.0]])
    assert ABS.forward(x).tolist() == [0.75, 0.0, 0.5, 3.0]
    assert ABS.forward_exact(x).tolist() == [Fraction(3, 4), 0, Fraction(1, 2), 3]
    assert (ABS.depth, ABS.width, ABS.hidden_sizes, ABS.layer_sizes) == (2, 2, (2,), (1, 2, 1))
    assert ABS.num_params() == 2 + 2 + 2 + 1
    assert ABS.num_params(nonzero=True) == 4
    assert ABS.bottleneck == 1
    assert ABS.max_weight_bits == 1  # entries are -1, 0, 1
    assert ABS.float64_bits_needed == 1


def test_max_of_two_numbers_exact():
    pairs = np.array([[0.25, 0.75], [0.75, 0.25], [-1.5, -2.0], [0.1, 0.1], [3.0, -7.5]])
    got = MAX2.forward_exact(pairs).tolist()
    assert got == [max(Fraction(a), Fraction(b)) for a, b in pairs.tolist()]
    assert MAX2.forward(pairs).tolist() == [max(a, b) for a, b in pairs.tolist()]
    assert MAX2.num_params() == 6 + 3 + 3 + 1
    assert MAX2.num_params(nonzero=True) == 4 + 3
    assert MAX2.bottleneck == 2  # rank W1 = 2 = n_inputs < width 3


def test_shape_chain_errors_name_the_layers():
    with pytest.raises(InputError, match="layer 1 takes 3 inputs but layer 0 produces 2"):
        ReLUNetwork([(np.ones((2, 4)), np.zeros(2)), (np.ones((1, 3)), np.zeros(1))])
    with pytest.raises(InputError, match=r"bias must have shape \(2,\)"):
        AffineLayer(np.ones((2, 4)), np.zeros(3))
    with pytest.raises(InputError, match="2-D"):
        AffineLayer(np.ones(4), np.zeros(4))
    with pytest.raises(InputError, match="at least one layer"):
        ReLUNetwork([])
    with pytest.raises(InputError, match="layer 0 must be an AffineLayer"):
        ReLUNetwork([5])
    with pytest.raises(InputError, match="finite"):
        AffineLayer(np.array([[np.inf]]), [0.0])
    with pytest.raises(InputError, match="finite"):
        AffineLayer(obj([[float("nan")]]), [0])
    with pytest.raises(InputError, match="int, Fraction or float"):
        AffineLayer(obj([["1"]]), [0])
    with pytest.raises(InputError, match="numeric"):
        AffineLayer(np.array([["a"]]), [0])


def test_num_params_dense_vs_nonzero_dense_and_sparse_agree():
    w = [[1, 0], [0, 0], [2, 3]]
    b = [0, 1, 0]
    dense = AffineLayer(w, b)
    sparse = AffineLayer(SparseWeight.from_dense(np.array(w)), b)
    sparse_explicit_zero = AffineLayer(SparseWeight((3, 2), [0, 2, 2, 4], [0, 1, 0, 1], [1.0, 0.0, 2, 3]), b)
    for layer in (dense, sparse, sparse_explicit_zero):
        assert layer.num_params() == 9
        assert layer.num_params(nonzero=True) == 4
    assert sparse.weight.nnz == 3
    assert sparse_explicit_zero.weight.nnz == 4  # stored but zero: not counted as non-zero


def test_scipy_sparse_weight_accepted():
    m = sp.csr_array(np.array([[0.0, 2.0], [1.0, 0.0]]))
    layer = AffineLayer(m, [0.5, -0.5])
    assert layer.is_sparse and not layer.is_exact
    net = ReLUNetwork([layer])
    assert net.forward(np.array([[1.0, 2.0]])).tolist() == [[4.5, 0.5]]


def test_bottleneck_exact_rank_of_rank_deficient_first_layer():
    # third row = first + second / 3: rank 2 over Q, though entries are not floats
    r1 = [Fraction(1, 3), 2, 0, 5]
    r2 = [1, Fraction(-1, 7), 4, 0]
    r3 = [a + Fraction(b) / 3 for a, b in zip(r1, r2, strict=True)]
    net = ReLUNetwork([(obj([r1, r2, r3]), vec([0, 0, 0])), (obj([[1, 1, 1]]), vec([0]))])
    assert net.rank_first_layer == 2
    assert net.bottleneck == 2
    assert net.width == 3
    # the same matrix stored sparse gives the same exact rank
    sparse = ReLUNetwork([AffineLayer(SparseWeight.from_dense(obj([r1, r2, r3])), vec([0, 0, 0]))])
    assert sparse.rank_first_layer == 2
    # float first layer, rank deficient
    wf = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 0.0]])
    assert ReLUNetwork([(wf, np.zeros(3)), (np.ones((1, 3)), [0.0])]).bottleneck == 2
    # bottleneck from a narrow hidden layer, and from the input dimension
    narrow = ReLUNetwork([(np.eye(3), np.zeros(3)), (np.ones((1, 3)), [0.0]), (np.ones((4, 1)), np.zeros(4)),
                          (np.ones((1, 4)), [0.0])])
    assert narrow.bottleneck == 1 and narrow.width == 4 and narrow.hidden_sizes == (3, 1, 4)
    wide = ReLUNetwork([(np.ones((10, 2)) + np.arange(20).reshape(10, 2), np.zeros(10)), (np.ones((1, 10)), [0.0])])
    assert wide.bottleneck == 2


def test_purely_affine_network_width_zero():
    net = ReLUNetwork([(np.array([[1.0, -1.0]]), [0.25])])
    assert net.width == 0 and net.depth == 1 and net.hidden_sizes == ()
    assert net.forward(np.array([[1.0, 0.0]])).tolist() == [1.25]


@pytest.mark.parametrize(
    ("value", "bits"),
    [(2**300, 301), (-(2**300), 301), (Fraction(1, 3), 2), (Fraction(-5, 2**70), 71), (7, 3), (0, 0),
     (Fraction(2**300 + 1, 3), 301)],
)
def test_max_weight_bits_exact(value, bits):
    net = ReLUNetwork([(obj([[value, 0]]), vec([0]))])
    assert net.max_weight_bits == bits


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=6))
def test_weight_bits_same_for_float_and_exact_storage(values):
    """A float64 entry is the dyadic rational it stores: bit counts must not depend on storage."""
    as_float = ReLUNetwork([(np.array([values]), [0.0])])
    as_exact = ReLUNetwork([(obj([[Fraction(v) for v in values]]), vec([0]))])
    assert as_float.max_weight_bits == as_exact.max_weight_bits
    assert as_float.float64_bits_needed == as_exact.float64_bits_needed
    assert as_exact.float64_representable


@pytest.mark.parametrize(
    ("value", "needed", "representable"),
    [
        (3, 2, True),
        (Fraction(1, 2), 1, True),
        (2**300, 1, True),  # a power of two is one significand bit
        (2**300 + 1, 301, False),
        (2**53 - 1, 53, True),
        (2**53 + 1, 54, False),
        ((2**53 - 1) * 2**971, 53, True),  # the largest float64
        (2**1024, 10**9, False),  # just past the largest
        (Fraction(1, 2**1074), 1, True),  # the smallest subnormal
        (Fraction(1, 2**1075), 10**9, False),
        (Fraction(2**53 - 1, 2**1100), 10**9, False),  # 53 bits, but below the subnormal grid
        (Fraction(3, 2**1074), 2, True),
        (Fraction(1, 3), None, False),
    ],
)
def test_float64_bits_needed_matches_float_conversion(value, needed, representable):
    net = ReLUNetwork([(obj([[1]]), vec([value]))])
    assert net.float64_bits_needed == needed
    assert net.float64_representable is representable
    try:
        exact_as_float = Fraction(float(value)) == value
    except OverflowError:
        exact_as_float = False
    assert exact_as_float is representable
    if representable:
        net.check_float64_representable("torch")
    else:
        with pytest.raises(ExactnessError, match="cannot export to torch"):
            net.check_float64_representable("torch")


def test_refusal_message_names_the_bits():
    net = ReLUNetwork([(obj([[2**300 + 1]]), vec([0]))])
    with pytest.raises(ExactnessError, match=r"need 301 significand bits \(max_weight_bits=301\)"):
        net.check_float64_representable("ONNX")
    third = ReLUNetwork([(obj([[Fraction(1, 3)]]), vec([0]))])
    with pytest.raises(ExactnessError, match="denominator is not a power of two"):
        third.check_float64_representable()


def test_sparse_weight_constructors_agree():
    dense = obj([[0, Fraction(1, 3), 0], [2**70, 0, -1]])
    a = SparseWeight.from_dense(dense)
    b = SparseWeight.from_rows([{1: Fraction(1, 3)}, {0: 2**70, 2: -1, 1: 0}], 3)
    c = SparseWeight.from_coo([1, 0, 1], [2, 1, 0], vec([-1, Fraction(1, 3), 2**70]), (2, 3))
    for s in (a, b, c):
        assert s.shape == (2, 3) and s.nnz == 3 and s.is_exact
        assert s.indptr.tolist() == [0, 1, 3]
        assert s.indices.tolist() == [1, 0, 2]
        assert s.toarray().tolist() == dense.tolist()
    assert repr(a) == "SparseWeight(shape=(2, 3), nnz=3, exact)"


def test_sparse_weight_validation():
    with pytest.raises(InputError, match="duplicate"):
        SparseWeight.from_coo([0, 0], [1, 1], [1.0, 2.0], (1, 2))
    with pytest.raises(InputError, match="indptr must have length 3"):
        SparseWeight((2, 2), [0, 1], [0], [1.0])
    with pytest.raises(InputError, match="non-decreasing"):
        SparseWeight((2, 2), [0, 2, 1], [0, 1], [1.0, 1.0])
    with pytest.raises(InputError, match="column index out of range"):
        SparseWeight((1, 2), [0, 1], [2], [1.0])
    with pytest.raises(InputError, match="same length"):
        SparseWeight((1, 2), [0, 1], [0], [1.0, 2.0])


def test_sparse_weight_from_coo_refuses_rows_out_of_range():
    # regression: row -2 of 2 rows was counted in the slot of row 1 and silently stored there
    for rows in ([-2], [0, -3], [-1], [2]):
        with pytest.raises(InputError, match=r"^COO row index out of range for 2 rows$"):
            SparseWeight.from_coo(rows, [0] * len(rows), [5.0] * len(rows), (2, 3))
    with pytest.raises(InputError, match=r"^COO rows, cols and vals must be 1-D of one length, got shapes \(2,\), \(1,\) and \(2,\)$"):
        SparseWeight.from_coo([0, 1], [0], [5.0, 7.0], (2, 2))
    with pytest.raises(InputError, match="1-D of one length"):
        SparseWeight.from_coo([0, 1], [0, 1], [5.0], (2, 2))
    assert SparseWeight.from_coo([1], [0], [5.0], (2, 2)).toarray().tolist() == [[0.0, 0.0], [5.0, 0.0]]
    assert SparseWeight.from_coo([], [], [], (2, 2)).toarray().tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_forward_shapes_and_chunking():
    rng = np.random.default_rng(0)
    net = ReLUNetwork([(rng.normal(size=(7, 3)), rng.normal(size=7)), (rng.normal(size=(4, 7)), rng.normal(size=4))])
    X = rng.random((23, 3))
    full = net.forward(X)
    assert full.shape == (23, 4)
    for chunk in (1, 5, 23, 100):
        assert_close(net.forward(X, chunk_size=chunk), full)
        vals, err = net.forward_certified(X, chunk_size=chunk)
        assert_close(vals, full)
        assert err.shape == (23, 4) and (err > 0).all()
    for bad in (0, 2.0, False):
        with pytest.raises(InputError, match=f"chunk_size must be an int >= 1, got {bad}"):
            net.forward(X, chunk_size=bad)
    with pytest.raises(InputError, match="X has 2 features, expected 3"):
        net.forward(X[:, :2])
    with pytest.raises(InputError, match="finite"):
        net.forward(np.array([[0.0, np.nan, 1.0]]))
    assert net.forward(X[0]).shape == (1, 4)  # one sample as a 1-D vector
    assert ABS.forward(np.array([[0.5], [-1.0]])).shape == (2,)


def test_summary_and_repr():
    s = MAX2.summary()
    assert s == {"params": 13, "params_nonzero": 7, "width": 3, "depth": 2, "bottleneck": 2,
                 "max_weight_bits": 1, "n_inputs": 2, "n_outputs": 1}
    assert repr(MAX2) == "ReLUNetwork(2 -> 3 -> 1; depth=2, width=3, params=13)"
    deep = ReLUNetwork([(np.eye(2), np.zeros(2))] * 10)
    assert "more" in repr(deep) and "depth=10" in repr(deep)


def test_integer_arrays_keep_exact_values():
    """uint64/int64 weights beyond 2**53 are stored exactly (object ints), never rounded."""
    big = np.array([[2**64 - 1, 3]], dtype=np.uint64)
    layer = AffineLayer(big, np.array([-(2**62) - 1], dtype=np.int64))
    assert layer.weight.dtype == object and layer.weight[0, 0] == 2**64 - 1
    assert layer.bias[0] == -(2**62) - 1
    small = AffineLayer(np.array([[2**52, -3]], dtype=np.int64), np.array([1], dtype=np.uint8))
    assert small.weight.dtype == np.float64 and small.weight[0, 0] == 2.0**52


def test_rank_of_single_entry_rows_counts_distinct_columns():
    """Rows with one non-zero each: rank = distinct columns read (dense, sparse, exact)."""
    from fractions import Fraction

    from memnets import ReLUNetwork, SparseWeight

    dense = ReLUNetwork([(np.array([[0, 2.0, 0], [0, -1, 0], [3, 0, 0]]), [0, 0, 0]), ([[1, 1, 1]], [0])])
    assert dense.rank_first_layer == 2
    sparse = ReLUNetwork(
        [(SparseWeight.from_rows([{1: Fraction(2, 3)}, {1: -1}, {0: 5}, {}], 3), [0, 0, 0, 0]), ([[1, 1, 1, 1]], [0])]
    )
    assert sparse.rank_first_layer == 2
    assert sparse.bottleneck == 2


def test_layer_sizes_have_one_name_and_the_old_one_is_deprecated() -> None:
    layer = AffineLayer(np.zeros((3, 5)), np.zeros(3))
    assert (layer.n_inputs, layer.n_outputs) == (5, 3)
    with pytest.warns(DeprecationWarning, match=r"AffineLayer\.in_features is deprecated: use AffineLayer\.n_inputs"):
        assert layer.in_features == 5
    with pytest.warns(DeprecationWarning, match=r"AffineLayer\.out_features is deprecated: use AffineLayer\.n_outputs"):
        assert layer.out_features == 3


def test_rank_of_a_wide_sparse_float_first_layer_above_the_gram_threshold() -> None:
    """Regression: above 5e7 dense entries a sparse float first layer is ranked through its
    Gram matrix, which was always W^T W (n x n): a 2 x 25,000,001 layer asked NumPy for a
    4.4 PiB array. A wide W now uses W W^T (2 x 2 here), with the same rank."""
    n = 25_000_001
    w = SparseWeight((2, n), [0, 2, 4], [0, n - 1, 0, n - 1], np.array([1.0, 2.0, 3.0, 6.0]))
    assert not w.is_exact
    net = ReLUNetwork([(w, np.zeros(2)), ([[1.0, 1.0]], [0.0])])
    assert net.rank_first_layer == 1 and net.bottleneck == 1  # row 2 = 3 row 1
