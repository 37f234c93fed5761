"""Save and load constructed networks in one versioned, checksummed ``.memnet`` file.

Layout (all integers little-endian)::

    offset  size  field
    0       8     magic  b"\\x89MEMNET\\n"
    8       4     format version (uint32), at most FORMAT_VERSION = 2
    12      8     manifest length M (uint64)
    20      8     payload length P (uint64)
    28      32    SHA-256 of bytes [0, 28) + manifest + payload
    60      M     manifest: UTF-8 JSON
    60+M    P     payload: the blobs the manifest points to, back to back

The manifest holds ``{"format": "memnets", "format_version", "library_version", "kind",
"network", ...}``; ``kind`` is ``"result"`` (a :class:`~memnets.ConstructionResult`: also
``method``, ``verified``, ``engine``, ``min_margin``, ``classes``, ``stats``, ``info``; the
seed is ``stats["seed"]``; version 2 adds ``input_scaling`` = ``{kind, low, span}`` when the
result has one, and files without it are still written as version 1) or ``"network"`` (a bare :class:`~memnets.ReLUNetwork`).
``network`` lists per layer the weight (dense, or CSR ``indptr``/``indices``/``data``) and bias.

Arrays are stored losslessly: numeric NumPy arrays as raw little-endian bytes of their dtype
(float64 bit patterns preserved, ``-0.0`` included); exact ``object`` arrays of int/Fraction
as ASCII text, one entry per comma-separated field, ``int`` as signed hexadecimal
(``-1f``) and :class:`~fractions.Fraction` as ``hex/hex`` (so ``int`` stays ``int`` and
``Fraction`` stays ``Fraction``; hexadecimal parsing is linear time, unlike decimal).

``stats``, ``info``, ``classes`` and ``min_margin`` may hold: ``None``, ``bool``, ``int`` (any
size), ``float`` (any, incl. inf/NaN), ``str``, ``Fraction``, ``list``, ``tuple``, ``dict``
(any keys among these types), paths (read back as :class:`pathlib.Path`), NumPy scalars and
NumPy arrays (numeric, bool, unicode, or object arrays of these types). Class labels are
therefore any of these: ints, strings, floats, bools (as a NumPy array, dtype kept). Each comes back with its type. Anything else (a callable, a
custom object) is refused at save time with :class:`~memnets.InputError` naming where it is:
nothing is ever pickled and :func:`load` never executes code from the file (JSON + raw
buffers + ``int(..., 16)`` only).

Guarantees of :func:`load`: a file that is not a memnets file, is truncated, has trailing
bytes, fails its checksum, was written by a newer format version, or whose contents do not
rebuild into a consistent network raises :class:`~memnets.ModelFileError` saying which;
it never returns a wrong network.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from memnets._constructions.result import ConstructionResult
from memnets._core.errors import InputError, MemnetsError, ModelFileError
from memnets._core.files import atomic_open
from memnets._core.network import AffineLayer, ReLUNetwork, SparseWeight
from memnets._core.scaling import InputScaling
from memnets._engines.decide import ENGINES
from memnets._io.codec import ValueReader, ValueWriter

__all__ = ["FORMAT_VERSION", "MAGIC", "load", "read_network", "save"]

MAGIC = b"\x89MEMNET\n"
FORMAT_VERSION = 2
_HEAD = struct.Struct("<8sIQQ")  # magic, version, manifest length, payload length
_DIGEST = 32
_PREFIX = _HEAD.size + _DIGEST


def _network_manifest(net: ReLUNetwork, w: ValueWriter) -> dict[str, Any]:
    layers = []
    for k, layer in enumerate(net.layers):
        weight = layer.weight
        if isinstance(weight, SparseWeight):
            wm: dict[str, Any] = {
                "sparse": True,
                "shape": list(weight.shape),
                "indptr": w.array(weight.indptr, f"layer {k} indptr"),
                "indices": w.array(weight.indices, f"layer {k} indices"),
                "data": w.array(weight.data, f"layer {k} data"),
            }
        else:
            wm = {"sparse": False, "dense": w.array(weight, f"layer {k} weight")}
        layers.append({"weight": wm, "bias": w.array(layer.bias, f"layer {k} bias")})
    return {"layers": layers, "summary": {
        "params": net.num_params(),
        "params_nonzero": net.num_params(nonzero=True),
        "layer_sizes": list(net.layer_sizes),
    }}


def save(obj: ConstructionResult | ReLUNetwork, path: str | os.PathLike[str]) -> Path:
    """Write a construction result (or a bare network) to ``path``; returns the path.

    Exact weights are kept exactly (see the module docstring for the format). The file is
    written to a temporary name and renamed, so an interrupted save never leaves a
    half-written file under ``path``.

    Parameters
    ----------
    obj : ConstructionResult or ReLUNetwork
        What to write: a result keeps its network, classes, statistics, seed and
        verification; a network only its layers.
    path : str or os.PathLike
        The file to write (conventionally ``*.memnet``).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputError
        ``stats`` or ``info`` hold a value of a type the format cannot store.

    >>> import tempfile, numpy as np
    >>> from fractions import Fraction
    >>> net = ReLUNetwork([(np.array([[Fraction(1, 3)]], dtype=object), [2**300])])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save(net, Path(d) / "net.memnet")
    ...     back = read_network(p)
    >>> back.layers[0].weight[0, 0], back.layers[0].bias[0] == 2**300
    (Fraction(1, 3), True)
    """
    from memnets._version import __version__

    w = ValueWriter()
    scaling = getattr(obj, "scaling", None)
    version = 1 if scaling is None else 2  # version 1 readers can read what needs no more
    manifest: dict[str, Any] = {
        "format": "memnets",
        "format_version": version,
        "library_version": __version__,
    }
    if isinstance(obj, ConstructionResult):
        manifest.update(
            kind="result",
            network=_network_manifest(obj.network, w),
            method=obj.method,
            verified=bool(obj.verified),
            engine=obj.engine,
            min_margin=w.value(obj.min_margin, "min_margin"),
            classes=w.value(np.asarray(obj.classes), "classes"),
            stats=w.value(dict(obj.stats), "stats"),
            info=w.value(dict(obj.info), "info"),
        )
        if scaling is not None:
            manifest["input_scaling"] = w.value(scaling.to_dict(), "input_scaling")
    elif isinstance(obj, ReLUNetwork):
        manifest.update(kind="network", network=_network_manifest(obj, w))
    else:
        raise InputError(f"save() takes a ConstructionResult or a ReLUNetwork, got {type(obj).__name__}")
    text = json.dumps(manifest, separators=(",", ":"), allow_nan=False).encode("utf-8")
    payload = b"".join(w.blobs)
    head = _HEAD.pack(MAGIC, version, len(text), len(payload))
    digest = hashlib.sha256(head + text + payload).digest()
    path = Path(path)
    with atomic_open(path, "wb", parents=False) as fh:
        fh.write(head + digest)
        fh.write(text)
        fh.write(payload)
    return path


def _read_verified(path: str | os.PathLike[str]) -> tuple[dict[str, Any], bytes]:
    """Read the file, check magic, version, length and checksum; return (manifest, payload)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise ModelFileError(f"{p}: no such model file") from exc
    except OSError as exc:
        raise ModelFileError(f"{p}: cannot read model file: {exc}") from exc
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        if MAGIC.startswith(data):
            raise ModelFileError(f"{p}: truncated memnets file ({len(data)} bytes, header incomplete)")
        raise ModelFileError(f"{p}: not a memnets model file (wrong magic bytes)")
    if len(data) < _PREFIX:
        raise ModelFileError(f"{p}: truncated memnets file ({len(data)} bytes, header incomplete)")
    _, version, n_manifest, n_payload = _HEAD.unpack_from(data)
    if version > FORMAT_VERSION or version < 1:
        raise ModelFileError(
            f"{p}: written in memnets file format version {version}; this memnets reads "
            f"format versions 1 to {FORMAT_VERSION} (upgrade memnets to read it)"
        )
    expected = _PREFIX + n_manifest + n_payload
    if len(data) < expected:
        raise ModelFileError(f"{p}: truncated memnets file ({len(data)} of {expected} bytes)")
    if len(data) > expected:
        raise ModelFileError(
            f"{p}: corrupt memnets file ({len(data) - expected} unexpected trailing bytes; "
            "the length fields may be damaged)"
        )
    digest = data[_HEAD.size : _PREFIX]
    body = data[_PREFIX:]
    if hashlib.sha256(data[: _HEAD.size] + body).digest() != digest:
        raise ModelFileError(f"{p}: corrupt memnets file (SHA-256 checksum mismatch)")
    try:
        manifest = json.loads(body[:n_manifest].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"{p}: corrupt memnets file (manifest is not JSON: {exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != "memnets":
        raise ModelFileError(f"{p}: not a memnets model file (manifest lacks format='memnets')")
    return manifest, body[n_manifest:]


def _network_from(m: Any, r: ValueReader) -> ReLUNetwork:
    layers = []
    for lm in m["layers"]:
        wm = lm["weight"]
        if wm["sparse"] is True:
            shape = wm["shape"]
            weight: Any = SparseWeight(
                (int(shape[0]), int(shape[1])),
                r.array(wm["indptr"]),
                r.array(wm["indices"]),
                r.array(wm["data"]),
            )
        else:
            weight = r.array(wm["dense"])
        layers.append(AffineLayer(weight, r.array(lm["bias"])))
    net = ReLUNetwork(layers)
    s = m["summary"]
    got = {"params": net.num_params(), "params_nonzero": net.num_params(nonzero=True),
           "layer_sizes": list(net.layer_sizes)}
    if got != s:
        raise ValueError(f"network {got} does not match its recorded summary {s}")
    return net


def _decode(path: str | os.PathLike[str], want: str) -> ConstructionResult | ReLUNetwork:
    manifest, payload = _read_verified(path)
    r = ValueReader(payload)
    try:
        kind = manifest["kind"]
        net = _network_from(manifest["network"], r)
        if want == "network":
            return net
        if kind != "result":
            raise ModelFileError(
                f"{path}: holds a bare network (kind={kind!r}), not a construction result; "
                "use memnets.load_model"
            )
        classes = r.value(manifest["classes"])
        if not isinstance(classes, np.ndarray) or classes.ndim != 1:
            raise ValueError("classes must be a 1-D array")
        stats = r.value(manifest["stats"])
        info = r.value(manifest["info"])
        if not isinstance(stats, dict) or not isinstance(info, dict):
            raise ValueError("stats and info must be dicts")
        margin = r.value(manifest["min_margin"])
        if type(margin) not in (int, float, Fraction):
            raise ValueError(f"min_margin has type {type(margin).__name__}")
        if manifest["engine"] not in ENGINES or type(manifest["verified"]) is not bool:
            raise ValueError("bad engine or verified flag")
        if not isinstance(manifest["method"], str):
            raise ValueError("method must be a string")
        scaling = manifest.get("input_scaling")
        return ConstructionResult(
            scaling=None if scaling is None else InputScaling.from_dict(r.value(scaling)),
            network=net,
            classes=classes,
            method=manifest["method"],
            verified=manifest["verified"],
            min_margin=margin,
            stats=stats,
            engine=manifest["engine"],
            info=info,
        )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, RecursionError, MemnetsError) as exc:
        raise ModelFileError(f"{path}: malformed memnets file ({type(exc).__name__}: {exc})") from exc


def load(path: str | os.PathLike[str]) -> ConstructionResult:
    """Read a :class:`ConstructionResult` written by :func:`save`.

    Entries come back with their types and values (int, Fraction, float64 bit patterns),
    as do ``stats`` (seed included), ``info``, ``classes`` and ``min_margin``.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.memnet`` file holding a construction result.

    Returns
    -------
    ConstructionResult
        The result as it was saved.

    Raises
    ------
    ModelFileError
        Anything that is not an intact, known-version memnets result file (a bare-network
        file included: use :func:`memnets.load_model` for those).
    """
    out = _decode(path, "result")
    assert isinstance(out, ConstructionResult)
    return out


def read_network(path: str | os.PathLike[str]) -> ReLUNetwork:
    """Read the :class:`ReLUNetwork` from any memnets file (a result or a bare network);
    the public entry point for every model file is :func:`memnets.load_model`."""
    out = _decode(path, "network")
    assert isinstance(out, ReLUNetwork)
    return out
