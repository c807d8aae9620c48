"""PDF without TeX: the HTML page printed by headless Chromium, driven by playwright.

The browser is the system's Chromium (``/usr/bin/chromium``, ``chromium`` on PATH or
``chromium=PATH``); nbconv never downloads one. The page is the lab page through the
``webpdf`` template: math rendered to MathML, markdown images embedded, no script of
its own. The browser may load nothing but the page itself and ``data:`` URLs, and
the notebook's own scripts do not run, so printing needs no network and shows the
same thing every time. Each notebook gets a fresh browser context; the browser itself
is started once per process and kept for the next notebook of a batch.
"""

from __future__ import annotations

import asyncio
import atexit
import os
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
        if _kept or not _event_loop_running():  # the loop a kept session runs is playwright's own
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
        keep = threading.current_thread() is threading.main_thread()
        with tempfile.TemporaryDirectory(prefix="nbconv-webpdf-") as temp:
            page_file = Path(temp) / "notebook.html"
            page_file.write_text(html, encoding="utf-8")
            session = _kept_session(executable) if keep else None
            if session is None:
                session = _Session.start(executable, sync_playwright, self.browser_timeout)
            try:
                pdf = self._print_page(session.browser, page_file.as_uri(), executable, resources)
            except BaseException:
                session.close()  # a browser that failed once is not trusted with the next notebook
                raise
            if keep:
                _keep(session)
            else:
                session.close()
            return pdf

    def _print_page(self, browser: Any, page_url: str, executable: str, resources: Resources) -> bytes:
        """Load the page with scripts and every other URL off, fit wide boxes, print."""
        from playwright.sync_api import Error as PlaywrightError

        fmt, width_mm = PAPERS[self.paper.lower()]
        width_px = round((width_mm - 2 * MARGIN_MM) * _CSS_PX_PER_MM)  # lay out at the printed width
        margin = f"{MARGIN_MM}mm"
        try:
            context = browser.new_context(java_script_enabled=False, offline=True, service_workers="block",
                                          viewport={"width": width_px, "height": 1000})
            try:  # one context per notebook: nothing of one page is seen by the next
                context.set_default_timeout(self.browser_timeout * 1000)
                context.route("**/*", lambda route: _only_the_page(route, page_url))
                page = context.new_page()
                page.emulate_media(media="print")
                page.goto(page_url, wait_until="load")
                page.evaluate(_FIT_WIDE_BOXES)
                return page.pdf(format=fmt, print_background=True,
                                margin={"top": margin, "bottom": margin, "left": margin, "right": margin})
            finally:
                context.close()
        except PlaywrightError as error:
            raise ExportError(f"{resources.name}: printing in {executable} failed: {_first_line(error)}") from None


@dataclass
class _Session:
    """A playwright driver and the Chromium it launched."""

    executable: str
    playwright: Any
    browser: Any

    @classmethod
    def start(cls, executable: str, sync_playwright: Callable[[], Any], timeout: float) -> "_Session":
        from playwright.sync_api import Error as PlaywrightError

        try:
            playwright = sync_playwright().start()
        except Exception as error:  # its driver (a bundled node) could not run
            raise BrowserError(f"playwright could not start: {_first_line(error)}") from None
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS),
                                                 headless=True, timeout=timeout * 1000)
        except PlaywrightError as error:
            playwright.stop()
            raise BrowserError(f"{executable} did not start: {_first_line(error)}") from None
        return cls(executable, playwright, browser)

    def close(self) -> None:
        for step in (self.browser.close, self.playwright.stop):
            try:
                step()
            except Exception:  # already gone: nothing left to end
                pass


# The main thread keeps its browser between notebooks (a batch starts Chromium once);
# it is closed when the process exits. A forked worker (-j) starts its own: the parent's
# connection to its browser is not the child's to use.
_kept: list[_Session] = []
os.register_at_fork(after_in_child=_kept.clear)


def _kept_session(executable: str) -> _Session | None:
    if _kept and _kept[0].executable == executable and _kept[0].browser.is_connected():
        return _kept[0]
    _close_kept()
    return None


def _keep(session: _Session) -> None:
    if not _kept:
        _kept.append(session)
        atexit.register(_close_kept)


def _close_kept() -> None:
    while _kept:
        _kept.pop().close()


def _event_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


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
