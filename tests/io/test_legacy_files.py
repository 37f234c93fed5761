"""Model files written before the package was reorganised still load and predict identically.

``tests/data/legacy-*.memnet`` were written by memnets at commit 74b1042 (the layout before
the ``_core``/``_engines``/``_constructions`` split), together with ``legacy.json``: the
training and query inputs and the predictions that code made. The file format is a public
contract: a reorganisation must not change what an old file means.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import memnets as mn

DATA = Path(__file__).parents[1] / "data"
LEGACY = json.loads((DATA / "legacy.json").read_text())


@pytest.mark.parametrize("method", sorted(LEGACY["files"]))
def test_legacy_file_loads_and_predicts_identically(method: str) -> None:
    entry = LEGACY["files"][method]
    res = mn.load(DATA / entry["path"])
    assert res.method == method
    assert res.engine == entry["engine"]
    assert res.verified is True
    assert res.stats["params"] == entry["params"]
    Xq = np.array(LEGACY["X_query"])
    X = np.array(LEGACY["X_train"])
    assert res.predict(Xq).tolist() == entry["predict_query"]
    assert res.predict(X).tolist() == entry["predict_train"] == LEGACY["y_train"]
