"""LatexExporter and PDFExporter: templates, extracted files, xelatex runs and errors."""

from __future__ import annotations

import base64
import json
import re
import struct
import subprocess
import zlib
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from converter.errors import LatexError
from converter.exporters.latex import LatexExporter
from converter.exporters.pdf import PDFExporter, relevant_log_lines
from converter.filters.ansi import ansi_to_latex
from converter.pipeline import Resources
from tests.conftest import run_nbconv


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny, red) PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG = base64.b64encode(png_bytes()).decode()
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="blue"/></svg>'


def tricky_notebook() -> nbformat.NotebookNode:
    """Special characters everywhere LaTeX could trip, plus every output kind."""
    markdown = new_markdown_cell(
        "# Costs & 100% of R_x {#1}\n\n"
        "Text with ~ ^ \\ and unicode: αβγ → “quotes” ü.\n\n"
        "| name_1 | 50% |\n|---|---|\n| a&b | $x_1$ |\n\n"
        "[link #1 & 2](https://example.com/a_b?x=1&y=2#top) and ![attached](attachment:dot.png)\n\n"
        "$$\na_1 * b_2 \\\\ c\n$$\n"
    )
    markdown.attachments = {"dot.png": {"image/png": PNG}}
    long_line = "x = " + " + ".join(f"value_{i}" for i in range(60))
    code = new_code_cell(long_line + "\nprint('%d {}' % 3)", execution_count=7)
    code.outputs = [
        new_output("stream", name="stdout", text="plain # $ % & _ { } \\ ~ ^\n\x1b[31mred\x1b[0m text\n"),
        new_output("stream", name="stderr", text="warning: 50% done\n"),
        new_output("execute_result", data={"text/plain": "42", "image/png": PNG}, execution_count=7),
        new_output("display_data", data={"text/latex": "$\\displaystyle \\frac{a_1}{b}$", "text/plain": "a/b"}),
        new_output("display_data", data={"text/html": "<b>html only</b>"}),
        new_output("display_data", data={"image/svg+xml": "<svg broken", "text/plain": "<Figure>"}),
        new_output("display_data", data={"image/png": base64.b64encode(b"not a png").decode()}),
        new_output("error", ename="ValueError", evalue="bad {value}",
                   traceback=["\x1b[0;31mValueError\x1b[0m: bad {value} at 100%"]),
    ]
    raw_latex = new_raw_cell("\\textbf{raw latex}", metadata={"raw_mimetype": "text/latex"})
    raw_plain = new_raw_cell("# not latex: $ & %", metadata={})
    raw_other = new_raw_cell("<b>html raw</b>", metadata={"raw_mimetype": "text/html"})
    nb = new_notebook(cells=[markdown, code, raw_latex, raw_plain, raw_other])
    nb.metadata.update({
        "title": "Report on R&D_2 #1",
        "authors": [{"name": "Ada L_ovelace"}, {"name": "Alan T%uring"}, {"name": ""}],
        "date": "1 May 2026",
        "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
    })
    return nb


def export_latex(nb, **options) -> tuple[str, Resources]:
    body, resources = LatexExporter(**options).from_notebook_node(nb, Resources(name="my nb"))
    return body, resources


def test_article_has_title_authors_and_date_from_metadata():
    body, _ = export_latex(tricky_notebook())
    assert body.startswith("% Made by nbconv")
    assert "\\documentclass[11pt]{article}" in body
    assert "\\title{Report on R\\&D\\_2 \\#1}" in body
    assert "\\author{Ada L\\_ovelace \\and Alan T\\%uring}" in body
    assert "\\date{1 May 2026}" in body
    assert body.rstrip().endswith("\\end{document}")


def test_report_template_has_title_page_and_contents():
    body, _ = export_latex(tricky_notebook(), template="report")
    assert "\\documentclass[11pt]{report}" in body
    assert "\\tableofcontents" in body


def test_code_cells_are_highlighted_with_prompts():
    body, _ = export_latex(tricky_notebook())
    assert "\\nbprompt{nbincolor}{In [7]:}" in body
    assert "\\PY{n+nb}{print}" in body
    assert "\\nbprompt{nboutcolor}{Out[7]:}" in body
    no_prompt, _ = export_latex(tricky_notebook(), no_prompt=True)
    assert "\\nbprompt" not in no_prompt.split("\\begin{document}")[1]
    no_input, _ = export_latex(tricky_notebook(), no_input=True)
    assert "\\PY{n+nb}{print}" not in no_input


