"""scikit-learn estimator around :func:`memnets.construct`.

>>> import numpy as np
>>> from memnets import MemorizationClassifier
>>> X = np.array([[0.0, 0.0], [0.0, 0.25], [1.0, 1.0], [1.0, 0.75]])
>>> clf = MemorizationClassifier(condense="none").fit(X, ["a", "a", "b", "b"])
>>> clf.predict([[0.1, 0.1], [0.9, 0.8]]).tolist(), clf.score(X, ["a", "a", "b", "b"])
(['a', 'b'], 1.0)
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from memnets._constructions.registry import construct
from memnets._constructions.result import ConstructionResult
from memnets._core.errors import InputError, OptionError

__all__ = ["MemorizationClassifier"]

_SCALES = ("global", "none")


class MemorizationClassifier(ClassifierMixin, BaseEstimator):
    """A classifier that memorizes its training set with a constructed, verified ReLU network.

    ``fit`` calls ``memnets.construct(X', y, method=method, rng=random_state, **options)``
    and keeps the result; every training sample is classified correctly by construction
    (``result_.verified``). The default, ``method="efficient"`` (ours, after Theorem 7.3), is the
    nearest-representative network; with ``condense="none"`` it predicts exactly like
    ``KNeighborsClassifier(n_neighbors=1)`` (ties aside), at float32 GEMM speed with
    certified (exact) decisions (:mod:`memnets._engines.decide`, engine ``"m1-certified"``).

    Parameters
    ----------
    method : str
        Any registered construction (``memnets.METHODS``).
    scale : {"global", "none"}
        The constructions need inputs in ``[0,1]^n``. ``"global"`` (default) maps
        ``x -> (x - lo) / (hi - lo)`` with the *scalar* minimum and maximum of the training
        data (a uniform scaling plus shift, so nearest neighbours are unchanged; the
        identity for data already spanning [0, 1]) and clips new inputs into ``[0, 1]``;
        ``"none"`` passes data through (it must lie in [0, 1]).
    random_state
        int, numpy Generator, RandomState or None
        Seeds every random choice of the construction (recorded in ``result_.stats``).
    **options
        Options of the method (``memnets.method_options(method)``), e.g. ``condense``,
        ``alpha``, ``radius`` for ``"efficient"``. Unknown names raise at ``fit``.

    Attributes
    ----------
    classes_
        ndarray of the labels (sorted; first-appearance order if unsortable)
    n_features_in_ : int
    result_
        ConstructionResult (network, stats, verified, min_margin)
    network_ : ReLUNetwork

    Any hashable labels work (strings, ints, tuples...).
    """

    def __init__(
        self, method: str = "efficient", *, scale: str = "global", random_state: Any = None, **options: Any
    ) -> None:
        self.method = method
        self.scale = scale
        self.random_state = random_state
        self._options = dict(options)

    # ------------------------------------------------------------------ params
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this estimator (scikit-learn API), method options included.

        Parameters
        ----------
        deep : bool
            Ignored: the estimator has no sub-estimators.

        Returns
        -------
        dict
            ``method``, ``scale``, ``random_state`` and every method option given.
        """
        return {"method": self.method, "scale": self.scale, "random_state": self.random_state, **self._options}

    def set_params(self, **params: Any) -> MemorizationClassifier:
        """Set parameters (scikit-learn API); method options are accepted by name.

        Parameters
        ----------
        **params
            ``method``, ``scale``, ``random_state`` or options of the method.

        Returns
        -------
        MemorizationClassifier
            The estimator itself.
        """
        for key, value in params.items():
            if key in ("method", "scale", "random_state"):
                setattr(self, key, value)
            else:
                self._options[key] = value
        return self

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ helpers
    def _seed(self) -> Any:
        rs = self.random_state
        if rs is None or isinstance(rs, np.random.Generator):
            return rs
        if isinstance(rs, numbers.Integral) and not isinstance(rs, bool):
            return int(rs)
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(0, 2**31 - 1))
        raise OptionError(f"random_state must be None, an int, a Generator or a RandomState, got {rs!r}")

    def _transform(self, X: np.ndarray, fitting: bool) -> np.ndarray:
        if self.scale not in _SCALES:
            raise OptionError(f"scale must be one of {', '.join(map(repr, _SCALES))}, got {self.scale!r}")
        Xf = np.asarray(X, dtype=np.float64)
        if self.scale == "none":
            return Xf
        if fitting:
            lo, hi = float(Xf.min()), float(Xf.max())
            self.scale_ = (lo, hi - lo if hi > lo else 1.0)
        lo, span = self.scale_
        out = (Xf - lo) / span
        np.clip(out, 0.0, 1.0, out=out)
        return out

    # ------------------------------------------------------------------ API
    def fit(self, X: Any, y: Any) -> MemorizationClassifier:
        """Construct and verify the memorizing network for ``(X, y)``; returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        if not (y.dtype == object and type_of_target(y) == "unknown"):
            check_classification_targets(y)  # mixed-type object labels are accepted below
        try:
            classes, codes = np.unique(y, return_inverse=True)
        except TypeError:  # hashable but not sortable: first-appearance order
            index: dict[Any, int] = {}
            try:
                codes = np.array([index.setdefault(v, len(index)) for v in y.tolist()], dtype=np.int64)
            except TypeError as exc:
                raise InputError(f"labels must be hashable: {exc}") from exc
            classes = np.empty(len(index), dtype=object)
            classes[:] = list(index)
        self.classes_ = classes
        codes = np.asarray(codes).ravel()
        if len(classes) < 2:
            raise InputError(
                f"y has 1 class ({classes[0]!r}); a classifier needs at least 2 classes"
            )
        Xs = self._transform(X, fitting=True)
        self.result_: ConstructionResult = construct(Xs, codes, self.method, rng=self._seed(), **self._options)
        self.network_ = self.result_.network
        return self

    def _codes(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "result_")
        Xv = validate_data(self, X, dtype=np.float64, reset=False)
        Xs = self._transform(Xv, fitting=False)
        return self.result_.predict_codes(Xs)

    def predict(self, X: Any) -> np.ndarray:
        """Labels: the signs/argmaxes of the *exact* network outputs (one decision path)."""
        codes = self._codes(X)
        return self.classes_[codes]

    def decision_function(self, X: Any) -> np.ndarray:
        """Network outputs: shape (N,) for two classes (``> 0`` means ``classes_[1]``),
        (N, n_classes) otherwise (argmax = prediction)."""
        check_is_fitted(self, "result_")
        Xv = validate_data(self, X, dtype=np.float64, reset=False)
        return self.result_.decision_function(self._transform(Xv, fitting=False))
