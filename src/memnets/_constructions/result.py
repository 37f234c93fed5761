"""The one result type every construction returns (the shared verification step that
builds it is :func:`memnets._constructions.verify.finish`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, overload

import numpy as np

from memnets._core.checks import check_X
from memnets._core.equality import same_network, same_value, untimed
from memnets._core.errors import InputError, NotCompressibleError, OptionError
from memnets._core.network import ReLUNetwork
from memnets._core.pac import (
    Certificate,
    check_delta,
    compression_certificate,
    held_out_certificate,
)
from memnets._core.scaling import InputScaling
from memnets._engines.decide import (
    float_scores,
    predict_codes,
)

__all__ = ["COMPRESSION_SCHEMES", "ConstructionResult"]

_NO_SCALING_HINT = (
    "(the network was built on [0, 1]^n data and this result has no input scaling: scale new "
    "points the way the training data was scaled, or build with memnets.construct(..., "
    "rescale=True), which stores a min-max scaling that predict and score then apply)"
)

#: Methods whose network is a fixed function of the training samples listed in
#: ``info["representatives"]`` and their labels (a sample-compression scheme), with the
#: reconstruction in words. The paper's Theorem 7.3 network (every sample is a unit) would
#: have k = N: no certificate, so it is not listed.
COMPRESSION_SCHEMES: dict[str, str] = {
    "efficient": "efficient: the nearest-representative network built from the kept samples and their labels alone",
}

class _Structural:
    """A structural number of :attr:`ConstructionResult.network` (an ``int`` attribute named
    like its key in ``stats``): as recorded, else measured on the network (results assembled
    by hand may record less)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.key = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _Structural: ...
    @overload
    def __get__(self, obj: ConstructionResult, objtype: type | None = None) -> int: ...
    def __get__(self, obj: ConstructionResult | None, objtype: type | None = None) -> int | _Structural:
        if obj is None:
            return self
        value = obj.stats.get(self.key)
        return int(obj.network.summary()[self.key] if value is None else value)


