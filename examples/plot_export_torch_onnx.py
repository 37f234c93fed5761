"""
Export to PyTorch and ONNX
==========================

:meth:`memnets.ReLUNetwork.to_torch` returns a ``torch.nn.Sequential`` of Linear and ReLU
layers; :meth:`memnets.ReLUNetwork.to_onnx` writes an ONNX file. Both refuse a network
that float64 cannot reproduce exactly. Here the exported models are checked against the
exact evaluator on held-out points.
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
import torch

import memnets as mn

D = mn.datasets.ball_mixture(n_features=5, n_balls=10, separation=0.15, rng=0)
X, y = D.sample(300, rng=0)
X_test, _ = D.sample(1000, rng=1)
res = mn.construct(X, y, method="efficient", rng=0)
net = res.network
print(net)

exact = np.array([float(v) for v in net.forward_exact(X_test[:200]).ravel()])
ours = net.forward(X_test)
model = net.to_torch()
with torch.no_grad():
    via_torch = model(torch.as_tensor(X_test, dtype=torch.float64)).numpy().ravel()
with tempfile.TemporaryDirectory() as tmp:
    path = Path(tmp) / "net.onnx"
    net.to_onnx(path)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    via_onnx = session.run(None, {"x": X_test})[0].ravel()  # float64 in, float64 out

# %%
# The agreement, as a table
# -------------------------
print(f"{'path':<12} {'max |diff| to forward()':>24} {'same sign':>10}")
for label, out in (("torch", via_torch), ("onnx", via_onnx)):
    print(f"{label:<12} {np.max(np.abs(out - ours)):>24.3g} "
          f"{np.mean(np.sign(out) == np.sign(ours)):>10.1%}")
print(f"{'exact':<12} {np.max(np.abs(exact - ours[:200])):>24.3g} "
      f"{np.mean(np.sign(exact) == np.sign(ours[:200])):>10.1%}")

# %%
# The three evaluations on the held-out points
fig, ax = plt.subplots(figsize=(5, 5))
ax.scatter(ours, via_torch, s=10, label="torch")
ax.scatter(ours, via_onnx, s=10, marker="x", label="onnxruntime")
ax.plot([ours.min(), ours.max()], [ours.min(), ours.max()], "k:", lw=1)
ax.set(xlabel="ReLUNetwork.forward (float64)", ylabel="exported model", title="F(x) on 1,000 held-out points")
ax.legend()
plt.show()
