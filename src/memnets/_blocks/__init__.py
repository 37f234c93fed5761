"""Shared ReLU building blocks: every construction assembles its layers from these.

Conventions: a *block* is a list of :class:`~memnets.AffineLayer` with ReLU understood
between consecutive layers (as in :class:`~memnets.ReLUNetwork`). Exact constructions build
layers from ``{column: value}`` rows with int/Fraction values; float constructions use
NumPy/SciPy arrays. One module per kind of gadget (affine rows, the symbolic layer
builder with steps and bit extraction, staircases, max-trees, side-by-side networks) and
per shared narrow network on one input (the exact 1-D memorizer and its planner, the group
lookup);
add new blocks here rather than copying them into a construction module.

This package re-exports the blocks constructions assemble from. The symbolic layer builder
(:mod:`memnets._blocks.builder`: ``LayerBuilder``, ``Lin`` and the step, digit, gate and
load pre-activations) is the tool blocks are written with, not a block: the blocks that use
it (the 1-D memorizer, the group lookup, the staircases) import it from its module.
"""

from memnets._blocks.affine import (
    Exact,
    compose_affine,
    exact_layer,
    exact_value,
    identity_rows,
    project_first,
)
from memnets._blocks.maxtree import max_tree, max_tree_readout
from memnets._blocks.nearest import nearest_centre_network
from memnets._blocks.parallel import side_by_side
from memnets._blocks.staircase import staircase, staircase_index, step_rows

__all__ = [
    "Exact",
    "compose_affine",
    "exact_layer",
    "exact_value",
    "identity_rows",
    "max_tree",
    "max_tree_readout",
    "nearest_centre_network",
    "project_first",
    "side_by_side",
    "staircase",
    "staircase_index",
    "step_rows",
]
