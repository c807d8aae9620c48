"""The viewer's pages in headless Chromium: math as MathML, no CSP violations, no notebook script runs."""

from __future__ import annotations

import base64

import pytest

from viewer_servers import code_cell, notebook_json, start_viewer, upstream, viewer  # noqa: F401

pytestmark = pytest.mark.browser

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)></svg>",
    '<a href="javascript:alert(4)" id="js-link">click</a>',
    '<iframe srcdoc="<script>parent.alert(5)</script>"></iframe>',
]


def hostile_notebook() -> bytes:
    """Every place a notebook can carry HTML, each with a script that would open a dialog."""
    html = "".join(ATTACKS)
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(6)</script></svg>'
    outputs = [
        {"output_type": "display_data", "metadata": {}, "data": {"text/html": html, "text/plain": "x"}},
        {"output_type": "display_data", "metadata": {}, "data": {"application/javascript": "alert(7)"}},
        {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": html}},
        {"output_type": "display_data", "metadata": {},
         "data": {"image/svg+xml": svg, "text/plain": "svg"}},
        {"output_type": "execute_result", "execution_count": 1, "metadata": {},
         "data": {"text/latex": "$\\text{<script>alert(8)</script>}x$", "text/plain": "x"}},
    ]
    cells = [
        {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "# Hi\n\n" + html + "\n\n$\\href{javascript:alert(9)}{x}$"},
        code_cell("print('hi')", outputs),
        {"cell_type": "raw", "id": "r", "metadata": {"raw_mimetype": "text/html"}, "source": html},
    ]
    return notebook_json(cells, title="<script>alert(10)</script>")


def csp_messages(watch) -> list[str]:
    return [line for line in watch.console if "Content Security Policy" in line]


def test_corpus_notebook_math_renders_as_mathml_without_csp_violations(viewer, upstream, watched_page):
    page = watched_page.page
    response = page.goto(f"{viewer.url}/url/{upstream.base}/corpus/notebook-docs/Typesetting_Equations.ipynb")
    assert response.status == 200
    page.wait_for_load_state("load")
    assert page.locator("math").count() >= 10
    # Chromium lays MathML out (MathML Core): a fraction has a real box with height
    box = page.locator("math mfrac").first.bounding_box()
    assert box is not None and box["height"] > 10
    # our stylesheet was applied (a page without it would have the default margin)
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"
    assert csp_messages(watched_page) == []
    assert watched_page.errors == [] and watched_page.external == []


def test_notebook_scripts_never_run(viewer, upstream, watched_page):
    upstream.documents["hostile.ipynb"] = hostile_notebook()
    page = watched_page.page
    response = page.goto(f"{viewer.url}/url/{upstream.base}/doc/hostile.ipynb")
    assert response.status == 200
    page.wait_for_load_state("load")
    link = page.locator("#js-link")
    if link.count():
        link.first.click()
    page.mouse.move(10, 10)
    page.wait_for_timeout(300)
    assert watched_page.dialogs == []
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator("[onerror], [onload], iframe, svg script").count() == 0
    assert "<script>alert(10)</script> - nbconv viewer" == page.title()


def test_csp_blocks_script_even_if_markup_got_through(viewer, upstream, watched_page):
    """The second wall: the CSP header alone stops an inline script the sanitizer missed."""
    page = watched_page.page
    page.goto(f"{viewer.url}/healthz")
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.ran = true';
        document.body.appendChild(s);
    }""")
    assert page.evaluate("window.ran === undefined")
    assert csp_messages(watched_page)
