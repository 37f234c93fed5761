"""RunOptions: the run options every experiment shares, validated once with exact messages,
and handed unchanged from ``experiments.run`` / ``reproduce`` / the CLI to the experiment."""

from __future__ import annotations

import dataclasses
import sys
import types

import numpy as np
import pytest

import memnets.experiments as experiments
from memnets import OptionError
from memnets.experiments import RunOptions, _registry, guarantee
from memnets.experiments.reproduce import reproduce

UNKNOWN_EXPERIMENT = (
    "unknown experiment 'nope'; valid experiments are 'scaling', 'constant', 'width', "
    "'density', 'sample-complexity', 'exponential', 'guarantee', 'pairs', 'compare', 'certify', 'robustness'"
)


def _message(fn, *args, **kwargs) -> str:
    with pytest.raises(OptionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("jobs", 0, "jobs must be >= 1 (or -1 for every core), got 0"),
        ("jobs", -2, "jobs must be >= 1 (or -1 for every core), got -2"),
        ("jobs", "2", "jobs must be an integer, got '2' (str)"),
        ("jobs", 1.0, "jobs must be an integer, got 1.0 (float)"),
        ("jobs", True, "jobs must be an integer, got True (bool)"),
        ("seed", 1.5, "seed must be an integer, got 1.5 (float)"),
        ("seed", "3", "seed must be an integer, got '3' (str)"),
        ("seed", None, "seed must be an integer, got None (NoneType)"),
        ("seed", -1, "seed must be >= 0, got -1"),
        ("full", "yes", "full must be True or False, got 'yes' (str)"),
        ("progress", 1, "progress must be True or False, got 1 (int)"),
        ("profile", "huge", "profile must be one of 'quick', 'full', 'tiny', 'paper', got 'huge'"),
        ("dask_scheduler", 8786,
         "dask_scheduler must be an address such as 'tcp://127.0.0.1:8786' or None, got 8786 (int)"),
        ("cache_dir", 3, "cache_dir must be a path or None, got 3 (int)"),
        ("data_dir", ["a"], "data_dir must be a path or None, got ['a'] (list)"),
    ],
)
def test_bad_values_name_the_option(tmp_path, field, value, message):
    assert _message(RunOptions, tmp_path, **{field: value}) == message
    # every entry point validates through RunOptions, before any work is done
    assert _message(experiments.run, "guarantee", tmp_path, **{field: value}) == message
    assert _message(guarantee.run, tmp_path, **{field: value}) == message
    assert _message(reproduce, tmp_path / "report", names=["guarantee"], **{field: value}) == message
    assert not (tmp_path / "report").exists() and not list(tmp_path.iterdir())


def test_bad_out_dir():
    assert _message(RunOptions, None) == "out_dir must be a path, got None (NoneType)"


def test_unknown_experiment(tmp_path):
    assert _message(experiments.run, "nope", tmp_path) == UNKNOWN_EXPERIMENT
    assert _message(reproduce, tmp_path, names=["guarantee", "nope"], progress=False) == UNKNOWN_EXPERIMENT
    assert not list(tmp_path.iterdir())  # nothing ran


def test_unknown_option_lists_the_valid_ones(tmp_path):
    common = "'profile', 'jobs', 'seed', 'dask_scheduler', 'progress', 'cache_dir', 'data_dir'"
    assert _message(experiments.run, "guarantee", tmp_path, bogus=1, eps=0.2) == (
        "guarantee: unknown option(s) ['bogus']; valid options are ['n_features', 'n_balls', "
        f"'separation', 'eps', 'delta', 'factors', 'seeds', 'n_test', {common}]"
    )
    assert _message(guarantee.run, tmp_path, bogus=1) == _message(
        experiments.run, "guarantee", tmp_path, bogus=1)
    assert _message(reproduce, tmp_path, bogus=1) == (
        f"reproduce: unknown option(s) ['bogus']; valid options are [{common}]"
    )


