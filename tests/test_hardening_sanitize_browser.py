"""--sanitize-html pages in a real browser: MathJax's tricks stay inert, a DataFrame
keeps its table but shows no CSS, and --block-remote-content leaves no outside request.

MathJax 3 comes from the npm registry into a temporary folder (never a CDN) and the
page points at it through the exporter's ``mathjax_url``.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from nbformat import v4

from conftest import need, run_nbconv
from converter import HTMLExporter
from converter.exporters.html import MATHJAX_URL
from nbbuild import write

TRICKS = "\n\n".join([
    r"$\href{javascript:alert('href')}{CLICKHREF}$",
    r"$\style{position:fixed;top:0;left:0;width:100%;height:100%;background:red;z-index:9}{COVER}$",
    r"$\class{jp-Notebook evilclass}{CLASSED}$",
    r"$\cssId{evilid}{IDENTIFIED}$",
    r"$\unicode[serif;position:fixed;top:0;background:blue]{x41}$",
    r"$\mmlToken{mi}[fontfamily='serif;position:fixed;top:0;background:green']{x}$",
    r"$\href{https://example.org/ok}{SAFELINK}$",
])


@pytest.fixture(scope="module")
def mathjax(tmp_path_factory) -> Path:
    """tex-chtml-full.js of MathJax 3, installed from the npm registry."""
    npm = shutil.which("npm")
    need(npm is not None, "npm not found (Debian package npm)")
    folder = tmp_path_factory.mktemp("mathjax")
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(folder), "mathjax@3"],
                          capture_output=True, timeout=600)
    need(done.returncode == 0, f"npm install mathjax@3 failed: {done.stderr.decode()[-300:]}")
    script = folder / "node_modules" / "mathjax" / "es5" / "tex-chtml-full.js"
    assert script.is_file()
    return script


def _page(tmp_path: Path, mathjax: Path, sanitize: bool) -> str:
    nb = v4.new_notebook(cells=[v4.new_markdown_cell(TRICKS)])
    body, _ = HTMLExporter(sanitize_html=sanitize, mathjax_url=mathjax.as_uri()).from_notebook_node(nb)
    page = tmp_path / ("sanitized.html" if sanitize else "plain.html")
    page.write_text(body, encoding="utf-8")
    return page.as_uri()


def _typeset(watch, url: str):
    page = watch.page
    page.goto(url)
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("MathJax.startup.promise")
    page.wait_for_function("document.querySelectorAll('mjx-container').length >= 6", timeout=20000)
    return page


def _click_first_formula(page) -> None:
    """A real mouse click in the middle of the \\href formula, as a reader would."""
    box = page.locator("mjx-container").nth(0).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)


@pytest.mark.browser
def test_mathjax_tricks_are_inert_on_a_sanitized_page(watched_page, tmp_path, mathjax):
    page = _typeset(watched_page, _page(tmp_path, mathjax, sanitize=True))
    _click_first_formula(page)
    assert watched_page.dialogs == []
    assert page.locator("a[href^='javascript' i]").count() == 0
    assert page.locator("a[href='https://example.org/ok']").count() == 1  # safe links still work
    assert page.locator(".evilclass").count() == 0
    assert page.locator("#evilid").count() == 0
    fixed = page.evaluate("""[...document.querySelectorAll('mjx-container *')]
        .filter(e => getComputedStyle(e).position === 'fixed').length""")
    assert fixed == 0
    # nothing covers the page: the top-left corner is still the notebook
    assert page.evaluate("document.elementFromPoint(5, 5).closest('mjx-container') === null")
    assert watched_page.errors == []


@pytest.mark.browser
def test_mathjax_tricks_do_work_on_an_unsanitized_page(watched_page, tmp_path, mathjax):
    """The control: the same notebook without --sanitize-html gets MathJax's full power,
    so the test above really detects the tricks."""
    page = _typeset(watched_page, _page(tmp_path, mathjax, sanitize=False))
    assert page.locator("a[href^='javascript' i]").count() == 1
    assert page.locator(".evilclass").count() >= 1
    assert page.evaluate("""[...document.querySelectorAll('mjx-container *')]
        .filter(e => getComputedStyle(e).position === 'fixed').length""") >= 1
    # the \\style cover lies over the whole page, so click the link itself
    assert page.evaluate("document.elementFromPoint(5, 5).closest('mjx-container') !== null")
    page.eval_on_selector("a[href^='javascript' i]", "a => a.click()")
    page.wait_for_timeout(300)
    assert watched_page.dialogs == ["alert: href"]


DATAFRAME_HTML = """<div>
<style scoped>
    .dataframe tbody tr th:only-of-type { vertical-align: middle; }
    .dataframe thead th { text-align: right; }
