"""Image folders: one sub-folder per class, one image file per sample.

The common image-folder layout (torchvision's ``ImageFolder``, and the PNG copy of CIFAR-10 in
the GitHub repository ``cyizhuo/CIFAR-10-dataset``), read with Pillow into uint8 arrays.

Layout
------
- **Splits**: when ``root/train`` is a folder, ``root/train/<class>/*`` is the training split
  and ``root/test/<class>/*`` the test split; otherwise ``root/<class>/*`` is one set of
  images, read as ``split="train"`` (``split="test"`` then raises
  :class:`~memnets.OptionError`).
- **Classes**: the sub-folders of the split folder, sorted by name (code-point order); class
  ``k`` is the ``k``-th name. Names starting with ``"."`` are skipped.
- **Samples**: the files of a class folder whose suffix (any case) is in
  :data:`IMAGE_SUFFIXES`, sorted by name; other files (``Thumbs.db``, notes) are ignored.
  The rows of ``X`` run class by class, files by name within a class.
- An empty class folder, a class missing from one split, an unreadable or truncated file, or
  an image whose size or channel count differs from the first image's raise
  :class:`~memnets.datasets.DataFileError` naming the file or folder.

Pixels
------
Every image is converted explicitly, by its Pillow mode:

- ``"L"`` (8-bit grey): one channel as stored; ``"1"`` (bilevel) becomes 0 / 255 grey;
  ``"LA"`` keeps the grey channel and **drops the alpha channel**.
- ``"RGB"``: three channels as stored; ``"RGBA"``, ``"RGBX"`` and ``"RGBa"`` **drop the fourth
  channel** (no compositing onto a background); palette images (``"P"``, ``"PA"``) are
  expanded through their palette to RGB (transparency dropped); ``"CMYK"``, ``"YCbCr"``,
  ``"LAB"``, ``"HSV"`` are converted to RGB by Pillow.
- 16-bit and float modes (``"I;16"``, ``"I"``, ``"F"``, ...) raise ``DataFileError``: the
  scale pixels / 255 is for 8-bit images.

A folder must not mix grey and colour images (the error names the first file that differs).
Each image is flattened **channel-major**: feature ``c*H*W + row*W + col`` holds channel ``c``
at (row, col), the order of the official CIFAR-10 batches (1024 red, 1024 green, 1024 blue
values of a 32x32 image, row-major), so both CIFAR-10 layouts give the same vector for the
same image. :func:`memnets.datasets.load` divides by 255 into float64 in [0, 1].

Cache
-----
Decoding is the slow part (about 16 s for CIFAR-10's 60,000 PNGs on one idle core), so the
decoded uint8 arrays are kept

- in memory, per process (:func:`functools.lru_cache`, keyed by the folder and its files), and
- on disk, in ``<cache dir>/imagefolder/<key>.npz``: ``<cache dir>`` is the environment
  variable ``MEMNETS_CACHE_DIR`` or ``~/.cache/memnets``; ``<key>`` is the SHA-256 of the
  resolved folder path and every image file's relative path, size and modification time (ns),
  so adding, removing or changing a file gives a new key (and a fresh decode). Old files are
  not removed: delete the folder to reclaim space. Written for folders of at least
  :data:`CACHE_MIN_IMAGES` images when ``cache=None`` (the default), always with
  ``cache=True``, never read or written with ``cache=False``. An unreadable cache file is
  ignored and rewritten. Reading CIFAR-10's cached training split takes well under a second.
"""

from __future__ import annotations

import functools
import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memnets._core.errors import DataFileError, DataUnavailableError, OptionError
from memnets._core.files import atomic_open

__all__ = [
    "CACHE_ENV_VAR",
    "CACHE_MIN_IMAGES",
    "IMAGE_SUFFIXES",
    "ImageSet",
    "cache_dir",
    "image_folder_classes",
    "read_image",
    "read_image_folder",
    "split_folder",
]

