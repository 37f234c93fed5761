"""Figures of ``pairs``: one heat map per column, laid out as the paper's 10 x 10 tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from memnets.experiments._plots._figure import pair_heatmaps

__all__ = ["pairs_plot"]


def pairs_plot(out: Path, name: str, res: dict[str, Any], columns: Sequence[str], size: str) -> Path:
    """``pairs_<name>.png``: the test accuracy of every pair, one heat map per column."""
    paper = "paper" in res
    tables = {(col if paper else f"condense={col}"): np.array(res["tables"][col], dtype=float) for col in columns}
    if "resnet18" in res:
        tables[f"ResNet18 ({res['resnet18']['recipe']['epochs']} epochs)"] = np.array(res["resnet18"]["table"],
                                                                                      dtype=float)
    what = ("pairwise (the paper's network), efficient and 1-NN" if paper else "efficient") + (
        " and Table 3's ResNet18" if "resnet18" in res else "")
    return pair_heatmaps(out / f"pairs_{name}.png", tables, res["labels"],
                         title=f"{what}: test accuracy on every pair of {name} classes ({size})")
