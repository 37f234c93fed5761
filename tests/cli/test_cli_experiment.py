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
    bad = cli("experiment", "width", "--out", tmp_path, "--set", "colour=red")
    text = " ".join(bad.output.split())
    assert bad.exit_code == 2 and "experiment 'width' has no option 'colour'; its options are 'dims', 'Ns'," in text
    bad = cli("experiment", "width", "--out", tmp_path, "--set", "n_shells=many")
    assert bad.exit_code == 2 and "option 'n_shells' must be" in bad.output
    assert not any(Path(tmp_path).iterdir())
    assert not any(Path(tmp_path).iterdir())


def test_reproduce_exits_nonzero_after_writing_report(cli, tmp_path, fake_experiments):
    out = cli("reproduce", "--out", tmp_path, "--jobs", "1", "--seed", "3")
    assert out.exit_code == 2
    assert "boom" in out.output
    report = (tmp_path / "report.md").read_text()
    assert "RuntimeError: boom in boom" in report and "knob=0 seed=3" in report


def test_reproduce_succeeds_without_failures(cli, tmp_path, fake_experiments, monkeypatch):
    from memnets.experiments import _registry

    monkeypatch.delitem(_registry.EXPERIMENTS, "boom")
    out = cli("reproduce", "--out", tmp_path, "--jobs", "1", "--seed", "4")
    assert out.exit_code == 0, out.output
    assert "knob=0 seed=4" in (tmp_path / "report.md").read_text()


def test_experiment_set_passes_any_option_of_run(cli, tmp_path, fake_experiments):
    out = cli("experiment", "rec", "--out", tmp_path, "--set", "knob=3", "--set", "label=b", "--set", "flag=true")
    assert out.exit_code == 0, out.output
    assert fake_experiments[-1][1] == {"knob": 3, "label": "b", "flag": True}
    out = cli("experiment", "rec", "--out", tmp_path, "--set", "knob=[[3, 5], [4, 9]]", "--set", "label=none")
    assert out.exit_code == 0, out.output
    assert fake_experiments[-1][1] == {"knob": [[3, 5], [4, 9]], "label": None, "flag": False}
    bad = cli("experiment", "rec", "--out", tmp_path, "--set", "colour=red")
    text = " ".join(bad.output.split())
    assert bad.exit_code == 2 and "experiment 'rec' has no option 'colour'; its options are 'knob', 'label', 'flag'" in text
    bad = cli("experiment", "rec", "--out", tmp_path, "--set", "knob")
    assert bad.exit_code == 2 and "expected key=value with a Python name as key, got 'knob'" in bad.output
    assert len(fake_experiments) == 2


def test_experiment_resnet_and_device_reach_run(cli, tmp_path, monkeypatch):
    import sys
    import types

    from memnets.experiments import _registry

    seen = []
    mod = types.ModuleType("_memnets_cli_test_pairs")

    def run(options, *, resnet=None, resnet_device="auto"):
        seen.append((resnet, resnet_device))
        return {"name": "pairs", "json": "", "plots": [], "markdown": ""}

    mod.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setattr(_registry, "EXPERIMENTS", {"pairs": (mod.__name__, "fake pairs")})
    assert cli("experiment", "pairs", "--out", tmp_path, "--no-resnet").exit_code == 0
    assert cli("experiment", "pairs", "--out", tmp_path, "--resnet", "--device", "cpu").exit_code == 0
    assert cli("experiment", "pairs", "--out", tmp_path).exit_code == 0
    assert seen == [(False, "auto"), (True, "cpu"), (None, "auto")]
    clash = cli("experiment", "pairs", "--out", tmp_path, "--resnet", "--set", "resnet=false")
    assert clash.exit_code == 2 and "disagree" in clash.output


def test_reproduce_paper_profile_without_gpu_leaves_resnet_out(cli, tmp_path, monkeypatch):
    import memnets.cli.experiment as cli_experiment
    import memnets.experiments.reproduce as rep

    calls = []

    def fake_reproduce(options, *, experiment_options=None):
        calls.append((options.profile, experiment_options))
        return options.out_dir / "report.md"

    monkeypatch.setattr(rep, "reproduce", fake_reproduce)
    monkeypatch.setattr(cli_experiment, "gpu_available", lambda: False)
    out = cli("reproduce", "--out", tmp_path, "--profile", "paper")
    assert out.exit_code == 0, out.output
    note = " ".join(out.stderr.split())
    assert "ResNet-18 column (Table 3) is left out" in note and "330-360 s per epoch" in note and "70-115 hours" in note
    assert calls[-1] == ("paper", {"pairs": {"resnet": False}})
    out = cli("reproduce", "--out", tmp_path, "--full")  # the full profile trains it too
    assert "left out" in out.stderr and calls[-1] == ("full", {"pairs": {"resnet": False}})
    out = cli("reproduce", "--out", tmp_path, "--profile", "paper", "--resnet")
    assert out.exit_code == 0 and "left out" not in out.stderr and calls[-1] == ("paper", {"pairs": {"resnet": True}})
    out = cli("reproduce", "--out", tmp_path)  # the quick profile has no ResNet column to leave out
    assert "left out" not in out.stderr and calls[-1] == ("quick", None)
    monkeypatch.setattr(cli_experiment, "gpu_available", lambda: True)
    out = cli("reproduce", "--out", tmp_path, "--profile", "paper")
    assert "left out" not in out.stderr and calls[-1] == ("paper", None)


def test_reproduce_hands_an_experiment_its_own_options(tmp_path, fake_experiments):
    from memnets.experiments import _registry
    from memnets.experiments.reproduce import reproduce

    del _registry.EXPERIMENTS["boom"]
    reproduce(tmp_path, experiment_options={"rec": {"knob": 5}}, progress=False)
    assert fake_experiments[-1][1]["knob"] == 5


def test_experiment_pairs_paper_profile_without_gpu_leaves_resnet_out(cli, tmp_path, monkeypatch):
    import sys
    import types

    import memnets.cli.experiment as cli_experiment
    from memnets.experiments import _registry

    seen = []
    mod = types.ModuleType("_memnets_cli_test_pairs2")

    def run(options, *, resnet=None):
        seen.append((options.profile, resnet))
        return {"name": "pairs", "json": "", "plots": [], "markdown": ""}

    mod.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setattr(_registry, "EXPERIMENTS", {"pairs": (mod.__name__, "fake pairs")})
    monkeypatch.setattr(cli_experiment, "gpu_available", lambda: False)
    out = cli("experiment", "pairs", "--out", tmp_path, "--profile", "paper")
    assert out.exit_code == 0 and "70-115 hours" in " ".join(out.stderr.split())
    assert cli("experiment", "pairs", "--out", tmp_path, "--profile", "paper", "--resnet").exit_code == 0
    assert seen == [("paper", False), ("paper", True)]


def test_experiment_and_reproduce_declare_their_shared_options_alike():
    import typer.main

    from memnets.cli import app

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    options = {name: {p.name: p for p in commands[name].params} for name in ("experiment", "reproduce")}
    shared = ["out", "full", "profile", "jobs", "seed", "dask_scheduler", "data_dir", "resnet", "device"]
    assert set(shared) <= set(options["experiment"]) & set(options["reproduce"])
    for name in shared:
        a, b = options["experiment"][name], options["reproduce"][name]
        assert (a.opts, a.secondary_opts) == (b.opts, b.secondary_opts), name
        if name != "out":  # the folder's role differs: an experiment's outputs, the whole report
            assert a.help == b.help, name
    assert options["reproduce"]["data_dir"].help.startswith("CIFAR-10 folder")
