"""Tiny CIFAR-10 files in the official ``cifar-10-batches-py`` format, written by the tests."""

from __future__ import annotations

import pickle

import numpy as np

PER_BATCH = 3
N_TEST = 4


def _batch(gen: np.random.Generator, k: int, offset: int, by_class: bool) -> dict[bytes, object]:
    labels = [int((offset + i) % 10) for i in range(k)]
    if by_class:  # class c: noisy grey level 20 c + 30, so a pair is learnable
        data = np.clip(np.array(labels)[:, None] * 20 + 30 + gen.integers(-8, 9, size=(k, 3072)), 0, 255)
    else:
        data = gen.integers(0, 256, size=(k, 3072), dtype=np.uint8)
    return {
        b"batch_label": b"training batch",
        b"labels": labels,
        b"data": data.astype(np.uint8),
        b"filenames": [f"img_{offset + i}.png".encode() for i in range(k)],
    }


def write_cifar(folder, *, protocol: int = 2, seed: int = 0, per_batch: int = PER_BATCH,
                n_test: int = N_TEST, by_class: bool = False) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Write a tiny cifar-10-batches-py folder; return the expected (uint8 data, labels).

    Pixels are uniform noise, or with ``by_class`` a noisy grey level per class (learnable)."""
    gen = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    train = []
    for i in range(1, 6):
        b = _batch(gen, per_batch, 10 * i, by_class)
        with (folder / f"data_batch_{i}").open("wb") as f:
            pickle.dump(b, f, protocol=protocol)
        train.append(b)
    t = _batch(gen, n_test, 7, by_class)
    with (folder / "test_batch").open("wb") as f:
        pickle.dump(t, f, protocol=protocol)
    meta = {b"label_names": [b"airplane", b"automobile", b"bird", b"cat", b"deer",
                             b"dog", b"frog", b"horse", b"ship", b"truck"], b"num_vis": 3072}
    with (folder / "batches.meta").open("wb") as f:
        pickle.dump(meta, f, protocol=protocol)
    return {
        "train": (np.concatenate([b[b"data"] for b in train]),
                  np.concatenate([b[b"labels"] for b in train])),
        "test": (t[b"data"], np.array(t[b"labels"])),
    }


def write_png_folder(root, split: str, data: np.ndarray, labels: np.ndarray, names) -> list:
    """Write uint8 rows of 3072 CIFAR values as ``root/split/<names[label]>/img_<i>.png`` (RGB
    32x32, channel-major rows un-flattened); the file names keep the rows' order within a class.
    Returns the written paths in row order."""
    from PIL import Image

    paths = []
    for i, (row, label) in enumerate(zip(data, labels, strict=True)):
        folder = root / split / names[int(label)]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"img_{i:05d}.png"
        Image.fromarray(np.ascontiguousarray(row.reshape(3, 32, 32).transpose(1, 2, 0))).save(path)
        paths.append(path)
    return paths
