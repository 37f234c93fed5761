"""Datasets for memnets: real data offline, and seeded synthetic distributions with known c_D.

Real data: :func:`load` (``"mnist"``, ``"fashion-mnist"``, ``"digits"``, ``"cifar10"`` from
its batches or its PNG folders, ``"imagefolder"`` for your own ``<class>/*.png`` folders)
returns ``(X float64 in [0,1]^n, y int64 original class ids)``; :func:`catalog` says what
is installed here; :func:`read_image_folder` decodes an image folder to uint8.

Synthetic distributions (labels ``0, 1, ...``; every one has ``sample(n, rng)``,
``n_features``, ``separation`` = c_D, ``n_cells``, ``classes``, ``to_dict()``):
:func:`ball_mixture`, :func:`alternating_shells`, :func:`ball_shell` (Theorem 5.1's ball inside a
thin shell), :func:`cube_corners`, :func:`two_moons`; also loadable by name (``"balls"``,
``"shells"``, ``"ball-shell"``, ``"corners"``, ``"moons"``). Balls, shells
and corners know their exact label masses on lines (:class:`LineMeasured`, what
:func:`memnets.audit` certifies with; :func:`line_measured` finds them by name).

>>> import memnets as mn
>>> D = mn.datasets.ball_mixture(n_features=3, n_balls=6, separation=0.2, rng=1)
>>> X, y = D.sample(500, rng=0)
>>> X.shape, bool(mn.separation(X, y) >= D.separation)
((500, 3), True)
"""

from __future__ import annotations

from memnets.datasets._catalog import catalog
from memnets.datasets._cifar import CIFAR10_MD5, CIFAR10_URL, download_cifar10, read_batch
from memnets.datasets._common import FibreMeasured, LineMeasured, fp_margin
from memnets.datasets._idx import DataFileError, read_idx, write_idx
from memnets.datasets._imagefolder import ImageSet, image_folder_classes, read_image_folder
from memnets.datasets._real import (
    digits_split_mask,
    load,
    scale_unit,
    stratified_subsample,
)
from memnets.datasets._registry import SYNTHETIC, line_measured, synthetic
from memnets.datasets.balls import BallMixture, ball_mixture
from memnets.datasets.corners import CubeCorners, cube_corners
from memnets.datasets.moons import TwoMoons, arc_distance, two_moons
from memnets.datasets.shells import (
    AlternatingShells,
    alternating_shells,
    ball_shell,
    fibre_ratio,
    min_features_ball_shell,
)

__all__ = [
    "CIFAR10_MD5",
    "CIFAR10_URL",
    "SYNTHETIC",
    "AlternatingShells",
    "BallMixture",
    "CubeCorners",
    "DataFileError",
    "FibreMeasured",
    "ImageSet",
    "LineMeasured",
    "TwoMoons",
    "alternating_shells",
    "arc_distance",
    "ball_mixture",
    "ball_shell",
    "catalog",
    "cube_corners",
    "digits_split_mask",
    "download_cifar10",
    "fibre_ratio",
    "fp_margin",
    "image_folder_classes",
    "line_measured",
    "load",
    "min_features_ball_shell",
    "read_batch",
    "read_idx",
    "read_image_folder",
    "scale_unit",
    "stratified_subsample",
    "synthetic",
    "two_moons",
    "write_idx",
]
