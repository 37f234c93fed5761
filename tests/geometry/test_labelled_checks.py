"""One check of a labelled sample: the enemy distances and condensing rules (``check_codes``),
``closest_opposite_pair`` and ``check_dataset`` accept and refuse the same labels, with the
same error and message. ``check_codes`` once ravelled ``y`` and called ``np.unique`` itself:
it took a (1, N) row, NaN labels and silently ravelled shapes that ``check_dataset`` refuses,
and leaked a bare ``TypeError`` on ``None`` or unsortable labels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import memnets as mn
from memnets._core.checks import check_dataset, check_labelled
from memnets._geometry import enemies

X3 = [[0.0], [0.5], [1.0]]

BAD_Y: list[tuple[Any, str]] = [
    ([[0, 0, 1]], r"y must be 1-D \(n_samples,\), got shape \(1, 3\)"),
    ([[0, 1], [0, 1], [1, 0]], r"y must be 1-D \(n_samples,\), got shape \(3, 2\)"),
    ([0.0, float("nan"), 1.0], "y contains nan at sample 1"),
    (np.array([0, None, 1], dtype=object), "y contains None at sample 1"),
    (np.array([0, "a", 1], dtype=object), "labels in y cannot be sorted"),
    ([0, 1], "X has 3 samples but y has 2 labels"),
]


def _outcome(f: Any) -> tuple[str, str]:
    try:
        f()
    except Exception as exc:  # the class and message are what is compared
        return type(exc).__name__, str(exc)
    return "ok", ""


@pytest.mark.parametrize(("y", "message"), BAD_Y)
def test_every_path_refuses_the_same_labels_alike(y: Any, message: str) -> None:
    with pytest.raises(mn.InputError, match=message):
        enemies.check_codes(X3, y)
    paths = [
        lambda: enemies.check_codes(X3, y),
        lambda: enemies.nearest_enemy_sq(X3, y),
        lambda: mn.closest_opposite_pair(X3, y),
        lambda: check_dataset(X3, y, min_classes=1, check_conflicts=False),
    ]
    outcomes = {_outcome(f) for f in paths}
    assert len(outcomes) == 1, outcomes


@pytest.mark.parametrize(
    ("y", "codes"),
    [([0, 0, 1], [0, 0, 1]), ([[7], [3], [7]], [1, 0, 1]), (np.array(["b", "a", "c"]), [1, 0, 2]), ([True, False, True], [1, 0, 1])],
)
def test_every_path_encodes_the_same_codes(y: Any, codes: list[int]) -> None:
    Xa, got = enemies.check_codes(X3, y)
    ds = check_dataset(X3, y, min_classes=1, check_conflicts=False)
    assert got.dtype == np.int64 and got.tolist() == ds.codes.tolist() == codes
    assert Xa.tolist() == ds.X.tolist()
    assert check_labelled(X3, y)[3].tolist() == codes


def test_outside_the_unit_cube_only_check_dataset_refuses() -> None:
    X = [[0.0], [2.0], [5.0]]
    assert enemies.check_codes(X, [0, 1, 1])[0].tolist() == X
    assert mn.closest_opposite_pair(X, [0, 1, 1]).squared == 4
    with pytest.raises(mn.InputError):
        check_dataset(X, [0, 1, 1])
