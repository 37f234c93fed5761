"""The built site in a real browser: headless Chromium (Debian's) driven by Playwright.

Opens the index, a user-guide page with math (MathJax output present), the API page of
``construct``, a gallery page (every image loaded) and the search page (finds
``construct``); no page logs a console error or loads anything from outside 127.0.0.1.
Screenshots are kept in ``docs/_build/screenshots/``.
"""

from __future__ import annotations

import pytest
from _site import CHROMIUM, SCREENSHOTS, SITE_MISSING, serve, site_built

pytestmark = [
    pytest.mark.skipif(not site_built(), reason=SITE_MISSING),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent: apt-get install chromium (make docs does)"),
]

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install 'memnets[docs]'")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser_page():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve() as base, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        outside: list[str] = []
        page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.on("request", lambda req: outside.append(req.url)
                if not req.url.startswith((base, "data:", "blob:", "about:")) else None)
        try:
            yield base, page, errors, outside
        finally:
            browser.close()


def _open(page, url: str) -> None:
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, f"{url}: HTTP {response.status if response else '?'}"
    page.wait_for_load_state("networkidle")


def _shot(page, name: str, *, full_page: bool = False) -> None:
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 1000


def _clean(errors: list[str], outside: list[str], what: str) -> None:
    found, away = list(errors), list(outside)
    errors.clear()
    outside.clear()
    assert not found, f"console errors on {what}: {found}"
    assert not away, f"{what} requested outside the local server: {away}"


def test_index(browser_page):
    base, page, errors, outside = browser_page
    _open(page, f"{base}/index.html")
    assert "memnets" in page.title()
    assert page.locator("a[href*='getting_started']").count() > 0
    _shot(page, "index.png", full_page=False)
    _clean(errors, outside, "the index")


def test_user_guide_math_is_rendered(browser_page):
    base, page, errors, outside = browser_page
    _open(page, f"{base}/user_guide/constructions/pairwise.html")
    page.wait_for_function(
        "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
        " && !MathJax.Hub.queue.running && document.querySelector('.MathJax_CHTML') !== null",
        timeout=60_000,
    )
    math = page.locator(".math").count()  # Sphinx's \(...\) and \[...\] containers
    rendered = page.locator(".MathJax_CHTML").count()
    assert math >= 5 and rendered >= math, (math, rendered)
    assert page.locator(".MathJax_Error, .merror").count() == 0
    _shot(page, "user_guide_pairwise.png", full_page=False)
    _clean(errors, outside, "the pairwise page")


def test_api_page_of_construct(browser_page):
    base, page, errors, outside = browser_page
    _open(page, f"{base}/api/generated/memnets.construct.html")
    sig = page.locator("dt[id='memnets.construct']")
    assert sig.count() == 1
    body = page.locator("article").inner_text()
    assert "Parameters" in body and "Returns" in body and "ConstructionResult" in body
    _shot(page, "api_construct.png", full_page=False)
    _clean(errors, outside, "the API page of construct")


def test_gallery_page_images_load(browser_page):
    base, page, errors, outside = browser_page
    _open(page, f"{base}/auto_examples/plot_pairwise_vs_1nn.html")
    images = page.locator("img.sphx-glr-single-img, img.sphx-glr-multi-img")
    assert images.count() >= 1
    widths = images.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert all(w > 0 for w in widths), widths
    _shot(page, "gallery_pairwise.png", full_page=True)
    _open(page, f"{base}/auto_examples/index.html")
    thumbs = page.locator(".sphx-glr-thumbcontainer img")
    assert thumbs.count() >= 10
    tw = thumbs.evaluate_all("imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert all(w > 0 for w in tw), tw
    _shot(page, "gallery_index.png", full_page=False)
    _clean(errors, outside, "the gallery")


def test_search_finds_construct(browser_page):
    base, page, errors, outside = browser_page
    _open(page, f"{base}/search.html?q=construct")
    hit = page.wait_for_selector("ul.search li a[href*='memnets.construct']", timeout=30_000)
    assert hit is not None
    _shot(page, "search_construct.png", full_page=False)
    _clean(errors, outside, "the search page")
