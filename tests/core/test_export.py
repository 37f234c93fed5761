"""to_torch / to_onnx: same outputs as forward, bit-identical weights, clear refusals."""

from __future__ import annotations

import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _hand_networks import popcount_network, random_network
from _helpers import assert_close
from memnets import ExactnessError, InputError, OptionError, ReLUNetwork
from memnets._core.export import ONNX_OPSET, to_onnx, to_torch

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

FLOATISH = ("float", "int", "dyadic")  # kinds whose entries are float64 numbers (ints < 2**70: not all)


def float_network(seed: int) -> ReLUNetwork:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 7, size=int(rng.integers(2, 6)))
    layers = []
    for k in range(len(sizes) - 1):
        w = rng.normal(size=(sizes[k + 1], sizes[k]))
        w[rng.random(w.shape) < 0.3] = 0.0
        if rng.random() < 0.5:
            from memnets import SparseWeight

            w = SparseWeight.from_dense(w)
        layers.append((w, rng.normal(size=sizes[k + 1])))
    return ReLUNetwork(layers)


def torch_out(net: ReLUNetwork, X: np.ndarray, **kw) -> np.ndarray:
    model = net.to_torch(**kw)
    with torch.no_grad():
        return model(torch.from_numpy(X)).numpy()


def onnx_out(net: ReLUNetwork, X: np.ndarray, path) -> np.ndarray:
    net.to_onnx(path)
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": X})[0]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_torch_and_onnx_match_forward_on_random_networks(tmp_path_factory, seed):
    net = float_network(seed)
    X = np.random.default_rng(seed).random((17, net.n_inputs))
    ref = net.forward(X).reshape(17, -1)
    got_t = torch_out(net, X)
    got_o = onnx_out(net, X, tmp_path_factory.mktemp("onnx") / "m.onnx")
    assert got_t.dtype == np.float64 and got_o.dtype == np.float64
    assert got_t.shape == got_o.shape == (17, net.n_outputs)
    assert_close(got_t, ref)
    assert_close(got_o, ref)
    # and all three within the certified distance of the exact value
    _vals, err = net.forward_certified(X)
    exact = np.array([[float(v) for v in row] for row in net.forward_exact(X).reshape(17, -1)])
    bound = err.reshape(17, -1) * 4 + 1e-300
    assert (np.abs(got_t - exact) <= bound).all() and (np.abs(got_o - exact) <= bound).all()


def test_exported_weights_are_bit_identical_including_exact_dyadics(tmp_path):
    w = np.empty((2, 2), dtype=object)
    w[:] = [[Fraction(3, 2**60), 2**52 + 1], [-7, Fraction(-1, 2)]]
    b = np.empty(2, dtype=object)
    b[:] = [Fraction(1, 2**1000), 2**80]
    net = ReLUNetwork([(w, b), ([[1.0, -0.1]], [0.0])])
    assert net.float64_representable
    model = net.to_torch()
    lin = model[0]
    assert lin.weight.dtype == torch.float64
    assert [Fraction(v) for v in lin.weight.numpy().ravel().tolist()] == [Fraction(v) for v in w.ravel()]
    assert [Fraction(v) for v in lin.bias.numpy().tolist()] == list(b)
    assert not lin.weight.requires_grad and not model.training
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    path = tmp_path / "m.onnx"
    net.to_onnx(path)
    model_proto = onnx.load(str(path))
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in model_proto.graph.initializer}
    assert np.array_equal(inits["W0"].T.view(np.int64), net.layers[0].float_weight.view(np.int64))
    assert model_proto.opset_import[0].version == ONNX_OPSET
    assert [n.op_type for n in model_proto.graph.node] == ["MatMul", "Add", "Relu", "MatMul", "Add"]


