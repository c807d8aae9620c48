"""--to webpdf: the HTML page printed to PDF by the system's Chromium, with no network."""

from __future__ import annotations

import base64
import http.server
import re
import shutil
import subprocess
import threading
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from nbformat import v4

from converter.notebook import read_notebook
from tests.conftest import CHROMIUM, CORPUS, corpus_notebooks, need, run_nbconv
from tests.nbbuild import code, markdown, notebook, write

# 1x1 red PNG
RED_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC")


@pytest.fixture(scope="module")
def printing() -> None:
    """Skip (or fail in CI) without Chromium, playwright or poppler."""
    need(Path(CHROMIUM).exists(), f"{CHROMIUM} not installed (Debian package chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        need(False, "playwright (Python package) not installed: pip install 'nbconv[webpdf]'")
    for name in ("pdftotext", "pdfinfo"):
        need(shutil.which(name) is not None, f"{name} not found (Debian package poppler-utils)")


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in out.splitlines())}


def page_size(pdf: Path) -> tuple[float, float]:
    width, height = re.match(r"([\d.]+) x ([\d.]+) pts", pdf_info(pdf)["Page size"]).groups()
    return float(width), float(height)


def words_with_boxes(pdf: Path) -> list[tuple[str, float, float]]:
    """(word, xMin, xMax) of every word pdftotext finds, in points."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    root = ET.fromstring(xhtml)
    return [(w.text or "", float(w.get("xMin")), float(w.get("xMax"))) for w in root.iter("{http://www.w3.org/1999/xhtml}word")]


def comparable(text: str) -> str:
    """Text with whitespace removed: wrapping and indentation do not matter."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())


# -- the corpus ----------------------------------------------------------------

@pytest.fixture(scope="module")
def corpus_pdfs(printing, tmp_path_factory) -> Path:
    """Every corpus notebook printed by one nbconv command (as a user converts a folder)."""
    if not CORPUS.is_dir():
        pytest.skip(f"{CORPUS} not found (../shared is absent)")
    out = tmp_path_factory.mktemp("corpus-pdf")
    paths = sorted(CORPUS.rglob("*.ipynb"))
    done = run_nbconv("--to", "webpdf", "--output-dir", out, *paths, timeout=900)
    assert done.returncode == 0, done.stderr.decode()
    return out