</style>
<table border="1" class="dataframe">
  <thead><tr style="text-align: right;"><th></th><th>alpha</th><th>beta</th></tr></thead>
  <tbody><tr><th>0</th><td>1.5</td><td>cell-b0</td></tr><tr><th>1</th><td>2.5</td><td>cell-b1</td></tr></tbody>
</table>
<script>alert('dataframe')</script><noscript>NOSCRIPT-TEXT</noscript><template>TEMPLATE-TEXT</template>
</div>"""


@pytest.mark.browser
def test_dataframe_renders_without_its_css_text(watched_page, tmp_path):
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("<style>body { display: none }</style>\n\nHeading text"),
        v4.new_code_cell("df", execution_count=1, outputs=[v4.new_output(
            "execute_result", execution_count=1, data={"text/html": DATAFRAME_HTML, "text/plain": "df"})]),
    ])
    source = write(nb, tmp_path / "frame.ipynb")
    result = run_nbconv("--to", "html", "--sanitize-html", source, "--output-dir", tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    page = watched_page.page
    page.goto((tmp_path / "frame.html").as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    text = page.inner_text("body")
    for hidden in ("vertical-align", "text-align", "display: none", "alert(", "NOSCRIPT-TEXT", "TEMPLATE-TEXT"):
        assert hidden not in text
    assert "Heading text" in text  # the markdown's <style> did not hide the page
    assert page.locator("table.dataframe td", has_text="cell-b1").is_visible()
    assert page.locator("table.dataframe th", has_text="beta").count() == 1
    assert watched_page.dialogs == []
    scripts = page.evaluate("[...document.scripts].map(s => s.src || 'inline')")
    assert set(scripts) <= {MATHJAX_URL, "inline"}
    assert page.evaluate("[...document.scripts].filter(s => !s.src)"
                         ".every(s => s.textContent.includes('window.MathJax'))")


REMOTE = ("![remote](http://images.example.com/a.png)\n\n<img src=\"//images.example.org/b.png\" alt=\"b\">\n\n"
          "<img src=\"\\\\images.example.net/c.png\" alt=\"c\">\n\n<span style=\"cursor: url(http://cursor.example/x.cur), auto\">"
          "pointer</span>")


def _requests(watch, tmp_path: Path, *flags: str) -> list[str]:
    nb = v4.new_notebook(cells=[v4.new_markdown_cell(REMOTE)])
    name = "remote" + str(len(flags))
    source = write(nb, tmp_path / f"{name}.ipynb")
    result = run_nbconv("--to", "html", *flags, source, "--output-dir", tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    page = watch.page
    page.goto((tmp_path / f"{name}.html").as_uri())
    page.wait_for_load_state("load")
    page.hover("text=pointer")
    page.wait_for_timeout(500)
    return [url for url in watch.external if url != MATHJAX_URL]


@pytest.mark.browser
def test_sanitized_page_requests_only_images_and_block_remote_content_stops_them(watched_page, tmp_path):
    # images are what a sanitized page may request (the cursor's url() is not kept);
    # //host and \\\\host images resolve to file: URLs on a page opened from disk
    assert _requests(watched_page, tmp_path, "--sanitize-html") == ["http://images.example.com/a.png"]
    watched_page.external.clear()
    assert _requests(watched_page, tmp_path, "--block-remote-content") == []
    sources = watched_page.page.evaluate("[...document.images].map(i => i.getAttribute('src'))")
    assert sources == [None, None, None]  # alt text stays, the remote address does not
