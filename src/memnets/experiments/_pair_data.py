"""Real images for the experiments: two classes of a dataset, seeded subsamples, conflicts.

``pairs`` and ``compare`` build every network on the images of one pair of classes; both
draw them through :func:`load_pair_cached`, so the two experiments see the same seeded
images of a pair. :func:`unavailable` tells whether a dataset loads here (and how to
supply it when not).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

import memnets as mn
from memnets import DataUnavailableError

__all__ = ["CIFAR_HINT", "derived_seed", "drop_conflicts", "load_pair", "load_pair_cached", "load_splits", "unavailable"]

CIFAR_HINT = (
    "CIFAR-10 is not bundled: download cifar-10-python.tar.gz from "
    "https://www.cs.toronto.edu/~kriz/cifar.html, extract it and pass the folder "
    "(the one holding data_batch_1 ... test_batch) with --data-dir, e.g. "
    "`memnets experiment pairs --data cifar10 --data-dir ~/data/cifar-10-batches-py`; "
    "a folder of PNGs laid out as train/<class>/*.png and test/<class>/*.png (e.g. a checkout "
    "of github.com/cyizhuo/CIFAR-10-dataset) works too."
)


def derived_seed(*parts: int) -> int:
    """A 63-bit seed that depends only on ``parts`` (never on run order)."""
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(2, np.uint64)[0] >> np.uint64(1))


def load_pair(
    data: str,
    pair: tuple[int, int],
    split: str,
    per_class: int | None,
    seed: int,
    data_dir: str | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Images of the two classes of ``pair`` in ``split``, ``per_class`` of each (seeded).

    The subsample of class ``c`` depends only on ``(seed, pair, split, c)``.
    """
    X, y = mn.datasets.load(data, classes=tuple(pair), split=split, data_dir=data_dir)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if per_class is None:
        return X, y
    keep: list[np.ndarray] = []
    for c in pair:
        idx = np.flatnonzero(y == c)
        if per_class < len(idx):
            rng = np.random.default_rng(derived_seed(seed, pair[0], pair[1], split == "test", int(c)))
            idx = np.sort(rng.choice(idx, size=per_class, replace=False))
        keep.append(idx)
    sel = np.sort(np.concatenate(keep))
    return X[sel], y[sel]


@functools.lru_cache(maxsize=4)
def load_pair_cached(
    data: str, pair: tuple[int, int], split: str, per_class: int | None, seed: int, data_dir: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`load_pair` memoised per worker process (the condense options of one pair and
    the methods of the comparison reuse the images); the arrays are read-only."""
    X, y = load_pair(data, pair, split, per_class, seed, data_dir)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def load_splits(
    data: str, pair: tuple[int, int], n_train: int | None, n_test: int | None, seed: int, data_dir: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The training and the test images ``(X, y, X_test, y_test)`` of ``pair``, through
    :func:`load_pair_cached` (``n_train``/``n_test`` per class, ``None`` for all)."""
    X, y = load_pair_cached(data, pair, "train", n_train, seed, data_dir)
    Xt, yt = load_pair_cached(data, pair, "test", n_test, seed, data_dir)
    return X, y, Xt, yt


def drop_conflicts(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Remove every image that also appears with another label (memorization needs c > 0).

    Returns the kept ``(X, y)`` and how many images were dropped (0 on MNIST-like data).
    """
    first: dict[bytes, Any] = {}
    bad: set[bytes] = set()
    keys = [row.tobytes() for row in np.ascontiguousarray(X)]
    for key, label in zip(keys, y.tolist(), strict=True):
        if key in first and first[key] != label:
            bad.add(key)
        first.setdefault(key, label)
    if not bad:
        return X, y, 0
    mask = np.array([k not in bad for k in keys])
    return X[mask], y[mask], int((~mask).sum())


def unavailable(name: str, data_dir: str | None) -> str | None:
    """None when dataset ``name`` loads here, else the reason (with how to supply it)."""
    try:
        mn.datasets.load(name, classes=(0, 1), split="test", n=2, rng=0, data_dir=data_dir)
    except DataUnavailableError as exc:
        return f"{CIFAR_HINT} ({exc})" if name == "cifar10" else str(exc)
    return None
