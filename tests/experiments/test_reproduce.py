"""`memnets reproduce` and the shared grid runner: report assembly, failures, determinism,
resume from the cache, joblib == sequential."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

import pytest

from _helpers import mnist_dir
from memnets import MemnetsError, OptionError
from memnets.experiments import _registry, _runner, pairs
from memnets.experiments.reproduce import ExperimentsFailed, reproduce


def _digit_cells(n_pairs: int = 4) -> list[dict]:
    return [
        {"data": "digits", "a": a, "b": b, "condense": "cover", "n_train": 20, "n_test": 20, "seed": 5,
         "data_dir": None}
        for a, b in [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (1, 7)][:n_pairs]
    ]


def test_without_timing_recursive():
    doc = {"a": 1, "timing": {"s": 2.0}, "rows": [{"x": 1, "timing": 3}, {"started": "now", "y": [1]}]}
    assert _runner.without_timing(doc) == {"a": 1, "rows": [{"x": 1}, {"y": [1]}]}
    cells = [{"N": 10, "seconds": 0.1, "verify_seconds": 0.2, "seconds_label": "kept"}]
    assert _runner.without_timing(cells) == [{"N": 10, "seconds_label": "kept"}]


def test_theory_experiment_same_seed_same_numbers(tmp_path):
    """Two fresh runs (no cache outside ``reproduce``) agree on all but wall-clock fields.

    Three seeds per sample size and 500 test points instead of the tiny profile's 20 and
    2000: each cell draws its own seeded sample and builds two networks, so a stray
    unseeded draw shows in any of them."""
    import memnets.experiments as ex

    docs = []
    for k in range(2):
        summary = ex.run("guarantee", tmp_path / str(k), seed=3, profile="tiny", seeds=3, n_test=500,
                         progress=False)
        docs.append(json.loads(Path(summary["json"]).read_text()))
    assert _runner.without_timing(docs[0]) == _runner.without_timing(docs[1])
    assert docs[0]["seed"] == 3 and len(docs[0]["cells"]) == 3 * len(docs[0]["plan"]["Ns"])
    assert sum(c["memorized"] for c in docs[0]["cells"]) >= 3  # networks were built and scored


def test_width_cells_are_reproduced_from_their_recorded_seeds(tiny_report):
    """The width experiment (run once per session, in ``tiny_report``): each construction
    cell, built again from the seed and plan its JSON records, gives the same numbers."""
    from memnets.experiments import width

    out, _ = tiny_report
    doc = json.loads((out / "width.json").read_text())
    plan = doc["plan"]
    rows = [r for r in doc["cells"] if not r["arm"].startswith("trained")]  # seconds each: skipped
    assert {r["arm"] for r in rows} == {"efficient", "optimal", "constant"}
    for row in rows:
        cell = {"n": row["n"], "N": row["N"], "seed": row["seed"], "arm": row["arm"],
                **{k: plan[k] for k in ("n_shells", "n_test", "n_lines", "max_epochs", "head")}}
        again = json.loads(json.dumps(_runner.to_jsonable(width._cell(cell))))
        assert _runner.without_timing(again) == _runner.without_timing(row)


def test_run_cells_joblib_equals_sequential_and_resumes(tmp_path):
    cells = _digit_cells()
    seq = _runner.run_cells(pairs._pair_cell, cells, jobs=1, progress=False)
    counts: dict[str, int] = {}
    par = _runner.run_cells(pairs._pair_cell, cells, jobs=2, progress=False, cache_dir=tmp_path, counts=counts)
    assert counts == {"total": 4, "cached": 0, "computed": 4}
    assert _runner.without_timing(par) == _runner.without_timing(seq)
    assert [(r["a"], r["b"]) for r in par] == [(c["a"], c["b"]) for c in cells]  # cell order kept
    assert len(list(tmp_path.glob("*.json"))) == 4
    # a second run computes nothing: results come from the cache, identical including timings
    again: dict[str, int] = {}
    cached = _runner.run_cells(pairs._pair_cell, cells, progress=False, cache_dir=tmp_path, counts=again)
    assert again == {"total": 4, "cached": 4, "computed": 0}
    assert cached == par
    # an interrupted run: only the missing cells are computed
    more: dict[str, int] = {}
    _runner.run_cells(pairs._pair_cell, _digit_cells(6), progress=False, cache_dir=tmp_path, counts=more)
    assert more == {"total": 6, "cached": 4, "computed": 2}


def test_cache_is_not_reused_by_other_code(tmp_path, monkeypatch):
    cells = _digit_cells(2)
    _runner.run_cells(pairs._pair_cell, cells, progress=False, cache_dir=tmp_path)
    fp = _runner.code_fingerprint()
    assert re.fullmatch(r"[0-9a-f]{16}", fp)
    monkeypatch.setattr(_runner, "code_fingerprint", lambda: "0" * 16)  # as after an edit
    counts: dict[str, int] = {}
    _runner.run_cells(pairs._pair_cell, cells, progress=False, cache_dir=tmp_path, counts=counts)
    assert counts == {"total": 2, "cached": 0, "computed": 2}


def test_code_fingerprint_follows_the_code(tmp_path, monkeypatch):
    """The fingerprint hashes every .py file of the package (paths and bytes): a copy of the
    package gives the same one (the cached value of this process); an edit, a new module or a rename changes it."""
    import shutil

    src = Path(_runner.__file__).resolve().parent.parent
    copy = tmp_path / "memnets"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__"))
    fingerprint = _runner.code_fingerprint.__wrapped__  # uncached: computed once per process
    original = _runner.code_fingerprint()
    monkeypatch.setattr(_runner, "__file__", str(copy / "experiments" / "_runner.py"))
    seen = [fingerprint()]
    assert seen[0] == original
    (copy / "_version.py").write_text((copy / "_version.py").read_text() + "# an edit\n")
    seen.append(fingerprint())
    (copy / "_new.py").write_text("")
    seen.append(fingerprint())
    (copy / "_new.py").rename(copy / "_renamed.py")
    seen.append(fingerprint())
    (copy / "notes.txt").write_text("not code")  # only .py files count
    seen.append(fingerprint())
    assert len(set(seen[:4])) == 4 and seen[4] == seen[3]


def test_run_cells_bad_jobs():
    with pytest.raises(OptionError, match="jobs must be >= 1"):
        _runner.run_cells(pairs._pair_cell, _digit_cells(1), jobs=0, progress=False)


def _fake_module(name: str, fail: bool) -> types.ModuleType:
    mod = types.ModuleType(name)

    def run(options):
        if fail:
            raise RuntimeError("boom in " + name)
        out, seed, full, jobs = options.out_dir, options.seed, options.full, options.jobs
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.plot([0, 1], [seed, full])
        fig.savefig(out / f"{name}.png")
        plt.close(fig)
        path = _runner.write_json(out / f"{name}.json", {"seed": seed, "jobs": jobs})
        return {"name": name, "json": str(path), "plots": [str(out / f"{name}.png")],
                "markdown": f"numbers of {name}: seed={seed}"}

    mod.run = run  # type: ignore[attr-defined]
    return mod


@pytest.fixture
def fake_registry(monkeypatch):
    registry = {}
    for name, fail in [("fake-ok", False), ("fake-bad", True), ("fake-two", False)]:
        module = f"_memnets_test_{name.replace('-', '_')}"
        monkeypatch.setitem(sys.modules, module, _fake_module(name, fail))
        registry[name] = (module, f"description of {name}")
    monkeypatch.setattr(_registry, "EXPERIMENTS", registry)
    return registry


def test_failed_experiment_is_reported_and_others_run(tmp_path, fake_registry):
    with pytest.raises(ExperimentsFailed) as info:
        reproduce(tmp_path, seed=3, jobs=1, progress=False)
    assert isinstance(info.value, MemnetsError) and info.value.failed == ["fake-bad"]
    report = (tmp_path / "report.md").read_text()
    assert info.value.report == tmp_path / "report.md"
    assert "RuntimeError: boom in fake-bad" in report and "**FAILED**" in report
    assert "numbers of fake-ok: seed=3" in report and "numbers of fake-two: seed=3" in report
    assert "![fake-ok](fake-ok.png)" in report  # plots not linked by the markdown are embedded
    status = json.loads((tmp_path / "reproduce.json").read_text())["experiments"]
    assert {k: v["status"] for k, v in status.items()} == {"fake-ok": "ok", "fake-bad": "failed", "fake-two": "ok"}


def test_unknown_experiment_name(tmp_path):
    with pytest.raises(OptionError, match="unknown experiment 'nope'"):
        reproduce(tmp_path, names=["nope"], progress=False)


@pytest.mark.slow
def test_reproduce_tiny_report_deterministic_and_resumes(tmp_path):
    names = ["pairs", "compare"] if mnist_dir() is not None else ["pairs"]
    first = tmp_path / "first"
    report = reproduce(first, names=names, profile="tiny", jobs=1, seed=1, progress=False)
    text = report.read_text()
    assert report == first / "report.md"
    for name in names:
        assert f"## {name}:" in text
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert "pairs_digits.png" in links
    for link in links:
        assert (first / link).is_file() and (first / link).stat().st_size > 5_000
    assert list((first / "cache").glob("*.json"))
    doc1 = json.loads((first / "pairs.json").read_text())
    assert doc1["timing"]["cells"]["digits"]["computed"] == 45 * 3

    # re-run into the same folder (e.g. after an interruption): every cell comes from the
    # cache, the numbers are the same (fresh runs agree too: see the joblib and Dask tests)
    reproduce(first, names=["pairs"], profile="tiny", jobs=2, seed=1, progress=False)
    doc3 = json.loads((first / "pairs.json").read_text())
    assert doc3["timing"]["cells"]["digits"] == {"total": 135, "cached": 135, "computed": 0}
    assert _runner.without_timing(doc3) == _runner.without_timing(doc1)