def test_values_are_normalised(tmp_path):
    opts = RunOptions(str(tmp_path), seed=np.int64(7), jobs=-1, dask_scheduler="", cache_dir=str(tmp_path / "c"))
    assert opts.out_dir == tmp_path and opts.cache_dir == tmp_path / "c" and opts.data_dir is None
    assert opts.seed == 7 and type(opts.seed) is int and opts.jobs == -1 and opts.dask_scheduler is None
    assert RunOptions.names() == ("out_dir", "profile", "jobs", "seed", "dask_scheduler", "progress",
                                  "cache_dir", "data_dir", "full")
    assert RunOptions.names(deprecated=False) == RunOptions.names()[:-1]
    assert opts.profile == "quick" and RunOptions(tmp_path, profile=None) == opts.__class__(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.seed = 1  # type: ignore[misc]


def test_coerce_keeps_or_replaces(tmp_path):
    opts = RunOptions(tmp_path, seed=2)
    assert RunOptions.coerce(opts, {}, experiment="width") is opts
    again = RunOptions.coerce(opts, {"jobs": 2}, experiment="width")
    assert again == RunOptions(tmp_path, seed=2, jobs=2) and opts.jobs == 1
    assert RunOptions.coerce(tmp_path / "x", {"profile": "full"}, experiment="width") == RunOptions(
        tmp_path / "x", profile="full")


def test_full_is_the_full_profile_with_a_deprecation_warning(tmp_path):
    with pytest.warns(DeprecationWarning, match="profile='full'"):
        old = RunOptions(tmp_path, full=True)
    assert old == RunOptions(tmp_path, profile="full") and old.profile == "full" and old.full is True
    with pytest.warns(DeprecationWarning):  # the test suite's size wins, as before
        assert RunOptions(tmp_path, full=True, profile="tiny").profile == "tiny"
    with pytest.warns(DeprecationWarning):
        assert RunOptions.coerce(tmp_path, {"full": True}, experiment="width").profile == "full"
    # the old default, and a copy of a full run, change nothing and do not warn
    assert RunOptions(tmp_path, full=False).profile == "quick" and not RunOptions(tmp_path).full
    assert dataclasses.replace(RunOptions(tmp_path, profile="full"), seed=3).profile == "full"


def test_plan_picks_the_size_and_copies(tmp_path):
    quick, full, tiny = {"Ns": [1, 2], "seeds": 2}, {"Ns": [3], "seeds": 5}, {"Ns": [9], "seeds": 1}
    assert RunOptions(tmp_path).plan(quick, full, tiny) == quick
    assert RunOptions(tmp_path, profile="full").plan(quick, full, tiny) == full
    assert RunOptions(tmp_path, profile="paper").plan(quick, full, tiny) == quick  # no paper size: quick
    assert RunOptions(tmp_path, profile="tiny").plan(quick, full) == quick  # no tiny size: quick
    plan = RunOptions(tmp_path).plan(quick, full, tiny, seeds=None, Ns=[4])
    assert plan == {"Ns": [4], "seeds": 2}
    plan = RunOptions(tmp_path).plan(quick, full, tiny)
    plan["Ns"].append(5)
    assert quick["Ns"] == [1, 2]
    assert RunOptions(tmp_path, seed=3).seed_for(7) == 3007


@pytest.fixture
def recorder(monkeypatch):
    """A registered experiment that records what its ``run`` was given."""
    calls: list[tuple[RunOptions, dict]] = []
    mod = types.ModuleType("_memnets_test_recorder")

    def run(options, *, knob=0):
        calls.append((options, {"knob": knob}))
        return {"name": "rec", "json": "", "plots": [], "markdown": f"knob={knob} seed={options.seed}"}

    mod.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, mod.__name__, mod)
    monkeypatch.setattr(_registry, "EXPERIMENTS", {"rec": (mod.__name__, "records its options")})
    return calls


def test_run_builds_the_options_once_and_passes_the_rest(tmp_path, recorder):
    experiments.run("rec", tmp_path, seed=4, jobs=2, knob=3)
    assert recorder == [(RunOptions(tmp_path, seed=4, jobs=2), {"knob": 3})]
    opts = RunOptions(tmp_path, profile="full")
    experiments.run("rec", opts)
    assert recorder[-1][0] is opts


def test_reproduce_hands_every_experiment_its_options(tmp_path, recorder):
    reproduce(tmp_path, seed=5, progress=False, profile="tiny")
    (options, _), = recorder
    assert options == RunOptions(tmp_path, seed=5, jobs=2, progress=False, profile="tiny", cache_dir=tmp_path / "cache")
    assert "knob=0 seed=5" in (tmp_path / "report.md").read_text()
