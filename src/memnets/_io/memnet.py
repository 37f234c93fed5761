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
import math
import os
import struct
from fractions import Fraction
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from memnets._constructions.result import ConstructionResult
from memnets._core.errors import InputError, MemnetsError, ModelFileError
from memnets._core.network import AffineLayer, ReLUNetwork, SparseWeight
from memnets._core.scaling import InputScaling
from memnets._engines.decide import ENGINES
from memnets._io.exacttext import exact_text as _exact_text
from memnets._io.exacttext import hex_fraction as _hex_fraction
from memnets._io.exacttext import parse_exact as _parse_exact
from memnets._io.exacttext import parse_hex_int as _parse_hex_int

__all__ = ["FORMAT_VERSION", "MAGIC", "load", "load_network", "save"]

MAGIC = b"\x89MEMNET\n"
FORMAT_VERSION = 2
_HEAD = struct.Struct("<8sIQQ")  # magic, version, manifest length, payload length
_DIGEST = 32
_PREFIX = _HEAD.size + _DIGEST
_NUMERIC_KINDS = "biufc"


# --------------------------------------------------------------------------- encoding
class _Writer:
    """Collects payload blobs and the tagged JSON encoding of values."""

    def __init__(self) -> None:
        self.blobs: list[bytes] = []
        self.offset = 0

    def blob(self, data: bytes) -> list[int]:
        ref = [self.offset, len(data)]
        self.blobs.append(data)
        self.offset += len(data)
        return ref

    def array(self, a: np.ndarray, where: str) -> dict[str, Any]:
        """Numeric arrays as raw bytes, exact object arrays as hex text."""
        if a.dtype == object:
            if all(type(v) is int or type(v) is Fraction for v in a.ravel()):
                return {"exact": self.blob(_exact_text(a.ravel())), "shape": list(a.shape)}
            return {"objects": [self.value(v, f"{where}[{k}]") for k, v in enumerate(a.ravel())],
                    "shape": list(a.shape)}
        if a.dtype.kind in _NUMERIC_KINDS or a.dtype.kind == "U":
            le = a.dtype.newbyteorder("<")
            raw = np.ascontiguousarray(a, dtype=le).tobytes()
            return {"dtype": le.str, "shape": list(a.shape), "raw": self.blob(raw)}
        raise InputError(f"{where}: arrays of dtype {a.dtype} cannot be stored in a memnets file")

    def value(self, v: Any, where: str) -> Any:
        """A JSON-able tagged form of ``v`` (see the module docstring for the types)."""
        if isinstance(v, np.generic):  # before str/float: np.str_ and np.float64 subclass them
            return {"$scalar": self.array(np.asarray(v), where)}
        if v is None or type(v) is bool or type(v) is str:
            return v
        if isinstance(v, PurePath):
            return {"$path": str(v)}
        if type(v) is int:
            return v if abs(v) < 2**53 else {"$int": format(v, "x")}
        if type(v) is float:
            return v if math.isfinite(v) else {"$float": repr(v)}
        if type(v) is Fraction:
            return {"$fraction": _hex_fraction(v)}
        if type(v) is np.ndarray:
            return {"$ndarray": self.array(v, where)}
        if type(v) is list:
            return [self.value(x, f"{where}[{k}]") for k, x in enumerate(v)]
        if type(v) is tuple:
            return {"$tuple": [self.value(x, f"{where}[{k}]") for k, x in enumerate(v)]}
        if type(v) is dict:
            if all(type(k) is str and not k.startswith("$") for k in v):
                return {k: self.value(x, f"{where}[{k!r}]") for k, x in v.items()}
            return {"$dict": [[self.value(k, f"{where} key"), self.value(x, f"{where}[{k!r}]")]
                              for k, x in v.items()]}
        raise InputError(
            f"{where} is a {type(v).__name__}, which a memnets file cannot store (supported: "
            "None, bool, int, float, str, Fraction, list, tuple, dict, NumPy scalars/arrays)"
        )