def test_float_exact_deep_sparse_network_exports_exactly(tmp_path):
    """All intermediate values are integers < 2**53: float64 (numpy, torch, ONNX) is exact.

    (Products 2**k * relu(P - 2**k) stay below 2**52 for a 26-bit register.)
    """
    constant = 0b1011 << 20
    net = popcount_network(26, 12, constant)
    assert net.float64_representable and net.max_weight_bits <= 26
    ks = [0, 5, 2**12 - 1, 1234]
    X = np.array([[k / 2**12] for k in ks])
    want = [bin(constant + k).count("1") for k in ks]
    assert net.forward_exact(X).tolist() == want
    assert net.forward(X).tolist() == want
    assert torch_out(net, X)[:, 0].tolist() == want
    assert onnx_out(net, X, tmp_path / "p.onnx")[:, 0].tolist() == want


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (2**300 + 1, "need 301 significand bits"),
        (Fraction(1, 3), "denominator is not a power of two"),
        (2**1100, "exponent range"),
    ],
)
def test_refusal_names_the_bits(tmp_path, entry, message):
    w = np.empty((1, 1), dtype=object)
    w[0, 0] = entry
    net = ReLUNetwork([(w, [0])])
    with pytest.raises(ExactnessError, match=f"cannot export to torch: .*{message}"):
        net.to_torch()
    path = tmp_path / "bad.onnx"
    with pytest.raises(ExactnessError, match=f"cannot export to ONNX: .*{message}"):
        net.to_onnx(path)
    assert not path.exists()


def test_popcount_300_bits_refused():
    net = popcount_network(300, 40, 1 << 250)
    with pytest.raises(ExactnessError, match=r"significand bits \(max_weight_bits=300\)"):
        net.to_torch()


def test_float32_only_when_weights_are_float32(tmp_path):
    ok = ReLUNetwork([([[0.5, -2.0]], [0.25])])
    m = ok.to_torch(dtype=torch.float32)
    assert m[0].weight.dtype == torch.float32
    assert m(torch.tensor([[1.0, 1.0]])).item() == -1.25
    with pytest.raises(ExactnessError, match="float32"):
        ReLUNetwork([([[0.1]], [0.0])]).to_torch(dtype=torch.float32)
    with pytest.raises(OptionError, match="dtype"):
        ok.to_torch(dtype=torch.int64)


def test_absurd_dense_size_refused(tmp_path):
    from memnets import SparseWeight

    w = SparseWeight.from_rows([{0: 1.0}] * 3, 10**6)
    net = ReLUNetwork([(w, np.zeros(3))])
    with pytest.raises(OptionError, match=r"layer 0 would be a dense 3 x 1000000 matrix"):
        to_torch(net, max_dense_entries=10**6)
    with pytest.raises(OptionError, match="dense"):
        to_onnx(net, tmp_path / "x.onnx", max_dense_entries=10**6)
    assert to_torch(net, max_dense_entries=3 * 10**6)[0].weight.shape == (3, 10**6)


def test_missing_torch_gives_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install 'memnets\[torch\]' \(torch==2.13.0\)"):
        ReLUNetwork([([[1.0]], [0.0])]).to_torch()


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_from_torch_inverts_to_torch_bit_for_bit(seed):
    net = float_network(seed)
    back = ReLUNetwork.from_torch(to_torch(net))
    assert back.layer_sizes == net.layer_sizes
    for a, b in zip(net.layers, back.layers, strict=True):
        assert b.weight.dtype == np.float64 and np.array_equal(a.dense_weight(), b.weight)
        assert np.array_equal(a.bias, b.bias)
    # float32 weights are float64 values: converted exactly; a Linear without bias gets zeros
    lin = torch.nn.Linear(3, 2, bias=False, dtype=torch.float32)
    one = ReLUNetwork.from_torch(torch.nn.Sequential(torch.nn.Flatten(), lin))
    assert np.array_equal(one.layers[0].weight, lin.weight.detach().numpy().astype(np.float64))
    assert one.layers[0].bias.tolist() == [0.0, 0.0]


def test_from_torch_refuses_other_models(monkeypatch):
    with pytest.raises(InputError, match=r"torch\.nn\.Sequential of Linear/ReLU"):
        ReLUNetwork.from_torch(torch.nn.Conv1d(1, 1, 1))
    with pytest.raises(InputError, match=r"module 2 of the Sequential is Tanh, expected Linear"):
        ReLUNetwork.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Tanh()))
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"from_torch\(\) needs PyTorch"):
        ReLUNetwork.from_torch(object())


def test_random_exact_networks_export_iff_representable():
    for seed in range(30):
        net = random_network(seed, kinds=("int", "dyadic", "fraction"))
        if net.float64_representable:
            X = np.random.default_rng(seed).random((3, net.n_inputs))
            assert_close(torch_out(net, X), net.forward(X).reshape(3, -1))
        else:
            with pytest.raises(ExactnessError):
                net.to_torch()
