r"""
The width audit on Theorem 5.1's ball-shell
===========================================

Theorem 5.1: for any width bound :math:`w` there is a distribution on which every
memorization network of width :math:`\le w` has accuracy :math:`\le 0.51`. Appendix D's
distribution is a ball of one label inside a thin shell of the other, with equal masses
(:func:`memnets.datasets.ball_shell`). A network whose first layer has rank :math:`< n`
is constant along every fibre :math:`x + \ker W_1`; :func:`memnets.audit` finds a null
direction and turns the label masses on sampled fibres into a certified lower bound on
the error.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

import memnets as mn

D = mn.datasets.ball_shell(n_features=200, width=1)
X, y = D.sample(300, rng=0)
X_test, y_test = D.sample(3000, rng=1)

rows = []
for method in ("optimal", "interval", "efficient"):
    res = mn.construct(X, y, method=method, rng=0)
    rep = mn.audit(res, D, n_lines=400, rng=0)
    acc = res.score(X_test, y_test)
    bound = rep.error_lower_bound
    rows.append((method, rep.bottleneck, acc, bound))
    shown = f"certified error >= {bound:.3f}" if bound is not None else f"no bound: {rep.note}"
    print(f"{method:9s} rank W_1 = {rep.rank_first_layer:3d}, bottleneck {rep.bottleneck:3d}, "
          f"test accuracy {acc:.3f}, {shown}")

# %%
fig, ax = plt.subplots(figsize=(6, 4))
names = [r[0] for r in rows]
ax.bar(names, [r[2] for r in rows], color="#9ecae1", label="measured accuracy")
ax.scatter(names, [1 - r[3] if r[3] is not None else np.nan for r in rows], color="k",
           marker="v", s=80, zorder=3, label="certified ceiling: 1 - error bound")
ax.axhline(0.51, color="r", ls="--", lw=1, label="0.51 (Theorem 5.1)")
ax.set(ylim=(0, 1.05), ylabel="accuracy", title="ball-shell, n = 200")
ax.legend(loc="lower right")
plt.show()
