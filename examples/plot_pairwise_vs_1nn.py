r"""
The paper's network against 1-nearest-neighbour
================================================

``method="pairwise"`` builds the Theorem 7.3 network as the paper writes it (Appendix
H.3-H.4): one unit :math:`\sigma(-S_{ij}(x))` per ordered opposite-label pair,

.. math::

    S_{ij}(x) = (x_i - x_j)\cdot\big(x - (0.51\,x_i + 0.49\,x_j)\big),\qquad
    F(x) = \sum_i y_i\,\sigma\Big(r - \sum_{j:\,y_j\ne y_i}\sigma(-S_{ij}(x))\Big).

Since :math:`-S_{ij}(x) = \tfrac12(d_i - d_j) + 0.01\lVert x_i - x_j\rVert^2` with
:math:`d_k = \lVert x - x_k\rVert^2`, only the class of the nearest sample can have active
units: the network decides like 1-NN, except in a thin band along the 1-NN boundary where
:math:`F(x) = 0` exactly. This example draws that band.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.neighbors import KNeighborsClassifier

import memnets as mn

D = mn.datasets.ball_mixture(n_features=2, n_balls=8, separation=0.12, rng=3)
X, y = D.sample(60, rng=0)
res = mn.construct(X, y, method="pairwise", rng=0)
print("verified:", res.verified, "| paper's parameter count:", res.stats["params_paper"])

# %%
# Evaluate F on a fine grid and compare its sign with 1-NN
xx, yy = np.meshgrid(np.linspace(0, 1, 300), np.linspace(0, 1, 300))
grid = np.column_stack([xx.ravel(), yy.ravel()])
F = res.decision_function(grid).reshape(xx.shape)
knn = KNeighborsClassifier(n_neighbors=1).fit(X, y)
nn = knn.predict(grid).reshape(xx.shape)
sign = np.where(F > 0, res.classes[1], res.classes[0])
zero = F == 0
print(f"F = 0 on {zero.mean():.2%} of the grid; elsewhere sign(F) agrees with 1-NN on "
      f"{(sign == nn)[~zero].mean():.2%} of it")

fig, axes = plt.subplots(1, 2, figsize=(10, 5), sharey=True)
for ax, Z, title in ((axes[0], nn, "1-NN"), (axes[1], sign, "pairwise (Theorem 7.3)")):
    ax.contourf(xx, yy, Z, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"])
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=14, edgecolors="k", linewidths=0.3)
    ax.set(title=title, xlabel="$x_1$", aspect="equal")
axes[1].contourf(xx, yy, zero.astype(float), levels=[0.5, 1.5], colors=["black"])
axes[1].set_title("pairwise (Theorem 7.3): black where F = 0")
axes[0].set_ylabel("$x_2$")
plt.show()
