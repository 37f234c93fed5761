"""
A certificate against test accuracy
===================================

``efficient`` is a sample-compression scheme: its network is a fixed function of its
representatives, and it is right on every other training sample. So
:meth:`memnets.ConstructionResult.certify` gives a rigorous lower bound on the accuracy
from the training set alone (no test set). ``condense="mcs"`` keeps fewer
representatives, hence a tighter bound. Here: scikit-learn's digits, five pairs.
"""

# %%
import matplotlib.pyplot as plt

import memnets as mn

pairs = [(0, 1), (1, 7), (3, 8), (4, 9), (5, 6)]
rows = []
for a, b in pairs:
    X, y = mn.datasets.load("digits", classes=(a, b), split="train")
    X_test, y_test = mn.datasets.load("digits", classes=(a, b), split="test")
    res = mn.construct(X, y, method="efficient", condense="mcs", rng=0)
    cert = res.certify(delta=0.05)
    rows.append((f"{a}-{b}", len(X), cert.accuracy, res.score(X_test, y_test)))

print(f"{'pair':>5} {'N':>4} {'certified':>9} {'measured':>9}")
for name, N, c, m in rows:
    print(f"{name:>5} {N:>4} {c:>9.3f} {m:>9.3f}")

fig, ax = plt.subplots(figsize=(5, 5))
ax.scatter([r[2] for r in rows], [r[3] for r in rows])
for name, _, c, m in rows:
    ax.annotate(name, (c, m), textcoords="offset points", xytext=(4, -10))
ax.plot([0, 1], [0, 1], "k:", lw=1)
ax.set(xlim=(0.5, 1.0), ylim=(0.5, 1.01), xlabel="certified accuracy (delta = 0.05)",
       ylabel="measured test accuracy", title="digits pairs: certificate <= measured")
plt.show()
