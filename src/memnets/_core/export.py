"""Exporters: a :class:`~memnets.ReLUNetwork` as a PyTorch module or an ONNX model, and back
from PyTorch (:func:`from_torch`).

Both are thin adapters around the framework-free network (einops-style backends): they
read each layer's weight and bias and emit ``Linear``/``ReLU`` (torch) or
``MatMul``/``Add``/``Relu`` nodes in ``DOUBLE`` (ONNX, opset :data:`ONNX_OPSET`).

Exactness contract. An export is only produced when every entry of the network *is* a
float64 number (:meth:`~memnets.ReLUNetwork.check_float64_representable`); otherwise
:class:`~memnets.ExactnessError` names the significand bits needed. The exported weights are
then bit-for-bit the network's weights, and the exported model computes the same function
as :meth:`~memnets.ReLUNetwork.forward` up to floating-point summation order (both are
float64; :meth:`~memnets.ReLUNetwork.forward_certified` bounds either one's distance to the
exact value).

Sparse layers are densified for export only (torch ``Linear`` and ONNX ``MatMul`` are
dense); a layer with more than ``max_dense_entries`` dense entries is refused with an
:class:`~memnets.OptionError` naming its shape, instead of allocating gigabytes.

torch and onnx are optional: ``pip install 'memnets[torch]'`` (``torch==2.13.0``) and
``pip install 'memnets[onnx]'``. They are imported only inside these functions.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import scipy.sparse as sp

from memnets._core.errors import ExactnessError, InputError, OptionError
from memnets._core.layers import LayerStack

__all__ = [
    "ONNX_OPSET",
    "affine_from_torch",
    "dense_float_layers",
    "to_onnx",
    "to_torch",
    "torch_layers",
]

#: ONNX operator set used by :func:`to_onnx` (MatMul-13, Add-14, Relu-14 in DOUBLE).
ONNX_OPSET = 17
#: IR version matching :data:`ONNX_OPSET` (ONNX 1.12), readable by every onnxruntime >= 1.12.
ONNX_IR_VERSION = 8
#: Largest dense weight matrix an exporter will materialise (2**27 float64 entries = 1 GiB).
MAX_DENSE_ENTRIES = 2**27


def dense_float_layers(
    net: LayerStack, target: str, max_dense_entries: int = MAX_DENSE_ENTRIES
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[(W, b)]`` as dense float64 arrays, after the exactness and size checks.

    ``W`` has shape (n_outputs, n_inputs). Raises :class:`ExactnessError` when some
    entry is not a float64 and :class:`OptionError` when a layer is larger than
    ``max_dense_entries`` dense entries.
    """
    net.check_float64_representable(target)
    for k, layer in enumerate(net.layers):
        size = layer.n_outputs * layer.n_inputs
        if size > max_dense_entries:
            raise OptionError(
                f"cannot export to {target}: layer {k} would be a dense {layer.n_outputs} x "
                f"{layer.n_inputs} matrix ({size} entries > max_dense_entries="
                f"{max_dense_entries}); {target} has no sparse layers"
            )
    out = []
    for layer in net.layers:
        w: Any = layer.float_weight  # float64, entries rounded to nearest (exact: checked above)
        dense = w.toarray() if sp.issparse(w) else np.array(w, dtype=np.float64)
        b = np.array(layer.float_bias, dtype=np.float64)
        # representable was checked, so conversion is exact; guard against a logic error
        if not (np.isfinite(dense).all() and np.isfinite(b).all()):
            raise ExactnessError(f"cannot export to {target}: a weight does not fit float64")
        out.append((np.ascontiguousarray(dense), np.ascontiguousarray(b)))
    return out


def _import_torch(caller: str = "to_torch()") -> Any:
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs PyTorch: pip install 'memnets[torch]' (torch==2.13.0)"
        ) from exc
    return torch


def to_torch(
    net: LayerStack, dtype: Any = None, *, max_dense_entries: int = MAX_DENSE_ENTRIES
) -> Any:
    """A ``torch.nn.Sequential`` of ``Linear``/``ReLU`` computing ``net``.

    Parameters
    ----------
    net : ReLUNetwork
        Every entry must be a float64 number (else :class:`ExactnessError`, naming the bits).
    dtype : torch.dtype, optional
        ``torch.float64`` (default). ``torch.float32`` is accepted only when every weight is
        also exactly a float32 (else :class:`ExactnessError`); its outputs are then float32
        evaluations, no longer within ``forward_certified``'s bound.
    max_dense_entries : int
        Refuse (``OptionError``) a layer whose dense weight would exceed this many entries.

    Returns
    -------
    torch.nn.Sequential
        ``Linear(n_0, n_1), ReLU(), ..., Linear(n_{L-1}, n_L)`` in eval mode, without gradients;
        input shape (N, n_inputs), output shape (N, n_outputs) (``forward`` squeezes a single
        output to (N,), torch does not).
    """
    layers = dense_float_layers(net, "torch", max_dense_entries)
    torch = _import_torch()
    dtype = torch.float64 if dtype is None else dtype
    if dtype not in (torch.float64, torch.float32):
        raise OptionError(f"dtype must be torch.float64 or torch.float32, got {dtype}")
    if dtype == torch.float32:
        for k, (w, b) in enumerate(layers):
            for name, arr in (("weight", w), ("bias", b)):
                if not np.array_equal(arr.astype(np.float32).astype(np.float64), arr):
                    raise ExactnessError(
                        f"cannot export to torch.float32: layer {k} {name} needs more than the "
                        f"24 significand bits (or the exponent range) of float32 "
                        f"(float64_bits_needed={net.float64_bits_needed}); use dtype=torch.float64"
                    )
    modules: list[Any] = []
    last = len(layers) - 1
    for k, (w, b) in enumerate(layers):
        lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=True, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        lin.requires_grad_(False)
        modules.append(lin)
        if k < last:
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules).eval()


