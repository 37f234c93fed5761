"""``memnets experiment`` and ``memnets reproduce``: what the CLI hands the experiments."""

from __future__ import annotations

from pathlib import Path

from memnets.experiments import RunOptions


def test_experiment_builds_the_options(cli, tmp_path, fake_experiments):
    out = cli("experiment", "rec", "--out", tmp_path, "--seed", "6", "--jobs", "2", "--data-dir", tmp_path / "d")
    assert out.exit_code == 0, out.output
    assert fake_experiments == [(RunOptions(tmp_path, seed=6, jobs=2, data_dir=tmp_path / "d"),
                                 {"knob": 0, "label": "a", "flag": False})]
    bad = cli("experiment", "rec", "--out", tmp_path, "--jobs", "0")
    assert bad.exit_code == 2 and "jobs must be >= 1 (or -1 for every core), got 0" in bad.output
    unknown = cli("experiment", "nope", "--out", tmp_path)
    assert unknown.exit_code == 2 and "unknown experiment 'nope'" in unknown.output
    assert len(fake_experiments) == 1


def test_option_an_experiment_lacks_is_a_clean_error(cli, tmp_path):
    out = cli("experiment", "width", "--out", tmp_path, "--data", "digits")
    assert out.exit_code == 2
    assert "width: unknown option(s) ['data']; valid options are ['dims', 'Ns'," in out.output
    assert not any(Path(tmp_path).iterdir())


def test_reproduce_exits_nonzero_after_writing_report(cli, tmp_path, fake_experiments):
    out = cli("reproduce", "--out", tmp_path, "--jobs", "1", "--seed", "3")
    assert out.exit_code == 2
    assert "boom" in out.output
    report = (tmp_path / "report.md").read_text()
    assert "RuntimeError: boom in boom" in report and "knob=0 seed=3" in report


def test_reproduce_succeeds_without_failures(cli, tmp_path, fake_experiments, monkeypatch):
    import memnets.experiments as experiments

    monkeypatch.delitem(experiments.EXPERIMENTS, "boom")
    out = cli("reproduce", "--out", tmp_path, "--jobs", "1", "--seed", "4")
    assert out.exit_code == 0, out.output
    assert "knob=0 seed=4" in (tmp_path / "report.md").read_text()
