"""One exception hierarchy for everything memnets raises on purpose.

Every error memnets raises deliberately derives from :class:`MemnetsError`, so
``except memnets.MemnetsError`` catches exactly the library's own complaints.
Errors about bad input also derive from :class:`ValueError` so that generic
callers (scikit-learn's estimator checks among them) recognise them.
"""

from __future__ import annotations

__all__ = [
    "ConflictingLabelsError",
    "ConstructionError",
    "DataFileError",
    "DataUnavailableError",
    "ExactnessError",
    "InputError",
    "MemnetsError",
    "ModelFileError",
    "NotCompressibleError",
    "OptionError",
    "VerificationError",
]


class MemnetsError(Exception):
    """Root of every error memnets raises on purpose."""


class InputError(MemnetsError, ValueError):
    """The data handed to memnets is unusable (NaN/inf, shape, range, labels)."""


class ConflictingLabelsError(InputError):
    """Two samples are identical (separation 0) but carry different labels."""

    def __init__(self, i: int, j: int, label_i: object, label_j: object) -> None:
        self.indices = (int(i), int(j))
        super().__init__(
            f"samples {i} and {j} are identical but labelled {label_i!r} and {label_j!r}: "
            "no function (hence no network) can memorize this dataset (separation is 0)"
        )


class OptionError(MemnetsError, ValueError):
    """An option has an invalid value, or a method/experiment name is unknown."""


class ConstructionError(MemnetsError, RuntimeError):
    """A construction could not be carried out on this data (e.g. retry budget exhausted)."""


class VerificationError(MemnetsError, RuntimeError):
    """A constructed network failed its own memorization check (this is a bug in memnets)."""


class ExactnessError(MemnetsError, ValueError):
    """An export or float evaluation would not reproduce the exact network."""


class NotCompressibleError(MemnetsError, ValueError):
    """A training-set certificate was asked of a network that is no sample-compression scheme.

    Raised by :meth:`memnets.ConstructionResult.certify` without test data when the network
    depends on (nearly) every training sample, so no subset of them can vouch for it
    (methods ``optimal``, ``constant``, ``interval``, ``trained``, ...). Not an
    :class:`OptionError`: the options are fine, the network lacks the property; the remedy
    is a held-out test set (``certify(X_test=..., y_test=...)``) or ``method="efficient"``.
    """


class ModelFileError(MemnetsError, ValueError):
    """A model file is truncated, corrupt, or written by an unknown format version."""


class DataUnavailableError(MemnetsError, FileNotFoundError):
    """A dataset is not installed or not found where it was looked for."""


class DataFileError(InputError):
    """A dataset file exists but is truncated, corrupt, or not in the expected format."""
