"""What the commands share to read data and models: a dataset name or a user's ``.npz``/``.csv``
file, and a ``.memnet`` result or any model file :func:`memnets.load_model` reads."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from memnets import ConstructionResult, InputError, ModelFileError, ReLUNetwork

FILE_SUFFIXES = (".npz", ".csv")


def is_data_file(data: str) -> bool:
    return Path(data).suffix.lower() in FILE_SUFFIXES


def load_data(
    data: str,
    *,
    classes: tuple[Any, ...] | None = None,
    split: str = "train",
    n: int | None = None,
    seed: int = 0,
    data_dir: Path | None = None,
    label_column: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of a dataset name (``memnets.datasets.load``) or of a user's file.

    A ``.npz`` file holds arrays ``X`` (N, n) and ``y`` (N,); a ``.csv`` file has a header row,
    one column of labels named by ``label_column`` and numeric feature columns. A file is one
    set (``split`` does not apply); ``classes`` keeps the rows whose label is listed and ``n``
    draws that many rows without replacement (seeded).
    """
    if not is_data_file(data):
        if label_column is not None:
            raise InputError(f"--label-column applies to .csv files; {data!r} is a dataset name")
        from memnets import datasets

        return datasets.load(data, classes=classes, split=split, n=n, rng=seed, data_dir=data_dir)
    path = Path(data)
    if not path.is_file():
        raise InputError(f"no such data file: {path}")
    if path.suffix.lower() == ".npz":
        if label_column is not None:
            raise InputError("--label-column applies to .csv files; a .npz file holds arrays X and y")
        X, y = _read_npz(path)
    else:
        if label_column is None:
            raise InputError(f"{path}: a .csv file needs --label-column NAME (the column holding the labels)")
        X, y = _read_csv(path, label_column)
    if classes is not None:
        wanted = {str(c) for c in classes}
        keep = np.array([str(v) in wanted for v in y.tolist()], dtype=bool)
        if not keep.any():
            raise InputError(f"{path}: no row has a label among {sorted(wanted)}")
        X, y = X[keep], y[keep]
    if n is not None:
        if not 0 < n <= len(y):
            raise InputError(f"{path}: cannot draw {n} rows from {len(y)}")
        idx = np.sort(np.random.default_rng(seed).choice(len(y), size=n, replace=False))
        X, y = X[idx], y[idx]
    return X, y


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:
            keys = sorted(f.files)
            if "X" not in keys or "y" not in keys:
                raise InputError(f"{path}: a .npz file must hold arrays named X and y; it holds {keys}")
            return np.asarray(f["X"]), np.asarray(f["y"])
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable .npz file ({exc})") from exc


def _read_csv(path: Path, label_column: str) -> tuple[np.ndarray, np.ndarray]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise InputError(f"{path}: empty file")
    header = [h.strip() for h in rows[0]]
    if label_column not in header:
        raise InputError(f"{path}: no column named {label_column!r}; the header has {header}")
    lab = header.index(label_column)
    feats = [j for j in range(len(header)) if j != lab]
    X = np.empty((len(rows) - 1, len(feats)), dtype=np.float64)
    labels: list[str] = []
    for i, row in enumerate(rows[1:]):
        if len(row) != len(header):
            raise InputError(f"{path}: line {i + 2} has {len(row)} fields, the header {len(header)}")
        labels.append(row[lab].strip())
        for k, j in enumerate(feats):
            try:
                X[i, k] = float(row[j])
            except ValueError:
                raise InputError(f"{path}: line {i + 2}, column {header[j]!r}: {row[j]!r} is not a number") from None
    try:
        return X, np.array([int(v) for v in labels])
    except ValueError:
        return X, np.array(labels)


def load_any_model(path: Path) -> tuple[ConstructionResult | None, ReLUNetwork]:
    """A ``.memnet`` result (with its labels and scaling), else the bare network of any file
    :func:`memnets.load_model` reads (a ``.memnet`` network, a torch ``nn.Sequential`` of
    Linear/ReLU or its ``state_dict``)."""
    from memnets import load, load_model

    try:
        res = load(path)
        return res, res.network
    except ModelFileError as first:
        try:
            return None, load_model(path)
        except ModelFileError as second:
            raise (first if path.suffix == ".memnet" else second) from None


def bare_network_predictions(net: ReLUNetwork, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Labels a bare network (no stored labels) gives: its outputs read as the sorted classes
    of ``y`` (one output: ``F > 0`` is the second class; C outputs: argmax over C classes)."""
    classes = np.unique(y)
    if X.shape[1] != net.n_inputs:
        raise InputError(f"the network takes {net.n_inputs} inputs but the data has {X.shape[1]} features")
    out = net.forward(X)
    if net.n_outputs == 1:
        if len(classes) != 2:
            raise InputError(f"a one-output network separates 2 classes; the data has {len(classes)}")
        return classes[(out.reshape(-1) > 0).astype(np.int64)]
    if len(classes) != net.n_outputs:
        raise InputError(f"the network has {net.n_outputs} outputs but the data has {len(classes)} classes")
    return classes[np.argmax(out, axis=1)]