@pytest.mark.parametrize("path", corpus_notebooks())
def test_corpus_pdf_holds_every_code_cells_first_line(path, corpus_pdfs):
    pdf = corpus_pdfs / (path.stem + ".pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert pdf_info(pdf)["Page size"].endswith("(A4)")
    text = comparable(pdf_text(pdf))
    missing = []
    for cell in read_notebook(path).cells:
        lines = [line for line in cell.source.splitlines() if line.strip()] if cell.cell_type == "code" else []
        if lines and comparable(lines[0]) not in text:
            missing.append(lines[0])
    assert not missing


# -- paper, wide content --------------------------------------------------------

LONG_CODE = "total = " + " + ".join(f"value_{i:03d}" for i in range(28))  # spaces to break at
LONG_WORD = "x" + "".join(f"{i:03d}" for i in range(100))  # no space at all
WIDE_HTML = '<div style="width:1800px"><span style="float:right">RIGHTMOSTWORD</span>LEFTMOSTWORD</div>'


def wide_notebook(tmp_path: Path) -> Path:
    stream = v4.new_output("stream", name="stdout", text=LONG_WORD + "\n")
    html = v4.new_output("display_data", data={"text/html": WIDE_HTML, "text/plain": "<div>"})
    nb = notebook(
        markdown("# Wide things"),
        code(LONG_CODE + "\n" + LONG_WORD, outputs=[stream, html]),
    )
    return write(nb, tmp_path / "wide.ipynb")


@pytest.mark.parametrize("paper, size, label", [("a4", (595.9, 842.9), "A4"), ("letter", (612, 792), "letter")])
def test_paper_size_is_the_one_asked_for(printing, tmp_path, paper, size, label):
    source = write(notebook(markdown("# Paper"), code("print('paper')")), tmp_path / "paper.ipynb")
    done = run_nbconv("--to", "webpdf", "--paper", paper, source)
    assert done.returncode == 0, done.stderr.decode()
    pdf = tmp_path / "paper.pdf"
    width, height = page_size(pdf)
    assert (round(width), round(height)) == (round(size[0]), round(size[1]))
    assert pdf_info(pdf)["Page size"].endswith(f"({label})")


def test_a_300_character_line_loses_no_text(printing, tmp_path):
    assert len(LONG_CODE) >= 300 and len(LONG_WORD) >= 300
    done = run_nbconv("--to", "webpdf", wide_notebook(tmp_path))
    assert done.returncode == 0, done.stderr.decode()
    pdf = tmp_path / "wide.pdf"
    text = comparable(pdf_text(pdf))
    assert comparable(LONG_CODE) in text  # the code line, wrapped
    assert text.count(LONG_WORD) == 2  # in the input and in the stream output, broken anywhere
    page_width, _ = page_size(pdf)
    words = words_with_boxes(pdf)
    assert words and all(0 <= left and right <= page_width for _, left, right in words)
    assert "RIGHTMOSTWORD" in [word for word, _, _ in words]  # the 1800px box was zoomed out to fit


def test_math_is_typeset_as_mathml(printing, tmp_path):
    nb = notebook(markdown("Inline $\\alpha^2 + \\beta$ and\n\n$$\\sum_{i=1}^{n} \\gamma_i$$"),
                  code("f()", outputs=[v4.new_output("display_data", data={"text/latex": "$\\delta$",
                                                                         "text/plain": "d"})]))
    done = run_nbconv("--to", "webpdf", write(nb, tmp_path / "math.ipynb"))
    assert done.returncode == 0, done.stderr.decode()
    text = unicodedata.normalize("NFKC", pdf_text(tmp_path / "math.pdf"))  # mathematical italic 𝛼 is α
    assert all(symbol in text for symbol in "\u03b1\u03b2\u2211\u03b3\u03b4")  # α β ∑ γ δ
    assert "\\alpha" not in text and "\\sum" not in text and "$" not in text


def test_webpdf_refuses_mathjax():
    from converter import WebPDFExporter
    from converter.errors import ExportError

    with pytest.raises(ExportError, match="prints math as MathML"):
        WebPDFExporter(math="mathjax")


# -- nothing from the network, no notebook scripts ---------------------------------

class RecordingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        RecordingHandler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(base64.b64decode(RED_PNG))

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def http_server():
    RecordingHandler.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def red_pixels(pdf: Path) -> int:
    """How many copies of the 1x1 test PNG the PDF draws (a blocked image shows a 14x16 icon)."""
    out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:]]
    return sum(1 for row in rows if row[2] == "image" and row[3:5] == ["1", "1"])


def test_the_page_loads_nothing_but_itself(printing, tool, tmp_path, http_server):
    tool("pdfimages", "poppler-utils")
    local_png = tmp_path / "red.png"
    local_png.write_bytes(base64.b64decode(RED_PNG))
    outside = (f'<img src="{http_server}/img.png" width="40" height="40">'
               f'<link rel="stylesheet" href="{http_server}/style.css">'
               f'<img src="{local_png.as_uri()}" width="40" height="40">'
               f'<iframe src="{http_server}/frame"></iframe>')
    nb = notebook(
        markdown(f"![remote]({http_server}/md.png)\n\nSCRIPTS-OFF-MARKER"),
        code("show()", outputs=[
            v4.new_output("display_data", data={"text/html": outside, "text/plain": "x"}),
            v4.new_output("display_data", data={
                "text/html": '<script>document.write("SCRIPT" + "RAN")</script>', "text/plain": "x"}),
            v4.new_output("display_data", data={"application/javascript": "document.write('JSRAN')",
                                                "text/plain": "JS-FALLBACK-TEXT"}),
        ]),
    )
    done = run_nbconv("--to", "webpdf", write(nb, tmp_path / "offline.ipynb"))
    assert done.returncode == 0, done.stderr.decode()
    pdf = tmp_path / "offline.pdf"
    assert RecordingHandler.requests == []
    assert red_pixels(pdf) == 0  # neither the remote nor the file: image
    text = pdf_text(pdf)
    assert "SCRIPTS-OFF-MARKER" in text and "SCRIPTRAN" not in text and "JSRAN" not in text
    assert "JS-FALLBACK-TEXT" in text


