"""The API reference documents every public name: every entry of the public ``__all__`` lists."""

from __future__ import annotations

import importlib
import re

import pytest
from _site import ROOT, SITE, SITE_MISSING, docs_extension, site_built

ext = docs_extension()


def _public_names() -> list[tuple[str, str]]:
    return [(mod, name) for mod in ext.API_MODULES for name in importlib.import_module(mod).__all__]


def test_the_four_public_modules_are_documented():
    assert ext.API_MODULES == ("memnets", "memnets.datasets", "memnets.theory", "memnets.experiments")
    assert len(_public_names()) > 80


def test_generated_pages_list_every_name_of_all():
    pages = ext.api_pages()
    for mod, name in _public_names():
        text = pages[f"api/{mod.replace('.', '_')}.rst"]
        listed = re.search(rf"^   {re.escape(name)}$|^\.\. py:\w+:: {re.escape(name)}$|``{re.escape(name)}``",
                           text, re.M)
        assert listed, f"{mod}.{name} is missing from the generated API page of {mod}"


def test_a_name_exported_twice_is_documented_once_and_linked():
    entries = ext.api_entries()
    theory = dict((n, a) for n, _, a in entries["memnets.theory"])
    # memnets.theory re-exports the certificate type of the top-level package
    assert theory["Certificate"] == "memnets.Certificate"
    assert all(a is None for _, _, a in entries["memnets"])


@pytest.mark.skipif(not site_built(), reason=SITE_MISSING)
def test_built_api_reference_has_every_public_name():
    missing = []
    documented = 0
    for mod, name in _public_names():
        page = SITE / "api" / f"{mod.replace('.', '_')}.html"
        html = page.read_text()
        own = SITE / "api" / "generated" / f"{mod}.{name}.html"
        if own.is_file():
            documented += 1
            if f'id="{mod}.{name}"' not in own.read_text():
                missing.append(f"{own.name} has no anchor for {mod}.{name}")
        elif name not in html:
            missing.append(f"{mod}.{name}")
    assert not missing, f"not in the built API reference: {missing}"
    assert documented >= len(_public_names()) - 8  # aliases and submodules link to their page


@pytest.mark.skipif(not site_built(), reason=SITE_MISSING)
def test_built_site_loads_nothing_from_outside():
    # every script, stylesheet, image and font is served from the site itself (MathJax
    # included); links to other sites (<a href>) are fine
    pattern = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    offenders = [p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html") if pattern.search(p.read_text())]
    assert not offenders, f"pages that load from other hosts: {offenders}"


def test_every_registered_construction_has_a_user_guide_page():
    import memnets

    pages = ROOT / "docs" / "user_guide" / "constructions"
    missing = [m for m in memnets.METHODS if not (pages / f"{m}.md").is_file()]
    assert not missing, f"constructions without a page in {pages}: {missing}"
    for method in memnets.METHODS:
        text = (pages / f"{method}.md").read_text()
        assert "**Whose:**" in text and f"options_{method}.md" in text, method
