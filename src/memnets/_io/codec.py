"""The value codec of the ``.memnet`` format (:mod:`memnets._io.memnet` states the types):
tagged JSON for values, raw little-endian bytes for numeric arrays and hexadecimal text
for exact int/Fraction arrays. The writer and the reader of each encoding stand side by
side so that every field's encoding can be checked against its decoding.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from memnets._core.errors import InputError

__all__ = ["ValueReader", "ValueWriter"]

_NUMERIC_KINDS = "biufc"


class ValueWriter:
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


def _hex_fraction(q: Fraction) -> str:
    return f"{q.numerator:x}/{q.denominator:x}"


def _exact_text(values: np.ndarray) -> bytes:
    parts = [format(v, "x") if type(v) is int else _hex_fraction(v) for v in values]
    return ",".join(parts).encode("ascii")


class ValueReader:
    """Reads the tagged JSON values and the arrays of a payload (the inverse of :class:`ValueWriter`)."""

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


def _parse_hex_int(s: Any) -> int:
    if not isinstance(s, str) or not s or not all(c in "-0123456789abcdef" for c in s):
        raise ValueError(f"bad hexadecimal integer {s!r}")
    return int(s, 16)


def _parse_exact(s: str) -> int | Fraction:
    if "/" in s:
        p, q = s.split("/")
        num, den = _parse_hex_int(p), _parse_hex_int(q)
        if den < 1:
            raise ValueError(f"bad denominator in {s!r}")
        out = Fraction(num, den)
        if out.denominator != den:
            raise ValueError(f"fraction {s!r} is not in lowest terms")
        return out
    return _parse_hex_int(s)
