"""One vocabulary across constructions (issue #23 item 4): the current option names and
values, and the earlier spellings that still work for one release with a DeprecationWarning
and give the same result."""

from __future__ import annotations

import importlib
import typing

import numpy as np
import pytest

import memnets as mn
from memnets._constructions.registry import RENAMED_OPTIONS, RENAMED_VALUES, current_options

X = np.random.default_rng(5).random((40, 3))
Y = np.arange(40) % 2


def _same(a: mn.ConstructionResult, b: mn.ConstructionResult) -> None:
    assert len(a.network.layers) == len(b.network.layers)
    for la, lb in zip(a.network.layers, b.network.layers, strict=True):
        assert np.array_equal(la.dense_weight(), lb.dense_weight())
        assert np.array_equal(la.bias, lb.bias)
    timeless = lambda s: {k: v for k, v in s.items() if "seconds" not in k}  # noqa: E731
    assert timeless(a.stats) == timeless(b.stats)
    assert a.min_margin == b.min_margin and a.verified and b.verified


@pytest.mark.parametrize(
    ("method", "old", "new"),
    [
        ("efficient", {"verify": "network"}, {"verify": "engine"}),
        ("interval", {"verify": "sweep"}, {"verify": "engine"}),
        ("interval", {"verify": "network"}, {"verify": "generic"}),
        ("pairwise", {"verify": "certified"}, {"verify": "engine"}),
        ("pairwise", {"verify": "exact"}, {"verify": "generic"}),
        ("constant", {"max_code_tries": 5}, {"max_tries": 5}),
    ],
)
def test_earlier_spellings_warn_and_give_the_same_result(method: str, old: dict, new: dict) -> None:
    with pytest.warns(DeprecationWarning, match="is deprecated: use"):
        before = mn.construct(X, Y, method=method, rng=1, **old)
    now = mn.construct(X, Y, method=method, rng=1, **new)
    _same(before, now)
    assert before.stats["options"] == now.stats["options"]  # recorded in the current words
    for name, value in new.items():
        assert now.stats["options"][name] == value


def test_verify_words_mean_the_same_everywhere() -> None:
    allowed = {"certificate", "engine", "generic"}
    for method in ("efficient", "interval", "pairwise"):
        build = importlib.import_module(mn.METHODS[method][0]).build
        words = set(typing.get_args(typing.get_type_hints(build)["verify"]))
        assert "engine" in words and words <= allowed, (method, words)
    for values in RENAMED_VALUES.values():
        assert set(values) == {"verify"} and set(values["verify"].values()) <= allowed
    # retries of a random draw have one name
    assert all("max_code_tries" not in mn.method_options(m) for m in mn.METHODS)
    assert RENAMED_OPTIONS == {"constant": {"max_code_tries": "max_tries"}}


def test_old_and_new_name_together_is_refused() -> None:
    with pytest.raises(mn.OptionError, match="pass 'max_tries' only"):
        current_options("constant", {"max_code_tries": 3, "max_tries": 3})


def test_an_old_word_of_another_method_is_still_refused() -> None:
    with pytest.raises(mn.OptionError, match="verify"):
        mn.construct(X, Y, method="pairwise", verify="network")
    with pytest.raises(mn.OptionError, match="verify"):
        mn.construct(X, Y, method="efficient", verify="sweep")
