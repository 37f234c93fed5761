"""
A sweep on a local Dask cluster
===============================

Every experiment runs its grid of cells with joblib (``jobs``) or on a Dask cluster
(``dask_scheduler``), with the same results either way. Here a small ``scaling`` sweep
runs on an in-process ``distributed.LocalCluster`` with one worker, then again
without Dask, and the two JSON files are compared.
"""

# %%
import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
from distributed import LocalCluster

import memnets as mn

sizes = [100, 200, 400, 800]
with tempfile.TemporaryDirectory() as tmp, \
        LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                     dashboard_address=None) as cluster:
    on_dask = mn.experiments.run("scaling", Path(tmp) / "dask", data="synthetic", sizes=sizes,
                                 dask_scheduler=cluster.scheduler_address, progress=False)
    local = mn.experiments.run("scaling", Path(tmp) / "local", data="synthetic", sizes=sizes,
                               jobs=1, progress=False)
    a = json.loads(Path(on_dask["json"]).read_text())
    b = json.loads(Path(local["json"]).read_text())

keys = ("N", "method", "seed", "params", "width", "depth", "verified")
same = [{k: r[k] for k in keys} for r in a["rows"]] == [{k: r[k] for k in keys} for r in b["rows"]]
print(f"{len(a['rows'])} cells on Dask; identical to the local run: {same}")

# %%
fig, ax = plt.subplots(figsize=(6, 4))
for method, marker in (("optimal", "o"), ("interval", "s"), ("vardi2022", "^"), ("park2021", "v")):
    pts = sorted((r["N"], r["params"]) for r in a["rows"] if r["method"] == method and r["seed"] == 0)
    if pts:
        ax.loglog(*zip(*pts, strict=True), marker=marker, label=method)
ax.set(xlabel="N", ylabel="parameters", title="scaling sweep computed on Dask")
ax.legend()
plt.show()
