"""The same grid on a Dask distributed cluster gives exactly the local (joblib) numbers."""

from __future__ import annotations

import json

import pytest

distributed = pytest.importorskip("distributed")

from memnets import OptionError  # noqa: E402
from memnets.experiments import _runner, compare, pairs  # noqa: E402

PAIRS = [(0, 1), (1, 7), (3, 5), (4, 9), (2, 8), (5, 6)]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", silence_logs=40) as lc:
        yield lc


@pytest.mark.slow
def test_pairs_on_dask_equals_local_joblib(tmp_path, cluster):
    kwargs = {"data": "digits", "pairs": PAIRS, "condense": ("cover", "none"), "profile": "tiny",
              "seed": 11, "progress": False}
    pairs.run(tmp_path / "local", jobs=2, **kwargs)
    pairs.run(tmp_path / "dask", dask_scheduler=cluster.scheduler_address, **kwargs)
    local = json.loads((tmp_path / "local" / "pairs.json").read_text())
    remote = json.loads((tmp_path / "dask" / "pairs.json").read_text())
    assert remote["timing"]["cells"]["digits"] == {"total": 12, "cached": 0, "computed": 12}
    assert _runner.without_timing(remote) == _runner.without_timing(local)
    assert len(local["datasets"]["digits"]["cells"]) == 12


@pytest.mark.slow
def test_compare_on_dask_equals_local_joblib(tmp_path, cluster):
    """Table 4's grid (tiny, one digits pair: memorizers, 1-NN and the trained MLP, six cells
    over the two workers) gives the same JSON on a Dask cluster as in joblib workers."""
    kwargs = {"profile": "tiny", "pairs": [(2, 3)], "methods": ("M1", "M2", "M3", "optimal", "1-NN", "MLP"),
              "seed": 5, "progress": False}
    compare.run(tmp_path / "local", jobs=2, **kwargs)
    compare.run(tmp_path / "dask", dask_scheduler=cluster.scheduler_address, **kwargs)
    local = json.loads((tmp_path / "local" / "compare.json").read_text())
    remote = json.loads((tmp_path / "dask" / "compare.json").read_text())
    assert remote["timing"]["cells"] == {"total": 6, "cached": 0, "computed": 6}
    assert _runner.without_timing(remote) == _runner.without_timing(local)


def test_unreachable_scheduler_is_a_clear_error():
    cells = [{"data": "digits", "a": 0, "b": 1, "condense": "cover", "n_train": 5, "n_test": 5,
              "seed": 0, "data_dir": None}]
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), \
            pytest.raises(OptionError, match="cannot reach the Dask scheduler"):
        _runner.run_cells(pairs._pair_cell, cells, dask_scheduler="tcp://127.0.0.1:9", progress=False)
