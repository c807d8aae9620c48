"""Pages in a real browser (headless Chromium): corpus pages load without console or page
errors from our markup and draw something; the dark theme really changes colours; and
no injected script runs (a dialog would be recorded)."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from nbformat import v4

from conftest import CORPUS, run_nbconv
from nbbuild import code, notebook, write

pytestmark = pytest.mark.browser

# Notebooks without JavaScript outputs of their own, so any error would be ours.
PAGES = ["nbconvert-tests/notebook2.ipynb", "nbconvert-tests/exporters-svg.ipynb",
         "nbconvert-tests/notebook4_jpeg.ipynb", "nbconvert-tests/notebook3_with_errors.ipynb",
         "notebook-docs/Typesetting_Equations.ipynb", "notebook-docs/Working_With_Markdown_Cells.ipynb"]


def png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixel values of an 8-bit RGB/RGBA PNG (zlib + struct only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, idat = 8, {}, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IDAT":
            idat += body
        else:
            chunks[kind] = body
        position += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    previous = bytearray(stride)
    pixels: set[bytes] = set()
    for row in range(height):
        kind = raw[row * (stride + 1)]
        line = bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            upper_left = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - upper_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upper_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else upper_left)
                line[i] = (line[i] + predictor) & 0xFF
        pixels.update(bytes(line[i:i + bpp]) for i in range(0, stride, bpp * 7))  # a sample suffices
        previous = line
    return width, height, pixels


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} not found (../shared is absent)")
    out = tmp_path_factory.mktemp("browser")
    paths = [CORPUS / name for name in PAGES]
    result = run_nbconv(*paths, "--output-dir", out)
    assert result.returncode == 0, result.stderr.decode()
    return {name: out / (Path(name).stem + ".html") for name in PAGES}


@pytest.mark.parametrize("name", PAGES)
def test_corpus_page_in_chromium(name: str, pages: dict, watched_page) -> None:
    page = watched_page.page
    page.set_viewport_size({"width": 1000, "height": 700})
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(pages[name].as_uri(), wait_until="load")
    assert watched_page.errors == []
    # the only console errors allowed: local files the notebook itself links to and that
    # are not shipped with it (Working_With_Markdown_Cells shows ../images/...)
    source = (CORPUS / name).read_text(encoding="utf-8")
    missing = [url for url in failed if url.startswith("file:") and Path(url[7:]).name in source]
    assert len(missing) == len(failed), failed
    errors = [m for m in watched_page.console if m.startswith("error")]
    assert errors == ["error: Failed to load resource: net::ERR_FILE_NOT_FOUND"] * len(missing)
    assert watched_page.dialogs == []
    height = page.evaluate("document.body.scrollHeight")
    assert height > 300
    cells = page.evaluate("document.querySelectorAll('.jp-Notebook > .jp-Cell').length")
    assert cells > 0
    # images decoded by the browser (a broken data: URI has naturalWidth 0)
    broken = page.evaluate("[...document.querySelectorAll('.jp-OutputArea img')]"
                           ".filter(i => !i.complete || i.naturalWidth === 0).length")
    assert broken == 0
    shot = page.screenshot(full_page=False)
    width, shot_height, pixels = png_pixels(shot)
    assert (width, shot_height) == (1000, 700)
    assert len(pixels) > 5  # text and code boxes, not one flat colour


def test_light_and_dark_theme_background(tmp_path: Path, watched_page) -> None:
    path = write(notebook(code("print('theme')")), tmp_path / "theme.ipynb")
    colours = {}
    for theme in ("light", "dark"):
        assert run_nbconv(path, "--theme", theme, "--output", theme).returncode == 0
        watched_page.page.goto((tmp_path / f"{theme}.html").as_uri())
        colours[theme] = watched_page.page.evaluate(
            "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color,"
            " getComputedStyle(document.querySelector('.jp-InputArea-editor')).backgroundColor]")
    assert colours["light"][0] == "rgb(255, 255, 255)"
    assert colours["dark"][0] != colours["light"][0]
    brightness = lambda rgb: sum(int(c) for c in rgb[4:-1].split(","))  # noqa: E731
    assert brightness(colours["dark"][0]) < 100 < brightness(colours["dark"][1])  # light text on dark
    assert colours["dark"][2] != colours["light"][2]  # code boxes follow the theme
    assert watched_page.errors == []


def test_injected_scripts_never_run(tmp_path: Path, watched_page) -> None:
    from test_html_escaping import hostile_notebook, sanitized_notebook

    page = watched_page.page
    for nb, flags in ((hostile_notebook(), ()), (sanitized_notebook(), ("--sanitize-html",))):
        path = write(nb, tmp_path / "hostile.ipynb")
        assert run_nbconv(path, *flags).returncode == 0
        page.goto((tmp_path / "hostile.html").as_uri(), wait_until="load")
        page.wait_for_timeout(200)  # let onload/onerror handlers fire if any got through
        assert watched_page.dialogs == [], flags
        runnable = page.evaluate("[...document.querySelectorAll('script')].filter(s => !s.type)"
                                 ".map(s => s.src || s.textContent.trim().slice(0, 16))")
        assert all(src.startswith("https://cdn.jsdelivr.net/") or src == "window.MathJax =" for src in runnable)
    assert watched_page.errors == []


def test_dialog_listener_works(tmp_path: Path, watched_page) -> None:
    """The control for the test above: a JavaScript output does run (unless sanitized)."""
    nb = notebook(code("x", [v4.new_output("display_data", data={"application/javascript": "alert('control')",
                                                                   "text/plain": "fallback"})]))
    path = write(nb, tmp_path / "control.ipynb")
    assert run_nbconv(path).returncode == 0
    watched_page.page.goto((tmp_path / "control.html").as_uri(), wait_until="load")
    assert watched_page.dialogs == ["alert: control"]
    assert run_nbconv(path, "--sanitize-html").returncode == 0
    watched_page.page.goto((tmp_path / "control.html").as_uri(), wait_until="load")
    assert watched_page.dialogs == ["alert: control"]  # no second one
    assert "fallback" in watched_page.page.inner_text("body")
