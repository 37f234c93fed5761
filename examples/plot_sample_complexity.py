r"""
Sample complexity on cube corners (Section 6)
=============================================

On the :math:`2^n` corners of the cube with a fixed random labelling, no algorithm can
know the label of a corner it has not seen: every memorizer is right on the seen corners
and at chance on the others, so its accuracy is about
:math:`P(\text{seen}) + \tfrac12 P(\text{unseen})` and generalizing needs a number of
samples exponential in :math:`n`. This example measures ``efficient`` on seen and unseen
test corners and prints the paper's Section 6 bounds (Theorems 6.1 and 6.5, Corollary 6.4,
with the unknown constant :math:`v = 1`: shapes, not numbers).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

import memnets as mn
from memnets import theory

n = 8
C = mn.datasets.cube_corners(n_features=n, rng=0)
X_test, y_test = C.sample(4000, rng=1)
Ns = [32, 64, 128, 256, 512, 1024]
rows = []
for N in Ns:
    X, y = C.sample(N, rng=N)
    res = mn.construct(X, y, method="efficient", rng=0)
    seen = {tuple(row) for row in X}
    mask = np.array([tuple(row) in seen for row in X_test])
    right = res.predict(X_test) == y_test
    unseen_acc = right[~mask].mean() if (~mask).any() else float("nan")
    rows.append((N, len(seen) / 2**n, right.mean(), right[mask].mean(), unseen_acc))

print(f"{'N':>5} {'corners seen':>12} {'accuracy':>9} {'on seen':>8} {'on unseen':>10}")
for N, frac, acc, on_seen, on_unseen in rows:
    print(f"{N:>5} {frac:>12.3f} {acc:>9.3f} {on_seen:>8.3f} {on_unseen:>10.3f}")

eps, delta = 0.1, 0.1
N_D = 2 ** (n / 2)
print(f"N_D ~ 2^(n/2) = {N_D:.0f}: Thm 6.1 lower bound {theory.bound_thm61(N_D, eps, delta):.1f}, "
      f"Thm 6.5 sufficient N {theory.bound_thm65(N_D, eps, delta):.3g}, "
      f"Cor 6.4 at c = 1: {theory.bound_cor64(n, 1.0, eps, delta)}")

fig, ax = plt.subplots(figsize=(6, 4))
ax.semilogx(Ns, [r[2] for r in rows], "o-", label="efficient: test accuracy")
ax.semilogx(Ns, [r[4] for r in rows], "s--", label="on corners not seen in training")
ax.semilogx(Ns, [r[1] + 0.5 * (1 - r[1]) for r in rows], "k:", label="seen + half of unseen")
ax.axvline(2**n, color="gray", lw=1, ls=":")
ax.set(xlabel="N", ylabel="accuracy", ylim=(0, 1.02), title=f"cube corners, n = {n} ($2^n$ = {2**n})")
ax.legend(loc="lower right")
plt.show()
