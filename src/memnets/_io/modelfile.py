"""Networks from any model file the CLI accepts: a ``.memnet`` file
(:func:`memnets._io.memnet.read_network`), or a ``torch.save`` of an ``nn.Sequential`` of
Linear/ReLU (or of its ``state_dict``), read with ``weights_only=True`` and converted by
:meth:`~memnets.ReLUNetwork.from_torch`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from memnets._core.deprecated import deprecated_alias
from memnets._core.errors import ModelFileError
from memnets._core.export import affine_from_torch
from memnets._core.network import ReLUNetwork
from memnets._io.memnet import MAGIC, read_network

__all__ = ["load_model", "load_network"]

def _from_state_dict(state: dict[str, Any]) -> ReLUNetwork:
    """``nn.Sequential(...).state_dict()``: consecutive ``k.weight``/``k.bias``, ReLU between."""
    import torch

    weights = sorted(
        (int(k.split(".")[-2]), k) for k in state if k.endswith(".weight") and k.split(".")[-2].isdigit()
    )
    if not weights:
        raise ModelFileError("the torch file holds a dict without '<index>.weight' entries")
    layers = []
    for _, key in weights:
        w = state[key]
        b = state.get(key[: -len("weight")] + "bias")
        if not isinstance(w, torch.Tensor) or w.ndim != 2:
            raise ModelFileError(f"{key} is not a 2-D tensor")
        layers.append(affine_from_torch(w, b))
    return ReLUNetwork(layers)


def load_model(path: str | os.PathLike[str]) -> ReLUNetwork:
    """Load a network from any model file.

    A ``.memnet`` file (a construction result or a bare network: its network, exact entries
    kept), or a ``torch.save`` of an ``nn.Sequential`` of Linear/ReLU (or of its
    ``state_dict``, ReLU assumed between layers; :meth:`~memnets.ReLUNetwork.from_torch`).
    Torch files are read with ``weights_only=True`` (Sequential, Linear, ReLU and Flatten
    allow-listed), so loading never runs arbitrary pickled code. Raises
    :class:`~memnets.ModelFileError` for a missing or unreadable file.

    >>> import tempfile
    >>> import memnets as mn
    >>> res = mn.construct([[0.0, 0.0], [1.0, 1.0]], [0, 1], method="interval", rng=0)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     net = load_model(mn.save(res, Path(d) / "res.memnet"))
    >>> net.forward_exact([[0.0, 0.0], [1.0, 1.0]]).tolist() == res.network.forward_exact([[0.0, 0.0], [1.0, 1.0]]).tolist()
    True
    """
    p = Path(path)
    if not p.exists():
        raise ModelFileError(f"no such model file: {p}")
    if p.read_bytes()[: len(MAGIC)] == MAGIC or p.suffix == ".memnet":
        return read_network(p)
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - torch is an optional dependency
        raise ModelFileError(f"{p} is not a .memnet file and torch is not installed") from exc
    nn = torch.nn
    try:
        with torch.serialization.safe_globals([nn.Sequential, nn.Linear, nn.ReLU, nn.Flatten]):
            obj = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ModelFileError(
            f"cannot read {p} as a memnets model or a torch.save of an nn.Sequential "
            f"(loaded with weights_only=True): {exc}"
        ) from exc
    if isinstance(obj, dict):
        return _from_state_dict(obj)
    return ReLUNetwork.from_torch(obj)


#: the earlier name, for ``.memnet`` files only: :func:`load_model` reads those and more
load_network = deprecated_alias(load_model, "memnets.load_network", "memnets.load_model")
