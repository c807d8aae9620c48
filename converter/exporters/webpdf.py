"""PDF without TeX: the HTML page printed by headless Chromium, driven by playwright.

The browser is the system's Chromium (``/usr/bin/chromium``, ``chromium`` on PATH or
``chromium=PATH``); nbconv never downloads one. The page is the lab page through the
``webpdf`` template: math rendered to MathML, markdown images embedded, no script of
its own. The browser may load nothing but the page itself and ``data:`` URLs, and
the notebook's own scripts do not run, so printing needs no network and shows the
same thing every time.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar

from converter.errors import BrowserError, ExportError
from converter.exporters.html import HTMLExporter
from converter.notebook import NotebookNode
from converter.pipeline import Pipeline, Resources

SYSTEM_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
)
INSTALL_HINT = "install the Debian package chromium (apt-get install chromium) or give --chromium PATH"

# Paper name -> (playwright format, width in mm); the margin is the same on every side.
PAPERS = {"a4": ("A4", 210.0), "letter": ("Letter", 215.9)}
MARGIN_MM = 12.0
_CSS_PX_PER_MM = 96 / 25.4

# Run in the page after layout (the page's own scripts stay off): any output, table or
# formula still wider than its column is zoomed out until it fits, so nothing is cut.
_FIT_WIDE_BOXES = """() => {
  let zoomed = 0;
  const boxes = document.querySelectorAll(
    '.jp-OutputArea-output, .jp-RenderedHTMLCommon > *, .jp-InputArea-editor, .math-display');
  for (const box of boxes) {
    const available = box.clientWidth, needed = box.scrollWidth;
    if (available > 0 && needed > available + 1) {
      box.style.zoom = String(available / needed);
      zoomed += 1;
    }
  }
  return zoomed;
}"""


def find_chromium(explicit: str | None = None) -> str:
    """The browser to print with: the one asked for, else Debian's, else ``chromium`` on PATH."""
    if explicit:
        found = shutil.which(explicit)
        if found is None:
            raise BrowserError(f"{explicit}: no such browser executable; {INSTALL_HINT}")
        return found
    if Path(SYSTEM_CHROMIUM).is_file():
        return SYSTEM_CHROMIUM
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise BrowserError(f"chromium not found: {INSTALL_HINT}")


def _sync_playwright() -> Callable[[], Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserError("playwright not installed: pip install 'nbconv[webpdf]' "
                           "(it drives the system's Chromium; no browser download needed)") from None
    return sync_playwright


@dataclass
class WebPDFExporter(HTMLExporter):
    """``--to webpdf``: the HTML exporter's options plus ``chromium``, ``paper`` and a timeout."""

    output_extension: ClassVar[str] = ".pdf"

    template: str = "webpdf"
    embed_images: bool = True
    math: str = "mathml"
    chromium: str | None = None
    paper: str = "a4"
    browser_timeout: float = 120.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.math != "mathml":
            raise ExportError(f"--to webpdf prints math as MathML (got math={self.math!r}): "
                              "the browser that prints loads no script and nothing from the network")
        if self.paper.lower() not in PAPERS:
            raise ExportError(f"unknown paper size {self.paper!r} (choose from {', '.join(PAPERS)})")

    def pipeline(self) -> Pipeline:
        """As for HTML, without output extraction: the PDF holds its images (the printing
        browser could not load side files anyway)."""
        from converter.preprocessors.extract_outputs import ExtractOutputsPreprocessor

        steps = super().pipeline().steps
        return Pipeline([step for step in steps if not isinstance(step, ExtractOutputsPreprocessor)])

    def render(self, nb: NotebookNode, resources: Resources) -> bytes:
        html = super().render(nb, resources)
        executable = find_chromium(self.chromium)
        sync_playwright = _sync_playwright()
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._print(html, executable, sync_playwright, resources)
        # Playwright's sync API refuses to run inside an event loop (Jupyter, an ASGI app).
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                result["pdf"] = self._print(html, executable, sync_playwright, resources)
            except BaseException as error:  # re-raised in the caller's thread
                result["error"] = error

        thread = threading.Thread(target=run, name="nbconv-webpdf")
        thread.start()
        thread.join()
        if "error" in result:
            raise result["error"]
        return result["pdf"]

    def _print(self, html: str, executable: str, sync_playwright: Callable[[], Any], resources: Resources) -> bytes:
        with tempfile.TemporaryDirectory(prefix="nbconv-webpdf-") as temp:
            page_file = Path(temp) / "notebook.html"
            page_file.write_text(html, encoding="utf-8")
            try:
                playwright = sync_playwright().start()
            except Exception as error:  # its driver (a bundled node) could not run
                raise BrowserError(f"playwright could not start: {_first_line(error)}") from None
            try:
                browser = self._launch(playwright, executable)
                try:
                    return self._print_page(browser, page_file.as_uri(), executable, resources)
                finally:
                    browser.close()
            finally:
                playwright.stop()

    def _launch(self, playwright: Any, executable: str) -> Any:
        from playwright.sync_api import Error as PlaywrightError

        try:
            return playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS), headless=True,
                                              timeout=self.browser_timeout * 1000)
        except PlaywrightError as error:
            raise BrowserError(f"{executable} did not start: {_first_line(error)}") from None

    def _print_page(self, browser: Any, page_url: str, executable: str, resources: Resources) -> bytes:
        """Load the page with scripts and every other URL off, fit wide boxes, print."""
        from playwright.sync_api import Error as PlaywrightError

        fmt, width_mm = PAPERS[self.paper.lower()]
        width_px = round((width_mm - 2 * MARGIN_MM) * _CSS_PX_PER_MM)  # lay out at the printed width
        margin = f"{MARGIN_MM}mm"
        try:
            context = browser.new_context(java_script_enabled=False, offline=True, service_workers="block",
                                          viewport={"width": width_px, "height": 1000})
            context.set_default_timeout(self.browser_timeout * 1000)
            context.route("**/*", lambda route: _only_the_page(route, page_url))
            page = context.new_page()
            page.emulate_media(media="print")
            page.goto(page_url, wait_until="load")
            page.evaluate(_FIT_WIDE_BOXES)
            return page.pdf(format=fmt, print_background=True,
                            margin={"top": margin, "bottom": margin, "left": margin, "right": margin})
        except PlaywrightError as error:
            raise ExportError(f"{resources.name}: printing in {executable} failed: {_first_line(error)}") from None


def _only_the_page(route: Any, page_url: str) -> None:
    """Let the page and data: URLs load; refuse everything else (network and other files)."""
    url = route.request.url
    if url == page_url or url.startswith("data:"):
        route.continue_()
    else:
        route.abort("blockedbyclient")


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