#: file suffixes read as images (compared in lower case)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
#: environment variable naming the cache folder (default ``~/.cache/memnets``)
CACHE_ENV_VAR = "MEMNETS_CACHE_DIR"
#: with ``cache=None``, folders of at least this many images are cached on disk
CACHE_MIN_IMAGES = 2000
_GREY = {"L": "L", "1": "L", "LA": "L"}
_COLOUR = {"RGB": "RGB", "RGBA": "RGB", "RGBX": "RGB", "RGBa": "RGB", "P": "RGB", "PA": "RGB",
           "CMYK": "RGB", "YCbCr": "RGB", "LAB": "RGB", "HSV": "RGB"}


@dataclass(frozen=True)
class ImageSet:
    """The decoded images of one split: ``X`` uint8 (N, C*H*W) channel-major, ``y`` int64 class
    indices, ``classes`` the class-folder names (index k = ``classes[k]``), ``shape`` (C, H, W)."""

    X: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]
    shape: tuple[int, int, int]


def cache_dir() -> Path:
    """``$MEMNETS_CACHE_DIR`` or ``~/.cache/memnets``: where decoded image folders are kept."""
    env = os.environ.get(CACHE_ENV_VAR)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "memnets"


def split_folder(root: str | Path, split: str) -> Path:
    """The folder holding the class folders of ``split`` (see the module's layout rules)."""
    base = Path(root).expanduser()
    if not base.is_dir():
        raise DataUnavailableError(f"image folder {base} does not exist (or is not a folder)")
    if (base / "train").is_dir():
        folder = base / split
        if not folder.is_dir():
            raise DataUnavailableError(f"{base} has a train/ folder but no {split}/ folder")
        return folder
    if split != "train":
        raise OptionError(
            f"{base} holds one set of class folders (no train/ and test/ sub-folders), read as "
            f"split='train'; split={split!r} needs {base}/train/<class>/ and {base}/test/<class>/"
        )
    return base


def _visible_dirs(folder: Path) -> list[str]:
    return sorted(e.name for e in os.scandir(folder) if e.is_dir() and not e.name.startswith("."))


def image_folder_classes(root: str | Path, split: str = "train") -> tuple[str, ...]:
    """The class names of an image folder, sorted: class index k is the k-th name.

    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for name in ("dog", "cat", ".hidden"):
    ...         (pathlib.Path(tmp) / name).mkdir()
    ...     image_folder_classes(tmp)
    ('cat', 'dog')
    """
    names = _visible_dirs(split_folder(root, split))
    if not names:
        raise DataFileError(f"{split_folder(root, split)} has no class sub-folders (expected <class>/<image files>)")
    return tuple(names)


def _listing(folder: Path, classes: tuple[str, ...]) -> list[tuple[str, list[os.DirEntry[str]]]]:
    out = []
    for name in classes:
        path = folder / name
        if not path.is_dir():
            raise DataFileError(f"class folder {path} is missing (the classes are {list(classes)})")
        files = sorted(
            (e for e in os.scandir(path)
             if e.is_file() and not e.name.startswith(".") and os.path.splitext(e.name)[1].lower() in IMAGE_SUFFIXES),
            key=lambda e: e.name,
        )
        if not files:
            raise DataFileError(
                f"class folder {path} holds no image files (suffixes {', '.join(IMAGE_SUFFIXES)})"
            )
        out.append((name, files))
    return out


def _fingerprint(folder: Path, listing: list[tuple[str, list[os.DirEntry[str]]]]) -> str:
    h = hashlib.sha256(str(folder.resolve()).encode())
    for name, files in listing:
        for e in files:
            st = e.stat()
            h.update(f"\0{name}/{e.name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()


def read_image(path: str | Path) -> np.ndarray:
    """One image as uint8 (C, H, W) (C = 1 grey, 3 colour), converted as the module states."""
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    try:
        with Image.open(p) as im:
            im.load()
            mode = im.mode
            target = _GREY.get(mode) or _COLOUR.get(mode)
            if target is None:
                raise DataFileError(
                    f"{p}: image mode {mode!r} is not supported (8-bit grey or colour only: "
                    f"{', '.join(sorted({*_GREY, *_COLOUR}))})"
                )
            if mode == "LA":
                a = np.asarray(im.getchannel("L"), dtype=np.uint8)  # the alpha channel is dropped
            elif mode != target:
                a = np.asarray(im.convert(target), dtype=np.uint8)  # explicit, see the module doc
            else:
                a = np.asarray(im, dtype=np.uint8)
    except DataFileError:
        raise
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, EOFError) as exc:
        raise DataFileError(f"{p} is not a readable image: {exc}") from exc
    return a[None, :, :] if a.ndim == 2 else np.ascontiguousarray(a.transpose(2, 0, 1))


