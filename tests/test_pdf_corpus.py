"""Every corpus notebook becomes a PDF with xelatex, and its first heading is in it."""

from __future__ import annotations

import subprocess
import unicodedata

import mistune
import pytest

from converter.exporters.pdf import PDFExporter
from converter.notebook import read_notebook
from tests.conftest import corpus_notebooks


def first_heading_text(nb, fallback: str) -> str:
    """The leading plain text of the first markdown heading (math and code cut it off)."""
    parse = mistune.create_markdown(renderer=None)
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for token in parse(cell.source):
            if token["type"] == "heading":
                words = []
                for child in token["children"]:
                    if child["type"] != "text":
                        break
                    words.append(child["raw"])
                if "".join(words).strip():
                    return "".join(words)
    return fallback  # no heading: the title, which is the notebook's name


def comparable(text: str) -> str:
    """Letters and digits only: line breaks, TeX quotes and dashes do not matter."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalnum())


@pytest.mark.parametrize("path", corpus_notebooks())
def test_corpus_notebook_converts_to_pdf(path, tool, tmp_path):
    tool("xelatex", "texlive-xetex")
    tool("pdftotext", "poppler-utils")
    pdf, resources = PDFExporter().from_filename(path)
    assert not [line for line in resources.warnings if "PDF driver" in line]  # nothing of theirs removed
    assert not [line for line in resources.warnings if "shown as its source" in line]  # all of it compiles
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    target = tmp_path / "out.pdf"
    target.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(target)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages > 0
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    heading = first_heading_text(read_notebook(path), path.stem)
    assert comparable(heading) in comparable(text), heading