def affine_from_torch(weight: Any, bias: Any) -> tuple[np.ndarray, np.ndarray]:
    """A torch weight matrix and bias (``None``: zeros) as float64 NumPy copies, exactly
    (float32, float16 and bfloat16 values are float64 values)."""
    w = weight.detach().double().cpu().numpy().copy()
    b = bias.detach().double().cpu().numpy().copy() if bias is not None else np.zeros(w.shape[0])
    return w, b


def torch_layers(model: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """The inverse of :func:`to_torch`: the ``(W, b)`` float64 layers of a ``torch.nn.Sequential``
    of ``Linear`` / ``ReLU`` (build the network with :meth:`ReLUNetwork.from_torch`, which
    calls this; the exporter itself never imports the network: no cycle in the core).

    The module list must alternate ``Linear, ReLU, Linear, ..., Linear`` (an optional leading
    ``Flatten`` is allowed; a lone ``Linear`` is a one-layer network). Weights are converted
    to float64 exactly (float32 and float16 values are float64 values), so
    ``ReLUNetwork.from_torch(to_torch(net))`` has ``net``'s float64 weights bit for bit. Any other module
    raises :class:`~memnets.InputError` naming its position and type.
    """
    torch = _import_torch("from_torch()")
    if isinstance(model, torch.nn.Linear):
        model = torch.nn.Sequential(model)
    if not isinstance(model, torch.nn.Sequential):
        raise InputError(
            "a torch model must be a torch.nn.Sequential of Linear/ReLU (or one Linear), got "
            f"{type(model).__name__}"
        )
    mods = list(model)
    if mods and isinstance(mods[0], torch.nn.Flatten):
        mods = mods[1:]
    layers = []
    expect_linear = True
    for k, m in enumerate(mods):
        if expect_linear and isinstance(m, torch.nn.Linear):
            layers.append(affine_from_torch(m.weight, m.bias))
        elif not expect_linear and isinstance(m, torch.nn.ReLU):
            pass
        else:
            want = "Linear" if expect_linear else "ReLU"
            raise InputError(
                f"module {k} of the Sequential is {type(m).__name__}, expected {want}: only "
                "torch.nn.Sequential(Linear, ReLU, Linear, ..., Linear) is a ReLU network"
            )
        expect_linear = not expect_linear
    if not layers or expect_linear:
        raise InputError("the Sequential must start and end with a Linear layer")
    return layers


def to_onnx(
    net: LayerStack,
    path: str | os.PathLike[str],
    *,
    max_dense_entries: int = MAX_DENSE_ENTRIES,
) -> None:
    """Write an ONNX model of ``net`` to ``path`` (float64 throughout).

    Graph: input ``x`` of type ``tensor(double)`` and shape ``(N, n_inputs)`` (``N`` symbolic),
    then per layer ``MatMul(a, W_k^T)``, ``Add(., b_k)`` and ``Relu`` (not after the last),
    output ``y`` of shape ``(N, n_outputs)``. Opset :data:`ONNX_OPSET`, IR version
    :data:`ONNX_IR_VERSION`; the model passes ``onnx.checker.check_model``. Raises
    :class:`ExactnessError` (naming the bits needed) when some entry is not a float64.
    """
    layers = dense_float_layers(net, "ONNX", max_dense_entries)
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as exc:
        raise ImportError("to_onnx() needs onnx: pip install 'memnets[onnx]'") from exc
    total = sum(w.nbytes + b.nbytes for w, b in layers)
    if total >= 2**31 - 2**20:
        raise OptionError(
            f"cannot export to ONNX: the dense weights take {total} bytes, over the 2 GiB "
            "limit of one ONNX protobuf file"
        )
    nodes = []
    inits = []
    cur = "x"
    last = len(layers) - 1
    for k, (w, b) in enumerate(layers):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(w.T), name=f"W{k}"))
        inits.append(numpy_helper.from_array(b, name=f"b{k}"))
        nodes.append(helper.make_node("MatMul", [cur, f"W{k}"], [f"mm{k}"], name=f"matmul{k}"))
        out = "y" if k == last else f"z{k}"
        nodes.append(helper.make_node("Add", [f"mm{k}", f"b{k}"], [out], name=f"add{k}"))
        if k < last:
            nodes.append(helper.make_node("Relu", [out], [f"a{k}"], name=f"relu{k}"))
            cur = f"a{k}"
    graph = helper.make_graph(
        nodes,
        "memnets_relu_network",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["N", net.n_inputs])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["N", net.n_outputs])],
        initializer=inits,
    )
    from memnets._version import __version__

    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", ONNX_OPSET)],
        producer_name="memnets",
        producer_version=__version__,
    )
    model.ir_version = ONNX_IR_VERSION
    onnx.checker.check_model(model)
    onnx.save_model(model, os.fspath(path))
