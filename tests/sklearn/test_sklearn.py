"""MemorizationClassifier: scikit-learn estimator API, checks, pipelines, labels."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import memnets as mn
from memnets import MemorizationClassifier

# No check is expected to fail. (scikit-learn itself skips check_array_api_input without
# SCIPY_ARRAY_API and the pandas check without pandas; those are skips, not failures.)
EXPECTED_FAILED_CHECKS: dict[str, str] = {}


@parametrize_with_checks(
    [MemorizationClassifier(), MemorizationClassifier(condense="none", random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)


def _blobs(seed: int, n: int = 120, n_classes: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(0, 5, (n_classes, 4))
    y = rng.integers(0, n_classes, n)
    return centers[y] + rng.normal(0, 1, (n, 4)), y


def test_equals_1nn_for_condense_none_on_raw_data() -> None:
    X, y = _blobs(0)
    Xt, _ = _blobs(1, 300)
    clf = MemorizationClassifier(condense="none").fit(X, y)
    knn = KNeighborsClassifier(n_neighbors=1).fit(X, y)
    # global scaling is a uniform scale + shift: nearest neighbours unchanged (inside the box)
    lo, hi = X.min(), X.max()
    inside = ((Xt >= lo) & (Xt <= hi)).all(axis=1)
    assert inside.sum() > 200
    assert (clf.predict(Xt[inside]) == knn.predict(Xt[inside])).all()
    assert clf.score(X, y) == 1.0
    assert clf.result_.verified


def test_pipeline_and_cross_val_score() -> None:
    X, y = _blobs(2, 150)
    pipe = make_pipeline(StandardScaler(), MemorizationClassifier(random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3)
    knn = cross_val_score(make_pipeline(StandardScaler(), KNeighborsClassifier(1)), X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() >= knn.mean() - 0.05
    assert scores.min() > 0.8


def test_string_and_unsortable_labels() -> None:
    X, y = _blobs(3, 90)
    names = np.array(["cat", "dog", "emu"])[y]
    clf = MemorizationClassifier().fit(X, names)
    assert clf.classes_.tolist() == ["cat", "dog", "emu"]
    assert (clf.predict(X) == names).all()
    assert clf.decision_function(X).shape == (90, 3)
    assert (clf.classes_[np.argmax(clf.decision_function(X), axis=1)] == names).all()
    # hashable but not mutually comparable: first-appearance order
    mixed = np.empty(90, dtype=object)
    mixed[:] = [("a", 1) if v == 0 else (2 if v == 1 else "z") for v in y]
    clf2 = MemorizationClassifier().fit(X, mixed)
    assert list(clf2.classes_) == list(dict.fromkeys(mixed.tolist()))
    assert clf2.predict(X).tolist() == mixed.tolist()


def test_binary_decision_function_sign() -> None:
    X, y = _blobs(4, 80, 2)
    labels = np.where(y == 1, "yes", "no")
    clf = MemorizationClassifier(condense="hart").fit(X, labels)
    d = clf.decision_function(X)
    assert d.shape == (80,)
    assert (np.where(d > 0, clf.classes_[1], clf.classes_[0]) == labels).all()
    assert clf.network_.n_outputs == 1


def test_random_state_kinds_seed_the_construction() -> None:
    # an int, a RandomState (its next randint(0, 2**31 - 1) is the seed) and a Generator
    # (the caller owns its state: no seed recorded); equal random states, equal networks
    X = np.random.default_rng(0).random((30, 3))
    y = np.arange(30) % 2
    first = MemorizationClassifier(method="interval", random_state=np.random.RandomState(5)).fit(X, y)
    again = MemorizationClassifier(method="interval", random_state=np.random.RandomState(5)).fit(X, y)
    assert first.result_.seed == np.random.RandomState(5).randint(0, 2**31 - 1)
    assert np.array_equal(first.result_.info["direction"], again.result_.info["direction"])
    assert MemorizationClassifier(method="interval", random_state=11).fit(X, y).result_.seed == 11
    gen = MemorizationClassifier(method="interval", random_state=np.random.default_rng(5)).fit(X, y)
    assert gen.result_.seed is None


def test_params_round_trip_and_errors() -> None:
    clf = MemorizationClassifier(condense="none", alpha=0.25, random_state=7)
    assert clf.get_params() == {
        "method": "efficient", "scale": "auto", "random_state": 7, "verbose": False, "condense": "none",
        "preset": "balanced", "alpha": 0.25, "radius": None, "k": None, "lam": 1.0, "verify": "certificate",
    }
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    clf.set_params(condense="cover", radius="local")
    assert clf.get_params()["radius"] == "local"
    X, y = _blobs(5, 60)
    clf.fit(X, y)
    assert clf.result_.stats["seed"] == 7
    assert clf.result_.stats["options"]["radius"] == "local"
    with pytest.raises(mn.OptionError, match="no option 'colour'"):
        MemorizationClassifier(colour="red").fit(X, y)
    with pytest.raises(mn.OptionError, match="alpha"):
        MemorizationClassifier(alpha=1.0).fit(X, y)
    with pytest.raises(mn.OptionError, match="scale"):
        MemorizationClassifier(scale="minmax").fit(X, y)
    with pytest.raises(mn.OptionError, match="unknown method"):
        MemorizationClassifier(method="nope").fit(X, y)
    with pytest.raises(mn.ConflictingLabelsError):
        MemorizationClassifier().fit(np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]]), [0, 1, 1])


def test_scale_none_requires_unit_interval() -> None:
    X, y = _blobs(6, 40, 2)
    with pytest.raises(mn.InputError, match=r"\[0, 1\]"):
        MemorizationClassifier(scale="none").fit(X, y)
    U = (X - X.min()) / (X.max() - X.min())
    a = MemorizationClassifier(scale="none").fit(U, y).predict(U[:10])
    assert (a == y[:10]).all()


def test_get_params_lists_every_option_of_the_method_with_its_default() -> None:
    for method in mn.METHODS:
        params = MemorizationClassifier(method).get_params()
        options = mn.method_options(method)
        assert {k: params[k] for k in options} == {k: o.default for k, o in options.items()}
        assert set(params) == {"method", "scale", "random_state", "verbose", *options}
    assert repr(MemorizationClassifier(condense="mcs", random_state=0)) == (
        "MemorizationClassifier(random_state=0, condense='mcs')")


def test_grid_search_over_options_and_methods() -> None:
    X, y = mn.datasets.load("digits", classes=(3, 5), n=240, rng=0)
    search = GridSearchCV(MemorizationClassifier(random_state=0),
                          {"condense": ["cover", "mcs"], "alpha": [0.5, 0.9]}, cv=3).fit(X, y)
    assert search.best_params_.keys() == {"condense", "alpha"}
    assert search.best_estimator_.result_.stats["options"]["condense"] == search.best_params_["condense"]
    # one grid per method: the efficient defaults a clone carries do not reach optimal
    grid = [{"method": ["optimal"], "max_width": [6, 8]}, {"method": ["efficient"], "condense": ["mcs"]}]
    search = GridSearchCV(MemorizationClassifier(random_state=0), grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 3 and np.isfinite(search.cv_results_["mean_test_score"]).all()
    clf = clone(MemorizationClassifier(random_state=0)).set_params(method="optimal")
    assert "condense" not in clf.get_params() and clf.get_params()["max_width"] == 6
    # an option set away from its default stays, and fit says the method has no such option
    clf = MemorizationClassifier(condense="mcs").set_params(method="optimal")
    with pytest.raises(mn.OptionError, match="method 'optimal' has no option 'condense'"):
        clf.fit(X, y)


def test_scaler_in_the_pipeline_is_not_rescaled_again() -> None:
    X, y = _blobs(7, 100, 2)
    pipe = make_pipeline(MinMaxScaler(), MemorizationClassifier(condense="none", random_state=0)).fit(X, y)
    clf = pipe[-1]
    assert clf.scale_.kind == "clip"
    assert clf.scale_.low.tolist() == [0.0] * 4 and clf.scale_.span.tolist() == [1.0] * 4
    U = MinMaxScaler().fit_transform(X)
    direct = mn.construct(U, y, condense="none", rng=0)
    assert dataclasses.replace(direct, scaling=clf.scale_) == clf.result_  # the very same network
    Xt, _ = _blobs(8, 300, 2)
    Ut = np.clip(pipe[0].transform(Xt), 0.0, 1.0)
    assert (pipe.predict(Xt) == direct.predict(Ut)).all()
    # raw data out of [0, 1]: one uniform scaling, recorded
    raw = MemorizationClassifier().fit(X, y)
    assert raw.scale_.kind == "global" and raw.scale_.low.tolist() == [X.min()] * 4
    assert raw.result_.scaling is raw.scale_


@pytest.mark.parametrize("scale", ["auto", "feature", "global"])
def test_exports_include_the_scaling(scale) -> None:
    torch = pytest.importorskip("torch")
    X, y = _blobs(9, 150, 3)
    clf = MemorizationClassifier(scale=scale, random_state=0).fit(X, y)
    Xt, _ = _blobs(10, 400, 3)
    Xt[:20] *= 4.0  # far outside the training range: clipped by predict and by the export
    with torch.no_grad():
        out = clf.to_torch()(torch.as_tensor(Xt)).numpy()
    assert (clf.classes_[out.argmax(axis=1)] == clf.predict(Xt)).all()
    assert np.allclose(out, clf.decision_function(Xt), rtol=1e-9, atol=1e-9)


def test_verbose_shows_progress(monkeypatch, capsys) -> None:
    from memnets._core import progress

    monkeypatch.setattr(progress, "DELAY", 0.0)
    X, y = mn.datasets.load("digits", classes=(3, 5), rng=0)
    MemorizationClassifier(random_state=0).fit(X, y)
    assert capsys.readouterr().err == ""
    MemorizationClassifier(random_state=0, verbose=True).fit(X, y)
    assert "separation: nearest other-label samples" in capsys.readouterr().err
