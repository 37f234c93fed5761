"""Progress bars (:mod:`memnets._core.progress`): off by default, switched on per call, shown
after ``DELAY`` seconds with the right counts, always stopped (written to kill the survivors
of ``benchmarks/mutate.py progress``; see benchmarks/README.md). A fake clock and a recording
stand-in for ``rich.progress.Progress`` make every count exact."""

from __future__ import annotations

import itertools
from typing import ClassVar

import pytest
import rich.progress

from memnets._core import progress
from memnets._core.progress import DELAY, enabled, progress_enabled, track


class _Recorder:
    made: ClassVar[list[_Recorder]] = []

    def __init__(self, *columns, console):
        self.columns, self.console, self.calls = columns, console, []
        _Recorder.made.append(self)

    def start(self):
        self.calls.append(("start",))

    def add_task(self, description, total, completed):
        self.calls.append(("add_task", description, total, completed))
        return 7

    def update(self, task, completed):
        self.calls.append(("update", task, completed))

    def stop(self):
        self.calls.append(("stop",))


@pytest.fixture
def bars(monkeypatch):
    """A clock reading 0, 1, 2, ... seconds, one step per call, and recorded bars."""
    ticks = itertools.count()
    monkeypatch.setattr(progress.time, "perf_counter", lambda: float(next(ticks)))
    monkeypatch.setattr(rich.progress, "Progress", _Recorder)
    _Recorder.made = []
    return _Recorder.made


def test_off_by_default_and_track_returns_the_iterable_itself():
    assert enabled() is False
    items = [1, 2, 3]
    assert track(items, "x") is items


def test_progress_enabled_switches_on_inside_the_block_only_even_after_an_error():
    with progress_enabled():
        assert enabled() is True
        with progress_enabled(False):
            assert enabled() is False
        assert enabled() is True
    assert enabled() is False
    with pytest.raises(RuntimeError), progress_enabled(True):
        raise RuntimeError
    assert enabled() is False
    with progress_enabled(1):  # type: ignore[arg-type]
        assert enabled() is True  # a bool, not the int passed
    with progress_enabled(0):  # type: ignore[arg-type]
        assert enabled() is False


def test_a_bar_appears_once_the_loop_has_run_delay_seconds(bars):
    assert DELAY == 2.0
    with progress_enabled():
        out = list(track(range(5), "counting"))
    assert out == [0, 1, 2, 3, 4]
    (bar,) = bars
    # clock: 0 at the start, 1 after the first item (below DELAY), 2 after the second (shown)
    assert bar.calls == [("start",), ("add_task", "counting", 5, 2), ("update", 7, 3), ("update", 7, 4),
                         ("update", 7, 5), ("stop",)]
    assert bar.columns[0] == "[progress.description]{task.description}"
    assert [type(c) for c in bar.columns[1:]] == [rich.progress.BarColumn, rich.progress.MofNCompleteColumn,
                                                 rich.progress.TimeElapsedColumn,
                                                 rich.progress.TimeRemainingColumn]
    assert bar.console.stderr is True


def test_a_loop_shorter_than_delay_shows_no_bar(bars):
    with progress_enabled():
        assert list(track(["a"], "one")) == ["a"]  # the clock reads 1 < DELAY after the only item
    assert bars == []


def test_total_is_the_length_unless_given_and_none_for_a_generator(bars):
    with progress_enabled():
        list(track(range(4), "given", total=10))
        list(track((i for i in range(4)), "generator"))
    assert bars[0].calls[1] == ("add_task", "given", 10, 2)
    assert bars[1].calls[1] == ("add_task", "generator", None, 2)


def test_a_bar_is_stopped_when_the_loop_is_left_early(bars):
    with progress_enabled():
        gen = iter(track(range(100), "early"))
        assert [next(gen) for _ in range(4)] == [0, 1, 2, 3]
        gen.close()  # type: ignore[attr-defined]
    assert bars[0].calls == [("start",), ("add_task", "early", 100, 2), ("update", 7, 3), ("stop",)]