def test_streams_and_errors_are_escaped_with_ansi_colours():
    body, _ = export_latex(tricky_notebook())
    assert "\\begin{NBOutput}\nplain # $ % & _ \\{ \\} \\textbackslash{} ~ ^\n\\nbcolor{ansi-red}{red} text\n\\end{NBOutput}" in body
    assert "\\begin{NBError}\nwarning: 50% done\n\\end{NBError}" in body
    assert "\\nbcolor{ansi-red}{ValueError}: bad \\{value\\} at 100%" in body


def test_outputs_latex_as_is_images_extracted_and_placeholders():
    body, resources = export_latex(tricky_notebook())
    assert "$\\displaystyle \\frac{a_1}{b}$" in body
    assert "\\nbimage{my nb_files/my nb_1_2.png}" in body
    assert resources.outputs["my nb_files/my nb_1_2.png"] == png_bytes()
    assert "no LaTeX form of text/html" in body
    assert "SVG output not included" in body
    assert "PNG output not included" in body
    assert not any("my nb_1_6" in name for name in resources.outputs)


def test_markdown_attachments_are_extracted():
    body, resources = export_latex(tricky_notebook())
    names = [name for name in resources.outputs if name.startswith("my nb_files/image_")]
    assert len(names) == 1 and resources.outputs[names[0]] == png_bytes()
    assert f"\\nbimage{{{names[0]}}}" in body


def test_raw_cells_by_mimetype():
    body, _ = export_latex(tricky_notebook())
    assert "\\textbf{raw latex}" in body
    assert "\\begin{NBOutput}\n# not latex: $ & %\n\\end{NBOutput}" in body
    assert "html raw" not in body


def test_svg_outputs_become_pdf_files_with_cairosvg():
    pytest.importorskip("cairosvg")
    nb = new_notebook(cells=[new_code_cell("svg", outputs=[new_output("display_data", data={"image/svg+xml": SVG})])])
    body, resources = export_latex(nb)
    assert resources.outputs["my nb_files/my nb_0_0.pdf"].startswith(b"%PDF-")
    assert "\\nbimage{my nb_files/my nb_0_0.pdf}" in body


def test_svg_side_files_are_the_same_bytes_on_every_run():
    """cairo stamps the time into each PDF; the stamp is fixed, so a rebuild changes nothing."""
    pytest.importorskip("cairosvg")
    import time

    from converter.filters.svg import svg_to_pdf

    first = svg_to_pdf(SVG)
    time.sleep(1.05)  # cairo's stamp has one-second resolution
    assert svg_to_pdf(SVG) == first and b"/CreationDate (D:20000101000000Z)" in first


def test_ansi_to_latex_keeps_groups_on_one_line():
    out = ansi_to_latex("\x1b[1;32mgreen {bold}\nsecond\x1b[0m plain \x1b[38;5;196mx\x1b[48;2;1;2;3my")
    assert out == ("\\nbcolor{ansi-green-intense}{\\textbf{green \\{bold\\}}}\n\\nbcolor{ansi-green-intense}{\\textbf{second}} plain "
                   "\\nbrgb{FF0000}{x}\\colorbox[HTML]{010203}{\\nbrgb{FF0000}{y}}")


def test_relevant_log_lines_pick_the_error_not_the_whole_log():
    log = "\n".join(["This is XeTeX"] + [f"(/usr/share/texmf/file{i}.sty)" for i in range(300)] + [
        "./notebook.tex:42: Undefined control sequence.",
        "l.42 \\undefinedthing",
        "",
        "Here is how much of TeX's memory you used:",
    ])
    assert relevant_log_lines(log) == ["./notebook.tex:42: Undefined control sequence.", "l.42 \\undefinedthing"]


# PDF: real xelatex

def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))


def test_pdf_of_tricky_notebook_in_a_tricky_path(tool, tmp_path):
    tool("xelatex", "texlive-xetex")
    tool("pdftotext", "poppler-utils")
    folder = tmp_path / "dir with space"
    folder.mkdir()
    source = folder / "50% ünï code.ipynb"
    source.write_text(json.dumps(tricky_notebook()), encoding="utf-8")
    before = source.read_bytes()
    done = run_nbconv("--to", "pdf", source)
    assert done.returncode == 0, done.stderr.decode()
    target = folder / "50% ünï code.pdf"
    assert target.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in folder.iterdir()) == ["50% ünï code.ipynb", "50% ünï code.pdf"]
    assert source.read_bytes() == before
    text = " ".join(pdf_text(target).split())
    for expected in ("Costs & 100% of R_x {#1}", "αβγ → “quotes” ü", "plain # $ % & _ { } \\ ~ ^",
                     "raw latex", "# not latex: $ & %", "Report on R&D_2 #1"):
        assert expected in text, expected


