"""Viewer pages in headless Chromium: table of contents, dark mode, narrow screens, CSP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.viewer_servers import start_viewer  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

LONG_CODE = "values = [" + ", ".join(str(n) for n in range(200)) + "]"
WIDE_MATH = "$$" + " + ".join(f"x_{{{n}}}^{{{n}}}" for n in range(60)) + "$$"


def wide_notebook() -> bytes:
    cells = [{"cell_type": "markdown", "id": f"m{n}", "metadata": {},
              "source": f"## Section {n}\n\n" + "Some text. " * 40} for n in range(12)]
    cells.insert(3, {"cell_type": "markdown", "id": "math", "metadata": {}, "source": "A formula:\n\n" + WIDE_MATH})
    cells.insert(5, {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1, "source": LONG_CODE,
                     "outputs": [{"output_type": "stream", "name": "stdout", "text": "y" * 400 + "\n"},
                                 {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                  "data": {"text/html": "<table><tr>" + "<td>cell</td>" * 60 + "</tr></table>",
                                           "text/plain": "table"}}]})
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}).encode()


@pytest.fixture(scope="module")
def page_viewer(tmp_path_factory, start_viewer):
    root = tmp_path_factory.mktemp("pages")
    (root / "wide.ipynb").write_bytes(wide_notebook())
    return start_viewer("--localfiles", str(root))


def open_page(watch, url: str, **options):
    watch.page.goto(url, wait_until="load")
    return watch.page


def test_toc_links_jump_to_their_headings(page_viewer, watched_page):
    page = open_page(watched_page, page_viewer.url + "/localfiles/wide.ipynb")
    entries = page.locator(".nbv-toc a")
    assert entries.count() == 12
    assert page.evaluate("window.scrollY") == 0
    page.locator('.nbv-toc a[href="#Section-9"]').click()
    page.wait_for_function("location.hash === '#Section-9'")
    top = page.evaluate("document.getElementById('Section-9').getBoundingClientRect().top")
    assert page.evaluate("window.scrollY") > 500
    assert -5 <= top < 200  # the heading is at the top of the viewport now
    assert not watched_page.errors and not [m for m in watched_page.console if "Content Security Policy" in m]


def test_dark_mode_follows_the_system(page_viewer, browser):
    colours = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(page_viewer.url + "/localfiles/wide.ipynb", wait_until="load")
        colours[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        context.close()
    assert colours["light"] == "rgb(255, 255, 255)"
    assert colours["dark"] == "rgb(17, 17, 17)"


@pytest.mark.parametrize("path", ["/localfiles/wide.ipynb", "/localfiles/", "/"])
def test_nothing_overflows_a_400px_screen(page_viewer, browser, path):
    context = browser.new_context(viewport={"width": 400, "height": 800})
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.goto(page_viewer.url + path, wait_until="load")
    width = page.evaluate("document.documentElement.scrollWidth")
    body = page.evaluate("document.body.scrollWidth")
    context.close()
    assert width <= 400 and body <= 400, (width, body)
    assert not violations


def test_wide_content_scrolls_inside_its_own_box(page_viewer, browser):
    context = browser.new_context(viewport={"width": 400, "height": 800})
    page = context.new_page()
    page.goto(page_viewer.url + "/localfiles/wide.ipynb", wait_until="load")
    boxes = page.evaluate("""() => [...document.querySelectorAll('pre, math[display="block"], table')]
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => [e.tagName, getComputedStyle(e).overflowX, e.getBoundingClientRect().right])""")
    context.close()
    assert boxes, "the long line, the table and the formula are wider than 400 px"
    for tag, overflow, right in boxes:
        assert overflow in ("auto", "scroll"), (tag, overflow)
        assert right <= 400, (tag, right)
