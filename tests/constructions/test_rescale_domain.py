"""construct(..., rescale=True), one input domain for predict, results that compare with ==,
method_options that describe every option, and progress bars."""

from __future__ import annotations

import dataclasses
import inspect
import typing

import numpy as np
import pytest

import memnets as mn
from memnets import InputScaling, OptionError
from memnets._core.option_groups import group_fields

FAST = {"trained": {"max_epochs": 3000}}


def _raw(seed: int, n: int = 60):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = np.column_stack([rng.uniform(-5, 5, n) + 4 * y, rng.uniform(100, 900, n), np.full(n, 7.0)])
    return X, y


def test_scaling_by_hand():
    s = InputScaling.fit([[0.0, 10.0, 3.0], [4.0, 30.0, 3.0]])
    assert s.low.tolist() == [0.0, 10.0, 3.0] and s.span.tolist() == [4.0, 20.0, 1.0]  # constant: span 1
    assert s.transform([[1.0, 20.0, 3.0], [-2.0, 50.0, 9.0]]).tolist() == [[0.25, 0.5, 0.0], [0.0, 1.0, 1.0]]
    g = InputScaling.fit([[0.0, 10.0], [4.0, 30.0]], "global")
    assert g.low.tolist() == [0.0, 0.0] and g.span.tolist() == [30.0, 30.0]
    assert InputScaling.from_dict(s.to_dict()) == s and s != g
    with pytest.raises(mn.OptionError, match="'feature', 'global', 'clip'"):
        InputScaling.fit([[0.0]], "minmax")


def test_compose_is_the_clipped_scaling_in_front_of_the_network():
    net = mn.ReLUNetwork([([[1.0, -2.0], [0.5, 1.0]], [0.0, -0.25]), ([[1.0, -1.0]], [0.125])])
    s = InputScaling(np.array([2.0, -1.0]), np.array([4.0, 8.0]))
    full = s.compose(net)
    assert full.layer_sizes == (2, 4, 2, 1)
    pts = np.array([[2.0, -1.0], [6.0, 7.0], [4.0, 3.0], [-10.0, 40.0], [3.0, 0.0]])  # corners, inside, outside
    assert full.forward_exact(pts).tolist() == net.forward_exact(s.transform(pts)).tolist()
    sparse = mn.ReLUNetwork([(mn.SparseWeight((2, 2), [0, 1, 3], [1, 0, 1], [-2.0, 0.5, 1.0]), [0.0, -0.25]),
                             ([[1.0, -1.0]], [0.125])])
    assert s.compose(sparse).forward_exact(pts).tolist() == sparse.forward_exact(s.transform(pts)).tolist()


@pytest.mark.parametrize("method", ["efficient", "pairwise", "optimal", "interval", "constant"])
def test_rescale_is_construct_on_the_scaled_data(method, tmp_path):
    X, y = _raw(1)
    res = mn.construct(X, y, method=method, rescale=True, rng=0)
    s = InputScaling.fit(X)
    assert res.scaling == s
    plain = mn.construct(s.transform(X), y, method=method, rng=0)
    assert dataclasses.replace(plain, scaling=s) == res
    assert plain != res  # the same network, without the scaling: predictions on raw X differ
    T, _ = _raw(2, 200)
    T[:5] *= 3.0
    assert (res.predict(T) == plain.predict(s.transform(T))).all()
    assert res.score(X, y) == 1.0
    back = mn.load(mn.save(res, tmp_path / "r.memnet"))
    assert back == res and back.scaling == s
    assert (back.predict(T) == res.predict(T)).all()
    assert (tmp_path / "r.memnet").read_bytes()[8] == 2  # format version 2: has a scaling
    assert mn.save(plain, tmp_path / "p.memnet").read_bytes()[8] == 1  # readable by older memnets


@pytest.mark.parametrize("method", list(mn.METHODS))
def test_predict_refuses_points_outside_the_cube_for_every_method(method):
    X, y = mn.datasets.load("moons", n=40, rng=3)
    res = mn.construct(X, y, method=method, rng=0, **FAST.get(method, {}))
    out = X[:3].copy()
    out[1, 0] = -0.5
    for call in ("predict", "score", "decision_function"):
        args = (out, y[:3]) if call == "score" else (out,)
        with pytest.raises(mn.InputError) as info:
            getattr(res, call)(*args)
        msg = str(info.value)
        assert msg.startswith(f"{call}: X must lie in [0, 1]^n; sample 1, feature 0 is -0.5")
        assert "rescale=True" in msg and "forward_m1" not in msg
    with pytest.raises(mn.InputError, match=r"^certify: X must lie in \[0, 1\]\^n"):
        res.certify(0.1, X_test=out, y_test=y[:3])


def test_construct_out_of_range_error_says_how_to_get_data_in():
    X, y = _raw(4)
    with pytest.raises(mn.InputError, match=r"must lie in \[0, 1\]\^n.*construct\(\.\.\., rescale=True\)"):
        mn.construct(X, y)
    with pytest.raises(mn.OptionError, match="rescale must be True, False, 'feature' or 'global'"):
        mn.construct(X, y, rescale="yes")


