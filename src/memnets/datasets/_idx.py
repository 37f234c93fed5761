"""A small, strict reader for the IDX format (MNIST, Fashion-MNIST).

IDX layout (big-endian): two zero bytes, one type byte, one byte ``ndim``, then ``ndim``
uint32 dimensions, then the ``prod(dims)`` values in C order. Files may be gzip-compressed
(detected from the content, not the name). Anything else is refused with a
:class:`DataFileError` naming the file and the problem.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from memnets._core.errors import DataFileError, InputError

__all__ = ["DataFileError", "read_idx", "write_idx"]


#: IDX type byte -> big-endian numpy dtype
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise DataFileError(f"cannot read {path}: {exc}") from exc
    if raw[:2] == _GZIP_MAGIC:
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataFileError(f"{path} is a corrupt or truncated gzip file: {exc}") from exc
    return raw


def read_idx(path: str | Path, *, expect_ndim: int | None = None) -> np.ndarray:
    """Decode one IDX file (optionally gzip-compressed) into a read-only native-endian array.

    Raises :class:`FileNotFoundError` when the file is missing and :class:`DataFileError`
    for a bad magic number, unknown type byte, unexpected number of dimensions, or a
    payload whose length is not ``prod(dims) * itemsize``.
    """
    p = Path(path)
    data = _read_bytes(p)
    if len(data) < 4:
        raise DataFileError(f"{p} is not an IDX file: only {len(data)} bytes")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise DataFileError(f"{p} is not an IDX file: magic number {data[:4].hex()} does not start with 0000")
    if code not in IDX_DTYPES:
        raise DataFileError(f"{p}: unknown IDX type byte 0x{code:02x} (valid: {sorted(IDX_DTYPES)})")
    if ndim == 0 or (expect_ndim is not None and ndim != expect_ndim):
        raise DataFileError(
            f"{p}: IDX file has {ndim} dimensions, expected {expect_ndim if expect_ndim else '>= 1'}"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataFileError(f"{p}: truncated IDX header ({len(data)} bytes, need {header})")
    dims = struct.unpack(f">{ndim}I", data[4:header])
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) - header != expected:
        raise DataFileError(
            f"{p}: payload has {len(data) - header} bytes but dims {dims} of {dtype.name} need {expected}"
            " (truncated or corrupt file)"
        )
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    arr = arr.astype(dtype.newbyteorder("="), copy=False)
    arr.setflags(write=False)
    return arr


def write_idx(path: str | Path, array: np.ndarray, *, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file (gzip when ``compress`` or the name ends in ``.gz``)."""
    a = np.asarray(array)
    codes = {v.newbyteorder("="): k for k, v in IDX_DTYPES.items()}
    code = codes.get(a.dtype.newbyteorder("="))
    if code is None:
        raise InputError(f"IDX cannot store dtype {a.dtype}")
    if a.ndim == 0 or a.ndim > 255:
        raise InputError(f"IDX needs 1 to 255 dimensions, got {a.ndim}")
    payload = struct.pack(">HBB", 0, code, a.ndim) + struct.pack(f">{a.ndim}I", *a.shape)
    payload += np.ascontiguousarray(a, dtype=IDX_DTYPES[code]).tobytes()
    p = Path(path)
    if compress is None:
        compress = p.suffix == ".gz"
    p.write_bytes(gzip.compress(payload, mtime=0) if compress else payload)