def _decode(folder: Path, listing: list[tuple[str, list[os.DirEntry[str]]]]) -> ImageSet:
    total = sum(len(files) for _, files in listing)
    X: np.ndarray | None = None
    y = np.empty(total, dtype=np.int64)
    shape: tuple[int, int, int] = (0, 0, 0)
    first = ""
    row = 0
    for k, (_, files) in enumerate(listing):
        for e in files:
            img = read_image(e.path)
            if X is None:
                shape = (int(img.shape[0]), int(img.shape[1]), int(img.shape[2]))
                first = e.path
                X = np.empty((total, img.size), dtype=np.uint8)
            elif img.shape != shape:
                raise DataFileError(
                    f"{e.path}: image of {_describe(img.shape)} but {first} (the first image) is "
                    f"{_describe(shape)}; every image of a folder must have the same size and "
                    "channel count (resize or convert them first)"
                )
            X[row] = img.ravel()
            y[row] = k
            row += 1
    if X is None:  # pragma: no cover - _listing refuses empty classes
        raise DataFileError(f"{folder} holds no images")
    return ImageSet(X, y, tuple(name for name, _ in listing), shape)


def _describe(shape: tuple[int, ...]) -> str:
    kind = "grey" if shape[0] == 1 else "colour"
    return f"{shape[2]}x{shape[1]} pixels ({kind}, {shape[0]} channel{'s' if shape[0] > 1 else ''})"


def _cache_path(key: str) -> Path:
    return cache_dir() / "imagefolder" / f"{key}.npz"


def _read_cache(path: Path, key: str) -> ImageSet | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["key"]) != key:
                return None
            X, y = z["X"], z["y"]
            classes = tuple(str(c) for c in z["classes"])
            shape = tuple(int(s) for s in z["shape"])
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    if X.dtype != np.uint8 or X.ndim != 2 or len(shape) != 3 or y.shape != (X.shape[0],):
        return None
    return ImageSet(X, y.astype(np.int64), classes, (shape[0], shape[1], shape[2]))


def _write_cache(path: Path, key: str, data: ImageSet) -> None:
    """Write atomically (temporary file renamed into place); a failure only skips the cache."""
    try:
        with atomic_open(path, "wb") as fh:
            np.savez(fh, key=np.array(key), X=data.X, y=data.y, classes=np.array(data.classes),
                     shape=np.array(data.shape))
    except OSError:
        return


@functools.lru_cache(maxsize=4)
def _read_cached(folder: str, classes: tuple[str, ...], key: str, cache: bool | None) -> ImageSet:
    listing = _listing(Path(folder), classes)
    total = sum(len(f) for _, f in listing)
    use_disk = cache is True or (cache is None and total >= CACHE_MIN_IMAGES)
    path = _cache_path(key)
    data = _read_cache(path, key) if use_disk and path.is_file() else None
    if data is None:
        data = _decode(Path(folder), listing)
        if use_disk:
            _write_cache(path, key, data)
    data.X.setflags(write=False)
    data.y.setflags(write=False)
    return data


def read_image_folder(
    root: str | Path, split: str = "train", *, classes: tuple[str, ...] | None = None, cache: bool | None = None
) -> ImageSet:
    """Decode one split of an image folder (layout, conversions and cache: see the module).

    ``classes`` fixes the class folders and their order (class k = ``classes[k]``; every one
    must exist); default: the sorted sub-folder names. Returns read-only arrays.
    """
    if cache is not None and not isinstance(cache, bool):
        raise OptionError(f"cache must be True, False or None, got {cache!r}")
    folder = split_folder(root, split)
    names = image_folder_classes(root, split) if classes is None else tuple(classes)
    key = _fingerprint(folder, _listing(folder, names))
    return _read_cached(str(folder.resolve()), names, key, cache)
