"""Networks from any model file the CLI accepts: a ``.memnet`` file
(:func:`memnets._io.memnet.load_network`), or a ``torch.save`` of an ``nn.Sequential`` of
Linear/ReLU (or of its ``state_dict``), read with ``weights_only=True`` and converted by
:meth:`~memnets.ReLUNetwork.from_torch`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from memnets._core.errors import ModelFileError
from memnets._core.export import affine_from_torch
from memnets._core.network import ReLUNetwork
from memnets._io.memnet import MAGIC, load_network

__all__ = ["load_model"]

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
    """Load a network from any model file: a ``.memnet`` file (:func:`load_network`), or a
    ``torch.save`` of an ``nn.Sequential`` of Linear/ReLU (or of its ``state_dict``, ReLU
    assumed between layers; :meth:`~memnets.ReLUNetwork.from_torch`).

    Torch files are read with ``weights_only=True`` (Sequential, Linear, ReLU and Flatten
    allow-listed), so loading never runs arbitrary pickled code. Raises
    :class:`~memnets.ModelFileError` for a missing or unreadable file.
    """
    p = Path(path)
    if not p.exists():
        raise ModelFileError(f"no such model file: {p}")
    if p.read_bytes()[: len(MAGIC)] == MAGIC or p.suffix == ".memnet":
        return load_network(p)
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
