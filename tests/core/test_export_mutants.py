"""The exporters' contract (memnets._core.export): cases written to kill mutmut survivors
(benchmarks/mutate.py export).

Refusals are pinned in full (which layer, weight or bias, which module, why), from_torch
refuses every Sequential that is not Linear, ReLU, ..., Linear, the defensive finite guard
and the 2 GiB ONNX limit are hit at their boundary, and the ONNX graph's names, symbolic
batch dimension and producer are read back from the file.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from types import SimpleNamespace

import numpy as np
import pytest

import memnets
from memnets import ExactnessError, InputError, OptionError, ReLUNetwork
from memnets._core import export

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

NET = ReLUNetwork([([[0.5, -2.0], [1.0, 0.25]], [0.25, 0.0]), ([[1.0, -1.0]], [0.5])])


def test_a_weight_beyond_float64_is_refused_even_past_the_exactness_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The finite guard after the exactness check: a weight or a bias that rounds to inf is
    refused on its own (the check is bypassed here to reach the guard)."""
    for weight, bias in (([[2**1100]], [0]), ([[1]], [2**1100])):
        w = np.empty((1, 1), dtype=object)
        w[:] = weight
        b = np.empty(1, dtype=object)
        b[:] = bias
        net = ReLUNetwork([(w, b)])
        monkeypatch.setattr(net, "check_float64_representable", lambda target: None)
        with pytest.raises(ExactnessError, match=r"^cannot export to torch: a weight does not fit float64$"):
            export.dense_float_layers(net, "torch")


def test_float32_refusal_names_the_layer_and_the_array() -> None:
    with pytest.raises(ExactnessError, match=r"^cannot export to torch\.float32: layer 0 weight needs more than "
                       r"the 24 significand bits \(or the exponent range\) of float32 \(float64_bits_needed=52\); "
                       r"use dtype=torch\.float64$"):
        ReLUNetwork([([[0.1]], [0.0])]).to_torch(dtype=torch.float32)
    bias_only = ReLUNetwork([([[1.0]], [0.0]), ([[2.0]], [1.0 + 2.0**-30])])
    with pytest.raises(ExactnessError, match=r"^cannot export to torch\.float32: layer 1 bias needs more than"):
        bias_only.to_torch(dtype=torch.float32)


def test_missing_torch_or_onnx_names_the_caller(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"^to_torch\(\) needs PyTorch: pip install 'memnets\[torch\]' "
                       r"\(torch==2\.13\.0\)$"):
        NET.to_torch()
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r"^to_onnx\(\) needs onnx: pip install 'memnets\[onnx\]'$"):
        NET.to_onnx(tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


# ------------------------------------------------------------------ from_torch
def test_a_lone_linear_is_a_one_layer_network() -> None:
    lin = torch.nn.Linear(2, 3, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
        lin.bias.copy_(torch.tensor([0.5, -0.5, 0.0]))
    net = ReLUNetwork.from_torch(lin)
    assert net.layer_sizes == (2, 3) and net.depth == 1
    assert net.layers[0].weight.tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert net.layers[0].bias.tolist() == [0.5, -0.5, 0.0]


def test_another_model_is_refused_naming_its_type() -> None:
    with pytest.raises(InputError) as info:
        ReLUNetwork.from_torch(torch.nn.Conv1d(1, 1, 1))
    assert str(info.value) == ("a torch model must be a torch.nn.Sequential of Linear/ReLU (or one Linear), "
                               "got Conv1d")


def test_a_module_other_than_relu_between_linears_is_refused() -> None:
    """Tanh where a ReLU must be: accepting it would import a different function."""
    bad = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1))
    with pytest.raises(InputError) as info:
        ReLUNetwork.from_torch(bad)
    assert str(info.value) == ("module 1 of the Sequential is Tanh, expected ReLU: only "
                               "torch.nn.Sequential(Linear, ReLU, Linear, ..., Linear) is a ReLU network")


@pytest.mark.parametrize("modules", [[], ["linear", "relu"], ["relu"]])
def test_a_sequential_must_start_and_end_with_a_linear(modules: list[str]) -> None:
    build = {"linear": lambda: torch.nn.Linear(2, 2), "relu": torch.nn.ReLU}
    model = torch.nn.Sequential(*(build[m]() for m in modules))
    with pytest.raises(InputError) as info:
        ReLUNetwork.from_torch(model)
    if modules == ["relu"]:
        assert str(info.value).startswith("module 0 of the Sequential is ReLU, expected Linear: only ")
    else:
        assert str(info.value) == "the Sequential must start and end with a Linear layer"


# ------------------------------------------------------------------ ONNX
def test_the_onnx_size_limit_is_two_gib_minus_one_mib_of_weights_and_biases(monkeypatch: pytest.MonkeyPatch,
                                                                           tmp_path) -> None:
    """``total >= 2**31 - 2**20`` bytes of W and b is refused; 8 bytes less goes on (to a
    stubbed serialiser: the layers are stand-ins that only report their sizes in bytes)."""
    limit = 2**31 - 2**20
    bias = SimpleNamespace(nbytes=2**20)

    class Reached(Exception):
        pass

    def stop(*args: object, **kwargs: object) -> None:
        raise Reached

    monkeypatch.setattr(onnx.numpy_helper, "from_array", stop)
    for total in (limit, limit + 8, limit - 8):
        w = SimpleNamespace(nbytes=total - 2**20, T=np.zeros((1, 2)))
        monkeypatch.setattr(export, "dense_float_layers", lambda *a, w=w: [(w, bias)])
        if total >= limit:
            with pytest.raises(OptionError) as info:
                export.to_onnx(NET, tmp_path / "big.onnx")
            assert str(info.value) == (f"cannot export to ONNX: the dense weights take {total} bytes, over the "
                                       "2 GiB limit of one ONNX protobuf file")
        else:
            with pytest.raises(Reached):
                export.to_onnx(NET, tmp_path / "big.onnx")
    assert not (tmp_path / "big.onnx").exists()


def test_the_onnx_graph_names_its_nodes_batch_dimension_and_producer(tmp_path) -> None:
    path = tmp_path / "m.onnx"
    NET.to_onnx(path)
    model = onnx.load(str(path))
    g = model.graph
    assert g.name == "memnets_relu_network"
    assert [n.name for n in g.node] == ["matmul0", "add0", "relu0", "matmul1", "add1"]
    assert [(list(n.input), list(n.output)) for n in g.node] == [
        (["x", "W0"], ["mm0"]), (["mm0", "b0"], ["z0"]), (["z0"], ["a0"]),
        (["a0", "W1"], ["mm1"]), (["mm1", "b1"], ["y"])]
    for value, width in ((g.input[0], 2), (g.output[0], 1)):
        dims = value.type.tensor_type.shape.dim
        assert value.type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
        assert [(d.dim_param, d.dim_value) for d in dims] == [("N", 0), ("", width)]
    assert (model.producer_name, model.producer_version) == ("memnets", memnets.__version__)
    assert model.ir_version == export.ONNX_IR_VERSION
    inits = {t.name: onnx.numpy_helper.to_array(t) for t in g.initializer}
    assert inits["W0"].T.tolist() == [[0.5, -2.0], [1.0, 0.25]] and inits["b1"].tolist() == [0.5]
    assert [Fraction(v) for v in inits["b0"].tolist()] == [Fraction(1, 4), 0]
