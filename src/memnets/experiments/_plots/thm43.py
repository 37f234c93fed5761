"""The ``constant`` experiment's figure of Theorem 4.3 by the paper's route (Appendix C)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from memnets.experiments._plots._figure import decorate, save

__all__ = ["route_plot"]


def route_plot(out: Path, table: list[dict[str, Any]], Q: Any) -> list[Path]:
    """Left: params against N for ``constant`` (ours) and the robust c0/3-net network (the paper's
    route). Right: |D_s| against N with Appendix C's Q (as written) and Q_sound."""
    rows = [r for r in table if not math.isnan(r["robust_net_params"])]
    if not rows:
        return []
    N = [r["N"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10.5, 4.2), layout="constrained")
    a.plot([r["N"] for r in table], [r["constant_params"] for r in table], "o-", label="constant (ours)")
    a.plot(N, [r["robust_net_params"] for r in rows], "s-", label="robust, net=True (Appendix C's route)")
    a.set_xscale("log")
    a.set_yscale("log")
    decorate(a, "training samples N", "params", title="Theorem 4.3: params independent of N")
    b.plot(N, [r["net_size"] for r in rows], "s-", label="|D_s| (mean)")
    b.plot(N, [r["net_size_max"] for r in rows], "v--", label="|D_s| (max)")
    for value, name, style in ((Q.Q, "Q as written", ":"), (Q.Q_sound, "Q_sound (what the argument proves)", "-.")):
        if math.isfinite(value):
            b.axhline(value, ls=style, color="gray", label=f"{name} = {value:.4g}")
    b.set_xscale("log")
    b.set_yscale("log")
    decorate(b, "training samples N", "net points", title="size of the c0/3-net vs Appendix C's bound")
    return [save(fig, out / "constant_thm43_route.png")]