def _network_manifest(net: ReLUNetwork, w: _Writer) -> dict[str, Any]:
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
    half-written file under ``path``. Raises :class:`InputError` if ``stats``/``info`` hold
    a value of a type the format cannot store.

    >>> import tempfile, numpy as np
    >>> from fractions import Fraction
    >>> net = ReLUNetwork([(np.array([[Fraction(1, 3)]], dtype=object), [2**300])])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save(net, Path(d) / "net.memnet")
    ...     back = load_network(p)
    >>> back.layers[0].weight[0, 0], back.layers[0].bias[0] == 2**300
    (Fraction(1, 3), True)
    """
    from memnets._version import __version__

    w = _Writer()
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
    tmp = path.with_name(path.name + ".partial")
    try:
        with open(tmp, "wb") as fh:
            fh.write(head + digest)
            fh.write(text)
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------- decoding
class _Reader:
    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def blob(self, ref: Any) -> bytes:
        if not (isinstance(ref, list) and len(ref) == 2 and all(type(x) is int for x in ref)):
            raise ValueError(f"bad blob reference {ref!r}")
        off, n = ref
        if off < 0 or n < 0 or off + n > len(self.payload):
            raise ValueError(f"blob [{off}, {off + n}) is outside the payload")
        return self.payload[off : off + n]

    def array(self, m: Any) -> np.ndarray:
        shape = tuple(int(s) for s in m["shape"])
        if any(s < 0 for s in shape):
            raise ValueError(f"negative shape {shape}")
        size = math.prod(shape)
        if "exact" in m:
            text = self.blob(m["exact"]).decode("ascii")
            fields = text.split(",") if text else []
            if len(fields) != size:
                raise ValueError(f"{len(fields)} exact entries for shape {shape}")
            out = np.empty(size, dtype=object)
            out[:] = [_parse_exact(f) for f in fields]
            return out.reshape(shape)
        if "objects" in m:
            items = m["objects"]
            if not isinstance(items, list) or len(items) != size:
                raise ValueError(f"object array does not match shape {shape}")
            out = np.empty(size, dtype=object)
            out[:] = [self.value(v) for v in items]
            return out.reshape(shape)
        dtype = np.dtype(m["dtype"])
        if dtype.kind not in _NUMERIC_KINDS and dtype.kind != "U":
            raise ValueError(f"unsupported dtype {dtype}")
        raw = self.blob(m["raw"])
        if len(raw) != size * dtype.itemsize:
            raise ValueError(f"{len(raw)} bytes for {size} entries of {dtype}")
        return np.frombuffer(raw, dtype=dtype).astype(dtype.newbyteorder("="), copy=True).reshape(shape)

    def value(self, v: Any) -> Any:
        if v is None or isinstance(v, bool | int | float | str):
            return v
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict):
            raise ValueError(f"unexpected JSON value {type(v).__name__}")
        if len(v) == 1:
            (tag, body), = v.items()
            if tag == "$int":
                return _parse_hex_int(body)
            if tag == "$float":
                if body not in ("inf", "-inf", "nan"):
                    raise ValueError(f"bad float {body!r}")
                return float(body)
            if tag == "$fraction":
                q = _parse_exact(body)
                if type(q) is not Fraction:
                    raise ValueError(f"bad fraction {body!r}")
                return q
            if tag == "$ndarray":
                return self.array(body)
            if tag == "$scalar":
                arr = self.array(body)
                if arr.shape != () or arr.dtype == object:
                    raise ValueError("bad scalar")
                return arr[()]
            if tag == "$path":
                if not isinstance(body, str):
                    raise ValueError("bad path")
                return Path(body)
            if tag == "$tuple":
                return tuple(self.value(x) for x in body)
            if tag == "$dict":
                return {_hashable(self.value(k)): self.value(x) for k, x in body}
        if any(k.startswith("$") for k in v):
            raise ValueError(f"unknown tag in {sorted(v)!r}")
        return {k: self.value(x) for k, x in v.items()}


def _hashable(k: Any) -> Any:
    hash(k)  # raises TypeError for a list key: a malformed file
    return k


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


def _network_from(m: Any, r: _Reader) -> ReLUNetwork:
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
    r = _Reader(payload)
    try:
        kind = manifest["kind"]
        net = _network_from(manifest["network"], r)
        if want == "network":
            return net
        if kind != "result":
            raise ModelFileError(
                f"{path}: holds a bare network (kind={kind!r}), not a construction result; "
                "use memnets.load_network"
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
    as do ``stats`` (seed included), ``info``, ``classes`` and ``min_margin``. Raises
    :class:`ModelFileError` for anything that is not an intact, known-version memnets
    result file (a bare-network file included: use :func:`load_network` for those).
    """
    out = _decode(path, "result")
    assert isinstance(out, ConstructionResult)
    return out


def load_network(path: str | os.PathLike[str]) -> ReLUNetwork:
    """Read the :class:`ReLUNetwork` from any memnets file (a result or a bare network)."""
    out = _decode(path, "network")
    assert isinstance(out, ReLUNetwork)
    return out