@dataclass
class ConstructionResult:
    """A constructed network together with what was proven about it.

    Attributes
    ----------
    network : ReLUNetwork
        The network; binary tasks have one output (``F(x) > 0`` means ``classes[1]``),
        multi-class tasks one score per class (argmax).
    classes : ndarray
        The original labels, sorted.
    method : str
        Registry name of the construction.
    verified : bool
        True only after ``y_i F(x_i) > 0`` (or the class-score gap) was proven on every sample.
    min_margin : Fraction or float
        Smallest margin over the training samples (exact when ``stats['verification']`` is
        ``'exact'``; a float whose certified error is ``stats['margin_error_bound']`` otherwise).
    params : int
        Dense parameter count ``sum_l n_out_l (n_in_l + 1)`` of :attr:`network`.
    params_nonzero : int
        Non-zero weights and biases.
    depth : int
        Number of affine layers.
    width : int
        Largest hidden layer (``0`` for a network without hidden layers).
    bottleneck : int
        Smallest hidden layer.
    max_weight_bits : int
        Bits of the widest entry written as a reduced fraction ``p/q``
        (``max(bitlen p, bitlen q)``).
    seconds : float
        Wall-clock seconds to build the network, before the final verification.
    timings : dict of str to float
        Phase timings in seconds: ``"build"`` (= :attr:`seconds`), ``"verify"`` (the final
        verification) and the construction's own phases inside ``"build"``
        (``"projection"``, ``"line"``, ``"network"``, ...).
    representatives : ndarray of int or None
        Indices of the training samples the network is built from (``efficient``'s representatives,
        grouped by class); None for constructions that have none.
    seed : int or None
        The seed of ``rng`` (None when a Generator was passed: the caller owns its state).
    options : dict
        The method's options as used (defaults included).
    stats : dict
        Everything recorded, as a JSON-ready dict: the values of the typed attributes above
        under their names (``"params"``, ``"seconds"``, ``"verify_seconds"``, ``"seed"``,
        ``"options"``, ...), ``n_samples``, ``n_features``, ``n_classes``, ``verification``,
        ``margin_error_bound`` and the library version, plus the construction-specific rest.
    engine : {'float', 'exact', 'm1-certified', 'pairwise'}
        The evaluator cascade :meth:`predict` starts with
        (:data:`memnets._engines.decide.ENGINES`; ``'exact'`` when float64 cannot be
        trusted). Whatever the engine, predictions are the sign / argmax of the *exact*
        outputs: samples a float bound cannot decide are re-evaluated exactly.
    info : dict
        Construction-specific artefacts (indices of representatives, projection, ...).
    scaling : InputScaling or None
        The input scaling fitted by ``construct(..., rescale=True)``: :meth:`predict`,
        :meth:`score`, :meth:`decision_function`, :meth:`certify` and the exports
        (:meth:`to_torch`, :meth:`to_onnx`) map raw points with it (``(x - low) / span``,
        clipped into ``[0, 1]``) before the network. ``None``: the network's inputs are the
        caller's, and every point must lie in ``[0, 1]^n`` (the domain the construction
        proved its guarantees on); points outside raise :class:`~memnets.InputError`.

    Notes
    -----
    **Sizes.** ``stats["params"]`` (and ``params_nonzero``, ``width``, ``depth``) count the
    network as stored in :attr:`network`. Where the paper counts a different but equivalent
    network, ``stats["params_paper"]`` holds the paper's count. For ``"pairwise"`` (Theorem
    7.3 as written) the paper's network is ``n -> P -> N -> 1`` with ``P = 2 N_+ N_-``
    dense (``params_paper``, the theorem's ``O(N^2 n)``); the stored network computes the
    same function (times 100) with one more layer (inner products ``<x_k, x>`` first, split
    into two ReLUs, then sparse pair units), so its ``params`` (dense count of the stored
    layers) and ``params_nonzero`` differ from ``params_paper``. Compare what is stored by
    ``params_nonzero`` and the theorem's formula by ``params_paper``.

    **Margins.** ``min_margin`` is in the units of the network's output: ``y_i F(x_i)``
    for two classes (the score gap for more). For ``"pairwise"`` the stored output is
    ``100 F`` (``stats["scale"] == 100``), so its ``min_margin`` is 100 times the paper's
    margin of ``F`` (which is ``>= c^2``); for ``"efficient"`` it is a difference of squared
    distances (``>= c^2 - r^2``).

    **Equality.** ``a == b`` compares the networks entry by entry (exact types kept),
    ``classes``, ``method``, ``verified``, ``min_margin``, ``engine``, ``info``, ``scaling``
    and ``stats`` without its timing entries (``seconds``, ``*_seconds``): a result reloaded
    with :func:`memnets.load` equals the one saved, and two runs with one integer seed are equal.
    """

    network: ReLUNetwork
    classes: np.ndarray
    method: str
    verified: bool
    min_margin: Fraction | float
    stats: dict[str, Any]
    engine: str = "float"
    info: dict[str, Any] = field(default_factory=dict)
    scaling: InputScaling | None = None

    # ------------------------------------------------------------------ typed view of stats
    params = _Structural()
    params_nonzero = _Structural()
    depth = _Structural()
    width = _Structural()
    bottleneck = _Structural()
    max_weight_bits = _Structural()

    @property
    def seconds(self) -> float:
        return float(self.stats.get("seconds", 0.0))

    @property
    def timings(self) -> dict[str, float]:
        phases = {"build": self.seconds}
        for key, value in self.stats.items():
            if key.endswith("_seconds") and isinstance(value, int | float) and not isinstance(value, bool):
                phases[key[: -len("_seconds")]] = float(value)
        return phases

    @property
    def representatives(self) -> np.ndarray | None:
        reps = self.info.get("representatives")
        return None if reps is None else np.asarray(reps, dtype=np.int64)

    @property
    def seed(self) -> int | None:
        seed = self.stats.get("seed")
        return None if seed is None else int(seed)

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.stats.get("options") or {})

    @property
    def is_binary(self) -> bool:
        """True for two classes with one output (``F(x) > 0`` means ``classes[1]``)."""
        return len(self.classes) == 2 and self.network.n_outputs == 1

    def inputs(self, X: Any, call: str = "predict") -> np.ndarray:
        """``X`` as the network's inputs: scaled and clipped by :attr:`scaling` when the result
        has one; otherwise checked to lie in ``[0, 1]^n`` (:class:`~memnets.InputError`
        worded for ``call`` otherwise)."""
        if self.scaling is not None:
            return self.scaling.transform(X, name=f"{call}: X")
        return check_X(X, n_features=self.network.n_inputs, name=f"{call}: X", hint=_NO_SCALING_HINT)

    def decision_function(self, X: Any) -> np.ndarray:
        """Network outputs in float64: exact values rounded when engine is exact, the pairwise
        engine's certified values for ``"pairwise"``, else :meth:`ReLUNetwork.forward`.
        ``X``: points in ``[0, 1]^n``, or raw points when the result has a :attr:`scaling`."""
        return float_scores(self.network, self.inputs(X, "decision_function"), self.engine)

    def predict_codes(self, X: Any) -> np.ndarray:
        """Indices into :attr:`classes` of the predictions, computed by :attr:`engine`."""
        return self._codes(X, "predict")

    def _codes(self, X: Any, call: str) -> np.ndarray:
        return predict_codes(self.network, self.inputs(X, call), self.engine)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted original labels: sign / argmax of the exact outputs (see :attr:`engine`).

        ``X`` of shape (N, n): points in ``[0, 1]^n`` (the domain of every construction's
        guarantee), or raw points when the result has a :attr:`scaling`
        (``construct(..., rescale=True)``). Points outside ``[0, 1]^n`` without a scaling raise
        :class:`~memnets.InputError`, whatever the method.
        """
        return self.classes[self._codes(X, "predict")]

    def score(self, X: Any, y: Any) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)``."""
        return float(np.mean(self.classes[self._codes(X, "score")] == np.asarray(y)))

    def network_with_scaling(self) -> ReLUNetwork:
        """The network on raw inputs: :attr:`network` itself without a :attr:`scaling`,
        else the scaling composed in front of it (:meth:`InputScaling.compose`: one more
        hidden layer of width ``2 n`` that computes the clipped scaling with ReLUs)."""
        return self.network if self.scaling is None else self.scaling.compose(self.network)

    def to_torch(self, dtype: Any = None) -> Any:
        """A ``torch.nn.Sequential`` that answers like :meth:`decision_function` on raw inputs
        (the input scaling included); see :meth:`ReLUNetwork.to_torch` for ``dtype`` and the
        exactness check."""
        return self.network_with_scaling().to_torch(dtype)

    def to_onnx(self, path: Any) -> None:
        """Write the network on raw inputs (the input scaling included) as an ONNX file; see
        :meth:`ReLUNetwork.to_onnx`."""
        self.network_with_scaling().to_onnx(path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConstructionResult):
            return NotImplemented
        return (
            self.method == other.method
            and self.verified == other.verified
            and self.engine == other.engine
            and same_value(self.min_margin, other.min_margin)
            and same_value(np.asarray(self.classes), np.asarray(other.classes))
            and self.scaling == other.scaling
            and same_value(untimed(self.stats), untimed(other.stats))
            and same_value(self.info, other.info)
            and same_network(self.network, other.network)
        )

    __hash__ = None  # type: ignore[assignment]

    def robust_radius(self, X: Any) -> np.ndarray:
        """Certified robustness radius per input: the decision (:meth:`predict`) is the same
        on the whole closed Euclidean ball of that radius around it, in ``R^n``.

        Exact-or-tight for the nearest-centre networks (``efficient``, ``robust``: distance to
        the nearest bisector between the winning centre and an opposite one), sound for
        ``pairwise`` (largest ball keeping one same-label unit active; 0 in its ``F = 0``
        band), and a generic Lipschitz lower bound (certified margin / product of layer
        norm bounds) for every other network. Rounded down; computed by
        :func:`memnets._engines.radius.certified_radii` (``memnets.theory.robust_radii`` also
        names the bound used).

        >>> import memnets as mn
        >>> res = mn.construct([[0.0], [1.0]], [0, 1], method="robust")
        >>> [round(float(r), 12) for r in res.robust_radius([[0.0], [0.25], [0.5]])]
        [0.5, 0.25, 0.0]
        """
        from memnets._engines.radius import certified_radii

        Xa = check_X(X, n_features=self.network.n_inputs, unit_interval=False)
        return certified_radii(self.network, Xa, self.predict_codes(Xa), self.classes, engine=self.engine).radii

    def certify(self, delta: float = 0.05, *, X_test: Any = None, y_test: Any = None) -> Certificate:
        r"""A rigorous lower bound on the network's accuracy on the data's distribution.

        **From the training set alone** (no test data given): the sample-compression bound
        (:func:`memnets.theory.compression_bound`; Littlestone & Warmuth 1986, Floyd &
        Warmuth 1995, in the form of Langford 2005). With probability ``>= 1 - delta``
        over the i.i.d. draw of the ``N`` training samples,

        .. math::

            A_D(F) \ \ge\ 1 - \varepsilon_k, \qquad
            \varepsilon_k = 1 - \Big(\frac{\delta}{N \binom{N}{k}}\Big)^{1/(N-k)},

        where ``k`` is the number of kept training samples the network is a fixed function
        of, and the network is right on the other ``N - k`` (it memorizes every sample:
        :attr:`verified`). *Assumptions*: the training samples are i.i.d. draws from D;
        the network is ``rho(kept samples, their labels, in index order)`` for a
        reconstruction ``rho`` fixed in advance. The choice of *which* samples to keep may
        use all of them. ``method="efficient"`` satisfies this with every condensing
        rule: its network is built from ``X[reps]`` and their labels only (first layer
        ``2 s_k``, biases ``max_j |s_j|^2 - |s_k|^2``, one max-tree per label, labels
        sorted; every label has a representative, so the label set is the kept one); the
        cover radii, Hart's scans, etc. look at every sample, which the bound allows.
        ``k = N`` (``condense="none"``) gives the vacuous accuracy 0.

        **Small k, strong bound.** The bound is about ``1 - (k ln(N/k) + ln(N/delta)) /
        (N - k)``: near-vacuous once ``k/N`` passes a few percent. The default M1 keeps
        about a third of real data (MNIST 4-vs-9 at N = 2,000: certified accuracy 0.21;
        all of 3-vs-5: 0.39); ``construct(..., method="efficient", condense="mcs")`` keeps
        the smallest consistent subset and certifies 0.70 and 0.86 there. ``memnets
        certify`` says so when ``k/N`` is large.

        **From held-out data** (``X_test``, ``y_test``): the test-set bound (exact
        one-sided Clopper–Pearson limit, :func:`memnets.theory.held_out_bound`), for any
        network; valid only if the test samples were drawn independently of everything
        that built the network and were not used to pick it.

        Parameters
        ----------
        delta : failure probability in (0, 1)
        X_test, y_test : optional held-out samples (both or neither)

        Returns
        -------
        :class:`memnets.Certificate` (``accuracy``, ``error_bound``, ``k``, ``n_samples``,
        ``delta``, ``bound`` = ``"sample-compression"`` or ``"held-out"``, ``statement``).

        Raises
        ------
        NotCompressibleError : no test data and the network is not a sample-compression
            scheme (methods other than ``efficient``; see ``COMPRESSION_SCHEMES``) or was
            not verified to memorize its training set
        OptionError : ``delta`` outside (0, 1), only one of ``X_test``/``y_test``

        >>> import memnets as mn
        >>> X, y = mn.datasets.two_moons().sample(400, rng=0)
        >>> cert = mn.construct(X, y, method="efficient", condense="mcs", rng=0).certify(0.05)
        >>> cert.bound, cert.n_samples, cert.k, round(cert.accuracy, 3)
        ('sample-compression', 400, 4, 0.928)
        """
        d = check_delta(delta)
        if (X_test is None) != (y_test is None):
            raise OptionError("certify: give both X_test and y_test (a held-out test set) or neither")
        if X_test is not None:
            Xa = self.inputs(X_test, "certify")
            ya = np.asarray(y_test).ravel()
            if ya.shape[0] != Xa.shape[0] or Xa.shape[0] == 0:
                raise InputError(f"certify: X_test has {Xa.shape[0]} samples and y_test {ya.shape[0]}; "
                                 "need the same number, at least one")
            errors = int(np.count_nonzero(self.classes[predict_codes(self.network, Xa, self.engine)] != ya))
            return held_out_certificate(Xa.shape[0], errors, d)
        what = COMPRESSION_SCHEMES.get(self.method)
        reps = self.info.get("representatives")
        n_samples = self.stats.get("n_samples")
        if what is None or reps is None or n_samples is None:
            why = ("its network depends on every training sample" if what is None
                   else "the result does not record its representatives and training-set size")
            raise NotCompressibleError(
                f"method {self.method!r} gives no training-set certificate: {why}, so no subset of them "
                "is a sample-compression set (only method='efficient' is one); pass X_test= and y_test= "
                "(samples never used to build or choose the network) for a held-out bound"
            )
        if not self.verified:
            raise NotCompressibleError("certify: the network was not verified to memorize its training "
                                       "set, so its mistakes on the non-kept samples are unknown")
        idx = np.unique(np.asarray(reps, dtype=np.int64).ravel())
        N = int(n_samples)
        if idx.size and (idx[0] < 0 or idx[-1] >= N):
            raise InputError(f"certify: representative indices must lie in [0, {N}), got {idx[0]}..{idx[-1]}")
        return compression_certificate(N, int(idx.size), d, errors=0, what=what)

    def __repr__(self) -> str:
        return (
            f"ConstructionResult(method={self.method!r}, verified={self.verified}, "
            f"params={self.params}, width={self.width}, depth={self.depth}, "
            f"min_margin={float(self.min_margin):.4g})"
        )