def test_embedded_images_do_print(printing, tool, tmp_path):
    """The control for the test above: data: images and the notebook's own files do show,
    also with --extract-outputs (a PDF holds its images; no side files are written)."""
    tool("pdfimages", "poppler-utils")
    (tmp_path / "beside.png").write_bytes(base64.b64decode(RED_PNG))
    nb = notebook(
        markdown("![beside](beside.png)"),
        code("show()", outputs=[v4.new_output("display_data", data={"image/png": RED_PNG, "text/plain": "x"})]),
    )
    done = run_nbconv("--to", "webpdf", "--extract-outputs", write(nb, tmp_path / "images.ipynb"))
    assert done.returncode == 0, done.stderr.decode()
    assert red_pixels(tmp_path / "images.pdf") == 2
    assert not (tmp_path / "images_files").exists()


def processes_with(marker: str) -> list[int]:
    """Processes whose environment holds ``marker`` (children inherit it, orphans too)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def test_a_batch_prints_with_one_browser_per_process_and_leaves_none(printing, tmp_path):
    import uuid

    need(Path("/proc/self/environ").exists(), "needs /proc")
    sources = [write(notebook(markdown(f"# Notebook {i}"), code(f"print({i})")), tmp_path / f"nb{i}.ipynb")
               for i in range(6)]
    marker = f"nbconv-webpdf-test-{uuid.uuid4()}"
    done = run_nbconv("--to", "webpdf", "-j", "2", *sources, env={"NBCONV_TEST_MARKER": marker})
    assert done.returncode == 0, done.stderr.decode()
    for i in range(6):
        assert f"Notebook {i}" in pdf_text(tmp_path / f"nb{i}.pdf")
    import time

    deadline = time.monotonic() + 10
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with(marker) == []


# -- no browser -------------------------------------------------------------------

def test_a_missing_browser_is_one_line_and_exit_12(tmp_path):
    source = write(notebook(code("1")), tmp_path / "nb.ipynb")
    done = run_nbconv("--to", "webpdf", "--chromium", tmp_path / "no-such-chromium", source)
    assert done.returncode == 12
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nbconv: error: ") and "apt-get install chromium" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nb.ipynb"]


def test_no_chromium_anywhere_names_the_package(tmp_path, monkeypatch):
    from converter.errors import BrowserError
    from converter.exporters import webpdf

    monkeypatch.setattr(webpdf, "SYSTEM_CHROMIUM", str(tmp_path / "absent"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BrowserError, match="chromium not found: install the Debian package chromium") as caught:
        webpdf.WebPDFExporter().from_notebook_node(notebook(code("1")))
    assert caught.value.exit_code == 12


def test_missing_playwright_says_which_extra_to_install(tmp_path):
    fake = tmp_path / "fake"
    (fake / "playwright").mkdir(parents=True)
    (fake / "playwright" / "__init__.py").write_text("raise ImportError('no playwright here')\n")
    source = write(notebook(code("1")), tmp_path / "nb.ipynb")
    done = run_nbconv("--to", "webpdf", source, path=(fake,))
    assert done.returncode == 12
    assert "pip install 'nbconv[webpdf]'" in done.stderr.decode()
    assert not (tmp_path / "nb.pdf").exists()


def test_a_project_config_file_cannot_choose_the_browser(tmp_path):
    (tmp_path / "nbconv.toml").write_text('chromium = "/bin/sh"\n')
    source = write(notebook(code("1")), tmp_path / "nb.ipynb")
    done = run_nbconv("--to", "webpdf", source.name, cwd=tmp_path)
    assert done.returncode == 2
    assert "chromium can be set only by --chromium or NBCONV_CHROMIUM" in done.stderr.decode()
    assert not (tmp_path / "nb.pdf").exists()


def test_unknown_paper_is_refused_by_the_library():
    from converter import WebPDFExporter
    from converter.errors import ExportError

    with pytest.raises(ExportError, match="unknown paper size 'a3'"):
        WebPDFExporter(paper="a3")


def test_webpdf_is_listed_and_exported():
    import converter
    from converter.exporters import get_exporter

    assert get_exporter("webpdf") is converter.WebPDFExporter
    done = run_nbconv("--list-formats")
    assert re.search(r"^webpdf\s+PDF printed from the HTML page", done.stdout.decode(), re.M)
