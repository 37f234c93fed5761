"""``memnets data list`` and ``memnets --version``."""

from __future__ import annotations

import memnets as mn


def test_data_list_names_every_dataset(cli):
    out = cli("data", "list", env={"COLUMNS": "400"})  # wide: a long note does not wrap
    assert out.exit_code == 0, out.output
    # one row per dataset, in catalog order ("mnist" alone would be found in "fashion-mnist")
    rows = [[c.strip() for c in line.strip().strip("│").split("│")] for line in out.output.splitlines()
            if line.startswith("│")]
    catalog = mn.datasets.catalog()
    assert [r[0] for r in rows] == [e["name"] for e in catalog]
    for row, entry in zip(rows, catalog, strict=True):
        assert row[1:3] == [entry["kind"], "yes" if entry["available"] else "no"], row


def test_version(cli):
    out = cli("--version")
    assert out.exit_code == 0, out.output
    assert out.output.strip() == f"memnets {mn.__version__}"


def test_citation_and_metadata_name_the_paper_and_the_software():
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    assert project["authors"] and project["urls"]["Paper"] == "https://arxiv.org/abs/2411.00372"
    assert project["version"] == mn.__version__
    cff = (root / "CITATION.cff").read_text()
    assert "cff-version: 1.2.0" in cff and f"version: {mn.__version__}" in cff
    for name in ("Lijia", "Xiao-Shan", "Lijun", "Yibo", "arXiv:2411.00372", "preferred-citation:", "type: software"):
        assert name in cff
