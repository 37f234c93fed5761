"""``_core.files.atomic_open``: the one way memnets replaces a file it writes. ``save``, the
image-folder cache, the experiments' JSON and CSV and the reproduction report each had their
own temporary-file dance: the CSV was written in place (a failure left half a file), the JSON
and the report left their ``.tmp`` behind on a failure, and two processes writing the same
JSON shared one fixed temporary name."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import memnets as mn
from _hand_networks import random_network
from memnets._core.files import atomic_open
from memnets.datasets import _imagefolder
from memnets.experiments._runner import write_csv, write_json, write_text

WRITERS: dict[str, Any] = {
    "save": lambda p: mn.save(random_network(0), p),
    "write_json": lambda p: write_json(p, {"a": [1, 2]}),
    "write_csv": lambda p: write_csv(p, ["a", "b"], [[1, 2], [3, 4]]),
    "write_text": lambda p: write_text(p, "# report\n"),
    "image cache": lambda p: _imagefolder._write_cache(
        p, "k", _imagefolder.ImageSet(np.zeros((2, 3), np.uint8), np.array([0, 1]), ("a", "b"), (3, 1, 1))
    ),
}


@pytest.mark.parametrize("name", WRITERS)
def test_every_writer_replaces_a_file_whole_or_not_at_all(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")

    def refuse(src: Any, dst: Any) -> None:
        raise OSError("disk full (simulated at the rename)")

    with monkeypatch.context() as m:
        m.setattr(os, "replace", refuse)
        if name == "image cache":
            WRITERS[name](target)  # a cache that cannot be written is skipped
        else:
            with pytest.raises(OSError, match="simulated"):
                WRITERS[name](target)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]  # no temporary left behind
    WRITERS[name](target)  # and without the failure the file is replaced
    assert target.read_bytes() != b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_a_failure_while_writing_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_open(target) as fh:
        fh.write("half")
        raise KeyboardInterrupt
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_text_binary_newline_parents_and_permissions(tmp_path: Path) -> None:
    with atomic_open(tmp_path / "x" / "y" / "t.csv", newline="") as fh:
        fh.write("a\r\nb\n")
    assert (tmp_path / "x" / "y" / "t.csv").read_bytes() == b"a\r\nb\n"
    with atomic_open(tmp_path / "b.bin", "wb") as fh:
        fh.write(b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    plain = tmp_path / "plain"
    plain.write_text("")
    assert stat.S_IMODE((tmp_path / "b.bin").stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)  # the umask's
    with pytest.raises(FileNotFoundError), atomic_open(tmp_path / "missing" / "f", parents=False):
        pass
    assert not (tmp_path / "missing").exists()
    with pytest.raises(ValueError, match="mode"), atomic_open(tmp_path / "f", "a"):
        pass
