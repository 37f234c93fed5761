"""``memnets data list`` and ``memnets --version``."""

from __future__ import annotations

import memnets as mn


def test_data_list_names_every_dataset(cli):
    out = cli("data", "list")
    assert out.exit_code == 0, out.output
    for entry in mn.datasets.catalog():
        assert entry["name"] in out.output


def test_version(cli):
    out = cli("--version")
    assert out.exit_code == 0, out.output
    assert out.output.strip() == f"memnets {mn.__version__}"
