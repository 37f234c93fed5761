"""
The representatives of ``efficient``
====================================

``method="efficient"`` (ours, after Theorem 7.3) keeps a few same-label
*representatives* and computes the exact 1-NN rule over them with one ReLU max-tree per
class. Its parameter count grows with the number of representatives, not with
:math:`N^2`. Here are the representatives it keeps on two moons, for its compact preset
and for the theorem's preset (radius :math:`r = c/2`).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

import memnets as mn

D = mn.datasets.two_moons(noise=0.08)
X, y = D.sample(1500, rng=0)
X_test, y_test = D.sample(4000, rng=1)

fig, axes = plt.subplots(1, 2, figsize=(10, 5), sharey=True)
for ax, preset in zip(axes, ("compact", "theorem"), strict=True):
    res = mn.construct(X, y, method="efficient", preset=preset, rng=0)
    reps = np.asarray(res.info["representatives"])
    acc = res.score(X_test, y_test)
    print(f"{preset:8s}: {len(reps)} of {len(X)} samples kept, {res.stats['params']} params, "
          f"test accuracy {acc:.3f}, verified {res.verified}")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=4, alpha=0.25)
    ax.scatter(X[reps, 0], X[reps, 1], c=y[reps], cmap="coolwarm", s=40, marker="*",
               edgecolors="k", linewidths=0.5)
    ax.set(title=f"preset={preset!r}: {len(reps)} representatives, acc {acc:.3f}",
           xlabel="$x_1$", aspect="equal")
axes[0].set_ylabel("$x_2$")
plt.show()
