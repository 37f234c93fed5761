"""CIFAR-10 (Krizhevsky 2009) from either of its two common folder layouts.

**Batches** (the official ``cifar-10-batches-py`` folder of ``cifar-10-python.tar.gz``):
``data_batch_1`` .. ``data_batch_5`` (train), ``test_batch`` (test) and ``batches.meta``.
Each batch is a pickled dict with ``b"data"``: uint8 array (k, 3072) (the 1024 red, then
green, then blue pixels of a 32x32 image, row-major) and ``b"labels"``: k ints in 0..9.

**PNG image folder** (as in the GitHub repository ``cyizhuo/CIFAR-10-dataset``):
``train/<class>/*.png`` and ``test/<class>/*.png`` with the ten class names of
:data:`CLASS_NAMES`, read by :mod:`memnets.datasets._imagefolder` (32x32 RGB, flattened
channel-major like the batches, so an image gives the same vector in both layouts; the
decoded arrays are cached on disk as that module says). The class index is the official
one (0 airplane .. 9 truck) whatever the folders' order; rows run class by class and file
name by file name, not in the batches' order, so a seeded subsample picks other images than
from the batches.

A folder's layout is detected (:func:`cifar10_layout`): the batch files first, then the
``train/`` and ``test/`` folders. Where the folder is looked for, in order: ``data_dir`` (the
folder itself or its parent of ``cifar-10-batches-py``), the environment variable
``MEMNETS_CIFAR10_DIR``, ``~/.cache/memnets/cifar-10-batches-py``.
``download=True`` fetches :data:`CIFAR10_URL`, checks the published MD5
:data:`CIFAR10_MD5` and extracts only the expected member files (no path can escape the
target folder).

Pickles are read with a restricted unpickler (``encoding="bytes"``, as the files were
written by Python 2) that only rebuilds plain containers and NumPy arrays, so a
malicious file in a user folder cannot run code; then every structure, shape, dtype and
label range is checked.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from memnets._core.errors import DataUnavailableError
from memnets.datasets._idx import DataFileError
from memnets.datasets._imagefolder import read_image_folder

__all__ = [
    "CIFAR10_MD5",
    "CIFAR10_URL",
    "CLASS_NAMES",
    "FOLDER",
    "cifar10_available",
    "cifar10_layout",
    "download_cifar10",
    "find_cifar10",
    "read_batch",
    "read_cifar10",
]

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCHES = ("test_batch",)
META = "batches.meta"
_MEMBERS = (*TRAIN_BATCHES, *TEST_BATCHES, META, "readme.html")
ENV_VAR = "MEMNETS_CIFAR10_DIR"
#: seconds without data before a download gives up
DOWNLOAD_TIMEOUT = 60
N_FEATURES = 3072
#: the official class order (``batches.meta``): label k is ``CLASS_NAMES[k]``
CLASS_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

#: the URL opener (module attribute so that tests can replace it; tests never use the network)
_urlopen = urllib.request.urlopen


def default_root() -> Path:
    """``~/.cache/memnets``: where a downloaded CIFAR-10 is kept by default."""
    return Path.home() / ".cache" / "memnets"


def _candidates(data_dir: str | Path | None) -> list[Path]:
    if data_dir is not None:
        d = Path(data_dir).expanduser()
        return [d, d / FOLDER]
    out = []
    env = os.environ.get(ENV_VAR)
    if env:
        d = Path(env).expanduser()
        out += [d, d / FOLDER]
    out.append(default_root() / FOLDER)
    return out


def _complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in (*TRAIN_BATCHES, *TEST_BATCHES))


def cifar10_layout(folder: str | Path) -> str | None:
    """``"batches"`` (all six batch files), ``"png"`` (``train/`` and ``test/`` folders) or ``None``."""
    f = Path(folder)
    if _complete(f):
        return "batches"
    if (f / "train").is_dir() and (f / "test").is_dir():
        return "png"
    return None


def find_cifar10(data_dir: str | Path | None = None) -> Path | None:
    """The first candidate folder in either layout, or ``None`` (cheap: stats only)."""
    for folder in _candidates(data_dir):
        if cifar10_layout(folder) is not None:
            return folder
    return None


def cifar10_available(data_dir: str | Path | None = None) -> bool:
    return find_cifar10(data_dir) is not None


class _SafeUnpickler(pickle.Unpickler):
    """Rebuilds only dicts/lists/bytes/str/numbers and NumPy arrays; refuses anything else."""

    _ALLOWED: ClassVar[dict[tuple[str, str], tuple[str, str]]] = {
        ("numpy.core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"): ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"): ("numpy._core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"): ("numpy._core.numeric", "_frombuffer"),
        ("numpy", "ndarray"): ("numpy", "ndarray"),
        ("numpy", "dtype"): ("numpy", "dtype"),
        ("_codecs", "encode"): ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str) -> Any:
        target = self._ALLOWED.get((module, name))
        if target is None:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")
        mod = __import__(target[0], fromlist=[target[1]])
        return getattr(mod, target[1])


def _unpickle(path: Path) -> Any:
    try:
        with path.open("rb") as f:
            return _SafeUnpickler(f, encoding="bytes").load()
    except FileNotFoundError as exc:
        raise DataUnavailableError(f"CIFAR-10 batch {path} is missing") from exc
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError,
            IndexError, KeyError, MemoryError, OSError) as exc:
        raise DataFileError(f"{path} is not a readable CIFAR-10 pickle: {exc}") from exc


def read_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read and validate one batch file: ``(data uint8 (k, 3072), labels int64 (k,))``."""
    p = Path(path)
    obj = _unpickle(p)
    if not isinstance(obj, dict):
        raise DataFileError(f"{p}: expected a pickled dict, got {type(obj).__name__}")
    for key in (b"data", b"labels"):
        if key not in obj:
            raise DataFileError(f"{p}: batch dict has no key {key!r} (keys: {sorted(map(repr, obj))})")
    data = obj[b"data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8:
        raise DataFileError(
            f"{p}: b'data' must be a uint8 array, got {getattr(data, 'dtype', type(data).__name__)}"
        )
    if data.ndim != 2 or data.shape[1] != N_FEATURES:
        raise DataFileError(f"{p}: b'data' must have shape (k, {N_FEATURES}), got {data.shape}")
    try:
        labels = np.asarray(obj[b"labels"])
    except Exception as exc:
        raise DataFileError(f"{p}: b'labels' is not a list of ints: {exc}") from exc
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise DataFileError(f"{p}: b'labels' must be a list of ints, got {labels.dtype} shape {labels.shape}")
    if labels.shape[0] != data.shape[0]:
        raise DataFileError(f"{p}: {data.shape[0]} images but {labels.shape[0]} labels")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        bad = int(np.flatnonzero((labels < 0) | (labels > 9))[0])
        raise DataFileError(f"{p}: label {int(labels[bad])} at position {bad} is outside 0..9")
    return data, labels.astype(np.int64)


def _stamp(folder: Path, names: tuple[str, ...]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for name in names:
        st = (folder / name).stat()
        out.append((name, st.st_mtime_ns, st.st_size))
    return tuple(out)


@functools.lru_cache(maxsize=4)
def _read_split_cached(
    folder: str, names: tuple[str, ...], stamp: tuple[tuple[str, int, int], ...]
) -> tuple[np.ndarray, np.ndarray]:
    parts = [read_batch(Path(folder) / name) for name in names]
    X = np.concatenate([d for d, _ in parts], axis=0)
    y = np.concatenate([lab for _, lab in parts])
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def read_cifar10(folder: Path, split: str, *, cache: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, 3072) and int64 labels 0..9 of one split, from either layout.

    Batches are cached in memory per file version; PNG folders as
    :mod:`~memnets.datasets._imagefolder` says (``cache``: its on-disk cache switch).
    """
    if cifar10_layout(folder) == "png":
        return _read_png(folder, split, cache)
    names = TRAIN_BATCHES if split == "train" else TEST_BATCHES
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise DataUnavailableError(f"CIFAR-10 folder {folder} lacks {missing}")
    return _read_split_cached(str(folder.resolve()), names, _stamp(folder, names))


def _read_png(folder: Path, split: str, cache: bool | None) -> tuple[np.ndarray, np.ndarray]:
    """The PNG layout: class folders must be exactly the ten CIFAR-10 names, images 32x32 RGB."""
    split_dir = folder / split
    found = sorted(e.name for e in os.scandir(split_dir) if e.is_dir() and not e.name.startswith("."))
    if set(found) != set(CLASS_NAMES):
        missing = [c for c in CLASS_NAMES if c not in found]
        extra = [c for c in found if c not in CLASS_NAMES]
        raise DataFileError(
            f"{split_dir} is not a CIFAR-10 image folder: its class folders must be "
            f"{', '.join(CLASS_NAMES)} (missing {missing}, unexpected {extra})"
        )
    data = read_image_folder(folder, split, classes=CLASS_NAMES, cache=cache)
    if data.shape != (3, 32, 32):
        raise DataFileError(
            f"{split_dir}: CIFAR-10 images are 32x32 RGB (3, 32, 32), these are {data.shape} (C, H, W)"
        )
    return data.X, data.y


def _safe_extract(archive: Path, target_root: Path) -> Path:
    """Extract the CIFAR-10 member files of ``archive`` into ``target_root/FOLDER``.

    Every member must be a regular file or directory named ``cifar-10-batches-py[/...]``
    with no absolute path, ``..`` or link; only the known member files are written, via
    a temporary folder renamed into place.
    """
    try:
        tf = tarfile.open(archive, "r:gz")  # noqa: SIM115 - closed by the `with tf:` below
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DataFileError(f"{archive} is not a readable .tar.gz: {exc}") from exc
    target_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".cifar-extract-", dir=target_root))
    try:
        with tf:
            found = set()
            for m in tf.getmembers():
                parts = Path(m.name).parts
                if (
                    m.name.startswith(("/", "\\"))
                    or ".." in parts
                    or not parts
                    or parts[0] != FOLDER
                    or not (m.isfile() or m.isdir())
                ):
                    raise DataFileError(
                        f"{archive}: unsafe or unexpected member {m.name!r} (type {m.type!r}); "
                        f"refusing to extract"
                    )
                if m.isfile() and len(parts) == 2 and parts[1] in _MEMBERS:
                    src = tf.extractfile(m)
                    if src is None:
                        raise DataFileError(f"{archive}: cannot read member {m.name!r}")
                    with src, (tmp / parts[1]).open("wb") as dst:
                        shutil.copyfileobj(src, dst)
                    found.add(parts[1])
        missing = [n for n in (*TRAIN_BATCHES, *TEST_BATCHES) if n not in found]
        if missing:
            raise DataFileError(f"{archive} lacks the CIFAR-10 batches {missing}")
        final = target_root / FOLDER
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
        return final
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DataFileError(f"{archive}: corrupt archive: {exc}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def download_cifar10(
    target_root: str | Path | None = None, *, url: str | None = None, md5: str | None = None,
    progress: bool = True,
) -> Path:
    """Download ``cifar-10-python.tar.gz``, verify its MD5, extract it safely; return the folder.

    ``target_root`` defaults to ``~/.cache/memnets``; the folder returned is
    ``target_root/cifar-10-batches-py``. On a checksum mismatch the download is deleted
    and :class:`DataFileError` reports both digests and the URL.
    """
    url = CIFAR10_URL if url is None else url
    md5 = CIFAR10_MD5 if md5 is None else md5
    root = default_root() if target_root is None else Path(target_root).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".cifar-download-", suffix=".tar.gz", dir=root)
    archive = Path(name)
    digest = hashlib.md5(usedforsecurity=False)
    out = os.fdopen(fd, "wb")
    try:
        try:
            response = _urlopen(url, timeout=DOWNLOAD_TIMEOUT)
        except OSError as exc:
            raise DataUnavailableError(
                f"cannot download CIFAR-10 from {url}: {exc}; download it by hand and pass "
                f"data_dir= (the {FOLDER} folder) or set {ENV_VAR}"
            ) from exc
        with out, response:
            total = _content_length(response)
            with _progress(progress, total) as advance:
                while True:
                    chunk = response.read(1 << 20)
                    if not chunk:
                        break
                    digest.update(chunk)
                    out.write(chunk)
                    advance(len(chunk))
        got = digest.hexdigest()
        if got != md5:
            raise DataFileError(
                f"checksum mismatch for {url}: MD5 {got}, expected {md5} "
                "(incomplete or tampered download; it was deleted, try again)"
            )
        return _safe_extract(archive, root)
    finally:
        out.close()
        archive.unlink(missing_ok=True)


def _content_length(response: Any) -> int | None:
    headers = getattr(response, "headers", None)
    try:
        value = headers.get("Content-Length") if headers is not None else None
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class _progress:
    """A rich progress bar over bytes (silent when disabled)."""

    def __init__(self, enabled: bool, total: int | None) -> None:
        self.enabled, self.total = enabled, total
        self._bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda k: None
        from rich.progress import DownloadColumn, Progress, TransferSpeedColumn

        self._bar = Progress(*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn())
        self._bar.start()
        task = self._bar.add_task("CIFAR-10", total=self.total)
        return lambda k: self._bar.advance(task, k)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
