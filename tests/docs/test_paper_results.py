"""The paper page's measured numbers come from the committed experiment JSON, not from text."""

from __future__ import annotations

import json

import pytest
from _site import DOCS, docs_extension

pr = docs_extension("paper_results")
RESULTS = DOCS / "results"


def test_every_fragment_renders_from_the_committed_results():
    out = pr.render_all(RESULTS)
    assert {st.key for st in pr.STATEMENTS} <= set(out)
    assert {"table1", "table2", "table4", "certify", "pairs_quick"} <= set(out)
    for name, text in out.items():
        assert text.strip(), name
    # every statement names the file it read
    for st in pr.STATEMENTS:
        assert f"results/{st.source}" in out[st.key]


def test_numbers_on_the_page_are_the_numbers_in_the_json():
    scaling = json.loads((RESULTS / "quick" / "scaling.json").read_text())
    slope = scaling["summary"]["mnist"]["slope_optimal_params"]
    guarantee = json.loads((RESULTS / "quick" / "guarantee.json").read_text())
    out = pr.render_all(RESULTS)
    assert f"**{pr.fmt(slope, 2)}**" in out["thm41"]
    assert f"**{pr.fmt(guarantee['claims']['N_star'])}**" in out["thm73"]
    pairs = json.loads((RESULTS / "paper" / "pairs.json").read_text())
    first = pairs["columns"][0]
    table = pairs["datasets"]["mnist"]["tables"][first]
    assert f"| {100 * table[3][5]:.1f} |" in out["table1"]


def test_a_missing_entry_stops_the_build_with_its_name(tmp_path):
    (tmp_path / "quick").mkdir()
    (tmp_path / "quick" / "scaling.json").write_text(json.dumps({"summary": {}}))
    with pytest.raises(pr.ResultsError, match=r"scaling\.json"):
        pr.render_statement(tmp_path, pr.STATEMENTS[0])
    with pytest.raises(pr.ResultsError, match="missing"):
        pr.render_statement(tmp_path, pr.STATEMENTS[1])


def test_helpers():
    assert pr.at({"a": [{"b": 3}]}, "a.0.b") == 3
    with pytest.raises(pr.ResultsError, match=r"'a\.c'"):
        pr.at({"a": {}}, "a.c")
    assert pr.fmt(12345) == "12,345"
    assert pr.fmt(0.98765, 3) == "0.988"
    assert pr.fmt(True) == "yes"
    assert pr.span([0.5, 0.25, None]) == "0.25–0.5"
