"""The error hierarchy (:mod:`memnets._core.errors`): ConflictingLabelsError's indices and
message (written to kill the survivors of ``benchmarks/mutate.py errors``; see
benchmarks/README.md)."""

from __future__ import annotations

import numpy as np
import pytest

import memnets as mn
from memnets._core.errors import ConflictingLabelsError, InputError, MemnetsError


def test_conflicting_labels_names_both_samples_as_python_ints_and_both_labels():
    e = ConflictingLabelsError(np.int64(3), np.int32(7), "cat", np.int64(2))
    assert e.indices == (3, 7)
    assert all(type(k) is int for k in e.indices)
    assert str(e) == ("samples 3 and 7 are identical but labelled 'cat' and np.int64(2): "
                      "no function (hence no network) can memorize this dataset (separation is 0)")
    assert isinstance(e, InputError) and isinstance(e, MemnetsError) and isinstance(e, ValueError)


def test_construct_raises_it_for_two_identical_samples_with_different_labels():
    with pytest.raises(ConflictingLabelsError) as e:
        mn.construct([[0.5, 0.5], [0.0, 1.0], [0.5, 0.5]], [0, 1, 1], method="interval", rng=0)
    assert e.value.indices == (0, 2)
    assert str(e.value).startswith("samples 0 and 2 are identical but labelled 0 and 1: ")
