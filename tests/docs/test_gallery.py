"""The gallery: at least ten examples, each run during the build in at most 30 s."""

from __future__ import annotations

import re

import pytest
from _site import DOCS, ROOT, SITE, SITE_MISSING, site_built

EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))


def test_at_least_ten_examples_each_with_a_title_and_a_figure_or_table():
    assert len(EXAMPLES) >= 10
    for path in EXAMPLES:
        text = path.read_text()
        assert text.startswith(('"""', 'r"""')), f"{path.name}: no reStructuredText title docstring"
        assert "import memnets as mn" in text, f"{path.name}: should use the public API"
        assert "memnets._" not in text, f"{path.name}: reaches into a private module"
        assert "plt.show()" in text or "print(f\"{" in text, f"{path.name}: ends in neither a figure nor a table"


@pytest.mark.skipif(not site_built(), reason=SITE_MISSING)
def test_every_example_ran_within_30_seconds():
    times = DOCS / "sg_execution_times.rst"
    if not times.is_file():
        pytest.skip("the gallery was not run (make docs-noplot)")
    rows = re.findall(r"\(``\.\./examples/(plot_\w+\.py)``\)\n\s+- (\d+):(\d+\.\d+)", times.read_text())
    seconds = {name: 60 * int(m) + float(s) for name, m, s in rows}
    assert set(seconds) == {p.name for p in EXAMPLES}
    slow = {name: t for name, t in seconds.items() if t > 30}
    assert not slow, f"examples over 30 s: {slow}"
    for path in EXAMPLES:
        page = SITE / "auto_examples" / f"{path.stem}.html"
        assert page.is_file(), page
