"""The gradient-trained memorizer (method="trained"): verified, deterministic, side-effect free."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import memnets as mn
from _helpers import assert_close
from memnets._core.checks import check_dataset
from memnets._engines.decide import margins_exact

XOR_X = np.array([[0.1, 0.1], [0.9, 0.9], [0.1, 0.9], [0.9, 0.1]])
XOR_Y = np.array([0, 0, 1, 1])


def test_xor_is_memorized_and_verified():
    res = mn.construct(XOR_X, XOR_Y, method="trained", rng=0, hidden=(8,))
    assert res.verified and res.method == "trained"
    assert res.network.layer_sizes == (2, 8, 1)
    assert res.score(XOR_X, XOR_Y) == 1.0
    assert res.stats["epochs"] >= 1 and res.stats["seed"] == 0
    assert res.stats["params"] == 8 * 3 + 9
    # exact margins, independent of the float path used by the verification
    assert min(margins_exact(res.network, check_dataset(XOR_X, XOR_Y))) > 0


def test_a_constant_column_is_left_unscaled():
    # a feature constant over the training set (MNIST has 67 such pixels) has sd 0: it is
    # standardized with sd 1, not divided by 0 (NaN inputs would never memorize)
    X = np.c_[XOR_X, np.full(4, 0.5)]
    res = mn.construct(X, XOR_Y, method="trained", rng=0, hidden=(8,))
    assert res.verified and res.score(X, XOR_Y) == 1.0
    assert np.isfinite(res.network.layers[0].dense_weight().astype(float)).all()


def test_same_seed_same_weights_and_other_seed_differs():
    a = mn.construct(XOR_X, XOR_Y, method="trained", rng=3, hidden=(8,))
    b = mn.construct(XOR_X, XOR_Y, method="trained", rng=3, hidden=(8,))
    c = mn.construct(XOR_X, XOR_Y, method="trained", rng=4, hidden=(8,))
    for la, lb in zip(a.network.layers, b.network.layers, strict=True):
        assert np.array_equal(la.weight, lb.weight) and np.array_equal(la.bias, lb.bias)
    assert not np.array_equal(a.network.layers[0].weight, c.network.layers[0].weight)


def test_no_global_random_state_touched_and_threads_restored():
    torch_state = torch.get_rng_state().clone()
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002 - checking it is untouched
    threads = torch.get_num_threads()
    mn.construct(XOR_X, XOR_Y, method="trained", rng=1, hidden=(8,))
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert torch.get_num_threads() == threads


def test_standardization_folded_into_first_layer_matches_torch_export(rng):
    """The returned network takes raw x: its float forward equals its torch export."""
    X = rng.random((40, 3))
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    res = mn.construct(X, y, method="trained", rng=0, hidden=(16,))
    assert res.score(X, y) == 1.0
    model = res.network.to_torch()
    with torch.no_grad():
        out = model(torch.from_numpy(X)).numpy().ravel()
    assert_close(out, res.network.forward(X))


def test_first_width_sets_the_bottleneck(rng):
    X = rng.random((30, 4))
    y = (X[:, 0] > 0.5).astype(int)
    res = mn.construct(X, y, method="trained", rng=0, first_width=2, hidden=(32, 16))
    assert res.network.layer_sizes == (4, 2, 16, 1)
    assert res.stats["bottleneck"] == 2 and res.stats["hidden"] == [2, 16]


def test_multiclass_and_minibatches(rng):
    X = rng.random((60, 2))
    y = np.digitize(X[:, 0], [1 / 3, 2 / 3])  # three classes in vertical bands
    res = mn.construct(X, y, method="trained", rng=0, hidden=(32,), batch_size=16, max_epochs=4000)
    assert res.network.n_outputs == 3
    assert res.score(X, y) == 1.0 and res.verified


def test_budget_exhausted_raises_with_training_accuracy(rng):
    X = rng.random((200, 2))
    y = rng.integers(0, 2, 200)  # random labels: not memorizable in 2 epochs
    with pytest.raises(mn.ConstructionError, match="training accuracy") as info:
        mn.construct(X, y, method="trained", rng=0, hidden=(4,), max_epochs=2)
    assert 0.0 < info.value.train_accuracy < 1.0


@pytest.mark.parametrize(
    "opts",
    [{"hidden": ()}, {"hidden": (0,)}, {"hidden": (2.5,)}, {"first_width": 0}, {"max_epochs": 0},
     {"lr": -1.0}, {"lr": float("nan")}, {"batch_size": 0}],
)
def test_bad_options(opts):
    with pytest.raises(mn.OptionError):
        mn.construct(XOR_X, XOR_Y, method="trained", rng=0, **opts)


def test_save_load_round_trip_and_sklearn_estimator(tmp_path, rng):
    from sklearn.model_selection import cross_val_score

    X = rng.random((60, 2))
    y = (X[:, 0] > X[:, 1]).astype(int)
    res = mn.construct(X, y, method="trained", rng=0, hidden=(16,))
    mn.save(res, tmp_path / "t.memnet")
    back = mn.load(tmp_path / "t.memnet")
    for a, b in zip(res.network.layers, back.network.layers, strict=True):
        assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias)
    assert back.stats["epochs"] == res.stats["epochs"] and back.method == "trained"
    clf = mn.MemorizationClassifier(method="trained", random_state=0, hidden=(16,))
    scores = cross_val_score(clf, X, y, cv=3)
    assert scores.min() > 0.8  # a linear boundary: the trained memorizer generalizes here
