"""The dataset names: the real datasets :func:`memnets.datasets.load` reads offline, and the
synthetic families by name with their documented default parameters (:func:`synthetic`,
:func:`line_measured`). Add a synthetic family here, once: ``load``, ``catalog``, the CLI
(``memnets data list``, ``memnets audit --data NAME``, ``memnets estimate NAME``) and the
audit find it through this registry."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from memnets._core.errors import OptionError
from memnets.datasets._common import LineMeasured
from memnets.datasets.balls import ball_mixture
from memnets.datasets.corners import cube_corners
from memnets.datasets.moons import two_moons
from memnets.datasets.shells import alternating_shells, ball_shell

__all__ = ["REAL", "SYNTHETIC", "canonical", "line_measured", "names", "synthetic"]

#: synthetic names -> factory of the distribution with its documented default parameters
#: (a ``functools.partial``: keyword arguments override the defaults, see :func:`synthetic`)
SYNTHETIC: dict[str, Callable[..., Any]] = {
    # 8 balls in [0,1]^2, 2 classes, c_D >= 0.1, radius 0.02, centres seeded by 0
    "balls": functools.partial(ball_mixture, n_features=2, n_balls=8, separation=0.1, rng=0),
    # 4 alternating shells around (0.5, 0.5), gap = width = 0.5 / 7
    "shells": functools.partial(alternating_shells, n_features=2, n_shells=4),
    # the 256 corners of [0,1]^8, labelling seeded by 0
    "corners": functools.partial(cube_corners, n_features=8, rng=0),
    # Theorem 5.1's ball inside a thin shell: n = 200 features, bottleneck width w = 1
    "ball-shell": functools.partial(ball_shell, n_features=200, width=1),
    # scikit-learn's moons (offset 0.5), noise-free, c_D = 1/6
    "moons": functools.partial(two_moons, noise=0.0),
}

REAL = ("mnist", "fashion-mnist", "digits", "cifar10", "imagefolder")
_ALIASES = {"fashion_mnist": "fashion-mnist", "fashionmnist": "fashion-mnist", "cifar-10": "cifar10",
            "image-folder": "imagefolder", "image_folder": "imagefolder"}


def names() -> list[str]:
    return [*REAL, *SYNTHETIC]


def canonical(name: object) -> str:
    if not isinstance(name, str):
        raise OptionError(f"dataset name must be a string, got {type(name).__name__}")
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in REAL and key not in SYNTHETIC:
        raise OptionError(f"unknown dataset {name!r}; valid names: {', '.join(names())}")
    return key


def synthetic(name: str, **params: Any) -> Any:
    """The synthetic distribution ``name`` with its default parameters, ``params`` overriding.

    >>> synthetic("balls", n_features=3).n_features, synthetic("moons").separation > 0.16
    (3, True)
    """
    key = canonical(name)
    if key not in SYNTHETIC:
        raise OptionError(f"{name!r} is not synthetic; synthetic names: {', '.join(SYNTHETIC)}")
    factory = SYNTHETIC[key]
    allowed = inspect.signature(factory).parameters
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise OptionError(f"{key} has no parameter(s) {unknown}; valid: {', '.join(allowed)}")
    return factory(**params)


def line_measured(name: str, n_features: int, **params: Any) -> LineMeasured:
    """The synthetic family ``name`` in ``n_features`` dimensions, required to know its exact
    label masses on lines (:class:`LineMeasured`): what ``memnets audit --data NAME`` bounds
    a network's error with. Defaults and ``params`` as in :func:`synthetic`.

    >>> line_measured("shells", 3).n_features, line_measured("corners", 5, rng=3).n_cells
    (3, 32)
    """
    key = canonical(name)
    names = [k for k, make in SYNTHETIC.items() if isinstance(make(), LineMeasured)]
    if key not in names:
        raise OptionError(
            f"{name!r} has no exact line measure; the families that have one: "
            + ", ".join(repr(k) for k in names)
        )
    return synthetic(key, n_features=n_features, **params)
