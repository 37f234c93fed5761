r"""
``optimal``: parameters against N
=================================

Theorem 4.1 (after Vardi et al. 2022): a memorization network of width 6 with
:math:`O(\sqrt{N}\,\ln(Nn/c))` parameters. ``method="optimal"`` builds it with exact
big-integer weights and verifies it exactly; ``"interval"`` is the :math:`\Theta(N)`
reference (one ReLU step per run boundary of the same projection). The slopes on a
log-log plot tell them apart.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

import memnets as mn

D = mn.datasets.ball_mixture(n_features=10, n_balls=40, separation=0.05, rng=0)
Ns = [100, 200, 400, 800, 1600]
rows = {"optimal": [], "interval": []}
for N in Ns:
    X, y = D.sample(N, rng=N)
    for method in rows:
        res = mn.construct(X, y, method=method, rng=0)
        rows[method].append((res.stats["params"], res.network.width, res.network.max_weight_bits))

print(f"{'N':>6} | {'optimal params':>14} {'width':>5} {'bits':>5} | {'interval params':>15}")
for N, (p, w, b), (q, _, _) in zip(Ns, rows["optimal"], rows["interval"], strict=True):
    print(f"{N:>6} | {p:>14} {w:>5} {b:>5} | {q:>15}")

fig, ax = plt.subplots(figsize=(6, 4.5))
for method, marker in (("optimal", "o"), ("interval", "s")):
    params = np.array([r[0] for r in rows[method]], dtype=float)
    slope = np.polyfit(np.log(Ns), np.log(params), 1)[0]
    ax.loglog(Ns, params, marker=marker, label=f"{method} (slope {slope:.2f})")
ax.loglog(Ns, 40 * np.sqrt(Ns), "k:", label=r"$40\sqrt{N}$")
ax.set(xlabel="N (training samples)", ylabel="parameters", title="Theorem 4.1: params against N")
ax.legend()
plt.show()