def test_footnotes_are_numbered_across_cells(tool, tmp_path):
    nb = new_notebook(cells=[new_markdown_cell("One[^a].\n\n[^a]: first note"),
                             new_markdown_cell("Two[^b] and three[^c].\n\n[^b]: second note\n[^c]: third note")])
    latex, _ = export_latex(nb)
    assert re.findall(r"\\footnote(mark|text)\[(\d)\]", latex) == [
        ("mark", "1"), ("text", "1"), ("mark", "2"), ("mark", "3"), ("text", "2"), ("text", "3")]
    tool("xelatex", "texlive-xetex")
    tool("pdftotext", "poppler-utils")
    source = tmp_path / "notes.ipynb"
    nbformat.write(nb, source)
    assert run_nbconv("--to", "pdf", source).returncode == 0
    text = " ".join(pdf_text(tmp_path / "notes.pdf").split())
    assert "One1 . Two2 and three3 ." in text  # the marks, numbered 1 to 3
    assert all(f"{note} note" in text for note in ("first", "second", "third"))


def test_latex_cli_writes_tex_and_files(tool, tmp_path):
    source = tmp_path / "nb.ipynb"
    source.write_text(json.dumps(tricky_notebook()), encoding="utf-8")
    done = run_nbconv("--to", "latex", source, "--output-dir", tmp_path / "out")
    assert done.returncode == 0, done.stderr.decode()
    assert (tmp_path / "out" / "nb.tex").read_text().startswith("% Made by nbconv")
    assert (tmp_path / "out" / "nb_files" / "nb_1_2.png").read_bytes() == png_bytes()
    # and the written .tex compiles where it lies
    tool("xelatex", "texlive-xetex")
    subprocess.run(["xelatex", "-interaction=nonstopmode", "-halt-on-error", "nb.tex"], cwd=tmp_path / "out",
                   capture_output=True, check=True, timeout=120)
    assert pdf_pages(tmp_path / "out" / "nb.pdf") >= 1


def test_report_pdf_has_contents_after_a_second_run(tool, tmp_path):
    tool("xelatex", "texlive-xetex")
    tool("pdftotext", "poppler-utils")
    nb = new_notebook(cells=[new_markdown_cell("# Chapter One\n\ntext\n\n## Part Two\n\nmore")])
    pdf, resources = PDFExporter(template="report").from_notebook_node(nb, Resources(name="rep"))
    assert resources.outputs == {}
    path = tmp_path / "rep.pdf"
    path.write_bytes(pdf)
    contents = pdf_text(path).split("Contents", 1)[1]
    assert "Chapter One" in contents.split("text")[0]


def test_bibtex_runs_when_the_document_cites(tool, tmp_path):
    tool("xelatex", "texlive-xetex")
    tool("bibtex", "texlive-binaries")
    tool("pdftotext", "poppler-utils")
    (tmp_path / "refs.bib").write_text(
        "@book{knuth84, author={Donald Knuth}, title={The TeXbook}, publisher={Addison-Wesley}, year={1984}}\n")
    nb = new_notebook(cells=[
        new_markdown_cell("# Citing"),
        new_raw_cell("As shown in \\cite{knuth84}.\n\\bibliographystyle{plain}\n\\bibliography{refs}",
                     metadata={"raw_mimetype": "text/latex"}),
    ])
    source = tmp_path / "cites.ipynb"
    source.write_text(json.dumps(nb))
    pdf, _ = PDFExporter().from_filename(source)
    path = tmp_path / "cites.pdf"
    path.write_bytes(pdf)
    text = " ".join(pdf_text(path).split())
    assert "As shown in [1]" in text
    assert "The TeXbook" in text


def test_latex_failure_names_notebook_and_shows_the_error_lines(tool, tmp_path):
    tool("xelatex", "texlive-xetex")
    nb = new_notebook(cells=[new_raw_cell("\\undefinedmacro{x}", metadata={"raw_mimetype": "text/latex"})])
    source = tmp_path / "broken.ipynb"
    source.write_text(json.dumps(nb))
    done = run_nbconv("--to", "pdf", "--strict", source)  # without --strict: shown as source
    assert done.returncode == 10
    message = done.stderr.decode()
    assert message.startswith(f"nbconv: error: {source}: broken: cell 1 of 1: xelatex failed")
    assert "Undefined control sequence" in message and "\\undefinedmacro" in message
    assert len(message.splitlines()) < 12
    assert not (tmp_path / "broken.pdf").exists()


def test_missing_xelatex_is_one_line_naming_the_package():
    nb = new_notebook(cells=[new_markdown_cell("x")])
    with pytest.raises(LatexError) as caught:
        PDFExporter(latex_command="no-such-xelatex").from_notebook_node(nb)
    message = str(caught.value)
    assert "texlive-xetex" in message and "\n" not in message
    assert caught.value.exit_code == 10
