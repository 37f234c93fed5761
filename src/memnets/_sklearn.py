"""scikit-learn estimator around :func:`memnets.construct`.

>>> import numpy as np
>>> from memnets import MemorizationClassifier
>>> X = np.array([[0.0, 0.0], [0.0, 0.25], [1.0, 1.0], [1.0, 0.75]])
>>> clf = MemorizationClassifier(condense="none").fit(X, ["a", "a", "b", "b"])
>>> clf.predict([[0.1, 0.1], [0.9, 0.8]]).tolist(), clf.score(X, ["a", "a", "b", "b"])
(['a', 'b'], 1.0)
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from memnets._constructions.registry import construct, method_options
from memnets._constructions.result import ConstructionResult
from memnets._core.equality import same_value
from memnets._core.errors import InputError, MemnetsError, OptionError
from memnets._core.scaling import InputScaling

__all__ = ["MemorizationClassifier"]

_SCALES = ("auto", "feature", "global", "clip", "none")
_OWN = ("method", "scale", "random_state", "verbose")


def _defaults(method: Any) -> dict[str, Any]:
    try:
        return {name: opt.default for name, opt in method_options(method).items()}
    except MemnetsError:  # an unknown method is reported by fit, with the valid ones
        return {}


class MemorizationClassifier(ClassifierMixin, BaseEstimator):
    """A classifier that memorizes its training set with a constructed, verified ReLU network.

    ``fit`` calls ``memnets.construct(s(X), y, method=method, rng=random_state,
    progress=verbose, **options)`` on the training data mapped into ``[0, 1]^n`` by the
    input scaling ``s`` (see ``scale``) and keeps the result; every training sample is
    classified correctly by construction (``result_.verified``). The default,
    ``method="efficient"`` (ours, after Theorem 7.3), is the nearest-representative network;
    with ``condense="none"`` it predicts exactly like ``KNeighborsClassifier(n_neighbors=1)``
    (ties aside), at float32 GEMM speed with certified (exact) decisions
    (:mod:`memnets._engines.decide`, engine ``"m1-certified"``).

    Parameters
    ----------
    method : str
        Any registered construction (``memnets.METHODS``).
    scale : {"auto", "feature", "global", "clip", "none"}
        How inputs reach ``[0, 1]^n`` (fitted on the training data, stored in ``scale_``,
        applied by ``predict``, ``decision_function``, ``score`` and the exports; new points
        are clipped into ``[0, 1]``). ``"auto"`` (default): ``"clip"`` when the training data
        already lies in ``[0, 1]^n`` (after a ``MinMaxScaler`` in a pipeline: it is not
        rescaled a second time), else ``"global"``. ``"global"``: one minimum and maximum over
        all features (a uniform scaling: nearest neighbours unchanged). ``"feature"``: min-max
        per feature (``construct(..., rescale=True)``). ``"clip"``: no rescaling, new points
        clipped into ``[0, 1]``. ``"none"``: no scaling at all; every point must lie in
        ``[0, 1]^n`` (:class:`~memnets.InputError` otherwise).
    random_state
        int, numpy Generator, RandomState or None
        Seeds every random choice of the construction (recorded in ``result_.stats``).
    verbose : bool
        Progress bars on long builds and verifications (``construct(..., progress=True)``).
    **options
        Options of the method. ``get_params()`` lists every option of the current method with
        its default (``memnets.method_options(method)``: default, allowed values, meaning),
        so ``GridSearchCV(clf, {"condense": ["cover", "mcs"], "alpha": [0.5, 0.9]})`` works.
        Options are per method: when ``set_params(method=...)`` changes the method, options
        still at the old method's defaults are dropped and the new method's defaults apply;
        an option the new method lacks, set to another value, raises at ``fit`` naming the
        method's valid options. (One flat set of options per method, rather than one
        ``options`` dict or the union of every method's options, keeps grid keys short
        and each default the method's own: ``verify``, for example, means different
        things with different defaults in ``efficient`` and ``pairwise``.)

    Attributes
    ----------
    classes_ : ndarray
        The labels, sorted (first-appearance order if unsortable).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_
        ndarray of str
        Feature names, when ``X`` in ``fit`` had string column names (a DataFrame).
    scale_
        InputScaling or None
        The fitted input scaling (``low``, ``span``, ``kind``), ``None`` with ``scale="none"``.
        Also ``result_.scaling``.
    result_ : ConstructionResult
        The verified construction (network, stats, ``min_margin``, ``certify()``).
    network_ : ReLUNetwork
        ``result_.network``: the network on scaled inputs (``to_torch()`` includes the
        scaling).

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.preprocessing import MinMaxScaler
    >>> from sklearn.pipeline import make_pipeline
    >>> from memnets import datasets
    >>> X, y = datasets.load("digits", classes=(3, 5), n=200, rng=0)
    >>> clf = MemorizationClassifier(random_state=0)
    >>> clf.get_params()["condense"], clf.get_params()["preset"]
    ('cover', 'balanced')
    >>> search = GridSearchCV(clf, {"condense": ["cover", "mcs"]}, cv=3).fit(X, y)
    >>> sorted(search.best_params_)
    ['condense']
    >>> pipe = make_pipeline(MinMaxScaler(), MemorizationClassifier(random_state=0)).fit(X, y)
    >>> pipe[-1].scale_.kind  # already in [0, 1]: clipped, not rescaled again
    'clip'
    """

    def __init__(
        self,
        method: str = "efficient",
        *,
        scale: str = "auto",
        random_state: Any = None,
        verbose: bool = False,
        **options: Any,
    ) -> None:
        self.method = method
        self.scale = scale
        self.random_state = random_state
        self.verbose = verbose
        self._options = dict(options)

    # ------------------------------------------------------------------ params
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Parameters of this estimator (scikit-learn API), every option of ``method`` included.

        Parameters
        ----------
        deep : bool
            Ignored: the estimator has no sub-estimators.

        Returns
        -------
        dict
            ``method``, ``scale``, ``random_state``, ``verbose`` and every option of
            ``method`` (``memnets.method_options(method)``): its default unless set.
        """
        own = {name: getattr(self, name) for name in _OWN}
        return {**own, **_defaults(self.method), **self._options}

    def set_params(self, **params: Any) -> MemorizationClassifier:
        """Set parameters (scikit-learn API); method options are accepted by name.

        ``method`` is set first: options still at the old method's defaults are dropped
        (see the class docstring), then the others are set.

        Parameters
        ----------
        **params
            ``method``, ``scale``, ``random_state``, ``verbose`` or options of the method.

        Returns
        -------
        MemorizationClassifier
            The estimator itself.
        """
        if "method" in params and not same_value(params["method"], self.method):
            old = _defaults(self.method)
            self._options = {k: v for k, v in self._options.items() if not (k in old and same_value(v, old[k]))}
        for key in sorted(params, key=lambda k: k != "method"):
            if key in _OWN:
                setattr(self, key, params[key])
            else:
                self._options[key] = params[key]
        return self

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        defaults = _defaults(self.method)
        shown = [] if same_value(self.method, "efficient") else [f"{self.method!r}"]
        for name, default in (("scale", "auto"), ("random_state", None), ("verbose", False)):
            value = getattr(self, name)
            if not same_value(value, default):
                shown.append(f"{name}={value!r}")
        shown += [f"{k}={v!r}" for k, v in self._options.items() if not (k in defaults and same_value(v, defaults[k]))]
        return f"MemorizationClassifier({', '.join(shown)})"

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

    def _fit_scaling(self, X: np.ndarray) -> InputScaling | None:
        if self.scale not in _SCALES:
            raise OptionError(f"scale must be one of {', '.join(map(repr, _SCALES))}, got {self.scale!r}")
        if self.scale == "none":
            return None
        kind = self.scale
        if kind == "auto":
            kind = "clip" if X.min() >= 0.0 and X.max() <= 1.0 else "global"
        return InputScaling.fit(X, kind)

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
        scaling = self._fit_scaling(X)
        Xs = X if scaling is None else scaling.transform(X)
        result = construct(Xs, codes, self.method, rng=self._seed(), progress=bool(self.verbose), **self._options)
        self.result_: ConstructionResult = dataclasses.replace(result, scaling=scaling)
        self.scale_ = scaling
        self.network_ = self.result_.network
        return self

    def _checked(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "result_")
        return validate_data(self, X, dtype=np.float64, reset=False)

    def predict(self, X: Any) -> np.ndarray:
        """Labels: the signs/argmaxes of the *exact* network outputs (one decision path)."""
        Xv = self._checked(X)
        return self.classes_[self.result_.predict_codes(Xv)]

    def decision_function(self, X: Any) -> np.ndarray:
        """Network outputs: shape (N,) for two classes (``> 0`` means ``classes_[1]``),
        (N, n_classes) otherwise (argmax = prediction)."""
        Xv = self._checked(X)
        return self.result_.decision_function(Xv)

    def to_torch(self, dtype: Any = None) -> Any:
        """A ``torch.nn.Sequential`` on raw inputs, the input scaling (``scale_``) included:
        its outputs are :meth:`decision_function`'s (two classes: ``> 0`` means
        ``classes_[1]``; else argmax indexes ``classes_``)."""
        check_is_fitted(self, "result_")
        return self.result_.to_torch(dtype)

    def to_onnx(self, path: Any) -> None:
        """Write the network on raw inputs, the input scaling included, as an ONNX file."""
        check_is_fitted(self, "result_")
        self.result_.to_onnx(path)
