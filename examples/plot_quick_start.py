"""
Quick start: build, verify, predict, save, load
===============================================

Construct a network that memorizes two interleaving moons, check what was proven about it,
predict on new points, save it to a ``.memnet`` file and load it back with its exact
weights.
"""

# %%
# A seeded distribution with a known separation :math:`c_D`
# ------------------------------------------------------------
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import memnets as mn

D = mn.datasets.two_moons(noise=0.05)
X, y = D.sample(400, rng=0)
X_test, y_test = D.sample(2000, rng=1)
print(f"c_D = {D.separation:.4f}, separation of this sample = {mn.separation(X, y):.4f}")

# %%
# Build and verify
# ----------------
# :func:`memnets.construct` returns a :class:`memnets.ConstructionResult` only after it
# has proven ``y_i F(x_i) > 0`` on every training sample.
res = mn.construct(X, y, method="efficient", rng=0)
print("verified:", res.verified, "| min margin:", float(res.min_margin))
print({k: res.stats[k] for k in ("params", "params_nonzero", "width", "depth", "bottleneck")})
print("training accuracy", res.score(X, y), "| test accuracy", res.score(X_test, y_test))

# %%
# Save and load: the file keeps the exact weights
# -----------------------------------------------
with tempfile.TemporaryDirectory() as tmp:
    path = mn.save(res, Path(tmp) / "moons.memnet")
    res2 = mn.load(path)
    size = path.stat().st_size
same = np.array_equal(res2.predict(X_test), res.predict(X_test))
print(f"{size} bytes on disk; the loaded model predicts the same labels: {same}")

# %%
# The decision regions
# --------------------
xx, yy = np.meshgrid(np.linspace(0, 1, 200), np.linspace(0, 1, 200))
grid = np.column_stack([xx.ravel(), yy.ravel()])
Z = res2.predict(grid).reshape(xx.shape)
fig, ax = plt.subplots(figsize=(5, 5))
ax.contourf(xx, yy, Z, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"], alpha=0.8)
ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=10, edgecolors="k", linewidths=0.2)
ax.set(title=f"efficient: {res.stats['params']} params, test acc {res.score(X_test, y_test):.3f}",
       xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
plt.show()
