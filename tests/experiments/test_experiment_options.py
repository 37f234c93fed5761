"""Options you can discover: each experiment's own ``run`` options with their defaults, and
``key=value`` strings (the command line's ``--set``) read into values of the annotated types."""

from __future__ import annotations

import inspect

import pytest

import memnets.experiments as experiments
from memnets import OptionError
from memnets.experiments import EXPERIMENTS, experiment_options, parse_experiment_options


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_options_are_the_keyword_arguments_of_run(name):
    run = experiments.module(name).run
    own = {p.name: p.default for p in inspect.signature(run).parameters.values() if p.kind is p.KEYWORD_ONLY}
    assert experiment_options(name) == own and own  # every experiment has options of its own
    assert not set(own) & set(experiments.RunOptions.names())  # the shared ones are RunOptions'


def test_defaults_are_read_off_the_signature():
    width = experiment_options("width")
    assert list(width)[:4] == ["dims", "Ns", "seeds", "arms"] and width["n_shells"] == 4 and width["dims"] is None
    assert experiment_options("pairs")["condense"] == ("cover", "hart", "none")
    assert experiment_options("pairs")["resnet_epochs"] == 20
    assert experiment_options("certify")["delta"] == 0.05


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_every_default_reads_back_from_its_repr(name):
    """``key=repr(default)`` parses to the default (sequences as lists), for every option."""
    for key, default in experiment_options(name).items():
        got = parse_experiment_options(name, [f"{key}={default!r}"])[key]
        expected = list(default) if isinstance(default, tuple) else default
        assert got == expected and type(got) is type(expected), (key, default, got)


def test_values_take_the_annotated_types():
    assert parse_experiment_options("width", ["dims=2,3", "n_shells=5", "ball_cases=[[200, 1], [400, 2]]",
                                              "arms=efficient,optimal", "seeds=none"]) == {
        "dims": [2, 3], "n_shells": 5, "ball_cases": [[200, 1], [400, 2]], "arms": ["efficient", "optimal"],
        "seeds": None}
    g = parse_experiment_options("guarantee", ["eps=1", "factors=0.5,1,2", "separation=0.25"])
    assert g == {"eps": 1.0, "factors": [0.5, 1.0, 2.0], "separation": 0.25}
    assert type(g["eps"]) is float and all(type(f) is float for f in g["factors"])  # ints read where floats go
    p = parse_experiment_options("pairs", ["data=digits", "resnet=FALSE", "pairs=[(1, 7), (2, 3)]", "n_train=50"])
    assert p == {"data": "digits", "resnet": False, "pairs": [(1, 7), (2, 3)], "n_train": 50}
    assert parse_experiment_options("pairs", ["data=mnist,digits"]) == {"data": ["mnist", "digits"]}
    assert parse_experiment_options("compare", ["pairs=ours", "pairs=paper"]) == {"pairs": "paper"}  # later wins
    assert parse_experiment_options("scaling", ["sizes=(100, 300)"]) == {"sizes": (100, 300)}
    assert parse_experiment_options("certify", []) == {}


@pytest.mark.parametrize(
    ("name", "item", "message"),
    [
        ("width", "bogus=1", "experiment 'width' has no option 'bogus'; its options are 'dims', 'Ns', 'seeds', "),
        ("width", "dims=abc", "experiment 'width': option 'dims' must be a list or tuple of int or None, got 'abc'"),
        ("width", "n_shells=2.5", "experiment 'width': option 'n_shells' must be an int, got '2.5'"),
        ("pairs", "resnet=maybe", "experiment 'pairs': option 'resnet' must be a bool or None, got 'maybe'"),
        ("guarantee", "eps=true", "experiment 'guarantee': option 'eps' must be a float, got 'true'"),
        ("certify", "pairs=[(1, 2, 3)]", "option 'pairs' must be a list or tuple of (int, int) or None, got '[(1, 2, 3)]'"),
        ("scaling", "sizes=abc", "option 'sizes' must be a list or tuple of int or None, got 'abc'"),
        ("width", "ball_cases=[[1, 2.5]]",
         "option 'ball_cases' must be a list or tuple of (list or tuple of int) or None, got '[[1, 2.5]]'"),
        ("width", "dims", "experiment 'width': expected key=value with a Python name as key, got 'dims'"),
        ("width", "=3", "expected key=value with a Python name as key, got '=3'"),
        ("nope", "dims=2", "unknown experiment 'nope'; valid experiments are "),
    ],
)
def test_a_bad_key_or_value_names_it(name, item, message):
    with pytest.raises(OptionError) as info:
        parse_experiment_options(name, [item])
    assert message in str(info.value)


def test_run_options_are_not_set_here():
    with pytest.raises(OptionError, match="has no option 'seed'"):
        parse_experiment_options("width", ["seed=3"])


def test_parsed_options_reach_the_experiment(tmp_path):
    """A parsed option is what ``run`` gets: width's own check of ball_cases rejects n = 50
    (the fibre condition needs n >= 191) before any work is done."""
    options = parse_experiment_options("width", ["ball_cases=[[50, 1]]"])
    with pytest.raises(OptionError, match="191"):
        experiments.run("width", tmp_path, progress=False, **options)
    assert not list(tmp_path.iterdir())


def test_width_arm_tables():
    """The arm tables read as written out: (method, label), trained arms named trained_*."""
    from memnets.experiments import width

    assert width.ARMS == {
        "efficient": ("efficient", "efficient (rank W_1 = n)"),
        "optimal": ("optimal", "optimal (projects to 1-D)"),
        "constant": ("constant", "constant (staircases, then width-1 code)"),
        "trained_narrow": ("trained", "trained MLP, first width n-1"),
        "trained_wide": ("trained", "trained MLP, first width 4n"),
    }
    assert list(width.BALL_ARMS) == ["optimal", "interval", "vardi2022", "park2021", "trained_w", "efficient",
                                     "pairwise", "trained_wide"]
    assert width.BALL_ARMS["park2021"] == ("park2021", "park2021 (projects to 1-D)")
    assert width.BALL_ARMS["trained_w"] == ("trained", "trained MLP, first width w")
    assert width.BALL_ARMS["pairwise"] == ("pairwise", "pairwise (Theorem 7.3's network)")
