"""Input checks shared by every construction, estimator and experiment."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import overload

import numpy as np

from memnets._core.errors import ConflictingLabelsError, InputError, MemnetsError, OptionError

__all__ = ["Dataset", "as_rng", "check_X", "check_dataset", "check_labelled", "check_scalar", "find_conflict", "label_codes"]

RNGLike = np.random.Generator | int | np.integer | None


def as_rng(rng: RNGLike) -> tuple[np.random.Generator, int | None]:
    """Normalise ``rng`` once into a Generator and the seed to record.

    ``int`` -> seeded generator, seed recorded; ``None`` -> fresh OS entropy, the drawn
    seed is recorded so the run can be repeated; a ``Generator`` is used as is and the
    recorded seed is ``None`` (the caller owns its state).
    """
    if isinstance(rng, np.random.Generator):
        return rng, None
    if rng is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))  # type: ignore[operator]
        return np.random.default_rng(seed), seed
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if int(rng) < 0:
            raise OptionError(f"rng seed must be non-negative, got {rng}")
        return np.random.default_rng(int(rng)), int(rng)
    raise OptionError(
        f"rng must be a numpy.random.Generator, a non-negative int seed or None, got {type(rng).__name__}"
    )


def _fmt(v: float) -> str:
    return repr(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(v)


@overload
def check_scalar(
    name: str, value: object, kind: type[int], *, gt: float | None = ..., ge: float | None = ...,
    lt: float | None = ..., le: float | None = ..., finite: bool = ..., error: type[MemnetsError] = ...,
) -> int: ...
@overload
def check_scalar(
    name: str, value: object, kind: type[float] = ..., *, gt: float | None = ..., ge: float | None = ...,
    lt: float | None = ..., le: float | None = ..., finite: bool = ..., error: type[MemnetsError] = ...,
) -> float: ...
def check_scalar(
    name: str,
    value: object,
    kind: type[int] | type[float] = float,
    *,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    finite: bool = True,
    error: type[MemnetsError] = OptionError,
) -> int | float:
    """``value`` as an ``int`` or ``float`` after checking its kind and range, else ``error``.

    ``kind=int`` admits Python and NumPy integers; ``kind=float`` every real number (ints,
    floats, NumPy scalars, Fractions). Never a ``bool`` (``True`` is not 1.0 here), a string
    or NaN; not infinity unless ``finite=False``. Bounds: ``gt``/``ge`` (lower, exclusive/
    inclusive) and ``lt``/``le`` (upper). The message names the argument, the admitted
    values and what was given.

    Parameters
    ----------
    name
        the argument's name as the caller knows it (may carry a hint in parentheses)
    value
        what was passed
    kind : ``int`` or ``float``
    gt, ge, lt, le
        bounds (at most one lower and one upper)
    finite
        refuse ``+-inf`` (floats only)
    error
        :class:`~memnets.OptionError` (default: an option or parameter) or
        :class:`~memnets.InputError` (a property of the data)

    Returns
    -------
    ``int(value)`` or ``float(value)``

    Examples
    --------
    >>> check_scalar("alpha", 0.9, float, gt=0, le=1)
    0.9
    >>> check_scalar("k", np.int64(2), int, ge=1)
    2
    >>> check_scalar("separation", True, float, gt=0)
    Traceback (most recent call last):
    ...
    memnets._core.errors.OptionError: separation must be a finite number > 0, got True
    >>> check_scalar("alpha", 1.5, float, gt=0, le=1)
    Traceback (most recent call last):
    ...
    memnets._core.errors.OptionError: alpha must be a finite number in (0, 1], got 1.5
    """
    if kind not in (int, float):
        raise TypeError(f"check_scalar: kind must be int or float, got {kind!r}")
    if (gt is not None and ge is not None) or (lt is not None and le is not None):
        raise TypeError("check_scalar: give at most one lower (gt/ge) and one upper (lt/le) bound")
    lo, hi = (gt if gt is not None else ge), (lt if lt is not None else le)
    if kind is int:
        what = "an int"
    else:
        what = "a finite number" if finite else "a number"
    if lo is not None and hi is not None:
        what += f" in {'(' if gt is not None else '['}{_fmt(lo)}, {_fmt(hi)}{')' if lt is not None else ']'}"
    elif lo is not None:
        what += f" {'>' if gt is not None else '>='} {_fmt(lo)}"
    elif hi is not None:
        what += f" {'<' if lt is not None else '<='} {_fmt(hi)}"
    bad = error(f"{name} must be {what}, got {value!r}")
    if isinstance(value, bool | np.bool_ | str | bytes):
        raise bad
    if kind is int:
        if not isinstance(value, numbers.Integral):
            raise bad
        out: int | float = int(value)
    else:
        if not isinstance(value, numbers.Real):
            raise bad
        try:
            out = float(value)
        except OverflowError:  # an int or Fraction beyond float64's range
            out = math.inf if value > 0 else -math.inf  # type: ignore[operator]
        if math.isnan(out) or (finite and math.isinf(out)):
            raise bad
    if (gt is not None and not out > gt) or (ge is not None and not out >= ge):
        raise bad
    if (lt is not None and not out < lt) or (le is not None and not out <= le):
        raise bad
    return out


def check_name(name: object, known: Iterable[str], kind: str) -> str:
    """``name`` if it is one of ``known`` (a registry's names), else :class:`OptionError`
    naming the ``kind`` of thing asked for and every valid name, in registry order.

    >>> check_name("b", {"a": 1, "b": 2}, "method")
    'b'
    >>> check_name("c", {"a": 1, "b": 2}, "method")
    Traceback (most recent call last):
    ...
    memnets._core.errors.OptionError: unknown method 'c'; valid methods are 'a', 'b'
    """
    names = list(known)
    if not isinstance(name, str) or name not in names:
        valid = ", ".join(repr(n) for n in names)
        raise OptionError(f"unknown {kind} {name!r}; valid {kind}s are {valid}")
    return name


def check_X(
    X: object,
    *,
    n_features: int | None = None,
    rescale: bool = False,
    unit_interval: bool = True,
    name: str = "X",
    hint: str | None = None,
) -> np.ndarray:
    """Return ``X`` as a C-contiguous float64 array of shape (N, n), or raise InputError.

    Checks: numeric, 2-D (a 1-D array is refused: say whether it is one sample or one
    feature), at least one row, finite, ``n_features`` columns when given, and values in
    [0, 1] when ``unit_interval`` (or rescaled column-wise by min/max when ``rescale``).
    ``name`` and ``hint`` word the errors for the public call that checks (``"predict: X"``);
    ``hint`` replaces the default advice on getting data into [0, 1].
    """
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise InputError(f"{name} cannot be read as a numeric array: {exc}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise InputError(f"{name} must be numeric, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise InputError(f"{name} must be real, got complex dtype {arr.dtype}")
    if arr.ndim != 2:
        raise InputError(
            f"{name} must be 2-D (n_samples, n_features), got shape {arr.shape}; "
            "reshape a single sample with x.reshape(1, -1)"
        )
    if arr.shape[0] == 0:
        raise InputError(f"{name} has no samples (shape {arr.shape})")
    if arr.shape[1] == 0:
        raise InputError(f"{name} has no features (shape {arr.shape})")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(f"{name} contains {arr[i, j]} at sample {i}, feature {j}: values must be finite")
    if n_features is not None and arr.shape[1] != n_features:
        raise InputError(f"{name} has {arr.shape[1]} features, expected {n_features}")
    if unit_interval:
        lo, hi = arr.min(), arr.max()
        if lo < 0.0 or hi > 1.0:
            if not rescale:
                i, j = np.argwhere((arr < 0.0) | (arr > 1.0))[0]
                raise InputError(
                    f"{name} must lie in [0, 1]^n; sample {i}, feature {j} is {float(arr[i, j])!r} "
                    + (hint or UNIT_INTERVAL_HINT)
                )
            arr = minmax_scale(arr)
    return arr


#: How to get data into [0, 1]^n, appended to the out-of-range error of :func:`check_X`.
UNIT_INTERVAL_HINT = (
    "(pass memnets.construct(..., rescale=True) to fit a min-max scaling per feature on the "
    "training data, which the result stores and applies in predict, score, save/load and the "
    "torch/ONNX exports; or scale into [0, 1] first, e.g. with sklearn's MinMaxScaler)"
)


def minmax_scale(X: np.ndarray) -> np.ndarray:
    """Scale each column of X affinely onto [0, 1] (constant columns become 0)."""
    lo = X.min(axis=0)
    span = X.max(axis=0) - lo
    span[span == 0] = 1.0
    out = (X - lo) / span
    np.clip(out, 0.0, 1.0, out=out)
    return out


@dataclass(frozen=True)
class Dataset:
    """A checked dataset: float64 X in [0,1]^n, labels, and their integer codes.

    ``classes`` is sorted (``np.unique`` order); ``codes[i]`` indexes ``classes``;
    ``signs`` is the binary encoding -1/+1 (classes[0] -> -1, classes[1] -> +1) and is
    ``None`` for more than two classes.
    """

    X: np.ndarray
    y: np.ndarray
    classes: np.ndarray
    codes: np.ndarray

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def binary_signs(self, method: str) -> np.ndarray:
        """The -1/+1 labels, or InputError naming ``method`` when there are more than two classes."""
        signs = self.signs
        if signs is None:
            raise InputError(
                f"method {method!r} is binary; y has {self.n_classes} classes "
                f"({self.classes.tolist()[:10]!r}); memnets.construct builds it one-vs-rest, "
                "or use method='efficient' which is multi-class"
            )
        return signs

    @property
    def signs(self) -> np.ndarray | None:
        if self.n_classes != 2:
            return None
        return np.where(self.codes == 1, 1, -1).astype(np.int64)


def check_y(y: object, n_samples: int) -> np.ndarray:
    try:
        arr = np.asarray(y)
    except Exception as exc:
        raise InputError(f"y cannot be read as an array: {exc}") from exc
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise InputError(f"y must be 1-D (n_samples,), got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise InputError(f"X has {n_samples} samples but y has {arr.shape[0]} labels")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        i = int(np.argwhere(~np.isfinite(arr))[0, 0])
        raise InputError(f"y contains {arr[i]} at sample {i}")
    if arr.dtype == object and any(v is None for v in arr):
        i = next(k for k, v in enumerate(arr) if v is None)
        raise InputError(f"y contains None at sample {i}")
    return arr


def label_codes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, codes)``: the sorted distinct labels of a checked ``y`` and the int64
    index of each label among them; :class:`InputError` when the labels cannot be sorted.

    >>> classes, codes = label_codes(np.array(["b", "a", "b"]))
    >>> classes.tolist(), codes.tolist()
    (['a', 'b'], [1, 0, 1])
    """
    try:
        classes, codes = np.unique(y, return_inverse=True)
    except TypeError as exc:
        raise InputError(f"labels in y cannot be sorted: {exc}") from exc
    return classes, codes.ravel().astype(np.int64)


def check_labelled(
    X: object, y: object, *, rescale: bool = False, unit_interval: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X, y, classes, codes)``: ``X`` by :func:`check_X` (``rescale``, ``unit_interval``
    as there), ``y`` by :func:`check_y` against its rows, the labels by :func:`label_codes`.

    The one check of a labelled sample: :func:`check_dataset` adds the class count and the
    conflicts to it, the geometry (``closest_opposite_pair``, the enemy distances and the
    condensing rules) calls it with ``unit_interval=False``.

    >>> X, y, classes, codes = check_labelled([[2.0], [0.0]], [["b"], ["a"]], unit_interval=False)
    >>> X.tolist(), y.tolist(), classes.tolist(), codes.tolist()
    ([[2.0], [0.0]], ['b', 'a'], ['a', 'b'], [1, 0])
    """
    Xa = check_X(X, rescale=rescale, unit_interval=unit_interval)
    ya = check_y(y, Xa.shape[0])
    classes, codes = label_codes(ya)
    return Xa, ya, classes, codes


def find_conflict(X: np.ndarray, codes: np.ndarray) -> tuple[int, int] | None:
    """Return the first pair (i, j), i < j, of identical rows with different codes, or None.

    ``j`` is the first sample (in index order) whose row equals an earlier row with another
    code, ``i`` the first occurrence of that row. Rows are first bucketed by a 64-bit hash of
    their float64 bits (``O(N n)``; ``-0.0`` counts as ``0.0``), and only rows sharing a hash
    are compared exactly, so hash collisions cannot cause a false report.

    >>> find_conflict(np.array([[0.0, 1.0], [0.5, 0.5], [-0.0, 1.0]]), np.array([0, 1, 1]))
    (0, 2)
    """
    N = X.shape[0]
    if N < 2:
        return None
    h = _row_hashes(X)
    order = np.argsort(h, kind="stable")
    hs = h[order]
    dup = np.zeros(N, dtype=bool)
    same = hs[1:] == hs[:-1]
    dup[1:] |= same
    dup[:-1] |= same
    cand = np.sort(order[dup])  # every row whose hash is shared, in index order
    if cand.size == 0:
        return None
    _, first, inverse = np.unique(X[cand] + 0.0, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    cc = codes[cand]
    bad = np.flatnonzero(cc[first[inverse]] != cc)
    if bad.size == 0:
        return None
    k = int(bad[0])
    return int(cand[first[inverse[k]]]), int(cand[k])


_HASH_ROWS = 8192  # rows hashed at once (bounds the temporary to 64 KiB per feature)


def _row_hashes(X: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row's float64 bits (wrapping ``sum_j bits_j * m_j``, fixed odd
    multipliers); equal rows get equal hashes (``-0.0`` is mapped to ``0.0`` first)."""
    n = X.shape[1]
    mult = np.random.default_rng(0x6D656D6E).integers(1, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    out = np.empty(X.shape[0], dtype=np.uint64)
    for s in range(0, X.shape[0], _HASH_ROWS):
        bits = np.ascontiguousarray(X[s : s + _HASH_ROWS] + 0.0, dtype=np.float64).view(np.uint64)
        out[s : s + _HASH_ROWS] = (bits * mult).sum(axis=1, dtype=np.uint64)
    return out


def check_dataset(
    X: object,
    y: object,
    *,
    rescale: bool = False,
    min_classes: int = 2,
    check_conflicts: bool = True,
) -> Dataset:
    """Check a training set and encode its labels.

    Raises :class:`InputError` for non-finite values, bad shapes, mismatched lengths,
    values outside [0, 1] (unless ``rescale``), fewer than ``min_classes`` classes, and
    :class:`ConflictingLabelsError` naming the two indices of a conflicting duplicate.
    """
    Xa, ya, classes, codes = check_labelled(X, y, rescale=rescale)
    if len(classes) < min_classes:
        raise InputError(
            f"y has {len(classes)} class{'es' if len(classes) != 1 else ''} "
            f"({classes.tolist()!r}); at least {min_classes} are needed"
        )
    if check_conflicts:
        pair = find_conflict(Xa, codes)
        if pair is not None:
            i, j = pair
            label_i, label_j = ya[[i, j]].tolist()  # plain Python labels in the message
            raise ConflictingLabelsError(i, j, label_i, label_j)
    return Dataset(X=Xa, y=ya, classes=classes, codes=codes)
