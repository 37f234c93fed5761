"""Shared ReLU building blocks: every construction assembles its layers from these.

Conventions: a *block* is a list of :class:`~memnets.AffineLayer` with ReLU understood
between consecutive layers (as in :class:`~memnets.ReLUNetwork`). Exact constructions build
layers from ``{column: value}`` rows with int/Fraction values; float constructions use
NumPy/SciPy arrays. One module per kind of gadget (affine rows, the symbolic layer
builder with steps and bit extraction, staircases, max-trees, side-by-side networks) and
per shared narrow network on one input (the exact 1-D memorizer and its planner, the group
lookup);
add new blocks here rather than copying them into a construction module.
"""

from memnets._blocks.affine import (
    Exact,
    compose_affine,
    exact_layer,
    exact_value,
    identity_rows,
    project_first,
)
from memnets._blocks.builder import (
    LayerBuilder,
    Lin,
    digit_preacts,
    digit_value,
    gate_preact,
    load_by_steps,
    step_preacts,
)
from memnets._blocks.maxtree import max_tree, max_tree_readout
from memnets._blocks.nearest import nearest_centre_network
from memnets._blocks.parallel import side_by_side
from memnets._blocks.staircase import staircase, staircase_index, step_rows

__all__ = [
    "Exact",
    "LayerBuilder",
    "Lin",
    "compose_affine",
    "digit_preacts",
    "digit_value",
    "exact_layer",
    "exact_value",
    "gate_preact",
    "identity_rows",
    "load_by_steps",
    "max_tree",
    "max_tree_readout",
    "nearest_centre_network",
    "project_first",
    "side_by_side",
    "staircase",
    "staircase_index",
    "step_preacts",
    "step_rows",
]