def test_equality_of_results(tmp_path):
    X, y = mn.datasets.load("moons", n=80, rng=0)
    a = mn.construct(X, y, method="optimal", rng=5)
    assert a == mn.construct(X, y, method="optimal", rng=5)  # timings differ, nothing else
    assert a != mn.construct(X, y, method="optimal", rng=6)  # another random direction
    assert a != mn.construct(X, y, method="interval", rng=5)
    assert mn.load(mn.save(a, tmp_path / "a.memnet")) == a
    b = mn.construct(X, y, rng=0)
    assert b != dataclasses.replace(b, min_margin=float(b.min_margin) + 1)
    assert b != dataclasses.replace(b, stats={**b.stats, "n_reps": -1})
    assert b == dataclasses.replace(b, stats={**b.stats, "seconds": 1e9, "verify_seconds": 0.0})


def test_method_options_describe_every_option():
    for method in mn.METHODS:
        module_build = __import__(mn.METHODS[method][0], fromlist=["build"]).build
        sig = inspect.signature(module_build)
        defaults = {n: p.default for n, p in sig.parameters.items()
                    if p.kind is p.KEYWORD_ONLY and n not in ("rng", "seed")}
        for n, p in sig.parameters.items():  # an option group: **name: Unpack[Group]
            if p.kind is p.VAR_KEYWORD:
                (group,) = typing.get_args(typing.get_type_hints(module_build)[n])
                defaults |= {f: d for f, (_, d) in group_fields(group).items()}
        options = mn.method_options(method)
        assert sorted(options) == sorted(defaults)
        for name, opt in options.items():
            assert opt.name == name and opt.default == defaults[name]
            assert opt.meaning and len(opt.meaning) <= 170 and "``" not in opt.meaning, (method, name, opt.meaning)
            assert opt.allowed
    condense = mn.method_options("efficient")["condense"]
    assert condense.choices == ("cover", "mss", "hart", "fcnn", "mcs", "none")
    assert condense.meaning == "Which training samples become representatives"
    assert mn.method_options("optimal")["max_width"].allowed == "one of 6, 8, 12"
    assert mn.method_options("efficient")["alpha"].allowed == "a float or None"
    with pytest.warns(DeprecationWarning, match=r"\.default"):
        assert mn.method_options("efficient")["condense"] == "cover"  # the old dict-of-defaults reading
    X, y = mn.datasets.load("moons", n=30, rng=0)
    with pytest.warns(DeprecationWarning, match="MethodOption"):
        old_style = mn.construct(X, y, rng=0, **mn.method_options("efficient"))
    assert old_style == mn.construct(X, y, rng=0)


def test_projection_options_are_one_group_listed_where_each_docstring_puts_it():
    group = ["direction_bits", "max_tries"]
    assert list(mn.method_options("interval")) == [*group, "verify"]
    assert list(mn.method_options("optimal")) == [*group, "bits_per_layer", "max_width"]
    assert list(mn.method_options("vardi2022")) == [*group, "group_size"]
    assert list(mn.method_options("park2021")) == group
    assert list(mn.method_options("thm53")) == ["density", "mass", *group, "bits_per_layer"]
    for method in ("interval", "optimal", "vardi2022", "park2021", "thm53"):
        opts = mn.method_options(method)
        assert (opts["direction_bits"].default, opts["max_tries"].default) == (None, 8)
        assert opts["direction_bits"].allowed == "an int or None" and opts["max_tries"].allowed == "an int"
        assert opts["max_tries"].meaning == "Directions drawn before giving up"
        with pytest.raises(OptionError, match=rf"^method {method!r}: option 'direction_bits' must be an int or None, got 'x'$"):
            mn.construct([[0.0], [1.0]], [0, 1], method=method, direction_bits="x")
        with pytest.raises(OptionError, match=rf"^method {method!r}: option 'max_tries' must be an int, got 2.0$"):
            mn.construct([[0.0], [1.0]], [0, 1], method=method, max_tries=2.0)


def test_docstrings_list_every_method():
    doc = " ".join(mn.construct.__doc__.split())
    for name, (_, text) in mn.METHODS.items():
        assert f"``{name}``: {' '.join(text.split())}" in doc


def test_progress_bar_only_when_asked(monkeypatch, capsys):
    from memnets._core import progress

    monkeypatch.setattr(progress, "DELAY", 0.0)
    X, y = mn.datasets.load("digits", classes=(3, 5), rng=0)
    quiet = mn.construct(X, y, rng=0)
    assert capsys.readouterr().err == ""
    loud = mn.construct(X, y, rng=0, progress=True)
    err = capsys.readouterr().err
    assert "separation: nearest other-label samples" in err and "cover: neighbourhoods" in err
    assert loud == quiet
    mn.construct(X[:60], y[:60], method="optimal", rng=0, progress=True)
    assert "exact evaluation (layers x chunks)" in capsys.readouterr().err
    assert not progress.enabled()  # the switch is reset after the call


def test_progress_waits_for_slow_loops(monkeypatch, capsys):
    from memnets._core import progress

    with progress.progress_enabled(True):
        assert list(progress.track(range(5), "fast")) == list(range(5))
    assert capsys.readouterr().err == ""  # under DELAY seconds: no bar
