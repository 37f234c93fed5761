"""ReLUNetwork outside the certified evaluation (benchmarks/mutate.py network-rest): cases
written to kill mutmut survivors.

Ranks are worked by hand (the single-entry shortcut, exact and float first layers), bit
counts and refusal messages are pinned in full, and the float engine's chunks are recorded
at the first layer (rows are independent, so only the batch sizes show a chunking change).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse as sp

import memnets._core.network as network_module
from memnets import AffineLayer, ExactnessError, InputError, ReLUNetwork, SparseWeight


def _obj(rows: list[list[object]]) -> np.ndarray:
    a = np.empty((len(rows), len(rows[0])), dtype=object)
    a[:] = rows
    return a


def _net(first: object, n_hidden: int) -> ReLUNetwork:
    return ReLUNetwork([(first, np.zeros(n_hidden)), (np.ones((1, n_hidden)), [0.0])])


def test_an_empty_network_is_refused_by_name() -> None:
    with pytest.raises(InputError, match=r"^a network needs at least one layer$"):
        ReLUNetwork([])


# ------------------------------------------------------------------ rank of the first layer
@pytest.mark.parametrize("sparse", [False, True])
def test_rows_of_two_equal_ones_have_rank_one(sparse: bool) -> None:
    """``[[1, 1], [1, 1]]``: two entries per row, so not the single-entry shortcut (which would
    count 2 distinct columns), and entries equal to 1 (a shortcut testing ``!= 1`` sees none)."""
    W = np.ones((2, 2))
    net = _net(SparseWeight.from_dense(W) if sparse else W, 2)
    assert net.rank_first_layer == 1 and net.bottleneck == 1


def test_single_entry_rows_of_one_read_their_columns() -> None:
    eye = SparseWeight.from_dense(np.eye(3))
    assert _net(eye, 3).rank_first_layer == 3
    assert _net(np.eye(3), 3).rank_first_layer == 3


def test_single_entry_rows_are_ranked_exactly_even_when_tiny() -> None:
    """One non-zero per row: the rank is the number of distinct columns, exactly. Float SVD
    (``matrix_rank``) would call ``1e-20`` zero and answer 1."""
    W = np.array([[1e-20, 0.0], [0.0, 1.0], [0.0, -3.0]])
    assert np.linalg.matrix_rank(W) == 1
    assert _net(W, 3).rank_first_layer == 2
    assert _net(SparseWeight.from_dense(W), 3).rank_first_layer == 2


@pytest.mark.parametrize("sparse", [False, True])
def test_an_empty_first_layer_has_rank_zero(sparse: bool) -> None:
    W = np.zeros((0, 3))
    first = SparseWeight((0, 3), [0], [], np.zeros(0)) if sparse else W
    net = ReLUNetwork([(first, np.zeros(0)), (np.zeros((1, 0)), [0.0])])
    assert net.rank_first_layer == 0 and net.layer_sizes == (3, 0, 1)


def test_an_exact_first_layer_is_ranked_exactly_not_in_float() -> None:
    """``1 + 2**-60`` rounds to 1 in float64, which would make the two rows equal."""
    W = _obj([[1, 1], [1, 1 + Fraction(1, 2**60)]])
    assert np.linalg.matrix_rank(W.astype(float)) == 1
    assert _net(W, 2).rank_first_layer == 2


def test_a_sparse_float_first_layer_is_densified_and_ranked() -> None:
    W = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 0.0], [0.0, 0.0, 0.5]])  # row 2 = 2 row 1
    assert _net(SparseWeight.from_dense(W), 3).rank_first_layer == 2
    assert _net(sp.csr_array(W), 3).rank_first_layer == 2


def test_gram_for_rank_is_the_smaller_gram_matrix() -> None:
    W = sp.csr_array(np.array([[1.0, 2.0], [0.0, 1.0], [3.0, 6.0], [0.0, 0.0]]))
    G = network_module._gram_for_rank(W)  # tall: W^T W, 2 x 2
    assert isinstance(G, np.ndarray) and G.tolist() == [[10.0, 20.0], [20.0, 41.0]]
    assert np.linalg.matrix_rank(G) == 2
    G = network_module._gram_for_rank(sp.csr_array(W.toarray().T))  # wide: W W^T, 2 x 2 again
    assert G.tolist() == [[10.0, 20.0], [20.0, 41.0]]
    square = sp.csr_array(np.array([[1.0, 2.0], [0.0, 1.0]]))  # W^T W = [[1, 2], [2, 5]]; W W^T differs
    assert network_module._gram_for_rank(square).tolist() == [[1.0, 2.0], [2.0, 5.0]]


# ------------------------------------------------------------------ float64 exactness
def test_an_all_zero_network_needs_no_bits() -> None:
    assert ReLUNetwork([(np.zeros((2, 2)), np.zeros(2))]).float64_bits_needed == 0
    assert ReLUNetwork([(_obj([[0, 0]]), np.array([0], dtype=object))]).float64_bits_needed == 0


def test_an_exact_bias_after_float_weights_is_read() -> None:
    """The float64 weights need at most 53 bits; the exact bias after them needs 54."""
    bias = np.array([2**53 + 1], dtype=object)
    net = ReLUNetwork([AffineLayer(np.array([[1.0]]), bias)])
    assert net.float64_bits_needed == 54 and not net.float64_representable
    third = ReLUNetwork([AffineLayer(np.array([[1.0]]), np.array([Fraction(1, 3)], dtype=object))])
    assert third.float64_bits_needed is None


def test_refusal_messages_in_full() -> None:
    third = ReLUNetwork([(_obj([[Fraction(1, 3)]]), np.array([0], dtype=object))])
    with pytest.raises(ExactnessError, match=r"^cannot export to float64: some weight is a fraction "):
        third.check_float64_representable()
    wide = ReLUNetwork([(_obj([[2**53 + 1]]), np.array([0], dtype=object))])
    with pytest.raises(ExactnessError) as info:
        wide.check_float64_representable()
    assert str(info.value) == (
        "cannot export to float64: the weights need 54 significand bits (max_weight_bits=54); "
        "float64 stores 53 significand bits. Evaluate with forward_exact() instead."
    )
    huge = ReLUNetwork([(_obj([[2**1024]]), np.array([0], dtype=object))])
    with pytest.raises(ExactnessError) as info:
        huge.check_float64_representable("torch")
    assert str(info.value).startswith(
        "cannot export to torch: the weights exceed float64's exponent range (max_weight_bits=1025)"
    )


# ------------------------------------------------------------------ the float engine's chunks
def _first_layer_batches(monkeypatch: pytest.MonkeyPatch, net: ReLUNetwork) -> list[int]:
    first = net.layers[0]
    real = AffineLayer.apply_float
    batches: list[int] = []

    def spy(layer: AffineLayer, a: np.ndarray, *args: object, **kwargs: object) -> np.ndarray:
        if layer is first:
            batches.append(a.shape[0])
        return real(layer, a, *args, **kwargs)

    monkeypatch.setattr(AffineLayer, "apply_float", spy)
    return batches


def test_default_chunks_cover_every_row_once_in_whole_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    net = ReLUNetwork([(rng.normal(size=(4, 2)), rng.normal(size=4)), (rng.normal(size=(3, 4)), rng.normal(size=3))])
    X = rng.uniform(-1, 1, size=(11, 2))
    want = np.array([[float(v) for v in row] for row in net.forward_exact(X)])
    batches = _first_layer_batches(monkeypatch, net)
    got = net.forward(X)
    assert batches == [11]  # one chunk: 11 rows x width 4 is far below the target
    assert np.abs(got - want).max() <= 1e-12
    monkeypatch.setattr(network_module, "_FLOAT_TARGET_ELEMENTS", 12)  # 12 // 4 = 3 rows a chunk
    batches.clear()
    got = net.forward(X)
    assert batches == [3, 3, 3, 2]
    assert np.abs(got - want).max() <= 1e-12
    batches.clear()
    assert np.abs(net.forward(X, chunk_size=5) - want).max() <= 1e-12 and batches == [5, 5, 1]


def test_forward_exact_passes_chunk_size_on() -> None:
    net = ReLUNetwork([([[1.0], [-1.0]], [0.0, 0.0]), ([[1, 1]], [0])])
    X = np.array([[0.25], [-0.5]])
    with pytest.raises(InputError, match="chunk_size must be an int >= 1, got 0"):
        net.forward_exact(X, chunk_size=0)
    assert net.forward_exact(X, chunk_size=1).tolist() == [Fraction(1, 4), Fraction(1, 2)]


# ------------------------------------------------------------------ repr
def _chain(sizes: list[int]) -> ReLUNetwork:
    return ReLUNetwork([(np.zeros((m, n)), np.zeros(m)) for n, m in itertools.pairwise(sizes)])


def test_repr_shows_up_to_eight_sizes_then_four_and_two() -> None:
    # params: sum over layers of (n + 1) m = sum of (k + 1)**2 for sizes k -> k + 1
    eight = _chain([1, 2, 3, 4, 5, 6, 7, 8])
    assert repr(eight) == "ReLUNetwork(1 -> 2 -> 3 -> 4 -> 5 -> 6 -> 7 -> 8; depth=7, width=7, params=203)"
    nine = _chain([1, 2, 3, 4, 5, 6, 7, 8, 9])
    assert repr(nine) == "ReLUNetwork(1 -> 2 -> 3 -> 4 -> ... (3 more) -> 8 -> 9; depth=8, width=8, params=284)"
    many = _chain(list(range(1, 21)))
    assert repr(many).startswith("ReLUNetwork(1 -> 2 -> 3 -> 4 -> ... (14 more) -> 19 -> 20; depth=19, width=19,")
